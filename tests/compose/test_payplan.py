"""Payment plans: installments add up to the balance to the cent, fall on business days, one a month."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

import holidays
import pytest

from lettergen.config.calendar import BusinessCalendar
from lettergen.compose.payplan import add_months, installment_count, payment_plan

NY = BusinessCalendar("US", "NY")
# Checked independently of BusinessCalendar: the public holidays of New York (and so of the US).
NY_HOLIDAYS = holidays.country_holidays("US", subdiv="NY", years=range(2025, 2031))
US_HOLIDAYS = holidays.country_holidays("US", years=range(2025, 2031))

UNIT = {"USD": Decimal("0.01"), "EUR": Decimal("0.01"), "GBP": Decimal("0.01"), "JPY": Decimal("1")}


def plan(balance: str, currency: str = "USD", first_due: date = date(2026, 12, 27), max_n: int = 6, min_amount: str = "50.00"):
    return payment_plan(Decimal(balance), currency, first_due, NY, max_n, Decimal(min_amount))


def amounts(p) -> list[Decimal]:
    return [i.amount for i in p]


# ----------------------------------------------------------------------------- exact amounts


@pytest.mark.parametrize(
    "balance, currency, expected",
    [
        ("0.01", "USD", ["0.01"]),
        ("49.99", "USD", ["49.99"]),
        ("100.00", "USD", ["50.00", "50.00"]),
        ("149.99", "USD", ["74.99", "75.00"]),
        ("1640.00", "USD", ["273.33"] * 5 + ["273.35"]),
        ("1000.01", "USD", ["166.66"] * 5 + ["166.71"]),
        ("99999.99", "USD", ["16666.66"] * 5 + ["16666.69"]),
        ("5425.90", "EUR", ["904.31"] * 5 + ["904.35"]),
        ("173500", "JPY", ["28916"] * 5 + ["28920"]),
        ("101", "JPY", ["50", "51"]),
    ],
)
def test_installments_are_exact_and_the_remainder_goes_to_the_last(balance, currency, expected):
    p = plan(balance, currency)
    assert [str(a) for a in amounts(p)] == expected
    assert sum(amounts(p)) == Decimal(balance)
    assert [i.number for i in p] == list(range(1, len(expected) + 1))


BALANCES = [
    "0.01", "0.02", "0.99", "1.00", "24.99", "49.99", "50.00", "50.01", "99.99", "100.00", "100.01", "149.99",
    "150.00", "299.99", "300.00", "300.01", "333.33", "1000.00", "1000.01", "1544.50", "1640.00", "3448.15",
    "11743.75", "99999.99", "100000.00", "1234567.89",
]


@pytest.mark.parametrize("currency", ["USD", "EUR"])
@pytest.mark.parametrize("max_n, min_amount", [(6, "50.00"), (12, "50.00"), (3, "0.01"), (6, "200.00"), (1, "50.00"), (24, "25.00")])
def test_many_balances_sum_exactly_and_respect_count_and_minimum(currency, max_n, min_amount):
    minimum = Decimal(min_amount)
    for text in BALANCES:
        balance = Decimal(text)
        p = plan(text, currency, max_n=max_n, min_amount=min_amount)
        got = amounts(p)
        n = len(got)
        assert sum(got) == balance, (text, got)
        assert all(a == a.quantize(UNIT[currency]) for a in got), got
        assert 1 <= n <= max_n, (text, n)
        if n > 1:
            # every installment is at or above the minimum ...
            assert min(got) >= minimum, (text, got)
        # ... and the count is the largest that keeps them there
        if n < max_n:
            assert (balance / (n + 1)).quantize(UNIT[currency], rounding="ROUND_DOWN") < minimum, (text, n)
        # equal installments; the remainder (less than one unit per installment) is on the last
        assert len(set(got[:-1])) <= 1, got
        assert Decimal(0) <= got[-1] - got[0] < UNIT[currency] * n, got


@pytest.mark.parametrize("balance", ["1", "5", "999", "173500", "1234567"])
def test_yen_plans_have_no_fractions(balance):
    p = plan(balance, "JPY", max_n=6, min_amount="50")
    assert sum(amounts(p)) == Decimal(balance)
    assert all(a == a.to_integral_value() for a in amounts(p)), amounts(p)


@pytest.mark.parametrize(
    "balance, max_n, min_amount, expected",
    [
        ("1640.00", 6, "50.00", 6),
        ("1640.00", 12, "50.00", 12),
        ("1640.00", 12, "200.00", 8),
        ("100.00", 6, "50.00", 2),
        ("149.99", 6, "50.00", 2),
        ("150.00", 6, "50.00", 3),
        ("49.99", 6, "50.00", 1),
        ("300.00", 1, "50.00", 1),
    ],
)
def test_installment_count_from_max_count_and_min_installment(balance, max_n, min_amount, expected):
    assert installment_count(Decimal(balance), max_n, Decimal(min_amount)) == expected
    assert len(plan(balance, max_n=max_n, min_amount=min_amount)) == expected


@pytest.mark.parametrize("balance", ["0.01", "0.03", "0.05", "1.00"])
def test_no_installment_of_nothing_when_the_policy_sets_no_minimum(balance):
    """min_installment: 0 means "no minimum", not "installments of $0.00"."""
    p = plan(balance, min_amount="0", max_n=6)
    assert sum(amounts(p)) == Decimal(balance)
    assert all(a > 0 for a in amounts(p)), amounts(p)


def test_minimum_finer_than_the_currency_unit_is_still_respected():
    # 50.5 yen cannot be paid; installments of 50 would be under the minimum.
    p = plan("101", "JPY", min_amount="50.5")
    assert amounts(p) == [Decimal(101)]
    p = plan("100.00", "USD", min_amount="33.333")
    assert min(amounts(p)) >= Decimal("33.333") and sum(amounts(p)) == Decimal("100.00")


# ----------------------------------------------------------------------------- due dates


def nominal(first: date, months: int) -> date:
    """The same day of the month ``months`` later, or the month's last day (written out, not add_months)."""
    year = first.year + (first.month - 1 + months) // 12
    month = (first.month - 1 + months) % 12 + 1
    return date(year, month, min(first.day, calendar.monthrange(year, month)[1]))


