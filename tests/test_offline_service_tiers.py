"""Service tiers, prompt caching and CountTokens in the stand-in, through boto3.

A tier is accepted where prices.json prices it, echoed, counted under ``<ModelId>+<tier>`` in
CloudWatch and billed at its multiple; CountTokens answers what the same request is billed for.
"""

from __future__ import annotations

import pandas as pd
import pytest
from botocore.exceptions import ClientError

from helpers import cur, loadgen, pricing, profiles, service_tiers
from helpers.errors import InputError
from tests.conftest import control, error_of, metric_total, user
from tests.test_offline_caching_and_metrics import todays_usage_types

NOVA_PRO = "amazon.nova-pro-v1:0"  # Priority and Flex (prices.json), on demand in us-east-1
HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"  # Standard only; counts tokens
LONG_SYSTEM = "Policy clause: check the cover and the date of loss before paying. " * 300


def todays_usage(client) -> pd.DataFrame:
    """Cost Explorer today by usage type: usage_type, cost, usage_quantity."""
    return pd.DataFrame(
        {
            "usage_type": usage_type,
            "cost": float(found["UnblendedCost"]["Amount"]),
            "usage_quantity": float(found["UsageQuantity"]["Amount"]),
        }
        for usage_type, found in todays_usage_types(client).items()
    )


def metric(client, name, dimension):
    return metric_total(client("cloudwatch"), name, dimension)[0]


def test_priority_is_echoed_and_counted_under_the_plus_priority_model_id(client):
    response = client("bedrock-runtime").converse(
        modelId=NOVA_PRO, messages=user("rush this"), serviceTier={"type": "priority"}
    )
    assert response["serviceTier"] == {"type": "priority"}
    assert metric(client, "Invocations", f"{NOVA_PRO}+priority") == 1
    assert (
        metric(client, "InputTokenCount", f"{NOVA_PRO}+priority")
        == (response["usage"]["inputTokens"])
    )
    assert metric(client, "Invocations", NOVA_PRO) == 0  # no separate tier dimension
    plain = client("bedrock-runtime").converse(modelId=NOVA_PRO, messages=user("no tier"))
    assert "serviceTier" not in plain
    assert metric(client, "Invocations", NOVA_PRO) == 1


def test_a_tier_the_model_does_not_serve_is_refused(client):
    runtime = client("bedrock-runtime")
    with pytest.raises(ClientError) as excinfo:
        runtime.converse(modelId=HAIKU_45, messages=user("cheap"), serviceTier={"type": "flex"})
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400) and "flex" in message
    with pytest.raises(ClientError) as excinfo:
        runtime.converse(modelId=NOVA_PRO, messages=user("r"), serviceTier={"type": "reserved"})
    assert error_of(excinfo)[2] == "Reservation not found."
    assert metric(client, "Invocations", f"{HAIKU_45}+flex") == 0
    served = runtime.converse(
        modelId=HAIKU_45, messages=user("standard"), serviceTier={"type": "default"}
    )
    assert served["serviceTier"] == {"type": "default"}


def test_tiers_are_billed_at_their_price_table_ratios(client):
    runtime = client("bedrock-runtime")
    for tier in ("priority", "default", "flex"):
        runtime.converse(
            modelId=NOVA_PRO, messages=user("the same prompt"), serviceTier={"type": tier}
        )
    usage = todays_usage(client)
    assert "USE1-NovaPro-output-tokens-priority" in set(usage["usage_type"])
    by_tier = service_tiers.cost_by_tier(usage).set_index("tier")
    prices = pricing.load()
    assert by_tier.loc["priority", "cost"] / by_tier.loc["default", "cost"] == pytest.approx(
        prices.tier_multiple(NOVA_PRO, "priority")
    )
    assert by_tier.loc["flex", "cost"] / by_tier.loc["default", "cost"] == pytest.approx(
        prices.tier_multiple(NOVA_PRO, "flex")
    )
    assert by_tier.loc["flex", "tokens"] == by_tier.loc["default", "tokens"]


