"""Defects found by trying issue 17's stand-in as a person porting their own application would:
schema-driven tool input, the auto rule in Japanese, tool calls and maxTokens, and images whose
bytes are not what they claim."""

from __future__ import annotations

import base64
import json

import jsonschema
import pytest
from botocore.exceptions import ClientError

from helpers.offline import tools
from tests.conftest import error_of, metric_total, user
from tests.test_offline_content import picture

HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
WEATHER = {
    "toolSpec": {
        "name": "get_weather",
        "description": "都市の天気を返す",
        "inputSchema": {
            "json": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            }
        },
    }
}


# --- schema-driven input ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "items",
    [
        {"type": "string", "format": "uuid"},
        {"type": "string", "format": "date-time"},
        {"type": "string", "format": "date"},
        {"type": "string", "format": "email"},
        {"type": "string", "format": "ipv4"},
        {"type": "string", "pattern": "^[A-Z]{3}$"},
        {"type": "string", "pattern": r"^CLM-\d{6}$"},
    ],
)
def test_unique_items_of_a_format_or_pattern_stay_valid(items):
    # a list of distinct IDs or dates: the n-th item used to get "n" appended, breaking its format
    schema = {
        "type": "object",
        "properties": {
            "ids": {"type": "array", "items": items, "minItems": 3, "uniqueItems": True}
        },
        "required": ["ids"],
    }
    value = tools.example(schema)
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    jsonschema.Draft202012Validator(schema, format_checker=checker).validate(value)
    assert len(set(value["ids"])) == 3


def test_tuple_items_in_the_draft_7_form_follow_each_position():
    # pydantic v1 writes a Tuple[int, str] field this way
    schema = {
        "type": "object",
        "properties": {
            "pair": {"type": "array", "items": [{"type": "integer"}, {"type": "string"}]}
        },
        "required": ["pair"],
    }
    value = tools.example(schema)
    jsonschema.Draft7Validator(schema).validate(value)
    assert isinstance(value["pair"][0], int)


# --- the auto rule ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "question", ["get_weatherで東京の天気を教えて", "東京の天気は？（get-weather）"]
)
def test_auto_finds_a_tool_name_written_next_to_japanese_text(client, question):
    response = client("bedrock-runtime").converse(
        modelId=HAIKU, messages=user(question), toolConfig={"tools": [WEATHER]}
    )
    assert response["stopReason"] == "tool_use"


def test_auto_still_needs_the_whole_name():
    config = tools.Tools({"get_weather": WEATHER["toolSpec"]}, "auto")
    assert tools.mentioned(config, "forget_weathers 東京") is None


# --- a tool call and maxTokens --------------------------------------------------------------------
def test_a_tool_call_longer_than_max_tokens_stops_at_max_tokens(client):
    runtime = client("bedrock-runtime")
    forced = {"tools": [WEATHER], "toolChoice": {"tool": {"name": "get_weather"}}}
    response = runtime.converse(
        modelId=HAIKU,
        messages=user("Hello"),
        toolConfig=forced,
        inferenceConfig={"maxTokens": 5},
    )
    assert response["stopReason"] == "max_tokens"
    assert response["usage"]["outputTokens"] == 5
    assert metric_total(client("cloudwatch"), "OutputTokenCount", HAIKU)[0] == 5
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 5,
        "messages": [{"role": "user", "content": "Hello"}],
        "tools": [
            {"name": "get_weather", "input_schema": WEATHER["toolSpec"]["inputSchema"]["json"]}
        ],
        "tool_choice": {"type": "tool", "name": "get_weather"},
    }
    answer = json.loads(runtime.invoke_model(modelId=HAIKU, body=json.dumps(body))["body"].read())
    assert answer["stop_reason"] == "max_tokens" and answer["usage"]["output_tokens"] == 5


# --- images whose bytes are not what they claim -----------------------------------------------
def test_an_image_whose_bytes_are_another_format_is_refused(client):
    runtime = client("bedrock-runtime")
    png = picture(40, 30)
    messages = [
        {
            "role": "user",
            "content": [
                {"text": "What is it?"},
                {"image": {"format": "jpeg", "source": {"bytes": png}}},
            ],
        }
    ]
    with pytest.raises(runtime.exceptions.ValidationException) as caught:
        runtime.converse(modelId=HAIKU, messages=messages)
    assert "declared as jpeg but its bytes are png" in error_of(caught)[2]
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 50,
        "messages": [
            {
                "role": "user",
                "content": [
                    {
                        "type": "image",
                        "source": {
                            "type": "base64",
                            "media_type": "image/jpeg",
                            "data": base64.b64encode(png).decode(),
                        },
                    }
                ],
            }
        ],
    }
    with pytest.raises(runtime.exceptions.ValidationException) as caught:
        runtime.invoke_model(modelId=HAIKU, body=json.dumps(body))
    assert "declared as jpeg but its bytes are png" in error_of(caught)[2]


