"""The stand-in's Bedrock runtime: every way of naming a model, each family's body, streams."""

from __future__ import annotations

import json
import random

import pytest
from botocore.exceptions import ClientError

from helpers.offline import launcher
from tests.conftest import ACCOUNT, control, error_of, metric_total, user

HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET_46 = "anthropic.claude-sonnet-4-6"
LLAMA = "meta.llama3-70b-instruct-v1:0"
NOVA_LITE = "amazon.nova-lite-v1:0"
NOVA_2 = "amazon.nova-2-lite-v1:0"
GPT_OSS = "openai.gpt-oss-120b-1:0"


@pytest.fixture
def profile(haiku_profile):
    return haiku_profile


def test_converse_through_application_profile(client, profile, assert_shape):
    response = client("bedrock-runtime").converse(modelId=profile, messages=user("Hello there"))
    assert_shape("bedrock-runtime", "Converse", response)
    text = response["output"]["message"]["content"][0]["text"]
    assert "Simulated reply from Claude Haiku 4.5" in text
    usage = response["usage"]
    assert usage["inputTokens"] == 3  # "Hello there": 11 ASCII characters / 4, rounded up
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]
    assert response["stopReason"] == "end_turn"
    assert response["metrics"]["latencyMs"] > 0


def test_every_way_of_naming_the_model(client, profile):
    runtime = client("bedrock-runtime")
    profile_id = profile.rsplit("/", 1)[1]
    names = [
        profile,
        profile_id,
        HAIKU,
        f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}",
        "us.anthropic.claude-haiku-4-5-20251001-v1:0",
        f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0",
    ]
    texts = {
        runtime.converse(modelId=name, messages=user("same prompt"))["output"]["message"][
            "content"
        ][0]["text"]
        for name in names
    }
    assert len(texts) == 1  # same model, same prompt: the same deterministic reply


def test_replies_are_deterministic_and_vary_by_prompt(client, profile):
    runtime = client("bedrock-runtime")
    first = runtime.converse(modelId=profile, messages=user("What is a cost centre?"))
    again = runtime.converse(modelId=profile, messages=user("What is a cost centre?"))
    other = runtime.converse(modelId=profile, messages=user("How do budgets work?"))
    assert first["output"] == again["output"]
    assert first["output"] != other["output"]


def test_max_tokens_and_stop_sequences(client, profile):
    runtime = client("bedrock-runtime")
    short = runtime.converse(
        modelId=profile, messages=user("Tell me everything"), inferenceConfig={"maxTokens": 10}
    )
    assert short["stopReason"] == "max_tokens"
    assert short["usage"]["outputTokens"] <= 10
    stopped = runtime.converse(
        modelId=profile,
        messages=user("Tell me everything"),
        inferenceConfig={"stopSequences": ["offline"]},
    )
    assert stopped["stopReason"] == "stop_sequence"
    assert "offline" not in stopped["output"]["message"]["content"][0]["text"]


def test_on_demand_error_for_profile_only_model(client):
    with pytest.raises(ClientError) as excinfo:
        client("bedrock-runtime").converse(modelId=SONNET_46, messages=user("hi"))
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert message == (
        f"Invocation of model ID {SONNET_46} with on-demand throughput isn\u2019t supported. "
        "Retry your request with the ID or ARN of an inference profile that contains this model."
    )
    # the fix: the system-defined profile that contains it
    ok = client("bedrock-runtime").converse(modelId=f"us.{SONNET_46}", messages=user("hi"))
    assert ok["stopReason"] == "end_turn"


