"""Model invocation logs: one record per request, with its caller, metadata and token counts.

Bedrock writes a record for each inference request once model invocation logging is configured
(PutModelInvocationLoggingConfiguration, one setting per account and region). The workshop
sends them to its own CloudWatch Logs group, ``workshop-bedrock-invocations``, which Bedrock
writes to through a delivery role it assumes (trusting ``bedrock.amazonaws.com`` from this
account only). Both carry the ownership tag. A record looks like this (AWS's schema 1.0)::

    {"schemaType": "ModelInvocationLog", "schemaVersion": "1.0",
     "timestamp": "2026-11-28T10:15:02Z", "accountId": "111122223333", "region": "us-east-1",
     "identity": {"arn": "arn:aws:sts::111122223333:assumed-role/claims-app/s1"},
     "requestId": "...", "operation": "Converse", "modelId": "<the ID or ARN called>",
     "requestMetadata": {"ticket": "CLM-1"},
     "input": {"inputTokenCount": 12, "cacheReadInputTokenCount": 0,
               "cacheWriteInputTokenCount": 0, ...},
     "output": {"outputTokenCount": 40, ...}}

``records`` reads them back (FilterLogEvents), ``frame`` makes one row per request and
``request_costs`` prices each row at list price (helpers.pricing). ``enable`` refuses to replace
a logging configuration that is not the workshop's: it is account-wide, and someone else's
logging would stop. 99_cleanup removes the configuration only while it points at the
workshop's group, then the group (the delivery role goes with the workshop's IAM roles).
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import callers, dates, ownership
from .errors import InputError, WorkshopError, explained
from .i18n import _

if TYPE_CHECKING:
    import pandas as pd

    from .aws import Connection
    from .config import WorkshopConfig
    from .pricing import PriceTable
    from .profiles import Profile

DEFAULT_GROUP = "workshop-bedrock-invocations"
DELIVERY_ROLE = "workshop-bedrock-invocation-logging"  # under callers.ROLE_PATH
DELIVERY_POLICY = "workshop-write-invocation-logs"
STREAM = "aws/bedrock/modelinvocations"  # the log stream Bedrock writes to
RETENTION_DAYS = 7  # records hold prompts and answers: keep them a week, not forever
GROUP_NAME = re.compile(r"[.\-_/#A-Za-z0-9]{1,512}")  # CloudWatch Logs' rule
SCHEMA_TYPE = "ModelInvocationLog"
META_PREFIX = "meta:"  # requestMetadata keys become columns "meta:<key>"
STANDARD_TIERS = ("", "default", "standard")  # billed at the on-demand price
COLUMNS = [
    "time",
    "request_id",
    "operation",
    "model_id",
    "principal",
    "caller",
    "region",
    "service_tier",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
]


@dataclass(frozen=True)
class Logging:
    """The workshop's invocation logging as ``enable`` left it."""

    group: str
    group_arn: str
    role_arn: str
    action: str  # created | updated | unchanged


def check_group(name: object) -> str:
    """A log group name the workshop may create: CloudWatch's rule, starting ``workshop-``."""
    if not isinstance(name, str) or not GROUP_NAME.fullmatch(name):
        raise InputError(
            _(
                "{name!r} is not a CloudWatch Logs group name (1-512 letters, digits or . - _ / #)."
            ).format(name=name),
            _("use e.g. {default_group!r}.").format(default_group=DEFAULT_GROUP),
        )
    ownership.require_workshop_name(name, "log group", repr(DEFAULT_GROUP))
    return name


# --- requests, pure -----------------------------------------------------------------------


