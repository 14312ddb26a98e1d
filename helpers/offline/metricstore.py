"""The ``AWS/Bedrock`` metric store: series keyed by metric and dimensions, one bucket a minute.

moto keeps metric data in one list and scans it once per query and period, far too slow for a
month of usage across hundreds of profiles. The runtime and the synthetic history write here
(one store per account and region, kept in ``accounts.py``); ``cloudwatch.py`` answers from it.
"""

from __future__ import annotations

import bisect
import math
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .errors import InvalidParameterValue

BASIC_STATS = ("SampleCount", "Sum", "Average", "Minimum", "Maximum")
_PERCENTILE = re.compile(r"p(\d{1,2}(?:\.\d+)?|100)")
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

DimensionKey = tuple[tuple[str, str], ...]


def aware_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _minute(value: datetime) -> int:
    return int((aware_utc(value) - EPOCH).total_seconds() // 60)


@dataclass
class Bucket:
    """One minute of one series: a statistic set, plus raw values while they are known."""

    sum: float = 0.0
    count: float = 0.0
    minimum: float = math.inf
    maximum: float = -math.inf
    values: list[float] | None = field(default_factory=list)

    def add(self, value: float) -> None:
        self.sum += value
        self.count += 1
        self.minimum = min(self.minimum, value)
        self.maximum = max(self.maximum, value)
        if self.values is not None:
            self.values.append(value)

    def add_set(self, total: float, count: float, minimum: float, maximum: float) -> None:
        self.sum += total
        self.count += count
        self.minimum = min(self.minimum, minimum)
        self.maximum = max(self.maximum, maximum)
        if count == 1 or minimum == maximum:
            if self.values is not None:
                self.values.extend([minimum] * int(count))
        else:  # CloudWatch cannot give percentiles over statistic sets
            self.values = None


@dataclass
class Series:
    unit: str
    buckets: dict[int, Bucket] = field(default_factory=dict)
    _keys: list[int] = field(default_factory=list)
    _dirty: bool = False

    def bucket(self, minute: int) -> Bucket:
        found = self.buckets.get(minute)
        if found is None:
            found = self.buckets[minute] = Bucket()
            self._dirty = True
        return found

    def keys_between(self, start: int, end: int) -> list[int]:
        if self._dirty:
            self._keys = sorted(self.buckets)
            self._dirty = False
        return self._keys[
            bisect.bisect_left(self._keys, start) : bisect.bisect_left(self._keys, end)
        ]


def _statistic(stat: str, buckets: list[Bucket]) -> float | None:
    total = sum(b.sum for b in buckets)
    count = sum(b.count for b in buckets)
    if stat == "Sum":
        return total
    if stat == "SampleCount":
        return count
    if stat == "Average":
        return total / count if count else None
    if stat == "Minimum":
        return min(b.minimum for b in buckets)
    if stat == "Maximum":
        return max(b.maximum for b in buckets)
    match = _PERCENTILE.fullmatch(stat)
    if match:
        if any(b.values is None for b in buckets):
            return None
        values = sorted(v for b in buckets for v in b.values or [])
        if not values:
            return None
        rank = max(0, math.ceil(float(match[1]) / 100 * len(values)) - 1)
        return values[rank]
    raise InvalidParameterValue(
        f"The offline stand-in computes {', '.join(BASIC_STATS)} and percentiles (pNN); "
        f"'{stat}' is not supported offline."
    )


def check_statistic(stat: str) -> None:
    if stat not in BASIC_STATS and not _PERCENTILE.fullmatch(stat):
        _statistic(stat, [])


class MetricStore:
    """The ``AWS/Bedrock`` series of one account and region."""

    def __init__(self) -> None:
        self.series: dict[tuple[str, DimensionKey], Series] = {}
        self.lock = threading.Lock()

    @staticmethod
    def key(metric: str, dimensions: dict[str, str]) -> tuple[str, DimensionKey]:
        return metric, tuple(sorted(dimensions.items()))

    def put(
        self, metric: str, dimensions: dict[str, str], value: float, when: datetime, unit: str
    ) -> None:
        with self.lock:
            series = self.series.setdefault(self.key(metric, dimensions), Series(unit))
            series.bucket(_minute(when)).add(float(value))

    def put_set(
        self,
        metric: str,
        dimensions: dict[str, str],
        when: datetime,
        unit: str,
        *,
        total: float,
        count: float,
        minimum: float,
        maximum: float,
    ) -> None:
        with self.lock:
            series = self.series.setdefault(self.key(metric, dimensions), Series(unit))
            series.bucket(_minute(when)).add_set(total, count, minimum, maximum)

    def metrics(self) -> list[tuple[str, DimensionKey]]:
        with self.lock:
            return sorted(self.series)

    def query(
        self,
        metric: str,
        dimensions: dict[str, str],
        start: datetime,
        end: datetime,
        period: int,
        stat: str,
        unit: str | None = None,
    ) -> list[tuple[datetime, float]]:
        """(timestamp, value) per period with data, oldest first, aligned to ``start``."""
        check_statistic(stat)
        with self.lock:
            series = self.series.get(self.key(metric, dimensions))
            if series is None or (unit and unit != series.unit):
                return []
            first, last = _minute(start), math.ceil((aware_utc(end) - EPOCH).total_seconds() / 60)
            grouped: dict[int, list[Bucket]] = {}
            start_seconds = (aware_utc(start) - EPOCH).total_seconds()
            for minute in series.keys_between(first, last):
                index = int((minute * 60 - start_seconds) // period)
                grouped.setdefault(index, []).append(series.buckets[minute])
        out = []
        for index in sorted(grouped):
            value = _statistic(stat, grouped[index])
            if value is not None:
                out.append((aware_utc(start) + timedelta(seconds=index * period), value))
        return out