def test_an_image_without_pixels_is_refused(client):
    runtime = client("bedrock-runtime")
    png = bytearray(picture(1, 1))
    png[16:24] = bytes(8)  # IHDR width and height 0
    messages = [
        {"role": "user", "content": [{"image": {"format": "png", "source": {"bytes": bytes(png)}}}]}
    ]
    with pytest.raises(runtime.exceptions.ValidationException) as caught:
        runtime.converse(modelId=HAIKU, messages=messages)
    assert "could not be read as png" in error_of(caught)[2]


# --- metric math with SEARCH: never a 500 ---------------------------------------------------------
SEARCH_CALLS = "SEARCH('{AWS/Bedrock,ModelId} MetricName=\"Invocations\"', 'Sum', 60)"


def metric_data(client, queries):
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    return client("cloudwatch").get_metric_data(
        MetricDataQueries=queries,
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(minutes=5),
    )["MetricDataResults"]


def test_two_arrays_of_series_in_arithmetic_are_refused_clearly(client):
    for model in (HAIKU, "amazon.nova-lite-v1:0"):  # two series: an array
        client("bedrock-runtime").converse(modelId=model, messages=user("Hello"))
    queries = [
        {"Id": "a", "Expression": SEARCH_CALLS, "ReturnData": False},
        {"Id": "t", "Expression": "a * a"},
    ]
    with pytest.raises(ClientError) as caught:
        metric_data(client, queries)
    code, status, message = error_of(caught)
    assert (code, status) == ("InvalidParameterValue", 400)
    assert "two arrays of time series" in message


def test_a_negative_number_to_a_fractional_power_gives_no_datapoint(client):
    client("bedrock-runtime").converse(modelId=HAIKU, messages=user("Hello"))
    calls = {
        "Id": "m",
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/Bedrock",
                "MetricName": "Invocations",
                "Dimensions": [{"Name": "ModelId", "Value": HAIKU}],
            },
            "Period": 60,
            "Stat": "Sum",
        },
    }
    results = metric_data(client, [calls, {"Id": "r", "Expression": "(0 - m) ^ 0.5"}])
    assert [r["Values"] for r in results] == [[1.0], []]


# --- tool blocks in the wrong role --------------------------------------------------------------
@pytest.mark.parametrize(
    ("messages", "named"),
    [
        (
            [
                {"role": "user", "content": [{"text": "Hello"}]},
                {
                    "role": "assistant",
                    "content": [{"toolResult": {"toolUseId": "x", "content": [{"text": "a"}]}}],
                },
                {"role": "user", "content": [{"text": "And?"}]},
            ],
            "toolResult blocks at messages.1.content are in a message of role assistant",
        ),
        (
            [
                {
                    "role": "user",
                    "content": [
                        {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {}}}
                    ],
                }
            ],
            "toolUse blocks at messages.0.content are in a message of role user",
        ),
    ],
)
def test_tool_blocks_in_the_wrong_role_are_refused(client, messages, named):
    runtime = client("bedrock-runtime")
    with pytest.raises(runtime.exceptions.ValidationException) as caught:
        runtime.converse(modelId=HAIKU, messages=messages, toolConfig={"tools": [WEATHER]})
    assert named in error_of(caught)[2]


# --- dynamic labels the stand-in does not fill --------------------------------------------------
@pytest.mark.parametrize(
    ("expression", "label", "named"),
    [
        (SEARCH_CALLS, "${PROP('Dim.ModelId')}: ${SUM} calls", "${SUM}"),
        (SEARCH_CALLS, "${PROP('AccountLabel')}", "${PROP('AccountLabel')}"),
        (f"SUM({SEARCH_CALLS})", "total ${MAX}", "${MAX}"),
    ],
)
def test_a_dynamic_label_the_stand_in_cannot_fill_is_refused(client, expression, label, named):
    # it used to come back verbatim, as if AWS had left it unfilled
    client("bedrock-runtime").converse(modelId=HAIKU, messages=user("Hello"))
    with pytest.raises(ClientError) as caught:
        metric_data(client, [{"Id": "s", "Expression": expression, "Label": label}])
    code, status, message = error_of(caught)
    assert (code, status) == ("InvalidParameterValue", 400) and named in message


