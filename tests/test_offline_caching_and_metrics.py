"""Today's runtime metrics and prompt caching in the stand-in: what each call records, and what
it is billed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from helpers import metrics
from tests.conftest import error_of, metric_total, user

HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
# about 5,000 tokens: above Claude Haiku 4.5's minimum of 4,096 for a cache checkpoint
LONG_SYSTEM = "Policy clause: check the cover and the date of loss before paying. " * 300


@pytest.fixture
def profile(haiku_profile):
    return haiku_profile


def total(client, name, dimension, statistic="Sum"):
    return metric_total(client("cloudwatch"), name, dimension, statistic)


def todays_usage_types(client):
    """Cost Explorer's groups for today by usage type: {usage type: metrics}."""
    today = date.today()
    groups = client("ce").get_cost_and_usage(
        TimePeriod={"Start": str(today), "End": str(today + timedelta(days=1))},
        Granularity="DAILY",
        Metrics=["UnblendedCost", "UsageQuantity"],
        GroupBy=[{"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
    )["ResultsByTime"][0]["Groups"]
    return {g["Keys"][0]: g["Metrics"] for g in groups}


def test_converse_stream_records_time_to_first_token_under_the_profile_id(client, profile):
    runtime = client("bedrock-runtime")
    profile_id = profile.rsplit("/", 1)[1]
    runtime.converse(modelId=profile, messages=user("not streamed"))
    assert total(client, "TimeToFirstToken", profile_id)[0] == 0  # Converse records none
    for event in runtime.converse_stream(modelId=profile, messages=user("streamed"))["stream"]:
        last = event
    latency = last["metadata"]["metrics"]["latencyMs"]
    first_token, units = total(client, "TimeToFirstToken", profile_id, "Maximum")
    assert 0 < first_token <= latency and units == ["Milliseconds"]
    assert total(client, "Invocations", profile_id)[0] == 2


def test_estimated_tpm_quota_usage_counts_output_five_times_for_claude(client, profile):
    usage = client("bedrock-runtime").converse(modelId=profile, messages=user("quota"))["usage"]
    quota, _ = total(client, "EstimatedTPMQuotaUsage", profile.rsplit("/", 1)[1])
    assert quota == usage["inputTokens"] + 5 * usage["outputTokens"]
    nova = client("bedrock-runtime").converse(modelId="amazon.nova-lite-v1:0", messages=user("q"))
    quota, _ = total(client, "EstimatedTPMQuotaUsage", "amazon.nova-lite-v1:0")
    assert quota == nova["usage"]["inputTokens"] + nova["usage"]["outputTokens"]


def test_a_cache_point_writes_then_reads_and_each_is_billed_at_its_price(client, profile):
    runtime = client("bedrock-runtime")
    request = {
        "modelId": profile,
        "system": [{"text": LONG_SYSTEM}, {"cachePoint": {"type": "default"}}],
        "messages": user("Summarise claim 1"),
    }
    first = runtime.converse(**request)["usage"]
    second = runtime.converse(**request)["usage"]
    cached = first["cacheWriteInputTokens"]
    assert cached > 4096 and first["cacheReadInputTokens"] == 0
    assert first["cacheDetails"] == [{"ttl": "5m", "inputTokens": cached}]
    assert second["cacheReadInputTokens"] == cached and second["cacheWriteInputTokens"] == 0
    assert second["inputTokens"] == first["inputTokens"] < 10  # the question only
    assert first["totalTokens"] == first["inputTokens"] + first["outputTokens"] + cached
    profile_id = profile.rsplit("/", 1)[1]
    assert total(client, "CacheWriteInputTokens", profile_id)[0] == cached
    assert total(client, "CacheReadInputTokens", profile_id)[0] == cached
    # cache writes count toward the quota estimate, cache reads do not
    quota, _ = total(client, "EstimatedTPMQuotaUsage", profile_id)
    outputs = first["outputTokens"] + second["outputTokens"]
    assert quota == first["inputTokens"] + second["inputTokens"] + cached + 5 * outputs
    cost = {
        kind: Decimal(found["UnblendedCost"]["Amount"])
        for kind, found in todays_usage_types(client).items()
    }
    # in-region Claude Haiku 4.5: input $1.10 per 1M; writes 1.25x, reads 0.1x
    assert (
        cost["USE1-Claude4.5Haiku-cache-write-input-token-count"]
        == Decimal(cached) * Decimal("1.375") / 10**6
    )
    assert (
        cost["USE1-Claude4.5Haiku-cache-read-input-token-count"]
        == Decimal(cached) * Decimal("0.11") / 10**6
    )


def test_a_one_hour_cache_costs_twice_the_input_price(client, profile):
    client("bedrock-runtime").converse(
        modelId=profile,
        system=[{"text": LONG_SYSTEM}, {"cachePoint": {"type": "default", "ttl": "1h"}}],
        messages=user("hour"),
    )
    write = next(v for k, v in todays_usage_types(client).items() if "cache-write" in k)
    tokens = Decimal(write["UsageQuantity"]["Amount"])
    assert Decimal(write["UnblendedCost"]["Amount"]) == tokens * Decimal("2.2") / 10**6


def test_a_prompt_below_the_minimum_is_not_cached(client, profile):
    usage = client("bedrock-runtime").converse(
        modelId=profile,
        system=[{"text": "A short system prompt."}, {"cachePoint": {"type": "default"}}],
        messages=user("hi"),
    )["usage"]
    assert "cacheWriteInputTokens" not in usage and "cacheReadInputTokens" not in usage


def test_a_cache_point_for_a_model_that_does_not_cache_is_refused(client):
    with pytest.raises(ClientError) as excinfo:
        client("bedrock-runtime").converse(
            modelId="openai.gpt-oss-120b-1:0",
            system=[{"text": LONG_SYSTEM}, {"cachePoint": {"type": "default"}}],
            messages=user("hi"),
        )
    assert error_of(excinfo)[:2] == ("ValidationException", 400)
    assert "does not support prompt caching" in error_of(excinfo)[2]


def test_every_metric_the_standin_records_is_named_in_one_place(client, profile):
    runtime = client("bedrock-runtime")
    for _ in range(2):  # a cache write, then a read
        runtime.converse(
            modelId=profile,
            system=[{"text": LONG_SYSTEM}, {"cachePoint": {"type": "default"}}],
            messages=user("a"),
        )
    for _ in runtime.converse_stream(modelId=profile, messages=user("b"))["stream"]:
        pass
    with pytest.raises(ClientError):
        runtime.converse(modelId=profile, messages=user("c"), inferenceConfig={"maxTokens": 10**6})
    client("bedrock-runtime", "ap-northeast-2").converse(
        modelId="anthropic.claude-3-haiku-20240307-v1:0", messages=user("legacy")
    )
    names = set()
    for region in ("us-east-1", "ap-northeast-2"):
        listed = client("cloudwatch", region).list_metrics(Namespace="AWS/Bedrock")["Metrics"]
        names |= {m["MetricName"] for m in listed}
    assert names <= set(metrics.METRICS)
    assert {
        "TimeToFirstToken",
        "EstimatedTPMQuotaUsage",
        "CacheReadInputTokens",
        "CacheWriteInputTokens",
        "LegacyModelInvocations",
        "InvocationClientErrors",
    } <= names


def test_at_most_four_cache_points(client, profile):
    point = {"cachePoint": {"type": "default"}}
    system = [{"text": LONG_SYSTEM}, point, {"text": "more"}, point, {"text": "and"}, point]
    messages = [{"role": "user", "content": [{"text": "q"}, point, {"text": "r"}, point]}]
    with pytest.raises(ClientError) as excinfo:
        client("bedrock-runtime").converse(modelId=profile, system=system, messages=messages)
    assert "at most 4 cachePoint blocks" in error_of(excinfo)[2]


def test_the_question_after_a_cached_prompt_is_counted_on_its_own(client, profile):
    usage = client("bedrock-runtime").converse(
        modelId=profile,
        system=[{"text": LONG_SYSTEM}, {"cachePoint": {"type": "default"}}],
        messages=user("hi"),
    )["usage"]
    assert usage["inputTokens"] == 1 and usage["cacheWriteInputTokens"] > 4096