def delivery_trust(account: str, region: str, partition: str = "aws") -> dict[str, Any]:
    """The delivery role's trust policy: Bedrock, for this account and region only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "BedrockWritesThisAccountsInvocationLogs",
                "Effect": "Allow",
                "Principal": {"Service": "bedrock.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": account},
                    "ArnLike": {"aws:SourceArn": f"arn:{partition}:bedrock:{region}:{account}:*"},
                },
            }
        ],
    }


def delivery_policy(group: str, account: str, region: str, partition: str = "aws") -> dict:
    """What the delivery role may do: write Bedrock's log stream in the workshop's group."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteTheInvocationLogStream",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:{partition}:logs:{region}:{account}:log-group:{group}"
                f":log-stream:{STREAM}",
            }
        ],
    }


def logging_request(group: str, role_arn: str, include_text: bool = True) -> dict[str, Any]:
    """The PutModelInvocationLoggingConfiguration request: CloudWatch Logs only.

    ``include_text`` also logs the prompts and answers (text); images, embeddings, video and
    audio are never logged. The metadata, caller and token counts are in every record.
    """
    return {
        "loggingConfig": {
            "cloudWatchConfig": {"logGroupName": group, "roleArn": role_arn},
            "textDataDeliveryEnabled": bool(include_text),
            "imageDataDeliveryEnabled": False,
            "embeddingDataDeliveryEnabled": False,
            "videoDataDeliveryEnabled": False,
        }
    }


def destination(config: dict[str, Any] | None) -> str:
    """Where a logging configuration sends records, in words."""
    if not config:
        return _("nowhere (no logging configuration)")
    places = []
    if config.get("cloudWatchConfig"):
        places.append(f"CloudWatch Logs group {config['cloudWatchConfig'].get('logGroupName')}")
    if config.get("s3Config"):
        s3 = config["s3Config"]
        places.append(f"s3://{s3.get('bucketName')}/{s3.get('keyPrefix', '')}")
    return " and ".join(places) or "no destination"


def points_at(config: dict[str, Any] | None, group: str) -> bool:
    """Whether a logging configuration writes to the log group ``group``."""
    if not config:
        return False
    return (config.get("cloudWatchConfig") or {}).get("logGroupName") == group


# --- AWS calls ----------------------------------------------------------------------------


def current(conn: Connection) -> dict[str, Any] | None:
    """This region's logging configuration (``loggingConfig``), or None when there is none."""
    with explained(
        _(
            "read the model invocation logging configuration "
            "(bedrock:GetModelInvocationLoggingConfiguration)"
        )
    ):
        answer = conn.bedrock.get_model_invocation_logging_configuration()
    return answer.get("loggingConfig") or None


def find_group(conn: Connection, name: str) -> dict[str, Any] | None:
    """The log group of exactly this name (DescribeLogGroups), or None."""
    logs = conn.client("logs")
    with explained(_("look up the log group {name} (logs:DescribeLogGroups)").format(name=name)):
        for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=name):
            for group in page.get("logGroups", []):
                if group["logGroupName"] == name:
                    return group
    return None


def _group_arn(group: dict[str, Any]) -> str:
    """The group's ARN without the ``:*`` DescribeLogGroups appends to ``arn``."""
    return group.get("logGroupArn") or group["arn"].removesuffix(":*")


def group_tags(conn: Connection, group: dict[str, Any]) -> dict[str, str]:
    logs = conn.client("logs")
    arn = _group_arn(group)
    with explained(
        _("read the tags of the log group {group} (logs:ListTagsForResource)").format(
            group=group["logGroupName"]
        )
    ):
        return logs.list_tags_for_resource(resourceArn=arn).get("tags", {})


def _refuse_group(name: str, owner_tag: tuple[str, str]) -> WorkshopError:
    key, value = owner_tag
    return InputError(
        _(
            "The log group {name} exists but is not the workshop's (no {key}={value} tag): it "
            "belongs to someone else, so the workshop neither sends invocation logs to it nor "
            "deletes it."
        ).format(name=name, key=key, value=value),
        _(
            "give the workshop's group another name starting with workshop- (log_group in the "
            "notebook's parameters, and the same in 99_cleanup's)."
        ),
    )


