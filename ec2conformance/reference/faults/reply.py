"""The answer as the fault layer handles it (:class:`Reply`), and helpers over its XML.

Answers are read and rewritten with lxml, never with regular expressions on XML.
"""

from __future__ import annotations

import http
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from ..app import StartResponse
from ..serializer import XML_DECLARATION


@dataclass(frozen=True)
class Reply:
    """One answer: status, headers and body, as the client will see them."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first header called ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    def with_header(self, name: str, value: str) -> Reply:
        """The same answer with header ``name`` set to ``value``."""
        kept = tuple((k, v) for k, v in self.headers if k.lower() != name.lower())
        return Reply(self.status, (*kept, (name, value)), self.body)

    def with_status(self, status: int) -> Reply:
        """The same answer with another HTTP status."""
        return Reply(status, self.headers, self.body)

    def xml(self) -> etree._Element | None:
        """The body as an element tree (a fresh copy), or None when it is not XML."""
        try:
            return etree.fromstring(self.body, parser=etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError:
            return None

    def with_xml(self, root: etree._Element) -> Reply:
        """The same answer with ``root`` as its body, written as the serializer writes."""
        body = XML_DECLARATION + etree.tostring(root, encoding="UTF-8", xml_declaration=False)
        return Reply(self.status, self.headers, body).with_header("Content-Length", str(len(body)))

    @property
    def root_name(self) -> str | None:
        """The local name of the body's root element, or None."""
        root = self.xml()
        return None if root is None else etree.QName(root).localname

    @property
    def code(self) -> str | None:
        """The error code: the first ``Code`` inside the first ``Error``, whatever the root."""
        root = self.xml()
        if root is None or self.status == 200:
            return None
        error = next(iter(named(root, "Error")), None)
        element = next(iter(named(error, "Code")), None) if error is not None else None
        return None if element is None else (element.text or "").strip()

    def respond(self, start_response: StartResponse) -> Iterable[bytes]:
        """Send the answer through WSGI."""
        try:
            reason = http.HTTPStatus(self.status).phrase
        except ValueError:
            reason = "Unknown"
        headers = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(self.body))))
        start_response(f"{self.status} {reason}", headers)
        return [self.body]


# ------------------------------------------------------------------------------ XML helpers


def local(element: etree._Element) -> str:
    """The local name of ``element``'s tag."""
    return etree.QName(element).localname


def named(element: etree._Element, name: str) -> list[etree._Element]:
    """Every descendant of ``element`` (itself included) with local name ``name``."""
    return [e for e in element.iter() if isinstance(e.tag, str) and local(e) == name]


def child(element: etree._Element | None, name: str) -> etree._Element | None:
    """The first child of ``element`` with local name ``name``, or None."""
    if element is None:
        return None
    return next((c for c in element if isinstance(c.tag, str) and local(c) == name), None)


def path(root: etree._Element, *names: str) -> etree._Element | None:
    """The element reached from ``root`` through children of these local names."""
    node: etree._Element | None = root
    for name in names:
        node = child(node, name)
    return node


def error_code(root: etree._Element) -> etree._Element | None:
    """The ``Code`` element of the first ``Error`` under ``root``, or None."""
    error = next(iter(named(root, "Error")), None)
    return child(error, "Code")


def sibling_tag(element: etree._Element, name: str) -> str:
    """A tag called ``name`` in the namespace of ``element``."""
    namespace = etree.QName(element).namespace
    return f"{{{namespace}}}{name}" if namespace else name


def renamespaced(root: etree._Element, namespace: str | None) -> etree._Element:
    """A copy of ``root`` with every element in ``namespace`` (None: no namespace)."""

    def tag(element: etree._Element) -> str:
        name = local(element)
        return f"{{{namespace}}}{name}" if namespace else name

    def copy(element: etree._Element, parent: etree._Element | None) -> etree._Element:
        if parent is None:
            new = etree.Element(tag(element), nsmap={None: namespace} if namespace else None)
        else:
            new = etree.SubElement(parent, tag(element))
        new.text = element.text
        for item in element:
            if isinstance(item.tag, str):
                copy(item, new).tail = item.tail
        return new

    return copy(root, None)
