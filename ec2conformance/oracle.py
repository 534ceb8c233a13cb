"""The oracle: what the contract accepts as the answer to a request, and where a wrong
answer is recorded.

:func:`expect` is a pure function of a :class:`~ec2conformance.model.RequestSpec` and the
contract's data in ``golden/`` (``requirements.json``, ``domain.json``, ``model.json``,
``ec2-api.json``, ``error-catalogue.json``). It finds every fault of the request with its
stage in the contract's order of checks:

1. authentication (AUTH-*)
2. a query that does not decode, action and version (WIRE-MALFORMED-QUERY, WIRE-NO-ACTION,
   WIRE-UNKNOWN-ACTION, WIRE-BAD-VERSION, WIRE-NO-VERSION)
3. unknown parameters and list indexes (WIRE-UNKNOWN-PARAM, LIST-INDEX-INVALID)
4. missing and malformed parameters (PARAM-*, PERM-DRYRUN-VALUE, DISK-*, LAUNCH-*)
5. permission (PERM-DENIED, PERM-DRYRUN-DENIED): a denied identity counts as a fault
6. DryRun (PERM-DRYRUN-PERMITTED): ``DryRun=true`` counts as a fault
7. success

and from them the acceptable outcomes: in both modes stage 1 before 2 before 3-6 and 5
before 6; by default either of stages 3-4 and 5-6 passes, with ``strict`` the earliest stage
wins and each requirement's alternatives narrow to the first. Within a stage any fault's
outcome passes. Naming a resource that must already exist adds the catalogue's
``.NotFound``/``.Malformed``/``.Unknown`` codes wherever stage 4 would pass (never narrowed).

The oracle shares data with the reference endpoint, never code: it imports nothing from
:mod:`ec2conformance.reference`.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from ec2conformance import golden
from ec2conformance.model import (
    ACTION,
    API_VERSION,
    SAMPLE_PARAMS,
    AuthFault,
    Identity,
    RequestSpec,
    Signing,
)

__all__ = [
    "SUCCESS",
    "Expectation",
    "Fault",
    "Outcome",
    "expect",
    "is_throttled",
]


@dataclass(frozen=True)
class Outcome:
    """One acceptable answer: ``Outcome(200, None)`` is success; an error ``code`` with
    ``status`` ``None`` passes with any error status (the exact status is judged by
    ERR-STATUS-MATCHES and ERR-STATUS-DOCUMENTED); a row that names its status
    (PERM-DRYRUN-PERMITTED 412, PERM-DRYRUN-DENIED and PERM-DENIED 403) fixes it."""

    status: int | None
    code: str | None

    def matches(self, status: int, code: str | None) -> bool:
        """Whether an answer is this outcome: kind, code and, where fixed, status."""
        if not self.matches_kind_and_code(status, code):
            return False
        return self.status is None or status == self.status

    def matches_kind_and_code(self, status: int, code: str | None) -> bool:
        """Whether an answer is this outcome by kind (200 or error) and code alone."""
        if self.code is None:
            return status == 200 and code is None
        return code == self.code and not 200 <= status < 300

    def __str__(self) -> str:
        if self.code is None:
            return str(self.status)
        return f"{self.status or 'any error status'} {self.code}"


SUCCESS = Outcome(200, None)


@dataclass(frozen=True)
class Fault:
    """One fault found in a request: the requirement it breaks, its stage in the order of
    checks, the requirement's level and the outcomes it alone would be answered with (all
    the row's alternatives, first the strict one)."""

    requirement: str
    stage: int
    level: str
    outcomes: tuple[Outcome, ...]
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.requirement} (stage {self.stage}): {self.detail}"


