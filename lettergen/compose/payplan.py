"""Payment plans offered in the final demand: computed, never written by hand.

The balance is split into monthly installments. The count is the largest that
keeps every installment at or above the minimum, capped by the maximum; each
installment is the balance divided by the count, rounded down to the currency's
minor unit, and the last one takes the remainder, so the installments always
sum to the balance to the cent. Due dates are monthly from the first due date,
each moved forward to a business day.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import ROUND_DOWN, ROUND_UP, Decimal

from lettergen.config.calendar import BusinessCalendar
from lettergen.models import Installment
from lettergen.money import currency_exponent


def add_months(d: date, months: int) -> date:
    """Same day of the month ``months`` later, clamped to the month's last day (Jan 31 + 1 = Feb 28)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def installment_count(balance: Decimal, max_installments: int, min_installment: Decimal, unit: Decimal = Decimal("0.01")) -> int:
    """The largest count, up to ``max_installments``, that keeps every installment at or above the minimum.

    The minimum is rounded up to whole units (``unit``, the currency's minor unit) and is
    at least one unit, so no installment is ever of nothing, even without a minimum.
    """
    if balance <= 0 or max_installments < 1:
        return 1
    floor = max(unit, min_installment.quantize(unit, rounding=ROUND_UP)) if min_installment > 0 else unit
    return max(1, min(max_installments, int(balance // floor)))


def payment_plan(
    balance: Decimal,
    currency: str,
    first_due: date,
    cal: BusinessCalendar,
    max_installments: int,
    min_installment: Decimal,
) -> tuple[Installment, ...]:
    unit = Decimal(1).scaleb(-currency_exponent(currency))
    n = installment_count(balance, max_installments, min_installment, unit)
    each = (balance / n).quantize(unit, rounding=ROUND_DOWN)
    amounts = [each] * (n - 1) + [balance - each * (n - 1)]
    return tuple(
        Installment(number=i + 1, due_date=cal.next_business_day(add_months(first_due, i)), amount=a)
        for i, a in enumerate(amounts)
    )
