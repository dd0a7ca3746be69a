"""Envelope geometry as data: the presets, where their windows land on the page, and what fits in them.

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
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from lettergen.fonts import text_width
from lettergen.errors import UnknownEnvelopeError

__all__ = [
    "PT_PER_IN", "PT_PER_MM", "Rect", "Envelope", "PRESETS", "DEFAULT_PRESET", "get", "as_envelope",
    "fit", "fit_lines", "capacity", "FONT_STEPS", "LINE_HEIGHT_STEPS", "GLYPH_ALLOWANCE", "LINE_ALLOWANCE",
    "LETTER_MARGIN_TOP", "LETTER_MARGIN_LEFT", "docx_page_size",
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
    recipient_block: Rect | None = None
    """Where the recipient block's text must stay so that it shows whatever the folded sheet's shift in the
    envelope (a mail house's published layout); None: the recipient window less ``clearance``."""
    return_block: Rect | None = None
    """The same for the return address; None: the return window less ``clearance``."""
    margins: tuple[float, float, float, float] = (36.0, 43.2, 36.0, 36.0)
    """Top, right, bottom, left: no text on any page closer to the paper's edge than this (the mail house's
    printable area: "anything outside these margins might not be printed")."""
    source: str = ""
    """Where the figures come from."""
    visible_area: tuple[Rect, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "visible_area", tuple(area for _, area in self.visible_areas()))

    @property
    def recipient_inner(self) -> Rect:
        """Where the recipient block's text must stay: the vendor's shift-safe block, else the recipient window
        less clearance."""
        return self.recipient_block or self.recipient_window.shrink(self.clearance)

    @property
    def return_inner(self) -> Rect | None:
        """Where the return address's text must stay: the vendor's block, else the return window less clearance."""
        if self.return_block is not None:
            return self.return_block
        return None if self.return_window is None else self.return_window.shrink(self.clearance)

    @property
    def printable(self) -> Rect:
        """The page less the printable margins: every word of every page lies inside."""
        top, right, bottom, left = self.margins
        return Rect(left, top, self.page_width - right, self.page_height - bottom)

    def inner_name(self, label: str) -> str:
        """How messages name the area a block must stay in."""
        block = self.recipient_block if label == "recipient" else self.return_block
        if block is not None:
            return f"{label} block (the area that shows whatever the sheet's shift in the envelope, {block.describe()})"
        inner = self.recipient_inner if label == "recipient" else self.return_inner
        less = f" less {_clearance_words(self.clearance)} clearance" if self.clearance > EPS else ""
        return f"{label} window{less} ({inner.describe() if inner else 'none'})"

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


# Where the blocks print (PostalMethods, "#10 double window" letter template for US Letter, a layout safe under
# any shift of the tri-folded sheet in the envelope): the recipient block inside the rectangle whose top-left
# corner is 0.5 in from the left and 2.042 in from the top of the page, at most 3.5 x 0.875 in; the return block
# at 0.5 in / 0.5 in, at most 3.5 x 0.792 in; nothing within 0.5 in of the top, left and bottom edges or 0.6 in of
# the right one. What may show through (the 1692f(8) check): Lob's #10 double-window envelope, above.
US10_RECIPIENT_BLOCK_IN = (0.5, 2.042, 3.5, 0.875)  # left, top, width, height on the page
US10_RETURN_BLOCK_IN = (0.5, 0.5, 3.5, 0.792)
VENDOR_MARGINS_IN = (0.5, 0.6, 0.5, 0.5)  # top, right, bottom, left
US10_SOURCE = ("block positions and printable margins: PostalMethods #10 double-window letter layout (US Letter); "
               "windows (what can show through): Lob #10 double-window envelope, recipient window 1 x 4 in at 0.625 in "
               "from the left and 1 in from the bottom, return window 0.875 x 3.25 in at 0.625 in, 2.375 in from the "
               "bottom; address rules: USPS Publication 25")


def _block_in(left: float, top: float, width: float, height: float) -> Rect:
    return Rect(inch(left), inch(top), inch(left + width), inch(top + height))


def _clearance_words(pt: float) -> str:
    """'1/8 in' for 9 pt: the smallest fraction of an inch it is, else points (moved from mail.window)."""
    for d in (1, 2, 4, 8, 16, 32):
        n = pt / PT_PER_IN * d
        if abs(n - round(n)) < 1e-6:
            return f"{round(n)}/{d} in" if d > 1 else f"{round(n)} in"
    return f"{_num(pt)} pt"


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
        recipient_block=_block_in(*US10_RECIPIENT_BLOCK_IN),
        return_block=_block_in(*US10_RETURN_BLOCK_IN),
        margins=tuple(inch(v) for v in VENDOR_MARGINS_IN),  # type: ignore[arg-type]
        source=US10_SOURCE,
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
        margins=tuple(inch(v) for v in VENDOR_MARGINS_IN),  # type: ignore[arg-type]
        source="address field: DIN 5008 form B (Anschriftfeld 45 mm from the top, 20 mm from the left, 85 x 45 mm; "
               "Zusatz- und Vermerkzone 17.7 mm, Anschriftzone 27.3 mm); envelopes: DIN 680 DL and C6/5 windows; "
               "printable margins: the mail house's 0.5 in (0.6 in on the right), as for the US presets",
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


def docx_page_size(envelope: Envelope | str) -> str:
    """The DOCX page size (``lettergen.typeset.docx.PAGE_SIZES``) of the envelope's page: ``a4`` or ``letter``."""
    env = as_envelope(envelope)
    return "a4" if abs(env.page_width - mm(210)) < 1 else "letter"


def get(name: str) -> Envelope:
    """The preset called ``name``; UnknownEnvelopeError (ValueError and KeyError) listing the presets otherwise."""
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise UnknownEnvelopeError(f"unknown envelope {name!r}; known envelopes: {', '.join(sorted(PRESETS))}") from None


def as_envelope(e: Envelope | str) -> Envelope:
    """An envelope, or a preset's name looked up."""
    return e if isinstance(e, Envelope) else get(e)


# ----------------------------------------------------------------------------- CSS, fit, capacity

LETTER_MARGIN_TOP = inch(0.75)
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
    env = as_envelope(envelope)
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
    return _fit(as_envelope(envelope), lambda font_pt: lines_count)


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
    env = as_envelope(envelope)
    return _fit(env, lambda font_pt: wrapped_lines(lines, font_pt, env.recipient_inner.width) + extra_lines)


