"""Valid text: characters XML 1.0 can carry, and the text values built from them.

A text value the response echoes (``Description``, ``DiskImage.N.Description``) must come
back unchanged, so these strategies lean on what is hard to carry: markup, quotes, CR, white
space at either end, characters outside the Basic Multilingual Plane. Each lists printable
ASCII (what a shrunk example shows) before the rest.
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from strategies.domain import MAX_DESCRIPTION, MAX_TEXT

__all__ = ["descriptions", "echoed_texts", "texts", "utf8_descriptions", "xml_characters"]


def xml_characters() -> SearchStrategy[str]:
    """Single characters XML 1.0 can carry (tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD,
    U+10000-U+10FFFF). Printable ASCII first (what a shrunk example shows), then markup and
    white space (``<``, ``&``, quotes, CR), then the rest of the BMP and the astral planes."""
    return st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.sampled_from(["<", "&", '"', "'", ">", "\r", "\n", "\t", " "]),
        st.characters(min_codepoint=0x7F, max_codepoint=0xD7FF),
        st.characters(min_codepoint=0xE000, max_codepoint=0xFFFD),
        st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
    )


def texts(*, min_size: int = 0, max_size: int = MAX_TEXT) -> SearchStrategy[str]:
    """Text of XML-legal characters, ``min_size``..``max_size`` code points; mostly short,
    sometimes at the limit. Shrinks towards ``min_size`` ``0`` characters."""
    alphabet = xml_characters()
    short = st.text(alphabet, min_size=min_size, max_size=min(max_size, max(min_size, 20)))
    if max_size <= 20:
        return short
    return st.one_of(
        short,
        st.text(alphabet, min_size=min_size, max_size=max_size),
        st.text(alphabet, min_size=max(min_size, max_size - 3), max_size=max_size),
    )


def echoed_texts(*, max_size: int = MAX_DESCRIPTION) -> SearchStrategy[str]:
    """Text the response must carry back unchanged (``Description``, ``DiskImage.N.Description``):
    any XML-legal characters, markup, CR and non-BMP included, up to ``max_size`` code points
    (the empty text too). Shrinks towards ``""``."""
    return texts(max_size=max_size)


def descriptions() -> SearchStrategy[str]:
    """A valid ``Description`` / ``DiskImage.N.Description``: echoed text of 0..1000 code
    points (:func:`echoed_texts`), now and then one that uses markup, CR or astral
    characters on purpose (:func:`utf8_descriptions`). Shrinks towards ``""``."""
    return st.one_of(echoed_texts(), utf8_descriptions())


def utf8_descriptions() -> SearchStrategy[str]:
    """Descriptions that are hard to carry (WIRE-UTF8): each holds at least one of ``<``,
    ``&``, a quote, CR (alone or in CRLF), white space at either end or a non-BMP character,
    among other echoed text; at most 150 code points (so that one fits a GET). Shrinks
    towards one such character."""
    specials = st.one_of(
        st.sampled_from(["<", "&", '"', "'", "\r", "\r\n", " ", "\t", "]]>", "&amp;", "%20", "+"]),
        st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
    )
    filler = st.text(xml_characters(), max_size=20)
    return st.lists(st.tuples(filler, specials), min_size=1, max_size=6).map(
        lambda parts: "".join(a + b for a, b in parts)[:MAX_DESCRIPTION]
    )
