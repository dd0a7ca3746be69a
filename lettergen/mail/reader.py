"""Reading a typeset letter's first page back from the PDF: every glyph WeasyPrint placed, boxed as pdfminer boxes
it, grouped into words as pdfplumber groups them, without either of them (see :func:`first_page_words`)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterator, NamedTuple, Sequence

from lettergen.errors import TypesetError
from lettergen.postal.envelope import Envelope, as_envelope, inch
from lettergen.mail.text import has_rtl

__all__ = ["PageText", "UNREADABLE", "first_page_words"]

_TEXT_SHOW = frozenset({"TJ", "Tj", "'", '"'})
_TEXT_OPERATORS = "q Q cm BT ET Tf Tc Tw Tz Ts TL Tr Tm Td TD T* TJ Tj ' \""


class _Unsupported(TypesetError):
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
            for cid, start, adv in _glyphs(items, widths, dw, size, tc, hscale):
                if cid < 0:  # the end: the operator's whole advance
                    moved = start
                elif top < cutoff:
                    x0 = x + start * sx
                    x1 = x0 + adv * sx
                    chars.append({"text": to_text.get(cid, "\ufffd"), "x0": min(x0, x1), "x1": max(x0, x1),
                                  "top": top, "bottom": bottom, "size": glyph_size, "upright": True})
            if moved:
                tm = _mul((1.0, 0.0, 0.0, 1.0, moved, 0.0), tm)
        elif o in _TEXT_SHOW:
            raise _Unsupported(f"operator {o}")
    return chars


def _glyphs(items: Any, widths: dict[int, float], dw: float, size: float, tc: float, hscale: float
            ) -> Iterator[tuple[int, float, float]]:
    """The glyphs of a TJ/Tj operand, as (code, text-space start, advance), kerning applied; then (-1, the whole
    advance, 0)."""
    import pikepdf

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
            yield cid, moved, adv
            moved += adv
    yield -1, moved, 0.0


def _rotated_chars(items: Any, m: tuple[float, ...], font: _FontInfo, size: float, tc: float, hscale: float, rise: float,
                   height: float, cutoff: float, chars: list[dict[str, Any]]) -> float:
    """The characters of one text-showing operator under a rotated or skewed matrix ``m``, boxed as pdfminer boxes
    them (the glyph's lower-left and upper-right corners through the matrix, ``size`` the box's height,
    ``upright`` false); returns the text-space advance."""
    widths, dw, to_text, descent = font
    a, b, c, d, e, f = m
    upright = a * d * hscale > 0 and b * c <= 0
    low, high = descent * size + rise, descent * size + rise + size
    moved = 0.0
    for cid, start, adv in _glyphs(items, widths, dw, size, tc, hscale):
        if cid < 0:
            moved = start
        else:
            ox, oy = start * a + e, start * b + f
            x0, y0 = c * low + ox, d * low + oy
            x1, y1 = a * adv + c * high + ox, b * adv + d * high + oy
            x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
            if height - y1 < cutoff:
                chars.append({"text": to_text.get(cid, "\ufffd"), "x0": x0, "x1": x1, "top": height - y1,
                              "bottom": height - y0, "size": y1 - y0, "upright": upright})
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

    env = as_envelope(envelope)
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