@pytest.mark.parametrize(
    "model_id",
    [
        "anthropic.claude-9-v1:0",
        "eu.amazon.nova-lite-v1:0",
        "zzzzzzzzzzzz",
        "meta.llama3-70b-instruct-v1:0",
    ],
)
def test_invalid_model_identifier(client, model_id):
    # Llama 3 70B exists but not in eu-central-1; eu. profiles are not callable from us-east-1
    region = "eu-central-1" if model_id.startswith("meta") else "us-east-1"
    with pytest.raises(ClientError) as excinfo:
        client("bedrock-runtime", region).converse(modelId=model_id, messages=user("hi"))
    assert error_of(excinfo) == (
        "ValidationException",
        400,
        "The provided model identifier is invalid.",
    )


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        (
            {"messages": [{"role": "assistant", "content": [{"text": "hi"}]}]},
            "A conversation must start with a user message.",
        ),
        ({"messages": user("a") + user("b")}, "must alternate between user and assistant"),
        (
            {"messages": user("   ")},
            "The text field in the ContentBlock object at messages.0.content.0 is blank.",
        ),
        (
            {"messages": user("hi"), "inferenceConfig": {"maxTokens": 70000}},
            "exceeds the model limit of 64000",
        ),
        (
            {"messages": user("hi"), "inferenceConfig": {"temperature": 1.5}},
            "Value '1.5' at 'inferenceConfig.temperature' failed to satisfy constraint: "
            "Member must have value less than or equal to 1",
        ),
    ],
)
def test_converse_rejects_what_bedrock_rejects(client, profile, kwargs, fragment):
    with pytest.raises(ClientError) as excinfo:
        client("bedrock-runtime").converse(modelId=profile, **kwargs)
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert fragment in message


def test_converse_stream_yields_one_dict_per_event(client, profile, assert_events):
    runtime = client("bedrock-runtime")
    whole = runtime.converse(modelId=profile, messages=user("Stream this"))
    response = runtime.converse_stream(modelId=profile, messages=user("Stream this"))
    events = list(response["stream"])
    assert_events("bedrock-runtime", "ConverseStream", events)
    names = [next(iter(e)) for e in events]
    assert names[0] == "messageStart" and names[-2:] == ["messageStop", "metadata"]
    assert names.count("contentBlockDelta") > 3
    text = "".join(
        e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e
    )
    assert text == whole["output"]["message"]["content"][0]["text"]
    metadata = events[-1]["metadata"]
    assert metadata["usage"] == whole["usage"]
    assert events[-2]["messageStop"]["stopReason"] == "end_turn"


BODIES = {
    HAIKU: {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 200,
        "messages": [{"role": "user", "content": "Summarise our spend"}],
    },
    LLAMA: {
        "prompt": "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\nSummarise our "
        "spend<|eot_id|>",
        "max_gen_len": 200,
    },
    NOVA_LITE: {
        "messages": [{"role": "user", "content": [{"text": "Summarise our spend"}]}],
        "inferenceConfig": {"max_new_tokens": 200},
    },
    GPT_OSS: {"messages": [{"role": "user", "content": "Summarise our spend"}], "max_tokens": 200},
}
# Nova 2 Lite is served through profiles only in us-east-1: its InvokeModel calls go through one.
US_NOVA_2 = f"us.{NOVA_2}"
BODIES[US_NOVA_2] = {
    "messages": [{"role": "user", "content": [{"text": "Summarise our spend"}]}],
    "inferenceConfig": {"maxTokens": 200},
}


def reply_text(model_id, body):
    if model_id == HAIKU:
        return body["content"][0]["text"], body["usage"]["output_tokens"]
    if model_id == LLAMA:
        return body["generation"], body["generation_token_count"]
    if model_id in (NOVA_LITE, US_NOVA_2):
        return body["output"]["message"]["content"][0]["text"], body["usage"]["outputTokens"]
    choice = body["choices"][0]["message"]["content"]  # gpt-oss: reasoning first, then the answer
    return choice.split("</reasoning>", 1)[1], body["usage"]["completion_tokens"]


