"""Text as it stands on the page and as a person reads it: right-to-left runs (Hebrew, Arabic) in page order."""

from __future__ import annotations

import unicodedata

__all__ = ["MIRRORED", "has_rtl", "visual", "readable"]

MIRRORED = str.maketrans({c: "(" for c in "()[]{}<>«»‹›"})


def has_rtl(s: str) -> bool:
    """True when ``s`` has a right-to-left letter (Hebrew, Arabic, Syriac, Thaana ...)."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in s)


def visual(line: str) -> str:
    """``line`` in the order its characters stand on the page, left to right: the Unicode bidirectional
    algorithm with a left-to-right paragraph, as Pango lays out a line of a ``direction: ltr`` block
    (a Hebrew or Arabic run reversed, numbers inside it kept left to right)."""
    if not has_rtl(line):
        return line
    from bidi import get_display

    return get_display(line, base_dir="L")


def readable(text: str) -> str:
    """A run of page words (visual order) in logical order, for a message a person reads."""
    return visual(text) if has_rtl(text) else text
