"""Fault injection for self-certification: broken endpoints made from the correct one.

A fault is a WSGI layer around the reference endpoint (:func:`~ec2conformance.reference.
make_app`), switched on by configuration (``python -m ec2conformance.reference --fault
NAME``, :func:`faulty_app`, :func:`start_faulty`), so that the correct endpoint's handlers
carry no fault code (``ec2conformance/reference/app.py``). The layer reads each request the
way the reference does (its decoder and its SigV4 verifier, used read-only), and a fault's
behaviour then decides the answer: it may forward the request unchanged, forward a rewritten
one (re-signed by the layer, so that the reference sees a correctly signed request), answer
by itself, or rewrite the reference's answer (with lxml, never with regular expressions on
XML).

:data:`FAULTS` is the one table of faults: each has a name, the requirement it breaks, a
level and a one-line description, and says which of the suite's tests can see it
(``selects``, a pytest ``-k`` expression). The level says what a correct suite makes of the
fault:

- ``MUST``: the endpoint is non-conformant, with the fault's requirement failed;
- ``SHOULD``: conformant, the requirement warned; with ``--strict-conformance``
  non-conformant, the requirement failed;
- ``ALTERNATIVE``: the fault picks a later alternative of a requirement (or the lenient
  order of checks): conformant, the requirement passed; with ``--strict-conformance``
  non-conformant, the requirement failed.

A SHOULD fault is written so that it breaks its SHOULD alone: it accepts what it should
refuse by reading the request leniently (so a request with a second fault gets that
fault's answer, which the order of checks allows or records against the SHOULD), rather
than answering a code that no fault of a multi-fault request would give (which the
contract records against every fault, MUSTs included).

The package: the layer in :mod:`.call` (the request), :mod:`.reply` (the answer),
:mod:`.endpoint` (the correct endpoint as behaviours see it), :mod:`.layer` (:class:`Fault`,
the declaring :class:`~.layer.Group`, :class:`FaultyApp`) and :mod:`.behaviours` (the
combinators); then one module per requirement group of ``golden/requirements.json``, each
declaring its faults beside their behaviours (``GROUP.fault(...)``). A new fault goes in its
group's module; the table lists the modules' faults in the order of :data:`_MODULES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from .. import RunningServer, start
from ..app import ReferenceConfig, make_app
from ..catalogue import requirement_levels
from . import auth, disk, errors, fuzz, launch, lifecycle, lists, params, permission, response, wire
from .behaviours import forward
from .call import Call
from .endpoint import Endpoint
from .fuzz import SLOW_SECONDS
from .layer import Fault, FaultyApp
from .reply import Reply

__all__ = [
    "FAULTS",
    "FAULTS_BY_NAME",
    "PASS_THROUGH",
    "SLOW_SECONDS",
    "Call",
    "Endpoint",
    "Fault",
    "FaultyApp",
    "Reply",
    "fault_table_markdown",
    "faults_by_requirement",
    "faulty_app",
    "start_faulty",
]

_MODULES: Final = (
    wire,
    auth,
    permission,
    params,
    disk,
    lists,
    launch,
    response,
    errors,
    fuzz,
    lifecycle,
)

PASS_THROUGH: Final = Fault(
    "none",
    "FUZZ-ORACLE",
    "MUST",
    "No fault: every request goes to the reference unchanged (the layer's own control).",
    forward,
)

FAULTS: Final[tuple[Fault, ...]] = tuple(f for m in _MODULES for f in m.GROUP.faults)

FAULTS_BY_NAME: Final[Mapping[str, Fault]] = {f.name: f for f in (*FAULTS, PASS_THROUGH)}


def _check_table() -> None:
    names = [f.name for f in FAULTS]
    if len(set(names)) != len(names) or PASS_THROUGH.name in names:
        raise ValueError("fault names must be unique")


_check_table()


def faulty_app(name: str, config: ReferenceConfig | None = None) -> FaultyApp:
    """The reference endpoint (a new one, with its own task store) with fault ``name``
    switched on (``"none"``: the layer without a fault). KeyError for an unknown name."""
    fault = FAULTS_BY_NAME[name]
    return FaultyApp(fault, make_app(config))


def start_faulty(
    name: str,
    host: str = "127.0.0.1",
    port: int = 0,
    config: ReferenceConfig | None = None,
    *,
    log_requests: bool = False,
) -> RunningServer:
    """Serve :func:`faulty_app` on ``host:port`` (port 0: the OS chooses) in a daemon
    thread, like :func:`~ec2conformance.reference.start`."""
    return start(host, port, app=faulty_app(name, config), log_requests=log_requests)


_LEVELS: Final = ("MUST", "SHOULD", "ALTERNATIVE")


def fault_table_markdown() -> str:
    """The table of faults as a markdown document (``selftests/FAULTS.md``)."""
    lines = [
        "# Faults the suite must catch",
        "",
        "Generated from `FAULTS` (the group modules of `ec2conformance/reference/faults/`) "
        "by `python -m ec2conformance.reference --list-faults`; do not edit by hand.",
        "",
        "Each fault is the reference endpoint with one deliberate defect "
        "(`python -m ec2conformance.reference --fault NAME`). Level **MUST**: the suite must "
        "say non-conformant with the requirement failed. **SHOULD**: conformant with the "
        "requirement warned, and non-conformant with `--strict-conformance`. "
        "**ALTERNATIVE** (a later alternative, or the lenient order of checks): conformant "
        "with the requirement passed, and non-conformant with `--strict-conformance`.",
        "",
        f"{len(FAULTS)} faults: "
        + ", ".join(f"{sum(f.level == level for f in FAULTS)} {level}" for level in _LEVELS)
        + ".",
        "",
        "| fault | requirement | level | description |",
        "|---|---|---|---|",
    ]
    for fault in FAULTS:
        description = fault.description.replace("|", "\\|")
        lines.append(f"| `{fault.name}` | {fault.requirement} | {fault.level} | {description} |")
    return "\n".join([*lines, "", *_per_requirement_markdown()]) + "\n"


def faults_by_requirement() -> dict[str, list[Fault]]:
    """Every requirement of ``golden/requirements.json`` (in its order) with the faults that
    fail it: a MUST fault by default, a SHOULD or ALTERNATIVE fault with
    ``--strict-conformance``. A requirement no fault fails has an empty list."""
    table: dict[str, list[Fault]] = {rid: [] for rid in requirement_levels()}
    for fault in FAULTS:
        table[fault.requirement].append(fault)
    return table


def _per_requirement_markdown() -> list[str]:
    table = faults_by_requirement()
    proven = sum(bool(faults) for faults in table.values())
    lines = [
        "## Faults per requirement",
        "",
        "How many faults of the table prove that each requirement can fail (a MUST fault fails "
        "it by default, a SHOULD or ALTERNATIVE fault with `--strict-conformance`): "
        f"{proven} of {len(table)} requirements have at least one.",
        "",
        "| requirement | level | faults | of which MUST / SHOULD / ALTERNATIVE |",
        "|---|---|---|---|",
    ]
    for rid, faults in table.items():
        counts = " / ".join(str(sum(f.level == level for f in faults)) for level in _LEVELS)
        lines.append(f"| {rid} | {requirement_levels()[rid]} | {len(faults)} | {counts} |")
    return lines
