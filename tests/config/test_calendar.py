"""Business-day arithmetic as a collections clerk counts it: weekdays that are not public holidays."""

from __future__ import annotations

from datetime import date

import pytest

from lettergen.config.calendar import BusinessCalendar
from lettergen.errors import PolicyError

WED_NOV_25 = date(2026, 11, 25)
THANKSGIVING = date(2026, 11, 26)
FRI_NOV_27 = date(2026, 11, 27)
MON_NOV_30 = date(2026, 11, 30)


@pytest.fixture
def us() -> BusinessCalendar:
    return BusinessCalendar("US")


def test_thanksgiving_is_not_a_business_day_but_the_friday_after_is_for_plain_us(us: BusinessCalendar) -> None:
    assert not us.is_business_day(THANKSGIVING)
    assert us.is_business_day(FRI_NOV_27)
    # Thu 26 (holiday) and Sat/Sun do not count; Fri 27 and Mon 30 do.
    assert us.business_days_between(WED_NOV_25, MON_NOV_30) == 2


def test_california_also_skips_the_day_after_thanksgiving() -> None:
    ca = BusinessCalendar("US", "CA")
    assert not ca.is_business_day(FRI_NOV_27)
    assert ca.business_days_between(WED_NOV_25, MON_NOV_30) == 1


def test_new_york_counts_the_day_after_thanksgiving_like_plain_us() -> None:
    ny = BusinessCalendar("US", "NY")
    assert ny.business_days_between(WED_NOV_25, MON_NOV_30) == 2


def test_weekend_is_skipped(us: BusinessCalendar) -> None:
    fri, sat, sun, mon = date(2026, 3, 6), date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)
    assert us.business_days_between(fri, mon) == 1
    assert us.business_days_between(fri, sun) == 0
    assert not us.is_business_day(sat)
    assert not us.is_business_day(sun)
    # two full weeks with no holiday: ten business days
    assert us.business_days_between(date(2026, 3, 2), date(2026, 3, 16)) == 10


def test_days_between_counts_calendar_or_business_days(us: BusinessCalendar) -> None:
    assert us.days_between(WED_NOV_25, MON_NOV_30, business=False) == 5
    assert us.days_between(WED_NOV_25, MON_NOV_30, business=True) == 2


def test_july_4th_2026_on_a_saturday_is_observed_on_friday_july_3(us: BusinessCalendar) -> None:
    thu, fri, mon = date(2026, 7, 2), date(2026, 7, 3), date(2026, 7, 6)
    assert not us.is_business_day(fri)
    assert not us.is_business_day(date(2026, 7, 4))
    assert us.business_days_between(thu, mon) == 1
    assert us.next_business_day(fri) == mon
    assert us.add_business_days(thu, 1) == mon


def test_next_business_day_is_the_day_itself_when_it_is_one(us: BusinessCalendar) -> None:
    assert us.next_business_day(WED_NOV_25) == WED_NOV_25
    assert us.next_business_day(THANKSGIVING) == FRI_NOV_27
    assert us.next_business_day(date(2026, 11, 28)) == MON_NOV_30


def test_add_business_days_skips_holidays_and_weekends(us: BusinessCalendar) -> None:
    assert us.add_business_days(WED_NOV_25, 1) == FRI_NOV_27
    assert us.add_business_days(WED_NOV_25, 2) == MON_NOV_30
    assert us.add_business_days(WED_NOV_25, 0) == WED_NOV_25
    assert BusinessCalendar("US", "CA").add_business_days(WED_NOV_25, 1) == MON_NOV_30


def test_add_business_days_agrees_with_business_days_between(us: BusinessCalendar) -> None:
    start = date(2026, 12, 18)
    for n in range(1, 15):
        assert us.business_days_between(start, us.add_business_days(start, n)) == n


def test_counting_across_new_year_uses_both_years_holidays(us: BusinessCalendar) -> None:
    # Fri Dec 25 2026 and Fri Jan 1 2027 are holidays; Dec 28-31 and Mon Jan 4 count.
    assert us.business_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 5
    # New Year's Day 2028 is a Saturday; it is observed on Fri Dec 31 2027.
    assert not us.is_business_day(date(2027, 12, 31))
    assert us.business_days_between(date(2027, 12, 30), date(2028, 1, 3)) == 1


@pytest.mark.parametrize("end", [WED_NOV_25, date(2026, 11, 20)])
def test_end_on_or_before_start_gives_zero(us: BusinessCalendar, end: date) -> None:
    assert us.business_days_between(WED_NOV_25, end) == 0
    assert us.days_between(WED_NOV_25, end, business=False) == 0
    assert us.days_between(WED_NOV_25, end, business=True) == 0


def test_unknown_country_is_a_policy_error_naming_it() -> None:
    with pytest.raises(PolicyError, match="calendar.country 'XX'"):
        BusinessCalendar("XX")


def test_unknown_subdivision_is_a_policy_error_naming_the_subdivision() -> None:
    with pytest.raises(PolicyError) as info:
        BusinessCalendar("US", "ZZ")
    assert "calendar.subdivision 'ZZ'" in str(info.value)
    assert "calendar.country" not in str(info.value)