def test_the_dynamic_labels_it_fills_still_work(client):
    client("bedrock-runtime").converse(modelId=HAIKU, messages=user("Hello"))
    label = "${PROP('MetricName')} of ${PROP('Dim.ModelId')} (${PROP('Stat')})"
    (result,) = metric_data(client, [{"Id": "s", "Expression": SEARCH_CALLS, "Label": label}])
    assert result["Label"] == f"Invocations of {HAIKU} (Sum)"


# --- Message.content limits of the API reference ------------------------------------------------
def png_block(width: int = 8, height: int = 8) -> dict:
    return {"image": {"format": "png", "source": {"bytes": picture(width, height)}}}


def text_document(i: int = 0, data: bytes = b"hello") -> dict:
    return {"document": {"format": "txt", "name": f"notes {i}", "source": {"bytes": data}}}


@pytest.mark.parametrize(
    ("messages", "words"),
    [
        ([{"role": "user", "content": [{"text": "q"}] + [png_block()] * 21}], "21 images"),
        (
            [{"role": "user", "content": [{"text": "q"}] + [text_document(i) for i in range(6)]}],
            "6 documents",
        ),
        ([{"role": "user", "content": [text_document()]}], "no text block"),
        (
            [
                {"role": "user", "content": [{"text": "q"}]},
                {"role": "assistant", "content": [png_block()]},
                {"role": "user", "content": [{"text": "q"}]},
            ],
            "only a user message",
        ),
        ([{"role": "user", "content": [{"text": "q"}, png_block(8001, 2)]}], "8000 x 8000"),
        (
            [{"role": "user", "content": [{"text": "q"}, text_document(0, b"a" * 4_800_000)]}],
            "at most 4.5 MB",
        ),
    ],
)
def test_the_api_references_media_limits_are_enforced(client, messages, words):
    # botocore's Message.content documentation; all of these used to be accepted
    runtime = client("bedrock-runtime")
    with pytest.raises(runtime.exceptions.ValidationException) as caught:
        runtime.converse(modelId=HAIKU, messages=messages)
    assert words in error_of(caught)[2]


def test_twenty_images_and_five_documents_are_still_taken(client):
    content = [{"text": "q"}] + [png_block()] * 20 + [text_document(i) for i in range(5)]
    usage = client("bedrock-runtime").converse(
        modelId=HAIKU, messages=[{"role": "user", "content": content}]
    )["usage"]
    assert usage["inputTokens"] > 20


# --- tool results: AWS's checks, and the same count in both APIs -------------------------------
def asked_then_called(result: dict) -> list[dict]:
    return [
        {"role": "user", "content": [{"text": "get_weather for Tokyo"}]},
        {
            "role": "assistant",
            "content": [
                {
                    "toolUse": {
                        "toolUseId": "tooluse_1",
                        "name": "get_weather",
                        "input": {"city": "x"},
                    }
                }
            ],
        },
        {"role": "user", "content": [{"toolResult": {"toolUseId": "tooluse_1", **result}}]},
    ]


def test_an_error_tool_result_without_content_is_refused(client):
    runtime = client("bedrock-runtime")
    messages = asked_then_called({"content": [], "status": "error"})
    with pytest.raises(runtime.exceptions.ValidationException) as caught:
        runtime.converse(modelId=HAIKU, messages=messages, toolConfig={"tools": [WEATHER]})
    assert error_of(caught)[2] == (
        "The content field at messages.2.content.0.toolResult cannot be empty when status value "
        "is error."
    )


ANTHROPIC_TOOL = {
    "name": "get_weather",
    "description": WEATHER["toolSpec"]["description"],
    "input_schema": WEATHER["toolSpec"]["inputSchema"]["json"],
}


def anthropic_body(messages: list[dict]) -> str:
    return json.dumps(
        {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 200,
            "tools": [ANTHROPIC_TOOL],
            "messages": messages,
        }
    )


ANTHROPIC_CALL = [
    {"role": "user", "content": "get_weather for Tokyo"},
    {
        "role": "assistant",
        "content": [
            {"type": "tool_use", "id": "tooluse_1", "name": "get_weather", "input": {"city": "x"}}
        ],
    },
]


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (
            [{"type": "tool_result", "tool_use_id": "toolu_other", "content": "sunny"}],
            "messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: "
            "toolu_other.",
        ),
        (
            [{"type": "text", "text": "and?"}],
            "messages.1: `tool_use` ids were found without `tool_result` blocks immediately "
            "after: tooluse_1.",
        ),
    ],
)
def test_anthropic_bodies_pair_tool_results_as_anthropic_does(client, answer, words):
    runtime = client("bedrock-runtime")
    body = anthropic_body([*ANTHROPIC_CALL, {"role": "user", "content": answer}])
    with pytest.raises(runtime.exceptions.ValidationException) as caught:
        runtime.invoke_model(modelId=HAIKU, body=body)
    assert words in error_of(caught)[2]


