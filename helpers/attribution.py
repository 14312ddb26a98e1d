"""Who made these calls? What CloudWatch can tell apart, and what it cannot.

``01_create_profiles`` opens with the problem application profiles solve: two departments that
call one system-defined profile land in one ``AWS/Bedrock`` series (its only dimension is
``ModelId``) and in one untagged bill line. These helpers pick that shared ID from
``config.json``, build the ``GetMetricData`` request the notebook prints, send it (waiting for
CloudWatch on AWS) and total the answer per ``ModelId``.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from .errors import explained
from .i18n import _
from .metrics import metric_query

if TYPE_CHECKING:
    import pandas as pd

    from .aws import Connection
    from .config import WorkshopConfig

# metric name -> the column it becomes (token counts end in _tokens, so tables show integers)
COLUMNS = {
    "Invocations": "invocations",
    "InputTokenCount": "input_tokens",
    "OutputTokenCount": "output_tokens",
}
# Placeholder names when config.json tags fewer than two departments.
SPARE_DEPARTMENTS = ("team_a", "team_b")


def shared_source(cfg: WorkshopConfig) -> str | None:
    """The ID two departments would share: the first system-defined profile in ``profiles``,
    else the first foundation model; None when ``config.json`` lists no profiles to create."""
    specs = list(cfg.profiles)
    if not specs:
        return None
    chosen = next((s for s in specs if s.copies_system_profile), specs[0])
    return chosen.copy_from.rsplit("/", 1)[-1]  # an ARN's ID: CloudWatch records the ID


def departments(cfg: WorkshopConfig, count: int = 2) -> list[str]:
    """The first ``count`` distinct departments (``tag_key`` values) in ``profiles``' order,
    topped up with placeholder names when fewer are configured."""
    found: list[str] = []
    for spec in cfg.profiles:
        value = spec.tags.get(cfg.tag_key)
        if value and value not in found:
            found.append(value)
    spare = [name for name in SPARE_DEPARTMENTS if name not in found]
    return (found + spare)[:count]


def window_start(moment: datetime | None = None) -> datetime:
    """The start of the minute ``moment`` falls in (UTC): CloudWatch's 60-second periods
    begin on the minute, so a window starts there."""
    moment = moment or datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).replace(second=0, microsecond=0)


def metric_request(
    model_ids: list[str], start: datetime, end: datetime | None = None, period: int = 60
) -> dict[str, Any]:
    """The GetMetricData request: the sum of each metric in ``COLUMNS`` per ModelId, per minute.

    ``end`` defaults to two minutes from now, so the minute in progress is included.
    """
    end = end or window_start() + timedelta(minutes=2)
    queries = []
    for i, model_id in enumerate(model_ids):
        for j, metric in enumerate(COLUMNS):
            queries.append(
                metric_query(f"m{i}_{j}", f"{model_id} {metric}", metric, model_id, period)
            )
    return {"MetricDataQueries": queries, "StartTime": start, "EndTime": end}


def per_model_id(response: dict[str, Any], model_ids: list[str]) -> pd.DataFrame:
    """One row per ModelId asked for (column ``ModelId``): each metric summed over the window,
    0 where CloudWatch has no datapoint."""
    import pandas as pd

    totals = {model_id: dict.fromkeys(COLUMNS.values(), 0) for model_id in model_ids}
    metrics = list(COLUMNS)
    for result in response.get("MetricDataResults", []):
        i, j = (int(part) for part in result["Id"][1:].split("_"))  # "m{i}_{j}"
        column = COLUMNS[metrics[j]]
        totals[model_ids[i]][column] += round(sum(result.get("Values", [])))
    rows = [{"ModelId": model_id, **values} for model_id, values in totals.items()]
    return pd.DataFrame(rows, columns=["ModelId", *COLUMNS.values()])


def calls_seen(
    conn: Connection,
    request: dict[str, Any],
    model_ids: list[str],
    expected: dict[str, int],
    wait_seconds: float = 0.0,
    poll_seconds: float = 15.0,
) -> pd.DataFrame:
    """Send ``request`` (cloudwatch:GetMetricData) until every ModelId shows at least its
    expected calls or ``wait_seconds`` pass; the last answer, totalled by ``per_model_id``.

    CloudWatch publishes Bedrock's datapoints about a minute after the calls; the stand-in at
    once. Running out of time is not an error: the table then shows what has arrived.
    """
    deadline = time.monotonic() + max(0.0, float(wait_seconds))
    while True:
        with explained(_("read Bedrock metrics from CloudWatch (cloudwatch:GetMetricData)")):
            response = conn.cloudwatch.get_metric_data(**request)
        table = per_model_id(response, model_ids)
        seen = dict(zip(table["ModelId"], table["invocations"], strict=True))
        if all(seen[m] >= n for m, n in expected.items()) or time.monotonic() >= deadline:
            return table
        time.sleep(max(0.1, min(poll_seconds, deadline - time.monotonic())))


def cli_command(request: dict[str, Any], region: str) -> str:
    """The AWS CLI command that reads the request's first metric (GetMetricStatistics)."""
    stat = request["MetricDataQueries"][0]["MetricStat"]
    metric = stat["Metric"]
    dimensions = " ".join(f"Name={d['Name']},Value={d['Value']}" for d in metric["Dimensions"])
    return " \\\n".join(
        [
            f"aws cloudwatch get-metric-statistics --region {region}",
            f"  --namespace {metric['Namespace']} --metric-name {metric['MetricName']}",
            f"  --dimensions {dimensions}",
            f"  --statistics {stat['Stat']} --period {stat['Period']}",
            f"  --start-time {request['StartTime']:%Y-%m-%dT%H:%M:%SZ}"
            f" --end-time {request['EndTime']:%Y-%m-%dT%H:%M:%SZ}",
        ]
    )
