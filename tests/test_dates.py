"""helpers/dates.py: the one home of calendar arithmetic for the helpers and the stand-in."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from helpers import dates


def test_utc_midnight_reads_an_aware_time_in_utc_before_cutting_it_to_its_day():
    new_york_evening = datetime(2026, 3, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert dates.utc_midnight(new_york_evening) == datetime(2026, 3, 2, tzinfo=timezone.utc)
    assert dates.utc_midnight(date(2026, 2, 28)) == datetime(2026, 2, 28, tzinfo=timezone.utc)
    assert dates.utc_midnight(datetime(2026, 2, 28, 23, 59)) == datetime(
        2026, 2, 28, tzinfo=timezone.utc
    )


def test_utc_today_is_the_utc_date():
    before = datetime.now(timezone.utc).date()
    today = dates.utc_today()
    assert today in (before, before + timedelta(days=1))
