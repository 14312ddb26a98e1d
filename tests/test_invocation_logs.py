"""helpers.invocation_logs: the workshop's logging configuration, log group and delivery role on
the stand-in; records parsed and priced as AWS writes them (schema 1.0)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from helpers import callers, invocation_logs, pricing, profiles
from helpers.errors import InputError, WorkshopError
from tests.conftest import ACCOUNT

HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
APP_ARN = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/a1b2c3d4e5f6"
APP_PROFILE = profiles.Profile(
    name="claims_dept",
    profile_id="a1b2c3d4e5f6",
    arn=APP_ARN,
    type="APPLICATION",
    status="ACTIVE",
    model_arns=(  # copied from us.: geo scope
        f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}",
        f"arn:aws:bedrock:us-east-2::foundation-model/{HAIKU}",
        f"arn:aws:bedrock:us-west-2::foundation-model/{HAIKU}",
    ),
    tags={"dept": "claims"},
)
APP = f"arn:aws:sts::{ACCOUNT}:assumed-role/claims-app/online-1"
BATCH = f"arn:aws:sts::{ACCOUNT}:assumed-role/claims-batch/nightly"


def record(
    request_id: str,
    when: str,
    model_id: str,
    principal: str,
    tokens: tuple[int, int, int, int],
    metadata: dict | None = None,
    tier: object = None,
) -> dict:
    """An invocation log record in AWS's schema 1.0 (text delivery on, as Converse logs it)."""
    inputs, outputs, cache_read, cache_write = tokens
    found = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": when,
        "accountId": ACCOUNT,
        "identity": {"arn": principal},
        "region": "us-east-1",
        "requestId": request_id,
        "operation": "Converse",
        "modelId": model_id,
        "input": {
            "inputContentType": "application/json",
            "inputBodyJson": {"messages": [{"role": "user", "content": [{"text": "hi"}]}]},
            "inputTokenCount": inputs,
            "cacheReadInputTokenCount": cache_read,
            "cacheWriteInputTokenCount": cache_write,
        },
        "output": {
            "outputContentType": "application/json",
            "outputBodyJson": {"stopReason": "end_turn", "usage": {"outputTokens": outputs}},
            "outputTokenCount": outputs,
        },
    }
    if metadata is not None:
        found["requestMetadata"] = metadata
    if tier is not None:
        found["serviceTier"] = tier
    return found


RECORDS = [
    record("r-2", "2026-11-28T10:00:05Z", APP_ARN, BATCH, (1000, 200, 0, 0), {"ticket": "C-2"}),
    record(
        "r-1",
        "2026-11-28T10:00:01Z",
        APP_ARN,
        APP,
        (1200, 300, 4000, 1000),
        {"ticket": "C-1", "channel": "web"},
    ),
    record("r-3", "2026-11-28T10:01:00Z", "us.amazon.nova-pro-v1:0", APP, (500, 100, 0, 0)),
    record(
        "r-4", "2026-11-28T10:02:00Z", "amazon.nova-pro-v1:0", BATCH, (800, 50, 0, 0), None, "flex"
    ),
    record(
        "r-5",
        "2026-11-28T10:03:00Z",
        "amazon.nova-pro-v1:0",
        BATCH,
        (800, 50, 0, 0),
        None,
        {"type": "priority"},
    ),
]


def test_frame_has_one_row_per_request_with_metadata_columns():
    table = invocation_logs.frame(RECORDS)
    assert list(table["request_id"]) == ["r-1", "r-2", "r-3", "r-4", "r-5"]  # oldest first
    assert list(table.columns) == invocation_logs.COLUMNS + ["meta:channel", "meta:ticket"]
    first = table.iloc[0]
    assert first["time"] == pd.Timestamp("2026-11-28T10:00:01Z")
    assert first["caller"] == "claims-app" and first["principal"] == APP
    assert (first["input_tokens"], first["output_tokens"]) == (1200, 300)
    assert (first["cache_read_tokens"], first["cache_write_tokens"]) == (4000, 1000)
    assert (first["meta:ticket"], first["meta:channel"]) == ("C-1", "web")
    assert table.iloc[2]["meta:ticket"] == ""  # a request without metadata
    assert list(table["service_tier"]) == ["", "", "", "flex", "priority"]
    assert invocation_logs.frame([]).empty
    with pytest.raises(InputError, match="Not a model invocation log record"):
        invocation_logs.frame([{"schemaType": "Other"}])


