"""Writes both envelopes, success and error, with lxml: never by pasting values into strings.

- Success (RESP-ENVELOPE, RESP-NAMESPACE, RESP-REQUEST-ID): ``<{Action}Response
  xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">`` (with the trailing slash AWS sends),
  ``requestId`` first, then the handler's document. A document is data: a mapping is a
  sequence of child elements in its order, a list is a sequence of member elements named as
  the model names that list's member (:func:`model_list_items`: the ``locationName`` of the
  list shape's member in botocore's EC2 model, recorded in ``golden/model.json``; ``item``
  for every list of EC2's), ``None`` an empty element, integers are written in decimal
  (``0012`` comes back as ``12``), booleans as ``true``/``false``. Text goes through lxml,
  which writes a CR as ``&#13;`` so that it survives parsing (WIRE-UTF8,
  PARAM-DESCRIPTION-ECHO).
- Error (ERR-ENVELOPE, ERR-NAMESPACE, ERR-STATUS-*, ERR-CONTENT-TYPE): ``<Response>`` with
  no namespace, ``Errors/Error/Code``, ``Errors/Error/Message`` and ``RequestID``; the status
  comes from the error catalogue.

Both start with ``<?xml version="1.0" encoding="UTF-8"?>`` and are sent as
``text/xml;charset=UTF-8`` with an ``x-amzn-RequestId`` header.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Final, TypeAlias

from lxml import etree
from werkzeug.wrappers import Response

from ec2conformance import GOLDEN
from ec2conformance.model import API_VERSION

from .catalogue import EC2Error, ErrorCatalogue

NAMESPACE: Final = f"http://ec2.amazonaws.com/doc/{API_VERSION}/"
CONTENT_TYPE: Final = "text/xml;charset=UTF-8"
XML_DECLARATION: Final = b'<?xml version="1.0" encoding="UTF-8"?>\n'

XmlValue: TypeAlias = "str | int | bool | Mapping[str, XmlValue] | Sequence[XmlValue] | None"
"""A document: what a handler returns, and the serializer writes."""

Document: TypeAlias = "Mapping[str, XmlValue]"

DEFAULT_LIST_ITEM: Final = "item"
"""The member element of a list the recorded model does not name: what the EC2 model names
the member of every list it has (``locationName: item``; the ec2 protocol's own default,
for a member without one, would be ``member``)."""


def list_item_names(tree: Mapping[str, Any]) -> dict[str, str]:
    """List element name -> its member element's name, for every list in ``tree``.

    ``tree`` is an element tree as ``golden/model.json`` records an output shape (local name
    -> ``{"type", "children"}``; a list's one child is its member, named by the model). A
    name that is a list twice with different member names raises ``ValueError``: the
    serializer picks the member name by the list element's name alone.
    """
    out: dict[str, str] = {}

    def walk(nodes: Mapping[str, Any]) -> None:
        for name, node in nodes.items():
            children = node.get("children", {})
            if node["type"] == "list":
                ((item, _),) = children.items()
                if out.setdefault(name, item) != item:
                    raise ValueError(f"list {name!r} has members {out[name]!r} and {item!r}")
            walk(children)

    walk(tree)
    return out


@cache
def model_list_items(golden: Path = GOLDEN) -> Mapping[str, str]:
    """The member element names of the lists of ImportInstance's answer (``model.json``)."""
    with (golden / "model.json").open(encoding="utf-8") as handle:
        return list_item_names(json.load(handle)["import_instance_result"])


_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_MESSAGE_LIMIT = 2000


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry written as a ``\\x``/``\\u`` escape.

    For messages only, which may quote what the client sent; echoed values are validated
    before they get here and are never altered.
    """
    safe = _NOT_XML.sub(lambda match: match.group().encode("unicode_escape").decode(), text)
    if len(safe) > _MESSAGE_LIMIT:
        safe = safe[: _MESSAGE_LIMIT - 1] + "…"
    return safe


def _fill(parent: etree._Element, value: XmlValue, qualify: str, items: Mapping[str, str]) -> None:
    if value is None:
        return
    kind = type(value)
    if kind is str:
        parent.text = value
    elif kind is bool:
        parent.text = "true" if value else "false"
    elif kind is int:
        parent.text = str(value)
    elif kind is dict:
        sub = etree.SubElement
        for name, child in value.items():
            if child is None:
                sub(parent, qualify + name)
            elif type(child) is str:
                sub(parent, qualify + name).text = child
            else:
                _fill(sub(parent, qualify + name), child, qualify, items)
    else:
        _fill_other(parent, value, qualify, items)


def _fill_other(
    parent: etree._Element, value: XmlValue, qualify: str, items: Mapping[str, str]
) -> None:
    """The general case of :func:`_fill` (subclasses, other mappings, sequences)."""
    if isinstance(value, bool):
        parent.text = "true" if value else "false"
    elif isinstance(value, int):
        parent.text = str(value)
    elif isinstance(value, str):
        parent.text = value
    elif isinstance(value, Mapping):
        for name, child in value.items():
            _fill(etree.SubElement(parent, qualify + name), child, qualify, items)
    elif value is not None:
        member = qualify + items.get(etree.QName(parent).localname, DEFAULT_LIST_ITEM)
        for child in value:
            _fill(etree.SubElement(parent, member), child, qualify, items)


def _xml_response(root: etree._Element, status: int, request_id: str) -> Response:
    body = XML_DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)
    return Response(
        body,
        status=status,
        headers={"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": request_id},
    )


class Serializer:
    """The one writer of answers: success documents and :class:`EC2Error`.

    ``list_items`` names each list's member element by the list element's name (default:
    :func:`model_list_items`, from the recorded model; a list it does not name gets
    :data:`DEFAULT_LIST_ITEM`).
    """

    def __init__(
        self, catalogue: ErrorCatalogue | None, list_items: Mapping[str, str] | None = None
    ) -> None:
        self._catalogue = catalogue
        self._items = model_list_items() if list_items is None else list_items

    def success_body(self, action: str, document: Document, request_id: str) -> etree._Element:
        """The success envelope of ``action`` around ``document``, as an element tree."""
        qualify = f"{{{NAMESPACE}}}"
        root = etree.Element(f"{qualify}{action}Response", nsmap={None: NAMESPACE})
        etree.SubElement(root, f"{qualify}requestId").text = request_id
        _fill(root, document, qualify, self._items)
        return root

    def success(self, action: str, document: Document, request_id: str) -> Response:
        """A 200 answer carrying ``document`` (RESP-ENVELOPE)."""
        return _xml_response(self.success_body(action, document, request_id), 200, request_id)

    def error_body(self, error: EC2Error, request_id: str) -> etree._Element:
        """The error envelope for ``error``, as an element tree (ERR-ENVELOPE)."""
        root = etree.Element("Response")
        item = etree.SubElement(etree.SubElement(root, "Errors"), "Error")
        etree.SubElement(item, "Code").text = error.code
        etree.SubElement(item, "Message").text = xml_safe(error.message)
        etree.SubElement(root, "RequestID").text = request_id
        return root

    def error(self, error: EC2Error, request_id: str) -> Response:
        """An error answer, its status from the catalogue (ERR-STATUS-MATCHES)."""
        if self._catalogue is None:
            raise ValueError("a Serializer without an error catalogue writes no error answer")
        status = self._catalogue.status(error.code)
        return _xml_response(self.error_body(error, request_id), status, request_id)
