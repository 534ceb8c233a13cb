"""The contract's data in ``golden/``, and the judgements that are pure functions of it.

Loaders (each cached, each returning read-only views of one file):

- :func:`requirements`: every requirement of the contract (``requirements.json``).
- :func:`catalogue`: the error codes of the contract version (``error-catalogue.json``).
- :func:`model`: what the contract takes from botocore 1.44.8's EC2 model (``model.json``).
- :func:`normalisation`: how a success body is compared with the golden response.
- :func:`domain`: value syntax, limits and the valid domain of a request (``domain.json``).
- :func:`ec2_api`: EC2's published API versions and action names (``ec2-api.json``).
- :func:`golden_response` and :func:`error_envelope`: the golden XML documents.

Judgements:

- :func:`compare_success`: a success body against the golden response (RESP-GOLDEN,
  RESP-GOLDEN-ORDER, RESP-VOLUME-ECHO, RESP-AZ-ECHO, RESP-TASK-ID, RESP-INSTANCE,
  RESP-EXPIRATION, RESP-EXPIRATION-ISO, RESP-STATE, PARAM-DESCRIPTION-ECHO).
- :func:`status_findings`: an error's code and status against the catalogue (ERR-CODE-KNOWN,
  ERR-STATUS-MATCHES, ERR-STATUS-DOCUMENTED).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from types import MappingProxyType
from typing import Any, Literal

from lxml import etree
from xmldiff import main as xmldiff_main
from xmldiff.actions import DeleteNode, InsertNode, MoveNode, RenameNode, UpdateTextIn

from ec2conformance import GOLDEN
from ec2conformance.model import RequestSpec
from ec2conformance.xmlsafe import local_name, parse_untrusted, strip_white_space

__all__ = [
    "COMPARE_REQUIREMENTS",
    "Alternative",
    "CatalogueEntry",
    "Difference",
    "DifferenceKind",
    "Normalisation",
    "Requirement",
    "Rule",
    "Variant",
    "catalogue",
    "compare_success",
    "domain",
    "ec2_api",
    "error_envelope",
    "golden_response",
    "load_json",
    "model",
    "normalisation",
    "render_differences",
    "requirements",
    "status_findings",
]


# --------------------------------------------------------------------------- loading


def _freeze(value: Any) -> Any:
    """A read-only view of parsed JSON (mappings become proxies, lists become tuples)."""
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


@cache
def load_json(name: str) -> Mapping[str, Any]:
    """The parsed, read-only content of ``golden/<name>`` (cached)."""
    return _freeze(json.loads((GOLDEN / name).read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Alternative:
    """One acceptable outcome a requirement row names.

    ``status`` ``None`` means any status (the exact status is judged by ERR-STATUS-*);
    ``code`` ``None`` with status 200 is success.
    """

    status: int | None
    code: str | None


@dataclass(frozen=True)
class Variant:
    """One of several requests a row describes, with its own expected outcomes."""

    name: str
    request: str
    expected: tuple[Alternative, ...]


@dataclass(frozen=True)
class Requirement:
    """One requirement of the contract (a row of ``requirements.json``)."""

    id: str
    level: Literal["MUST", "SHOULD"]
    decided: bool
    group: str
    stage: int | None
    documentation: str
    source: str
    request: str | None
    judges: str
    safe_mode: str
    expected: tuple[Alternative, ...]
    response: Mapping[str, Any]
    variants: tuple[Variant, ...]

    def codes(self) -> frozenset[str]:
        """Every error code the row names, its variants' included."""
        alternatives = list(self.expected)
        for variant in self.variants:
            alternatives.extend(variant.expected)
        return frozenset(a.code for a in alternatives if a.code is not None)


@dataclass(frozen=True)
class CatalogueEntry:
    """One code of the error catalogue (ERR-CODE-KNOWN, ERR-STATUS-*)."""

    code: str
    http_status: int | None
    status_evidence: Literal["wire", "generic", "emulator", "none"]
    kind: Literal["client", "server"]
    description: str
    source: str


