"""The fonts the letters are set in: the files shipped in ``lettergen/fonts/``, what they can print, how wide.

Every letter is typeset with these fonts only, whatever the machine has
installed, so that the PDF and its text layer are the same on every machine:

* Noto Sans (regular, bold, italic, bold italic): Latin, Greek, Cyrillic;
* Noto Sans Arabic and Noto Sans Hebrew (regular, bold);
* a subset of Noto Sans CJK JP with TrueType outlines (regular): the Han
  characters of GB 2312 level 1 and JIS X 0208 levels 1 and 2, kana, the
  Hangul syllables of KS X 1001, CJK punctuation and full-width forms.

The families carry a ``lettergen`` prefix so that a system font of the same
name (Debian's fonts-noto-core has "Noto Sans") can never stand in for them.
A character none of them covers is not typeset at all (:func:`unprintable`):
the letter is held with the character named, never printed as an empty box
or in a system font that another machine lacks. ``tools/make_fonts.py``
rebuilds the fallback fonts.
"""

from __future__ import annotations

import html as _html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

FONTS_DIR = Path(__file__).resolve().parent

FAMILY = "lettergen Noto Sans"
"""The family of the letters' text (``letter_templates/style.css`` names it, then the fallbacks)."""

# (family, file, weight, style)
FONT_FILES = (
    (FAMILY, "NotoSans-Regular.ttf", "normal", "normal"),
    (FAMILY, "NotoSans-Bold.ttf", "bold", "normal"),
    (FAMILY, "NotoSans-Italic.ttf", "normal", "italic"),
    (FAMILY, "NotoSans-BoldItalic.ttf", "bold", "italic"),
    ("lettergen Noto Sans Arabic", "NotoSansArabic-Regular.ttf", "normal", "normal"),
    ("lettergen Noto Sans Arabic", "NotoSansArabic-Bold.ttf", "bold", "normal"),
    ("lettergen Noto Sans Hebrew", "NotoSansHebrew-Regular.ttf", "normal", "normal"),
    ("lettergen Noto Sans Hebrew", "NotoSansHebrew-Bold.ttf", "bold", "normal"),
    ("lettergen Noto Sans CJK", "NotoSansCJK-Subset.ttf", "normal", "normal"),
)

REGULAR = ("NotoSans-Regular.ttf", "NotoSansArabic-Regular.ttf", "NotoSansHebrew-Regular.ttf", "NotoSansCJK-Subset.ttf")
"""The fallback chain for one character, in the order Pango tries the families."""

SCRIPTS = "Latin, Greek, Cyrillic, Arabic, Hebrew, Chinese, Japanese and Korean (the common national-standard characters)"
"""What the README and the messages say the letters can print."""


def font_face_css() -> str:
    rules = []
    for family, name, weight, style in FONT_FILES:
        url = (FONTS_DIR / name).as_uri()
        rules.append(f'@font-face {{ font-family: "{family}"; src: url("{url}"); font-weight: {weight}; font-style: {style}; }}')
    return "\n".join(rules) + "\n"


@dataclass(frozen=True)
class _Metrics:
    advances: dict[int, int]
    upem: int


@lru_cache(maxsize=None)
def _metrics(font_file: str) -> _Metrics:
    from fontTools.ttLib import TTFont

    font = TTFont(str(FONTS_DIR / font_file), lazy=True)
    hmtx = font["hmtx"]
    return _Metrics({cp: hmtx[name][0] for cp, name in font.getBestCmap().items()}, font["head"].unitsPerEm)


@lru_cache(maxsize=None)
def coverage() -> frozenset[int]:
    """Every code point some shipped font has a glyph for."""
    covered: set[int] = set()
    for name in REGULAR:
        covered.update(_metrics(name).advances)
    return frozenset(covered)


def _invisible(ch: str) -> bool:
    """Characters that print nothing and need no glyph: controls, format characters (ZWJ, bidi marks, soft
    hyphen), line and paragraph separators, and variation selectors."""
    cat = unicodedata.category(ch)
    cp = ord(ch)
    return cat in ("Cc", "Cf", "Zl", "Zp") or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


def unprintable(text: str) -> list[str]:
    """The distinct characters of ``text`` that no shipped font can print, in order of first appearance."""
    covered = coverage()
    out: dict[str, None] = {}
    for ch in text:
        if ord(ch) not in covered and not _invisible(ch) and ch not in out:
            out[ch] = None
    return list(out)


def describe(ch: str) -> str:
    """'U+1F389 PARTY POPPER'."""
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')}"


def text_width(text: str, font_pt: float) -> float:
    """Width in pt of ``text`` at ``font_pt`` in the letters' regular fonts: each character from the first font of
    the fallback chain that has it (one em for a character none has; such a letter is never typeset)."""
    chain = [_metrics(name) for name in REGULAR]
    total = 0.0
    for ch in text:
        cp = ord(ch)
        for m in chain:
            if cp in m.advances:
                total += m.advances[cp] / m.upem
                break
        else:
            total += 1.0
    return total * font_pt


GLYPH_RULE = "typeset.Glyphs"
GLYPH_CITATION = "lettergen fonts: a character the shipped fonts lack would print as an empty box (README, Scripts the letters print)"


def _fields(account: Any) -> Iterator[tuple[str, str]]:
    """(field name as the export knows it, value) of every text an account can put into a letter."""
    yield "name", account.name
    if account.attention:
        yield "attention", account.attention
    for k, line in enumerate(account.address.lines, 1):
        yield f"address line {k}", line
    for name in ("city", "region", "postal_code", "country"):
        yield name, getattr(account.address, name)
    for name in ("email", "phone"):
        if getattr(account, name):
            yield name, getattr(account, name)
    for inv in account.invoices:
        yield "invoice", inv.number
    for key, value in account.extra.items():
        yield key, value


_COMMENT = re.compile(r"<!--.*?-->", re.S)


def unprintable_messages(html: str, account: Any) -> list[str]:
    """One sentence per character of a composed letter (its HTML, comments aside) that no shipped font can
    print, naming the account field it came from, e.g. "name contains U+1F389 PARTY POPPER, which the letter
    fonts cannot print"; empty when every character prints."""
    missing = unprintable(_html.unescape(_COMMENT.sub("", html)))
    out = []
    for ch in missing:
        fields = list(dict.fromkeys(name for name, value in _fields(account) if ch in value))
        where = " and ".join(fields) if fields else "the letter text (template or tone profile)"
        verb = "contain" if len(fields) > 1 else "contains"
        out.append(f"{where} {verb} {describe(ch)}, which the letter fonts cannot print (they print {SCRIPTS}); "
                   f"correct it in the export, or write the name in a script they print")
    return out
