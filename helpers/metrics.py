"""Bedrock usage per profile from CloudWatch, in as few GetMetricData calls as possible.

Bedrock publishes ``AWS/Bedrock`` metrics with one dimension, ``ModelId``; for an application
inference profile its value is the profile ID (public dashboards and samples key on it; AWS does
not say so in one sentence). That choice lives in ``dimension_value`` alone. The seed's
``InvocationCount``, ``ProcessingTime``, ``TokenCount`` and ``InferenceProfileName`` do not exist.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from .errors import InputError, explained

if TYPE_CHECKING:
    import pandas as pd

    from .aws import Connection
    from .profiles import Profile

NAMESPACE = "AWS/Bedrock"
DIMENSION = "ModelId"
STATISTIC = {  # the statistic that makes sense for each metric
    "Invocations": "Sum",
    "InputTokenCount": "Sum",
    "OutputTokenCount": "Sum",
    "InvocationLatency": "Average",
    "InvocationClientErrors": "Sum",
    "InvocationServerErrors": "Sum",
    "InvocationThrottles": "Sum",
}
DEFAULT_METRICS = (
    "Invocations",
    "InputTokenCount",
    "OutputTokenCount",
    "InvocationLatency",
    "InvocationClientErrors",
    "InvocationThrottles",
)
QUERIES_PER_CALL = 500  # GetMetricData's limit


def dimension_value(profile: Profile) -> str:
    """The ModelId value Bedrock records an application profile's calls under."""
    return profile.profile_id


def build_queries(
    profiles: list[Profile], metrics: tuple[str, ...] = DEFAULT_METRICS, period: int = 86400
) -> list[dict]:
    """One MetricStat query per profile and metric; the Id encodes both for the way back."""
    unknown = [m for m in metrics if m not in STATISTIC]
    if unknown:
        raise InputError(
            f"Unknown Bedrock metric(s): {', '.join(unknown)}.",
            f"use some of {', '.join(STATISTIC)}.",
        )
    queries = []
    for p_index, profile in enumerate(profiles):
        for m_index, metric in enumerate(metrics):
            queries.append(
                {
                    "Id": f"p{p_index}_m{m_index}",
                    "Label": f"{profile.name} {metric}",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": NAMESPACE,
                            "MetricName": metric,
                            "Dimensions": [{"Name": DIMENSION, "Value": dimension_value(profile)}],
                        },
                        "Period": period,
                        "Stat": STATISTIC[metric],
                    },
                    "ReturnData": True,
                }
            )
    return queries


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def usage(
    conn: Connection,
    profiles: list[Profile],
    start: datetime,
    end: datetime,
    period: int = 86400,
    metrics: tuple[str, ...] = DEFAULT_METRICS,
) -> pd.DataFrame:
    """Tidy usage: one row per profile, metric and period with data.

    Up to 500 queries go in one GetMetricData call; pages (NextToken) are followed.
    """
    import pandas as pd

    start, end = _utc(start), _utc(end)
    if start >= end:
        raise InputError(
            f"The metric window is empty: start {start:%Y-%m-%d %H:%M} is not "
            f"before end {end:%Y-%m-%d %H:%M}.",
            "give a start before the end.",
        )
    if period < 60 or period % 60:
        raise InputError(
            f"period must be a multiple of 60 seconds, not {period}.",
            "use 3600 (hourly) or 86400 (daily).",
        )
    queries = build_queries(profiles, metrics, period)
    by_id = {f"p{i}": p for i, p in enumerate(profiles)}
    rows = []
    paginator = conn.cloudwatch.get_paginator("get_metric_data")
    for offset in range(0, len(queries), QUERIES_PER_CALL):
        batch = queries[offset : offset + QUERIES_PER_CALL]
        with explained("read Bedrock metrics from CloudWatch (cloudwatch:GetMetricData)"):
            for page in paginator.paginate(
                MetricDataQueries=batch, StartTime=start, EndTime=end, ScanBy="TimestampAscending"
            ):
                for result in page["MetricDataResults"]:
                    p_key, m_key = result["Id"].split("_")
                    profile = by_id[p_key]
                    metric = metrics[int(m_key[1:])]
                    for when, value in zip(result["Timestamps"], result["Values"], strict=True):
                        rows.append(
                            {
                                "profile": profile.name,
                                "profile_id": profile.profile_id,
                                "metric": metric,
                                "statistic": STATISTIC[metric],
                                "timestamp": when,
                                "value": value,
                            }
                        )
    frame = pd.DataFrame(
        rows, columns=["profile", "profile_id", "metric", "statistic", "timestamp", "value"]
    )
    return frame.sort_values(["profile", "metric", "timestamp"], kind="stable").reset_index(
        drop=True
    )