@dataclass(frozen=True)
class Expectation:
    """The contract's verdict on one request, before any answer is seen.

    ``faults`` are in stage order. ``valid`` means inside the contract with no fault at
    stages 1-4 (a denied identity or ``DryRun=true`` leave a request valid: the PERM-* rows
    describe valid requests). ``outside_contract`` requests are judged only on an answer
    within the timeout on a connection that is not dropped (``outside_reasons`` says why).
    ``acceptable`` lists every outcome that passes, the strict one first; ``resources`` names
    the parameters that name a resource that must already exist.
    """

    spec: RequestSpec
    strict: bool
    safe_mode: bool
    faults: tuple[Fault, ...]
    outside_contract: bool
    outside_reasons: tuple[str, ...]
    acceptable: tuple[Outcome, ...]
    resources: tuple[str, ...] = ()
    resource_outcomes: tuple[Outcome, ...] = ()
    describing: tuple[str, ...] = ()
    allowed_stages: frozenset[int] = field(default_factory=frozenset)

    @property
    def valid(self) -> bool:
        return not self.outside_contract and not any(f.stage <= 4 for f in self.faults)

    @property
    def exercises(self) -> tuple[str, ...]:
        """The requirement ids this request exercises: the rows that describe it, else its
        faults' requirements, else FUZZ-ORACLE (a valid generated request)."""
        if self.describing:
            return self.describing
        if self.faults:
            return _unique(f.requirement for f in self.faults)
        return ("FUZZ-ORACLE",)

    def accepts(self, status: int, code: str | None) -> bool:
        """Whether the answer's kind and code (and status, where a row fixes it) pass.

        A 5xx is besides always FUZZ-NO-SERVER-ERROR's failure (see :meth:`record_against`);
        a request outside the contract accepts every answer."""
        if self.outside_contract:
            return True
        return any(o.matches(status, code) for o in self.acceptable)

    def record_against(self, status: int, code: str | None) -> tuple[str, ...]:
        """The requirement ids a wrong answer is recorded against ("Where a failure is
        recorded"); empty for an acceptable answer, a request outside the contract, or a
        throttled answer (503 RequestLimitExceeded/ServiceUnavailable: skipped, never
        failed). A 5xx adds FUZZ-NO-SERVER-ERROR."""
        if self.outside_contract or is_throttled(status, code):
            return ()
        extra = ("FUZZ-NO-SERVER-ERROR",) if status >= 500 else ()
        if self.accepts(status, code):
            return extra
        return _unique([*self._wrong(status, code), *extra])

    def _wrong(self, status: int, code: str | None) -> list[str]:
        if self.describing:
            return list(self.describing)
        if not self.faults:
            return ["FUZZ-ORACLE"]
        if len(self.faults) == 1:
            return [self.faults[0].requirement]
        candidates = [
            (f.stage, f.requirement)
            for f in self.faults
            if any(o.matches_kind_and_code(status, code) for o in f.outcomes)
        ]
        if any(o.matches_kind_and_code(status, code) for o in self.resource_outcomes):
            candidates.append((4, ""))
        if not candidates:
            # An outcome none of the faults would give alone: each fault's requirement.
            return [f.requirement for f in self.faults]
        in_place = [req for stage, req in candidates if stage in self.allowed_stages and req]
        if in_place:
            # In order, but a status the row fixes or (strict) not the first alternative.
            return in_place
        first = min(stage for stage, _ in candidates)
        earlier = sorted({f.stage for f in self.faults if f.stage < first})
        if any(stage in (1, 2) for stage in earlier):
            return [f.requirement for f in self.faults if f.stage == earlier[0]]
        if first == 6 and 5 in earlier:
            return [f.requirement for f in self.faults if f.stage == 5]
        return ["FUZZ-ORACLE"]

    def inconclusive_in_safe_mode(self, status: int, code: str | None) -> bool:
        """Whether the answer is the inconclusive 412 DryRunOperation to a request with a
        stage 3-4 fault in safe mode (the case is skipped with that reason, never passed)."""
        return (
            self.safe_mode
            and status == 412
            and code == "DryRunOperation"
            and any(f.stage in (3, 4) for f in self.faults)
        )

    def describe(self) -> str:
        """One line for reports: the faults and what passes."""
        if self.outside_contract:
            return "outside the contract: " + "; ".join(self.outside_reasons)
        faults = "; ".join(str(f) for f in self.faults) or "valid"
        return f"{faults} → acceptable: {' | '.join(str(o) for o in self.acceptable)}"


