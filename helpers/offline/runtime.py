"""Bedrock runtime: Converse, ConverseStream, InvokeModel and InvokeModelWithResponseStream.

moto 5.2.5 implements only InvokeModel, answering ``{}`` for any model. This response class
resolves ``modelId`` the way Bedrock does (model ID or ARN, system profile ID or ARN, application
profile ARN or ID), speaks each model family's own InvokeModel body, streams real
``application/vnd.amazon.eventstream`` frames, and records every call's usage (see ``usage.py``).
Replies are simulated (``simulate.py``).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from moto.bedrock.models import bedrock_backends
from moto.bedrockruntime.responses import BedrockRuntimeResponse
from moto.ce.models import ce_backends
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.eventstream import EventStream, EventStreamEncoder
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult
from moto.core.serialize import EventStreamJSONSerializer
from moto.core.utils import get_service_model

from . import simulate, validation
from .bedrock import invalid_model_identifier
from .catalog import FoundationModel, load
from .errors import ValidationException
from .state import FAULTS, SETTINGS
from .usage import Target, hour_of

EVENT_STREAM = "application/vnd.amazon.eventstream"


def resolve(account: str, region: str, model_id: str) -> Target:
    """What a runtime ``modelId`` names, or the ValidationException Bedrock answers with."""
    backend = bedrock_backends[account][region]
    catalog = load()
    profile = backend.find_application_profile(model_id)
    if profile is not None:
        return Target(
            model=catalog.models[profile.model_id],
            dimension=profile.profile_id,
            kind="application",
            resource_arn=profile.arn,
            tags=tuple(profile.tags.items()),
            profile_name=profile.name,
        )
    system = backend.find_system_profile(model_id)
    if system is not None:
        return Target(
            model=catalog.models[system.model_id],
            dimension=system.profile_id,
            kind="system",
            profile_name=system.name,
        )
    model = backend.find_model(model_id)
    if model is None:
        raise invalid_model_identifier()
    if not model.on_demand_in(region):
        raise ValidationException(
            f"Invocation of model ID {model.model_id} with on-demand throughput isn\u2019t "
            "supported. Retry your request with the ID or ARN of an inference profile that "
            "contains this model."
        )
    return Target(model=model, dimension=model.model_id, kind="model")


def _over_limit(model: FoundationModel, requested: int) -> ValidationException:
    limit = model.max_output_tokens
    return ValidationException(
        f"The maximum tokens you requested exceeds the model limit of {limit}. Try again with a "
        f"maximum tokens value that is lower than {limit}."
    )


# --- Converse ----------------------------------------------------------------------------------
def converse_prompt(params: dict[str, Any], model: FoundationModel) -> str:
    """The text the model reads, after Bedrock's own checks on the conversation."""
    messages = params["messages"]
    if not messages:
        raise ValidationException(
            "A conversation must start with a user message. Try again with a conversation that "
            "starts with a user message."
        )
    if messages[0]["role"] != "user":
        raise ValidationException(
            "A conversation must start with a user message. Try again with a conversation that "
            "starts with a user message."
        )
    for before, after in zip(messages, messages[1:], strict=False):
        if before["role"] == after["role"]:
            raise ValidationException(
                "A conversation must alternate between user and assistant roles. Make sure the "
                "conversation alternates between user and assistant roles and try again."
            )
    parts = [block["text"] for block in params.get("system") or [] if "text" in block]
    for m, message in enumerate(messages):
        if not message["content"]:
            raise ValidationException(
                f"The content field in the Message object at messages.{m} is empty. Add a "
                "ContentBlock object to the content field and try again."
            )
        for c, block in enumerate(message["content"]):
            if "text" not in block:
                kind = next(iter(block), "unknown")
                raise ValidationException(
                    f"The offline stand-in simulates text only; the '{kind}' content block at "
                    f"messages.{m}.content.{c} is not supported offline."
                )
            if not block["text"].strip():
                raise ValidationException(
                    f"The text field in the ContentBlock object at messages.{m}.content.{c} is "
                    "blank. Add text to the text field, and try again."
                )
            parts.append(block["text"])
    return "\n".join(parts)


