"""Bedrock usage per profile from CloudWatch, in as few GetMetricData calls as possible.

Bedrock publishes ``AWS/Bedrock`` metrics with one dimension, ``ModelId``; for an application
inference profile its value is the profile ID (public dashboards and samples key on it; AWS does
not say so in one sentence). That choice lives in ``dimension_value`` alone. The seed's
``InvocationCount``, ``ProcessingTime``, ``TokenCount`` and ``InferenceProfileName`` do not exist.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, cast

from . import dates
from .errors import InputError, explained
from .i18n import _

if TYPE_CHECKING:
    import pandas as pd

    from .aws import Connection
    from .profiles import Profile

NAMESPACE = "AWS/Bedrock"
DIMENSION = "ModelId"
# The one place where Bedrock's runtime metric names live: name -> (unit, the statistic that
# makes sense). Source: the Bedrock user guide, "Runtime metrics"
# (docs.aws.amazon.com/bedrock/latest/userguide/monitoring-runtime-metrics.html). The offline
# stand-in records only these names, in these units.
METRICS = {
    "Invocations": ("Count", "Sum"),
    "InvocationLatency": ("Milliseconds", "Average"),  # until the last token
    "InvocationClientErrors": ("Count", "Sum"),
    "InvocationServerErrors": ("Count", "Sum"),
    "InvocationThrottles": ("Count", "Sum"),
    "InputTokenCount": ("Count", "Sum"),
    "OutputTokenCount": ("Count", "Sum"),
    # prompt caching; the invocation logs call these cacheRead/WriteInputTokenCount
    "CacheReadInputTokens": ("Count", "Sum"),
    "CacheWriteInputTokens": ("Count", "Sum"),
    "TimeToFirstToken": ("Milliseconds", "Average"),  # streaming calls only
    # input + cache writes + output x the model's burndown rate; an estimate, not the limit
    "EstimatedTPMQuotaUsage": ("Count", "Sum"),
    "LegacyModelInvocations": ("Count", "Sum"),  # calls to models in their Legacy state
}
STATISTIC = {name: statistic for name, (_, statistic) in METRICS.items()}
UNIT = {name: unit for name, (unit, _) in METRICS.items()}
DEFAULT_METRICS = (
    "Invocations",
    "InputTokenCount",
    "OutputTokenCount",
    "CacheReadInputTokens",
    "CacheWriteInputTokens",
    "InvocationLatency",
    "InvocationClientErrors",
    "InvocationThrottles",
)
QUERIES_PER_CALL = 500  # GetMetricData's limit


def metric_query(
    query_id: str, label: str, metric: str, model_id: str, period: int, stat: str = "Sum"
) -> dict:
    """One GetMetricDataQuery for a Bedrock metric of one ``ModelId``, as CloudWatch takes it."""
    return {
        "Id": query_id,
        "Label": label,
        "MetricStat": {
            "Metric": {
                "Namespace": NAMESPACE,
                "MetricName": metric,
                "Dimensions": [{"Name": DIMENSION, "Value": model_id}],
            },
            "Period": period,
            "Stat": stat,
        },
        "ReturnData": True,
    }


def dimension_value(profile: Profile) -> str:
    """The ModelId value Bedrock records an application profile's calls under."""
    return profile.profile_id


# Bedrock records a Priority or Flex call's metrics under the ModelId value with "+priority" /
# "+flex" appended (no separate dimension; service tiers page of the user guide)
TIER_SUFFIXES = {"default": "", "priority": "+priority", "flex": "+flex"}


def build_queries(
    profiles: list[Profile],
    metrics: tuple[str, ...] = DEFAULT_METRICS,
    period: int = 86400,
    tiers: dict[str, list[str]] | None = None,
) -> list[dict]:
    """One MetricStat query per profile and metric, and per service tier ``tiers`` lists for
    the profile's ID (Standard always); the Id encodes all three for the way back."""
    unknown = [m for m in metrics if m not in STATISTIC]
    if unknown:
        raise InputError(
            _("Unknown Bedrock metric(s): {unknown}.").format(unknown=", ".join(unknown)),
            _("use some of {statistic}.").format(statistic=", ".join(STATISTIC)),
        )
    names = list(TIER_SUFFIXES)
    queries = []
    for p_index, profile in enumerate(profiles):
        wanted = ["default", *(tiers or {}).get(profile.profile_id, [])]
        for m_index, metric in enumerate(metrics):
            for tier in wanted:
                suffix = TIER_SUFFIXES[tier]
                queries.append(
                    metric_query(
                        f"p{p_index}_m{m_index}_t{names.index(tier)}",
                        f"{profile.name} {metric}" + (f" ({tier})" if suffix else ""),
                        metric,
                        dimension_value(profile) + suffix,
                        period,
                        STATISTIC[metric],
                    )
                )
    return queries


