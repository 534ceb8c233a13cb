"""Waiver files (``--waivers PATH``): known deviations of a target, by requirement id.

A waiver file is TOML (or JSON with the same structure)::

    [[waiver]]
    id = "ERR-NAMESPACE"
    reason = "the emulator adds xmlns to <Response>"
    link = "https://example.org/tracker/123"   # optional
    expires = 2027-03-01                        # optional; an expired waiver no longer waives

It is checked against a JSON Schema before use; a bad file stops the run at start-up with one
line naming the problem.
"""

from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema

from ec2conformance.verdict import Waiver

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "waivers",
    "type": "object",
    "required": ["waiver"],
    "additionalProperties": False,
    "properties": {
        "waiver": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "reason"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": "^[A-Z0-9]+(-[A-Z0-9]+)+$"},
                    "reason": {"type": "string", "minLength": 1},
                    "link": {"type": "string"},
                    "expires": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                },
            },
        }
    },
}


class WaiverFileError(ValueError):
    """The waiver file cannot be used (unreadable, not TOML/JSON, or not of the schema)."""


def load_waivers(path: Path, known_ids: set[str] | None = None) -> dict[str, Waiver]:
    """Read and validate a waiver file; returns waivers keyed by requirement id."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WaiverFileError(f"cannot read {path}: {exc.strerror}") from None
    try:
        raw = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        kind = path.suffix.lstrip(".") or "TOML"
        raise WaiverFileError(f"{path} is not valid {kind}: {exc}") from None
    raw = _dates_as_text(raw)
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(raw), key=str)
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "top level"
        raise WaiverFileError(f"{path}: {where}: {errors[0].message}")
    waivers: dict[str, Waiver] = {}
    for entry in raw["waiver"]:
        rid = entry["id"]
        if known_ids is not None and rid not in known_ids:
            raise WaiverFileError(f"{path}: {rid} is not a requirement of the contract")
        if rid in waivers:
            raise WaiverFileError(f"{path}: {rid} is waived twice")
        expires = date.fromisoformat(entry["expires"]) if "expires" in entry else None
        waivers[rid] = Waiver(rid, entry["reason"], entry.get("link"), expires)
    return waivers


def _dates_as_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