# --- InvokeModel bodies, one format per model family --------------------------------------------
BODY_KEYS = {
    "anthropic": (
        {"anthropic_version", "max_tokens", "messages"},
        {
            "anthropic_version",
            "max_tokens",
            "messages",
            "system",
            "stop_sequences",
            "temperature",
            "top_p",
            "top_k",
            "tools",
            "tool_choice",
            "metadata",
            "anthropic_beta",
            "thinking",
        },
    ),
    "meta": ({"prompt"}, {"prompt", "max_gen_len", "temperature", "top_p", "images"}),
    "nova": (
        {"messages"},
        {"schemaVersion", "messages", "system", "inferenceConfig", "toolConfig"},
    ),
    "titan": ({"inputText"}, {"inputText", "textGenerationConfig"}),
}


def _malformed(problems: list[str]) -> ValidationException:
    return ValidationException(
        "Malformed input request: "
        + "".join(f"#: {p}" for p in problems)
        + ", please reformat your input and try again."
    )


def parse_body(raw: bytes | str | None, model: FoundationModel) -> dict[str, Any]:
    """The family's request fields: prompt, max_tokens, stop_sequences."""
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationException(
            "Malformed input request: the request body is not valid JSON, please reformat your "
            "input and try again."
        ) from exc
    if not isinstance(body, dict):
        raise _malformed(["expected type: JSONObject, found: " + type(body).__name__])
    required, allowed = BODY_KEYS[model.family]
    problems = [f"required key [{k}] not found" for k in sorted(required - body.keys())]
    problems += [f"extraneous key [{k}] is not permitted" for k in sorted(body.keys() - allowed)]
    if problems:
        raise _malformed(problems)
    family = model.family
    if family == "anthropic":
        if body["anthropic_version"] != "bedrock-2023-05-31":
            raise _malformed(
                [f"anthropic_version: {body['anthropic_version']} is not a valid enum value"]
            )
        system = body.get("system") or ""
        texts = [system] if isinstance(system, str) else [b.get("text", "") for b in system]
        for message in body["messages"]:
            content = message.get("content")
            if isinstance(content, str):
                texts.append(content)
            else:
                texts += [b.get("text", "") for b in content or [] if b.get("type") == "text"]
        max_tokens = body["max_tokens"]
        if not isinstance(max_tokens, int) or max_tokens < 1:
            raise _malformed([f"max_tokens: {max_tokens} is not a positive integer"])
        if max_tokens > model.max_output_tokens:
            raise ValidationException(
                f"max_tokens: {max_tokens} > {model.max_output_tokens}, which is the maximum "
                f"allowed number of output tokens for {_anthropic_name(model)}"
            )
        return {
            "prompt": "\n".join(t for t in texts if t),
            "max_tokens": max_tokens,
            "stop_sequences": body.get("stop_sequences") or [],
        }
    if family == "meta":
        max_gen = _within_limit(body.get("max_gen_len", 512), "max_gen_len", model)
        return {"prompt": body["prompt"], "max_tokens": max_gen, "stop_sequences": []}
    if family == "nova":
        config = body.get("inferenceConfig") or {}
        texts = [b.get("text", "") for b in body.get("system") or []]
        for message in body["messages"]:
            texts += [b.get("text", "") for b in message.get("content") or []]
        max_new = _within_limit(
            config.get("max_new_tokens", model.max_output_tokens),
            "inferenceConfig.max_new_tokens",
            model,
        )
        return {
            "prompt": "\n".join(t for t in texts if t),
            "max_tokens": max_new,
            "stop_sequences": config.get("stopSequences") or [],
        }
    config = body.get("textGenerationConfig") or {}
    max_count = _within_limit(
        config.get("maxTokenCount", 512), "textGenerationConfig.maxTokenCount", model
    )
    return {
        "prompt": body["inputText"],
        "max_tokens": max_count,
        "stop_sequences": config.get("stopSequences") or [],
    }