def test_requests_in_the_same_second_keep_the_logs_order():
    # record times have whole seconds and request IDs are random: the table must not reorder
    # calls made within one second by their IDs, or it differs between two runs
    same_second = [
        record(rid, "2026-11-28T10:00:01Z", APP_ARN, who, (10, 1, 0, 0))
        for rid, who in (("f-9", APP), ("a-1", BATCH), ("c-5", APP))
    ]
    table = invocation_logs.frame(same_second)
    assert list(table["request_id"]) == ["f-9", "a-1", "c-5"]


def test_each_request_costs_what_the_price_table_says():
    table = pricing.load()
    priced = invocation_logs.request_costs(invocation_logs.frame(RECORDS), [APP_PROFILE])
    costs = dict(zip(priced["request_id"], priced["cost"], strict=True))
    # through the application profile: its model, at the scope of its routes (geo)
    assert list(priced["model"][:2]) == [HAIKU, HAIKU]
    assert list(priced["scope"]) == ["geo", "geo", "geo", "in-region", "in-region"]
    assert costs["r-1"] == pytest.approx(
        table.cost(
            HAIKU,
            1200,
            300,
            scope="geo",
            region="us-east-1",
            cache_read_tokens=4000,
            cache_write_tokens=1000,
        )
    )
    assert costs["r-2"] == pytest.approx(table.cost(HAIKU, 1000, 200, scope="geo"))
    # a system profile ID prices itself; a bare model ID is in-region
    assert costs["r-3"] == pytest.approx(table.cost("us.amazon.nova-pro-v1:0", 500, 100))
    standard = table.cost("amazon.nova-pro-v1:0", 800, 50)
    assert costs["r-4"] == pytest.approx(
        standard * table.models["amazon.nova-pro-v1:0"].tiers["flex"]
    )
    assert costs["r-5"] == pytest.approx(
        standard * table.models["amazon.nova-pro-v1:0"].tiers["priority"]
    )
    by_ticket = invocation_logs.cost_by(priced, "meta:ticket")
    assert list(by_ticket["meta:ticket"]) == ["C-1", "(none)", "C-2"]  # largest cost first
    assert by_ticket["cost"].sum() == pytest.approx(priced["cost"].sum())
    by_caller = invocation_logs.cost_by(priced, "caller").set_index("caller")
    assert by_caller.loc["claims-app", "requests"] == 2
    with pytest.raises(InputError, match="meta:channel"):
        invocation_logs.cost_by(priced, "meta:team")


def test_an_unknown_profile_or_tier_is_refused_by_name():
    frame = invocation_logs.frame(RECORDS[:1])
    with pytest.raises(InputError, match="not among the profiles given"):
        invocation_logs.request_costs(frame, [])
    haiku = invocation_logs.frame(
        [record("r", "2026-11-28T10:00:00Z", HAIKU, APP, (1, 1, 0, 0), None, "flex")]
    )
    with pytest.raises(InputError, match="No 'flex' tier price"):
        invocation_logs.request_costs(haiku, [])


def test_enable_makes_an_owned_group_and_role_and_points_logging_there(conn, cfg):
    logs, iam = conn.client("logs"), conn.client("iam")
    first = invocation_logs.enable(conn, cfg)
    assert first.action == "created"
    group = logs.describe_log_groups(logGroupNamePrefix=invocation_logs.DEFAULT_GROUP)
    (found,) = group["logGroups"]
    assert found["retentionInDays"] == invocation_logs.RETENTION_DAYS
    arn = found["arn"].removesuffix(":*")
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {
        "workshop": "bedrock-inference-profiles"
    }
    role = iam.get_role(RoleName=invocation_logs.DELIVERY_ROLE)["Role"]
    assert role["Path"] == callers.ROLE_PATH
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert trust["Condition"]["StringEquals"] == {"aws:SourceAccount": ACCOUNT}
    config = conn.bedrock.get_model_invocation_logging_configuration()["loggingConfig"]
    assert config["cloudWatchConfig"] == {
        "logGroupName": invocation_logs.DEFAULT_GROUP,
        "roleArn": role["Arn"],
    }
    assert invocation_logs.enable(conn, cfg).action == "unchanged"


