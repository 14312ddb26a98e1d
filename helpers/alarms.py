"""CloudWatch alarms on a profile's usage: tokens per hour and throttling, made idempotently.

    requests = alarms.alarm_requests(profile, cfg.owner_tag, cfg.tag_key, 200_000, topic_arn)
    alarms.ensure_alarms(conn, requests, cfg.owner_tag)    # created, updated or unchanged

An alarm watches the same ``AWS/Bedrock`` metric and dimension as ``metrics.usage`` reads; only
alarms carrying the workshop's ownership tag are ever changed or deleted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import ownership
from .budgets import positive_number
from .errors import explained
from .i18n import _
from .metrics import DIMENSION, NAMESPACE, dimension_value

if TYPE_CHECKING:
    import pandas as pd

    from .aws import Connection
    from .profiles import Profile

# What CloudWatch answers when an alarm to delete does not exist.
MISSING = ("ResourceNotFound", "ResourceNotFoundException")


def alarm_requests(
    profile: Profile,
    owner_tag: tuple[str, str],
    tag_key: str,
    tokens_per_hour: float,
    topic_arn: str | None = None,
) -> list[dict]:
    """PutMetricAlarm requests for a profile: tokens per hour, and any throttling.

    ``tokens_per_hour`` may be a number or text such as "200000". With ``topic_arn`` (an SNS
    topic in the alarm's region), each alarm notifies it on entering ALARM and on the all-clear
    (back to OK); without it, an alarm only changes state.
    """
    tokens_per_hour = positive_number(
        tokens_per_hour,
        _("tokens_per_hour (tokens_per_hour_alarm in 07_budgets_and_alerts)"),
        " tokens",
        _("set the alarm threshold in tokens per hour, e.g. tokens_per_hour_alarm=200000."),
    )
    dimensions = [{"Name": DIMENSION, "Value": dimension_value(profile)}]
    tags = [
        {"Key": owner_tag[0], "Value": owner_tag[1]},
        {"Key": tag_key, "Value": profile.tags.get(tag_key, "")},
    ]

    actions = {"AlarmActions": [topic_arn], "OKActions": [topic_arn]} if topic_arn else {}

    def token_query(query_id: str, metric: str) -> dict:
        return {
            "Id": query_id,
            "ReturnData": False,
            "MetricStat": {
                "Metric": {"Namespace": NAMESPACE, "MetricName": metric, "Dimensions": dimensions},
                "Period": 3600,
                "Stat": "Sum",
            },
        }

    return [
        {
            "AlarmName": f"{ownership.NAME_PREFIX}{profile.name}-tokens-per-hour",
            "AlarmDescription": f"Input + output tokens through {profile.name} above "
            f"{tokens_per_hour:,.0f} in an hour",
            "Metrics": [
                token_query("input", "InputTokenCount"),
                token_query("output", "OutputTokenCount"),
                {
                    "Id": "tokens",
                    "Expression": "input + output",
                    "Label": "Tokens per hour",
                    "ReturnData": True,
                },
            ],
            "ComparisonOperator": "GreaterThanThreshold",
            "Threshold": float(tokens_per_hour),
            "EvaluationPeriods": 1,
            "TreatMissingData": "notBreaching",
            **actions,
            "Tags": tags,
        },
        {
            "AlarmName": f"{ownership.NAME_PREFIX}{profile.name}-throttled",
            "AlarmDescription": f"Calls through {profile.name} were throttled",
            "Namespace": NAMESPACE,
            "MetricName": "InvocationThrottles",
            "Dimensions": dimensions,
            "Statistic": "Sum",
            "Period": 300,
            "EvaluationPeriods": 1,
            "Threshold": 0.0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            **actions,
            "Tags": tags,
        },
    ]


def _owned_alarm_arns(conn: Connection, owner_tag: tuple[str, str]) -> set[str]:
    """ARNs of the alarms carrying the ownership tag, 100 per tagging-API page."""
    owned: set[str] = set()
    with explained(_("find the workshop's alarms by tag (tag:GetResources)")):
        for page in conn.tagging.get_paginator("get_resources").paginate(
            ResourceTypeFilters=["cloudwatch:alarm"],
            ResourcesPerPage=100,
            TagFilters=[{"Key": owner_tag[0], "Values": [owner_tag[1]]}],
        ):
            owned.update(item["ResourceARN"] for item in page["ResourceTagMappingList"])
    return owned


def _existing_alarms(conn: Connection, names: list[str]) -> dict[str, dict]:
    """Name -> description of each alarm (metric or composite) already named in ``names``."""
    found: dict[str, dict] = {}
    paginator = conn.cloudwatch.get_paginator("describe_alarms")
    for offset in range(0, len(names), 100):  # DescribeAlarms takes up to 100 names
        with explained(_("look up alarms by name (cloudwatch:DescribeAlarms)")):
            for page in paginator.paginate(
                AlarmNames=names[offset : offset + 100],
                AlarmTypes=["MetricAlarm", "CompositeAlarm"],
            ):
                for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
                    found[alarm["AlarmName"]] = alarm
    return found


def _same(wanted: Any, described: Any) -> bool:
    """Whether a described alarm's value holds what the request asks (extra fields ignored)."""
    if isinstance(wanted, dict):
        return isinstance(described, dict) and all(
            _same(value, described.get(key)) for key, value in wanted.items()
        )
    if isinstance(wanted, list):
        return (
            isinstance(described, list)
            and len(wanted) == len(described)
            and all(_same(w, d) for w, d in zip(wanted, described, strict=True))
        )
    if isinstance(wanted, float) or isinstance(described, float):
        return described is not None and float(wanted) == float(described)
    return wanted == described


def alarm_matches(request: dict, alarm: dict) -> bool:
    """Whether an existing alarm already is what ``request`` (a PutMetricAlarm request) puts.

    Tags are left out (PutMetricAlarm ignores them on an existing alarm); the actions are
    compared whole, so an alarm that notifies a topic the request does not name differs.
    """
    wanted = {k: v for k, v in request.items() if k != "Tags"}
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        wanted.setdefault(key, [])
    return _same(
        wanted,
        {
            **alarm,
            **{
                k: alarm.get(k) or []
                for k in ("AlarmActions", "OKActions", "InsufficientDataActions")
            },
        },
    )


def ensure_alarms(
    conn: Connection,
    profiles: list[Profile],
    owner_tag: tuple[str, str],
    tag_key: str,
    tokens_per_hour: float,
    topic_arn: str | None = None,
) -> pd.DataFrame:
    """Put the alarms of every profile; an alarm of the same name that is not ours is kept.

    With ``topic_arn``, every alarm the workshop puts notifies that SNS topic.

    PutMetricAlarm replaces the whole configuration of an alarm of the same name (and ignores
    ``Tags`` then), so the workshop puts only alarms that do not exist or carry its tag, and
    an alarm of ours that already is as asked is left alone and reported ``unchanged``.
    """
    import pandas as pd

    planned = [
        (profile, request)
        for profile in profiles
        for request in alarm_requests(profile, owner_tag, tag_key, tokens_per_hour, topic_arn)
    ]
    existing = _existing_alarms(conn, [request["AlarmName"] for _, request in planned])
    owned = _owned_alarm_arns(conn, owner_tag) if existing else set()
    rows = []
    for profile, request in planned:
        name = request["AlarmName"]
        if name in existing and existing[name]["AlarmArn"] not in owned:
            action = f"{ownership.NOT_OURS} (no {owner_tag[0]}={owner_tag[1]} tag), unchanged"
        elif name in existing and alarm_matches(request, existing[name]):
            action = "unchanged"  # already as asked: nothing to put
        else:
            with explained(_("put the alarm {name} (cloudwatch:PutMetricAlarm)").format(name=name)):
                conn.cloudwatch.put_metric_alarm(**request)
            action = "updated" if name in existing else "created"
        rows.append(
            {
                "alarm": name,
                "profile": profile.name,
                "watches": request.get("MetricName", "InputTokenCount + OutputTokenCount"),
                "threshold": request["Threshold"],
                "notifies": _("unchanged (not ours)")
                if action.startswith(ownership.NOT_OURS)
                else ", ".join(request.get("AlarmActions", [])) or "nobody",
                "action": action,
            }
        )
    return pd.DataFrame(
        rows, columns=["alarm", "profile", "watches", "threshold", "notifies", "action"]
    )


def alarms_table(conn: Connection, owner_tag: tuple[str, str]) -> pd.DataFrame:
    """Every metric alarm with its state and whether the workshop owns it (tags in bulk)."""
    import pandas as pd

    owned = _owned_alarm_arns(conn, owner_tag)
    rows = []
    with explained(_("list alarms (cloudwatch:DescribeAlarms)")):
        for page in conn.cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmTypes=["MetricAlarm"]
        ):
            for alarm in page["MetricAlarms"]:
                rows.append(
                    {
                        "alarm": alarm["AlarmName"],
                        "state": alarm["StateValue"],
                        "threshold": alarm["Threshold"],
                        "owned_by_workshop": alarm["AlarmArn"] in owned,
                    }
                )
    return pd.DataFrame(rows, columns=["alarm", "state", "threshold", "owned_by_workshop"])