def _alternatives(items: Any) -> tuple[Alternative, ...]:
    return tuple(Alternative(status=i["status"], code=i["code"]) for i in items)


@cache
def requirements() -> Mapping[str, Requirement]:
    """Every requirement of the contract by id, in the contract's order."""
    out: dict[str, Requirement] = {}
    for row in load_json("requirements.json")["requirements"]:
        out[row["id"]] = Requirement(
            id=row["id"],
            level=row["level"],
            decided=row["decided"],
            group=row["group"],
            stage=row["stage"],
            documentation=row["documentation"],
            source=row["source"],
            request=row["request"],
            judges=row["judges"],
            safe_mode=row["safe_mode"],
            expected=_alternatives(row["expected"]),
            response=row.get("response", MappingProxyType({})),
            variants=tuple(
                Variant(v["name"], v["request"], _alternatives(v["expected"]))
                for v in row.get("variants", ())
            ),
        )
    return MappingProxyType(out)


@cache
def catalogue() -> Mapping[str, CatalogueEntry]:
    """The error catalogue of the contract version, by code."""
    return MappingProxyType(
        {
            e["code"]: CatalogueEntry(
                code=e["code"],
                http_status=e["http_status"],
                status_evidence=e["status_evidence"],
                kind=e["kind"],
                description=e["description"],
                source=e["source"],
            )
            for e in load_json("error-catalogue.json")["codes"]
        }
    )


def model() -> Mapping[str, Any]:
    """botocore 1.44.8's EC2 model as the contract uses it (``model.json``): parameter
    name templates, enums and the element tree of ``ImportInstanceResult``."""
    return load_json("model.json")


def domain() -> Mapping[str, Any]:
    """The request side of the contract as data (``domain.json``)."""
    return load_json("domain.json")


def ec2_api() -> Mapping[str, Any]:
    """EC2's published API versions and action names (``ec2-api.json``)."""
    return load_json("ec2-api.json")


@cache
def golden_response() -> bytes:
    """The contract's golden response, byte for byte as the contract prints it."""
    return (GOLDEN / normalisation().golden).read_bytes()


@cache
def error_envelope(code: str) -> bytes:
    """A golden EC2 error envelope (``responses/errors/<code>.xml``)."""
    path = GOLDEN / "responses" / "errors" / f"{code}.xml"
    if path.parent != GOLDEN / "responses" / "errors":
        raise ValueError(f"not an error code: {code!r}")
    return path.read_bytes()


@dataclass(frozen=True)
class Rule:
    """How one varying element of a success body is judged (a rule of
    ``normalisation.json``); ``path`` runs from the root by local names."""

    id: str
    path: str
    requirement: str
    documentation: str
    in_golden: bool = True
    required: bool = False
    pattern: str | None = None
    not_before_seconds: int | None = None
    non_empty: bool = False
    fresh: bool = False
    count: int | None = None
    equals: Mapping[str, str] | None = None
    echo: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Normalisation:
    """The rules of the contract's section "The sample", as data."""

    golden: str
    root: str
    integer_syntax: str
    rules: tuple[Rule, ...]
    envelope: tuple[str, ...]
    allowed: Mapping[str, Any]

    def rules_for(self, path: str) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.path == path)


@cache
def normalisation() -> Normalisation:
    """The normalisation rules, and the element tree a success body may have beyond the
    golden: the model's ``ImportInstanceResult`` and the envelope's ``requestId``."""
    data = load_json("normalisation.json")
    rules = tuple(
        Rule(
            id=r["id"],
            path=r["path"],
            requirement=r["requirement"],
            documentation=r["documentation"],
            in_golden=r.get("in_golden", True),
            required=r.get("required", False),
            pattern=r.get("pattern"),
            not_before_seconds=r.get("not_before_seconds"),
            non_empty=r.get("non_empty", False),
            fresh=r.get("fresh", False),
            count=r.get("count"),
            equals=r.get("equals"),
            echo=r.get("echo"),
        )
        for r in data["rules"]
    )
    beyond = data["allowed_beyond_golden"]
    file_name, _, pointer = beyond["model"].partition("#/")
    tree: Any = load_json(file_name)
    for part in filter(None, pointer.split("/")):
        tree = tree[part]
    children = {name: MappingProxyType({"type": "string"}) for name in beyond["envelope"]}
    children.update(tree)
    allowed = MappingProxyType(
        {
            beyond["model_parent"]: MappingProxyType(
                {"type": "structure", "children": MappingProxyType(children)}
            )
        }
    )
    return Normalisation(
        golden=data["golden"],
        root=data["root"],
        integer_syntax=data["integer_syntax"],
        rules=rules,
        envelope=tuple(beyond["envelope"]),
        allowed=allowed,
    )