def test_enable_refuses_to_replace_someone_elses_logging_or_use_their_group(conn, cfg):
    logs = conn.client("logs")
    theirs = {
        "loggingConfig": {
            "s3Config": {"bucketName": "their-audit-logs", "keyPrefix": "bedrock"},
            "textDataDeliveryEnabled": True,
        }
    }
    # someone else's bucket: AWS (and the stand-in) check it exists before accepting it
    conn.client("s3").create_bucket(Bucket="their-audit-logs")
    conn.bedrock.put_model_invocation_logging_configuration(**theirs)
    with pytest.raises(WorkshopError, match="already writes to s3://their-audit-logs"):
        invocation_logs.enable(conn, cfg)
    after = conn.bedrock.get_model_invocation_logging_configuration()["loggingConfig"]
    assert after == theirs["loggingConfig"]
    assert not logs.describe_log_groups(logGroupNamePrefix="workshop-")["logGroups"]
    plan = invocation_logs.delete_plan(conn, cfg)
    assert list(plan["decision"]) == ["keep"]
    assert "someone else's" in plan["reason"][0]

    conn.bedrock.delete_model_invocation_logging_configuration()
    logs.create_log_group(logGroupName=invocation_logs.DEFAULT_GROUP, tags={"team": "theirs"})
    with pytest.raises(InputError, match="belongs to someone else"):
        invocation_logs.enable(conn, cfg)
    assert invocation_logs.current(conn) is None
    plan = invocation_logs.delete_plan(conn, cfg)
    assert list(zip(plan["kind"], plan["decision"], strict=True)) == [("log group", "keep")]
    invocation_logs.delete(conn, plan)
    assert logs.describe_log_groups(logGroupNamePrefix="workshop-")["logGroups"]
    with pytest.raises(InputError, match="does not start with 'workshop-'"):
        invocation_logs.enable(conn, cfg, group="bedrock-logs")


def test_records_are_read_back_from_the_group(conn, cfg):
    invocation_logs.enable(conn, cfg)
    logs = conn.client("logs")
    logs.create_log_stream(
        logGroupName=invocation_logs.DEFAULT_GROUP, logStreamName=invocation_logs.STREAM
    )
    now = datetime.now(timezone.utc)
    events = [
        {"timestamp": int(now.timestamp() * 1000) + i, "message": json.dumps(r)}
        for i, r in enumerate(RECORDS)
    ]
    events.append({"timestamp": int(now.timestamp() * 1000) + 9, "message": "not a record"})
    logs.put_log_events(
        logGroupName=invocation_logs.DEFAULT_GROUP,
        logStreamName=invocation_logs.STREAM,
        logEvents=events,
    )
    found = invocation_logs.records(conn, now - timedelta(minutes=5))
    assert [r["requestId"] for r in found] == [r["requestId"] for r in RECORDS]
    assert invocation_logs.records(conn, now + timedelta(minutes=5)) == []


def test_cleanup_removes_the_workshops_logging_group_and_delivery_role(conn, cfg):
    iam = conn.client("iam")
    invocation_logs.enable(conn, cfg)
    plan = invocation_logs.delete_plan(conn, cfg)
    assert list(zip(plan["kind"], plan["decision"], strict=True)) == [
        ("invocation logging", "delete"),
        ("log group", "delete"),
    ]
    roles = callers.delete_plan(conn, cfg)
    assert list(zip(roles["name"], roles["decision"], strict=True)) == [
        (invocation_logs.DELIVERY_ROLE, "delete")
    ]
    done = invocation_logs.delete(conn, plan)
    assert list(done["result"]) == ["deleted", "deleted"]
    callers.delete(conn, roles)
    assert invocation_logs.current(conn) is None
    assert invocation_logs.find_group(conn, invocation_logs.DEFAULT_GROUP) is None
    assert not iam.list_roles(PathPrefix=callers.ROLE_PATH)["Roles"]
    assert invocation_logs.delete_plan(conn, cfg).empty
    again = invocation_logs.delete(conn, plan)
    # nothing configured any more: the stand-in (moto) answers the delete with success
    assert list(again["result"]) == ["deleted", "already gone"]
