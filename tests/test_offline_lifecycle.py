"""Model lifecycle in the stand-in: ACTIVE, LEGACY and end of life, worked out from the date.

The session's stand-in evaluates lifecycles on 2026-11-28 (conftest.PINNED_TODAY); tests that
need another day pin it through the control API and the reset restores the session's pin.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError

from helpers.offline import launcher
from tests.conftest import ACCOUNT, control, error_of, metric_total, user

HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
HAIKU_3 = "anthropic.claude-3-haiku-20240307-v1:0"
SONNET_45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
END_OF_LIFE = (
    "ResourceNotFoundException",
    404,
    "This model version has reached the end of its life. Please refer to the AWS documentation "
    "for more details.",
)


def pin(endpoint, day):
    control(endpoint, "POST", "/_standin/settings", {"today": day})


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


def test_claude_haiku_4_5_lists_as_active_with_its_dates(client, assert_shape):
    bedrock = client("bedrock")
    listed = bedrock.list_foundation_models()
    assert_shape("bedrock", "ListFoundationModels", listed)
    haiku = next(m for m in listed["modelSummaries"] if m["modelId"] == HAIKU_45)
    assert haiku["modelLifecycle"] == {"status": "ACTIVE", "startOfLifeTime": utc(2025, 10, 16)}
    detail = bedrock.get_foundation_model(modelIdentifier=HAIKU_45)
    assert_shape("bedrock", "GetFoundationModel", detail)
    assert detail["modelDetails"]["modelLifecycle"]["status"] == "ACTIVE"


def test_a_legacy_model_shows_legacy_extended_access_and_end_of_life(client):
    details = client("bedrock").get_foundation_model(modelIdentifier=SONNET_45)["modelDetails"]
    assert details["modelLifecycle"] == {
        "status": "LEGACY",
        "startOfLifeTime": utc(2025, 9, 29),
        "legacyTime": utc(2026, 10, 8),
        "publicExtendedAccessTime": utc(2027, 1, 8),
        "endOfLifeTime": utc(2027, 4, 8),
    }


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c("bedrock-runtime").converse(modelId=HAIKU_3, messages=user("hi")),
        lambda c: c("bedrock-runtime").converse(
            modelId=f"us.{HAIKU_3}", messages=user("through the US profile")
        ),
        lambda c: c("bedrock-runtime").invoke_model(
            modelId=HAIKU_3,
            body=b'{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 5, '
            b'"messages": [{"role": "user", "content": "hi"}]}',
        ),
        lambda c: c("bedrock").get_foundation_model(modelIdentifier=HAIKU_3),
        lambda c: c("bedrock").get_inference_profile(inferenceProfileIdentifier=f"us.{HAIKU_3}"),
        lambda c: c("bedrock").create_inference_profile(
            inferenceProfileName="old_model",
            modelSource={"copyFrom": f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU_3}"},
        ),
        lambda c: c("bedrock").create_inference_profile(
            inferenceProfileName="old_profile",
            modelSource={
                "copyFrom": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.{HAIKU_3}"
            },
        ),
    ],
    ids=[
        "converse",
        "converse through us.",
        "invoke model",
        "get foundation model",
        "get system profile",
        "copy the model",
        "copy its system profile",
    ],
)
def test_claude_3_haiku_past_end_of_life_in_us_east_1(client, call):
    with pytest.raises(ClientError) as excinfo:
        call(client)
    assert error_of(excinfo) == END_OF_LIFE
    assert (
        client("bedrock").list_inference_profiles(typeEquals="APPLICATION")[
            "inferenceProfileSummaries"
        ]
        == []
    )  # nothing created


def test_retired_models_and_their_profiles_are_not_listed(client):
    bedrock = client("bedrock")
    listed = {m["modelId"] for m in bedrock.list_foundation_models()["modelSummaries"]}
    for retired in (
        HAIKU_3,
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "anthropic.claude-3-7-sonnet-20250219-v1:0",
        "amazon.titan-text-express-v1",
    ):
        assert retired not in listed
    profiles = {
        p["inferenceProfileId"]
        for p in bedrock.list_inference_profiles()["inferenceProfileSummaries"]
    }
    assert f"us.{HAIKU_3}" not in profiles and f"us.{HAIKU_45}" in profiles


def test_pinned_to_2025_claude_3_haiku_is_active_again_and_haiku_4_5_unknown(client, endpoint):
    bedrock, runtime = client("bedrock"), client("bedrock-runtime")
    pin(endpoint, "2025-06-01")
    life = bedrock.get_foundation_model(modelIdentifier=HAIKU_3)["modelDetails"]["modelLifecycle"]
    assert life["status"] == "ACTIVE"
    assert runtime.converse(modelId=HAIKU_3, messages=user("in 2025"))["stopReason"] == "end_turn"
    with pytest.raises(ClientError) as excinfo:  # not released yet
        bedrock.get_foundation_model(modelIdentifier=HAIKU_45)
    assert error_of(excinfo)[:2] == ("ValidationException", 400)
    # and back on the session's date: past its end of life
    pin(endpoint, "2026-11-28")
    with pytest.raises(ClientError) as excinfo:
        runtime.converse(modelId=HAIKU_3, messages=user("in late 2026"))
    assert error_of(excinfo) == END_OF_LIFE


def test_a_profile_made_before_end_of_life_stops_answering_after_it(client, endpoint):
    bedrock, runtime = client("bedrock"), client("bedrock-runtime")
    pin(endpoint, "2026-09-09")  # Legacy, one day before the end
    arn = bedrock.create_inference_profile(
        inferenceProfileName="claims_old",
        modelSource={"copyFrom": f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU_3}"},
        tags=[{"key": "dept", "value": "claims"}],
    )["inferenceProfileArn"]
    assert runtime.converse(modelId=arn, messages=user("still here"))["stopReason"] == "end_turn"
    pin(endpoint, "2026-09-10")
    with pytest.raises(ClientError) as excinfo:
        runtime.converse(modelId=arn, messages=user("gone"))
    assert error_of(excinfo) == END_OF_LIFE
    # the profile itself remains, and can be inspected and deleted
    assert bedrock.get_inference_profile(inferenceProfileIdentifier=arn)["status"] == "ACTIVE"
    bedrock.delete_inference_profile(inferenceProfileIdentifier=arn)


def test_lifecycle_differs_by_region(client):
    # Claude 3 Haiku: retired in us-east-1 and Tokyo, Legacy in Seoul, still served in Canada
    def status(region):
        found = client("bedrock", region).get_foundation_model(modelIdentifier=HAIKU_3)
        return found["modelDetails"]["modelLifecycle"]

    with pytest.raises(ClientError):
        status("ap-northeast-1")
    seoul = status("ap-northeast-2")
    assert seoul["status"] == "LEGACY" and seoul["legacyTime"] == utc(2026, 3, 10)
    assert "endOfLifeTime" not in seoul  # no end-of-life date published there
    assert status("ca-central-1")["status"] == "ACTIVE"


def test_calls_to_a_legacy_model_are_counted(client):
    runtime = client("bedrock-runtime", "ap-northeast-2")
    for _ in range(3):
        runtime.converse(modelId=HAIKU_3, messages=user("Seoul"))
    client("bedrock-runtime").converse(modelId=HAIKU_45, messages=user("active"))

    def legacy_calls(region, model):
        found = metric_total(client("cloudwatch", region), "LegacyModelInvocations", model)
        return found[0]

    assert legacy_calls("ap-northeast-2", HAIKU_3) == 3
    assert legacy_calls("us-east-1", HAIKU_45) == 0


@pytest.mark.parametrize("bad", ["2026-13-01", "yesterday", 20261128])
def test_the_today_setting_takes_a_date_only(endpoint, bad):
    with pytest.raises(launcher.ControlRefused) as excinfo:
        pin(endpoint, bad)
    assert excinfo.value.status == 400
    assert "today must be a date" in excinfo.value.reason


def test_a_reset_returns_to_the_pinned_date(client, endpoint):
    pin(endpoint, "2025-06-01")
    control(endpoint, "POST", "/moto-api/reset")
    assert control(endpoint, "GET", "/_standin/state")["settings"]["today"] == "2026-11-28"