# --------------------------------------------------------------------- golden comparison

DifferenceKind = Literal["missing", "not-in-model", "order-only", "value"]

#: The requirement ids :func:`compare_success` judges; rules of other requirements
#: (RESP-REQUEST-ID: across responses) are data for other checks.
COMPARE_REQUIREMENTS = frozenset(
    {
        "RESP-GOLDEN",
        "RESP-GOLDEN-ORDER",
        "RESP-VOLUME-ECHO",
        "RESP-AZ-ECHO",
        "RESP-TASK-ID",
        "RESP-INSTANCE",
        "RESP-EXPIRATION",
        "RESP-EXPIRATION-ISO",
        "RESP-STATE",
        "PARAM-DESCRIPTION-ECHO",
    }
)


@dataclass(frozen=True)
class Difference:
    """One way a success body differs from the golden response, and the requirement it
    breaks."""

    requirement: str
    path: str
    expected: str
    received: str
    kind: DifferenceKind

    def __str__(self) -> str:
        return (
            f"{self.requirement} [{self.kind}] {self.path}: "
            f"expected {self.expected}, received {self.received}"
        )


def render_differences(differences: list[Difference]) -> str:
    """The differences as a readable list, one per line."""
    if not differences:
        return "no differences from the golden response"
    return "\n".join(f"- {d}" for d in differences)


def _own_text(el: etree._Element) -> str:
    """The element's own character data (its text and the tails of its children)."""
    parts = [el.text or ""]
    parts.extend(child.tail or "" for child in el)
    return "".join(parts)


def _canonical(el: etree._Element) -> etree._Element:
    """A copy with local names only, no attributes, comments or processing instructions;
    each element keeps its own character data (containers lose it in the walk)."""
    out = etree.Element(local_name(el))
    children = [c for c in el if isinstance(c.tag, str)]
    for child in children:
        out.append(_canonical(child))
    out.text = _own_text(el)
    return out


def _path_of(el: etree._Element) -> str:
    names = [el.tag]
    for ancestor in el.iterancestors():
        names.append(ancestor.tag)
    return "/".join(reversed(names))


def _as_integer(text: str, syntax: str) -> int | None:
    stripped = strip_white_space(text)
    return int(stripped) if re.fullmatch(syntax, stripped) else None


_ISO = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?Z"
)


def _parse_time(text: str) -> datetime | None:
    m = _ISO.fullmatch(text)
    if not m:
        return None
    year, month, day, hour, minute = (int(g) for g in m.groups()[:5])
    second = int(m.group(6) or 0)
    micro = int((m.group(7) or "0").ljust(6, "0")[:6])
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)
    except ValueError:
        return None


def _disk_index(spec: RequestSpec) -> str:
    indexes = []
    for name in spec.names():
        m = re.fullmatch(r"DiskImage\.([1-9][0-9]*)\..+", name)
        if m and m.group(1) not in indexes:
            indexes.append(m.group(1))
    if not indexes:
        raise ValueError("compare_success judges answers to valid requests: no disk image")
    return indexes[0]