def is_throttled(status: int, code: str | None) -> bool:
    """A throttling answer (503 with RequestLimitExceeded or ServiceUnavailable): retried
    with back-off and, if it persists, skipped as throttled, never failed."""
    throttling = golden.domain()["throttling"]
    return status == throttling["status"] and code in throttling["codes"]


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# ------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class _Contract:
    """The data the oracle reads, prepared once."""

    exact: Mapping[str, str]  # known name -> its template in domain.json ("" for others)
    list_templates: tuple[tuple[re.Pattern[str], str, str], ...]  # regex, template, prefix
    sigv2: frozenset[str]
    sigv4: frozenset[str]
    enums: Mapping[str, frozenset[str]]
    actions: frozenset[str]
    versions: frozenset[str]
    resource_codes: tuple[str, ...]


@cache
def _contract() -> _Contract:
    dom = golden.domain()
    mod = golden.model()
    exact: dict[str, str] = {n: "" for n in dom["envelope_names"]}
    exact.update({n: "" for n in dom["sigv4_query_names"]})
    exact.update({n: "" for n in dom["sigv2_names"]})
    templates = []
    for entry in mod["import_instance_parameters"]:
        name = entry["name"]
        if "{N}" in name:
            head, _, tail = name.partition("{N}")
            regex = re.compile(re.escape(head) + r"([^.]*)" + re.escape(tail))
            templates.append((regex, name, head))
        else:
            exact[name] = name
    suffixes = tuple(dom["resource_code_suffixes"])
    return _Contract(
        exact=exact,
        list_templates=tuple(templates),
        sigv2=frozenset(dom["sigv2_names"]),
        sigv4=frozenset(dom["sigv4_query_names"]),
        enums={k: frozenset(v) for k, v in mod["enums"].items()},
        actions=frozenset(golden.ec2_api()["actions"]),
        versions=frozenset(golden.ec2_api()["published_versions"]),
        resource_codes=tuple(c for c in golden.catalogue() if c.endswith(suffixes)),
    )


def _syntax() -> Mapping[str, Any]:
    return golden.domain()["value_syntax"]


def _xml_legal(text: str) -> bool:
    ranges = _syntax()["xml_char_ranges"]
    return all(any(lo <= ord(ch) <= hi for lo, hi in ranges) for ch in text)


def _has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def _valid_index(index: str) -> bool:
    syntax = _syntax()
    return bool(re.fullmatch(syntax["list_index"], index)) and (
        int(index) <= syntax["list_index_maximum"]
    )


def _integer(value: str) -> int | None:
    return int(value) if re.fullmatch(_syntax()["integer"], value) else None


# ------------------------------------------------------------------------ the finder


