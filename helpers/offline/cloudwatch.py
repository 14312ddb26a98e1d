"""CloudWatch for Bedrock metrics: an indexed ``AWS/Bedrock`` store behind moto's CloudWatch.

Bedrock publishes ``AWS/Bedrock`` metrics itself; here the runtime records them. moto keeps
metric data in one list and scans it once per query and period, far too slow for a month of
usage across hundreds of profiles, so ``AWS/Bedrock`` series live in :class:`MetricStore`, keyed
by metric and dimensions with one bucket per minute. Every other namespace still goes to moto.
GetMetricData paginates on MaxDatapoints as CloudWatch does.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import json
import math
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import moto.cloudwatch.urls
from moto.cloudwatch.models import CloudWatchBackend
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult

from .errors import InvalidNextToken, InvalidParameterValue

NAMESPACE = "AWS/Bedrock"
AWS_JSON = "application/x-amz-json-1.0"
BASIC_STATS = ("SampleCount", "Sum", "Average", "Minimum", "Maximum")
_PERCENTILE = re.compile(r"p(\d{1,2}(?:\.\d+)?|100)")
DEFAULT_MAX_DATAPOINTS = 100_800
MAX_STATISTICS_DATAPOINTS = 1_440
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

DimensionKey = tuple[tuple[str, str], ...]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _minute(value: datetime) -> int:
    return int((_utc(value) - _EPOCH).total_seconds() // 60)


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


def _aligned_start(start: datetime, now: datetime) -> datetime:
    """CloudWatch rounds old start times down: 1 min (<15 d), 5 min (<63 d), else 1 hour."""
    age = now - start
    step = 60 if age < timedelta(days=15) else 300 if age < timedelta(days=63) else 3600
    seconds = int((start - _EPOCH).total_seconds())
    return _EPOCH + timedelta(seconds=seconds - seconds % step)


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
            first, last = _minute(start), math.ceil((_utc(end) - _EPOCH).total_seconds() / 60)
            grouped: dict[int, list[Bucket]] = {}
            start_seconds = (_utc(start) - _EPOCH).total_seconds()
            for minute in series.keys_between(first, last):
                index = int((minute * 60 - start_seconds) // period)
                grouped.setdefault(index, []).append(series.buckets[minute])
        out = []
        for index in sorted(grouped):
            value = _statistic(stat, grouped[index])
            if value is not None:
                out.append((_utc(start) + timedelta(seconds=index * period), value))
        return out


class StandinCloudWatchBackend(CloudWatchBackend):
    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.bedrock_metrics = MetricStore()

    @property
    def _url_module(self) -> Any:
        return moto.cloudwatch.urls

    def put_metric_alarm(self, name: str, **kwargs: Any) -> Any:
        """Create an alarm, or replace the configuration of one of that name.

        As on AWS, an update leaves the alarm's state, history and tags as they were: the
        ``Tags`` of the request count only when it creates the alarm.
        """
        before = self.alarms.get(name)
        if before is None:
            alarm = super().put_metric_alarm(name=name, **kwargs)
            alarm.state_value = "INSUFFICIENT_DATA"  # the stand-in never evaluates alarms
            return alarm
        kwargs["tags"] = None
        alarm = super().put_metric_alarm(name=name, **kwargs)
        alarm.history = before.history
        alarm.state_value = before.state_value
        alarm.state_reason = before.state_reason
        alarm.state_reason_data = before.state_reason_data
        alarm.state_updated_timestamp = before.state_updated_timestamp
        return alarm


def _dims(raw: list[dict[str, str]] | None) -> dict[str, str]:
    return {d["Name"]: d["Value"] for d in raw or []}


def _request_hash(params: dict[str, Any]) -> str:
    stable = {k: v for k, v in params.items() if k not in ("NextToken", "MaxDatapoints")}
    return hashlib.sha256(json.dumps(stable, sort_keys=True, default=str).encode()).hexdigest()[:16]


class StandinCloudWatchResponse(CloudWatchResponse):
    """Serves ``AWS/Bedrock`` from the metric store; everything else from moto."""

    @property
    def cloudwatch_backend(self) -> StandinCloudWatchBackend:
        return super().cloudwatch_backend  # type: ignore[return-value]

    def get_metric_data(self) -> ActionResult:
        params = self._get_params()
        queries = params.get("MetricDataQueries") or []
        if not queries:
            raise InvalidParameterValue("The parameter MetricDataQueries is required.")
        if len(queries) > 500:
            raise InvalidParameterValue(
                "The collection MetricDataQueries must not have a size greater than 500."
            )
        start, end = _utc(params["StartTime"]), _utc(params["EndTime"])
        if start >= end:
            raise InvalidParameterValue("The parameter StartTime must be less than EndTime.")
        scan_by = params.get("ScanBy") or "TimestampDescending"
        max_points = int(params.get("MaxDatapoints") or DEFAULT_MAX_DATAPOINTS)
        aligned = _aligned_start(start, datetime.now(timezone.utc))
        store = self.cloudwatch_backend.bedrock_metrics

        results: list[dict[str, Any]] = []
        by_id: dict[str, dict[str, Any]] = {}
        for query in queries:
            if "MetricStat" in query:
                stat = query["MetricStat"]
                metric = stat["Metric"]
                period = int(stat["Period"])
                if period < 1 or (period >= 60 and period % 60):
                    raise InvalidParameterValue(
                        "The parameter Period must be 1, 5, 10, 30 or a multiple of 60."
                    )
                if metric.get("Namespace") == NAMESPACE:
                    points = store.query(
                        metric["MetricName"],
                        _dims(metric.get("Dimensions")),
                        aligned,
                        end,
                        period,
                        stat["Stat"],
                        stat.get("Unit"),
                    )
                else:
                    points = self._from_moto(query, start, end)
                label = query.get("Label") or f"{metric['MetricName']}"
            elif "Expression" in query:
                referenced = by_id.get(query["Expression"].strip())
                if referenced is None:
                    raise InvalidParameterValue(
                        "The offline stand-in evaluates expressions that name another query's "
                        f"Id only; '{query['Expression']}' is not supported offline."
                    )
                points = list(referenced["points"])
                label = query.get("Label") or query["Id"]
            else:
                raise InvalidParameterValue(
                    "The parameter MetricDataQueries.member.1.MetricStat is required."
                )
            if scan_by == "TimestampDescending":
                points.reverse()
            entry = {
                "id": query["Id"],
                "label": label,
                "points": points,
                "return": query.get("ReturnData", True),
            }
            by_id[query["Id"]] = entry
            if entry["return"]:
                results.append(entry)

        # Page on MaxDatapoints, as CloudWatch does: a result cut short is PartialData.
        request = _request_hash(params)
        index, offset = self._decode_token(params.get("NextToken"), request)
        page: list[dict[str, Any]] = []
        budget = max_points
        next_token = None
        while index < len(results):
            entry = results[index]
            remaining = entry["points"][offset:]
            take = remaining[:budget]
            complete = len(take) == len(remaining)
            page.append(
                {
                    "Id": entry["id"],
                    "Label": entry["label"],
                    "Timestamps": [t for t, _ in take],
                    "Values": [v for _, v in take],
                    "StatusCode": "Complete" if complete else "PartialData",
                }
            )
            budget -= len(take)
            if not complete:
                next_token = self._encode_token(index, offset + len(take), request)
                break
            index, offset = index + 1, 0
            if budget == 0 and index < len(results):
                next_token = self._encode_token(index, 0, request)
                break
        result: dict[str, Any] = {"MetricDataResults": page, "Messages": []}
        if next_token:
            result["NextToken"] = next_token
        if self.headers.get("Content-Type", "").startswith(AWS_JSON):
            return self._json_answer(result)
        return ActionResult(result)

    @staticmethod
    def _json_answer(result: dict[str, Any]) -> tuple[int, dict[str, Any], str]:
        """The awsJson1_0 body written directly: moto's generic serializer takes ~0.2 s per
        500-query answer, the bulk of a large analysis. Same bytes on the wire (timestamps as
        epoch seconds); other protocols still go through moto's serializer."""
        for entry in result["MetricDataResults"]:
            entry["Timestamps"] = [t.timestamp() for t in entry["Timestamps"]]
        return 200, {"status": 200, "Content-Type": AWS_JSON}, json.dumps(result)

    def _from_moto(self, query: dict[str, Any], start: datetime, end: datetime):
        found = super_backend_get_metric_data(self.cloudwatch_backend, query, start, end)
        return list(zip(found["timestamps"], found["values"], strict=True))

    @staticmethod
    def _encode_token(index: int, offset: int, request: str) -> str:
        raw = json.dumps({"i": index, "o": offset, "r": request}).encode()
        return base64.urlsafe_b64encode(raw).decode()

    @staticmethod
    def _decode_token(token: str | None, request: str) -> tuple[int, int]:
        if not token:
            return 0, 0
        try:
            decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
            if decoded["r"] != request:
                raise ValueError("token from another request")
            return int(decoded["i"]), int(decoded["o"])
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidNextToken("The service cannot parse the NextToken.") from exc

    def get_metric_statistics(self) -> ActionResult:
        namespace = self._get_param("Namespace")
        if namespace != NAMESPACE:
            return super().get_metric_statistics()
        params = self._get_params()
        start, end = _utc(params["StartTime"]), _utc(params["EndTime"])
        if start >= end:
            raise InvalidParameterValue(
                "The parameter StartTime must be less than the parameter EndTime."
            )
        period = int(params["Period"])
        requested = math.ceil((end - start).total_seconds() / period)
        if requested > MAX_STATISTICS_DATAPOINTS:
            raise InvalidParameterValue(
                f"You have requested up to {requested:,} datapoints, which exceeds the limit "
                f"of {MAX_STATISTICS_DATAPOINTS:,}. You may reduce the datapoints requested by "
                "increasing Period, or decreasing the time range."
            )
        statistics = params.get("Statistics") or []
        extended = params.get("ExtendedStatistics") or []
        if not statistics and not extended:
            raise InvalidParameterValue("Must specify either Statistics or ExtendedStatistics")
        store = self.cloudwatch_backend.bedrock_metrics
        dims = _dims(params.get("Dimensions"))
        metric, unit = params["MetricName"], params.get("Unit")
        aligned = _aligned_start(start, datetime.now(timezone.utc))
        series = store.series.get(store.key(metric, dims))
        rows: dict[datetime, dict[str, Any]] = {}
        for stat in [*statistics, *extended]:
            for when, value in store.query(metric, dims, aligned, end, period, stat, unit):
                row = rows.setdefault(when, {"Timestamp": when, "Unit": series.unit})
                if stat in BASIC_STATS:
                    row[stat] = value
                else:
                    row.setdefault("ExtendedStatistics", {})[stat] = value
        return ActionResult({"Label": metric, "Datapoints": [rows[t] for t in sorted(rows)]})

    def list_metrics(self) -> ActionResult:
        namespace = self._get_param("Namespace")
        if namespace not in (None, NAMESPACE):
            return super().list_metrics()
        metric_name = self._get_param("MetricName")
        wanted = _dims(
            [d for d in self._get_params().get("Dimensions") or [] if d.get("Value") is not None]
        )
        wanted_names = {d["Name"] for d in self._get_params().get("Dimensions") or []}
        metrics = []
        for name, dims in self.cloudwatch_backend.bedrock_metrics.metrics():
            have = dict(dims)
            if metric_name and name != metric_name:
                continue
            if not wanted_names <= set(have) or any(have[k] != v for k, v in wanted.items()):
                continue
            metrics.append(
                {
                    "Namespace": NAMESPACE,
                    "MetricName": name,
                    "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
                }
            )
        if namespace is None:
            others = super().list_metrics().result  # type: ignore[attr-defined]
            metrics.extend(others.get("Metrics") or [])
        return ActionResult({"Metrics": metrics})


def super_backend_get_metric_data(
    backend: CloudWatchBackend, query: dict[str, Any], start: datetime, end: datetime
) -> dict[str, Any]:
    """One MetricStat query answered by moto's own (unindexed) implementation."""
    naive_start, naive_end = start.replace(tzinfo=None), end.replace(tzinfo=None)  # moto's own
    found = CloudWatchBackend.get_metric_data(
        backend, [query], naive_start, naive_end, "TimestampAscending"
    )
    return found[0] if found else {"timestamps": [], "values": []}