def is_business_day(d: date) -> bool:
    return d.weekday() < 5 and d not in NY_HOLIDAYS and d not in US_HOLIDAYS


def test_due_dates_example_around_weekends_and_new_year():
    # ACC-1010's final demand of 2026-11-27: first installment 30 days later, Sun 2026-12-27.
    p = plan("1640.00", first_due=date(2026, 12, 27))
    assert [i.due_date for i in p] == [
        date(2026, 12, 28),  # Sun -> Mon
        date(2027, 1, 27),
        date(2027, 3, 1),  # Sat 27 Feb -> Mon 1 Mar
        date(2027, 3, 29),  # Sat 27 Mar -> Mon
        date(2027, 4, 27),
        date(2027, 5, 27),
    ]


def test_due_dates_skip_holidays_and_month_ends_clamp():
    p = plan("600.00", first_due=date(2026, 12, 25))  # Christmas (Fri)
    assert p[0].due_date == date(2026, 12, 28)
    assert p[1].due_date == date(2027, 1, 25)
    p = plan("600.00", first_due=date(2027, 1, 31))  # Sun; then Feb 28 (Sun), Mar 31, Apr 30, May 31 (Memorial Day), Jun 30
    assert [i.due_date for i in p] == [
        date(2027, 2, 1), date(2027, 3, 1), date(2027, 3, 31), date(2027, 4, 30), date(2027, 6, 1), date(2027, 6, 30),
    ]
    p = plan("600.00", first_due=date(2026, 11, 26))  # Thanksgiving
    assert p[0].due_date == date(2026, 11, 27)


def test_due_dates_are_business_days_one_month_apart_for_every_start_date():
    start = date(2026, 1, 1)
    for k in range(0, 2 * 365):
        first = start + timedelta(days=k)
        p = plan("1640.00", first_due=first)
        dates = [i.due_date for i in p]
        assert dates == sorted(set(dates)), (first, dates)
        for i, d in enumerate(dates):
            base = nominal(first, i)
            assert is_business_day(d), (first, i, d)
            assert d >= base, (first, i, d)
            # the first business day on or after the nominal date: nothing in between was a business day
            assert all(not is_business_day(base + timedelta(days=x)) for x in range((d - base).days)), (first, i, d)
            assert (d - base).days <= 4, (first, i, d)


@pytest.mark.parametrize(
    "d, months, expected",
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 8, 31), 1, date(2026, 9, 30)),
        (date(2026, 1, 31), 13, date(2027, 2, 28)),
        (date(2026, 5, 10), 0, date(2026, 5, 10)),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(d, months, expected):
    assert add_months(d, months) == expected