class _Comparison:
    """One run of :func:`compare_success` (kept small: state for the walk)."""

    def __init__(self, spec: RequestSpec, availability_zone: str, now: datetime) -> None:
        self.spec = spec
        self.availability_zone = availability_zone
        self.now = now
        self.norm = normalisation()
        self.index = _disk_index(spec)
        self.out: list[Difference] = []
        self._seen: set[tuple[str, str, str]] = set()

    def add(self, requirement: str, path: str, expected: str, received: str, kind: str) -> None:
        key = (requirement, path, kind)
        if key in self._seen:
            return
        self._seen.add(key)
        self.out.append(Difference(requirement, path, expected, received, kind))  # type: ignore[arg-type]

    def not_in_model(self, path: str) -> None:
        shown = f"<{path.rpartition('/')[2]}>"
        self.add("RESP-GOLDEN", path, "only elements the model defines", shown, "not-in-model")

    # -- rules ---------------------------------------------------------------------------

    def _rules(self, path: str) -> list[Rule]:
        return [r for r in self.norm.rules_for(path) if r.requirement in COMPARE_REQUIREMENTS]

    def judge_value(self, path: str, text: str) -> None:
        for rule in self._rules(path):
            self._judge(rule, path, text)

    def _judge(self, rule: Rule, path: str, text: str) -> None:
        syntax = self.norm.integer_syntax
        if rule.non_empty and not strip_white_space(text):
            wanted = "a non-empty value"
            if path.endswith("/availabilityZone"):
                wanted = f"a non-empty zone (the suite's: {self.availability_zone})"
            self.add(rule.requirement, path, wanted, repr(text), "value")
        if rule.pattern is not None:
            if not re.fullmatch(rule.pattern, text):
                self.add(rule.requirement, path, f"a match of {rule.pattern}", repr(text), "value")
            elif rule.not_before_seconds is not None:
                moment = _parse_time(text)
                floor = self.now + timedelta(seconds=rule.not_before_seconds)
                if moment is None or moment < floor:
                    expected = f"a time no earlier than {floor:%Y-%m-%dT%H:%M:%SZ}"
                    self.add(rule.requirement, path, expected, repr(text), "value")
        if rule.equals is not None:
            self._compare(rule, path, rule.equals["value"], text, rule.equals["as"], syntax)
        if rule.echo is not None:
            param = str(rule.echo["param"]).replace("{N}", self.index)
            value = self.spec.get(param)
            if value == "" and rule.echo.get("empty_is_absent", False):
                value = None
            if value is None:
                if rule.echo["absent"] == "skip":
                    return
                value = ""
            self._compare(rule, path, value, text, rule.echo["as"], syntax)

    def _compare(
        self, rule: Rule, path: str, expected: str, text: str, kind: str, syntax: str
    ) -> None:
        if kind == "integer":
            want, got = _as_integer(expected, syntax), _as_integer(text, syntax)
            if want is None or got != want:
                self.add(rule.requirement, path, f"the integer {expected}", repr(text), "value")
        elif text != expected:
            self.add(rule.requirement, path, repr(expected), repr(text), "value")

    def missing(self, path: str, golden_has: bool) -> None:
        """An element the golden has, or a required one, is absent."""
        if golden_has:
            self.add("RESP-GOLDEN", path, "the element", "absent", "missing")
        for rule in self.norm.rules:
            inside = rule.path == path or rule.path.startswith(path + "/")
            if not inside or rule.requirement not in COMPARE_REQUIREMENTS:
                continue
            if rule.requirement == "RESP-GOLDEN" and golden_has:
                continue  # the missing ancestor says it already
            if rule.in_golden or rule.required:
                self.add(rule.requirement, rule.path, "the element", "absent", "missing")

    # -- structure -----------------------------------------------------------------------

    def walk(self, golden: etree._Element, received: etree._Element, allowed: Any) -> None:
        """Prune ``received`` to the golden's elements, ``golden`` to those received, and
        judge what is between; both end with identical texts so that only order remains."""
        path = _path_of(received)
        children_allowed = allowed.get("children", {}) if allowed is not None else {}
        is_list = allowed is not None and allowed.get("type") == "list"
        golden_names = [c.tag for c in golden]
        seen: dict[str, int] = {}
        for child in list(received):
            name = child.tag
            seen[name] = seen.get(name, 0) + 1
            child_path = f"{path}/{name}"
            if name not in children_allowed:
                self.not_in_model(child_path)
                received.remove(child)
            elif seen[name] > 1 and not is_list:
                shown = f"a second <{name}>"
                self.add("RESP-GOLDEN", child_path, f"one <{name}>", shown, "not-in-model")
                received.remove(child)
            elif name not in golden_names or seen[name] > 1:
                # Allowed beyond the golden: judged where a rule says so, then set aside.
                self.set_aside(child, children_allowed[name], first=seen[name] == 1)
                received.remove(child)
        for name in dict.fromkeys(golden_names):
            count_rules = [r for r in self._rules(f"{path}/{name}") if r.count is not None]
            total = seen.get(name, 0)
            for rule in count_rules:
                if total != rule.count:
                    self.add(
                        rule.requirement,
                        rule.path,
                        f"exactly {rule.count} <{name}>",
                        f"{total} <{name}>",
                        "value",
                    )
        for g_child in list(golden):
            name = g_child.tag
            match = next((c for c in received if c.tag == name), None)
            child_path = f"{path}/{name}"
            if match is None:
                self.missing(child_path, golden_has=True)
                golden.remove(g_child)
                continue
            if len(g_child) == 0:
                self.judge_leaf(g_child, match, child_path)
            else:
                g_child.text = match.text = None
                self.walk(g_child, match, children_allowed.get(name))
        # Required elements the golden lacks (none of the compared requirements has one
        # today; RESP-REQUEST-ID's requestId is judged across responses).
        for rule in self.norm.rules:
            parent, _, name = rule.path.rpartition("/")
            if parent != path or rule.in_golden or not rule.required:
                continue
            if rule.requirement in COMPARE_REQUIREMENTS and name not in seen:
                self.add(rule.requirement, rule.path, "the element", "absent", "missing")

    def set_aside(self, el: etree._Element, allowed: Any, *, first: bool) -> None:
        """An element the golden lacks but the model allows: its own rules (first
        occurrence only), and the model check for everything inside it."""
        path = _path_of(el)
        if len(el) == 0:
            if first:
                self.judge_value(path, el.text or "")
            return
        children_allowed = allowed.get("children", {})
        for child in el:
            if child.tag not in children_allowed:
                self.not_in_model(f"{path}/{child.tag}")
            else:
                self.set_aside(child, children_allowed[child.tag], first=False)

    def judge_leaf(self, golden: etree._Element, received: etree._Element, path: str) -> None:
        text = received.text or ""
        for child in list(received):
            # The golden's leaf came back with children: the model defines none.
            self.not_in_model(f"{path}/{child.tag}")
            received.remove(child)
        rules = self._rules(path)
        if rules:
            for rule in rules:
                self._judge(rule, path, text)
        elif text != (golden.text or ""):
            self.add("RESP-GOLDEN", path, repr(golden.text or ""), repr(text), "value")
        # Identical placeholders: xmldiff then matches each leaf with its counterpart.
        golden.text = received.text = path

    def order(self, golden: etree._Element, received: etree._Element) -> None:
        """Report siblings that come out of the golden's order (RESP-GOLDEN-ORDER), from
        xmldiff's edit script between the pruned trees."""
        for action in xmldiff_main.diff_trees(golden, received):
            if isinstance(action, MoveNode):
                parent_xpath = action.target
            elif isinstance(action, DeleteNode | InsertNode | RenameNode | UpdateTextIn):
                # Cannot happen after pruning; report rather than hide it.
                node = getattr(action, "node", None) or getattr(action, "target", "")
                plain = re.sub(r"\[\d+\]", "", str(node)).lstrip("/")
                self.add("RESP-GOLDEN", plain, "the golden's structure", str(action), "value")
                continue
            else:
                continue
            parent_path = re.sub(r"\[\d+\]", "", parent_xpath).lstrip("/")
            g_parent = _find(golden, parent_path)
            r_parent = _find(received, parent_path)
            if g_parent is None or r_parent is None:
                continue
            want = ", ".join(c.tag for c in g_parent)
            got = ", ".join(c.tag for c in r_parent)
            self.add("RESP-GOLDEN-ORDER", parent_path, want, got, "order-only")


