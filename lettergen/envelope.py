"""Envelope geometry as data, the CSS generated from it, and a check of the printed page.

Everything about where an address must print lives here, once: the window
positions of each envelope (:data:`PRESETS`), the CSS that places the return
address and the recipient block in those windows (:func:`css`), the font size
and line height at which an address fits (:func:`fit`, :func:`capacity`), and a
check that reads a letter's first page back from the real PDF and says, in
sentences a mail clerk understands, what would go wrong in the envelope
(:func:`check_page`, :func:`check_letters`). :func:`debug_overlay` draws the
windows on a copy of a PDF for a person to look at.

Coordinates
    PDF points (1/72 in), origin at the page's top-left corner, y growing
    downwards: the convention of pdfplumber's words (``x0``, ``x1``, ``top``,
    ``bottom``). Only :func:`debug_overlay`, which writes PDF drawing operators,
    converts to PDF's own y-up space.

How a window lands on the page (us-10)
    The envelope figures are measured on the envelope as the post office does:
    a window's left edge from the envelope's left edge, its bottom edge from the
    envelope's bottom edge. The tri-folded letter shows its top panel through
    the windows; we take the letter's top edge at the envelope's top edge and
    the 8.5 in page centred across the 9.5 in envelope (0.5 in each side). So a
    window at ``left, from_bottom, width, height`` covers, on the page,
    ``x = left - (9.5 - 8.5)/2`` and ``top = 4.125 - from_bottom - height``.
    :func:`_window_on_page` does this arithmetic; no page number is typed in.

Play and the visible area
    The folded letter is smaller than the envelope and moves inside it: the
    8.5 in page in a 9.5 in envelope slides up to (9.5 - 8.5)/2 = 0.5 in either
    way, the 11/3 in folded height in a 4.125 in envelope up to
    4.125 - 11/3 = 0.458 in (33 pt). Whatever lies within that play of a window
    can show through it, so :attr:`Envelope.visible_area` is each window grown
    by the horizontal play left and right and the vertical play up *and* down
    (the letter may ride up or settle; growing both ways is the conservative
    reading), clipped to the page and to the top panel (above the first fold:
    the other panels are folded behind it and never face a window).

Fitting an address
    :func:`capacity` counts lines as the check measures them: each line one line box plus
    :data:`LINE_ALLOWANCE` (CJK fallback lines stand taller), and :data:`GLYPH_ALLOWANCE` below the last
    for the glyph boxes pdfplumber reports. :func:`fit` picks the largest size, then line height, that
    holds the address; CSS from :func:`css` at that size passes :func:`check_page`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import Decimal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple, Sequence

from .typeset.fonts import text_width

__all__ = [
    "PT_PER_IN", "PT_PER_MM", "Rect", "Envelope", "PRESETS", "DEFAULT_PRESET", "UnknownEnvelopeError", "get",
    "css", "fit", "capacity", "check_page", "check_letters", "first_page_words", "PageText", "debug_overlay", "FONT_STEPS", "LINE_HEIGHT_STEPS",
    "GLYPH_ALLOWANCE", "LINE_ALLOWANCE", "LETTER_MARGIN_TOP", "LETTER_MARGIN_LEFT", "REVEALING",
]

PT_PER_IN = 72.0
PT_PER_MM = 72.0 / 25.4
EPS = 0.01
"""pt: tolerance of coordinate comparisons (text matrices leave float noise of ~1e-6 pt in pdfplumber's figures)."""


def inch(v: float) -> float:
    return v * PT_PER_IN


def mm(v: float) -> float:
    return v * PT_PER_MM


# ----------------------------------------------------------------------------- geometry


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle in PDF points, origin at the page's top-left, y growing downwards."""

    x0: float
    top: float
    x1: float
    bottom: float

    def __post_init__(self) -> None:
        if self.x1 < self.x0 or self.bottom < self.top:
            raise ValueError(f"not a rectangle: x0={self.x0}, top={self.top}, x1={self.x1}, bottom={self.bottom}")

    @classmethod
    def from_word(cls, word: Mapping[str, Any]) -> Rect:
        """The box of a pdfplumber word or char dict."""
        return cls(float(word["x0"]), float(word["top"]), float(word["x1"]), float(word["bottom"]))

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.bottom - self.top

    def shrink(self, d: float, dy: float | None = None) -> Rect:
        """The rectangle ``d`` pt smaller on every side (``dy`` on top and bottom when given).
        Raises ValueError when that leaves nothing."""
        dy = d if dy is None else dy
        return Rect(self.x0 + d, self.top + dy, self.x1 - d, self.bottom - dy)

    def grow(self, d: float, dy: float | None = None) -> Rect:
        """The rectangle ``d`` pt larger on every side (``dy`` on top and bottom when given)."""
        return self.shrink(-d, None if dy is None else -dy)

    def contains(self, other: Rect, tol: float = EPS) -> bool:
        """True when ``other`` lies wholly inside (edges may touch; ``tol`` pt of float noise allowed)."""
        return (other.x0 >= self.x0 - tol and other.x1 <= self.x1 + tol
                and other.top >= self.top - tol and other.bottom <= self.bottom + tol)

    def intersects(self, other: Rect, tol: float = EPS) -> bool:
        """True when the two overlap by an area (touching edges do not count)."""
        return (min(self.x1, other.x1) - max(self.x0, other.x0) > tol
                and min(self.bottom, other.bottom) - max(self.top, other.top) > tol)

    def clip(self, other: Rect) -> Rect | None:
        """The common part of the two, or None."""
        x0, x1 = max(self.x0, other.x0), min(self.x1, other.x1)
        top, bottom = max(self.top, other.top), min(self.bottom, other.bottom)
        return Rect(x0, top, x1, bottom) if x0 <= x1 and top <= bottom else None

    def union(self, other: Rect) -> Rect:
        return Rect(min(self.x0, other.x0), min(self.top, other.top), max(self.x1, other.x1), max(self.bottom, other.bottom))

    def distance(self, other: Rect) -> float:
        """The gap between the two (0 when they touch or overlap)."""
        dx = max(0.0, other.x0 - self.x1, self.x0 - other.x1)
        dy = max(0.0, other.top - self.bottom, self.top - other.bottom)
        return math.hypot(dx, dy)

    def describe(self) -> str:
        """'x=52–130 pt, y=250–262 pt', for messages."""
        return f"x={_num(self.x0)}–{_num(self.x1)} pt, y={_num(self.top)}–{_num(self.bottom)} pt"


def _num(v: float) -> str:
    s = f"{round(v, 1):g}"
    return "0" if s == "-0" else s


# ----------------------------------------------------------------------------- envelopes


@dataclass(frozen=True)
class Envelope:
    """One way of mailing a letter: the page, where the windows fall on it, and the limits.

    All lengths are PDF points on the page (origin top-left). ``visible_area`` is not given
    but derived: each window grown by the play (``play_x`` left and right, ``play_y`` up and
    down), clipped to the page and to the top panel above ``first_fold`` (see the module
    docstring); recipient window's area first, then the return window's."""

    name: str
    description: str
    page_width: float
    page_height: float
    recipient_window: Rect
    return_window: Rect | None
    clearance: float
    """Blank margin kept inside each window: USPS Publication 25 asks for 1/8 in (9 pt) on every side."""
    min_font_pt: float
    max_sheets: int
    first_fold: float
    """Distance of the first fold from the page's top edge: the bottom of the panel that faces the windows."""
    play_x: float
    """How far the folded letter can slide left or right inside the envelope."""
    play_y: float
    """How far the folded letter can slide up or down inside the envelope."""
    address_page: bool = False
    """The addresses go on a separate first page that carries nothing else (vendors that print their own letters)."""
    visible_area: tuple[Rect, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "visible_area", tuple(area for _, area in self.visible_areas()))

    @property
    def recipient_inner(self) -> Rect:
        """The recipient window less clearance: where the recipient block's text must stay."""
        return self.recipient_window.shrink(self.clearance)

    @property
    def return_inner(self) -> Rect | None:
        """The return window less clearance: where the return address's text must stay."""
        return None if self.return_window is None else self.return_window.shrink(self.clearance)

    def windows(self) -> list[tuple[str, Rect]]:
        """[('recipient', rect), ('return', rect)] (the return window only when the envelope has one)."""
        out = [("recipient", self.recipient_window)]
        if self.return_window is not None:
            out.append(("return", self.return_window))
        return out

    def visible_areas(self) -> list[tuple[str, Rect]]:
        """The visible area of each window, with the window's name."""
        panel = Rect(0.0, 0.0, self.page_width, self.first_fold)
        out = []
        for label, window in self.windows():
            area = window.grow(self.play_x, self.play_y).clip(panel)
            if area is not None:
                out.append((label, area))
        return out


@dataclass(frozen=True)
class _EnvelopeWindow:
    """A window as measured on the envelope, in inches: left edge from the envelope's left edge,
    bottom edge from the envelope's bottom edge."""

    left: float
    from_bottom: float
    width: float
    height: float


def _window_on_page(w: _EnvelopeWindow, *, envelope_width: float, envelope_height: float, page_width: float) -> Rect:
    """The window in page points, the letter's top edge at the envelope's top edge and the page centred across it."""
    dx = (envelope_width - page_width) / 2  # page margin to the envelope's left edge
    top = envelope_height - w.from_bottom - w.height
    return Rect(inch(w.left - dx), inch(top), inch(w.left - dx + w.width), inch(top + w.height))


# US #10 double-window envelope (4 1/8 x 9 1/2 in), windows as commonly specified for it, and US Letter tri-folded.
US10_WIDTH_IN, US10_HEIGHT_IN = 9.5, 4.125
US_LETTER_IN = (8.5, 11.0)
US10_RECIPIENT = _EnvelopeWindow(left=0.625, from_bottom=1.0, width=4.0, height=1.0)
US10_RETURN = _EnvelopeWindow(left=0.625, from_bottom=2.375, width=3.25, height=0.875)
USPS_CLEARANCE_IN = 1 / 8  # USPS Publication 25: 1/8 in clear around the address inside the window
MIN_FONT_PT = 8.0  # USPS Publication 25 asks for address type of at least 8 pt (10 pt recommended)


def _us10(name: str, description: str, *, address_page: bool = False) -> Envelope:
    page_w, page_h = US_LETTER_IN
    first_fold = inch(page_h) / 3  # tri-fold: three equal panels
    on_page = dict(envelope_width=US10_WIDTH_IN, envelope_height=US10_HEIGHT_IN, page_width=page_w)
    return Envelope(
        name=name, description=description,
        page_width=inch(page_w), page_height=inch(page_h),
        recipient_window=_window_on_page(US10_RECIPIENT, **on_page),
        return_window=_window_on_page(US10_RETURN, **on_page),
        clearance=inch(USPS_CLEARANCE_IN), min_font_pt=MIN_FONT_PT,
        max_sheets=6,  # a #10 takes about 6 folded sheets of 20 lb bond through an inserter
        first_fold=first_fold,
        play_x=inch((US10_WIDTH_IN - page_w) / 2),
        play_y=inch(US10_HEIGHT_IN) - first_fold,  # folded height is one panel
        address_page=address_page,
    )


# DIN 5008 form B (Form B: address field 45 mm from the top) on A4, for a DL or C6/5 window envelope (DIN 680).
A4_MM = (210.0, 297.0)
DIN_FIELD_MM = dict(left=20.0, top=45.0, width=85.0, height=45.0)  # Anschriftfeld, form B
DIN_NOTES_ZONE_MM = 17.7  # Zusatz- und Vermerkzone: the top of the field, return address and postal notes
DIN_ADDRESS_ZONE_MM = 27.3  # Anschriftzone: the rest of the field, the recipient
assert abs(DIN_NOTES_ZONE_MM + DIN_ADDRESS_ZONE_MM - DIN_FIELD_MM["height"]) < 1e-9
DIN_FOLD_MM = 105.0  # upper fold mark of form B
DIN_ENVELOPES_MM = {"DL": (220.0, 110.0), "C6/5": (229.0, 114.0)}


def _din_5008_b() -> Envelope:
    page_w, page_h = A4_MM
    f = DIN_FIELD_MM
    x0, x1 = mm(f["left"]), mm(f["left"] + f["width"])
    split = f["top"] + DIN_NOTES_ZONE_MM
    # The folded letter is one panel (first fold) high and the page wide; take the looser of the two envelopes.
    play_x = max((w - page_w) / 2 for w, _ in DIN_ENVELOPES_MM.values())  # C6/5: 9.5 mm
    play_y = max(h - DIN_FOLD_MM for _, h in DIN_ENVELOPES_MM.values())  # C6/5: 9 mm
    return Envelope(
        name="din-5008-b",
        description="A4 (DIN 5008 form B) folded for a DL or C6/5 window envelope; return address and notes in the "
                    "Zusatz- und Vermerkzone, the recipient in the Anschriftzone",
        page_width=mm(page_w), page_height=mm(page_h),
        recipient_window=Rect(x0, mm(split), x1, mm(f["top"] + f["height"])),
        return_window=Rect(x0, mm(f["top"]), x1, mm(split)),
        # DIN 5008 zones are already the writing area of the field, and the DIN 680 window (90 x 45 mm) is
        # wider than the 85 mm field, so no clearance is taken off them; the play still widens the visible area.
        clearance=0.0,
        min_font_pt=MIN_FONT_PT,
        # 5 sheets: a DL window envelope closes flat on ~5 folded sheets of 80 g/m2 paper, and 5 sheets
        # (5 g each) plus the envelope stay within Deutsche Post's 50 g Kompaktbrief.
        max_sheets=5,
        first_fold=mm(DIN_FOLD_MM),
        play_x=mm(play_x), play_y=mm(play_y),
    )


DEFAULT_PRESET = "us-10-double-window"

PRESETS: dict[str, Envelope] = {
    e.name: e
    for e in (
        _us10("us-10-double-window", "US Letter tri-folded into a #10 double-window envelope (4 1/8 x 9 1/2 in): "
                                     "return address in the upper window, recipient in the lower"),
        _din_5008_b(),
        _us10("address-page", "a separate US Letter first page carrying only the return and recipient addresses in "
                              "the #10 double-window positions, for mailing vendors that print their own letters "
                              "(the page counts against max_sheets)", address_page=True),
    )
}


class UnknownEnvelopeError(ValueError, KeyError):
    """No preset by that name (a ValueError that ``except KeyError`` catches too)."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


def docx_page_size(envelope: Envelope | str) -> str:
    """The DOCX page size (``lettergen.typeset.docx.PAGE_SIZES``) of the envelope's page: ``a4`` or ``letter``."""
    env = _envelope(envelope)
    return "a4" if abs(env.page_width - mm(210)) < 1 else "letter"


def get(name: str) -> Envelope:
    """The preset called ``name``; UnknownEnvelopeError (ValueError and KeyError) listing the presets otherwise."""
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise UnknownEnvelopeError(f"unknown envelope {name!r}; known envelopes: {', '.join(sorted(PRESETS))}") from None


def _envelope(e: Envelope | str) -> Envelope:
    return e if isinstance(e, Envelope) else get(e)


# ----------------------------------------------------------------------------- CSS, fit, capacity

LETTER_MARGIN_TOP = inch(0.6)
LETTER_MARGIN_LEFT = inch(0.75)
"""pt: the page margins of ``@page letter`` in letter_templates/style.css, where ``section.letter`` starts."""

FONT_STEPS = tuple(x / 2 for x in range(19, 0, -1))  # 9.5, 9, 8.5, ... (cut at min_font_pt by fit())
LINE_HEIGHT_STEPS = (1.15, 1.10, 1.05, 1.00)

GLYPH_ALLOWANCE = 0.2
"""Room (in font sizes) kept below the last line box. The check measures words as pdfplumber boxes them, one
font size high from the font's descent, and with line heights near 1 that box hangs below the CSS line box:
by 0.11 (line-height 1.15) to 0.18 (1.0) font sizes for Noto Sans."""
LINE_ALLOWANCE = 0.05
"""Extra height (in font sizes) counted for every line. Where Noto Sans CJK stands in for glyphs Noto Sans
lacks, its inline box is centred on a content area 0.048 font sizes higher than the strut's, so the line box
grows by that much. With both allowances an address set at :func:`fit`'s size passes :func:`check_page`
whatever script it is in (the tests render Latin and CJK addresses of every length that fits a #10)."""


def capacity(envelope: Envelope | str, font_pt: float, line_height: float, *, window: str = "recipient") -> int:
    """How many lines of ``font_pt`` type at ``line_height`` fit in the window less clearance:
    n lines need ``n * font_pt * (line_height + LINE_ALLOWANCE) + GLYPH_ALLOWANCE * font_pt``."""
    env = _envelope(envelope)
    inner = env.recipient_inner if window == "recipient" else env.return_inner
    if inner is None:
        return 0
    pitch = font_pt * (line_height + LINE_ALLOWANCE)
    if pitch <= 0:
        raise ValueError("font size and line height must be positive")
    return max(0, math.floor((inner.height - GLYPH_ALLOWANCE * font_pt) / pitch + 1e-9))


def fit(lines_count: int, envelope: Envelope | str) -> tuple[float, float] | None:
    """(font_pt, line_height) for an address of ``lines_count`` lines: the largest font size from 9.5 pt down to
    the envelope's minimum in 0.5 pt steps and, at that size, the largest line height of 1.15, 1.10, 1.05, 1.0
    at which the lines fit the recipient window less clearance; None when even the minimum size at 1.0 does not."""
    return _fit(_envelope(envelope), lambda font_pt: lines_count)


def _fit(env: Envelope, lines_at: Callable[[float], int]) -> tuple[float, float] | None:
    """The largest (font size, line height) at which ``lines_at(font size)`` lines fit the recipient window."""
    for font_pt in FONT_STEPS:
        if font_pt < env.min_font_pt - 1e-9:
            break
        need = lines_at(font_pt)
        for lh in LINE_HEIGHT_STEPS:
            if capacity(env, font_pt, lh) >= need:
                return font_pt, lh
    return None


def wrapped_lines(lines: Sequence[str], font_pt: float, width: float) -> int:
    """How many printed lines ``lines`` take at ``font_pt`` in a block ``width`` pt wide, wrapping at spaces
    (a word wider than the block takes lines of its own)."""
    space = text_width(" ", font_pt)
    total = 0
    for line in lines:
        count, used = 1, 0.0
        for word in line.split():
            w = text_width(word, font_pt)
            if used and used + space + w > width:
                count, used = count + 1, 0.0
            if not used and w > width:
                count += int(w // width)
                w = w % width
            used = w if not used else used + space + w
        total += count
    return total


def fit_lines(lines: Sequence[str], envelope: Envelope | str, extra_lines: int = 0) -> tuple[float, float] | None:
    """:func:`fit` for the text of an address: long lines are counted as the lines they wrap into at each size."""
    env = _envelope(envelope)
    return _fit(env, lambda font_pt: wrapped_lines(lines, font_pt, env.recipient_inner.width) + extra_lines)


def _css_num(v: float) -> str:
    s = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def css(envelope: Envelope | str, *, font_pt: float = 9.5, line_height: float = 1.15,
        return_font_pt: float = 8.5, return_line_height: float = 1.25,
        margin_top: float = LETTER_MARGIN_TOP, margin_left: float = LETTER_MARGIN_LEFT) -> str:
    """CSS for the page size and for ``p.return`` and ``address.recipient`` (the classes of
    letter_templates/_layout.html.j2), each block filling its window less clearance.

    In style.css these blocks are absolutely positioned inside ``section.letter`` (``position: relative``),
    whose box starts at the top-left corner of the page's margin box, not of the page. ``margin_top`` and
    ``margin_left`` (pt) are those page margins (default: style.css's 0.6 in and 0.75 in); they are
    subtracted from the page coordinates of the windows, so ``left`` may come out negative (the block then
    prints in the page margin, which is what the window needs). Add the result after style.css: the
    selectors are as specific as style.css's, so the later rules win. Blocks are not clipped: an address
    too long for its window overflows, and :func:`check_page` says so."""
    env = _envelope(envelope)
    n = _css_num
    size = f"{n(env.page_width)}pt {n(env.page_height)}pt"
    out = [
        f"/* lettergen.envelope: {env.name} */",
        f"@page {{ size: {size}; }}",
        f"@page letter {{ size: {size}; }}",
    ]

    def block(selector: str, r: Rect, fs: float, lh: float, extra: str = "") -> str:
        return (f"{selector} {{ position: absolute; top: {n(r.top - margin_top)}pt; left: {n(r.x0 - margin_left)}pt; "
                f"width: {n(r.width)}pt; height: {n(r.height)}pt; margin: 0; padding: 0; border: 0; "
                f"box-sizing: border-box; {extra}font-size: {n(fs)}pt; line-height: {n(lh)}; }}")

    if env.return_inner is not None:
        out.append(block("p.return", env.return_inner, return_font_pt, return_line_height))
    out.append(block("address.recipient", env.recipient_inner, font_pt, line_height, "font-style: normal; "))
    out.append("address.recipient p { margin: 0; }")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- reading the page

_TRANSLATE = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00ad": None, "\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None,
})