def ensure_group(
    conn: Connection, cfg: WorkshopConfig, name: str = DEFAULT_GROUP
) -> tuple[str, str]:
    """The workshop's log group: created with the ownership tag and a week's retention, or
    reused. Returns (ARN, "created" | "unchanged"); someone else's group is refused."""
    name = check_group(name)
    logs = conn.client("logs")
    found = find_group(conn, name)
    if found is not None:
        if not ownership.owns(group_tags(conn, found), cfg.owner_tag):
            raise _refuse_group(name, cfg.owner_tag)
        return _group_arn(found), "unchanged"
    with explained(_("create the log group {name} (logs:CreateLogGroup)").format(name=name)):
        logs.create_log_group(logGroupName=name, tags={cfg.owner_tag[0]: cfg.owner_tag[1]})
    with explained(
        _("keep {name}'s records {retention_days} days (logs:PutRetentionPolicy)").format(
            name=name, retention_days=RETENTION_DAYS
        )
    ):
        logs.put_retention_policy(logGroupName=name, retentionInDays=RETENTION_DAYS)
    found = find_group(conn, name)
    if found is None:  # created a moment ago: not listed yet
        from .catalog import load

        partition = load().partition(conn.region)
        return f"arn:{partition}:logs:{conn.region}:{conn.account}:log-group:{name}", "created"
    return _group_arn(found), "created"


def _owned_other_group(
    conn: Connection, cfg: WorkshopConfig, config: dict[str, Any] | None, group: str
) -> str | None:
    """The configuration's CloudWatch group when it is another group of the workshop's own
    (ownership-tagged: an earlier run's log_group), else None."""
    other = ((config or {}).get("cloudWatchConfig") or {}).get("logGroupName")
    if not other or other == group:
        return None
    found = find_group(conn, other)
    if found is None or not ownership.owns(group_tags(conn, found), cfg.owner_tag):
        return None
    return str(other)


def _role_not_ready(code: str, message: str) -> bool:
    """Bedrock could not use a delivery role IAM has not spread yet (AWS only, for seconds)."""
    return code in ("ValidationException", "AccessDeniedException") and "role" in message.lower()