@dataclass
class _Finder:
    """Walks one request and collects its faults, domain violations and outside items."""

    spec: RequestSpec
    availability_zone: str
    faults: list[Fault] = field(default_factory=list)
    domain: list[str] = field(default_factory=list)  # beyond the valid domain (bulleted)
    outside: list[str] = field(default_factory=list)  # the other "Outside the contract" items
    resources: list[str] = field(default_factory=list)

    def fault(self, requirement: str, detail: str) -> None:
        row = golden.requirements()[requirement]
        outcomes = tuple(Outcome(a.status, a.code) for a in row.expected)
        stage = row.stage
        if stage is None:  # pragma: no cover - every fault row has a stage
            raise ValueError(f"{requirement} has no stage")
        self.faults.append(Fault(requirement, stage, row.level, outcomes, detail))

    # -- stage 1 -------------------------------------------------------------------------

    def authentication(self) -> None:
        spec = self.spec
        if spec.signing is Signing.NONE:
            self.fault("AUTH-UNSIGNED", "no Authorization header and no X-Amz-Signature")
            return
        fault = spec.auth_fault
        if fault is None:
            return
        if fault in (AuthFault.WRONG_SECRET, AuthFault.WRONG_SERVICE):
            self.fault("AUTH-BAD-SIGNATURE", fault.value)
        elif fault is AuthFault.UNKNOWN_KEY:
            self.fault("AUTH-UNKNOWN-KEY", fault.value)
        elif fault is AuthFault.EXPIRED:
            if spec.signing is Signing.QUERY:
                self.outside.append(
                    "a query-signed request whose X-Amz-Date is over 15 minutes old"
                )
            else:
                self.fault("AUTH-EXPIRED", "X-Amz-Date 20 minutes in the past")
        else:
            self.fault("AUTH-MALFORMED", fault.value)

    # -- the whole request ---------------------------------------------------------------

    def envelope(self, pairs: list[tuple[str, str]]) -> None:
        """Stage 2 and the outside items that concern the request as a whole."""
        spec = self.spec
        dom = golden.domain()
        if spec.method not in dom["methods"]:
            self.outside.append(f"HTTP method {spec.method!r}")
        if spec.wire_fault is not None:
            self.fault("WIRE-MALFORMED-QUERY", spec.wire_fault.value)
        if any(name == "" for name, _ in pairs):
            self.fault("WIRE-MALFORMED-QUERY", "an empty parameter name")
        if any(_has_surrogate(n) or _has_surrogate(v) for n, v in pairs):
            self.fault("WIRE-MALFORMED-QUERY", "text that is not UTF-8 (a lone surrogate)")
        counts: dict[str, int] = {}
        for name, _ in pairs:
            counts[name] = counts.get(name, 0) + 1
        twice = sorted(n for n, c in counts.items() if c > 1)
        if twice:
            self.outside.append(f"parameter names given twice: {', '.join(twice)}")
        contract = _contract()
        if any(name in contract.sigv2 for name, _ in pairs):
            self.outside.append("SigV2 parameters")
        if spec.method == "POST" and any(name == "X-Amz-Signature" for name, _ in pairs):
            self.outside.append("X-Amz-Signature in a POST body")
        expires = spec.get("X-Amz-Expires")
        if expires is not None:
            seconds = _integer(expires)
            if seconds is not None and seconds > dom["limits"]["query_expires_maximum"]:
                self.outside.append("X-Amz-Expires over 604800")
        action = spec.get("Action")
        if action is None:
            self.fault("WIRE-NO-ACTION", "no Action")
        elif action != ACTION:
            if action in contract.actions:
                self.outside.append(f"another EC2 action ({action})")
            else:
                self.fault("WIRE-UNKNOWN-ACTION", f"Action={action!r}")
        version = spec.get("Version")
        if version is None:
            self.fault("WIRE-NO-VERSION", "no Version")
        elif version != API_VERSION:
            if version in contract.versions:
                self.outside.append(f"an earlier published Version ({version})")
            else:
                self.fault("WIRE-BAD-VERSION", f"Version={version!r}")
        self.size(pairs)

    def size(self, pairs: list[tuple[str, str]]) -> None:
        limits = golden.domain()["limits"]
        # Measured as sent: a GET's query string escapes a space as %20, a POST's form body
        # writes it as '+' (application/x-www-form-urlencoded, as botocore sends it).
        quote_via = urllib.parse.quote if self.spec.method == "GET" else urllib.parse.quote_plus
        try:
            encoded = urllib.parse.urlencode(pairs, quote_via=quote_via, safe="-_.~")
        except UnicodeEncodeError:
            return  # a lone surrogate: already WIRE-MALFORMED-QUERY
        if self.spec.method == "GET":
            length = len(encoded) + limits["get_url_allowance_bytes"]
            if length > limits["get_url_max_bytes"]:
                self.domain.append(f"a GET URL of about {length} bytes")
        elif len(encoded) > limits["post_body_max_bytes"]:
            self.domain.append(f"a POST body of {len(encoded)} bytes")

    # -- stages 3 and 4 ------------------------------------------------------------------

    def names(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
        """Stage 3: each pair's template, or a fault. Returns (name, template, index)."""
        contract = _contract()
        known: list[tuple[str, str, str]] = []
        for name, _ in pairs:
            if name == "" or name in ("Action", "Version") or _has_surrogate(name):
                continue  # a name that does not decode is WIRE-MALFORMED-QUERY's alone
            if name in contract.exact:
                if contract.exact[name]:
                    known.append((name, contract.exact[name], ""))
                continue
            matched = False
            for regex, template, _head in contract.list_templates:
                m = regex.fullmatch(name)
                if m:
                    matched = True
                    if _valid_index(m.group(1)):
                        known.append((name, template, m.group(1)))
                    else:
                        self.fault("LIST-INDEX-INVALID", f"{name} (index {m.group(1)!r})")
                    break
            if matched:
                continue
            bad_prefix = False
            for _regex, _template, head in contract.list_templates:
                if name.startswith(head):
                    index = name[len(head) :].split(".", 1)[0]
                    if not _valid_index(index):
                        self.fault("LIST-INDEX-INVALID", f"{name} (index {index!r})")
                        bad_prefix = True
                        break
            if not bad_prefix:
                self.fault("WIRE-UNKNOWN-PARAM", name)
        return known

    def values(self, pairs: list[tuple[str, str]], known: list[tuple[str, str, str]]) -> None:
        """Stage 4 (and the domain): every known parameter's value, then the relations."""
        dom = golden.domain()
        params = dom["parameters"]
        value_of = dict(pairs)
        present = {template for _, template, _ in known}
        for name, template, _index in known:
            self.value(name, value_of[name], template, params[template])
        # Required parameters.
        for template, rules in params.items():
            required = rules.get("required")
            if required and "{N}" not in template and template not in present:
                self.fault(required, f"no {template}")
        # Relations the domain limits.
        for template, rules in params.items():
            needs = rules.get("needs_one_of", ())
            if template in present and needs and not any(other in present for other in needs):
                self.domain.append(f"{template} without {' or '.join(needs)}")
        for group in dom["mutually_exclusive"]:
            if all(t in present for t in group):
                self.domain.append(" together with ".join(group))
        for template, maximum in dom["list_max_entries"].items():
            entries = {index for _, t, index in known if t == template}
            if len(entries) > maximum:
                self.domain.append(f"{len(entries)} entries of {template}")
        self.disk_images(known, value_of)

    def value(self, name: str, value: str, template: str, rules: Mapping[str, Any]) -> None:
        syntax = rules["syntax"]
        requirement = rules.get("requirement", "")
        limits = golden.domain()["limits"]
        shown = f"{name}={value[:40]!r}"
        if _has_surrogate(value):
            return  # a value that does not decode is WIRE-MALFORMED-QUERY's alone
        if rules.get("beyond_domain"):
            self.domain.append(f"{name} (not for ImportInstance)")
        if syntax in ("text", "echoed-text", "enum", "url", "ipv4", "base64"):
            maximum = rules.get("max_length", limits["text_max_length"])
            if len(value) > maximum:
                self.domain.append(f"{name} longer than {maximum} characters")
        if syntax == "text":
            if not _xml_legal(value):
                self.outside.append(f"characters XML cannot carry in {name}, which is not echoed")
        elif syntax == "echoed-text":
            if rules.get("empty_is_absent") and value == "":
                return
            if not _xml_legal(value):
                self.fault(requirement, shown)
                return
        elif syntax == "enum":
            special = rules.get("special_values", {})
            if value in special:
                self.fault(special[value], shown)
            elif value not in _contract().enums[rules["enum"]]:
                future = rules.get("future_shape")
                if future and re.fullmatch(future, value):
                    self.domain.append(f"{name} has the shape of a future enum value")
                else:
                    self.fault(requirement, shown)
        elif syntax == "boolean":
            if value not in _syntax()["boolean"]:
                self.fault(requirement, shown)
        elif syntax == "integer":
            number = _integer(value)
            if number is None or not rules["minimum"] <= number <= rules["maximum"]:
                self.fault(requirement, shown)
            elif number < rules.get("domain_minimum", number):
                self.domain.append(f"{shown} below {rules['domain_minimum']}")
            elif number > rules.get("domain_maximum", number):
                self.domain.append(f"{shown} above {rules['domain_maximum']}")
        elif syntax == "url":
            if not (re.fullmatch(_syntax()["url"], value) and _xml_legal(value)):
                self.fault(requirement, shown)
        elif syntax in ("ipv4", "base64") and not re.fullmatch(_syntax()[syntax], value):
            self.fault(requirement, shown)
        resource = rules.get("resource")
        if resource == "another-zone":
            if value and value != self.availability_zone and _xml_legal(value):
                self.resources.append(name)
        elif resource:
            self.resources.append(name)

    def disk_images(self, known: list[tuple[str, str, str]], value_of: Mapping[str, str]) -> None:
        dom = golden.domain()
        params = dom["parameters"]
        images: dict[str, dict[str, str]] = {}
        for name, template, index in known:
            if template.startswith("DiskImage.{N}."):
                images.setdefault(index, {})[template] = value_of[name]
        if not images:
            self.fault("DISK-NONE", "no disk image")
            return
        if len(images) > 1:
            self.fault("DISK-MULTIPLE", f"disk images {', '.join(sorted(images, key=int))}")
        for index, fields in images.items():
            for template, rules in params.items():
                disk_field = template.startswith("DiskImage.{N}.") and rules.get("required")
                if disk_field and template not in fields:
                    self.fault(rules["required"], f"no {template.replace('{N}', index)}")
            size_rules = params["DiskImage.{N}.Volume.Size"]
            bytes_rules = params["DiskImage.{N}.Image.Bytes"]
            size = _integer(fields.get("DiskImage.{N}.Volume.Size", ""))
            count = _integer(fields.get("DiskImage.{N}.Image.Bytes", ""))
            if (
                size is not None
                and count is not None
                and size_rules["minimum"] <= size <= size_rules["maximum"]
                and bytes_rules["minimum"] <= count <= bytes_rules["maximum"]
                and count > size * dom["image_bytes_per_size_unit"]
            ):
                self.fault("DISK-SIZE-TOO-SMALL", f"DiskImage.{index}: {count} bytes > {size} GiB")

    # -- stages 5 and 6 ------------------------------------------------------------------

    def permission(self) -> None:
        dry_run = self.spec.get("DryRun") == "true"
        if self.spec.identity is Identity.DENIED:
            requirement = "PERM-DRYRUN-DENIED" if dry_run else "PERM-DENIED"
            self.fault(requirement, "the denied identity")
        if dry_run:
            self.fault("PERM-DRYRUN-PERMITTED", "DryRun=true")


# ------------------------------------------------------------------ acceptable outcomes


def _allowed_stages(stages: set[int], strict: bool) -> frozenset[int]:
    """The stages whose outcomes pass, by the order of checks."""
    if not stages:
        return frozenset({7})
    earliest = min(stages)
    if strict or earliest in (1, 2):
        return frozenset({earliest})
    allowed = {s for s in stages if s >= 3}
    if 5 in allowed:
        allowed.discard(6)  # stage 5 before stage 6 in both modes
    return frozenset(allowed)


def _acceptable(
    faults: list[Fault], strict: bool, resource_outcomes: tuple[Outcome, ...]
) -> tuple[tuple[Outcome, ...], frozenset[int]]:
    def outcomes_of(fs: list[Fault], extra: tuple[Outcome, ...]) -> tuple[list[Outcome], set[int]]:
        stages = {f.stage for f in fs} | ({4} if extra else set())
        allowed = _allowed_stages(stages, strict)
        out: list[Outcome] = []
        if allowed == {7}:
            out.append(SUCCESS)
        for f in sorted(fs, key=lambda f: f.stage):
            if f.stage in allowed:
                out.extend(f.outcomes[:1] if strict else f.outcomes)
        if extra and 4 in allowed:
            out.extend(extra)  # the resources rule is never narrowed
        return out, set(allowed)

    plain, allowed = outcomes_of(faults, ())
    if resource_outcomes:
        more, _ = outcomes_of(faults, resource_outcomes)
        plain += more
    return tuple(dict.fromkeys(plain)), frozenset(allowed)


def _describing(spec: RequestSpec, faults: list[Fault], valid: bool) -> tuple[str, ...]:
    """The rows that describe this request as a whole (recorded against before the
    general rules of "Where a failure is recorded")."""
    stages = {f.stage for f in faults}
    dry_run = spec.get("DryRun")
    if not valid:
        auth = {f.requirement for f in faults if f.stage == 1}
        if (
            dry_run == "true"
            and auth & {"AUTH-BAD-SIGNATURE", "AUTH-UNKNOWN-KEY"}
            and not stages & {2, 3, 4}
        ):
            return ("AUTH-BEFORE-DRYRUN",)
        return ()
    if spec.identity is Identity.DENIED:
        return ("PERM-DRYRUN-DENIED",) if dry_run == "true" else ("PERM-DENIED",)
    if dry_run == "true":
        return ("PERM-DRYRUN-PERMITTED",)
    rows: list[str] = []
    sample = sorted((("Action", ACTION), ("Version", API_VERSION), *SAMPLE_PARAMS))
    params = sorted(spec.params)
    without_description = sorted(p for p in spec.params if p[0] != "Description")
    if spec.signing is Signing.QUERY:
        rows.append("AUTH-QUERY-SIGNATURE")
    elif spec.method == "GET":
        rows.append("WIRE-GET")
    elif params == sample:
        rows.append("WIRE-POST")
    if dry_run == "false":
        rows.append("PERM-DRYRUN-FALSE")
    if without_description == sample:
        # PARAM-DESCRIPTION-ECHO covers an absent Description too ("empty element when
        # absent"); WIRE-UTF8 needs one.
        if spec.get("Description") is not None:
            rows.append("WIRE-UTF8")
        rows.append("PARAM-DESCRIPTION-ECHO")
    return tuple(rows)


def expect(
    spec: RequestSpec,
    *,
    strict: bool,
    availability_zone: str = "us-east-1a",
    safe_mode: bool = False,
) -> Expectation:
    """The acceptable outcomes of ``spec`` and the requirement each fault belongs to.

    ``strict`` is ``--strict-conformance`` (the earliest stage wins, alternatives narrow to
    the first). ``availability_zone`` is the suite's zone (naming another is naming a
    resource). In ``safe_mode`` the request is judged as safe mode sends it: with exactly
    ``DryRun=true`` (appended, or replacing another DryRun value); see also
    :meth:`Expectation.inconclusive_in_safe_mode`.
    """
    if safe_mode and spec.get("DryRun") != "true":
        # Safe mode sends every request with exactly DryRun=true (replacing any other value).
        others = tuple(p for p in spec.params if p[0] != "DryRun")
        spec = replace(spec, params=(*others, ("DryRun", "true")))
    # Empty pairs (``&&``, a trailing ``&``) are ignored.
    pairs = [(n, v) for n, v in spec.params if (n, v) != ("", "")]
    finder = _Finder(spec, availability_zone)
    finder.authentication()
    finder.envelope(pairs)
    known = finder.names(pairs)
    finder.values(pairs, known)
    finder.permission()
    faults = sorted(finder.faults, key=lambda f: f.stage)
    described_by_a_row = any(f.stage <= 4 for f in faults)
    outside_reasons = list(finder.outside)
    if not described_by_a_row:
        outside_reasons.extend(finder.domain)
    if outside_reasons:
        return Expectation(
            spec=spec,
            strict=strict,
            safe_mode=safe_mode,
            faults=tuple(faults),
            outside_contract=True,
            outside_reasons=tuple(outside_reasons),
            acceptable=(),
        )
    resources = tuple(finder.resources)
    resource_outcomes = (
        tuple(Outcome(None, code) for code in _contract().resource_codes) if resources else ()
    )
    acceptable, allowed = _acceptable(faults, strict, resource_outcomes)
    valid = not described_by_a_row
    return Expectation(
        spec=spec,
        strict=strict,
        safe_mode=safe_mode,
        faults=tuple(faults),
        outside_contract=False,
        outside_reasons=(),
        acceptable=acceptable,
        resources=resources,
        resource_outcomes=resource_outcomes,
        describing=_describing(spec, faults, valid),
        allowed_stages=allowed,
    )