@pytest.mark.parametrize("model_id", list(BODIES))
def test_invoke_model_speaks_each_family(client, model_id, assert_shape):
    response = client("bedrock-runtime").invoke_model(
        modelId=model_id, body=json.dumps(BODIES[model_id])
    )
    assert response["contentType"] == "application/json"
    raw = response["body"].read()
    assert_shape("bedrock-runtime", "InvokeModel", {**response, "body": raw})
    body = json.loads(raw)
    text, output_tokens = reply_text(model_id, body)
    assert text.startswith("[Simulated reply from ")
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert int(headers["x-amzn-bedrock-output-token-count"]) == output_tokens
    assert int(headers["x-amzn-bedrock-input-token-count"]) > 0


@pytest.mark.parametrize(
    "model_id,body,fragment",
    [
        (HAIKU, BODIES[LLAMA], "#: required key [anthropic_version] not found"),
        (HAIKU, BODIES[LLAMA], "#: extraneous key [prompt] is not permitted"),
        (LLAMA, BODIES[HAIKU], "#: required key [prompt] not found"),
        (NOVA_LITE, BODIES[LLAMA], "#: extraneous key [max_gen_len] is not permitted"),
        (NOVA_LITE, BODIES[US_NOVA_2], "#: /inferenceConfig: extraneous key [maxTokens]"),
        (US_NOVA_2, BODIES[NOVA_LITE], "extraneous key [max_new_tokens] is not permitted"),
        (GPT_OSS, BODIES[HAIKU], "#: extraneous key [anthropic_version] is not permitted"),
        (GPT_OSS, {**BODIES[GPT_OSS], "stream": True}, "stream"),
        (HAIKU, {**BODIES[HAIKU], "max_tokens": 70000}, "max_tokens: 70000 > 64000"),
    ],
)
def test_invoke_model_rejects_the_wrong_family(client, model_id, body, fragment):
    with pytest.raises(ClientError) as excinfo:
        client("bedrock-runtime").invoke_model(modelId=model_id, body=json.dumps(body))
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert fragment in message
    if "#:" in message:
        assert message.startswith("Malformed input request: ")
        assert message.endswith(", please reformat your input and try again.")


def test_invoke_model_rejects_bad_json(client):
    with pytest.raises(ClientError) as excinfo:
        client("bedrock-runtime").invoke_model(modelId=HAIKU, body=b"{not json")
    assert error_of(excinfo)[:2] == ("ValidationException", 400)


def stream_text(model_id, chunks):
    if model_id == HAIKU:
        return "".join(c["delta"]["text"] for c in chunks if c["type"] == "content_block_delta")
    if model_id == LLAMA:
        return "".join(c["generation"] for c in chunks)
    return "".join(
        c["contentBlockDelta"]["delta"]["text"] for c in chunks if "contentBlockDelta" in c
    )


@pytest.mark.parametrize("model_id", [HAIKU, LLAMA, NOVA_LITE, US_NOVA_2])
def test_invoke_model_with_response_stream(client, model_id, assert_events):
    runtime = client("bedrock-runtime")
    whole = json.loads(
        runtime.invoke_model(modelId=model_id, body=json.dumps(BODIES[model_id]))["body"].read()
    )
    response = runtime.invoke_model_with_response_stream(
        modelId=model_id, body=json.dumps(BODIES[model_id])
    )
    events = list(response["body"])
    assert_events("bedrock-runtime", "InvokeModelWithResponseStream", events)
    chunks = [json.loads(event["chunk"]["bytes"]) for event in events]
    assert stream_text(model_id, chunks) == reply_text(model_id, whole)[0]
    metrics = chunks[-1]["amazon-bedrock-invocationMetrics"]
    assert metrics["outputTokenCount"] == reply_text(model_id, whole)[1]


def test_count_tokens(client, assert_shape):
    response = client("bedrock-runtime").count_tokens(
        modelId=HAIKU, input={"converse": {"messages": user("Hello there")}}
    )
    assert_shape("bedrock-runtime", "CountTokens", response)
    assert response["inputTokens"] == 3


def metric_sum(client, name, model_dimension):
    return metric_total(client("cloudwatch"), name, model_dimension)[0]


