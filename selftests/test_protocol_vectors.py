"""botocore's EC2 protocol test vectors (``golden/protocol-vectors.json``) through the suite's
own request encoder, the reference endpoint's decoder and its serializer.

The vectors were written by botocore's maintainers for every SDK's ec2 protocol, not by this
project, and use shapes of their own. A small adapter turns a vector's shapes into what each
side takes:

- input vectors: the shape into the encoder's shape tree (``ec2conformance.wire``; the
  wire name of a member is its ``queryName``, else its ``locationName`` capitalised, else its
  name capitalised, as ``scripts/record_model_data.py`` derives ImportInstance's), the params
  through the encoder, which must give the vector's body byte for byte (and, decoded, the
  same pairs); the body through the reference's strict form decoder, its name resolution
  (stage 3, templates made from the shape) and its value syntax (booleans, integers), which
  must give the vector's params back;
- output vectors: the body through botocore's ec2 parser, which must give the vector's
  result (or error); the result, as a document of the vector's shape, through the reference
  serializer (list member names from the shape), whose answer botocore's parser must read
  back as the same result.

A vector that uses what ImportInstance does not have (timestamps, floats, blobs, maps,
idempotency tokens, host prefixes, ...) makes the adapter raise :class:`OutOfScope`; the data
file lists each such vector with its reason, and :func:`test_dropped_vectors_are_listed`
asserts that the two agree exactly: nothing is dropped without being listed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import botocore.model
import botocore.parsers
import pytest
from lxml import etree

from ec2conformance import golden, wire
from ec2conformance.reference import wire as reference_wire
from ec2conformance.reference.catalogue import EC2Error, ParameterTemplate
from ec2conformance.reference.names import ParameterSet
from ec2conformance.reference.serializer import (
    DEFAULT_LIST_ITEM,
    Serializer,
    list_item_names,
    model_list_items,
)
from ec2conformance.reference.syntax import INT_RANGE, LONG_RANGE, parse_boolean, parse_integer


def _thaw(value: Any) -> Any:
    """The loader's read-only data (mapping proxies, tuples) as plain JSON values."""
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_thaw(v) for v in value]
    return value


DATA = _thaw(golden.load_json("protocol-vectors.json"))
LEAVES = frozenset({"string", "boolean", "integer", "long"})
RECURSION_LIMIT = 4  # how deep a recursive shape's names are made for the reference


class OutOfScope(Exception):
    """The vector uses a type or trait ImportInstance does not have (``args[0]``: which)."""


