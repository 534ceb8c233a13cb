"""Record botocore's EC2 protocol test vectors into ``golden/protocol-vectors.json``.

botocore ships, in its repository but not in its wheel, the vectors every SDK's EC2 protocol
serializer and parser is tested with: ``tests/unit/protocols/input/ec2.json`` (shapes,
params and the serialized request) and ``tests/unit/protocols/output/ec2.json`` (shapes, an
HTTP response and the parsed result or error). This script copies both files' suites as they
are (shapes, given operation, params, serialized body, response, result), names the commit
and botocore version they came from, and lists every vector that lies outside ImportInstance's
types (strings, integers, longs, booleans, lists, structures), each with the reason:
``selftests/test_protocol_vectors.py`` runs the rest through the suite's own encoder and the
reference endpoint's decoder and serializer, and asserts that what it could not run is
exactly that list.

Run from a git checkout of botocore (any commit; the data names it)::

    python scripts/record_protocol_vectors.py /path/to/botocore [COMMIT]
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "golden" / "protocol-vectors.json"
INPUT = "tests/unit/protocols/input/ec2.json"
OUTPUT = "tests/unit/protocols/output/ec2.json"

#: The types ImportInstance's input and output have (golden/model.json).
IN_SCOPE_TYPES = ("string", "integer", "long", "boolean", "list", "structure")

#: Why a vector that uses a type or trait ImportInstance does not have is not run.
REASONS = {
    "timestamp": "timestamp: ImportInstance's input has no timestamp member, and its one "
    "output timestamp (expirationTime) is modelled as a string",
    "float": "float: ImportInstance has no float or double member",
    "double": "double: ImportInstance has no float or double member",
    "blob": "blob (base64): ImportInstance has no blob member (UserData.Data is a string)",
    "map": "map: ImportInstance has no map member",
    "flattened": "flattened list: EC2 output lists are wrapped (conversionTask volumes/item)",
    "xmlNamespace": "per-member XML namespace: every element of ImportInstance's answer is in "
    "the one EC2 namespace",
    "idempotencyToken": "idempotency token auto-fill: ImportInstance has no idempotencyToken "
    "member",
    "endpoint": "host prefix (endpoint trait): ImportInstance has none; the suite sends every "
    "request to the one endpoint URL it is given",
    "requestcompression": "request compression (gzip body): ImportInstance has no "
    "requestcompression trait",
    "error-members": "an error with modelled members besides Code and Message: EC2's error "
    "envelope for ImportInstance carries Code and Message only",
}


def _git(checkout: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(checkout), *args], check=True, capture_output=True, text=True
    ).stdout


def _used(value: Any, shape: dict[str, Any], shapes: dict[str, Any], out: set[str]) -> None:
    """The types and traits that ``value`` (params or result) uses of ``shape``."""
    kind = shape["type"]
    if kind in ("float", "double", "timestamp", "blob", "map"):
        out.add(kind)
        return
    if shape.get("xmlNamespace"):
        out.add("xmlNamespace")
    if kind == "structure":
        for name, member in shape["members"].items():
            if member.get("xmlNamespace"):
                out.add("xmlNamespace")
            if isinstance(value, dict) and name in value:
                _used(value[name], shapes[member["shape"]], shapes, out)
    elif kind == "list":
        member = shape["member"]
        if member.get("xmlNamespace"):
            out.add("xmlNamespace")
        for item in value or ():
            _used(item, shapes[member["shape"]], shapes, out)


def _flattened(shape: dict[str, Any], value: Any) -> bool:
    return shape["type"] == "structure" and any(
        m.get("flattened") and isinstance(value, dict) and name in value
        for name, m in shape["members"].items()
    )


def _input_reasons(case: dict[str, Any], shapes: dict[str, Any]) -> set[str]:
    given = case["given"]
    used: set[str] = set()
    if "endpoint" in given:
        used.add("endpoint")
    if "requestcompression" in given:
        used.add("requestcompression")
    if "input" in given:
        shape = shapes[given["input"]["shape"]]
        if any(m.get("idempotencyToken") for m in shape["members"].values()):
            used.add("idempotencyToken")
        _used(case.get("params", {}), shape, shapes, used)
    return used - set(IN_SCOPE_TYPES)


def _output_reasons(case: dict[str, Any], shapes: dict[str, Any]) -> set[str]:
    used: set[str] = set()
    if "errorCode" in case:
        error = dict(case.get("error", {}))
        if set(error) - {"Message"}:
            used.add("error-members")
        return used
    given = case["given"]
    if "output" in given:
        shape = shapes[given["output"]["shape"]]
        result = case.get("result", {})
        if _flattened(shape, result):
            used.add("flattened")
        _used(result, shape, shapes, used)
    return used - set(IN_SCOPE_TYPES)


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__)
        return 2
    checkout = Path(argv[1])
    commit = _git(checkout, "rev-parse", argv[2] if len(argv) == 3 else "HEAD").strip()
    init = _git(checkout, "show", f"{commit}:botocore/__init__.py")
    version = re.search(r"__version__ = '([^']+)'", init)
    if version is None:
        print("no __version__ in botocore/__init__.py")
        return 2
    raw = {path: _git(checkout, "show", f"{commit}:{path}") for path in (INPUT, OUTPUT)}
    suites = {path: json.loads(text) for path, text in raw.items()}
    out_of_scope: list[dict[str, str]] = []
    for direction, path, classify in (
        ("input", INPUT, _input_reasons),
        ("output", OUTPUT, _output_reasons),
    ):
        for suite in suites[path]:
            for case in suite["cases"]:
                reasons = sorted(classify(case, suite["shapes"]))
                if reasons:
                    out_of_scope.append(
                        {
                            "id": case["id"],
                            "direction": direction,
                            "uses": reasons,
                            "reason": "; ".join(REASONS[r] for r in reasons),
                        }
                    )
    data = {
        "source": {
            "repository": "boto/botocore",
            "commit": commit,
            "botocore_version": version.group(1),
            "files": {
                path: {
                    "sha256": hashlib.sha256(raw[path].encode()).hexdigest(),
                    "last_changed_in": _git(
                        checkout, "log", "-1", "--format=%H", commit, "--", path
                    ).strip(),
                }
                for path in (INPUT, OUTPUT)
            },
        },
        "in_scope_types": list(IN_SCOPE_TYPES),
        "input": suites[INPUT],
        "output": suites[OUTPUT],
        "out_of_scope": out_of_scope,
    }
    OUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    counts = {
        d: sum(len(s["cases"]) for s in data[d])
        for d in ("input", "output")  # type: ignore[arg-type]
    }
    print(
        f"wrote {OUT}: {counts['input']} input and {counts['output']} output vectors from "
        f"botocore {version.group(1)} ({commit[:12]}), {len(out_of_scope)} out of scope"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
