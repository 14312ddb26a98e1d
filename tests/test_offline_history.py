"""Synthetic history: deterministic, idempotent, and the same in CloudWatch and Cost Explorer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from tests.conftest import control

HAIKU_ARN = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"


def make(client, names):
    arns = {}
    for name in names:
        arns[name] = client("bedrock").create_inference_profile(
            inferenceProfileName=name,
            modelSource={"copyFrom": HAIKU_ARN},
            tags=[{"key": "dept", "value": name}],
        )["inferenceProfileArn"]
    return arns


def test_backfill_is_deterministic_and_idempotent(client, endpoint):
    make(client, ["claims", "support"])
    first = control(endpoint, "POST", "/_standin/backfill", {"days": 21, "seed": 7})
    assert first["synthetic"] is True and first["requests"] > 0
    assert [p["new_days"] > 0 for p in first["profiles"]] == [True, True]
    again = control(endpoint, "POST", "/_standin/backfill", {"days": 21, "seed": 7})
    assert again["requests"] == 0 and all(p["new_days"] == 0 for p in again["profiles"])

    control(endpoint, "POST", "/moto-api/reset")
    make(client, ["claims", "support"])  # new IDs, same names
    replay = control(endpoint, "POST", "/_standin/backfill", {"days": 21, "seed": 7})
    assert (replay["requests"], replay["input_tokens"], replay["output_tokens"]) == (
        first["requests"],
        first["input_tokens"],
        first["output_tokens"],
    )
    other_seed = control(endpoint, "POST", "/_standin/backfill", {"days": 30, "seed": 8})
    assert other_seed["from"] < first["from"]


def test_cloudwatch_and_cost_explorer_agree(client, endpoint):
    arns = make(client, ["claims"])
    control(endpoint, "POST", "/_standin/backfill", {"days": 10, "seed": 1})
    profile_id = arns["claims"].rsplit("/", 1)[1]
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=10)
    tokens = {}
    for metric in ("InputTokenCount", "OutputTokenCount"):
        stats = client("cloudwatch").get_metric_statistics(
            Namespace="AWS/Bedrock",
            MetricName=metric,
            StartTime=start,
            EndTime=today,
            Period=86400,
            Statistics=["Sum"],
            Dimensions=[{"Name": "ModelId", "Value": profile_id}],
        )
        tokens[metric] = {p["Timestamp"].date(): p["Sum"] for p in stats["Datapoints"]}
    usage = client("ce").get_cost_and_usage(
        TimePeriod={"Start": start.date().isoformat(), "End": today.date().isoformat()},
        Granularity="DAILY",
        Metrics=["UsageQuantity", "UnblendedCost"],
        GroupBy=[{"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
    )
    for period in usage["ResultsByTime"]:
        day = datetime.fromisoformat(period["TimePeriod"]["Start"]).date()
        by_type = {
            g["Keys"][0]: int(g["Metrics"]["UsageQuantity"]["Amount"]) for g in period["Groups"]
        }
        assert by_type.get("USE1-Claude4.5Haiku-input-tokens", 0) == tokens["InputTokenCount"].get(
            day, 0
        )
        assert by_type.get("USE1-Claude4.5Haiku-output-tokens", 0) == tokens[
            "OutputTokenCount"
        ].get(day, 0)
        for group in period["Groups"]:
            assert Decimal(group["Metrics"]["UnblendedCost"]["Amount"]) > 0


def test_state_labels_synthetic_days(client, endpoint):
    arns = make(client, ["claims"])
    control(endpoint, "POST", "/_standin/backfill", {"days": 5, "seed": 2})
    synthetic = control(endpoint, "GET", "/_standin/state")["synthetic"]
    today = datetime.now(timezone.utc).date()
    entry = synthetic[arns["claims"]]
    assert entry["first"] == (today - timedelta(days=5)).isoformat()
    assert entry["last"] == (today - timedelta(days=1)).isoformat()
    assert entry["days"] <= 5
    control(endpoint, "POST", "/moto-api/reset")
    assert control(endpoint, "GET", "/_standin/state")["synthetic"] == {}