def _norm(s: str) -> str:
    """Text for matching: NFKC (ligatures, full-width forms), one kind of quote and dash, case-folded,
    whitespace removed (so 'O’Brien' matches "O'Brien" and '山田 太郎' matches however it was split)."""
    return "".join(unicodedata.normalize("NFKC", s).translate(_TRANSLATE).casefold().split())


_MIRRORED = str.maketrans({c: "(" for c in "()[]{}<>«»‹›"})


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


def _target(line: str) -> str:
    """What an expected address line must read as on the page, for :func:`_norm`-ed words in visual order.
    Paired brackets count as one character: in a right-to-left run the PDF draws the mirrored glyph but its
    text layer keeps the logical character, while :func:`visual` mirrors it."""
    return _norm(visual(line)).translate(_MIRRORED)


def readable(text: str) -> str:
    """A run of page words (visual order) in logical order, for a message a person reads."""
    return visual(text) if has_rtl(text) else text


@dataclass
class _Word:
    i: int
    text: str
    norm: str
    rect: Rect
    size: float
    line: int = -1
    seg: int = -1
    shown: str = ""
    """The characters in page order, where they differ from ``text`` (a right-to-left ligature)."""


@dataclass
class _Cand:
    words: tuple[_Word, ...]
    rect: Rect
    size: float


