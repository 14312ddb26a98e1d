"""Bedrock runtime: Converse, ConverseStream, InvokeModel and InvokeModelWithResponseStream.

moto 5.2.5 implements only InvokeModel, answering ``{}`` for any model. This response class
resolves ``modelId`` the way Bedrock does (model ID or ARN, system profile ID or ARN, application
profile ARN or ID), speaks each model family's own InvokeModel body (``families.py``), streams
real ``application/vnd.amazon.eventstream`` frames, and records every call's usage (see
``usage.py``). Service tiers are accepted where prices.json prices them and counted under
``<ModelId>+<tier>``; CountTokens answers what the same call is billed for. Replies and
latencies are simulated (``simulate.py``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import unquote

from helpers.catalog import LEGACY
from helpers.metrics import UNIT

from . import content, invocation_logs, simulate, validation
from . import tools as tools_mod
from .accounts import account_state
from .bedrock import check_lifecycle, invalid_model_identifier
from .catalog import FoundationModel, load
from .errors import ServiceException, ValidationException
from .families import FAMILIES, family_of, parse_body
from .moto_glue import (
    REQUEST_ID,
    ActionResult,
    BedrockRuntimeResponse,
    bedrock_backend,
    event_frames,
    s3_object,
)
from .principals import Caller, caller_of
from .state import FAULTS, PROMPT_CACHE, SETTINGS
from .usage import Target, hour_of

EVENT_STREAM = "application/vnd.amazon.eventstream"
CACHE_TTL_SECONDS = {"5m": 300, "1h": 3600}
MAX_CACHE_POINTS = 4  # cache checkpoints per request (Bedrock user guide, prompt caching)


def resolve(account: str, region: str, model_id: str) -> Target:
    """What a runtime ``modelId`` names, or the error Bedrock answers with."""
    backend = bedrock_backend(account, region)
    catalog = load()
    profile = backend.find_application_profile(model_id)
    if profile is not None:
        model = catalog.models[profile.model_id]
        life = check_lifecycle(model, region)
        if ":foundation-model/" in profile.copied_from and not catalog.on_demand_in(model, region):
            # copied from a model this region serves only through profiles: no on-demand calls
            raise on_demand_only(model)
        return Target.application(profile, model, legacy=life.status == LEGACY)
    system = backend.find_system_profile(model_id)
    if system is not None:
        model = catalog.models[system.model_id]
        life = check_lifecycle(model, region)
        return Target(
            model=model,
            dimension=system.profile_id,
            kind="system",
            profile_name=system.name,
            scope=system.scope,
            legacy=life.status == LEGACY,
        )
    model = backend.find_model(model_id)
    if model is None:
        raise invalid_model_identifier()
    life = check_lifecycle(model, region)
    if not catalog.on_demand_in(model, region):
        raise on_demand_only(model)
    return Target(model=model, dimension=model.model_id, kind="model", legacy=life.status == LEGACY)


def on_demand_only(model: FoundationModel) -> ValidationException:
    return ValidationException(
        f"Invocation of model ID {model.model_id} with on-demand throughput isn\u2019t "
        "supported. Retry your request with the ID or ARN of an inference profile that "
        "contains this model."
    )


def _over_limit(model: FoundationModel, requested: int) -> ValidationException:
    limit = model.max_output_tokens
    return ValidationException(
        f"The maximum tokens you requested exceeds the model limit of {limit}. Try again with a "
        f"maximum tokens value that is lower than {limit}."
    )


def check_context(model: FoundationModel, prompt: str) -> None:
    """Refuse a prompt longer than the model's context window, in Bedrock's words."""
    window = model.context_window
    # a character counts at most one token, so a prompt of at most `window` characters fits
    if window and len(prompt) > window and simulate.count_tokens(prompt) > window:
        raise ValidationException("Input is too long for requested model.")


# --- service tiers ------------------------------------------------------------------------------
# Converse and ConverseStream take ``serviceTier={"type": ...}``; InvokeModel and
# InvokeModelWithResponseStream take the tier in this header, and answer with it (botocore 1.44.8).
TIER_HEADER = "X-Amzn-Bedrock-Service-Tier"


def requested_tier(params: dict[str, Any]) -> str | None:
    """The tier a request asks for (None when it names none: Standard, as on AWS)."""
    value = params.get("serviceTier")
    return value.get("type") if isinstance(value, dict) else value


def check_tier(model: FoundationModel, tier: str | None) -> None:
    """Refuse a tier the model does not serve, as Bedrock does (ValidationException)."""
    if tier is None or tier == "default":
        return
    if tier == "reserved":  # AWS's text without a reservation, as public projects report it
        raise ValidationException("Reservation not found.")
    if tier not in load().tiers(model):
        # AWS's wording is not published: ValidationException in Bedrock's style (README says)
        raise ValidationException(
            f"The provided model {model.model_id} doesn't support the {tier} service tier. "
            "Retry your request with a service tier that this model supports."
        )


def tiered(target: Target, tier: str | None) -> Target:
    """The target whose ModelId dimension a tier's metrics go under: ``<ModelId>+priority``.

    Bedrock has no tier dimension; Priority and Flex calls are counted under the ModelId value
    with the tier appended. Standard calls, and tiers the model refuses, keep the plain value.
    """
    if tier in (None, "default", "reserved") or tier not in load().tiers(target.model):
        return target
    return replace(target, dimension=f"{target.dimension}+{tier}")


def tier_echo(tier: str | None) -> dict[str, Any]:
    """The ``serviceTier`` member of a Converse reply or stream metadata: the tier served."""
    return {"serviceTier": {"type": tier}} if tier else {}


def no_streaming(model: FoundationModel) -> ValidationException:
    return ValidationException(
        f"The model {model.model_id} doesn't support streaming. Call it with Converse or "
        "InvokeModel instead."
    )


# --- Converse ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Prompt:
    """The text a model reads, the part of it a cachePoint marks for caching, and what it answers.

    ``text`` holds, in the order the model reads them, the tool definitions (their toolSpec
    JSON), the system prompt and every message: text, toolUse and toolResult blocks as their
    JSON or text, and each image, document or video as placeholder characters that count as
    its tokens (content.py). So one token rule counts it all, for usage, CountTokens,
    CloudWatch and the bill alike.
    """

    text: str
    cached_prefix: str = ""  # everything before the last cachePoint block
    cache_ttl: str = "5m"
    asked: str = ""  # the text of the last user message: what the simulated reply answers
    results: tuple[simulate.ToolResult, ...] = ()  # the tool results that message carries
    tools: tools_mod.Tools | None = None


def no_s3(uri: str, owner: str | None) -> bytes:
    raise ValidationException(f"The offline stand-in cannot read {uri} here.")


def converse_prompt(
    params: dict[str, Any],
    model: FoundationModel,
    read_s3: content.ReadS3 = no_s3,
    streamed: bool = False,
) -> Prompt:
    """The prompt of a Converse request, after Bedrock's own checks on the conversation."""
    messages = params.get("messages") or []  # optional in the model; AWS wants one
    if not messages or messages[0]["role"] != "user":
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
    config = params.get("toolConfig")
    tools = tools_mod.check_config(config, model, streamed)
    tool_names = tools_mod.check_pairing(messages, tools)
    parts: list[str] = []
    cached: dict[str, Any] = {"prefix": "", "ttl": "5m", "points": 0}

    def cache_point(block: dict[str, Any]) -> None:
        if model.cache_min_tokens is None:
            raise ValidationException(
                f"The model {model.model_id} does not support prompt caching; remove the "
                "cachePoint blocks from the request."
            )
        cached["points"] += 1
        if cached["points"] > MAX_CACHE_POINTS:
            raise ValidationException(
                f"A request can hold at most {MAX_CACHE_POINTS} cachePoint blocks; remove "
                "the extra ones."
            )
        cached["prefix"] = "\n".join(parts)
        cached["ttl"] = (block.get("cachePoint") or {}).get("ttl") or "5m"

    def media(kind: str, block: dict[str, Any], where: str) -> str:
        return content.placeholder(content.block_tokens(kind, block, model, read_s3, where))

    for tool in (config or {}).get("tools") or []:
        if "cachePoint" in tool:
            cache_point(tool)
        elif "toolSpec" in tool:
            parts.append(tools_mod.as_json(tool["toolSpec"]))
    for block in params.get("system") or []:
        if "text" in block:
            parts.append(block["text"])
        elif "cachePoint" in block:
            cache_point(block)
    asked: list[str] = []
    results: list[simulate.ToolResult] = []
    for m, message in enumerate(messages):
        if not message["content"]:
            raise ValidationException(
                f"The content field in the Message object at messages.{m} is empty. Add a "
                "ContentBlock object to the content field and try again."
            )
        content.check_message(message["role"], message["content"], f"messages.{m}")
        if message["role"] == "user":
            asked, results = [], []
        for c, block in enumerate(message["content"]):
            where = f"messages.{m}.content.{c}"
            kind = next(iter(block), "unknown")
            if kind == "cachePoint":
                cache_point(block)
            elif kind == "text":
                if not block["text"].strip():
                    raise ValidationException(
                        f"The text field in the ContentBlock object at {where} is "
                        "blank. Add text to the text field, and try again."
                    )
                parts.append(block["text"])
                if message["role"] == "user":
                    asked.append(block["text"])
            elif kind in ("image", "document", "video", "audio"):
                parts.append(media(kind, block[kind], where))
            elif kind == "toolUse":
                parts.append(tools_mod.as_json(block["toolUse"]))
            elif kind == "toolResult":
                result = block["toolResult"]
                if result.get("status") == "error" and not result.get("content"):
                    raise ValidationException(  # AWS's text, as public reports quote it
                        f"The content field at {where}.toolResult cannot be empty when status "
                        "value is error."
                    )
                texts = []
                for r, item in enumerate(result.get("content") or []):
                    inner = next(iter(item), "unknown")
                    if inner == "text":
                        texts.append(item["text"])
                    elif inner == "json":
                        texts.append(tools_mod.as_json(item["json"]))
                    elif inner in ("image", "document", "video"):
                        parts.append(media(inner, item[inner], f"{where}.toolResult.content.{r}"))
                shown = "\n".join(texts)
                parts.append(tools_mod.as_json({"toolUseId": result["toolUseId"]}) + shown)
                name = tool_names.get(result["toolUseId"], "tool")
                results.append((name, result.get("status") or "success", shown))
            else:
                raise ValidationException(
                    f"The offline stand-in does not simulate the '{kind}' content block at "
                    f"{where}; it simulates text, image, document, video, toolUse and "
                    "toolResult blocks."
                )
    return Prompt(
        "\n".join(parts),
        cached["prefix"],
        cached["ttl"],
        asked="\n".join(asked),
        results=tuple(results),
        tools=tools,
    )


