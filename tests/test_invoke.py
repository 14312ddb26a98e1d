"""helpers.invoke: Converse, the stream parser on real events, each family's body, load."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from helpers import invoke, loadgen, profiles
from helpers.errors import AwsError, InputError
from tests.conftest import control


@pytest.fixture
def made(conn, cfg):
    profiles.ensure(conn, cfg)
    return {p.name: p for p in profiles.all_application_profiles(conn)}


def test_converse(conn, made):
    reply = invoke.converse(
        conn, made["claims_dept"], "What is a cost allocation tag?", max_tokens=40
    )
    assert reply.text.startswith("[Simulated reply from Claude Haiku 4.5")
    assert reply.stop_reason == "max_tokens" and reply.output_tokens <= 40
    assert reply.total_tokens == reply.input_tokens + reply.output_tokens
    assert reply.model_id == "anthropic.claude-haiku-4-5-20251001-v1:0"


def test_stream_parser_on_real_boto3_events(conn, made):
    whole = invoke.converse(conn, made["support_dept"], "Explain chargeback")
    streamed = invoke.stream(conn, made["support_dept"], "Explain chargeback")
    pieces = list(streamed)
    assert len(pieces) > 5
    assert "".join(pieces) == whole.text
    assert streamed.reply.text == whole.text
    assert (streamed.reply.input_tokens, streamed.reply.output_tokens) == (
        whole.input_tokens,
        whole.output_tokens,
    )
    assert streamed.reply.stop_reason == "end_turn" and streamed.reply.latency_ms > 0


def test_stream_parser_ignores_the_seeds_event_type_shape():
    # what the seed's code expected; boto3 never yields it, so nothing is read from it
    events = [
        {"eventType": "contentBlockDelta", "text": "x"},
        {"contentBlockDelta": {"delta": {"text": "Hello "}, "contentBlockIndex": 0}},
        {"contentBlockDelta": {"delta": {"text": "world"}, "contentBlockIndex": 0}},
        {"messageStop": {"stopReason": "end_turn"}},
        {
            "metadata": {
                "usage": {"inputTokens": 2, "outputTokens": 3, "totalTokens": 5},
                "metrics": {"latencyMs": 42},
            }
        },
    ]
    stream = invoke.TextStream(events, "m")
    assert stream.read().text == "Hello world"
    assert stream.reply.latency_ms == 42 and stream.reply.output_tokens == 3


@pytest.mark.parametrize("name", ["claims_dept", "underwriting_dept", "support_dept"])
def test_invoke_model_builds_the_right_body_per_family(conn, made, name):
    reply = invoke.invoke_model(conn, made[name], "Summarise the month", max_tokens=64)
    assert reply.text.startswith("[Simulated reply from ")
    assert 0 < reply.output_tokens <= 64
    assert reply.latency_ms > 0


@pytest.mark.parametrize(
    "model_id,family",
    [
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic-messages"),
        ("global.anthropic.claude-haiku-4-5-20251001-v1:0", "anthropic-messages"),
        ("meta.llama3-8b-instruct-v1:0", "meta-llama"),
        ("us.meta.llama4-scout-17b-instruct-v1:0", "meta-llama"),
        ("amazon.nova-pro-v1:0", "nova-v1"),
        ("us.amazon.nova-2-lite-v1:0", "nova-2"),
        ("amazon.titan-text-express-v1", "titan-text"),
        ("openai.gpt-oss-20b-1:0", "openai-chat"),
        ("anthropic.claude-opus-9-v1:0", "anthropic-messages"),  # unknown: by its prefix
    ],
)
def test_family_of(model_id, family):
    assert invoke.family_of(model_id) == family
    body = invoke.invoke_body(family, "hi", 10)
    assert family in invoke.body_families(body)  # each body is recognised as its own family


@pytest.mark.parametrize(
    "model_id,reason",
    [
        ("cohere.command-r-v1:0", "no InvokeModel body format"),
        ("qwen.qwen3-32b-v1:0", "body format is not public"),
        ("deepseek.v3.2", "body format is not public"),
        ("mistral.mistral-large-3-675b-instruct", "body format is not public"),
    ],
)
def test_converse_only_families(model_id, reason):
    with pytest.raises(InputError, match="use converse") as excinfo:
        invoke.family_of(model_id)
    assert reason in str(excinfo.value)


def test_invoke_model_takes_a_model_or_system_profile_id(conn):
    reply = invoke.invoke_model(conn, "us.amazon.nova-2-lite-v1:0", "Summarise", max_tokens=32)
    assert reply.text.startswith("[Simulated reply from Nova 2 Lite")
    assert reply.model_id == "amazon.nova-2-lite-v1:0"
    with pytest.raises(InputError, match="does not name its model"):
        invoke.invoke_model(
            conn, "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/x", "hi"
        )


def test_a_too_high_token_limit_gets_the_limit_as_its_fix(conn):
    with pytest.raises(AwsError) as excinfo:
        invoke.invoke_model(conn, "openai.gpt-oss-120b-1:0", "hi", max_tokens=150000)
    assert excinfo.value.fix == "ask for at most 32768 output tokens (max_tokens) from this model."


def test_an_anthropic_body_without_its_version_is_called_anthropic(conn, made):
    body = {
        "max_tokens": 10,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
    }
    assert invoke.body_families(body) == {"anthropic-messages"}
    with pytest.raises(AwsError, match="required key \\[anthropic_version\\] not found"):
        invoke.invoke_model(conn, made["claims_dept"], body=body)


def test_can_stream_reads_arns():
    llama = "arn:aws:bedrock:us-east-1::foundation-model/meta.llama4-scout-17b-instruct-v1:0"
    assert invoke.can_stream(llama) is False
    assert invoke.can_stream("us.anthropic.claude-sonnet-4-6") is True


def test_gpt_oss_reasoning_cut_off_by_the_limit_is_not_the_answer():
    body = {
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "<reasoning>Simulated: the offl"},
                "finish_reason": "length",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 9, "total_tokens": 14},
    }
    assert invoke.read_invoke_body("openai-chat", body)[:2] == ("", "length")


def test_gpt_oss_reasoning_is_not_part_of_the_answer():
    body = {
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "<reasoning>Think first.\nThen more.</reasoning>The answer.",
                },
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 9, "total_tokens": 14},
    }
    assert invoke.read_invoke_body("openai-chat", body) == ("The answer.", "stop", 5, 9)


@pytest.mark.parametrize(
    "prompt,max_tokens,fragment",
    [
        ("", 100, "The prompt is empty"),
        ("   ", 100, "The prompt is empty"),
        ("hi", 0, "max_tokens must be"),
        ("hi", 10**7, "max_tokens must be"),
        ("hi", 1.5, "max_tokens must be"),
    ],
)
def test_bad_arguments(conn, made, prompt, max_tokens, fragment):
    with pytest.raises(InputError, match=fragment):
        invoke.converse(conn, made["claims_dept"], prompt, max_tokens=max_tokens)


def test_model_limit_comes_back_explained(conn, made):
    with pytest.raises(AwsError) as excinfo:
        invoke.converse(conn, made["claims_dept"], "hi", max_tokens=70000)
    assert excinfo.value.code == "ValidationException"
    assert "exceeds the model limit of 64000" in str(excinfo.value)


def test_on_demand_error_is_explained_with_its_fix(conn):
    with pytest.raises(AwsError) as excinfo:
        invoke.converse(conn, "anthropic.claude-sonnet-4-6", "hi")
    message = str(excinfo.value)
    assert "on-demand throughput isn\u2019t supported" in message
    assert "us.anthropic.claude-sonnet-4-6" in message


def test_load_generator(conn, made):
    result = loadgen.generate_load(
        conn, list(made.values()), ["a", "b", "c"], 24, concurrency=4, progress=False
    )
    assert len(result) == 24 and result["error"].isna().all()
    assert list(result["request"]) == list(range(24))
    assert result.groupby("profile").size().to_dict() == {n: 8 for n in made}
    assert set(result["department"]) == {"claims", "underwriting", "support"}
    assert (result["attempts"] == 1).all() and result["throttled"].sum() == 0


def invocations(conn, profile_ids):
    now = datetime.now(timezone.utc)
    total = 0
    for pid in profile_ids:
        stats = conn.cloudwatch.get_metric_statistics(
            Namespace="AWS/Bedrock",
            MetricName="Invocations",
            Dimensions=[{"Name": "ModelId", "Value": pid}],
            StartTime=now - timedelta(hours=1),
            EndTime=now + timedelta(minutes=1),
            Period=7200,
            Statistics=["Sum"],
        )
        total += sum(p["Sum"] for p in stats["Datapoints"])
    return total


def test_load_survives_30_percent_throttling(conn, made, endpoint):
    control(endpoint, "POST", "/_standin/faults", {"rate": 0.3, "seed": 11})
    # which request draws which injected throttle depends on thread timing: 20 attempts make
    # one request throttled every time (0.3**20) impossible in practice, where 8 was not
    result = loadgen.generate_load(
        conn,
        list(made.values()),
        ["q"],
        60,
        concurrency=4,
        progress=False,
        backoff_seconds=0.001,
        max_attempts=20,
    )
    state = control(endpoint, "GET", "/_standin/state")["faults"]
    failed = result["error"].dropna().tolist()
    assert not failed, failed  # every request completed (the errors say why not)
    assert result["throttled"].sum() == state["injected"] > 0
    assert (result["attempts"] - 1).sum() == state["injected"]  # each throttle retried once
    assert invocations(conn, [p.profile_id for p in made.values()]) == 60  # none twice


def test_load_reports_calls_that_never_succeed(conn, made, endpoint):
    control(endpoint, "POST", "/_standin/faults", {"rate": 1.0, "seed": 1})
    result = loadgen.generate_load(
        conn,
        [made["claims_dept"]],
        ["q"],
        3,
        concurrency=1,
        max_attempts=2,
        progress=False,
        backoff_seconds=0.001,
    )
    assert result["error"].str.startswith("ThrottlingException").all()
    assert (result["attempts"] == 2).all()


def test_load_arguments(conn, made):
    with pytest.raises(InputError):
        loadgen.generate_load(conn, [], ["q"], 1, progress=False)
    with pytest.raises(InputError):
        loadgen.generate_load(conn, list(made.values()), [""], 1, progress=False)


def test_the_standin_stopping_mid_load_is_reported_with_the_restart(cfg, monkeypatch):
    import threading

    from helpers import aws
    from helpers.errors import StandinError
    from helpers.offline import Standin

    standin = Standin()
    monkeypatch.setenv("WORKSHOP_ENDPOINT_URL", standin.start())
    conn = aws.connect(cfg)
    profiles.ensure(conn, cfg)
    targets = profiles.all_application_profiles(conn)
    threading.Timer(0.5, standin.stop).start()
    with pytest.raises(StandinError) as excinfo:
        loadgen.generate_load(
            conn, targets, ["q"], 5000, concurrency=2, progress=False, max_attempts=1
        )
    message = str(excinfo.value)
    assert re.search(r"finish the load: \d+ of 5000 calls completed", message)
    assert "not answering" in message and "make standin" in message


def test_load_through_a_retired_model_says_why_and_what_to_change(conn, endpoint):
    control(endpoint, "POST", "/_standin/settings", {"today": "2026-09-09"})
    arn = conn.bedrock.create_inference_profile(
        inferenceProfileName="claims_old",
        modelSource={
            "copyFrom": "arn:aws:bedrock:us-east-1::foundation-model/"
            "anthropic.claude-3-haiku-20240307-v1:0"
        },
    )["inferenceProfileArn"]
    control(endpoint, "POST", "/_standin/settings", {"today": "2026-11-28"})
    old = profiles.resolve(conn, arn)
    result = loadgen.generate_load(conn, [old], ["a"], 3, concurrency=1, progress=False)
    assert result["error"].str.contains("reached the end of its life").all()
    assert result["fix"].str.contains("anthropic.claude-haiku-4-5-20251001-v1:0").all()


# --- issue 13, class 16: a stream cut off, a connection reset, an empty HTTP 200 ----------------
import json as _json  # noqa: E402

from helpers import aws  # noqa: E402
from helpers.errors import StandinError, WorkshopError  # noqa: E402
from tests import fake_servers  # noqa: E402

HAIKU_PROFILE = "us.anthropic.claude-haiku-4-5-20251001-v1:0"


def standin_stream_bytes(endpoint: str, prompt: str = "Explain chargeback") -> bytes:
    """A real ConverseStream answer from the stand-in, as the bytes on the wire."""
    body = _json.dumps({"messages": [{"role": "user", "content": [{"text": prompt}]}]})
    status, _, raw = fake_servers.raw_request(
        endpoint, "POST", f"/model/{HAIKU_PROFILE}/converse-stream", body
    )
    assert status == 200
    return raw


def frames_of(raw: bytes) -> list[bytes]:
    """Split an event stream into its frames (each starts with its 4-byte total length)."""
    frames, at = [], 0
    while at < len(raw):
        length = int.from_bytes(raw[at : at + 4], "big")
        frames.append(raw[at : at + length])
        at += length
    return frames


def fake_conn(server: fake_servers.RawServer) -> aws.Connection:
    session = aws.new_session(offline=True, region_name="us-east-1", **aws.OFFLINE_CREDENTIALS)
    return aws.Connection("offline", "us-east-1", session, server.endpoint)


@pytest.mark.parametrize("then", ["close", "reset"])
@pytest.mark.parametrize("cut", ["after three frames", "inside a frame"])
def test_a_stream_cut_off_says_what_arrived(endpoint, then, cut):
    frames = frames_of(standin_stream_bytes(endpoint))
    sent = b"".join(frames[:3])
    if cut == "inside a frame":
        sent += frames[3][:10]
    with fake_servers.RawServer(fake_servers.partial_stream(sent, then)) as server:
        streamed = invoke.stream(fake_conn(server), HAIKU_PROFILE, "Explain chargeback")
        with pytest.raises(StandinError) as excinfo:
            streamed.read()
    message = str(excinfo.value)
    assert "broke off before the answer was complete" in message
    assert "Received before it broke: 2 text pieces" in message  # messageStart + 2 deltas
    assert server.endpoint in message
    assert "make standin" in excinfo.value.fix


def test_a_stream_that_ends_early_but_cleanly_is_not_a_reply(endpoint):
    frames = frames_of(standin_stream_bytes(endpoint))
    without_metadata = b"".join(frames[:-1])  # everything but the usage
    with fake_servers.RawServer(fake_servers.complete_stream(without_metadata)) as server:
        streamed = invoke.stream(fake_conn(server), HAIKU_PROFILE, "Explain chargeback")
        with pytest.raises(StandinError, match=r"without its metadata \(usage\) event"):
            streamed.read()
    assert streamed.reply is None  # nothing half-counted


# the three runtime calls, each made through the workshop's helpers
RUNTIME_CALLS = [
    lambda c: invoke.converse(c, HAIKU_PROFILE, "hi"),
    lambda c: invoke.stream(c, HAIKU_PROFILE, "hi").read(),
    lambda c: invoke.invoke_model(c, HAIKU_PROFILE, "hi"),
]
RUNTIME_CALL_IDS = ["converse", "stream", "invoke_model"]


@pytest.mark.parametrize("call", RUNTIME_CALLS, ids=RUNTIME_CALL_IDS)
def test_an_empty_http_200_is_named(call):
    empty = fake_servers.http_answer("200 OK", b"")
    with fake_servers.RawServer(empty) as server, pytest.raises(StandinError) as excinfo:
        call(fake_conn(server))
    assert "(HTTP 200) without" in str(excinfo.value)
    assert "is empty or cut short" in str(excinfo.value)


REPLY = {
    "output": {"message": {"role": "assistant", "content": [{"text": "x"}]}},
    "stopReason": "end_turn",
    "metrics": {"latencyMs": 1},
}
BAD_200 = {
    "a JSON list": (b"[1, 2]", "application/json"),
    "a JSON string": (b'"hello"', "application/json"),
    "text for a token count": (
        _json.dumps(
            {**REPLY, "usage": {"inputTokens": "a", "outputTokens": 1, "totalTokens": 1}}
        ).encode(),
        "application/json",
    ),
    "a structure for a token count": (
        _json.dumps(
            {**REPLY, "usage": {"inputTokens": {}, "outputTokens": 1, "totalTokens": 1}}
        ).encode(),
        "application/json",
    ),
    "a proxy's login page": (b"<html><body>Sign in to the proxy</body></html>", "text/html"),
}


@pytest.mark.parametrize("call", RUNTIME_CALLS, ids=RUNTIME_CALL_IDS)
@pytest.mark.parametrize("body", BAD_200, ids=list(BAD_200))
def test_an_http_200_of_another_shape_is_named(call, body):
    answer = fake_servers.http_answer("200 OK", *BAD_200[body])
    with fake_servers.RawServer(answer) as server, pytest.raises(StandinError) as excinfo:
        call(fake_conn(server))
    message = str(excinfo.value)
    assert "(HTTP 200)" in message and "so it cannot be read" in message
    assert f"{server.endpoint} may not be the workshop's stand-in" in message
    assert "another program holds the port" in excinfo.value.fix


@pytest.mark.parametrize("tokens", ["a", "12", -3, 1.5, None, True, [1]])
def test_invoke_model_refuses_token_counts_that_are_not_whole_numbers(tokens):
    body = {
        "output": {"message": {"role": "assistant", "content": [{"text": "x"}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": tokens, "outputTokens": 1},
    }
    answer = fake_servers.http_answer("200 OK", _json.dumps(body).encode())
    with fake_servers.RawServer(answer) as server, pytest.raises(StandinError) as excinfo:
        invoke.invoke_model(fake_conn(server), "us.amazon.nova-2-lite-v1:0", "hi", max_tokens=9)
    assert "(HTTP 200)" in str(excinfo.value)


@pytest.mark.parametrize(
    "usage", [{}, {"inputTokens": 3}, {"outputTokens": 3}, {"inputTokens": -1, "outputTokens": 2}]
)
def test_converse_refuses_a_usage_without_whole_token_counts(usage):
    body = _json.dumps({**REPLY, "usage": usage}).encode()
    with (
        fake_servers.RawServer(fake_servers.http_answer("200 OK", body)) as server,
        pytest.raises(StandinError, match=r"\(HTTP 200\)"),
    ):
        invoke.converse(fake_conn(server), HAIKU_PROFILE, "hi")


def test_an_http_200_of_another_shape_stops_the_load(conn, made):
    answer = fake_servers.http_answer("200 OK", b"[1, 2]")
    with fake_servers.RawServer(answer) as server, pytest.raises(StandinError) as excinfo:
        loadgen.generate_load(fake_conn(server), [made["claims_dept"]], ["hi"], 3, progress=False)
    assert "so it cannot be read" in str(excinfo.value)
    assert "0 of 3 calls completed" in str(excinfo.value)


def test_an_http_200_of_another_shape_at_workshop_endpoint_url_names_the_variable(monkeypatch):
    answer = fake_servers.http_answer("200 OK", b"[1, 2]")
    with fake_servers.RawServer(answer) as server:
        monkeypatch.setenv("WORKSHOP_ENDPOINT_URL", server.endpoint)
        with pytest.raises(StandinError) as excinfo:
            invoke.converse(fake_conn(server), HAIKU_PROFILE, "hi")
    assert f"WORKSHOP_ENDPOINT_URL={server.endpoint}" in excinfo.value.fix
    assert '"offline": {"port": ...}' not in excinfo.value.fix


def test_an_empty_http_200_stops_the_load_and_counts_what_completed(conn, made):
    empty = fake_servers.http_answer("200 OK", b"{}")
    with fake_servers.RawServer(empty) as server, pytest.raises(WorkshopError) as excinfo:
        loadgen.generate_load(fake_conn(server), [made["claims_dept"]], ["hi"], 3, progress=False)
    assert "without 'output', 'stopReason', 'usage', 'metrics'" in str(excinfo.value)
    assert "0 of 3 calls completed" in str(excinfo.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: invoke.converse(c, HAIKU_PROFILE, "hi"),
        lambda c: invoke.stream(c, HAIKU_PROFILE, "hi"),
        lambda c: invoke.invoke_model(c, HAIKU_PROFILE, "hi"),
    ],
    ids=["converse", "stream", "invoke_model"],
)
def test_a_connection_reset_is_explained(call):
    with (
        fake_servers.RawServer(fake_servers.reset) as server,
        pytest.raises(StandinError) as excinfo,
    ):
        call(fake_conn(server))
    assert "broke off before the answer was complete" in str(excinfo.value)


def test_a_read_timeout_is_explained():
    from botocore.exceptions import ReadTimeoutError

    from helpers.errors import explain

    error = explain(
        ReadTimeoutError(endpoint_url="https://bedrock-runtime.us-east-1.amazonaws.com/x"),
        "call Converse",
        received="nothing",
    )
    assert "sent no answer in time" in error.problem and "Received before it broke" in error.problem
    assert "invoke.stream()" in error.fix


# --- issue 13, class 20: the message shapes an analyst passes -----------------------------------
OPENAI_STYLE = [
    ([{"role": "user", "content": "hi"}], [{"role": "user", "content": [{"text": "hi"}]}]),
    (
        [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": [{"type": "text", "text": "hello"}]},
            {"role": "user", "content": ["and", {"text": "then?"}]},
        ],
        [
            {"role": "user", "content": [{"text": "hi"}]},
            {"role": "assistant", "content": [{"text": "hello"}]},
            {"role": "user", "content": [{"text": "and"}, {"text": "then?"}]},
        ],
    ),
    ("a bare string", [{"role": "user", "content": [{"text": "a bare string"}]}]),
    (
        ({"role": "user", "content": [{"text": "a tuple"}]},),
        [{"role": "user", "content": [{"text": "a tuple"}]}],
    ),
]


@pytest.mark.parametrize("given,expected", OPENAI_STYLE)
def test_unambiguous_message_shapes_become_converse_messages(given, expected):
    assert invoke.converse_request("m", given)["messages"] == expected


def test_converse_takes_openai_style_messages(conn, made):
    reply = invoke.converse(
        conn, made["claims_dept"], [{"role": "user", "content": "hi"}], max_tokens=20
    )
    assert reply.output_tokens > 0


REFUSED = [
    ([{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}], "system="),
    ([{"role": "developer", "content": "be brief"}], "system="),
    ([{"role": "tool", "content": "42"}], "'user' for the person's turns"),
    ([{"role": "model", "content": "hi"}], "'user' for the person's turns"),
    ([{"content": "hi"}], "'user' for the person's turns"),
    ([{"role": "user", "content": None}], "give it a string"),
    ([{"role": "user", "content": []}], "give it a string"),
    ([{"role": "user", "content": [{"type": "image_url", "image_url": "x"}]}], "Converse blocks"),
    ([{"role": "user", "content": "hi", "name": "ann"}], "keep only role and content"),
    (["hi"], "each message is a dict"),
    ({"role": "user", "content": "hi"}, "wrap it in a list"),
    (42, "pass a string"),
    (None, "pass a string"),
    ([], "pass a prompt string or a list"),
]


@pytest.mark.parametrize("given,fix", REFUSED)
def test_ambiguous_message_shapes_are_refused_with_the_fix(given, fix):
    with pytest.raises(InputError) as excinfo:
        invoke.converse_request("m", given)
    assert fix in str(excinfo.value)


@pytest.mark.parametrize(
    "kwargs,fragment",
    [
        ({"temperature": "0.5"}, "temperature must be a number from 0 to 1"),
        ({"temperature": 1.5}, "temperature must be a number from 0 to 1"),
        ({"system": ["be", "brief"]}, "system must be a string"),
        ({"max_tokens": "256"}, "max_tokens must be a whole number"),
    ],
)
def test_converse_arguments_of_the_wrong_type(kwargs, fragment):
    with pytest.raises(InputError, match=fragment):
        invoke.converse_request("m", "hi", **kwargs)


def test_numpy_integers_and_system_blocks_are_accepted():
    import numpy as np

    request = invoke.converse_request(
        "m", "hi", max_tokens=np.int64(64), system=[{"text": "be brief"}], cache_system=True
    )
    assert request["inferenceConfig"]["maxTokens"] == 64
    assert type(request["inferenceConfig"]["maxTokens"]) is int
    assert request["system"] == [{"text": "be brief"}, {"cachePoint": {"type": "default"}}]


def test_invoke_model_prompt_and_body_types(conn, made):
    target = made["claims_dept"]
    with pytest.raises(InputError, match="use converse"):
        invoke.invoke_model(conn, target, [{"role": "user", "content": "hi"}])
    with pytest.raises(InputError, match="must be a JSON object"):
        invoke.invoke_model(conn, target, body=[1, 2])
    with pytest.raises(InputError, match="not valid JSON"):
        invoke.invoke_model(conn, target, body="{not json")
    body = _json.dumps(invoke.invoke_body(invoke.family_of(target.model_id), "hi", 16))
    assert invoke.invoke_model(conn, target, body=body).output_tokens > 0  # JSON text: read


def test_generate_load_takes_one_prompt_string_and_one_profile(conn, made):
    frame = loadgen.generate_load(
        conn, made["claims_dept"], "Summarise the claim", 3, max_tokens=16, progress=False
    )
    assert len(frame) == 3 and frame["error"].isna().all()
    assert frame["input_tokens"].min() > 2  # the whole prompt, not one character of it


@pytest.mark.parametrize(
    "profiles_arg,prompts,requests,fragment",
    [
        (["claims_dept"], ["hi"], 3, "takes Profile objects"),
        (None, [["hi"]], 3, "not text"),
        (None, ["hi", ""], 3, "holds an empty prompt"),
        (None, ["hi"], "3", "requests must be a whole number"),
        (None, ["hi"], 2.5, "requests must be a whole number"),
    ],
)
def test_generate_load_arguments_of_the_wrong_type(
    conn, made, profiles_arg, prompts, requests, fragment
):
    targets = profiles_arg if profiles_arg is not None else [made["claims_dept"]]
    with pytest.raises(InputError, match=fragment):
        loadgen.generate_load(conn, targets, prompts, requests, progress=False)


# --- issue 13, class 22: account IDs masked in what a call's failure shows ----------------------
OTHER_ACCOUNT = "21098" + "7654321"  # built at run time: the secrets scan checks tracked files


def test_load_errors_mask_account_ids(conn, made, endpoint):
    arn = f"arn:aws:bedrock:us-east-1:{OTHER_ACCOUNT}:application-inference-profile/abcdefghijkl"
    control(
        endpoint,
        "POST",
        "/_standin/faults",
        {"rate": 1.0, "error": "AccessDeniedException", "message": f"not allowed on {arn}"},
    )
    result = loadgen.generate_load(conn, [made["claims_dept"]], ["q"], 2, progress=False)
    assert result["error"].str.contains("********4321", regex=False).all()
    assert not result["error"].str.contains(OTHER_ACCOUNT).any()
    assert not result["fix"].str.contains(OTHER_ACCOUNT).any()


def test_an_aws_error_about_an_arn_masks_its_account(conn, made):
    arn = made["claims_dept"].arn.replace(made["claims_dept"].profile_id, "zzzzzzzzzzzz")
    with pytest.raises(AwsError) as excinfo:
        invoke.converse(conn, arn, "hi")
    assert "123456789012" not in str(excinfo.value)  # the stand-in's account
    assert "********9012" in str(excinfo.value)


def test_a_stream_that_stalls_is_a_read_timeout_with_what_arrived():
    from urllib3.exceptions import ReadTimeoutError

    def events():
        yield {"messageStart": {"role": "assistant"}}
        yield {"contentBlockDelta": {"delta": {"text": "Hello "}, "contentBlockIndex": 0}}
        raise ReadTimeoutError(None, "/model/x/converse-stream", "Read timed out.")

    streamed = invoke.TextStream(events(), "m", "https://bedrock-runtime.us-east-1.amazonaws.com")
    with pytest.raises(WorkshopError) as excinfo:
        streamed.read()
    assert "sent no answer in time" in excinfo.value.problem
    assert "1 text piece (6 characters: 'Hello ')" in excinfo.value.problem