def enable(
    conn: Connection,
    cfg: WorkshopConfig,
    group: str = DEFAULT_GROUP,
    include_text: bool = True,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Logging:
    """Log this region's model invocations to the workshop's group (made if need be).

    Refused, changing nothing, when the region already logs somewhere else: the setting is
    one per account and region, and replacing it would stop someone else's logging.
    """
    from .catalog import load

    group = check_group(group)
    before = current(conn)
    earlier = _owned_other_group(conn, cfg, before, group)
    if earlier:
        raise WorkshopError(
            _(
                "Model invocation logging in {region} already writes to the workshop's own log "
                "group {earlier}, made by an earlier run with log_group={earlier!r}."
            ).format(region=conn.region, earlier=earlier),
            _(
                "set log_group={earlier!r} again, or run 99_cleanup with log_group={earlier!r} "
                "first, then this notebook with log_group={group!r}."
            ).format(earlier=earlier, group=group),
        )
    if before and not points_at(before, group):
        raise WorkshopError(
            _(
                "Model invocation logging in {region} already writes to {destination}. It is "
                "one setting per account and region: setting the workshop's would stop that "
                "logging."
            ).format(region=conn.region, destination=destination(before)),
            _(
                "read the records where they already go (invocation_logs.records(conn, start, "
                "group=...) for a CloudWatch group), or have its owner remove that "
                "configuration (`aws bedrock delete-model-invocation-logging-configuration`)."
            ),
        )
    group_arn, made = ensure_group(conn, cfg, group)
    partition = load().partition(conn.region)
    role = callers.ensure_role(
        conn,
        cfg,
        DELIVERY_ROLE,
        delivery_trust(conn.account, conn.region, partition),
        DELIVERY_POLICY,
        delivery_policy(group, conn.account, conn.region, partition),
        {},
        f"Bedrock workshop: Bedrock writes model invocation logs to {group}",
    )
    request = logging_request(group, role.arn, include_text)
    if before and before.get("s3Config"):  # the workshop's group, plus an S3 copy someone added
        request["loggingConfig"]["s3Config"] = before["s3Config"]
    wanted = request["loggingConfig"]
    # AWS may answer with flags the request left out (all false): compare what is asked
    if before and all(before.get(key) == value for key, value in wanted.items()):
        action = "unchanged" if made == "unchanged" and role.action == "unchanged" else "updated"
        return Logging(group, group_arn, role.arn, action)
    callers.while_iam_settles(
        conn,
        _(
            "log model invocations to {group} (bedrock:PutModelInvocationLoggingConfiguration)"
        ).format(group=group),
        lambda: conn.bedrock.put_model_invocation_logging_configuration(**request),
        _role_not_ready,
        sleep=sleep,
    )
    return Logging(group, group_arn, role.arn, "created" if before is None else "updated")


def records(
    conn: Connection,
    start: object,
    end: object | None = None,
    group: str = DEFAULT_GROUP,
) -> list[dict[str, Any]]:
    """The invocation log records written to ``group`` from ``start`` to ``end`` (now), oldest
    first (FilterLogEvents, every page). Lines that are not Bedrock's records are skipped."""
    logs = conn.client("logs")
    window: dict[str, Any] = {"startTime": _millis(dates.as_utc(start, "start"))}
    if end is not None:
        window["endTime"] = _millis(dates.as_utc(end, "end"))
    found = []
    with explained(
        _("read the invocation logs in {group} (logs:FilterLogEvents)").format(group=group)
    ):
        for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group, **window):
            for event in page.get("events", []):
                record = _record(event.get("message", ""))
                if record is not None:
                    found.append(record)
    return found


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _record(message: str) -> dict[str, Any] | None:
    try:
        record = json.loads(message)
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("schemaType") != SCHEMA_TYPE:
        return None
    return record


# --- analysis, pure -----------------------------------------------------------------------


def _count(section: Any, key: str) -> int:
    value = section.get(key) if isinstance(section, dict) else None
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _tier(record: dict[str, Any]) -> str:
    """The service tier of a record's request; "" if none.

    AWS's record has no tier key in the sources found: a Converse request's tier is in the
    logged request body (``input.inputBodyJson.serviceTier``, present with text delivery). A
    top-level ``serviceTier`` is read too, should a record carry one. A word or {"type": ...}.
    """
    body = (record.get("input") or {}).get("inputBodyJson")
    tier = record.get("serviceTier")
    if tier is None and isinstance(body, dict):
        tier = body.get("serviceTier")
    if isinstance(tier, dict):
        tier = tier.get("type")
    return tier if isinstance(tier, str) else ""