class _Layout:
    """The page's words in visual lines (same height band, left to right) cut into segments at wide gaps,
    so blocks side by side (the return address and the letterhead) do not run together."""

    def __init__(self, words: list[_Word]) -> None:
        self.words = words
        lines: list[list[_Word]] = []
        for w in sorted(words, key=lambda w: ((w.rect.top + w.rect.bottom) / 2, w.rect.x0)):
            c = (w.rect.top + w.rect.bottom) / 2
            if lines:
                ln = lines[-1]
                lc = sum((v.rect.top + v.rect.bottom) / 2 for v in ln) / len(ln)
                if abs(c - lc) <= 0.35 * min(w.rect.height, min(v.rect.height for v in ln)) + EPS:
                    ln.append(w)
                    continue
            lines.append([w])
        self.segs: list[list[_Word]] = []
        self.line_segs: list[list[int]] = []
        for li, ln in enumerate(lines):
            ln.sort(key=lambda w: w.rect.x0)
            ids: list[int] = []
            for w in ln:
                if not ids or w.rect.x0 - self.segs[ids[-1]][-1].rect.x1 > max(w.size, self.segs[ids[-1]][-1].size):
                    self.segs.append([])
                    ids.append(len(self.segs) - 1)
                seg = self.segs[ids[-1]]
                w.line, w.seg = li, ids[-1]
                seg.append(w)
            self.line_segs.append(ids)
        self.reading = [w for ids in self.line_segs for s in ids for w in self.segs[s]]

    def continuation(self, seg: int, x0: float) -> int | None:
        """The segment that carries on a wrapped line: on the next visual line, starting near ``x0``."""
        last = self.segs[seg][-1]
        if last.line + 1 >= len(self.line_segs):
            return None
        for s in self.line_segs[last.line + 1]:
            first = self.segs[s][0]
            if abs(first.rect.x0 - x0) <= 1.5 * first.size and first.rect.top - last.rect.bottom < first.size:
                return s
        return None

    def candidates(self, target: str, used: set[int]) -> list[_Cand]:
        """Runs of words whose text, without whitespace, is ``target`` (a run may wrap onto following lines)."""
        out: list[_Cand] = []
        if not target:
            return out
        for si, seg in enumerate(self.segs):
            for start in range(len(seg)):
                if not target.startswith(seg[start].norm):
                    continue
                acc, taken, s, j, wraps = "", [], si, start, 0
                while True:
                    w = self.segs[s][j]
                    if w.i in used or not target.startswith(acc + w.norm):
                        break
                    acc += w.norm
                    taken.append(w)
                    if acc == target:
                        r = taken[0].rect
                        for t in taken[1:]:
                            r = r.union(t.rect)
                        out.append(_Cand(tuple(taken), r, max(t.size for t in taken)))
                        break
                    j += 1
                    if j == len(self.segs[s]):
                        nxt = self.continuation(s, self.segs[s][0].rect.x0)
                        wraps += 1
                        if nxt is None or wraps > 3:
                            break
                        s, j = nxt, 0
        return out