def cache_split(prompt: Prompt, model: FoundationModel) -> tuple[int, int] | None:
    """(tokens after the last cachePoint, tokens before it) when the cache point applies.

    None when there is no cache point, or the prefix is below the model's minimum (then Bedrock
    does not cache, and the prompt is counted whole).
    """
    if not prompt.cached_prefix:
        return None
    prefix_tokens = simulate.count_tokens(prompt.cached_prefix)
    if prefix_tokens < (model.cache_min_tokens or 0):
        return None
    # the rest of the prompt, counted on its own as the model reads it after the cache
    rest = simulate.count_tokens(prompt.text[len(prompt.cached_prefix) :].lstrip("\n"))
    return rest, prefix_tokens


def billed_input_tokens(prompt: Prompt, model: FoundationModel) -> int:
    """Every input token a Converse call is billed for: plain, cache-read and cache-written."""
    split = cache_split(prompt, model)
    return simulate.count_tokens(prompt.text) if split is None else sum(split)


# --- CountTokens ---------------------------------------------------------------------------------
def no_token_counting() -> ValidationException:
    """AWS's refusal of CountTokens for a model (or profile ID) it does not count for."""
    return ValidationException("The provided model doesn't support counting tokens.")


def counted_model(account: str, region: str, model_id: str) -> FoundationModel:
    """The foundation model CountTokens counts for: a bare model ID or ARN that supports it."""
    backend = bedrock_backend(account, region)
    model = backend.find_model(model_id)
    if model is None:
        is_profile = backend.find_application_profile(model_id) or backend.find_system_profile(
            model_id
        )
        if is_profile is not None:  # profiles are refused: CountTokens takes a model
            raise no_token_counting()
        raise invalid_model_identifier()
    check_lifecycle(model, region)
    if not load().counts_tokens(model) or not load().on_demand_in(model, region):
        raise no_token_counting()
    return model