def test_priority_is_faster_and_flex_slower_in_simulated_latency(client):
    runtime = client("bedrock-runtime")
    latency = {
        tier: runtime.converse(modelId=NOVA_PRO, messages=user("same"), serviceTier={"type": tier})[
            "metrics"
        ]["latencyMs"]
        for tier in ("priority", "default", "flex")
    }
    assert latency["priority"] < latency["default"] < latency["flex"]


def test_invoke_model_takes_and_answers_the_tier_header_and_the_stream_echoes_it(client):
    runtime = client("bedrock-runtime")
    body = '{"messages": [{"role": "user", "content": [{"text": "hi"}]}]}'
    response = runtime.invoke_model(modelId=NOVA_PRO, body=body, serviceTier="flex")
    assert response["serviceTier"] == "flex"
    assert metric(client, "Invocations", f"{NOVA_PRO}+flex") == 1
    with pytest.raises(ClientError) as excinfo:
        runtime.invoke_model(modelId=HAIKU_45, body="{}", serviceTier="priority")
    assert error_of(excinfo)[0] == "ValidationException"
    stream = runtime.converse_stream(
        modelId=NOVA_PRO, messages=user("stream"), serviceTier={"type": "priority"}
    )["stream"]
    metadata = [e["metadata"] for e in stream if "metadata" in e][0]
    assert metadata["serviceTier"] == {"type": "priority"}


def test_count_tokens_matches_the_converse_usage_of_the_same_input(client):
    runtime = client("bedrock-runtime")
    plain = {
        "system": [{"text": "You are a claims assistant. Answer in one line."}],
        "messages": user("How long does a claim take to settle?"),
    }
    counted = runtime.count_tokens(modelId=HAIKU_45, input={"converse": plain})
    assert (
        counted["inputTokens"]
        == runtime.converse(modelId=HAIKU_45, **plain)["usage"]["inputTokens"]
    )
    # with a cache point: the prefix and the question are counted apart, as they are billed
    # (a question of 16 characters, so that counting the prompt whole would round differently)
    cached = {
        "system": [{"text": LONG_SYSTEM}, {"cachePoint": {"type": "default"}}],
        "messages": user("Summarise claim."),
    }
    counted = runtime.count_tokens(modelId=HAIKU_45, input={"converse": cached})["inputTokens"]
    for _ in range(2):  # a cache write, then a read: the same input tokens billed
        usage = runtime.converse(modelId=HAIKU_45, **cached)["usage"]
        billed = usage["inputTokens"] + usage["cacheReadInputTokens"]
        assert counted == billed + usage["cacheWriteInputTokens"]


def test_count_tokens_is_refused_where_aws_does_not_count(client):
    runtime = client("bedrock-runtime")
    question = {"converse": {"messages": user("hi")}}
    for model_id in (NOVA_PRO, f"us.{HAIKU_45}"):
        with pytest.raises(ClientError) as excinfo:
            runtime.count_tokens(modelId=model_id, input=question)
        assert error_of(excinfo) == (
            "ValidationException",
            400,
            "The provided model doesn't support counting tokens.",
        )


def test_a_cache_write_then_read_is_billed_and_saves_as_the_price_table_predicts(
    client, haiku_profile
):
    # usage, metrics and per-usage-type prices of caching: test_offline_caching_and_metrics.py;
    # here, the day's bill against pricing.cost and the saving service_tiers reports
    runtime = client("bedrock-runtime")
    request = {
        "modelId": haiku_profile,
        "system": [{"text": LONG_SYSTEM}, {"cachePoint": {"type": "default"}}],
        "messages": user("Summarise claim 9"),
    }
    first, second = (runtime.converse(**request)["usage"] for _ in range(2))
    written, read = first["cacheWriteInputTokens"], second["cacheReadInputTokens"]
    assert written == read > 4096
    prices = pricing.load()
    asked = first["inputTokens"] + second["inputTokens"]
    cached = prices.cost(
        HAIKU_45,
        asked,
        first["outputTokens"] + second["outputTokens"],
        cache_read_tokens=read,
        cache_write_tokens=written,
    )
    assert todays_usage(client)["cost"].sum() == pytest.approx(cached, rel=1e-9)
    saving = service_tiers.cache_savings(prices, HAIKU_45, written, read, 2)
    uncached = prices.cost(
        HAIKU_45, asked + 2 * read, first["outputTokens"] + second["outputTokens"]
    )
    assert saving.saved_usd == pytest.approx(uncached - cached)


