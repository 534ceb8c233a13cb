"""Valid text: characters XML 1.0 can carry, and the text values built from them.

A text value the response echoes (``Description``, ``DiskImage.N.Description``) must come
back unchanged, so these strategies lean on what is hard to carry: markup, quotes, CR, white
space at either end, combining marks, the controls XML 1.0 allows (tab, DEL, C1), characters
outside the Basic Multilingual Plane. Each lists printable ASCII (what a shrunk example
shows) before the rest.

Every strategy here is built once (the factories are cached): drawing an example builds
no strategy. A long text is not drawn character by character: it is a short motif of
:data:`INTERESTING_CHARACTERS` repeated to the drawn length, followed by a bounded random
tail of any XML-legal characters (:func:`texts`), so a 1,000-code-point description costs
about as much to draw as a 40-character one.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ec2conformance.strategies.domain import MAX_DESCRIPTION, MAX_TEXT

__all__ = [
    "INTERESTING_CHARACTERS",
    "descriptions",
    "echoed_texts",
    "interesting_characters",
    "texts",
    "utf8_descriptions",
    "xml_characters",
]

#: The small alphabet long texts are made of: printable ASCII that shrinks well (``0``,
#: ``a``), markup and quotes, white space and the controls XML 1.0 allows (tab, LF, CR, DEL,
#: NEL and another C1 control), combining and zero-width characters, bidirectional
#: controls, the ends of the BMP's legal ranges, and characters outside the BMP (an emoji,
#: a regional indicator, a tag character, the last plane's ends).
INTERESTING_CHARACTERS: Final = (
    "0aZ ;%+=]"  # printable ASCII, with what the form encoding treats specially
    "<>&\"'"  # markup and quotes
    "\t\n\r\x7f\x85\x9f"  # white space and the controls XML 1.0 allows
    "\xa0\xe9\u0301\u200b\u200d\u2028\u202e\ufeff"  # NBSP, é, combining acute, ZW*, LS, RLO, BOM
    "\u0639\u4e2d\ud7ff\ue000\ufffd"  # Arabic, CJK, the ends of the BMP's legal ranges
    "\U00010000\U0001f600\U0001f1fa\U000e0001\U0010fffd\U0010ffff"  # outside the BMP
)

# The longest motif a long text repeats, and the longest random tail after it.
_MOTIF: Final = 16
_TAIL: Final = 24


@cache
def xml_characters() -> SearchStrategy[str]:
    """Single characters XML 1.0 can carry (tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD,
    U+10000-U+10FFFF). Printable ASCII first (what a shrunk example shows), then markup and
    white space (``<``, ``&``, quotes, CR), then the rest of the BMP and the astral planes.
    (``st.text`` reads it as one set of characters and draws a whole string at once.)"""
    return st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.sampled_from(["<", "&", '"', "'", ">", "\r", "\n", "\t", " "]),
        st.characters(min_codepoint=0x7F, max_codepoint=0xD7FF),
        st.characters(min_codepoint=0xE000, max_codepoint=0xFFFD),
        st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF),
    )


@cache
def interesting_characters() -> SearchStrategy[str]:
    """Single characters of :data:`INTERESTING_CHARACTERS` (``0`` first)."""
    return st.sampled_from(INTERESTING_CHARACTERS)


@cache
def _tails() -> SearchStrategy[str]:
    return st.text(xml_characters(), max_size=_TAIL)


@cache
def _motifs() -> SearchStrategy[str]:
    return st.text(interesting_characters(), min_size=1, max_size=_MOTIF)


@cache
def _composed(min_size: int, max_size: int) -> SearchStrategy[str]:
    """Text of exactly a drawn length in ``min_size``..``max_size``: a motif of interesting
    characters repeated, then a random tail of at most 24 XML-legal characters."""
    sizes = st.integers(min_size, max_size)

    @st.composite
    def build(draw: st.DrawFn) -> str:
        size = draw(sizes)
        tail = draw(_tails())[:size]
        motif = draw(_motifs())
        body = size - len(tail)
        return (motif * (body // len(motif) + 1))[:body] + tail

    return build()


@cache
def texts(*, min_size: int = 0, max_size: int = MAX_TEXT) -> SearchStrategy[str]:
    """Text of XML-legal characters, ``min_size``..``max_size`` code points; mostly short
    (any XML-legal characters), sometimes long or within 3 of the limit (a motif of
    :data:`INTERESTING_CHARACTERS` repeated, then up to 24 random characters). Shrinks
    towards ``min_size`` ``0`` characters."""
    short = st.text(xml_characters(), min_size=min_size, max_size=min(max_size, max(min_size, 20)))
    if max_size <= 20:
        return short
    return st.one_of(
        short,
        _composed(min_size, max_size),
        _composed(max(min_size, max_size - 3), max_size),
    )


@cache
def echoed_texts(*, max_size: int = MAX_DESCRIPTION) -> SearchStrategy[str]:
    """Text the response must carry back unchanged (``Description``, ``DiskImage.N.Description``):
    any XML-legal characters, markup, CR and non-BMP included, up to ``max_size`` code points
    (the empty text too). Shrinks towards ``""``."""
    return texts(max_size=max_size)


@cache
def descriptions() -> SearchStrategy[str]:
    """A valid ``Description`` / ``DiskImage.N.Description``: echoed text of 0..1000 code
    points (:func:`echoed_texts`), now and then one that uses markup, CR or astral
    characters on purpose (:func:`utf8_descriptions`). Shrinks towards ``""``."""
    return st.one_of(echoed_texts(), utf8_descriptions())


@cache
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
    return st.lists(st.tuples(filler, specials), min_size=1, max_size=6).map(_joined)


def _joined(parts: list[tuple[str, str]]) -> str:
    return "".join(a + b for a, b in parts)[:MAX_DESCRIPTION]
