"""The agent frameworks the workshop shows, run offline against the stand-in, unchanged.

Each framework is pointed at the stand-in through its ordinary endpoint and credential settings
(an ``endpoint_url`` argument or ``AWS_ENDPOINT_URL_BEDROCK_RUNTIME``), with an application
inference profile's ARN as the model. Nothing is patched inside the frameworks; a guard refuses
every connection that is not to the loopback address, so a test fails rather than reach the
internet. The frameworks are an optional extra: `make test-frameworks` installs them (pinned by
requirements-frameworks.lock) and runs this file; without them the module is skipped.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

SKIP_REASON = "agent frameworks not installed: `make test-frameworks` installs and runs them"

# Telemetry and downloads off before any framework is imported: LiteLLM reads its model cost
# map from GitHub at import unless told to use its bundled copy; LangSmith tracing and
# OpenTelemetry exporters stay off.
OFFLINE_ENVIRONMENT = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LANGCHAIN_TRACING_V2": "false",
    "LANGSMITH_TRACING": "false",
    "OTEL_SDK_DISABLED": "true",
    "OTEL_TRACES_EXPORTER": "none",
    "OTEL_METRICS_EXPORTER": "none",
    "OTEL_LOGS_EXPORTER": "none",
}


def _loopback(address: Any) -> bool:
    if not isinstance(address, tuple):  # a Unix socket
        return True
    host = address[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: resolving it already meant leaving the machine


@contextmanager
def offline_environment() -> Iterator[None]:
    """OFFLINE_ENVIRONMENT while the frameworks import; the other tests' environment after."""
    before = {name: os.environ.get(name) for name in OFFLINE_ENVIRONMENT}
    os.environ.update(OFFLINE_ENVIRONMENT)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def loopback_only() -> Iterator[None]:
    """Any connection to an address other than loopback fails loudly."""
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self: socket.socket, address: Any) -> Any:
        if not _loopback(address):
            raise AssertionError(f"a framework tried to reach {address!r} (offline test)")
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        if not _loopback(address):
            raise AssertionError(f"a framework tried to reach {address!r} (offline test)")
        return real_connect_ex(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    try:
        yield
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]


# The frameworks' own deprecation noise (LiteLLM on pydantic 2.11+), not the workshop's: hidden
# so a real warning from the stand-in or the helpers stands out
pytestmark = [
    pytest.mark.filterwarnings("ignore:Accessing the 'model_:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:Items? '.*' on TypedDict class:UserWarning"),
]

with offline_environment(), loopback_only():
    langchain_aws = pytest.importorskip("langchain_aws", reason=SKIP_REASON)
    strands = pytest.importorskip("strands", reason=SKIP_REASON)
    litellm = pytest.importorskip("litellm", reason=SKIP_REASON)
    from strands.models import BedrockModel  # noqa: E402

import boto3  # noqa: E402
from pydantic import BaseModel  # noqa: E402

from tests.conftest import DUMMY_CREDENTIALS  # noqa: E402

REGION = "us-east-1"
HAIKU_ARN = f"arn:aws:bedrock:{REGION}::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> Iterator[None]:
    """Credentials and the Bedrock Runtime endpoint as a person sets them in their shell."""
    for name, value in OFFLINE_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", DUMMY_CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", DUMMY_CREDENTIALS["aws_secret_access_key"])
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", endpoint)
    with loopback_only():
        yield


@pytest.fixture
def profile_arn(client) -> str:
    """An application inference profile on Claude Haiku 4.5, as the workshop creates one."""
    return client("bedrock").create_inference_profile(
        inferenceProfileName="frameworks",
        modelSource={"copyFrom": HAIKU_ARN},
        tags=[{"key": "dept", "value": "claims"}],
    )["inferenceProfileArn"]


def invocations(client, arn: str) -> float:
    """Calls CloudWatch counted under the profile: proof the call went through it."""
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    points = client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Bedrock",
        MetricName="Invocations",
        Dimensions=[{"Name": "ModelId", "Value": arn.rsplit("/", 1)[1]}],
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(minutes=1),
        Period=3600,
        Statistics=["Sum"],
    )["Datapoints"]
    return sum(p["Sum"] for p in points)


# ---------------------------------------------------------------- LangChain


def chat_model(arn: str, endpoint: str, **extra: Any) -> Any:
    return langchain_aws.ChatBedrockConverse(
        model=arn,
        provider="anthropic",  # an ARN does not name its provider
        region_name=REGION,
        endpoint_url=endpoint,
        max_tokens=200,
        **extra,
    )


