"""Converse tool use in the stand-in: toolConfig checks, forced and automatic tool calls, tool
results, the streamed toolUse events, and the tokens tool definitions cost."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import jsonschema
import pytest
from botocore.exceptions import ClientError

from helpers.offline import simulate, tools
from tests.conftest import error_of, metric_total, user

HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
NOVA_LITE = "amazon.nova-lite-v1:0"
LLAMA_3 = "meta.llama3-70b-instruct-v1:0"
LLAMA_33 = "us.meta.llama3-3-70b-instruct-v1:0"
MISTRAL = "mistral.mistral-large-3-675b-instruct"

CLAIM_SCHEMA = {
    "type": "object",
    "properties": {
        "claim_id": {"type": "string", "pattern": "^CLM-[0-9]{6}$"},
        "amount": {"type": "number", "minimum": 100, "maximum": 5000},
        "currency": {"type": "string", "enum": ["JPY", "USD"]},
        "kind": {"const": "motor"},
        "lines": {
            "type": "array",
            "items": {"$ref": "#/$defs/line"},
            "minItems": 2,
        },
        "urgent": {"type": "boolean"},
        "notes": {"type": "string", "minLength": 20, "maxLength": 30},
        "count": {"type": "integer", "exclusiveMinimum": 3, "multipleOf": 5},
    },
    "required": ["claim_id", "amount", "currency", "lines"],
    "additionalProperties": False,
    "$defs": {
        "line": {
            "type": "object",
            "properties": {"sku": {"type": "string"}, "qty": {"type": "integer", "minimum": 1}},
            "required": ["sku", "qty"],
        }
    },
}


def tool(name: str, schema: dict | None = None, description: str = "A tool.") -> dict:
    return {
        "toolSpec": {
            "name": name,
            "description": description,
            "inputSchema": {"json": schema or {"type": "object", "properties": {}}},
        }
    }


TOOLS = {"tools": [tool("get_weather"), tool("file_claim", CLAIM_SCHEMA)]}


def forced(name: str) -> dict:
    return {**TOOLS, "toolChoice": {"tool": {"name": name}}}


# --- the schema-driven input ------------------------------------------------------------------
@pytest.mark.parametrize(
    "schema",
    [
        CLAIM_SCHEMA,
        {"type": "object", "properties": {"x": {"anyOf": [{"type": "null"}, {"type": "integer"}]}}},
        {
            "type": "object",
            "properties": {
                "a": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 0.5},
                "b": {
                    "type": "array",
                    "items": {"enum": ["x", "y", "z"]},
                    "minItems": 3,
                    "uniqueItems": True,
                },
                "c": {"allOf": [{"$ref": "#/definitions/p"}, {"required": ["q"]}]},
                "d": {"type": "string", "format": "date"},
                "e": {"type": ["integer", "null"], "maximum": -4},
            },
            "required": ["a", "b", "c", "d", "e"],
            "definitions": {"p": {"type": "object", "properties": {"q": {"type": "string"}}}},
        },
    ],
)
def test_the_generated_input_satisfies_its_schema(schema):
    value = tools.example(schema)
    jsonschema.validate(value, schema)
    assert tools.example(schema) == value  # deterministic


# --- forced tool choice -------------------------------------------------------------------------
def test_a_forced_tool_choice_returns_a_tool_use_whose_input_validates(client, assert_shape):
    response = client("bedrock-runtime").converse(
        modelId=HAIKU, messages=user("Hello"), toolConfig=forced("file_claim")
    )
    assert_shape("bedrock-runtime", "Converse", response)
    assert response["stopReason"] == "tool_use"
    (block,) = response["output"]["message"]["content"]
    call = block["toolUse"]
    assert call["name"] == "file_claim"
    assert call["toolUseId"].startswith("tooluse_") and len(call["toolUseId"]) == 30
    jsonschema.validate(call["input"], CLAIM_SCHEMA)
    again = client("bedrock-runtime").converse(
        modelId=HAIKU, messages=user("Hello"), toolConfig=forced("file_claim")
    )
    assert again["output"]["message"]["content"][0]["toolUse"] == call  # deterministic


def test_any_calls_the_first_tool_when_none_is_named(client):
    response = client("bedrock-runtime").converse(
        modelId=NOVA_LITE, messages=user("Hello"), toolConfig={**TOOLS, "toolChoice": {"any": {}}}
    )
    assert response["output"]["message"]["content"][0]["toolUse"]["name"] == "get_weather"


def test_auto_calls_the_tool_the_last_user_message_names(client):
    runtime = client("bedrock-runtime")
    named = runtime.converse(
        modelId=HAIKU, messages=user("Please file claim 12 for me"), toolConfig=TOOLS
    )
    assert named["output"]["message"]["content"][0]["toolUse"]["name"] == "file_claim"
    plain = runtime.converse(modelId=HAIKU, messages=user("How are you?"), toolConfig=TOOLS)
    assert plain["stopReason"] == "end_turn"
    assert "text" in plain["output"]["message"]["content"][0]


# --- tool results ---------------------------------------------------------------------------
def test_a_tool_result_is_answered_and_quoted(client):
    runtime = client("bedrock-runtime")
    first = runtime.converse(modelId=HAIKU, messages=user("get weather in Osaka"), toolConfig=TOOLS)
    call = first["output"]["message"]["content"][0]["toolUse"]
    messages = [
        *user("get weather in Osaka"),
        first["output"]["message"],
        {
            "role": "user",
            "content": [
                {
                    "toolResult": {
                        "toolUseId": call["toolUseId"],
                        "content": [{"json": {"forecast": "sunny"}}],
                        "status": "success",
                    }
                }
            ],
        },
    ]
    reply = runtime.converse(modelId=HAIKU, messages=messages, toolConfig=TOOLS)
    assert reply["stopReason"] == "end_turn"
    text = reply["output"]["message"]["content"][0]["text"]
    assert 'The get_weather tool returned: "{"forecast":"sunny"}".' in text
    assert "You asked" not in text


@pytest.mark.parametrize(
    ("result_ids", "message"),
    [
        (
            ["tooluse_other"],
            "Expected toolResult blocks at messages.2.content for the following Ids: tooluse_a",
        ),
        (
            ["tooluse_a", "tooluse_b"],
            "The number of toolResult blocks at messages.2.content exceeds",
        ),
    ],
)
def test_tool_results_must_answer_the_previous_turn(client, result_ids, message):
    messages = [
        *user("go"),
        {
            "role": "assistant",
            "content": [
                {"toolUse": {"toolUseId": "tooluse_a", "name": "get_weather", "input": {}}}
            ],
        },
        {
            "role": "user",
            "content": [
                {"toolResult": {"toolUseId": i, "content": [{"text": "ok"}]}} for i in result_ids
            ],
        },
    ]
    with pytest.raises(ClientError) as caught:
        client("bedrock-runtime").converse(modelId=HAIKU, messages=messages, toolConfig=TOOLS)
    code, status, text = error_of(caught)
    assert (code, status) == ("ValidationException", 400) and message in text


def test_tool_blocks_need_a_tool_config(client):
    messages = [
        *user("go"),
        {
            "role": "assistant",
            "content": [
                {"toolUse": {"toolUseId": "tooluse_a", "name": "get_weather", "input": {}}}
            ],
        },
        {"role": "user", "content": [{"toolResult": {"toolUseId": "tooluse_a", "content": []}}]},
    ]
    with pytest.raises(ClientError) as caught:
        client("bedrock-runtime").converse(modelId=HAIKU, messages=messages)
    assert "The toolConfig field must be defined" in error_of(caught)[2]


# --- toolConfig checks ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("model", "config", "message"),
    [
        (HAIKU, {"tools": [tool("a"), tool("a")]}, "two tools named a"),
        (HAIKU, {"tools": [tool("a b")]}, "regular expression pattern: [a-zA-Z0-9_-]+"),
        (HAIKU, {"tools": [tool("a")], "toolChoice": {"tool": {"name": "b"}}}, "The tool b"),
        (HAIKU, {"tools": [tool("a", {"type": "string"})]}, 'top-level type is "object"'),
        (LLAMA_3, {"tools": [tool("a")]}, "This model doesn't support tool use."),
        (
            LLAMA_33,
            {"tools": [tool("a")], "toolChoice": {"any": {}}},
            "This model doesn't support the toolConfig.toolChoice.any field.",
        ),
        (
            MISTRAL,
            {"tools": [tool("a")], "toolChoice": {"tool": {"name": "a"}}},
            "doesn't support the toolConfig.toolChoice.tool field",
        ),
    ],
)
def test_bad_tool_configs_are_refused(client, model, config, message):
    with pytest.raises(ClientError) as caught:
        client("bedrock-runtime").converse(modelId=model, messages=user("hi"), toolConfig=config)
    code, status, text = error_of(caught)
    assert (code, status) == ("ValidationException", 400) and message in text


def test_streaming_tool_use_is_refused_where_aws_refuses_it(client):
    with pytest.raises(ClientError) as caught:
        client("bedrock-runtime").converse_stream(
            modelId=LLAMA_33, messages=user("hi"), toolConfig={"tools": [tool("a")]}
        )
    assert "doesn't support tool use in streaming mode" in error_of(caught)[2]


# --- streaming --------------------------------------------------------------------------------
def test_converse_stream_sends_the_tool_use_events(client, assert_events):
    runtime = client("bedrock-runtime")
    events = list(
        runtime.converse_stream(
            modelId=HAIKU, messages=user("Hello"), toolConfig=forced("file_claim")
        )["stream"]
    )
    assert_events("bedrock-runtime", "ConverseStream", events)
    kinds = [next(iter(e)) for e in events]
    assert kinds[:2] == ["messageStart", "contentBlockStart"]
    assert kinds[-3:] == ["contentBlockStop", "messageStop", "metadata"]
    start = events[1]["contentBlockStart"]
    assert start["contentBlockIndex"] == 0 and start["start"]["toolUse"]["name"] == "file_claim"
    pieces = [e["contentBlockDelta"]["delta"]["toolUse"]["input"] for e in events[2:-3]]
    assert len(pieces) > 1  # the input arrives in several JSON fragments
    assert events[-2]["messageStop"]["stopReason"] == "tool_use"
    whole = runtime.converse(
        modelId=HAIKU, messages=user("Hello"), toolConfig=forced("file_claim")
    )["output"]["message"]["content"][0]["toolUse"]
    assert json.loads("".join(pieces)) == whole["input"]
    assert start["start"]["toolUse"]["toolUseId"] == whole["toolUseId"]


# --- tokens: every part of the request, counted the same everywhere -----------------------------
def test_converse_count_tokens_cloudwatch_and_the_bill_agree_with_system_and_tool(client):
    runtime = client("bedrock-runtime")
    request = {
        "messages": user("How are you?"),
        "system": [{"text": "You are a claims assistant for the motor insurance department."}],
        "toolConfig": TOOLS,
    }
    counted = runtime.count_tokens(modelId=HAIKU, input={"converse": request})["inputTokens"]
    bare = runtime.count_tokens(
        modelId=HAIKU, input={"converse": {"messages": user("How are you?")}}
    )
    assert counted > bare["inputTokens"] + 50  # the system prompt and the tool definitions count
    usage = runtime.converse(modelId=HAIKU, **request)["usage"]
    assert usage["inputTokens"] == counted
    assert metric_total(client("cloudwatch"), "InputTokenCount", HAIKU)[0] == counted
    today = date.today()
    groups = client("ce").get_cost_and_usage(
        TimePeriod={"Start": str(today), "End": str(today + timedelta(days=1))},
        Granularity="DAILY",
        Metrics=["UsageQuantity"],
        GroupBy=[{"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
    )["ResultsByTime"][0]["Groups"]
    billed = {g["Keys"][0]: Decimal(g["Metrics"]["UsageQuantity"]["Amount"]) for g in groups}
    inputs = [v for k, v in billed.items() if "input" in k.lower() and "cache" not in k.lower()]
    assert inputs == [Decimal(counted)]


def test_the_reply_answers_the_last_user_message_not_the_system_prompt(client):
    response = client("bedrock-runtime").converse(
        modelId=HAIKU,
        system=[{"text": "You are terse."}],
        messages=[
            *user("first question"),
            {"role": "assistant", "content": [{"text": "first answer"}]},
            *user("second question"),
        ],
    )
    text = response["output"]["message"]["content"][0]["text"]
    assert 'You asked: "second question".' in text
    assert "[Simulated reply" in text


def test_a_cache_point_after_the_tools_caches_their_definitions(client):
    # about 5,000 tokens of tool description: above Claude Haiku 4.5's 4,096-token minimum
    long_tool = tool("lookup_policy", description="Policy clause: check the cover first. " * 500)
    config = {"tools": [long_tool, {"cachePoint": {"type": "default"}}]}
    runtime = client("bedrock-runtime")
    first = runtime.converse(modelId=HAIKU, messages=user("How are you?"), toolConfig=config)
    second = runtime.converse(modelId=HAIKU, messages=user("How are you?"), toolConfig=config)
    written = first["usage"]["cacheWriteInputTokens"]
    assert (
        written == tools_json_tokens(long_tool)
        and second["usage"]["cacheReadInputTokens"] == written
    )


def tools_json_tokens(spec: dict) -> int:
    return simulate.count_tokens(tools.as_json(spec["toolSpec"]))


def test_invoke_model_streams_an_anthropic_tool_call_as_input_json_deltas(client):
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 200,
        "tools": [{"name": "file_claim", "input_schema": CLAIM_SCHEMA}],
        "tool_choice": {"type": "any"},
        "messages": [{"role": "user", "content": "hi"}],
    }
    stream = client("bedrock-runtime").invoke_model_with_response_stream(
        modelId=HAIKU, body=json.dumps(body)
    )["body"]
    chunks = [json.loads(event["chunk"]["bytes"]) for event in stream]
    start = chunks[1]["content_block"]
    assert start["type"] == "tool_use" and start["name"] == "file_claim"
    partial = "".join(
        c["delta"]["partial_json"] for c in chunks if c["type"] == "content_block_delta"
    )
    jsonschema.validate(json.loads(partial), CLAIM_SCHEMA)
    assert chunks[-2]["delta"]["stop_reason"] == "tool_use"


def test_a_recursive_schema_gives_a_finite_valid_input():
    schema = {
        "type": "object",
        "properties": {"root": {"$ref": "#/$defs/node"}},
        "required": ["root"],
        "$defs": {
            "node": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
                },
                "required": ["name"],
            }
        },
    }
    jsonschema.validate(tools.example(schema), schema)
