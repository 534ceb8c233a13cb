"""Self-tests of ec2conformance.xmlsafe: untrusted XML is parsed safely and boundedly, and
read as the requirements of golden/requirements.json read an answer."""

from __future__ import annotations

import time

import pytest

from ec2conformance.xmlsafe import (
    UnsafeOrMalformedXML,
    error_code,
    local_name,
    media_type,
    parse_untrusted,
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<Response><Errors><Error><Code>&lol4;</Code></Error></Errors></Response>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Response><Errors><Error><Code>&xxe;</Code></Error></Errors></Response>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/evil.dtd"> %p;]>
<r/>"""

PLAIN_DOCTYPE = b'<?xml version="1.0"?><!DOCTYPE Response><Response/>'

UTF16_DOCTYPE = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>'


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(BILLION_LAUGHS, id="billion-laughs"),
        pytest.param(EXTERNAL_ENTITY, id="external-entity"),
        pytest.param(PARAMETER_ENTITY, id="parameter-entity"),
        pytest.param(PLAIN_DOCTYPE, id="doctype"),
        pytest.param(UTF16_DOCTYPE.encode("utf-16"), id="doctype-in-utf16"),
        pytest.param(b"<r>&undefined;</r>", id="undefined-entity"),
        pytest.param(b"", id="empty"),
        pytest.param(b"  \n", id="white-space-only"),
        pytest.param(b"<r>", id="unclosed"),
        pytest.param(b"<a></b>", id="mismatched"),
        pytest.param(b"not xml at all", id="text"),
        pytest.param(b"<html><body>Internal Error<br></body></html>", id="html"),
        pytest.param(b"<r/><r/>", id="two-roots"),
        pytest.param(b"<r>\x00</r>", id="nul-byte"),
        pytest.param(b"<r>\xff\xfe</r>", id="not-utf8"),
    ],
)
def test_refused(body):
    """Declarations are refused, never expanded; what is not well-formed is refused."""
    with pytest.raises(UnsafeOrMalformedXML):
        parse_untrusted(body)


def test_billion_laughs_is_refused_quickly():
    start = time.perf_counter()
    with pytest.raises(UnsafeOrMalformedXML):
        parse_untrusted(BILLION_LAUGHS)
    assert time.perf_counter() - start < 1.0


def test_huge_body_refused_before_parsing():
    body = b"<r>" + b"x" * (5 * 1024 * 1024) + b"</r>"
    with pytest.raises(UnsafeOrMalformedXML, match="exceeds the limit"):
        parse_untrusted(body)


def test_limit_is_configurable():
    with pytest.raises(UnsafeOrMalformedXML):
        parse_untrusted(b"<r>0123456789</r>", max_bytes=10)
    assert local_name(parse_untrusted(b"<r>0123456789</r>", max_bytes=100)) == "r"


def test_deep_nesting_bounded():
    depth = 100_000
    body = b"<a>" * depth + b"</a>" * depth
    start = time.perf_counter()
    with pytest.raises(UnsafeOrMalformedXML):
        parse_untrusted(body)
    assert time.perf_counter() - start < 2.0


def test_not_bytes_is_a_type_error():
    with pytest.raises(TypeError):
        parse_untrusted("<r/>")  # type: ignore[arg-type]


def test_well_formed_parses():
    root = parse_untrusted(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<R xmlns="urn:x"><a>&amp;&#13;</a></R>'
    )
    assert local_name(root) == "R"
    assert root[0].text == "&\r"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        pytest.param(
            b"<Response><Errors><Error><Code>AuthFailure</Code></Error></Errors></Response>",
            "AuthFailure",
            id="ec2-envelope",
        ),
        pytest.param(
            b"<Response><Errors><Error><Code>\n  DryRunOperation \t</Code></Error></Errors>"
            b"</Response>",
            "DryRunOperation",
            id="stripped",
        ),
        pytest.param(
            b'<ErrorResponse xmlns="urn:x"><Error><Type>Sender</Type><Code>AuthFailure</Code>'
            b"</Error></ErrorResponse>",
            "AuthFailure",
            id="any-root-any-namespace",
        ),
        pytest.param(
            b"<Error><Code>InvalidAction</Code></Error>",
            "InvalidAction",
            id="root-is-error",
        ),
        pytest.param(
            b"<R><Error><Message>m</Message><Detail><Code>Nested</Code></Detail></Error></R>",
            "Nested",
            id="code-anywhere-inside",
        ),
        pytest.param(
            b"<R><Error><Code>First</Code><Code>Second</Code></Error>"
            b"<Error><Code>Third</Code></Error></R>",
            "First",
            id="first-of-first",
        ),
        pytest.param(
            b"<R><Code>Outside</Code><Error><Message>no code</Message></Error>"
            b"<Error><Code>Later</Code></Error></R>",
            None,
            id="first-error-has-none",
        ),
        pytest.param(b"<R><Code>Outside</Code></R>", None, id="no-error"),
        pytest.param(b"<R><Error><Code>  </Code></Error></R>", None, id="empty-code"),
        pytest.param(
            b"<R><Error><Code>Ab<!-- c -->cd</Code></Error></R>", "Abcd", id="comment-inside"
        ),
    ],
)
def test_error_code(body, code):
    assert error_code(parse_untrusted(body)) == code


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("text/xml;charset=UTF-8", "text/xml"),
        ("Application/XML; charset=utf-8", "application/xml"),
        ("  text/xml  ", "text/xml"),
        ("text/html", "text/html"),
        ("", ""),
        (None, ""),
    ],
)
def test_media_type(header, expected):
    assert media_type(header) == expected


def test_local_name_of_comment_is_empty():
    root = parse_untrusted(b"<r><!-- c --><a/></r>")
    assert [local_name(c) for c in root] == ["", "a"]


@pytest.mark.parametrize(
    ("body", "found"),
    [
        (BILLION_LAUGHS, "<!DOCTYPE"),
        (EXTERNAL_ENTITY, "<!DOCTYPE"),
        (UTF16_DOCTYPE.encode("utf-16"), "<!DOCTYPE"),
        (UTF16_DOCTYPE.encode("utf-16-be"), "<!DOCTYPE"),
        (b"<r><!ENTITY a 'b'></r>", "<!ENTITY"),
        (b"<r>plain</r>", None),
        (b"", None),
    ],
)
def test_declaration_in_finds_what_botocore_must_not_see(body, found):
    from ec2conformance.xmlsafe import declaration_in

    assert declaration_in(body) == found