def test_langchain_invokes_through_the_profile(client, endpoint, profile_arn):
    reply = chat_model(profile_arn, endpoint).invoke("Summarise our claims process in a line.")
    assert isinstance(reply.content, str | list) and reply.text
    assert reply.usage_metadata["input_tokens"] > 0
    assert reply.usage_metadata["output_tokens"] > 0
    assert invocations(client, profile_arn) == 1


def test_langchain_streams_through_the_profile(client, endpoint, profile_arn):
    chunks = list(chat_model(profile_arn, endpoint).stream("Name three colours."))
    text = "".join(chunk.text for chunk in chunks)
    assert len(chunks) > 1 and text
    usage = [c.usage_metadata for c in chunks if c.usage_metadata]
    assert usage and sum(u["output_tokens"] for u in usage) > 0
    assert invocations(client, profile_arn) == 1


# ---------------------------------------------------------------- Strands


def strands_model(arn: str) -> Any:
    # boto3's own setting, AWS_ENDPOINT_URL_BEDROCK_RUNTIME, takes the client to the stand-in.
    return BedrockModel(
        model_id=arn, boto_session=boto3.Session(region_name=REGION), max_tokens=200
    )


def test_strands_agent_answers_through_the_profile(client, profile_arn):
    agent = strands.Agent(model=strands_model(profile_arn), callback_handler=None)
    result = agent("Say hello to the claims team.")
    assert str(result).strip()
    assert result.stop_reason == "end_turn"
    assert invocations(client, profile_arn) == 1


def test_strands_agent_calls_a_tool(client, profile_arn):
    """Needs the stand-in's tool use (toolConfig, toolUse replies, toolResult turns)."""
    called: list[dict[str, Any]] = []

    @strands.tool
    def claim_status(claim_id: str) -> str:
        """Look up the status of an insurance claim.

        Args:
            claim_id: The claim's identifier.
        """
        called.append({"claim_id": claim_id})
        return f"Claim {claim_id} is approved."

    agent = strands.Agent(
        model=strands_model(profile_arn), tools=[claim_status], callback_handler=None
    )
    result = agent("Use the claim_status tool to look up claim C-1001.")
    assert len(called) == 1 and isinstance(called[0]["claim_id"], str)
    assert result.stop_reason == "end_turn"
    # one call asked for the tool, the next answered with its result
    assert invocations(client, profile_arn) == 2


class ClaimSummary(BaseModel):
    claim_id: str
    approved: bool
    amount: float


@pytest.mark.parametrize("way", ["structured_output_model", "structured_output method"])
def test_strands_structured_output(client, profile_arn, way):
    """Needs the stand-in's forced tool use: Strands sends toolChoice {"tool": ...} when the
    model does not call the output tool by itself. Strands 1.x asks for the model in the
    invocation; the older ``Agent.structured_output`` (deprecated, still in public notebooks)
    is checked too."""
    agent = strands.Agent(model=strands_model(profile_arn), callback_handler=None)
    prompt = "Claim C-7 for 120.50 was approved."
    if way == "structured_output_model":
        summary = agent(prompt, structured_output_model=ClaimSummary).structured_output
    else:
        with pytest.warns(DeprecationWarning):
            summary = agent.structured_output(ClaimSummary, prompt)
    assert isinstance(summary, ClaimSummary)
    assert invocations(client, profile_arn) >= 1


# ---------------------------------------------------------------- LiteLLM


def test_litellm_completion_through_the_profile(client, endpoint, profile_arn):
    response = litellm.completion(
        model=f"bedrock/converse/{profile_arn}",
        messages=[{"role": "user", "content": "Summarise our claims process in a line."}],
        aws_bedrock_runtime_endpoint=endpoint,
        aws_region_name=REGION,
        max_tokens=200,
    )
    assert response.choices[0].message.content
    assert response.usage.prompt_tokens > 0 and response.usage.completion_tokens > 0
    assert invocations(client, profile_arn) == 1


def test_litellm_streams_through_the_profile(client, endpoint, profile_arn):
    stream = litellm.completion(
        model=f"bedrock/converse/{profile_arn}",
        messages=[{"role": "user", "content": "Name three colours."}],
        aws_bedrock_runtime_endpoint=endpoint,
        aws_region_name=REGION,
        max_tokens=200,
        stream=True,
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream)
    assert text
    assert invocations(client, profile_arn) == 1