def frame(found: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per request: time (UTC), request ID, operation, model ID as called, caller
    (principal ARN and its short name), region, service tier, token counts (input, output,
    cache read and write), and a ``meta:<key>`` column per requestMetadata key. Oldest first."""
    import pandas as pd

    from .caller_costs import short_name

    rows = []
    for record in found:
        if not isinstance(record, dict) or record.get("schemaType") != SCHEMA_TYPE:
            raise InputError(
                _("Not a model invocation log record: {record!r}.").format(
                    record=str(record)[:120]
                ),
                _(
                    "pass invocation_logs.records(...), or records with schemaType {schema_type!r}."
                ).format(schema_type=SCHEMA_TYPE),
            )
        principal = (record.get("identity") or {}).get("arn") or ""
        inputs, outputs = record.get("input") or {}, record.get("output") or {}
        row: dict[str, Any] = {
            "time": pd.Timestamp(
                dates.as_utc(record.get("timestamp"), _("The record's timestamp"))
            ),
            "request_id": record.get("requestId", ""),
            "operation": record.get("operation", ""),
            "model_id": record.get("modelId", ""),
            "principal": principal,
            "caller": short_name(principal),
            "region": record.get("region", ""),
            "service_tier": _tier(record),
            "input_tokens": _count(inputs, "inputTokenCount"),
            "output_tokens": _count(outputs, "outputTokenCount"),
            "cache_read_tokens": _count(inputs, "cacheReadInputTokenCount"),
            "cache_write_tokens": _count(inputs, "cacheWriteInputTokenCount"),
        }
        for key, value in (record.get("requestMetadata") or {}).items():
            row[META_PREFIX + key] = value
        rows.append(row)
    table = pd.DataFrame(rows)
    metadata = sorted(c for c in table.columns if c.startswith(META_PREFIX))
    table = table.reindex(columns=COLUMNS + metadata)
    if table.empty:
        return table
    for column in metadata:
        table[column] = table[column].fillna("")
    # the records' times have whole seconds; within one the log's own order (the calls' order)
    # stands: a request ID is random, so sorting by it would shuffle a table between runs
    return table.sort_values(["time"], kind="stable").reset_index(drop=True)


def _profile_index(found: list[Profile]) -> dict[str, Profile]:
    index = {}
    for profile in found:
        index[profile.arn] = profile
        index[profile.profile_id] = profile
    return index


def tier_multiple(table: PriceTable, model_id: str, tier: str) -> float:
    """The price of a service tier as a multiple of the standard price (1 for standard)."""
    tier = (tier or "").lower()
    if tier in STANDARD_TIERS:
        return 1.0
    model = table.models[model_id]
    if tier not in model.tiers:
        offered = ", ".join(sorted(model.tiers)) or "none"
        raise InputError(
            _(
                "No {tier!r} tier price for {model_id} in helpers/data/prices.json (tiers "
                "priced: {offered})."
            ).format(tier=tier, model_id=model_id, offered=offered),
            _("price it at a tier listed there, or add the tier's multiple with its source."),
        )
    return model.tiers[tier]


def request_costs(
    requests: pd.DataFrame, found: list[Profile], table: PriceTable | None = None
) -> pd.DataFrame:
    """``frame``'s rows with ``model`` (the foundation model), ``scope`` and ``cost`` (USD at
    list price: input, output, cache reads and writes at the 5-minute cache price, times the
    tier's multiple).

    A record names the ID or ARN that was called: an application profile's is looked up in
    ``found`` (``profiles.resolve`` results), whose model and scope set the price; a model or
    system profile ID prices itself (its prefix sets the scope).
    """
    from . import pricing

    table = table or pricing.load()
    index = _profile_index(found)
    models, scopes, costs = [], [], []
    for row in requests.itertuples(index=False):
        called = str(row.model_id)
        profile = index.get(called)
        if profile is not None:
            model_id, scope = profile.model_id, profile.scope
        elif ":application-inference-profile/" in called:
            raise InputError(
                _(
                    "The application profile {called} is not among the profiles given, so its "
                    "model is unknown."
                ).format(called=called),
                _("pass it too: request_costs(frame, [profiles.resolve(conn, arn), ...])."),
            )
        else:
            entry, scope = table.entry(called)
            model_id = entry.model_id
        region = row.region or None
        base = table.cost(
            model_id,
            row.input_tokens,
            row.output_tokens,
            scope=scope,
            region=region,
            cache_read_tokens=row.cache_read_tokens,
            cache_write_tokens=row.cache_write_tokens,
        )
        models.append(model_id)
        scopes.append(scope)
        costs.append(base * tier_multiple(table, model_id, row.service_tier))
    return requests.assign(model=models, scope=scopes, cost=[float(c) for c in costs])


def cost_by(requests: pd.DataFrame, column: str) -> pd.DataFrame:
    """Requests, tokens and cost per value of a column of ``request_costs`` (a ``meta:`` key,
    ``caller``, ``service_tier``...), largest cost first; "(none)" where a request had none."""
    if column not in requests:
        keys = [c for c in requests.columns if c.startswith(META_PREFIX)]
        raise InputError(
            _("The requests have no column {column!r}.").format(column=column),
            _("use one of: caller, model, service_tier{value}.").format(
                value="".join(", " + k for k in keys)
            ),
        )
    work = requests.assign(**{column: requests[column].map(lambda v: "(none)" if _blank(v) else v)})
    totals = work.groupby(column, as_index=False).agg(
        requests=("request_id", "count"),
        input_tokens=("input_tokens", "sum"),
        output_tokens=("output_tokens", "sum"),
        cost=("cost", "sum"),
    )
    return totals.sort_values(["cost", column], ascending=[False, True], kind="stable").reset_index(
        drop=True
    )


def _blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


# --- clean-up (99_cleanup) ------------------------------------------------------------------


def delete_plan(conn: Connection, cfg: WorkshopConfig, group: str = DEFAULT_GROUP) -> pd.DataFrame:
    """The logging configuration (deleted only while it points at the workshop's group) and the
    workshop's log group (deleted when it carries the ownership tag). The delivery role is an
    IAM role of the workshop's: ``callers.delete_plan`` lists it."""
    import pandas as pd

    group = check_group(group)
    rows = []
    found = find_group(conn, group)
    owned = found is not None and ownership.owns(group_tags(conn, found), cfg.owner_tag)
    config = current(conn)
    if config:
        name = f"model invocation logging in {conn.region}"
        if points_at(config, group) and (owned or found is None):
            decision, reason = (
                "delete",
                _("writes to the workshop's log group {group}").format(group=group),
            )
            if config.get("s3Config"):  # someone added an S3 copy (enable keeps it): kept
                reason += _(
                    "; its copy to {destination} is not the workshop's and stays "
                    "configured on its own"
                ).format(destination=destination({"s3Config": config["s3Config"]}))
        elif points_at(config, group):
            decision, reason = (
                "keep",
                (
                    _(
                        "writes to a log group named {group} that the workshop did not create"
                    ).format(group=group)
                ),
            )
        elif earlier := _owned_other_group(conn, cfg, config, group):
            decision, reason = (
                "keep",
                _(
                    "writes to the workshop's log group {earlier}, not to {group}: run this "
                    "notebook with log_group={earlier!r} to delete both"
                ).format(earlier=earlier, group=group),
            )
        else:
            decision, reason = (
                "keep",
                (
                    _("writes to {destination}, not the workshop's group: someone else's").format(
                        destination=destination(config)
                    )
                ),
            )
        rows.append(
            {"kind": "invocation logging", "name": name, "decision": decision, "reason": reason}
        )
    if found is not None:
        decision, reason = ownership.decision(owned, cfg.owner_tag)
        rows.append({"kind": "log group", "name": group, "decision": decision, "reason": reason})
    return pd.DataFrame(rows, columns=["kind", "name", "decision", "reason"])


def delete(conn: Connection, plan: pd.DataFrame) -> pd.DataFrame:
    """Carry out a ``delete_plan``; returns it with a ``result`` column."""
    logs = conn.client("logs")

    def delete_one(row: Any) -> None:
        if row.kind == "invocation logging":
            theirs = {k: v for k, v in (current(conn) or {}).items() if k != "cloudWatchConfig"}
            if theirs.get("s3Config"):  # the workshop's part out, someone's S3 copy kept
                conn.bedrock.put_model_invocation_logging_configuration(loggingConfig=theirs)
            else:
                conn.bedrock.delete_model_invocation_logging_configuration()
        else:
            logs.delete_log_group(logGroupName=row.name)

    return ownership.delete_planned(
        plan,
        delete_one,
        "ResourceNotFoundException",
        lambda row: (
            "delete the model invocation logging configuration "
            "(bedrock:DeleteModelInvocationLoggingConfiguration)"
            if row.kind == "invocation logging"
            else _("delete the log group {name} (logs:DeleteLogGroup)").format(name=row.name)
        ),
    )