def test_calls_are_recorded_in_cloudwatch_under_the_profile_id(client, profile):
    runtime = client("bedrock-runtime")
    profile_id = profile.rsplit("/", 1)[1]
    total_in = total_out = 0
    for i in range(3):
        usage = runtime.converse(modelId=profile, messages=user(f"question {i}"))["usage"]
        total_in += usage["inputTokens"]
        total_out += usage["outputTokens"]
    with pytest.raises(ClientError):
        runtime.converse(modelId=profile, messages=user("x"), inferenceConfig={"maxTokens": 99999})
    assert metric_sum(client, "Invocations", profile_id) == 3
    assert metric_sum(client, "InputTokenCount", profile_id) == total_in
    assert metric_sum(client, "OutputTokenCount", profile_id) == total_out
    assert metric_sum(client, "InvocationClientErrors", profile_id) == 1
    assert metric_sum(client, "InvocationLatency", profile_id) > 0
    # a bare-model call is recorded under the model ID, not the profile's
    runtime.converse(modelId=HAIKU, messages=user("direct"))
    assert metric_sum(client, "Invocations", HAIKU) == 1
    assert metric_sum(client, "Invocations", profile_id) == 3


def test_fault_injection_is_deterministic_and_counted(client, profile, endpoint):
    runtime = client("bedrock-runtime")
    profile_id = profile.rsplit("/", 1)[1]
    control(endpoint, "POST", "/_standin/faults", {"rate": 0.3, "seed": 42})
    outcomes = []
    for i in range(40):
        try:
            runtime.converse(modelId=profile, messages=user(f"q{i}"))
            outcomes.append("ok")
        except ClientError as exc:
            assert error_of_response(exc) == ("ThrottlingException", 429)
            outcomes.append("throttled")
    draws = random.Random(42)
    expected = ["throttled" if draws.random() < 0.3 else "ok" for _ in range(40)]
    assert outcomes == expected
    state = control(endpoint, "GET", "/_standin/state")["faults"]
    assert state["injected"] == expected.count("throttled") and state["calls"] == 40
    assert metric_sum(client, "InvocationThrottles", profile_id) == expected.count("throttled")
    assert metric_sum(client, "Invocations", profile_id) == expected.count("ok")
    control(endpoint, "DELETE", "/_standin/faults")
    runtime.converse(modelId=profile, messages=user("after"))


def error_of_response(exc):
    return exc.response["Error"]["Code"], exc.response["ResponseMetadata"]["HTTPStatusCode"]


def test_fault_injection_rejects_unknown_errors(endpoint):
    with pytest.raises(launcher.ControlRefused) as excinfo:
        control(endpoint, "POST", "/_standin/faults", {"rate": 0.5, "error": "Nope"})
    assert excinfo.value.status == 400


# --- issue 13, class 21: what AWS refuses with 400, never a 500 -------------------------------
from tests.fake_servers import raw_request  # noqa: E402

# SerializationException is in no service model (AWS's front end answers it): moto warns
SERIALIZATION_WARNING = "ignore:Exception\\(SerializationException\\):UserWarning"

HAIKU_PROFILE = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
CONVERSE = f"/model/{HAIKU_PROFILE}/converse"
INVOKE = f"/model/{HAIKU_PROFILE}/invoke"


def converse_body(**extra) -> str:
    return json.dumps({"messages": [{"role": "user", "content": [{"text": "hi"}]}], **extra})


def answered(status: int, headers: dict, body: bytes) -> tuple[int, str, str]:
    parsed = json.loads(body)
    code = parsed.get("__type", headers.get("x-amzn-errortype", "")).split("#")[-1]
    return status, code, parsed.get("Message") or parsed.get("message", "")