def _profile(model_id: str) -> profiles.Profile:
    arn = f"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/{model_id[:6]}"
    model_arn = f"arn:aws:bedrock:us-east-1::foundation-model/{model_id}"
    return profiles.Profile("p", "abc", arn, "APPLICATION", "ACTIVE", (model_arn,))


def test_the_spend_guard_prices_the_input_with_count_tokens_where_the_model_counts(client):
    runtime = client("bedrock-runtime")
    prompt = "Summarise this claim note for the adjuster in three bullet points."
    haiku, nova = _profile(HAIKU_45), _profile(NOVA_PRO)
    counted = runtime.count_tokens(modelId=HAIKU_45, input={"converse": {"messages": user(prompt)}})
    plan = [(0, haiku, prompt), (1, haiku, prompt)]
    worst, method = loadgen.spend_check(runtime, plan, 100, 10.0, "us-east-1")
    assert method == "input counted with CountTokens"
    assert worst == pytest.approx(2 * pricing.load().cost(HAIKU_45, counted["inputTokens"], 100))
    # Nova does not count tokens: estimated, and the guard says so
    worst, method = loadgen.spend_check(runtime, [(0, nova, prompt)], 100, 10.0, "us-east-1")
    assert method.startswith("input estimated")
    assert worst == pytest.approx(
        pricing.load().cost(NOVA_PRO, loadgen.estimated_input_tokens(prompt), 100)
    )
    _, method = loadgen.spend_check(runtime, [(0, haiku, prompt), (1, nova, prompt)], 1, 10.0)
    assert method.startswith("input counted with CountTokens for 1 of 2")
    output_only = 2 * pricing.load().cost(HAIKU_45, 0, 100)
    with pytest.raises(InputError, match="input counted with CountTokens\\), above the spend"):
        loadgen.spend_check(runtime, plan, 100, output_only * 1.001, "us-east-1")
    with pytest.raises(InputError, match="the output alone is above the cap"):
        loadgen.spend_check(runtime, plan, 100, output_only / 2, "us-east-1")


def test_the_cur_export_bills_each_tier_at_its_ratio(client, conn, endpoint, tmp_path):
    runtime = client("bedrock-runtime")
    for tier in ("priority", "default", "flex"):
        runtime.converse(modelId=NOVA_PRO, messages=user("same words"), serviceTier={"type": tier})
    control(
        endpoint,
        "POST",
        "/_standin/cur-export",
        {"bucket": "cur-exports", "prefix": "cur", "export_name": "daily"},
    )
    files = cur.download_export(conn, "cur-exports", "cur/daily", tmp_path / "cur")
    rows = pd.concat(pd.read_parquet(f) for f in files)
    frame = rows.rename(
        columns={"line_item_usage_type": "usage_type", "line_item_unblended_cost": "cost"}
    )
    by_tier = service_tiers.cost_by_tier(frame[["usage_type", "cost"]]).set_index("tier")
    multiple = pricing.load().tier_multiple
    assert by_tier.loc["priority", "cost"] == pytest.approx(
        by_tier.loc["default", "cost"] * multiple(NOVA_PRO, "priority")
    )
    assert by_tier.loc["flex", "cost"] == pytest.approx(
        by_tier.loc["default", "cost"] * multiple(NOVA_PRO, "flex")
    )