@dataclass
class _Block:
    label: str
    lines: list[tuple[str, _Cand | None]]

    @property
    def words(self) -> list[_Word]:
        return [w for _, c in self.lines if c is not None for w in c.words]


_SKIP = 1000.0  # score of a line not found, far above any geometric score


def _attribute(layout: _Layout, label: str, lines: Sequence[str], window: Rect, used: set[int]) -> _Block:
    """Find the expected lines on the page as one block: each line's words, the lines one below the other,
    the block nearest the window winning when the text appears more than once."""
    expected = [ln for ln in lines if ln.strip()]
    cands = []
    for ln in expected:
        cs = layout.candidates(_target(ln), used)
        cs.sort(key=lambda c: (c.rect.distance(window), c.rect.top, c.rect.x0))
        cands.append(cs[:50])
    best: tuple[float, list[_Cand | None]] | None = None
    chain: list[_Cand | None] = []

    def dfs(k: int, taken: frozenset[int], score: float) -> None:
        nonlocal best
        if best is not None and score >= best[0]:
            return
        if k == len(expected):
            best = (score, list(chain))
            return
        prev = next((c for c in reversed(chain) if c is not None), None)
        skipped = 0
        for c in reversed(chain):
            if c is not None:
                break
            skipped += 1
        for c in cands[k]:
            ids = frozenset(w.i for w in c.words)
            if ids & taken:
                continue
            if prev is None:
                add = c.rect.distance(window)
            else:
                size = max(prev.size, c.size)
                gap = c.rect.top - prev.rect.bottom
                if c.rect.top <= prev.rect.top + 0.3 * size or gap >= (2.0 + 2.0 * skipped) * size:
                    continue
                add = max(0.0, gap) + 0.1 * abs(c.rect.x0 - prev.rect.x0)
            chain.append(c)
            dfs(k + 1, taken | ids, score + add)
            chain.pop()
        chain.append(None)
        dfs(k + 1, taken, score + _SKIP)
        chain.pop()

    dfs(0, frozenset(), 0.0)
    assert best is not None
    block = _Block(label, list(zip(expected, best[1])))
    used.update(w.i for w in block.words)
    return block


