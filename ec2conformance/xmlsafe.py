"""Reading untrusted XML safely, boundedly, and as the contract reads it.

Every body an endpoint sends is untrusted: it is parsed without resolving entities, without
the network, without loading a DTD and within libxml2's default limits, and a document that
declares a DOCTYPE or an entity is refused rather than expanded. The readers read an
answer as the requirements of ``golden/requirements.json`` do: elements are matched by local
name, the code of an error answer is the stripped text of the first ``Code`` inside the
first ``Error`` (ERR-ENVELOPE, ERR-CODE-KNOWN), and content types are compared by media type
(RESP-ENVELOPE, ERR-CONTENT-TYPE).
"""

from __future__ import annotations

from lxml import etree

__all__ = [
    "MAX_BODY_BYTES",
    "WHITE_SPACE",
    "UnsafeOrMalformedXML",
    "declaration_in",
    "error_code",
    "local_name",
    "media_type",
    "parse_untrusted",
    "strip_white_space",
]

#: The largest body parsed at all (bytes). EC2 answers are a few KiB; anything near this is
#: refused before the parser sees it.
MAX_BODY_BYTES = 4 * 1024 * 1024

#: White space as the contract defines it (U+0009, U+000A, U+000D, U+0020).
WHITE_SPACE = "\t\n\r "

_DECLARATIONS = (b"<!DOCTYPE", b"<!ENTITY")


def _spellings(declaration: bytes) -> tuple[bytes, ...]:
    text = declaration.decode("ascii")
    return (declaration, text.encode("utf-16-le"), text.encode("utf-16-be"))


_DECLARATION_SPELLINGS = tuple((d, spelling) for d in _DECLARATIONS for spelling in _spellings(d))


def declaration_in(body: bytes) -> str | None:
    """The DOCTYPE or entity declaration a body carries (in UTF-8 or UTF-16), or None.

    For readers other than :func:`parse_untrusted` (botocore's parser expands internal
    entities): a body that declares one is refused before they see it."""
    data = bytes(body)
    for declaration, spelling in _DECLARATION_SPELLINGS:
        if spelling in data:
            return declaration.decode()
    return None


class UnsafeOrMalformedXML(ValueError):
    """The body is not well-formed XML, is too large, or declares a DOCTYPE or an entity."""


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers must not be shared between threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse_untrusted(body: bytes, *, max_bytes: int = MAX_BODY_BYTES) -> etree._Element:
    """Parse an endpoint's body and return its root element.

    Raises :class:`UnsafeOrMalformedXML` for a body that is empty, larger than ``max_bytes``,
    not well-formed, or that has a DOCTYPE or an entity declaration (refused, never
    expanded: billion laughs and external entities never reach the parser's expansion).
    The well-formedness of an answer is what RESP-ENVELOPE and ERR-ENVELOPE judge.
    """
    if not isinstance(body, bytes | bytearray | memoryview):
        raise TypeError(f"parse_untrusted takes bytes, not {type(body).__name__}")
    data = bytes(body)
    if not data.strip():
        raise UnsafeOrMalformedXML("empty body")
    if len(data) > max_bytes:
        raise UnsafeOrMalformedXML(f"body of {len(data)} bytes exceeds the limit of {max_bytes}")
    for declaration in _DECLARATIONS:
        if declaration in data:
            raise UnsafeOrMalformedXML(f"refused: the body contains {declaration.decode()}")
    try:
        root = etree.fromstring(data, parser=_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise UnsafeOrMalformedXML(f"not well-formed XML: {exc}") from None
    if root is None:
        raise UnsafeOrMalformedXML("no root element")
    docinfo = root.getroottree().docinfo
    # The byte scan misses declarations in other encodings (UTF-16); the parser does not.
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise UnsafeOrMalformedXML("refused: the body declares a DOCTYPE")
    for node in root.getroottree().iter():
        if isinstance(node, etree._Entity):
            raise UnsafeOrMalformedXML("refused: the body references an entity")
    return root


def local_name(el: etree._Element) -> str:
    """The element's name without its namespace; ``""`` for comments and processing
    instructions (the contract matches elements by local name everywhere)."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def strip_white_space(text: str) -> str:
    """``text`` without surrounding white space in the contract's sense (tab, LF, CR, space)."""
    return text.strip(WHITE_SPACE)


def _elements(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter() if isinstance(el.tag, str)]


def error_code(root: etree._Element) -> str | None:
    """The code of an error answer (ERR-CODE-KNOWN, ERR-ENVELOPE): the text, stripped of
    surrounding white space, of the first ``Code`` inside the first ``Error`` element in
    document order, whatever the root is called; ``None`` when there is no such ``Code`` or
    its text is empty after stripping."""
    first_error = next((el for el in _elements(root) if local_name(el) == "Error"), None)
    if first_error is None:
        return None
    for el in first_error.iter():
        if el is not first_error and isinstance(el.tag, str) and local_name(el) == "Code":
            text = strip_white_space("".join(el.itertext()))
            return text or None
    return None


def media_type(content_type_header: str | None) -> str:
    """The media type of a ``Content-Type`` header: the part before ``;``, stripped and
    lower-cased (``text/xml;charset=UTF-8`` → ``text/xml``); ``""`` when absent
    (RESP-ENVELOPE, ERR-CONTENT-TYPE)."""
    if not content_type_header:
        return ""
    return content_type_header.split(";", 1)[0].strip(WHITE_SPACE).lower()