def _cases(direction: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [(suite, case) for suite in DATA[direction] for case in suite["cases"]]


INPUTS = _cases("input")
OUTPUTS = _cases("output")
LISTED = {(e["direction"], e["id"]): e for e in DATA["out_of_scope"]}


def _capitalised(name: str) -> str:
    return name[0].upper() + name[1:]


def _wire_name(name: str, member: Mapping[str, Any]) -> str:
    if "queryName" in member:
        return member["queryName"]
    return _capitalised(member.get("locationName", name))


# ------------------------------------------------------------------------------ input side


def _encoder_shape(shapes: Mapping[str, Any], name: str, built: dict[str, Any]) -> Any:
    """The encoder's shape tree for ``shapes[name]`` (recursive shapes share one node)."""
    if name in built:
        return built[name]
    shape = shapes[name]
    kind = shape["type"]
    if kind in LEAVES:
        return wire._Leaf(kind)
    if kind == "list":
        return wire._List(_encoder_shape(shapes, shape["member"]["shape"], built))
    if kind != "structure":
        raise OutOfScope(kind)
    members: dict[str, Any] = {}
    node = wire._Struct(members)
    built[name] = node
    for member_name, member in shape["members"].items():
        if member.get("idempotencyToken"):
            raise OutOfScope("idempotencyToken")
        if shapes[member["shape"]]["type"] in LEAVES | {"list", "structure"}:
            sub = _encoder_shape(shapes, member["shape"], built)
        else:
            sub = None  # a member of another type: out of scope only if the vector uses it
        members[member_name] = (_wire_name(member_name, member), sub)
    return node


def _check_used(value: Any, shape: Any, where: str) -> None:
    if shape is None:
        raise OutOfScope(f"a member of another type ({where})")
    if isinstance(shape, wire._Struct) and isinstance(value, Mapping):
        for key, item in value.items():
            if key in shape.members:
                _check_used(item, shape.members[key][1], f"{where}.{key}")
    elif isinstance(shape, wire._List) and isinstance(value, list):
        for item in value:
            _check_used(item, shape.member, where)


def _encode(suite: Mapping[str, Any], case: Mapping[str, Any]) -> tuple[bytes, Any]:
    """The body the suite's encoder writes for the vector's params, and the shape used."""
    given = case["given"]
    for trait in ("endpoint", "requestcompression"):
        if trait in given:
            raise OutOfScope(trait)
    head = [("Action", given["name"]), ("Version", suite["metadata"]["apiVersion"])]
    if "input" not in given:
        return wire.encode_form(tuple(head)), None
    shape = _encoder_shape(suite["shapes"], given["input"]["shape"], {})
    _check_used(case["params"], shape, "params")
    pairs = head + list(wire._flatten(case["params"], shape, ""))
    return wire.encode_form(tuple(pairs)), shape


def _prefixed(shape: Any) -> Iterator[ParameterTemplate]:
    """Every leaf template of ``shape``, dotted (``Nested.RecursiveArg.StringArg``)."""

    def walk(node: Any, prefix: str, depth: int) -> Iterator[ParameterTemplate]:
        if depth > RECURSION_LIMIT:
            return
        if isinstance(node, wire._Struct):
            for wire_name, member in node.members.values():
                if member is not None:
                    yield from walk(
                        member, f"{prefix}.{wire_name}" if prefix else wire_name, depth + 1
                    )
        elif isinstance(node, wire._List):
            yield from walk(node.member, f"{prefix}.{{N}}", depth)
        else:
            yield ParameterTemplate(template=prefix, type=node.type)

    yield from walk(shape, "", 0)


def _decode(body: bytes, shape: Any) -> dict[str, Any]:
    """The reference's reading of ``body``: strict form decoding, names resolved against the
    shape's templates, values by the value syntax, rebuilt into nested params."""
    request = reference_wire.HttpRequest(
        method="POST",
        path="/",
        query=b"",
        headers={"content-type": wire.FORM_CONTENT_TYPE},
        body=body,
    )
    flat = reference_wire.request_parameters(request)
    flat.pop("Action")
    flat.pop("Version")
    if shape is None:
        assert not flat
        return {}
    resolved = ParameterSet(_prefixed(shape)).resolve(flat)
    params: dict[str, Any] = {}
    for parameter in resolved.values():
        template = parameter.template
        assert template is not None
        value: Any = parameter.value
        if template.type == "boolean":
            value = parse_boolean(parameter.name, value)
        elif template.type in ("integer", "long"):
            bounds = INT_RANGE if template.type == "integer" else LONG_RANGE
            value = parse_integer(parameter.name, value, bounds)
        _place(params, shape, template.template.split("."), list(parameter.indexes), value)
    return _lists(params)


def _place(
    into: dict[Any, Any], shape: Any, path: list[str], indexes: list[int], value: Any
) -> None:
    """Put ``value`` at the API path the wire path names (lists as {index: item} for now)."""
    node: Any = shape
    target: dict[Any, Any] = into
    key: Any = None
    for i, segment in enumerate(path):
        if isinstance(node, wire._Struct):
            ((key, (_, node)),) = [
                (api, (w, m)) for api, (w, m) in node.members.items() if w == segment
            ]
        else:  # a list index
            key = indexes.pop(0)
            node = node.member
        if i < len(path) - 1:
            target = target.setdefault(key, {})
    target[key] = value


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        if value and all(isinstance(k, int) for k in value):
            return [_lists(value[k]) for k in sorted(value)]
        return {k: _lists(v) for k, v in value.items()}
    return value


def _without_empty_lists(value: Any) -> Any:
    """The params as the wire can carry them: an empty list, and a structure left with
    nothing in it, are written as nothing at all."""
    if isinstance(value, dict):
        out = {k: _without_empty_lists(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in ([], {})}
    if isinstance(value, list):
        return [_without_empty_lists(v) for v in value]
    return value


def _input_id(entry: tuple[dict[str, Any], dict[str, Any]]) -> str:
    return entry[1]["id"]


@pytest.mark.parametrize("entry", INPUTS, ids=[_input_id(e) for e in INPUTS])
def test_input_vector(entry):
    suite, case = entry
    if ("input", case["id"]) in LISTED:
        with pytest.raises(OutOfScope):
            _encode(suite, case)
        pytest.skip(LISTED["input", case["id"]]["reason"])
    body, shape = _encode(suite, case)
    expected = case["serialized"]
    assert expected["method"] == "POST"
    # The path is the endpoint URL's (HostWithPath: example.com/custom), not the encoder's.
    assert expected["uri"] == "/" or expected["uri"].strip("/") in expected.get("host", "")
    content_type = expected.get("headers", {}).get("Content-Type")
    if content_type is not None:
        assert reference_wire.media_type(wire.FORM_CONTENT_TYPE) == content_type
    assert body.decode("ascii") == expected["body"]
    assert reference_wire.decode_form(body) == reference_wire.decode_form(expected["body"].encode())
    assert _decode(body, shape) == _without_empty_lists(case["params"])


# ------------------------------------------------------------------------------ output side


def _output_shape(suite: Mapping[str, Any], case: Mapping[str, Any]) -> Any:
    given = case["given"]
    if "output" not in given:
        return None
    resolver = botocore.model.ShapeResolver(suite["shapes"])
    return resolver.get_shape_by_name(given["output"]["shape"])


def _parse(suite: Mapping[str, Any], case: Mapping[str, Any], body: bytes) -> dict[str, Any]:
    response = dict(case["response"])
    parser = botocore.parsers.create_parser("ec2")
    parsed = parser.parse(
        {
            "status_code": response["status_code"],
            "headers": response.get("headers", {}),
            "body": body,
        },
        _output_shape(suite, case),
    )
    parsed.pop("ResponseMetadata", None)
    return parsed


def _document(value: Any, shape: botocore.model.Shape, items: dict[str, str], name: str) -> Any:
    """``value`` (a vector's result) as a document of the reference serializer."""
    kind = shape.type_name
    if kind == "structure":
        if shape.serialization.get("xmlNamespace"):
            raise OutOfScope("xmlNamespace")
        out = {}
        for member_name, member in shape.members.items():
            if member_name not in value:
                continue
            if member.serialization.get("flattened"):
                raise OutOfScope("flattened")
            element = member.serialization.get("name", member_name)
            out[element] = _document(value[member_name], member, items, element)
        return out
    if kind == "list":
        item = shape.member.serialization.get("name", "member")
        if shape.member.serialization.get("xmlNamespace"):
            raise OutOfScope("xmlNamespace")
        if items.setdefault(name, item) != item:
            raise OutOfScope(f"two lists called {name!r} with different member names")
        return [_document(v, shape.member, items, item) for v in value]
    if kind in LEAVES:
        return value
    raise OutOfScope(kind)


def _reference_answer(suite: Mapping[str, Any], case: Mapping[str, Any]) -> bytes:
    """What the reference serializer writes for the vector's result (or error)."""
    if "errorCode" in case:
        if set(case.get("error", {})) - {"Message"}:
            raise OutOfScope("error-members")
        error = EC2Error(case["errorCode"], case.get("errorMessage", ""))
        return etree.tostring(Serializer(None).error_body(error, "foo-id"))
    shape = _output_shape(suite, case)
    items: dict[str, str] = {}
    document = {} if shape is None else _document(case["result"], shape, items, "")
    root = Serializer(None, list_items=items).success_body(case["given"]["name"], document, "r")
    return etree.tostring(root)


def _expected(case: Mapping[str, Any]) -> dict[str, Any]:
    if "errorCode" in case:
        error = {"Code": case["errorCode"]}
        if "errorMessage" in case:
            error["Message"] = case["errorMessage"]
        return error
    return case["result"]


def _got(case: Mapping[str, Any], parsed: dict[str, Any]) -> dict[str, Any]:
    if "errorCode" in case:
        return {k: v for k, v in parsed["Error"].items() if k in ("Code", "Message")}
    return parsed


@pytest.mark.parametrize("entry", OUTPUTS, ids=[_input_id(e) for e in OUTPUTS])
def test_output_vector(entry):
    suite, case = entry
    if ("output", case["id"]) in LISTED:
        with pytest.raises(OutOfScope):
            _reference_answer(suite, case)
        pytest.skip(LISTED["output", case["id"]]["reason"])
    given_body = case["response"]["body"].encode("utf-8")
    assert _got(case, _parse(suite, case, given_body)) == _expected(case)
    ours = _reference_answer(suite, case)
    assert _got(case, _parse(suite, case, ours)) == _expected(case)


# ------------------------------------------------------------------------------ the dropped


def _dropped() -> set[tuple[str, str]]:
    dropped = set()
    for suite, case in INPUTS:
        try:
            _encode(suite, case)
        except OutOfScope:
            dropped.add(("input", case["id"]))
    for suite, case in OUTPUTS:
        try:
            _reference_answer(suite, case)
        except OutOfScope:
            dropped.add(("output", case["id"]))
    return dropped


def test_dropped_vectors_are_listed():
    """What the adapter cannot run is exactly what the data file lists as out of scope."""
    assert _dropped() == set(LISTED)


def test_every_listed_vector_exists_once_and_has_a_reason():
    ids = [("input", c["id"]) for _, c in INPUTS] + [("output", c["id"]) for _, c in OUTPUTS]
    assert len(ids) == len(set(ids))
    assert set(LISTED) <= set(ids)
    assert len(LISTED) == len(DATA["out_of_scope"])
    assert all(len(e["reason"]) > 20 for e in DATA["out_of_scope"])


def test_most_of_the_vectors_run():
    """A floor, so that a regression of the adapter cannot list everything as out of scope."""
    ran = len(INPUTS) + len(OUTPUTS) - len(LISTED)
    assert ran >= 24


# ------------------------------------------------------------------------ list member names


def test_list_item_names_come_from_the_model_tree():
    tree = {
        "a": {"type": "list", "children": {"member": {"type": "string"}}},
        "b": {
            "type": "structure",
            "children": {"c": {"type": "list", "children": {"entry": {"type": "string"}}}},
        },
    }
    assert list_item_names(tree) == {"a": "member", "c": "entry"}
    clash = {**tree, "d": {"type": "structure", "children": {"a": tree["b"]["children"]["c"]}}}
    with pytest.raises(ValueError):
        list_item_names(clash)


def test_serializer_names_list_members_as_told():
    root = Serializer(None, list_items={"xs": "entry"}).success_body(
        "Op", {"xs": ["1", "2"], "ys": ["3"]}, "r"
    )
    names = [etree.QName(e).localname for e in root.iter()]
    assert names == ["OpResponse", "requestId", "xs", "entry", "entry", "ys", DEFAULT_LIST_ITEM]


def test_reference_lists_are_named_as_botocore_model_names_them():
    """Every list the reference writes, named as botocore's EC2 model names its member."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("ec2")
    lists: dict[str, str] = {}

    def walk(shape: botocore.model.Shape, seen: set[str]) -> None:
        if shape.name in seen:
            return
        seen = seen | {shape.name}
        for name, member in getattr(shape, "members", {}).items():
            element = member.serialization.get("name", name)
            if member.type_name == "list":
                lists[element] = member.member.serialization.get("name", "member")
                walk(member.member, seen)
            else:
                walk(member, seen)

    for action in ("ImportInstance", "DescribeConversionTasks"):
        walk(model.operation_model(action).output_shape, set())
    assert lists["volumes"] == lists["conversionTasks"] == "item"
    items = model_list_items()
    for element in ("volumes", "conversionTasks"):
        assert items.get(element, DEFAULT_LIST_ITEM) == lists[element]
    for element, item in items.items():
        assert lists[element] == item
