"""The success comparison: a success body against the golden response, after the rules of
``golden/normalisation.json`` (:func:`compare_success`), and its :class:`Difference` list.

The comparison judges the requirements of
:data:`~ec2conformance.golden.rules.COMPARE_REQUIREMENTS`: the structure requirement
(RESP-GOLDEN) for what is missing or not in the model, each compared rule's requirement for
the varying elements, and the order requirement (RESP-GOLDEN-ORDER) for xmldiff's moves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from lxml import etree
from xmldiff import main as xmldiff_main
from xmldiff.actions import DeleteNode, InsertNode, MoveNode, RenameNode, UpdateTextIn

from ec2conformance.golden.loaders import golden_response
from ec2conformance.golden.rules import Rule, normalisation
from ec2conformance.model import RequestSpec, bounded_int
from ec2conformance.xmlsafe import local_name, parse_untrusted, strip_white_space

__all__ = ["Difference", "DifferenceKind", "compare_success", "render_differences"]

DifferenceKind = Literal["missing", "not-in-model", "order-only", "value"]


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
    return bounded_int(stripped) if re.fullmatch(syntax, stripped) else None


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


class _Comparison:
    """One run of :func:`compare_success` (kept small: state for the walk)."""

    def __init__(
        self, spec: RequestSpec, availability_zone: str, now: datetime, *, strict: bool
    ) -> None:
        self.spec = spec
        self.strict = strict
        self.availability_zone = availability_zone
        self.now = now
        self.norm = normalisation()
        self.structure = self.norm.structure
        self.index = _disk_index(spec)
        self.out: list[Difference] = []
        self._seen: set[tuple[str, str, str]] = set()

    def add(
        self, requirement: str, path: str, expected: str, received: str, kind: DifferenceKind
    ) -> None:
        key = (requirement, path, kind)
        if key in self._seen:
            return
        self._seen.add(key)
        self.out.append(Difference(requirement, path, expected, received, kind))

    def not_in_model(self, path: str) -> None:
        shown = f"<{path.rpartition('/')[2]}>"
        self.add(self.structure, path, "only elements the model defines", shown, "not-in-model")

    # -- rules ---------------------------------------------------------------------------

    def _rules(self, path: str) -> list[Rule]:
        return [r for r in self.norm.rules_for(path) if r.compared]

    def judge_value(self, path: str, text: str) -> None:
        for rule in self._rules(path):
            self._judge(rule, path, text)

    def _judge(self, rule: Rule, path: str, text: str) -> None:
        if rule.non_empty and not strip_white_space(text):
            wanted = "a non-empty value"
            if path.endswith("/availabilityZone"):
                wanted = f"a non-empty zone (the suite's: {self.availability_zone})"
            self.add(rule.requirement, path, wanted, repr(text), "value")
        if rule.pattern is not None:
            self._judge_pattern(rule, rule.pattern, path, text)
        if rule.equals is not None:
            self._compare(rule, path, rule.equals["value"], text, rule.equals["as"])
        if rule.echo is not None:
            self._judge_echo(rule, rule.echo, path, text)

    def _judge_pattern(self, rule: Rule, pattern: str, path: str, text: str) -> None:
        if not re.fullmatch(pattern, text):
            self.add(rule.requirement, path, f"a match of {pattern}", repr(text), "value")
        elif rule.not_before_seconds is not None:
            moment = _parse_time(text)
            floor = self.now + timedelta(seconds=rule.not_before_seconds)
            if moment is None or moment < floor:
                expected = f"a time no earlier than {floor:%Y-%m-%dT%H:%M:%SZ}"
                self.add(rule.requirement, path, expected, repr(text), "value")

    def _echoed(self, echo: Mapping[str, Any]) -> str | None:
        """The request's value an echo rule compares with; None: nothing to compare."""
        value = self.spec.get(str(echo["param"]).replace("{N}", self.index))
        if value == "" and echo.get("empty_is_absent", False):
            value = None
        if value is None:
            return None if echo["absent"] == "skip" else ""
        return value

    def _judge_echo(self, rule: Rule, echo: Mapping[str, Any], path: str, text: str) -> None:
        value = self._echoed(echo)
        if value is not None:
            self._compare(rule, path, value, text, echo["as"])

    def _expects_a_value(self, rule: Rule) -> bool:
        """Whether ``rule`` wants some text for this request (not only an empty element)."""
        if rule.non_empty or rule.pattern is not None or rule.required:
            return True
        if rule.equals is not None and rule.equals["value"] != "":
            return True
        return rule.echo is not None and bool(self._echoed(rule.echo))

    def may_be_absent(self, golden: etree._Element, path: str) -> bool:
        """An element empty in the golden, whose rules expect no value for this request:
        absent is its second alternative (contract version 3); strict takes the first."""
        if self.strict or not self.norm.empty_may_be_absent:
            return False
        if len(golden) or strip_white_space(golden.text or ""):
            return False
        return not any(self._expects_a_value(rule) for rule in self._rules(path))

    def _compare(self, rule: Rule, path: str, expected: str, text: str, kind: str) -> None:
        if kind == "integer":
            syntax = self.norm.integer_syntax
            want, got = _as_integer(expected, syntax), _as_integer(text, syntax)
            if want is None or got != want:
                self.add(rule.requirement, path, f"the integer {expected}", repr(text), "value")
        elif text != expected:
            self.add(rule.requirement, path, repr(expected), repr(text), "value")

    def missing(self, path: str, golden_has: bool) -> None:
        """An element the golden has, or a required one, is absent."""
        if golden_has:
            self.add(self.structure, path, "the element", "absent", "missing")
        for rule in self.norm.rules:
            inside = rule.path == path or rule.path.startswith(path + "/")
            if not inside or not rule.compared:
                continue
            if rule.requirement == self.structure and golden_has:
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
        seen = self.prune(received, path, children_allowed, is_list, golden_names)
        self.counts(path, golden_names, seen)
        self.descend(golden, received, path, children_allowed)
        self.required_beyond_golden(path, seen)

    def prune(
        self,
        received: etree._Element,
        path: str,
        children_allowed: Any,
        is_list: bool,
        golden_names: list[str],
    ) -> dict[str, int]:
        """Remove from ``received`` what the golden lacks (judging it first); returns how
        many of each child name were received."""
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
                self.add(self.structure, child_path, f"one <{name}>", shown, "not-in-model")
                received.remove(child)
            elif name not in golden_names or seen[name] > 1:
                # Allowed beyond the golden: judged where a rule says so, then set aside.
                self.set_aside(child, children_allowed[name], first=seen[name] == 1)
                received.remove(child)
        return seen

    def counts(self, path: str, golden_names: list[str], seen: dict[str, int]) -> None:
        """The count rules of the golden's children (RESP-VOLUME-ECHO: one item)."""
        for name in dict.fromkeys(golden_names):
            total = seen.get(name, 0)
            for rule in self._rules(f"{path}/{name}"):
                if rule.count is not None and total != rule.count:
                    wanted, got = f"exactly {rule.count} <{name}>", f"{total} <{name}>"
                    self.add(rule.requirement, rule.path, wanted, got, "value")

    def descend(
        self, golden: etree._Element, received: etree._Element, path: str, children_allowed: Any
    ) -> None:
        """Each golden child against the first received one of its name (leaves judged,
        containers walked); golden children not received are reported and removed."""
        for g_child in list(golden):
            name = g_child.tag
            match = next((c for c in received if c.tag == name), None)
            child_path = f"{path}/{name}"
            if match is None:
                if not self.may_be_absent(g_child, child_path):
                    self.missing(child_path, golden_has=True)
                golden.remove(g_child)
            elif len(g_child) == 0:
                self.judge_leaf(g_child, match, child_path)
            else:
                g_child.text = match.text = None
                self.walk(g_child, match, children_allowed.get(name))

    def required_beyond_golden(self, path: str, seen: dict[str, int]) -> None:
        """Required elements the golden lacks (none of the compared rules has one today;
        RESP-REQUEST-ID's requestId is judged across responses)."""
        for rule in self.norm.rules:
            parent, _, name = rule.path.rpartition("/")
            if parent != path or rule.in_golden or not rule.required:
                continue
            if rule.compared and name not in seen:
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
            self.add(self.structure, path, repr(golden.text or ""), repr(text), "value")
        # Identical placeholders: xmldiff then matches each leaf with its counterpart.
        golden.text = received.text = path

    def order(self, golden: etree._Element, received: etree._Element) -> None:
        """Report siblings that come out of the golden's order (the order requirement),
        from xmldiff's edit script between the pruned trees."""
        for action in _edit_script(etree.tostring(golden), etree.tostring(received)):
            if isinstance(action, MoveNode):
                self.moved(golden, received, action.target)
            elif isinstance(action, DeleteNode | InsertNode | RenameNode | UpdateTextIn):
                # Cannot happen after pruning; report rather than hide it.
                node = getattr(action, "node", None) or getattr(action, "target", "")
                plain = re.sub(r"\[\d+\]", "", str(node)).lstrip("/")
                self.add(self.structure, plain, "the golden's structure", str(action), "value")

    def moved(self, golden: etree._Element, received: etree._Element, parent_xpath: str) -> None:
        parent_path = re.sub(r"\[\d+\]", "", parent_xpath).lstrip("/")
        g_parent = _find(golden, parent_path)
        r_parent = _find(received, parent_path)
        if g_parent is None or r_parent is None:
            return
        want = ", ".join(c.tag for c in g_parent)
        got = ", ".join(c.tag for c in r_parent)
        self.add(self.norm.order, parent_path, want, got, "order-only")