# --- Converse replies -------------------------------------------------------------------------
FRAGMENT_CHARS = 24  # the size of the JSON pieces a streamed tool input arrives in (simulated)


def reply_content(reply: simulate.Reply) -> list[dict[str, Any]]:
    """The assistant message's content blocks: the tool call, or the text."""
    if reply.tool_use is not None:
        return [{"toolUse": reply.tool_use}]
    return [{"text": reply.text}]


def input_fragments(value: Any) -> list[str]:
    """A tool input as ConverseStream sends it: its JSON, in string pieces to be joined."""
    encoded = tools_mod.as_json(value)
    return [encoded[i : i + FRAGMENT_CHARS] for i in range(0, len(encoded), FRAGMENT_CHARS)]


def as_logged(value: Any) -> Any:
    """A request as its invocation log holds it: JSON, with media bytes in base64 as sent."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: as_logged(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_logged(v) for v in value]
    return value


def read_s3_object(account: str, uri: str, owner: str | None) -> bytes:
    """The bytes of ``s3://bucket/key`` in the stand-in's S3, or the refusal (wording assumed)."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if owner is not None and owner != account:
        raise ValidationException(
            f"The S3 object {uri} could not be read: bucketOwner {owner} is not the owner of "
            "the bucket. Check the bucket owner and try again."
        )
    found = s3_object(account, bucket, key)
    if found is None:
        raise ValidationException(
            f"The S3 object {uri} could not be read: it does not exist or you don't have access "
            "to it. Check the S3 URI and try again."
        )
    return found