UNREADABLE = [
    ("malformed JSON", "{not json", "not valid JSON"),
    ("truncated JSON", converse_body()[:-3], "not valid JSON"),
    (
        "invalid UTF-8",
        b'{"messages": [{"role": "user", "content": [{"text": "\xff\xfe"}]}]}',
        "UTF-8",
    ),
    ("a list body", "[1, 2]", "Start of list found where not expected"),
    ("a string body", '"hi"', "STRING_VALUE can not be converted to a Structure"),
    (
        "maxTokens as a string",
        converse_body(inferenceConfig={"maxTokens": "256"}),
        "STRING_VALUE can not be converted to an Integer at 'inferenceConfig.maxTokens'",
    ),
    (
        "maxTokens as a boolean",
        converse_body(inferenceConfig={"maxTokens": True}),
        "BOOLEAN_VALUE can not be converted to an Integer",
    ),
    (
        "maxTokens as a fraction",
        converse_body(inferenceConfig={"maxTokens": 2.5}),
        "NUMBER_VALUE can not be converted to an Integer",
    ),
    (
        "stopSequences as a string",
        converse_body(inferenceConfig={"stopSequences": "END"}),
        "STRING_VALUE can not be converted to a List at 'inferenceConfig.stopSequences'",
    ),
    (
        "stopSequences holding a number",
        converse_body(inferenceConfig={"stopSequences": [1]}),
        "NUMBER_VALUE can not be converted to a String",
    ),
    (
        "temperature as a string",
        converse_body(inferenceConfig={"temperature": "warm"}),
        "STRING_VALUE can not be converted to a Float",
    ),
    (
        "messages as an object",
        json.dumps({"messages": {"role": "user"}}),
        "Start of structure or map found where not expected at 'messages'",
    ),
    (
        "text as a number",
        json.dumps({"messages": [{"role": "user", "content": [{"text": 5}]}]}),
        "NUMBER_VALUE can not be converted to a String",
    ),
    (
        "a lone surrogate in the prompt",
        json.dumps({"messages": [{"role": "user", "content": [{"text": "hi \ud800"}]}]}),
        "lone UTF-16 surrogate",
    ),
    (
        "a lone surrogate in the system prompt",
        converse_body(system=[{"text": "\udfff be brief"}]),
        "lone UTF-16 surrogate",
    ),
]


@pytest.mark.parametrize(
    "body,fragment", [c[1:] for c in UNREADABLE], ids=[c[0] for c in UNREADABLE]
)
@pytest.mark.filterwarnings(SERIALIZATION_WARNING)
def test_converse_bodies_aws_cannot_read_get_400_serialization_exception(endpoint, body, fragment):
    status, code, message = answered(*raw_request(endpoint, "POST", CONVERSE, body))
    assert (status, code) == (400, "SerializationException")
    assert fragment in message


@pytest.mark.parametrize("body", ["", "   ", "{}"], ids=["empty", "blank", "no members"])
def test_an_empty_converse_body_is_a_validation_exception(endpoint, body):
    status, code, message = answered(*raw_request(endpoint, "POST", CONVERSE, body))
    assert (status, code) == (400, "ValidationException")
    assert "must start with a user message" in message


@pytest.mark.filterwarnings(SERIALIZATION_WARNING)
def test_the_same_checks_hold_for_the_stream_and_the_control_plane(endpoint):
    stream = f"/model/{HAIKU_PROFILE}/converse-stream"
    assert answered(*raw_request(endpoint, "POST", stream, "{bad"))[:2] == (
        400,
        "SerializationException",
    )
    create = json.dumps({"inferenceProfileName": 5, "modelSource": {"copyFrom": "x"}})
    status, code, message = answered(*raw_request(endpoint, "POST", "/inference-profiles", create))
    assert (status, code) == (400, "SerializationException")
    assert "NUMBER_VALUE can not be converted to a String at 'inferenceProfileName'" in message
    assert answered(*raw_request(endpoint, "POST", "/inference-profiles", "[]"))[:2] == (
        400,
        "SerializationException",
    )


