"""The oracle's look at the parameters: their names (stage 3: WIRE-UNKNOWN-PARAM,
LIST-INDEX-INVALID) and their values (stage 4: PARAM-*, PERM-DRYRUN-VALUE, DISK-*,
LAUNCH-*), by the value syntax, limits and valid domain of ``golden/domain.json``."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ec2conformance import golden
from ec2conformance.oracle.contract import (
    contract,
    has_surrogate,
    integer,
    valid_index,
    value_syntax,
    xml_legal,
)
from ec2conformance.oracle.finder import Finder

__all__ = ["names", "values"]

Pairs = list[tuple[str, str]]
#: A known parameter: its name as sent, its template in ``domain.json``, its list index.
Known = tuple[str, str, str]
Rules = Mapping[str, Any]

_DISK = "DiskImage.{N}."
# The syntaxes whose values have a maximum length in the valid domain.
_LENGTH_LIMITED = ("text", "echoed-text", "enum", "url", "ipv4", "base64")


# -------------------------------------------------------------------------------- stage 3


def names(finder: Finder, pairs: Pairs) -> list[Known]:
    """Stage 3: each pair's template, or a fault. Returns (name, template, index)."""
    known: list[Known] = []
    for name, _ in pairs:
        if name == "" or name in ("Action", "Version") or has_surrogate(name):
            continue  # a name that does not decode is WIRE-MALFORMED-QUERY's alone
        found = _known(finder, name)
        if found is not None:
            known.append(found)
    return known


def _known(finder: Finder, name: str) -> Known | None:
    """The template of ``name``; ``None`` for a name of the envelope or a fault."""
    data = contract()
    if name in data.exact:
        return (name, data.exact[name], "") if data.exact[name] else None
    for regex, template, _head in data.list_templates:
        m = regex.fullmatch(name)
        if m:
            if valid_index(m.group(1)):
                return (name, template, m.group(1))
            finder.fault("LIST-INDEX-INVALID", f"{name} (index {m.group(1)!r})")
            return None
    for _regex, _template, head in data.list_templates:
        if name.startswith(head):
            index = name[len(head) :].split(".", 1)[0]
            if not valid_index(index):
                finder.fault("LIST-INDEX-INVALID", f"{name} (index {index!r})")
                return None
    finder.fault("WIRE-UNKNOWN-PARAM", name)
    return None


# -------------------------------------------------------------------------------- stage 4


def values(finder: Finder, pairs: Pairs, known: list[Known]) -> None:
    """Stage 4 (and the domain): every known parameter's value, then the relations."""
    params = golden.domain()["parameters"]
    value_of = dict(pairs)
    present = {template for _, template, _ in known}
    for name, template, _index in known:
        _value(finder, name, value_of[name], params[template])
    for template, rules in params.items():
        required = rules.get("required")
        if required and "{N}" not in template and template not in present:
            finder.fault(required, f"no {template}")
    _relations(finder, known, present)
    _disk_images(finder, known, value_of)


def _relations(finder: Finder, known: list[Known], present: set[str]) -> None:
    """The relations the valid domain limits: parameters that need another, parameters
    that exclude each other, the number of list entries."""
    dom = golden.domain()
    for template, rules in dom["parameters"].items():
        needs = rules.get("needs_one_of", ())
        if template in present and needs and not any(other in present for other in needs):
            finder.domain.append(f"{template} without {' or '.join(needs)}")
    for group in dom["mutually_exclusive"]:
        if all(t in present for t in group):
            finder.domain.append(" together with ".join(group))
    for template, maximum in dom["list_max_entries"].items():
        entries = {index for _, t, index in known if t == template}
        if len(entries) > maximum:
            finder.domain.append(f"{len(entries)} entries of {template}")


def _value(finder: Finder, name: str, value: str, rules: Rules) -> None:
    """One value: its domain limits, its syntax, and whether it names a resource."""
    if has_surrogate(value):
        return  # a value that does not decode is WIRE-MALFORMED-QUERY's alone
    if rules.get("beyond_domain"):
        finder.domain.append(f"{name} (not for ImportInstance)")
    if rules["syntax"] in _LENGTH_LIMITED:
        maximum = rules.get("max_length", golden.domain()["limits"]["text_max_length"])
        if len(value) > maximum:
            finder.domain.append(f"{name} longer than {maximum} characters")
    check = _SYNTAX_CHECKS.get(rules["syntax"])
    if check is not None and not check(finder, name, value, rules):
        return
    resource = rules.get("resource")
    if resource == "another-zone":
        if value and value not in finder.availability_zones and xml_legal(value):
            finder.resources.append(name)
    elif resource:
        finder.resources.append(name)


