"""Cross-region profiles in the stand-in: every geography, its sources and destinations, and
the price of the scope a call goes through."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError

from helpers import catalog, pricing
from tests.conftest import ACCOUNT, error_of, user

HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"


def regions_of(profile):
    return [m["modelArn"].split(":")[3] for m in profile["models"]]


def test_jp_profile_routes_to_tokyo_and_osaka(client, assert_shape):
    for source in ("ap-northeast-1", "ap-northeast-3"):
        found = client("bedrock", source).get_inference_profile(
            inferenceProfileIdentifier=f"jp.{HAIKU_45}"
        )
        assert_shape("bedrock", "GetInferenceProfile", found)
        assert regions_of(found) == ["ap-northeast-1", "ap-northeast-3"]
        assert found["inferenceProfileName"] == "JP Anthropic Claude Haiku 4.5"
    # not callable from outside Japan
    with pytest.raises(ClientError) as excinfo:
        client("bedrock-runtime").converse(modelId=f"jp.{HAIKU_45}", messages=user("hi"))
    assert error_of(excinfo)[:2] == ("ValidationException", 400)


@pytest.mark.parametrize(
    "prefix,source,destinations",
    [
        ("us", "us-east-1", ["us-east-1", "us-east-2", "us-west-2"]),
        (
            "eu",
            "eu-central-1",
            ["eu-central-1", "eu-north-1", "eu-south-1", "eu-west-1", "eu-west-3"],
        ),
        ("jp", "ap-northeast-3", ["ap-northeast-1", "ap-northeast-3"]),
        ("au", "ap-southeast-6", ["ap-southeast-2", "ap-southeast-4", "ap-southeast-6"]),
        ("global", "sa-east-1", ["sa-east-1", ""]),
    ],
)
def test_each_geography_has_its_sources_and_destinations(client, prefix, source, destinations):
    profile_id = f"{prefix}.{HAIKU_45}"
    found = client("bedrock", source).get_inference_profile(inferenceProfileIdentifier=profile_id)
    assert regions_of(found) == destinations
    answer = client("bedrock-runtime", source).converse(modelId=profile_id, messages=user("hi"))
    assert answer["stopReason"] == "end_turn"


def test_apac_and_us_gov_profiles(client):
    apac = client("bedrock", "ap-south-1").get_inference_profile(
        inferenceProfileIdentifier="apac.amazon.nova-lite-v1:0"
    )
    assert len(regions_of(apac)) == 5  # the API lists 1 to 5 models
    gov = client("bedrock", "us-gov-west-1").get_inference_profile(
        inferenceProfileIdentifier="us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0"
    )
    assert gov["inferenceProfileArn"].startswith(f"arn:aws-us-gov:bedrock:us-gov-west-1:{ACCOUNT}:")
    assert all(m["modelArn"].startswith("arn:aws-us-gov:") for m in gov["models"])


@pytest.mark.parametrize("prefix", catalog.GEOGRAPHY_PREFIXES)
def test_every_prefix_serves_some_model_somewhere(prefix):
    data = catalog.load()
    assert any(prefix in m.geographies for m in data.models.values())
    assert prefix in catalog.GEOGRAPHY_PREFIXES and data.geographies[prefix].label


def test_canada_calls_us_and_global_profiles_only(client):
    listed = client("bedrock", "ca-central-1").list_inference_profiles()[
        "inferenceProfileSummaries"
    ]
    assert {p["inferenceProfileId"].split(".")[0] for p in listed} == {"us", "global"}


def test_a_profile_copied_from_global_answers_and_bills_at_the_global_price(client, assert_shape):
    bedrock, runtime, ce = client("bedrock"), client("bedrock-runtime"), client("ce")
    system = bedrock.get_inference_profile(inferenceProfileIdentifier=f"global.{HAIKU_45}")
    assert regions_of(system) == ["us-east-1", ""]
    assert system["models"][1]["modelArn"] == f"arn:aws:bedrock:::foundation-model/{HAIKU_45}"
    arn = bedrock.create_inference_profile(
        inferenceProfileName="claims_global",
        modelSource={"copyFrom": system["inferenceProfileArn"]},
        tags=[{"key": "dept", "value": "claims"}],
    )["inferenceProfileArn"]
    assert regions_of(bedrock.get_inference_profile(inferenceProfileIdentifier=arn)) == [
        "us-east-1",
        "",
    ]
    answer = runtime.converse(modelId=arn, messages=user("A claim to summarise"))
    assert_shape("bedrock-runtime", "Converse", answer)
    usage = answer["usage"]
    today = date.today()
    found = ce.get_cost_and_usage(
        TimePeriod={"Start": str(today), "End": str(today + timedelta(days=1))},
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
        GroupBy=[{"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
    )["ResultsByTime"][0]["Groups"]
    by_type = {g["Keys"][0]: Decimal(g["Metrics"]["UnblendedCost"]["Amount"]) for g in found}
    assert set(by_type) == {
        "USE1-Claude4.5Haiku-input-tokens-cross-region-global",
        "USE1-Claude4.5Haiku-output-tokens-cross-region-global",
    }
    # $1.00 / $5.00 per 1M tokens globally, where in-region and geographic calls pay $1.10 / $5.50
    assert pricing.load().price(f"global.{HAIKU_45}") == (1.0, 5.0)
    expected = (Decimal(usage["inputTokens"]) * 1 + Decimal(usage["outputTokens"]) * 5) / 10**6
    assert sum(by_type.values()) == expected


def test_deepseek_in_tokyo_bills_at_the_tokyo_price(client):
    runtime = client("bedrock-runtime", "ap-northeast-1")
    usage = runtime.converse(modelId="deepseek.v3.2", messages=user("Tokyo"))["usage"]
    today = date.today()
    total = client("ce").get_cost_and_usage(
        TimePeriod={"Start": str(today), "End": str(today + timedelta(days=1))},
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
    )["ResultsByTime"][0]["Total"]["UnblendedCost"]["Amount"]
    expected = (
        Decimal(usage["inputTokens"]) * Decimal("0.74")
        + Decimal(usage["outputTokens"]) * Decimal("2.22")
    ) / 10**6
    assert Decimal(total) == expected


def test_deepseek_is_served_through_converse_only_offline(client):
    with pytest.raises(ClientError) as excinfo:
        client("bedrock-runtime").invoke_model(modelId="deepseek.v3.2", body=b'{"messages": []}')
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert "Converse and ConverseStream only" in message and "not public" in message


def test_llama_4_cannot_stream(client):
    profile = "us.meta.llama4-scout-17b-instruct-v1:0"
    runtime = client("bedrock-runtime")
    assert runtime.converse(modelId=profile, messages=user("hi"))["stopReason"] == "end_turn"
    with pytest.raises(ClientError) as excinfo:
        runtime.converse_stream(modelId=profile, messages=user("hi"))
    assert "doesn't support streaming" in error_of(excinfo)[2]


def test_a_profile_copied_from_a_profile_only_model_cannot_be_called_on_demand(client):
    # AWS does not document this case; the stand-in treats the profile like the bare model ID
    arn = client("bedrock").create_inference_profile(
        inferenceProfileName="sonnet_bare",
        modelSource={
            "copyFrom": "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-6"
        },
    )["inferenceProfileArn"]
    with pytest.raises(ClientError) as excinfo:
        client("bedrock-runtime").converse(modelId=arn, messages=user("hi"))
    code, _, message = error_of(excinfo)
    assert code == "ValidationException" and "with on-demand throughput isn" in message
