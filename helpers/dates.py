"""Calendar arithmetic and date arguments, in one place for the helpers and the stand-in.

Months are stepped with ``dateutil.relativedelta`` (calendar months), never as 31-day jumps:
``31 * (months - 1)`` days drifts by a month over a year. Arguments an analyst types (a
``date``, a ``datetime``, a pandas ``Timestamp``, an ISO string, a numpy integer, ``"7"``) are
read here too, so every helper accepts the same things and refuses the rest the same way.
"""

from __future__ import annotations

import numbers
from datetime import date, datetime, time, timezone
from typing import overload

from dateutil.relativedelta import relativedelta

from .errors import InputError
from .i18n import _

# Cost Explorer keeps 14 months of cost, counting the current one: on 2026-03-15 the oldest
# period it answers for starts on 2025-02-01.
COST_EXPLORER_MONTHS = 14
# StartCostAllocationTagBackfill reaches back at most 12 months, from the 1st of a month.
BACKFILL_MONTHS = 12


def utc_midnight(day: date) -> datetime:
    """The start of ``day`` in UTC (a datetime is first read in UTC, then cut to its day)."""
    if isinstance(day, datetime):
        day = (day.astimezone(timezone.utc) if day.tzinfo else day).date()
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def utc_today() -> date:
    """Today's date in UTC (AWS's billing and metric days are UTC days)."""
    return datetime.now(timezone.utc).date()


@overload
def month_start(day: datetime) -> datetime: ...
@overload
def month_start(day: date) -> date: ...
def month_start(day: date) -> date:
    """The 1st of ``day``'s month (at midnight, for a datetime)."""
    if isinstance(day, datetime):
        return day.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return day.replace(day=1)


@overload
def add_months(day: datetime, months: int) -> datetime: ...
@overload
def add_months(day: date, months: int) -> date: ...
def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months (the 31st becomes the month's last day)."""
    return day + relativedelta(months=months)


@overload
def next_month_start(day: datetime) -> datetime: ...
@overload
def next_month_start(day: date) -> date: ...
def next_month_start(day: date) -> date:
    """The 1st of the month after ``day``'s (the exclusive end of its month)."""
    return add_months(month_start(day), 1)


@overload
def cost_explorer_oldest(today: datetime) -> datetime: ...
@overload
def cost_explorer_oldest(today: date) -> date: ...
def cost_explorer_oldest(today: date) -> date:
    """The earliest start Cost Explorer accepts: the 1st, 13 months before this month's."""
    return add_months(month_start(today), -(COST_EXPLORER_MONTHS - 1))


@overload
def backfill_oldest(today: datetime) -> datetime: ...
@overload
def backfill_oldest(today: date) -> date: ...
def backfill_oldest(today: date) -> date:
    """The earliest BackfillFrom Cost Explorer accepts: the 1st, 12 months back."""
    return add_months(month_start(today), -BACKFILL_MONTHS)


def as_date(value: object, name: str) -> date:
    """A calendar date from a date, datetime, pandas Timestamp or ISO string."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if type(value).__name__ == "datetime64":  # numpy: through pandas, which reads it exactly
        import pandas as pd

        return pd.Timestamp(value).date()
    if isinstance(value, str):
        text = value.strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise InputError(
        _("{name} {value!r} is not a date.").format(name=name, value=value),
        _("write dates as YYYY-MM-DD (e.g. '2026-11-01'), or pass a datetime.date."),
    )


def as_utc(value: object, name: str) -> datetime:
    """A UTC datetime: a datetime (naive ones are read as UTC), a date (its midnight UTC), a
    pandas Timestamp, or an ISO string ('2026-11-01' or '2026-11-01T12:00:00Z')."""
    if isinstance(value, datetime):  # pandas Timestamp included
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    elif type(value).__name__ == "datetime64":
        import pandas as pd

        moment = pd.Timestamp(value).to_pydatetime()
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise InputError(
                _("{name} {value!r} is not a date or time.").format(name=name, value=value),
                _("write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, or pass a datetime."),
            ) from None
    else:
        raise InputError(
            _("{name} {value!r} is not a date or time.").format(name=name, value=value),
            _("pass a datetime, a datetime.date, or an ISO string such as '2026-11-01'."),
        )
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def as_whole_number(value: object, name: str) -> int:
    """A whole number from an int, a numpy integer, a float without a fraction or '7'."""
    text = value.strip() if isinstance(value, str) else None
    if isinstance(value, bool):  # True is 1 to Python, never to an analyst
        pass
    elif isinstance(value, numbers.Integral):  # ints, numpy ints
        return int(value)
    elif isinstance(value, numbers.Real) and float(value).is_integer():  # 7.0, numpy floats
        return int(float(value))
    elif text and text.isascii() and text.isdigit():
        return int(text)
    raise InputError(
        _("{name} must be a whole number, not {value!r}.").format(name=name, value=value),
        _("pass a number such as 7 ({name}=7).").format(name=name),
    )
