"""A copy of a PDF with the envelope drawn on it, for a person to look at (``--debug-windows``)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from lettergen.postal.envelope import Envelope, Rect, as_envelope

__all__ = ["debug_overlay"]

# ----------------------------------------------------------------------------- debug overlay


def _overlay_ops(env: Envelope, left: float, top: float) -> bytes:
    """PDF operators drawing the windows (red), the blocks the addresses must stay in (red, dashed: the vendor's
    shift-safe blocks, or the windows less clearance), the printable area (grey, dashed), the visible area
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
    ops += [re_op(r) for r in (env.recipient_inner, env.return_inner) if r is not None]  # where the text must stay
    ops.append("0.6 0.6 0.6 RG [4 3] 0 d")
    ops.append(re_op(env.printable))  # the printable area
    ops.append("0.5 0.5 0.5 RG [1 2] 0 d")
    ops.append(f"{left:.3f} {top - env.first_fold:.3f} m {left + env.page_width:.3f} {top - env.first_fold:.3f} l S")
    ops.append("Q")
    return ("\n".join(ops) + "\n").encode("ascii")


def debug_overlay(pdf_in: str | Path, pdf_out: str | Path, envelope: Envelope | str,
                  pages: Sequence[int] | None = None) -> None:
    """Write a copy of ``pdf_in`` with the envelope drawn on the given pages (0-based indexes of each letter's
    first page; default every page): the windows in red, the address blocks dashed, the printable area dashed grey, the visible area
    outlined in light blue, the first fold dotted grey. The page's own content is wrapped in q/Q so its graphics
    state cannot leak into the drawing. Deterministic: the same input gives the same bytes."""
    import pikepdf

    env = as_envelope(envelope)
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