def _find(root: etree._Element, path: str) -> etree._Element | None:
    names = path.split("/")
    if not names or names[0] != root.tag:
        return None
    node = root
    for name in names[1:]:
        node = next((c for c in node if c.tag == name), None)
        if node is None:
            return None
    return node


def compare_success(
    body: bytes,
    spec: RequestSpec,
    *,
    availability_zone: str,
    now: datetime | None = None,
) -> list[Difference]:
    """Compare a success body with the golden response (RESP-GOLDEN and the requirements in
    :data:`COMPARE_REQUIREMENTS`), after applying ``normalisation.json``.

    Both documents are canonicalised (local names, no attributes, comments or processing
    instructions); the varying elements are judged by their rules against ``spec`` (echoes
    compared as text or as integers) and ``now`` (default: the current UTC time); elements
    the golden lacks are allowed where the model's ``ImportInstanceResult`` or the envelope
    defines them; what remains is compared with xmldiff, whose moves are reported as
    RESP-GOLDEN-ORDER. ``availability_zone`` is the suite's zone, shown where the request
    names none. Raises :class:`~ec2conformance.xmlsafe.UnsafeOrMalformedXML` for a body that
    is not well-formed (RESP-ENVELOPE's failure), and ``ValueError`` for a spec without a
    disk image (only answers to valid requests are compared).
    """
    received_root = _canonical(parse_untrusted(body))
    golden_root = _canonical(parse_untrusted(golden_response()))
    run = _Comparison(spec, availability_zone, now or datetime.now(UTC))
    norm = run.norm
    if received_root.tag != norm.root:
        wanted, got = f"root <{norm.root}>", f"<{received_root.tag}>"
        run.add("RESP-GOLDEN", norm.root, wanted, got, "missing")
        run.missing(norm.root, golden_has=False)
        return run.out
    golden_root.text = received_root.text = None
    run.walk(golden_root, received_root, norm.allowed[norm.root])
    run.order(golden_root, received_root)
    return run.out