def tiers_seen(conn: Connection, profiles: list[Profile]) -> dict[str, list[str]]:
    """The Priority and Flex series each profile has (cloudwatch:ListMetrics, every page).

    ListMetrics lists what had data in the last two weeks: a tier used only before that is
    not found, and its calls are missing from ``usage``."""
    ids = {dimension_value(p) for p in profiles}
    found: dict[str, set[str]] = {}
    with explained(_("list Bedrock metrics (cloudwatch:ListMetrics)")):
        pages = conn.cloudwatch.get_paginator("list_metrics").paginate(
            Namespace=NAMESPACE, MetricName="Invocations"
        )
        for page in pages:
            for metric in page["Metrics"]:
                for dimension in metric.get("Dimensions") or []:
                    base, _plus, tier = str(dimension.get("Value", "")).partition("+")
                    named = dimension.get("Name") == DIMENSION
                    if named and base in ids and tier in TIER_SUFFIXES and tier != "default":
                        found.setdefault(base, set()).add(tier)
    return {k: sorted(v) for k, v in found.items()}


def metric_results(
    conn: Connection, queries: list[dict], start: datetime, end: datetime
) -> list[dict]:
    """cloudwatch:GetMetricData for any number of queries: 500 to a call, every page followed.

    Returns the ``MetricDataResults`` of every call, in order.
    """
    results: list[dict] = []
    paginator = conn.cloudwatch.get_paginator("get_metric_data")
    for offset in range(0, len(queries), QUERIES_PER_CALL):
        batch = queries[offset : offset + QUERIES_PER_CALL]
        with explained(_("read Bedrock metrics from CloudWatch (cloudwatch:GetMetricData)")):
            for page in paginator.paginate(
                MetricDataQueries=batch, StartTime=start, EndTime=end, ScanBy="TimestampAscending"
            ):
                results += page["MetricDataResults"]
    return results


def usage(
    conn: Connection,
    profiles: list[Profile] | Profile,
    start: datetime | date | str,
    end: datetime | date | str,
    period: int = 86400,
    metrics: tuple[str, ...] = DEFAULT_METRICS,
) -> pd.DataFrame:
    """Tidy usage: one row per profile, metric, service tier and period with data.

    Priority and Flex calls are counted under their own ModelId values (``TIER_SUFFIXES``),
    queried for the profiles ListMetrics shows them for; ``service_tier`` says which
    ("default" for Standard).

    ``start`` and ``end`` are datetimes (naive ones read as UTC), dates or ISO strings; a date
    means its midnight UTC, so ``end`` excludes that day, as in Cost Explorer. Up to 500
    queries go in one GetMetricData call; pages (NextToken) are followed.
    """
    import pandas as pd

    start, end = dates.as_utc(start, "start"), dates.as_utc(end, "end")
    period = dates.as_whole_number(period, "period")
    if hasattr(profiles, "profile_id") or isinstance(profiles, str):  # one, not a list
        profiles = [cast("Profile", profiles)]  # a name is refused just below, with its fix
    profiles = list(profiles)
    named = [p for p in profiles if not hasattr(p, "profile_id")]
    if named:
        raise InputError(
            _("metrics.usage takes Profile objects, not {named!r}.").format(named=named[0]),
            _("resolve names first: [profiles.resolve(conn, name) for name in names]."),
        )
    if isinstance(metrics, str):  # one name, not its letters
        metrics = (metrics,)
    metrics = tuple(metrics)
    if start >= end:
        raise InputError(
            _(
                "The metric window is empty: start {start:%Y-%m-%d %H:%M} is not before end "
                "{end:%Y-%m-%d %H:%M}."
            ).format(start=start, end=end),
            _("give a start before the end."),
        )
    if period < 60 or period % 60:
        raise InputError(
            _("period must be a multiple of 60 seconds, not {period}.").format(period=period),
            _("use 3600 (hourly) or 86400 (daily)."),
        )
    queries = build_queries(profiles, metrics, period, tiers_seen(conn, profiles))
    by_id = {f"p{i}": p for i, p in enumerate(profiles)}
    rows = []
    tiers = list(TIER_SUFFIXES)
    for result in metric_results(conn, queries, start, end):
        p_key, m_key, t_key = result["Id"].split("_")
        profile = by_id[p_key]
        metric = metrics[int(m_key[1:])]
        for when, value in zip(result["Timestamps"], result["Values"], strict=True):
            rows.append(
                {
                    "profile": profile.name,
                    "profile_id": profile.profile_id,
                    "metric": metric,
                    "statistic": STATISTIC[metric],
                    "service_tier": tiers[int(t_key[1:])],
                    "timestamp": when,
                    "value": value,
                }
            )
    columns = ["profile", "profile_id", "metric", "statistic", "service_tier", "timestamp", "value"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(
        ["profile", "metric", "timestamp", "service_tier"], kind="stable"
    ).reset_index(drop=True)