def delete_alarms_plan(conn: Connection, owner_tag: tuple[str, str]) -> pd.DataFrame:
    """Alarms to delete (the workshop's names, carrying the ownership tag) and to keep."""
    import pandas as pd

    table = alarms_table(conn, owner_tag)
    naming = _("its name does not start with {name_prefix}").format(
        name_prefix=ownership.NAME_PREFIX
    )
    rows = [
        (
            row.alarm,
            *ownership.decision(
                row.owned_by_workshop,
                owner_tag,
                row.alarm.startswith(ownership.NAME_PREFIX),
                naming,
            ),
        )
        for row in table.itertuples()
    ]
    return pd.DataFrame(rows, columns=["alarm", "decision", "reason"])


def delete_alarms(conn: Connection, plan: pd.DataFrame) -> pd.DataFrame:
    """Carry out a ``delete_alarms_plan`` (DeleteAlarms takes up to 100 names a call).

    An alarm already gone counts as done, so a rerun finishes the job. DeleteAlarms deletes none
    of a batch that names a missing alarm: such a batch is deleted again one alarm at a time.
    """
    doomed = list(plan.loc[plan["decision"] == "delete", "alarm"])
    gone: set[str] = set()
    for offset in range(0, len(doomed), 100):
        batch = doomed[offset : offset + 100]
        with explained(_("delete alarms (cloudwatch:DeleteAlarms)"), tolerate=MISSING) as missing:
            conn.cloudwatch.delete_alarms(AlarmNames=batch)
        if not missing:
            continue
        for name in batch:
            with explained(
                _("delete the alarm {name} (cloudwatch:DeleteAlarms)").format(name=name),
                tolerate=MISSING,
            ) as already:
                conn.cloudwatch.delete_alarms(AlarmNames=[name])
            if already:
                gone.add(name)
    results = [
        "kept" if decision != "delete" else "already gone" if alarm in gone else "deleted"
        for alarm, decision in zip(plan["alarm"], plan["decision"], strict=True)
    ]
    return plan.assign(result=results)