def _quote(words: Sequence[_Word]) -> tuple[str, Rect]:
    r = words[0].rect
    for w in words[1:]:
        r = r.union(w.rect)
    return readable(" ".join(w.shown or w.text for w in words)), r


def _runs(words: Sequence[_Word], pred) -> Iterator[list[_Word]]:  # type: ignore[no-untyped-def]
    """Maximal runs of consecutive words (same segment) for which ``pred`` holds."""
    run: list[_Word] = []
    for w in words:
        if pred(w) and (not run or run[-1].seg == w.seg):
            run.append(w)
            continue
        if run:
            yield run
        run = [w] if pred(w) else []
    if run:
        yield run


def _clearance_text(pt: float) -> str | None:
    if pt <= EPS:
        return None
    for d in (1, 2, 4, 8, 16, 32):
        n = pt / PT_PER_IN * d
        if abs(n - round(n)) < 1e-6:
            return f"{round(n)}/{d} in" if d > 1 else f"{round(n)} in"
    return f"{_num(pt)} pt"


REVEALING = re.compile(
    r"(?<![^\W\d_])(?:debt\w*|collections?|collectors?|past[\s\-]*due|over[\s\-]*due|final[\s\-]*notices?"
    r"|demand\w*|delinquen\w*)",
    re.IGNORECASE,
)
"""Words and phrases that reveal debt collection (15 U.S.C. 1692f(8)); a phrase may run across adjacent words."""


