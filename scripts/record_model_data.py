"""Record what the contract takes from botocore's EC2 model into ``golden/model.json`` (and the
list of EC2 actions into ``golden/ec2-api.json``).

The contract pins botocore 1.44.8: the enums, the parameter names the serializer can
produce for ImportInstance, and the element tree of ``ImportInstanceResult``. Recording
them as data means a newer botocore cannot silently change what "conformant" means.

Run with botocore 1.44.8 installed: ``python scripts/record_model_data.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import botocore
import botocore.session

PINNED = "1.44.8"
OUT = Path(__file__).resolve().parents[1] / "golden" / "model.json"
API = OUT.with_name("ec2-api.json")


def _wire_name(name: str, member: Any) -> str:
    """The EC2 serializer's key for a member: queryName, else capitalised locationName."""
    ser = member.serialization
    if "queryName" in ser:
        return ser["queryName"]
    if "name" in ser:
        return ser["name"][0].upper() + ser["name"][1:]
    return name[0].upper() + name[1:]


def _inputs(shape: Any, prefix: str, out: list[dict[str, Any]]) -> None:
    for name, member in shape.members.items():
        key = prefix + _wire_name(name, member)
        if member.type_name == "structure":
            _inputs(member, key + ".", out)
        elif member.type_name == "list":
            item = member.member
            if item.type_name == "structure":
                _inputs(item, key + ".{N}.", out)
            else:
                out.append(_leaf(key + ".{N}", item))
        else:
            out.append(_leaf(key, member))


def _leaf(template: str, member: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": template, "type": member.type_name}
    if getattr(member, "enum", None):
        entry["enum"] = member.name
    return entry


def _enums(shape: Any, out: dict[str, list[str]]) -> None:
    for member in shape.members.values():
        if getattr(member, "enum", None):
            out[member.name] = list(member.enum)
        if member.type_name == "structure":
            _enums(member, out)
        elif member.type_name == "list" and member.member.type_name == "structure":
            _enums(member.member, out)


def _outputs(shape: Any) -> dict[str, Any]:
    """Element tree of an output shape: local name -> {type, children}."""
    tree: dict[str, Any] = {}
    for name, member in shape.members.items():
        element = member.serialization.get("name", name)
        node: dict[str, Any] = {"type": member.type_name}
        if member.type_name == "structure":
            node["children"] = _outputs(member)
        elif member.type_name == "list":
            item = member.member
            item_name = item.serialization.get("name", "item")
            item_node: dict[str, Any] = {"type": item.type_name}
            if item.type_name == "structure":
                item_node["children"] = _outputs(item)
            node["children"] = {item_name: item_node}
        tree[element] = node
    return tree


def main() -> int:
    if botocore.__version__ != PINNED:
        print(f"botocore {botocore.__version__} installed; the contract pins {PINNED}")
        return 2
    model = botocore.session.get_session().get_service_model("ec2")
    op = model.operation_model("ImportInstance")
    inputs: list[dict[str, Any]] = []
    _inputs(op.input_shape, "", inputs)
    enums: dict[str, list[str]] = {}
    _enums(op.input_shape, enums)
    data = {
        "botocore_version": PINNED,
        "api_version": model.metadata["apiVersion"],
        "xml_namespace": model.metadata["xmlNamespace"],
        "import_instance_parameters": inputs,
        "enums": enums,
        "import_instance_result": _outputs(op.output_shape),
        "describe_conversion_tasks_parameters": ["ConversionTaskId.{N}", "DryRun"],
        "cancel_conversion_task_parameters": ["ConversionTaskId", "DryRun", "ReasonMessage"],
    }
    OUT.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {OUT}")
    # The actions EC2 has (golden/ec2-api.json keeps its hand-kept version list as it is).
    api = json.loads(API.read_text())
    api["actions"] = sorted(model.operation_names)
    api["botocore_version"] = PINNED
    API.write_text(json.dumps(api, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {API} ({len(api['actions'])} actions)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
