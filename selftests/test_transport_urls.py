"""The transport's shortcut for request targets that are already percent-encoded
(``ec2conformance/transport.py``): it must answer exactly as urllib3's own encoding does,
and the client must send what requests' full preparation would have sent."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import requests
import urllib3.util.url
from hypothesis import given
from hypothesis import strategies as st

from ec2conformance import transport
from ec2conformance.client import Client
from ec2conformance.model import Credentials, Identity, sample

#: Characters that matter to percent-encoding: escapes in both cases, '%' alone, the
#: delimiters, what urllib3 allows in a path but not a query, and beyond ASCII.
PIECES = st.one_of(
    st.sampled_from(["%41", "%2f", "%2F", "%e9", "%", "%4", "%zz", "?", "#", "&", "=", "+"]),
    st.sampled_from([" ", '"', "<", ">", "\\", "^", "`", "{", "|", "}", "[", "]", "é", "😀"]),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=4),
    st.text(alphabet="abcXYZ019-._~!$'()*,;:@/", max_size=6),
)
COMPONENTS = st.lists(PIECES, max_size=12).map("".join)


@given(COMPONENTS, st.sampled_from(["_PATH_CHARS", "_QUERY_CHARS", "_FRAGMENT_CHARS"]))
def test_the_shortcut_encodes_as_urllib3_does(component, chars):
    allowed = getattr(urllib3.util.url, chars)
    assert transport._encode_invalid_chars(component, allowed) == transport._urllib3_encode(
        component, allowed
    )


@given(COMPONENTS, COMPONENTS)
def test_sent_as_is_means_urllib3_sends_it_unchanged(path, query):
    target = f"/{path.replace('?', '')}?{query}"
    original = urllib3.util.url._encode_target.__globals__["_encode_invalid_chars"]
    assert original is transport._encode_invalid_chars  # the shortcut is installed
    if transport.sent_as_is(target):
        path_part, _, query_part = target.partition("?")
        assert transport._urllib3_encode(path_part, urllib3.util.url._PATH_CHARS) == path_part
        assert transport._urllib3_encode(query_part, urllib3.util.url._QUERY_CHARS) == query_part


def test_an_encoded_query_is_sent_as_is():
    assert transport.sent_as_is("/?Action=ImportInstance&Description=caf%C3%A9%20%25")
    assert not transport.sent_as_is("/?Description=caf%c3%a9")  # lower-case hex
    assert not transport.sent_as_is("/?Description=a b")
    assert not transport.sent_as_is("/?Description=100%")


def test_the_client_sends_what_requests_would_have_prepared():
    """A long GET whose query skips requests' URL preparation goes out with the URL and
    headers that the full preparation gives."""
    client = Client(
        "http://127.0.0.1:9",
        identities={Identity.PERMITTED: Credentials("AKIDEXAMPLE", "secret")},
        clock=lambda: datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    spec = dataclasses.replace(sample().with_params(Description="d%é 😀 <&>" * 50), method="GET")
    prepared = client.prepare(spec)
    full = requests.PreparedRequest()
    full.prepare(method=prepared.method, url=prepared.url, headers=dict(prepared.headers), data=b"")
    seen: list[requests.PreparedRequest] = []

    def capture(request: requests.PreparedRequest, **_: object) -> None:
        seen.append(request)
        raise OSError("captured, not sent")

    client._transport._session.send = capture  # type: ignore[method-assign]
    exchange = client.send(spec)
    assert exchange.status is None and seen
    assert "?" in prepared.url and transport.sent_as_is(prepared.url[len("http://127.0.0.1:9") :])
    assert seen[0].url == full.url == prepared.url
    assert dict(seen[0].headers) == dict(full.headers)
    assert seen[0].body == full.body
