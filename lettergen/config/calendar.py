"""Calendar and business-day arithmetic with public holidays from the ``holidays`` package."""

from __future__ import annotations

import bisect
from datetime import date, timedelta
from functools import lru_cache

import holidays as _holidays

from lettergen.errors import PolicyError


@lru_cache(maxsize=64)
def _holiday_dates(country: str, subdivision: str | None, first_year: int, last_year: int) -> tuple[date, ...]:
    if country not in _holidays.list_supported_countries():
        raise PolicyError(f"policy: calendar.country '{country}' has no holiday calendar; use an ISO code such as US, GB or DE.")
    try:
        cal = _holidays.country_holidays(country, subdiv=subdivision, years=range(first_year, last_year + 1))
    except Exception as exc:  # holidays raises NotImplementedError/ValueError for unknown subdivisions
        raise PolicyError(f"policy: calendar.subdivision '{subdivision}' is not known for {country} ({exc}).") from None
    return tuple(sorted(d for d in cal if d.weekday() < 5))


class BusinessCalendar:
    """Weekdays that are not public holidays of ``country`` (and ``subdivision``, e.g. a US state)."""

    def __init__(self, country: str = "US", subdivision: str | None = None) -> None:
        self.country = country
        self.subdivision = subdivision
        _holiday_dates(country, subdivision, 2000, 2000)  # validate now, not mid-batch

    def _holidays_between(self, start: date, end: date) -> int:
        """Weekday holidays d with start < d <= end."""
        hol = _holiday_dates(self.country, self.subdivision, start.year, end.year)
        return bisect.bisect_right(hol, end) - bisect.bisect_right(hol, start)

    def is_business_day(self, d: date) -> bool:
        if d.weekday() >= 5:
            return False
        hol = _holiday_dates(self.country, self.subdivision, d.year, d.year)
        i = bisect.bisect_left(hol, d)
        return not (i < len(hol) and hol[i] == d)

    def business_days_between(self, start: date, end: date) -> int:
        """Business days d with start < d <= end (0 when end <= start)."""
        if end <= start:
            return 0
        return _weekdays_between(start, end) - self._holidays_between(start, end)

    def days_between(self, start: date, end: date, business: bool) -> int:
        if business:
            return self.business_days_between(start, end)
        return max(0, (end - start).days)

    def next_business_day(self, d: date) -> date:
        """``d`` itself if it is a business day, else the next one."""
        while not self.is_business_day(d):
            d += timedelta(days=1)
        return d

    def add_business_days(self, d: date, n: int) -> date:
        """The ``n``-th business day after ``d``."""
        while n > 0:
            d += timedelta(days=1)
            if self.is_business_day(d):
                n -= 1
        return d


def _weekdays_between(start: date, end: date) -> int:
    """Mon-Fri days d with start < d <= end."""
    days = (end - start).days
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * 5
    wd = start.weekday()
    for i in range(1, rest + 1):
        if (wd + i) % 7 < 5:
            count += 1
    return count