@lru_cache(maxsize=256)
def _edit_script(golden: bytes, received: bytes) -> tuple[Any, ...]:
    """xmldiff's edit script between two pruned trees, given serialised: the trees hold only
    structure by then (every leaf's text is its path), so answers of one shape share it, and
    a fuzzing session's thousands of 200s are diffed once per shape."""
    return tuple(xmldiff_main.diff_trees(etree.fromstring(golden), etree.fromstring(received)))


def compare_success(
    body: bytes,
    spec: RequestSpec,
    *,
    availability_zone: str,
    now: datetime | None = None,
    strict: bool = False,
) -> list[Difference]:
    """Compare a success body with the golden response (the requirements in
    :data:`~ec2conformance.golden.rules.COMPARE_REQUIREMENTS`), after applying
    ``normalisation.json``.

    Both documents are canonicalised (local names, no attributes, comments or processing
    instructions); the varying elements are judged by their rules against ``spec`` (echoes
    compared as text or as integers) and ``now`` (default: the current UTC time); elements
    the golden lacks are allowed where the model's ``ImportInstanceResult`` or the envelope
    defines them; what remains is compared with xmldiff, whose moves are reported as
    RESP-GOLDEN-ORDER. An element empty in the golden whose rules expect no value for
    ``spec`` may be absent, unless ``strict`` (which takes the first alternative, present
    and empty). ``availability_zone`` is the suite's zone, shown where the request names
    none. Raises :class:`~ec2conformance.xmlsafe.UnsafeOrMalformedXML` for a body that
    is not well-formed (RESP-ENVELOPE's failure), and ``ValueError`` for a spec without a
    disk image (only answers to valid requests are compared).
    """
    received_root = _canonical(parse_untrusted(body))
    golden_root = _canonical(parse_untrusted(golden_response()))
    run = _Comparison(spec, availability_zone, now or datetime.now(UTC), strict=strict)
    norm = run.norm
    if received_root.tag != norm.root:
        wanted, got = f"root <{norm.root}>", f"<{received_root.tag}>"
        run.add(norm.structure, norm.root, wanted, got, "missing")
        run.missing(norm.root, golden_has=False)
        return run.out
    golden_root.text = received_root.text = None
    run.walk(golden_root, received_root, norm.allowed[norm.root])
    run.order(golden_root, received_root)
    return run.out