def _usage(reply: simulate.Reply) -> dict[str, Any]:
    """Converse's ``usage``: input tokens exclude cached ones, which are counted apart."""
    usage: dict[str, Any] = {
        "inputTokens": reply.input_tokens,
        "outputTokens": reply.output_tokens,
        "totalTokens": reply.input_tokens
        + reply.output_tokens
        + reply.cache_read_tokens
        + reply.cache_write_tokens,
    }
    if reply.cache_read_tokens or reply.cache_write_tokens:
        usage["cacheReadInputTokens"] = reply.cache_read_tokens
        usage["cacheWriteInputTokens"] = reply.cache_write_tokens
        if reply.cache_write_tokens:
            usage["cacheDetails"] = [
                {"ttl": reply.cache_ttl, "inputTokens": reply.cache_write_tokens}
            ]
    return usage


def _usage_and_metrics(reply: simulate.Reply) -> dict[str, Any]:
    """The ``usage`` and ``metrics`` members of a Converse reply or ConverseStream metadata."""
    return {"usage": _usage(reply), "metrics": {"latencyMs": reply.latency_ms}}


class StandinRuntimeResponse(BedrockRuntimeResponse):
    """Bedrock runtime actions for the stand-in."""

    # --- shared steps ---------------------------------------------------------------------
    def _caller(self) -> Caller:
        """Who is calling (one lookup per request: the bill and the invocation log share it)."""
        if not hasattr(self, "_resolved_caller"):
            self._resolved_caller = caller_of(self)
        return self._resolved_caller

    def _params(self) -> dict[str, Any]:
        params = validation.request_params(self, "bedrock-runtime")
        validation.request_metadata_header(params.get("requestMetadata"))  # InvokeModel's header
        return params

    def _target(self, params: dict[str, Any]) -> Target:
        return resolve(self.current_account, self.region, unquote(params["modelId"]))

    def _metric(self, target: Target, name: str, value: float) -> None:
        """Record one AWS/Bedrock datapoint, in the unit helpers.metrics gives the name."""
        store = account_state(self.current_account).metrics(self.region)
        store.put(
            name, {"ModelId": target.dimension}, value, datetime.now(timezone.utc), UNIT[name]
        )

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

    def _record(
        self, target: Target, reply: simulate.Reply, streamed: bool = False, tier: str | None = None
    ) -> None:
        """The call's metrics and billing lines, as Bedrock records a successful call."""
        now = datetime.now(timezone.utc)
        self._metric(target, "Invocations", 1)
        self._metric(target, "InputTokenCount", reply.input_tokens)
        self._metric(target, "OutputTokenCount", reply.output_tokens)
        self._metric(target, "InvocationLatency", reply.latency_ms)
        if reply.cache_read_tokens:
            self._metric(target, "CacheReadInputTokens", reply.cache_read_tokens)
        if reply.cache_write_tokens:
            self._metric(target, "CacheWriteInputTokens", reply.cache_write_tokens)
        if streamed:
            self._metric(target, "TimeToFirstToken", reply.first_token_ms)
        quota = (
            reply.input_tokens
            + reply.cache_write_tokens
            + reply.output_tokens * target.model.quota_burndown
        )
        self._metric(target, "EstimatedTPMQuotaUsage", quota)
        if target.legacy:
            self._metric(target, "LegacyModelInvocations", 1)
        caller = self._caller()  # who called: billed to the principal as well
        account_state(self.current_account).ledger.record_tokens(
            account=self.current_account,
            region=self.region,
            target=target,
            start=hour_of(now),
            input_tokens=reply.input_tokens,
            output_tokens=reply.output_tokens,
            cache_read_tokens=reply.cache_read_tokens,
            cache_write_tokens=reply.cache_write_tokens,
            cache_ttl=reply.cache_ttl,
            tier=tier or "default",
            principal=caller.arn,
            principal_tags=caller.tag_pairs(),
        )

    def _cached(self, target: Target, prompt: Prompt, reply: simulate.Reply) -> simulate.Reply:
        """Split the prompt's tokens into cache reads or writes when a cachePoint applies.

        A prefix shorter than the model's minimum is not cached, as on Bedrock.
        """
        split = cache_split(prompt, target.model)
        if split is None:
            return reply
        rest, prefix_tokens = split
        digest = hashlib.sha256(prompt.cached_prefix.encode("utf-8", "surrogatepass")).hexdigest()
        key = (self.current_account, self.region, target.model.model_id, digest)
        hit = PROMPT_CACHE.use(key, CACHE_TTL_SECONDS.get(prompt.cache_ttl, 300))
        return replace(
            reply,
            input_tokens=rest,
            cache_read_tokens=prefix_tokens if hit else 0,
            cache_write_tokens=0 if hit else prefix_tokens,
            cache_ttl=prompt.cache_ttl,
        )

    def _converse_reply(
        self, params: dict[str, Any], target: Target, streamed: bool = False
    ) -> simulate.Reply:
        if streamed and not target.model.streaming:
            raise no_streaming(target.model)
        tier = requested_tier(params)
        check_tier(target.model, tier)
        config = params.get("inferenceConfig") or {}
        max_tokens = config.get("maxTokens")
        if max_tokens is not None and max_tokens > target.model.max_output_tokens:
            raise _over_limit(target.model, max_tokens)
        prompt = converse_prompt(params, target.model, self._read_s3, streamed)
        check_context(target.model, prompt.text)
        tool = tools_mod.chosen(prompt.tools, prompt.asked)
        if tool is not None and prompt.tools is not None:
            reply = self._tool_call(target.model, prompt.text, prompt.tools, tool, max_tokens)
        else:
            reply = simulate.reply(
                target.model,
                prompt.text,
                max_tokens,
                config.get("stopSequences"),
                asked=prompt.asked,
                results=prompt.results,
            )
        reply = simulate.in_tier(self._cached(target, prompt, reply), tier or "default")
        self._record(target, reply, streamed, tier)
        return reply

    @staticmethod
    def _tool_call(
        model: FoundationModel,
        prompt: str,
        tools: tools_mod.Tools,
        name: str,
        max_tokens: int | None = None,
    ) -> simulate.Reply:
        """The simulated model's call of tool ``name``: an ID and input derived from the request."""
        call = {
            "toolUseId": tools_mod.tool_use_id(f"{model.model_id}\n{prompt}\n{name}"),
            "name": name,
            "input": tools_mod.input_json(tools, name),
        }
        return simulate.tool_call(model, prompt, call, tools_mod.as_json(call), max_tokens)

    def _read_s3(self, uri: str, owner: str | None) -> bytes:
        """An object of the stand-in's S3 (moto), as a Converse S3 location names it."""
        return read_s3_object(self.current_account, uri, owner)

    def _invoke_reply(
        self, params: dict[str, Any], target: Target, streamed: bool = False
    ) -> simulate.Reply:
        if streamed and not target.model.streaming:
            raise no_streaming(target.model)
        tier = requested_tier(params)
        check_tier(target.model, tier)
        family = FAMILIES.get(target.model.family)
        if streamed and family is not None and family.stream is None:
            raise ValidationException(
                f"The offline stand-in does not stream InvokeModel for {target.model.name}: AWS "
                "does not publish the chunk format. Use ConverseStream."
            )
        content_type = params.get("contentType") or "application/json"
        if content_type != "application/json":
            raise ValidationException(
                f"The offline stand-in accepts contentType application/json only, not "
                f"{content_type}."
            )
        request = parse_body(params.get("body"), target.model)
        check_context(target.model, request["prompt"])
        tool = tools_mod.chosen(request.get("tools"), request.get("asked") or "")
        if tool is not None:
            reply = self._tool_call(
                target.model, request["prompt"], request["tools"], tool, request["max_tokens"]
            )
        else:
            answering = {k: request[k] for k in ("asked", "results") if k in request}
            reply = family_of(target.model).reply(
                target.model,
                request["prompt"],
                request["max_tokens"],
                request["stop_sequences"],
                **answering,
            )
        reply = simulate.in_tier(reply, tier or "default")
        self._record(target, reply, streamed, tier)
        return reply

    def _stream(self, operation: str, events: Iterator[dict[str, Any]], tier: str | None = None):
        """Encode events as an event stream, sent as they are produced (chunked transfer)."""
        encoded = event_frames("bedrock-runtime", operation, events)
        delay = SETTINGS.stream_delay_ms / 1000

        def frames() -> Iterator[bytes]:
            for i, frame in enumerate(encoded):
                if delay and i:
                    time.sleep(delay)
                yield frame

        headers = {
            "status": 200,
            "Content-Type": EVENT_STREAM,
            "x-amzn-bedrock-content-type": "application/json",
        }
        if tier:
            headers[TIER_HEADER] = tier
        if REQUEST_ID in self.response_headers:  # set by _log
            headers[REQUEST_ID] = self.response_headers[REQUEST_ID]
        return 200, headers, frames()

    def _log(
        self, operation: str, params: dict[str, Any], reply: simulate.Reply, output: Any
    ) -> None:
        """Write the call's model invocation log record, if logging is configured here."""
        config = bedrock_backend(self.current_account, self.region).invocation_logging
        if config is None:
            return
        if operation.startswith("Converse"):
            given = as_logged({k: v for k, v in params.items() if k != "modelId"})
            metadata = params.get("requestMetadata")
        else:
            given = json.loads(params.get("body") or b"{}")
            metadata = validation.request_metadata_header(params.get("requestMetadata"))
        request_id = invocation_logs.new_request_id()
        self.response_headers[REQUEST_ID] = request_id  # the caller sees the record's ID
        now = datetime.now(timezone.utc)
        entry = invocation_logs.record(
            account=self.current_account,
            region=self.region,
            caller_arn=self._caller().arn,
            request_id=request_id,
            operation=operation,
            model_id=unquote(params["modelId"]),
            when=now,
            input_body=given,
            output_body=output,
            input_tokens=reply.input_tokens,
            output_tokens=reply.output_tokens,
            cache_read_tokens=reply.cache_read_tokens,
            cache_write_tokens=reply.cache_write_tokens,
            request_metadata=metadata,
            text=bool(config.get("textDataDeliveryEnabled")),
        )
        invocation_logs.deliver(config, entry, now)

    # --- actions --------------------------------------------------------------------------
    def converse(self) -> ActionResult:
        params = self._params()
        target = tiered(self._target(params), requested_tier(params))
        reply = self._guarded(target, "Converse", lambda: self._converse_reply(params, target))
        answer = {
            "output": {"message": {"role": "assistant", "content": reply_content(reply)}},
            "stopReason": reply.stop_reason,
            **_usage_and_metrics(reply),
            **tier_echo(requested_tier(params)),
        }
        self._log("Converse", params, reply, answer)
        return ActionResult(answer)

    def converse_stream(self):
        params = self._params()
        target = tiered(self._target(params), requested_tier(params))
        reply = self._guarded(
            target, "ConverseStream", lambda: self._converse_reply(params, target, streamed=True)
        )

        def events() -> Iterator[dict[str, Any]]:
            yield {"messageStart": {"role": "assistant"}}
            if reply.tool_use is not None:
                call = reply.tool_use
                start = {"toolUse": {"toolUseId": call["toolUseId"], "name": call["name"]}}
                yield {"contentBlockStart": {"start": start, "contentBlockIndex": 0}}
                for piece in input_fragments(call["input"]):
                    delta = {"toolUse": {"input": piece}}
                    yield {"contentBlockDelta": {"delta": delta, "contentBlockIndex": 0}}
            else:
                for piece in reply.chunks():
                    delta = {"text": piece}
                    yield {"contentBlockDelta": {"delta": delta, "contentBlockIndex": 0}}
            yield {"contentBlockStop": {"contentBlockIndex": 0}}
            yield {"messageStop": {"stopReason": reply.stop_reason}}
            yield {"metadata": {**_usage_and_metrics(reply), **tier_echo(requested_tier(params))}}

        sent = list(events())
        self._log("ConverseStream", params, reply, sent)
        return self._stream("ConverseStream", iter(sent))

    def invoke_model(self) -> ActionResult:
        params = self._params()
        target = tiered(self._target(params), requested_tier(params))
        reply = self._guarded(target, "InvokeModel", lambda: self._invoke_reply(params, target))
        self.response_headers.update(
            {
                "x-amzn-bedrock-input-token-count": str(reply.input_tokens),
                "x-amzn-bedrock-output-token-count": str(reply.output_tokens),
                "x-amzn-bedrock-invocation-latency": str(reply.latency_ms),
            }
        )
        if requested_tier(params):
            self.response_headers[TIER_HEADER] = requested_tier(params)
        body = family_of(target.model).respond(target.model, reply)
        self._log("InvokeModel", params, reply, body)
        return ActionResult({"body": json.dumps(body), "contentType": "application/json"})

    def invoke_model_with_response_stream(self):
        params = self._params()
        target = tiered(self._target(params), requested_tier(params))
        reply = self._guarded(
            target,
            "InvokeModelWithResponseStream",
            lambda: self._invoke_reply(params, target, streamed=True),
        )

        stream = family_of(target.model).stream
        assert stream is not None  # _invoke_reply refused a family without a chunk format

        chunks = list(stream(target.model, reply))
        self._log("InvokeModelWithResponseStream", params, reply, chunks)
        events = ({"chunk": {"bytes": json.dumps(chunk).encode()}} for chunk in chunks)
        return self._stream("InvokeModelWithResponseStream", events, requested_tier(params))

    def count_tokens(self) -> ActionResult:
        """The input tokens the same Converse or InvokeModel request would be billed for."""
        params = self._params()
        model = counted_model(self.current_account, self.region, unquote(params["modelId"]))
        given = params.get("input") or {}
        if "converse" in given:
            prompt = converse_prompt(given["converse"], model, self._read_s3)
            tokens = billed_input_tokens(prompt, model)
        else:
            body = given.get("invokeModel", {}).get("body")
            tokens = simulate.count_tokens(parse_body(body, model)["prompt"])
        return ActionResult({"inputTokens": tokens})