def _shown(name: str, value: str) -> str:
    return f"{name}={value[:40]!r}"


# Each check records what is wrong with a value of its syntax, and says whether the value
# goes on to the resource rule (an echoed text that is absent or refused does not).


def _text(finder: Finder, name: str, value: str, rules: Rules) -> bool:
    if not xml_legal(value):
        finder.outside.append(f"characters XML cannot carry in {name}, which is not echoed")
    return True


def _echoed_text(finder: Finder, name: str, value: str, rules: Rules) -> bool:
    if rules.get("empty_is_absent") and value == "":
        return False
    if not xml_legal(value):
        finder.fault(rules.get("requirement", ""), _shown(name, value))
        return False
    return True


def _enum(finder: Finder, name: str, value: str, rules: Rules) -> bool:
    special = rules.get("special_values", {})
    if value in special:
        finder.fault(special[value], _shown(name, value))
    elif value not in contract().enums[rules["enum"]]:
        future = rules.get("future_shape")
        if future and re.fullmatch(future, value):
            finder.domain.append(f"{name} has the shape of a future enum value")
        else:
            finder.fault(rules.get("requirement", ""), _shown(name, value))
    return True


def _boolean(finder: Finder, name: str, value: str, rules: Rules) -> bool:
    if value not in value_syntax()["boolean"]:
        finder.fault(rules.get("requirement", ""), _shown(name, value))
    return True


def _integer(finder: Finder, name: str, value: str, rules: Rules) -> bool:
    number = integer(value)
    shown = _shown(name, value)
    if number is None or not rules["minimum"] <= number <= rules["maximum"]:
        finder.fault(rules.get("requirement", ""), shown)
    elif number < rules.get("domain_minimum", number):
        finder.domain.append(f"{shown} below {rules['domain_minimum']}")
    elif number > rules.get("domain_maximum", number):
        finder.domain.append(f"{shown} above {rules['domain_maximum']}")
    return True


def _url(finder: Finder, name: str, value: str, rules: Rules) -> bool:
    if not (re.fullmatch(value_syntax()["url"], value) and xml_legal(value)):
        finder.fault(rules.get("requirement", ""), _shown(name, value))
    return True


def _pattern(finder: Finder, name: str, value: str, rules: Rules) -> bool:
    if not re.fullmatch(value_syntax()[rules["syntax"]], value):
        finder.fault(rules.get("requirement", ""), _shown(name, value))
    return True


_SYNTAX_CHECKS: Mapping[str, Callable[[Finder, str, str, Rules], bool]] = {
    "text": _text,
    "echoed-text": _echoed_text,
    "enum": _enum,
    "boolean": _boolean,
    "integer": _integer,
    "url": _url,
    "ipv4": _pattern,
    "base64": _pattern,
}


def _disk_images(finder: Finder, known: list[Known], value_of: Mapping[str, str]) -> None:
    """DISK-NONE, DISK-MULTIPLE, DISK-FIELD-MISSING and DISK-SIZE-TOO-SMALL."""
    params = golden.domain()["parameters"]
    images: dict[str, dict[str, str]] = {}
    for name, template, index in known:
        if template.startswith(_DISK):
            images.setdefault(index, {})[template] = value_of[name]
    if not images:
        finder.fault("DISK-NONE", "no disk image")
        return
    if len(images) > 1:
        finder.fault("DISK-MULTIPLE", f"disk images {', '.join(sorted(images, key=int))}")
    for index, fields in images.items():
        for template, rules in params.items():
            disk_field = template.startswith(_DISK) and rules.get("required")
            if disk_field and template not in fields:
                finder.fault(rules["required"], f"no {template.replace('{N}', index)}")
        _too_small(finder, index, fields)


def _too_small(finder: Finder, index: str, fields: Mapping[str, str]) -> None:
    """DISK-SIZE-TOO-SMALL: more image bytes than the volume holds (both values valid)."""
    dom = golden.domain()
    size_rules = dom["parameters"]["DiskImage.{N}.Volume.Size"]
    bytes_rules = dom["parameters"]["DiskImage.{N}.Image.Bytes"]
    size = integer(fields.get("DiskImage.{N}.Volume.Size", ""))
    count = integer(fields.get("DiskImage.{N}.Image.Bytes", ""))
    if (
        size is not None
        and count is not None
        and size_rules["minimum"] <= size <= size_rules["maximum"]
        and bytes_rules["minimum"] <= count <= bytes_rules["maximum"]
        and count > size * dom["image_bytes_per_size_unit"]
    ):
        finder.fault("DISK-SIZE-TOO-SMALL", f"DiskImage.{index}: {count} bytes > {size} GiB")