# ---------------------------------------------------------------------- status findings


def status_findings(code: str | None, status: int) -> list[tuple[str, str]]:
    """The catalogue's verdict on an error answer's code and status, as (requirement id,
    message) pairs; an empty list when nothing is wrong.

    - ERR-CODE-KNOWN: the code is in the catalogue of this contract version.
    - ERR-STATUS-MATCHES: for a code whose catalogue status is ``wire`` evidence, exactly
      that status; for any other client code a 4xx, for any other server code a 5xx.
    - ERR-STATUS-DOCUMENTED (SHOULD): for a code whose status has ``generic`` or
      ``emulator`` evidence, exactly that status.

    An answer without a code (``None``) has nothing to look up: ERR-ENVELOPE reports it.
    """
    if code is None:
        return []
    entry = catalogue().get(code)
    if entry is None:
        return [("ERR-CODE-KNOWN", f"{code!r} is not in the catalogue of contract version 2")]
    findings: list[tuple[str, str]] = []
    if entry.status_evidence == "wire":
        if status != entry.http_status:
            findings.append(
                (
                    "ERR-STATUS-MATCHES",
                    f"{code} is {entry.http_status} on the wire from AWS; received {status}",
                )
            )
        return findings
    low = 400 if entry.kind == "client" else 500
    if not low <= status <= low + 99:
        findings.append(
            (
                "ERR-STATUS-MATCHES",
                f"{code} is a {entry.kind} error: expected a {low // 100}xx, received {status}",
            )
        )
    if entry.status_evidence in ("generic", "emulator") and status != entry.http_status:
        findings.append(
            (
                "ERR-STATUS-DOCUMENTED",
                f"{code} is {entry.http_status} by {entry.status_evidence} evidence; "
                f"received {status}",
            )
        )
    return findings