@pytest.mark.parametrize(
    "target,service",
    [
        ("AWSInsightsIndexService.GetCostAndUsage", "ce"),
        ("AWSBudgetServiceGateway.DescribeBudgets", "budgets"),
        ("AmazonAthena.GetQueryExecution", "athena"),
        ("ResourceGroupsTaggingAPI_20170126.GetResources", "tagging"),
    ],
)
@pytest.mark.parametrize("body", ["{bad", "[1]"])
@pytest.mark.filterwarnings(SERIALIZATION_WARNING)
def test_json_protocol_services_refuse_unreadable_bodies(endpoint, target, service, body):
    headers = {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"}
    status, code, _ = answered(
        *raw_request(endpoint, "POST", "/", body, service=service, headers=headers)
    )
    assert (status, code) == (400, "SerializationException")


@pytest.mark.filterwarnings(SERIALIZATION_WARNING)
def test_a_wrong_content_type_is_never_a_500(endpoint):
    for content_type in ("text/plain", "application/x-amz-json-1.1", "application/xml"):
        status, _, _ = raw_request(
            endpoint, "POST", CONVERSE, converse_body(), headers={"Content-Type": content_type}
        )
        assert status < 500, content_type
    for content_type in ("text/plain", "application/x-www-form-urlencoded"):
        status, _, _ = raw_request(
            endpoint, "POST", CONVERSE, "a=b&c", headers={"Content-Type": content_type}
        )
        assert 400 <= status < 500, content_type


def test_an_unsigned_request_gets_missing_authentication_token(endpoint):
    status, headers, body = raw_request(endpoint, "POST", CONVERSE, converse_body(), service=None)
    assert status == 403
    assert headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert json.loads(body) == {"message": "Missing Authentication Token"}


@pytest.mark.parametrize(
    "body",
    [
        {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 9,
            "messages": [{"role": "user", "content": "hi \ud800"}],
        },
        {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 9,
            "system": "\udc00",
            "messages": [{"role": "user", "content": "hi"}],
        },
    ],
)
def test_invoke_model_body_with_a_lone_surrogate_is_malformed_input(endpoint, body):
    status, code, message = answered(*raw_request(endpoint, "POST", INVOKE, json.dumps(body)))
    assert (status, code) == (400, "ValidationException")
    assert message.startswith("Malformed input request:") and "surrogate" in message


@pytest.mark.parametrize(
    "model_id,characters",
    [
        ("us.anthropic.claude-haiku-4-5-20251001-v1:0", 4 * 200_000 + 8),  # just above 200K
        ("us.amazon.nova-lite-v1:0", 4 * 300_000 + 8),
        ("us.anthropic.claude-haiku-4-5-20251001-v1:0", 50 * 1024 * 1024),  # the 50 MB prompt
    ],
    ids=["claude just above", "nova just above", "50 MB"],
)
def test_a_prompt_above_the_context_window_is_too_long(client, model_id, characters):
    runtime = client("bedrock-runtime")
    with pytest.raises(ClientError) as excinfo:
        runtime.converse(modelId=model_id, messages=user("x" * characters))
    assert error_of(excinfo) == (
        "ValidationException",
        400,
        "Input is too long for requested model.",
    )


def test_a_prompt_at_the_context_window_is_served(client):
    runtime = client("bedrock-runtime")
    reply = runtime.converse(
        modelId="us.amazon.nova-micro-v1:0",
        messages=user("abcd" * 127_000),  # 127,000 tokens: within Nova Micro's 128K
        inferenceConfig={"maxTokens": 5},
    )
    assert reply["usage"]["inputTokens"] == 127_000


def test_invoke_model_prompt_above_the_context_window(client):
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 10,
        "messages": [{"role": "user", "content": "x" * (4 * 200_000 + 8)}],
    }
    with pytest.raises(ClientError) as excinfo:
        client("bedrock-runtime").invoke_model(
            modelId="us.anthropic.claude-haiku-4-5-20251001-v1:0", body=json.dumps(body)
        )
    assert error_of(excinfo)[2] == "Input is too long for requested model."


def test_every_catalog_model_has_a_context_window():
    from helpers import catalog

    for model in catalog.load().models.values():
        assert model.context_window and model.context_window > model.max_output_tokens // 2