def _within_limit(value: Any, name: str, model: FoundationModel) -> int:
    """A token limit from a body, checked against the model's maximum."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not (1 <= value <= model.max_output_tokens)
    ):
        raise _malformed([f"{name}: {value} is not between 1 and {model.max_output_tokens}"])
    return value


def _anthropic_name(model: FoundationModel) -> str:
    return model.model_id.removeprefix("anthropic.").rsplit("-v", 1)[0]


def _usage_and_metrics(reply: simulate.Reply) -> dict[str, Any]:
    """The ``usage`` and ``metrics`` members of a Converse reply or ConverseStream metadata."""
    return {
        "usage": {
            "inputTokens": reply.input_tokens,
            "outputTokens": reply.output_tokens,
            "totalTokens": reply.input_tokens + reply.output_tokens,
        },
        "metrics": {"latencyMs": reply.latency_ms},
    }


def _invocation_metrics(reply: simulate.Reply) -> dict[str, int]:
    return {
        "inputTokenCount": reply.input_tokens,
        "outputTokenCount": reply.output_tokens,
        "invocationLatency": reply.latency_ms,
        "firstByteLatency": min(reply.latency_ms, 120 + reply.input_tokens // 50),
    }


def response_body(model: FoundationModel, reply: simulate.Reply) -> dict[str, Any]:
    if model.family == "anthropic":
        return {
            "id": "msg_bdrk_" + secrets.token_hex(12),
            "type": "message",
            "role": "assistant",
            "model": _anthropic_name(model),
            "content": [{"type": "text", "text": reply.text}],
            "stop_reason": reply.stop_reason,
            "stop_sequence": reply.stop_sequence,
            "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens},
        }
    if model.family == "meta":
        return {
            "generation": reply.text,
            "prompt_token_count": reply.input_tokens,
            "generation_token_count": reply.output_tokens,
            "stop_reason": "length" if reply.stop_reason == "max_tokens" else "stop",
        }
    if model.family == "nova":
        return {
            "output": {"message": {"role": "assistant", "content": [{"text": reply.text}]}},
            "stopReason": reply.stop_reason,
            "usage": {
                "inputTokens": reply.input_tokens,
                "outputTokens": reply.output_tokens,
                "totalTokens": reply.input_tokens + reply.output_tokens,
            },
        }
    reason = {"max_tokens": "LENGTH", "stop_sequence": "STOP_CRITERIA_MET"}.get(
        reply.stop_reason, "FINISH"
    )
    return {
        "inputTextTokenCount": reply.input_tokens,
        "results": [
            {
                "tokenCount": reply.output_tokens,
                "outputText": reply.text,
                "completionReason": reason,
            }
        ],
    }


def stream_chunks(model: FoundationModel, reply: simulate.Reply) -> Iterator[dict[str, Any]]:
    """The JSON chunks InvokeModelWithResponseStream sends for this family."""
    pieces = reply.chunks() or [""]
    metrics = {"amazon-bedrock-invocationMetrics": _invocation_metrics(reply)}
    family = model.family
    if family == "anthropic":
        message = response_body(model, reply)
        yield {
            "type": "message_start",
            "message": {
                **{k: message[k] for k in ("id", "type", "role", "model")},
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": reply.input_tokens, "output_tokens": 1},
            },
        }
        yield {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "text", "text": ""},
        }
        for piece in pieces:
            yield {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": piece},
            }
        yield {"type": "content_block_stop", "index": 0}
        yield {
            "type": "message_delta",
            "delta": {"stop_reason": reply.stop_reason, "stop_sequence": reply.stop_sequence},
            "usage": {"output_tokens": reply.output_tokens},
        }
        yield {"type": "message_stop", **metrics}
    elif family == "meta":
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            chunk = {
                "generation": piece,
                "prompt_token_count": reply.input_tokens if i == 0 else None,
                "generation_token_count": simulate.count_tokens("".join(pieces[: i + 1])),
                "stop_reason": ("length" if reply.stop_reason == "max_tokens" else "stop")
                if last
                else None,
            }
            yield {**chunk, **metrics} if last else chunk
    elif family == "nova":
        yield {"messageStart": {"role": "assistant"}}
        for piece in pieces:
            yield {"contentBlockDelta": {"delta": {"text": piece}, "contentBlockIndex": 0}}
        yield {"contentBlockStop": {"contentBlockIndex": 0}}
        yield {"messageStop": {"stopReason": reply.stop_reason}}
        yield {
            "metadata": {
                "usage": {"inputTokens": reply.input_tokens, "outputTokens": reply.output_tokens}
            },
            **metrics,
        }
    else:
        reason = {"max_tokens": "LENGTH", "stop_sequence": "STOP_CRITERIA_MET"}.get(
            reply.stop_reason, "FINISH"
        )
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            chunk = {
                "outputText": piece,
                "index": 0,
                "totalOutputTextTokenCount": simulate.count_tokens("".join(pieces[: i + 1])),
                "completionReason": reason if last else None,
                "inputTextTokenCount": reply.input_tokens if i == 0 else None,
            }
            yield {**chunk, **metrics} if last else chunk


class StandinRuntimeResponse(BedrockRuntimeResponse):
    """Bedrock runtime actions for the stand-in."""

    # --- shared steps ---------------------------------------------------------------------
    def _params(self) -> dict[str, Any]:
        return validation.request_params(self, "bedrock-runtime")

    def _target(self, params: dict[str, Any]) -> Target:
        return resolve(self.current_account, self.region, unquote(params["modelId"]))

    def _metric(self, target: Target, name: str, value: float, unit: str = "Count") -> None:
        store = cloudwatch_backends[self.current_account][self.region].bedrock_metrics
        store.put(name, {"ModelId": target.dimension}, value, datetime.now(timezone.utc), unit)

    def _guarded(self, target: Target, operation: str, work):
        """Run ``work``; count client errors, throttles and server errors as Bedrock does."""
        injected = FAULTS.draw(operation)
        try:
            if injected is not None:
                raise injected
            return work()
        except ServiceException as error:
            code = error.code
            if code == "ThrottlingException":
                self._metric(target, "InvocationThrottles", 1)
            elif code in (
                "InternalServerException",
                "ServiceUnavailableException",
                "ModelTimeoutException",
                "ModelNotReadyException",
            ):
                self._metric(target, "InvocationServerErrors", 1)
            else:
                self._metric(target, "InvocationClientErrors", 1)
            raise

    def _record(self, target: Target, reply: simulate.Reply) -> None:
        now = datetime.now(timezone.utc)
        self._metric(target, "Invocations", 1)
        self._metric(target, "InputTokenCount", reply.input_tokens)
        self._metric(target, "OutputTokenCount", reply.output_tokens)
        self._metric(target, "InvocationLatency", reply.latency_ms, "Milliseconds")
        ce_backends[self.current_account]["aws"].ledger.record_tokens(
            account=self.current_account,
            region=self.region,
            target=target,
            start=hour_of(now),
            input_tokens=reply.input_tokens,
            output_tokens=reply.output_tokens,
        )

    def _converse_reply(self, params: dict[str, Any], target: Target) -> simulate.Reply:
        config = params.get("inferenceConfig") or {}
        max_tokens = config.get("maxTokens")
        if max_tokens is not None and max_tokens > target.model.max_output_tokens:
            raise _over_limit(target.model, max_tokens)
        prompt = converse_prompt(params, target.model)
        reply = simulate.reply(target.model, prompt, max_tokens, config.get("stopSequences"))
        self._record(target, reply)
        return reply

    def _invoke_reply(self, params: dict[str, Any], target: Target) -> simulate.Reply:
        content_type = params.get("contentType") or "application/json"
        if content_type != "application/json":
            raise ValidationException(
                f"The offline stand-in accepts contentType application/json only, not "
                f"{content_type}."
            )
        request = parse_body(params.get("body"), target.model)
        reply = simulate.reply(
            target.model, request["prompt"], request["max_tokens"], request["stop_sequences"]
        )
        self._record(target, reply)
        return reply

    def _stream(self, operation: str, events: Iterator[dict[str, Any]]):
        """Encode events as an event stream, sent as they are produced (chunked transfer)."""
        operation_model = get_service_model("bedrock-runtime").operation_model(operation)
        serializer = EventStreamJSONSerializer(operation_model)
        member = operation_model.output_shape.event_stream_name
        stream = EventStream({member: events}, operation_model.output_shape, serializer)
        delay = SETTINGS.stream_delay_ms / 1000

        def frames() -> Iterator[bytes]:
            encoder = EventStreamEncoder()
            for i, event in enumerate(stream):
                if delay and i:
                    time.sleep(delay)
                yield encoder.encode_event(event)

        headers = {
            "status": 200,
            "Content-Type": EVENT_STREAM,
            "x-amzn-bedrock-content-type": "application/json",
        }
        return 200, headers, frames()

    # --- actions --------------------------------------------------------------------------
    def converse(self) -> ActionResult:
        params = self._params()
        target = self._target(params)
        reply = self._guarded(target, "Converse", lambda: self._converse_reply(params, target))
        return ActionResult(
            {
                "output": {"message": {"role": "assistant", "content": [{"text": reply.text}]}},
                "stopReason": reply.stop_reason,
                **_usage_and_metrics(reply),
            }
        )

    def converse_stream(self):
        params = self._params()
        target = self._target(params)
        reply = self._guarded(
            target, "ConverseStream", lambda: self._converse_reply(params, target)
        )

        def events() -> Iterator[dict[str, Any]]:
            yield {"messageStart": {"role": "assistant"}}
            for piece in reply.chunks():
                yield {"contentBlockDelta": {"delta": {"text": piece}, "contentBlockIndex": 0}}
            yield {"contentBlockStop": {"contentBlockIndex": 0}}
            yield {"messageStop": {"stopReason": reply.stop_reason}}
            yield {"metadata": _usage_and_metrics(reply)}

        return self._stream("ConverseStream", events())

    def invoke_model(self) -> ActionResult:
        params = self._params()
        target = self._target(params)
        reply = self._guarded(target, "InvokeModel", lambda: self._invoke_reply(params, target))
        self.response_headers.update(
            {
                "x-amzn-bedrock-input-token-count": str(reply.input_tokens),
                "x-amzn-bedrock-output-token-count": str(reply.output_tokens),
                "x-amzn-bedrock-invocation-latency": str(reply.latency_ms),
            }
        )
        return ActionResult(
            {
                "body": json.dumps(response_body(target.model, reply)),
                "contentType": "application/json",
            }
        )

    def invoke_model_with_response_stream(self):
        params = self._params()
        target = self._target(params)
        reply = self._guarded(
            target, "InvokeModelWithResponseStream", lambda: self._invoke_reply(params, target)
        )

        def events() -> Iterator[dict[str, Any]]:
            for chunk in stream_chunks(target.model, reply):
                yield {"chunk": {"bytes": json.dumps(chunk).encode()}}

        return self._stream("InvokeModelWithResponseStream", events())

    def count_tokens(self) -> ActionResult:
        params = self._params()
        target = self._target(params)
        given = params.get("input") or {}
        if "converse" in given:
            prompt = converse_prompt(given["converse"], target.model)
        else:
            prompt = parse_body(given.get("invokeModel", {}).get("body"), target.model)["prompt"]
        return ActionResult({"inputTokens": simulate.count_tokens(prompt)})
