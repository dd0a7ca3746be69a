"""Money: parsing and rounding. Amounts are ``Decimal``; a ``float`` never enters."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import get_currency_precision

from lettergen.errors import AmountError

_CURRENCY_SIGNS = "$€£¥₹₩₽₪₺₫₱"
_AMOUNT_RE = re.compile(
    r"""^(?P<neg1>-)?\s*(?P<code>[A-Z]{3}\s+)?(?P<sign>[""" + _CURRENCY_SIGNS + r"""])?\s*(?P<neg2>-)?\s*
        (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*(?P<code2>\s[A-Z]{3})?$""",
    re.VERBOSE,
)


def currency_exponent(currency: str) -> int:
    """Number of decimal places for a currency, by Babel's (CLDR's) rules: USD 2, JPY 0, BHD 3."""
    return get_currency_precision(currency)


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's minor unit, half up (the commercial convention)."""
    exp = Decimal(1).scaleb(-currency_exponent(currency))
    return amount.quantize(exp, rounding=ROUND_HALF_UP)


def parse_amount(text: object) -> Decimal:
    """Parse an amount as it appears in AR exports.

    Accepts ``1234.5``, ``1,234.50``, ``$1,234.50``, ``USD 1,234.50``, ``-12``,
    ``(12.00)`` (accounting negative) and ``$(12.00)``. Also accepts ``int`` and
    ``Decimal`` values (from XLSX/JSON); a ``float`` from a spreadsheet cell is
    converted through its shortest ``repr`` so 0.1 stays 0.1.
    """
    if isinstance(text, bool):
        raise AmountError(f"{text!r} is not an amount")
    if isinstance(text, Decimal):
        if not text.is_finite():
            raise AmountError(f"{text!r} is not an amount")
        return text
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, float):
        if text != text or text in (float("inf"), float("-inf")):
            raise AmountError(f"{text!r} is not an amount")
        return Decimal(repr(text))
    s = str(text).strip()
    if not s:
        raise AmountError("the amount is empty")
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    elif re.match(r"^[" + _CURRENCY_SIGNS + r"]\s*\(.*\)$", s):
        negative, s = True, s[0] + s[1:].strip()[1:-1]
    m = _AMOUNT_RE.match(s)
    if not m:
        raise AmountError(
            f"{str(text)!r} is not an amount; use digits with an optional thousands comma and "
            "decimal point, e.g. 1234.50, 1,234.50, $1,234.50 or (12.00) for a negative"
        )
    if m.group("neg1") or m.group("neg2"):
        if negative:
            raise AmountError(f"{str(text)!r} has two minus signs")
        negative = True
    try:
        value = Decimal(m.group("num").replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise AmountError(f"{str(text)!r} is not an amount") from exc
    return -value if negative else value
