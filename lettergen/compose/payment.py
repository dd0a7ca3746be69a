"""How each account pays: the instructions for its currency, its own payment link and a QR code of that link.

The policy's ``sender.payment_instructions`` is one text for every currency, or one per currency code (ACH for
USD, IBAN/BIC for EUR, sort code and account or IBAN for GBP ...); with one per currency, an account whose
currency has none is rejected by the planner with that reason (:func:`missing_instructions`), never told to pay
the wrong way. ``sender.payment_link`` is a URL template with ``{account_id}``, ``{amount}`` and ``{currency}``
(each filled in URL-encoded); the letter prints the link and a QR code of it (:func:`qr_svg`: drawn as vector
``<rect>``s from segno's matrix, so the PDF carries it sharp at any size and the same link gives the same bytes).
"""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import quote

__all__ = ["payment_link", "qr_svg"]


def payment_link(template: str, account_id: str, amount: Decimal, currency: str) -> str:
    """The link with the account's values filled in, each URL-encoded (``ACC 1/2`` becomes ``ACC%201%2F2``)."""
    values = {"account_id": account_id, "amount": f"{amount:f}", "currency": currency}
    return template.format(**{k: quote(v, safe="") for k, v in values.items()})


def qr_svg(data: str, size_pt: float = 64.8) -> str:
    """A QR code of ``data`` (error correction M, a 4-module quiet zone) as an inline SVG ``size_pt`` points square
    (default 0.9 in: a phone reads it from 30 cm): one ``<path>`` of the runs of dark modules. (One ``<rect>`` per
    run, ~400 elements, doubled the typesetting time of a letter: WeasyPrint lays out every SVG element.)"""
    import segno

    qr = segno.make(data, error="m", micro=False)
    matrix = qr.matrix
    n = len(matrix)
    quiet = 4
    total = n + 2 * quiet
    rects = []
    for y, row in enumerate(matrix):
        x = 0
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                rects.append(f"M{start + quiet} {y + quiet}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    s = f"{size_pt:.3f}".rstrip("0").rstrip(".")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{s}pt" height="{s}pt" viewBox="0 0 {total} {total}" '
            f'shape-rendering="crispEdges" role="img" aria-label="QR code of the payment link" fill="#000">'
            + f'<path d="{"".join(rects)}"/></svg>')