def test_the_same_tool_conversation_counts_the_same_in_both_apis(client):
    runtime = client("bedrock-runtime")
    answer = {"type": "tool_result", "tool_use_id": "tooluse_1", "content": "sunny"}
    body = anthropic_body([*ANTHROPIC_CALL, {"role": "user", "content": [answer]}])
    invoked = runtime.count_tokens(modelId=HAIKU, input={"invokeModel": {"body": body}})
    conversed = runtime.count_tokens(
        modelId=HAIKU,
        input={
            "converse": {
                "messages": asked_then_called({"content": [{"text": "sunny"}]}),
                "toolConfig": {"tools": [WEATHER]},
            }
        },
    )
    assert invoked["inputTokens"] == conversed["inputTokens"]


def invocations_of(model: str, label: str | None = None) -> dict:
    query: dict = {
        "Id": "m",
        "MetricStat": {
            "Metric": {
                "Namespace": "AWS/Bedrock",
                "MetricName": "Invocations",
                "Dimensions": [{"Name": "ModelId", "Value": model}],
            },
            "Period": 60,
            "Stat": "Sum",
        },
    }
    return {**query, "Label": label} if label else query


def test_a_metric_stat_label_fills_its_dynamic_parts(client):
    # it came back verbatim: "${PROP('Dim.ModelId')} (${PROP('Stat')})"
    client("bedrock-runtime").converse(modelId=HAIKU, messages=user("Hello"))
    label = "${PROP('Dim.ModelId')} (${PROP('Stat')}, ${PROP('Period')} s)"
    (result,) = metric_data(client, [invocations_of(HAIKU, label)])
    assert result["Label"] == f"{HAIKU} (Sum, 60 s)"


def test_a_search_times_a_number_keeps_its_dynamic_labels(client):
    # the product lost its metric, and ${PROP('Dim.ModelId')} became "" for every series
    client("bedrock-runtime").converse(modelId=HAIKU, messages=user("Hello"))
    query = {"Id": "s", "Expression": f"{SEARCH_CALLS} * 2", "Label": "${PROP('Dim.ModelId')}"}
    (result,) = metric_data(client, [query])
    assert (result["Label"], result["Values"]) == (HAIKU, [2.0])


def test_a_dynamic_property_of_a_computed_series_is_refused(client):
    for model in (HAIKU, "amazon.nova-lite-v1:0"):
        client("bedrock-runtime").converse(modelId=model, messages=user("Hello"))
    queries = [
        {**invocations_of(HAIKU), "ReturnData": False},
        {"Id": "s", "Expression": f"{SEARCH_CALLS} / m", "Label": "${PROP('Dim.ModelId')}"},
    ]
    with pytest.raises(ClientError) as caught:
        metric_data(client, queries)
    assert "computed one" in error_of(caught)[2]


# --- Nova InvokeModel bodies with media -------------------------------------------------------
def nova_body(*blocks: dict) -> str:
    return json.dumps(
        {"schemaVersion": "messages-v1", "messages": [{"role": "user", "content": list(blocks)}]}
    )


def test_a_nova_invoke_model_image_counts_as_in_converse(client):
    # the image was ignored: 1 input token through InvokeModel, 7 more through Converse
    runtime = client("bedrock-runtime")
    png = picture(100, 50)
    encoded = {"image": {"format": "png", "source": {"bytes": base64.b64encode(png).decode()}}}
    invoked = json.loads(
        runtime.invoke_model(
            modelId="amazon.nova-lite-v1:0", body=nova_body({"text": "q"}, encoded)
        )["body"].read()
    )
    conversed = runtime.converse(
        modelId="amazon.nova-lite-v1:0",
        messages=[{"role": "user", "content": [{"text": "q"}, png_block(100, 50)]}],
    )
    assert invoked["usage"]["inputTokens"] == conversed["usage"]["inputTokens"] > 5


def test_a_nova_micro_invoke_model_image_is_refused(client):
    runtime = client("bedrock-runtime")
    encoded = {
        "image": {"format": "png", "source": {"bytes": base64.b64encode(picture(8, 8)).decode()}}
    }
    with pytest.raises(runtime.exceptions.ValidationException) as caught:
        runtime.invoke_model(
            modelId="amazon.nova-micro-v1:0", body=nova_body({"text": "q"}, encoded)
        )
    assert "doesn't support the image content block" in error_of(caught)[2]
