"""CloudWatch for Bedrock metrics: an indexed ``AWS/Bedrock`` store behind moto's CloudWatch.

Bedrock publishes ``AWS/Bedrock`` metrics itself; here the runtime records them. moto keeps
metric data in one list and scans it once per query and period, far too slow for a month of
usage across hundreds of profiles, so ``AWS/Bedrock`` series live in the account's metric store
(``metricstore.py``, kept in ``accounts.py``), keyed by metric and dimensions with one bucket per
minute. Every other namespace still goes to moto. GetMetricData paginates on MaxDatapoints as
CloudWatch does, and evaluates SEARCH and metric math expressions (``metric_search.py``) over
the ``AWS/Bedrock`` store.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from typing import Any

from . import metric_search, paging
from .accounts import account_state
from .errors import InvalidNextToken, InvalidParameterValue
from .metricstore import BASIC_STATS, EPOCH, MetricStore, aware_utc, check_statistic
from .moto_glue import (
    ActionResult,
    CloudWatchBackend,
    CloudWatchResponse,
    StandinBackend,
    action_result,
    existing_alarm,
    keep_alarm_state,
    moto_metric_data,
    set_alarm_state,
)

NAMESPACE = "AWS/Bedrock"
AWS_JSON = "application/x-amz-json-1.0"
DEFAULT_MAX_DATAPOINTS = 100_800
MAX_STATISTICS_DATAPOINTS = 1_440


def _aligned_start(start: datetime, now: datetime) -> datetime:
    """CloudWatch rounds old start times down: 1 min (<15 d), 5 min (<63 d), else 1 hour."""
    age = now - start
    step = 60 if age < timedelta(days=15) else 300 if age < timedelta(days=63) else 3600
    seconds = int((start - EPOCH).total_seconds())
    return EPOCH + timedelta(seconds=seconds - seconds % step)


class StandinCloudWatchBackend(StandinBackend, CloudWatchBackend):
    MOTO_SERVICE = "cloudwatch"

    def put_metric_alarm(self, name: str, **kwargs: Any) -> Any:
        """Create an alarm, or replace the configuration of one of that name.

        As on AWS, an update leaves the alarm's state, history and tags as they were: the
        ``Tags`` of the request count only when it creates the alarm.
        """
        before = existing_alarm(self, name)
        if before is None:
            alarm = super().put_metric_alarm(name=name, **kwargs)
            set_alarm_state(alarm, "INSUFFICIENT_DATA")  # the stand-in never evaluates alarms
            return alarm
        kwargs["tags"] = None
        alarm = super().put_metric_alarm(name=name, **kwargs)
        keep_alarm_state(alarm, before)
        return alarm


def _dims(raw: list[dict[str, str]] | None) -> dict[str, str]:
    return {d["Name"]: d["Value"] for d in raw or []}


def _bad_token() -> InvalidNextToken:
    return InvalidNextToken("The service cannot parse the NextToken.")


def _check_period(period: int) -> None:
    if period < 1 or (period >= 60 and period % 60):
        raise InvalidParameterValue(
            "The parameter Period must be 1, 5, 10, 30 or a multiple of 60."
        )


class _Resolver:
    """Each query's series, computed once and on demand: an expression may name a query that
    comes after it, and METRICS() takes every MetricStat query, returned or not."""

    def __init__(
        self,
        response: StandinCloudWatchResponse,
        queries: list[dict[str, Any]],
        aligned: datetime,
        start: datetime,
        end: datetime,
        store: MetricStore,
    ) -> None:
        self.response = response
        self.aligned, self.start, self.end = aligned, start, end
        self.store = store
        self.queries: dict[str, dict[str, Any]] = {}
        self.parsed: dict[str, metric_search.Node] = {}
        searches = 0
        for number, query in enumerate(queries, 1):
            if query["Id"] in self.queries:
                raise InvalidParameterValue(
                    f"The value {query['Id']} for field Id in MetricDataQueries is not unique."
                )
            self.queries[query["Id"]] = query
            if "MetricStat" in query and "Expression" in query:
                raise InvalidParameterValue(
                    f"The parameter MetricDataQueries.member.{number} must contain either "
                    "MetricStat or Expression, not both."
                )
            if "Expression" in query:
                node = metric_search.parse_expression(query["Expression"])
                self.parsed[query["Id"]] = node
                searches += metric_search.count_searches(node)
            elif "MetricStat" not in query:
                raise InvalidParameterValue(
                    f"The parameter MetricDataQueries.member.{number}.MetricStat is required."
                )
        if searches > metric_search.MAX_SEARCHES:
            raise InvalidParameterValue(
                f"The request has {searches} SEARCH expressions; the limit is "
                f"{metric_search.MAX_SEARCHES}."
            )
        self.metric_ids = [i for i, q in self.queries.items() if "MetricStat" in q]
        self.done: dict[str, list[metric_search.Series]] = {}
        self.busy: set[str] = set()
        self.messages: list[dict[str, str]] = []

    def returned(self, query: dict[str, Any]) -> list[metric_search.Series]:
        """The series a query answers with, labelled as CloudWatch labels them."""
        series = self.resolve(query["Id"])
        if "MetricStat" in query:
            return series
        return metric_search.label_series(series, query.get("Label"), query["Id"])

    def resolve(self, query_id: str) -> list[metric_search.Series]:
        if query_id in self.done:
            return self.done[query_id]
        query = self.queries.get(query_id)
        if query is None:
            raise metric_search.ExpressionError(
                f"An expression names '{query_id}', which is not the Id of a query in this request."
            )
        if query_id in self.busy:
            raise metric_search.ExpressionError(
                f"The expression of '{query_id}' refers back to itself."
            )
        self.busy.add(query_id)
        try:
            found = self._metric(query) if "MetricStat" in query else self._expression(query)
        finally:
            self.busy.discard(query_id)
        self.done[query_id] = found
        return found

    def _metric(self, query: dict[str, Any]) -> list[metric_search.Series]:
        stat = query["MetricStat"]
        metric = stat["Metric"]
        period = int(stat["Period"])
        _check_period(period)
        if metric.get("Namespace") == NAMESPACE:
            points = self.store.query(
                metric["MetricName"],
                _dims(metric.get("Dimensions")),
                self.aligned,
                self.end,
                period,
                stat["Stat"],
                stat.get("Unit"),
            )
        else:
            points = self.response._from_moto(query, self.start, self.end)
        label = query.get("Label") or metric["MetricName"]
        if "${" in label:  # dynamic labels: the metric's own properties filled in
            dims = tuple(sorted(_dims(metric.get("Dimensions")).items()))
            found = metric_search.Metric(metric["Namespace"], metric["MetricName"], dims)
            one = metric_search.Series(metric["MetricName"], {}, found, stat["Stat"], period)
            label = metric_search.fill_label(label, one, query["Id"])
        return [metric_search.Series(label, dict(points))]

    def _expression(self, query: dict[str, Any]) -> list[metric_search.Series]:
        context = metric_search.Context(
            resolve=self.resolve,
            metric_ids=self.metric_ids,
            run_search=self._search,
            default_period=int(query["Period"]) if query.get("Period") else None,
        )
        value = metric_search.evaluate(self.parsed[query["Id"]], context)
        if isinstance(value, float):
            raise metric_search.ExpressionError(
                f"The expression of '{query['Id']}' gives a single number; the result of an "
                "expression must be a time series or an array of time series."
            )
        return [value] if isinstance(value, metric_search.Series) else value

    def _search(
        self, query: metric_search.SearchQuery, stat: str, period: int
    ) -> list[metric_search.Series]:
        """The ``AWS/Bedrock`` series the search finds that have data in the period."""
        check_statistic(stat)
        if query.namespace not in (None, NAMESPACE):
            return []  # the stand-in searches the AWS/Bedrock store only
        candidates = (
            metric_search.Metric(NAMESPACE, name, dims) for name, dims in self.store.metrics()
        )
        found: list[tuple[metric_search.Metric, list[tuple[datetime, float]]]] = []
        for metric in metric_search.search(query, candidates):
            points = self.store.query(
                metric.name, dict(metric.dimensions), self.aligned, self.end, period, stat
            )
            if points:
                found.append((metric, points))
        if len(found) > metric_search.MAX_SEARCH_RESULTS:
            found = found[: metric_search.MAX_SEARCH_RESULTS]
            self.messages.append(
                {
                    "Code": "MaxMetricsExceeded",
                    "Value": "Maximum number of allowed metrics exceeded",
                }
            )
        several = len({metric.name for metric, _ in found}) > 1
        return [
            metric_search.Series(
                metric_search.search_label(metric, query, several),
                dict(points),
                metric,
                stat,
                period,
            )
            for metric, points in found
        ]


class StandinCloudWatchResponse(CloudWatchResponse):
    """Serves ``AWS/Bedrock`` from the metric store; everything else from moto."""

    @property
    def cloudwatch_backend(self) -> StandinCloudWatchBackend:
        return super().cloudwatch_backend

    @property
    def bedrock_metrics(self) -> MetricStore:
        """The ``AWS/Bedrock`` series of the caller's account in this region."""
        return account_state(self.current_account).metrics(self.region)

    def get_metric_data(self) -> ActionResult:
        params = self._get_params()
        queries = params.get("MetricDataQueries") or []
        if not queries:
            raise InvalidParameterValue("The parameter MetricDataQueries is required.")
        if len(queries) > 500:
            raise InvalidParameterValue(
                "The collection MetricDataQueries must not have a size greater than 500."
            )
        start, end = aware_utc(params["StartTime"]), aware_utc(params["EndTime"])
        if start >= end:
            raise InvalidParameterValue("The parameter StartTime must be less than EndTime.")
        scan_by = params.get("ScanBy") or "TimestampDescending"
        max_points = int(params.get("MaxDatapoints") or DEFAULT_MAX_DATAPOINTS)
        aligned = _aligned_start(start, datetime.now(timezone.utc))
        store = self.bedrock_metrics

        resolver = _Resolver(self, queries, aligned, start, end, store)
        results: list[dict[str, Any]] = []
        for query in queries:
            if not query.get("ReturnData", True):
                continue  # computed only when an expression needs it
            for series in resolver.returned(query):
                points = series.sorted_points()
                if scan_by == "TimestampDescending":
                    points.reverse()
                results.append({"id": query["Id"], "label": series.label, "points": points})

        # Page on MaxDatapoints, as CloudWatch does: a result cut short is PartialData.
        request = paging.fingerprint(params, without=("NextToken", "MaxDatapoints"))
        index, offset = paging.decode(
            params.get("NextToken"), invalid=_bad_token(), length=2, request=request
        )
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
                next_token = paging.encode(index, offset + len(take), request=request)
                break
            index, offset = index + 1, 0
            if budget == 0 and index < len(results):
                next_token = paging.encode(index, 0, request=request)
                break
        result: dict[str, Any] = {"MetricDataResults": page, "Messages": resolver.messages}
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
        found = moto_metric_data(self.cloudwatch_backend, query, start, end)
        return list(zip(found["timestamps"], found["values"], strict=True))

    def get_metric_statistics(self) -> ActionResult:
        namespace = self._get_param("Namespace")
        if namespace != NAMESPACE:
            return super().get_metric_statistics()
        params = self._get_params()
        start, end = aware_utc(params["StartTime"]), aware_utc(params["EndTime"])
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
        store = self.bedrock_metrics
        dims = _dims(params.get("Dimensions"))
        metric, unit = params["MetricName"], params.get("Unit")
        aligned = _aligned_start(start, datetime.now(timezone.utc))
        rows: dict[datetime, dict[str, Any]] = {}
        for stat in [*statistics, *extended]:
            for when, value in store.query(metric, dims, aligned, end, period, stat, unit):
                # data came back, so its series exists (even if a call made it a moment ago)
                series = store.series[store.key(metric, dims)]
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
        for name, dims in self.bedrock_metrics.metrics():
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
            others = action_result(super().list_metrics())
            metrics.extend(others.get("Metrics") or [])
        return ActionResult({"Metrics": metrics})