def _line_height_of(words: Sequence[_Word], size: float) -> float:
    """The line height the block was set in, from the pitch of its visual lines, to the nearest 0.05 step
    (CJK lines stand up to LINE_ALLOWANCE taller than the line height: half of it is taken off first)."""
    tops: list[float] = []
    for t in sorted(w.rect.top for w in words):
        if not tops or t - tops[-1] > 0.3 * size:
            tops.append(t)
    if len(tops) < 2 or size <= 0:
        return LINE_HEIGHT_STEPS[0]
    pitches = sorted(b - a for a, b in zip(tops, tops[1:]))
    pitch = pitches[len(pitches) // 2]
    return round((pitch / size - LINE_ALLOWANCE / 2) * 20) / 20


def check_page(words: Iterable[Mapping[str, Any]], envelope: Envelope | str, *, recipient_lines: Sequence[str],
               return_lines: Sequence[str], chars: Iterable[Mapping[str, Any]] | None = None,
               page_size: tuple[float, float] | None = None) -> list[str]:
    """Problems with a letter's first page in ``envelope``, one sentence each; an empty list when it is ready to mail.

    ``words``: pdfplumber word dicts of the page, from ``page.extract_words(extra_attrs=["size"])`` (without
    ``size`` a word's height stands in). ``recipient_lines`` and ``return_lines``: the address lines as they
    should print. ``chars`` (optional, ``page.chars``): font sizes are then read per character, so a word
    mixing sizes is judged by its smallest. ``page_size`` (optional, width and height in pt) is compared with
    the envelope's page.

    The expected lines are found among the words (whitespace-split tokens against words in reading order,
    compared without whitespace, case, quote style or Unicode compatibility forms, so 'O’Brien' and CJK
    names match; a line may wrap) as a block, one line under the other. Then:

    * every word of the recipient block lies inside the recipient window less clearance; when it does not,
      and the address has more lines than :func:`capacity` allows at the size it was set in, that is said
      too, with the size :func:`fit` would choose;
    * every word of the return address lies inside the return window less clearance;
    * no other word lies in or overlaps either window;
    * no word or phrase revealing debt collection (:data:`REVEALING`) overlaps the visible area;
    * the address text is at least ``min_font_pt``;
    * on an address page, nothing but the addresses is printed.
    """
    env = _envelope(envelope)
    char_list = list(chars) if chars is not None else None
    ws: list[_Word] = []
    for i, w in enumerate(words):
        text = str(w.get("text", ""))
        # ``visual`` (from first_page_words): the word with each glyph's text in page order, where a ligature
        # of a right-to-left run (lam-alef) carries its characters in logical order in the text layer.
        shown = str(w.get("visual", text))
        norm = _norm(shown).translate(_MIRRORED)
        if not norm:
            continue
        r = Rect.from_word(w)
        size = float(w["size"]) if w.get("size") is not None else r.height
        ws.append(_Word(i, text, norm, r, size, shown=shown if shown != text else ""))
    layout = _Layout(ws)
    problems: list[str] = []

    if page_size is not None:
        pw, ph = page_size
        if abs(pw - env.page_width) > 1 or abs(ph - env.page_height) > 1:
            problems.append(f"the page is {_num(pw)} × {_num(ph)} pt; the {env.name} envelope takes "
                            f"{_num(env.page_width)} × {_num(env.page_height)} pt pages")

    used: set[int] = set()
    rec = _attribute(layout, "recipient", recipient_lines, env.recipient_window, used)
    ret = _attribute(layout, "return", return_lines, env.return_window or env.recipient_window, used)
    clearance = _clearance_text(env.clearance)
    less = f" less {clearance} clearance" if clearance else ""

    for block, inner in ((rec, env.recipient_inner), (ret, env.return_inner)):
        for text, cand in block.lines:
            if cand is None:
                problems.append(f"{block.label} address: line '{text}' was not found on the page")
            elif inner is not None:
                for run in _runs(cand.words, lambda w: not inner.contains(w.rect)):
                    q, r = _quote(run)
                    problems.append(f"{block.label} address: '{q}' at {r.describe()} is outside the "
                                    f"{block.label} window{less}")

    # When the block does not stay in its window: its line count against the window at the size and
    # line height it was set in (an address that does stay in is not second-guessed by the model).
    rec_words = rec.words
    rec_inner = env.recipient_inner
    if rec_words and (any(c is None for _, c in rec.lines) or not all(rec_inner.contains(w.rect) for w in rec_words)):
        sizes = sorted(w.size for w in rec_words)
        size = round(sizes[len(sizes) // 2], 1)
        lh = _line_height_of(rec_words, size)
        n = len(rec.lines)
        cap = capacity(env, size, lh)
        if n > cap:
            hint = fit(n, env)
            advice = (f"set it at {_num(hint[0])} pt with line height {hint[1]:.2f}" if hint else
                      f"even at {_num(env.min_font_pt)} pt it fits {capacity(env, env.min_font_pt, 1.0)}; shorten it")
            problems.append(f"recipient address has {n} lines; the window fits {cap} at {_num(size)} pt ({advice})")

    # Type size of the addresses.
    for block in (rec, ret):
        bw = block.words
        if not bw:
            continue
        # only the characters on the block's lines can belong to its words (a page has hundreds of others)
        lo, hi = min(w.rect.top for w in bw) - 1, max(w.rect.bottom for w in bw) + 1
        near = [(Rect.from_word(c), float(c["size"])) for c in char_list or ()
                if lo <= float(c["top"]) and float(c["bottom"]) <= hi
                and c.get("size") is not None and str(c.get("text", "")).strip()]
        smallest = min(_char_size(w, near) for w in bw)
        if smallest < env.min_font_pt - 0.05:
            problems.append(f"{block.label} address text is {_num(smallest)} pt; the minimum is {_num(env.min_font_pt)} pt")

    # Nothing else in the windows (or, on an address page, anywhere).
    block_ids = used
    for label, window in env.windows():
        for run in _runs(layout.reading, lambda w: w.i not in block_ids and w.rect.intersects(window)):
            q, r = _quote(run)
            problems.append(f"text '{q}' at {r.describe()} is in the {label} window; only the address may show there")
    if env.address_page:
        windows = [w for _, w in env.windows()]
        for run in _runs(layout.reading, lambda w: w.i not in block_ids and not any(w.rect.intersects(x) for x in windows)):
            q, r = _quote(run)
            problems.append(f"text '{q}' at {r.describe()} is on the address page, which must carry only the addresses")

    # Nothing revealing debt collection where it can show through a window.
    problems.extend(_revealing(layout, env))
    return problems


def _char_size(w: _Word, chars: Sequence[tuple[Rect, float]]) -> float:
    """The smallest type size of the characters (boxed, with their sizes) inside word ``w``; its own size if none."""
    sizes = [size for rect, size in chars if w.rect.contains(rect, tol=0.5)]
    return min(sizes) if sizes else w.size


def _revealing(layout: _Layout, env: Envelope) -> list[str]:
    parts: list[str] = []
    spans: list[tuple[int, int, _Word]] = []
    pos = 0
    for w in layout.reading:
        text = unicodedata.normalize("NFKC", w.text).translate(_TRANSLATE)
        spans.append((pos, pos + len(text), w))
        parts.append(text)
        pos += len(text) + 1
    joined = " ".join(parts)
    areas = env.visible_areas()
    out: list[str] = []
    seen: set[tuple[int, ...]] = set()
    for m in REVEALING.finditer(joined):
        hit = [w for a, b, w in spans if a < m.end() and b > m.start()]
        key = tuple(w.i for w in hit)
        if key in seen:
            continue
        for label, area in areas:
            # A phrase shows when all its words do; a word when any part of it does.
            if all(w.rect.intersects(area) for w in hit):
                seen.add(key)
                out.append(f"text '{' '.join(w.text for w in hit)}' is visible through the envelope ({label} window)")
                break
    return out


_TEXT_SHOW = frozenset({"TJ", "Tj", "'", '"'})
_TEXT_OPERATORS = "q Q cm BT ET Tf Tc Tw Tz Ts TL Tr Tm Td TD T* TJ Tj ' \""


class _Unsupported(Exception):
    """The reader met a font or operator it does not handle: the page's text cannot be vouched for."""


_FontInfo = tuple[dict[int, float], float, dict[int, str], float]


def _font_info(font: Any, cache: dict[tuple[int, int], _FontInfo]) -> _FontInfo:
    """(widths by CID in text space units / 1000, default width, CID -> text, descent / 1000) of a Type0 Identity-H
    font; ``cache`` keeps them by object for the other pages of the same PDF."""
    import pikepdf

    key = font.objgen
    if key in cache:
        return cache[key]
    if font.get("/Subtype") != "/Type0" or "/ToUnicode" not in font or not _two_byte_identity(font.get("/Encoding")):
        raise _Unsupported(f"font {font.get('/BaseFont')} is not a Type0 font with 2-byte codes and a ToUnicode map")
    desc = font.DescendantFonts[0]
    widths: dict[int, float] = {}
    w = list(desc.get("/W", []))
    i = 0
    while i < len(w):
        first = int(w[i])
        if isinstance(w[i + 1], pikepdf.Array):
            for k, v in enumerate(w[i + 1]):
                widths[first + k] = float(v)
            i += 2
        else:
            for c in range(first, int(w[i + 1]) + 1):
                widths[c] = float(w[i + 2])
            i += 3
    to_text: dict[int, str] = {}
    cmap = font.ToUnicode.read_bytes().decode("latin-1")
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for src, dst in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>", block):
            to_text[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be", "replace")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, rest in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]*>)", block):
            lo_i, hi_i = int(lo, 16), int(hi, 16)
            if rest.startswith("["):
                for k, dst in enumerate(re.findall(r"<([0-9a-fA-F]*)>", rest)):
                    to_text[lo_i + k] = bytes.fromhex(dst).decode("utf-16-be", "replace")
            else:
                start = bytes.fromhex(rest[1:-1])
                for k in range(hi_i - lo_i + 1):
                    value = int.from_bytes(start, "big") + k
                    to_text[lo_i + k] = value.to_bytes(len(start), "big").decode("utf-16-be", "replace")
    descent = float(desc.FontDescriptor.get("/Descent", 0)) / 1000
    info = (widths, float(desc.get("/DW", 1000)), to_text, descent)
    cache[key] = info
    return info


def _two_byte_identity(encoding: Any) -> bool:
    """Identity-H, or the CMap WeasyPrint embeds when a font lacks a glyph (codes are glyph ids there too, the
    missing ones drawn as .notdef; the widths and ToUnicode map stay keyed by code)."""
    import pikepdf

    if encoding == "/Identity-H":
        return True
    if isinstance(encoding, pikepdf.Stream):
        cmap = encoding.read_bytes()
        return b"<0000> <ffff>" in cmap and b"/WMode 1" not in cmap
    return False


def _mul(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _page_chars(page: Any, cutoff: float, fonts_seen: dict[tuple[int, int], _FontInfo]) -> list[dict[str, Any]]:
    """The characters WeasyPrint placed above ``cutoff`` (pt from the top), as pdfminer/pdfplumber would box them:
    x0/x1 from the glyph advance, top/bottom from the font size and descent, ``size`` the rendered size.

    Handles what WeasyPrint writes (Type0 fonts with 2-byte codes, Tm-positioned TJ arrays) and raises
    :class:`_Unsupported` for anything else."""
    import pikepdf

    box = [float(v) for v in page.mediabox]
    height = box[3] - box[1]
    fonts = page.obj.get("/Resources", {}).get("/Font", {})
    ctm: list[tuple[float, ...]] = [(1.0, 0.0, 0.0, 1.0, 0.0, 0.0)]
    tm = lm = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    font = None
    size = tc = rise = leading = 0.0
    hscale = 1.0
    chars: list[dict[str, Any]] = []
    # Only the operators that place text (pikepdf filters in C++; paths, colours and images never reach Python).
    for operands, op in pikepdf.parse_content_stream(page, _TEXT_OPERATORS):
        o = str(op)
        if o == "q":
            ctm.append(ctm[-1])
        elif o == "Q":
            if len(ctm) > 1:
                ctm.pop()
        elif o == "cm":
            ctm[-1] = _mul(tuple(float(x) for x in operands), ctm[-1])
        elif o == "BT":
            tm = lm = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        elif o == "Tf":
            name = str(operands[0])
            if name not in fonts:
                raise _Unsupported(f"font {name} not in the page resources")
            font, size = _font_info(fonts[name], fonts_seen), float(operands[1])
        elif o == "Tc":
            tc = float(operands[0])
        elif o == "Tz":
            hscale = float(operands[0]) / 100
        elif o == "Ts":
            rise = float(operands[0])
        elif o == "TL":
            leading = float(operands[0])
        elif o == "Tm":
            tm = lm = tuple(float(x) for x in operands)
        elif o in ("Td", "TD"):
            tx, ty = float(operands[0]), float(operands[1])
            if o == "TD":
                leading = -ty
            tm = lm = _mul((1.0, 0.0, 0.0, 1.0, tx, ty), lm)
        elif o == "T*":
            tm = lm = _mul((1.0, 0.0, 0.0, 1.0, 0.0, -leading), lm)
        elif o in ("Tw", "Tr", "ET"):
            pass
        elif o in ("TJ", "Tj"):
            if font is None:
                raise _Unsupported("text shown before a font was set")
            widths, dw, to_text, descent = font
            m = _mul(tm, ctm[-1])
            if abs(m[1]) > 1e-6 or abs(m[2]) > 1e-6:  # rotated or skewed (the draft stamp): the general way
                moved = _rotated_chars(operands[0] if o == "TJ" else [operands[0]], m, font, size, tc, hscale, rise,
                                       height, cutoff, chars)
                if moved:
                    tm = _mul((1.0, 0.0, 0.0, 1.0, moved, 0.0), tm)
                continue
            if height - (m[5]) > cutoff + size * abs(m[3]) * 2:
                items: list[Any] = []  # below the cutoff: only advance (nothing after it on this Tm is kept anyway)
            else:
                items = list(operands[0]) if o == "TJ" else [operands[0]]
            # The text matrix only moves along x within a TJ (no rotation, checked above), so the glyph origin
            # in user space advances by (advance x m[0]) and the matrices need not be multiplied per glyph.
            sx, sy, x, y = m[0], m[3], m[4], m[5]
            y_low = y + (descent * size + rise) * sy
            y_high = y_low + size * sy
            top, bottom = height - max(y_low, y_high), height - min(y_low, y_high)
            glyph_size = abs(y_high - y_low)
            moved = 0.0  # text-space advance over this operator
            for item in items:
                if isinstance(item, (int, float, Decimal)) or (isinstance(item, pikepdf.Object) and not isinstance(item, pikepdf.String)):
                    moved -= float(item) / 1000 * size * hscale
                    continue
                raw = bytes(item)
                if len(raw) % 2:
                    raise _Unsupported("odd byte count in an Identity-H string")
                for k in range(0, len(raw), 2):
                    cid = (raw[k] << 8) | raw[k + 1]
                    adv = (widths.get(cid, dw) / 1000 * size + tc) * hscale
                    if top < cutoff:
                        x0 = x + moved * sx
                        x1 = x0 + adv * sx
                        chars.append({"text": to_text.get(cid, "\ufffd"), "x0": min(x0, x1), "x1": max(x0, x1),
                                      "top": top, "bottom": bottom, "size": glyph_size, "upright": True})
                    moved += adv
            if moved:
                tm = _mul((1.0, 0.0, 0.0, 1.0, moved, 0.0), tm)
        elif o in _TEXT_SHOW:
            raise _Unsupported(f"operator {o}")
    return chars


def _rotated_chars(items: Any, m: tuple[float, ...], font: _FontInfo, size: float, tc: float, hscale: float, rise: float,
                   height: float, cutoff: float, chars: list[dict[str, Any]]) -> float:
    """The characters of one text-showing operator under a rotated or skewed matrix ``m``, boxed as pdfminer boxes
    them (the glyph's lower-left and upper-right corners through the matrix, ``size`` the box's height,
    ``upright`` false); returns the text-space advance."""
    import pikepdf

    widths, dw, to_text, descent = font
    a, b, c, d, e, f = m
    upright = a * d * hscale > 0 and b * c <= 0
    low, high = descent * size + rise, descent * size + rise + size
    moved = 0.0
    for item in items:
        if isinstance(item, (int, float, Decimal)) or (isinstance(item, pikepdf.Object) and not isinstance(item, pikepdf.String)):
            moved -= float(item) / 1000 * size * hscale
            continue
        raw = bytes(item)
        if len(raw) % 2:
            raise _Unsupported("odd byte count in a 2-byte string")
        for k in range(0, len(raw), 2):
            cid = (raw[k] << 8) | raw[k + 1]
            adv = (widths.get(cid, dw) / 1000 * size + tc) * hscale
            ox, oy = moved * a + e, moved * b + f
            x0, y0 = c * low + ox, d * low + oy
            x1, y1 = a * adv + c * high + ox, b * adv + d * high + oy
            x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
            if height - y1 < cutoff:
                chars.append({"text": to_text.get(cid, "\ufffd"), "x0": x0, "x1": x1, "top": height - y1,
                              "bottom": height - y0, "size": y1 - y0, "upright": upright})
            moved += adv
    return moved


def _words(chars: list[dict[str, Any]], x_tolerance: float = 3.0, y_tolerance: float = 3.0) -> list[dict[str, Any]]:
    """Words from characters as pdfplumber's ``extract_words(extra_attrs=["size"])`` groups them: lines by
    ``top`` (within ``y_tolerance``), characters by ``x0`` within a line, a new word at whitespace, at a gap
    wider than ``x_tolerance`` or where the size changes."""
    lines: list[list[dict[str, Any]]] = []
    for ch in sorted(chars, key=lambda c: c["top"]):
        if lines and ch["top"] - lines[-1][-1]["top"] <= y_tolerance:
            lines[-1].append(ch)
        else:
            lines.append([ch])
    words: list[dict[str, Any]] = []
    for line in lines:
        current: list[dict[str, Any]] = []

        def flush() -> None:
            if current:
                text = "".join(c["text"] for c in current)
                word = {"text": text, "x0": min(c["x0"] for c in current),
                        "x1": max(c["x1"] for c in current), "top": min(c["top"] for c in current),
                        "bottom": max(c["bottom"] for c in current), "size": current[0]["size"], "upright": True}
                if has_rtl(text):
                    # page order, glyph by glyph: a ligature's text (lam-alef) is logical in the text layer
                    word["visual"] = "".join(c["text"][::-1] if len(c["text"]) > 1 and has_rtl(c["text"]) else c["text"]
                                             for c in current)
                words.append(word)
                current.clear()

        for ch in sorted(line, key=lambda c: c["x0"]):
            if ch["text"].isspace():
                flush()
                continue
            if current and (ch["x0"] > current[-1]["x1"] + x_tolerance or ch["size"] != current[-1]["size"]):
                flush()
            current.append(ch)
        flush()
    return words


UNREADABLE = "the first page's text could not be read back to check the envelope windows"


class PageText(NamedTuple):
    """What :func:`first_page_words` read from one page."""

    words: list[dict[str, Any]]
    chars: list[dict[str, Any]]
    size: tuple[float, float]
    unreadable: str | None = None
    """Why the page's text could not be read (a font or operator WeasyPrint does not write); None when read."""


def first_page_words(pdf: bytes | str | Path, pages: Sequence[int], envelope: Envelope | str) -> list[PageText]:
    """The words, characters and page size of each given page (0-based), read back from the PDF.

    Only what can matter to the envelope is read: the text above the first fold plus a margin (the whole
    page for an address page). pdfplumber costs ~30 ms for a whole letter page and still ~14 ms for the
    text above the fold (pdfminer's general interpreter, pdfplumber's object conversion), half the cost of
    laying the letter out. So the text is read here directly from the content stream (pikepdf's C++
    tokenizer), for the fonts WeasyPrint writes (Type0 with 2-byte codes, ToUnicode and widths): each glyph
    boxed as pdfminer boxes it, grouped into words as pdfplumber groups them (a test compares the two on
    real letters of every script). A page with anything else is not guessed at: its ``unreadable`` says why,
    and :func:`check_letters` holds that letter."""
    import io

    import pikepdf

    env = _envelope(envelope)
    cutoff = env.page_height if env.address_page else max(env.first_fold, max(r.bottom for r in env.visible_area)) + inch(0.5)
    out: list[PageText] = []
    fonts_seen: dict[tuple[int, int], _FontInfo] = {}
    with pikepdf.open(io.BytesIO(pdf) if isinstance(pdf, bytes) else str(pdf)) as src:
        for i in pages:
            page = src.pages[i]
            box = [float(v) for v in page.mediabox]
            size = (box[2] - box[0], box[3] - box[1])
            try:
                chars = _page_chars(page, cutoff, fonts_seen)
                out.append(PageText(_words(chars), chars, size))
            except _Unsupported as exc:
                out.append(PageText([], [], size, str(exc)))
    return out


def check_letters(pdf: bytes | str | Path, first_pages: Sequence[int], envelope: Envelope | str, *,
                  recipients: Sequence[Sequence[str]], return_lines: Sequence[str],
                  ignore: Callable[[Mapping[str, Any]], bool] | None = None) -> list[list[str]]:
    """:func:`check_page` for the first page of each letter of a PDF (0-based ``first_pages``, with each letter's
    ``recipients`` lines): the problems per letter, an empty list for one that is ready to mail. ``ignore``
    leaves out words and characters that are not mailed (the draft stamp)."""
    env = _envelope(envelope)
    problems = []
    for (words, chars, size, unreadable), recipient in zip(first_page_words(pdf, first_pages, env), recipients):
        if unreadable is not None:
            problems.append([f"{UNREADABLE} ({unreadable})"])
            continue
        if ignore is not None:
            words, chars = [w for w in words if not ignore(w)], [c for c in chars if not ignore(c)]
        problems.append(check_page(words, env, recipient_lines=recipient, return_lines=return_lines, chars=chars, page_size=size))
    return problems


# ----------------------------------------------------------------------------- debug overlay


def _overlay_ops(env: Envelope, left: float, top: float) -> bytes:
    """PDF operators drawing the windows (red), the windows less clearance (red, dashed), the visible area
    (light blue) and the first fold (grey, dotted). ``left``/``top``: the page's top-left corner in PDF space."""

    def re_op(r: Rect) -> str:
        # PDF space: y up from the bottom; a rectangle is given by its lower-left corner, width and height.
        return f"{left + r.x0:.3f} {top - r.bottom:.3f} {r.width:.3f} {r.height:.3f} re S"

    ops = ["q", "0.6 w", "0 J", "0 j"]
    ops.append("0.55 0.8 1 RG [] 0 d")
    ops += [re_op(a) for a in env.visible_area]
    ops.append("1 0 0 RG [] 0 d")
    ops += [re_op(w) for _, w in env.windows()]
    ops.append("1 0 0 RG [3 2] 0 d")
    ops += [re_op(w.shrink(env.clearance)) for _, w in env.windows() if env.clearance > EPS]
    ops.append("0.5 0.5 0.5 RG [1 2] 0 d")
    ops.append(f"{left:.3f} {top - env.first_fold:.3f} m {left + env.page_width:.3f} {top - env.first_fold:.3f} l S")
    ops.append("Q")
    return ("\n".join(ops) + "\n").encode("ascii")


def debug_overlay(pdf_in: str | Path, pdf_out: str | Path, envelope: Envelope | str,
                  pages: Sequence[int] | None = None) -> None:
    """Write a copy of ``pdf_in`` with the envelope drawn on the given pages (0-based indexes of each letter's
    first page; default every page): the windows in red, the windows less clearance dashed, the visible area
    outlined in light blue, the first fold dotted grey. The page's own content is wrapped in q/Q so its graphics
    state cannot leak into the drawing. Deterministic: the same input gives the same bytes."""
    import pikepdf

    env = _envelope(envelope)
    with pikepdf.open(str(pdf_in), allow_overwriting_input=True) as pdf:
        indexes = range(len(pdf.pages)) if pages is None else sorted(set(pages))
        for i in indexes:
            if not 0 <= i < len(pdf.pages):
                raise IndexError(f"page {i} is not in {pdf_in} ({len(pdf.pages)} pages)")
            page = pdf.pages[i]
            box = [float(v) for v in page.mediabox]
            left, top = min(box[0], box[2]), max(box[1], box[3])
            page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
            page.contents_add(pikepdf.Stream(pdf, b"Q\n" + _overlay_ops(env, left, top)))
        pdf.save(str(pdf_out), deterministic_id=True)
