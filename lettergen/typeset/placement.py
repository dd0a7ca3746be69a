"""The CSS that places the return address and the recipient block in the envelope's windows, generated from the
geometry in :mod:`lettergen.postal.envelope` (no window figure is typed into a stylesheet)."""

from __future__ import annotations

from lettergen.postal.envelope import LETTER_MARGIN_LEFT, LETTER_MARGIN_TOP, Envelope, Rect, as_envelope

__all__ = ["css"]


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
    env = as_envelope(envelope)
    n = _css_num
    size = f"{n(env.page_width)}pt {n(env.page_height)}pt"
    out = [
        f"/* lettergen.postal.envelope: {env.name} */",
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
