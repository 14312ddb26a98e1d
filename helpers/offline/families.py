"""InvokeModel's model families: one table entry per body format the stand-in speaks.

Each ``Family`` holds what differs between formats: the body's keys, the body parser (prompt,
token limit, stop sequences), the response body, and the chunks InvokeModelWithResponseStream
sends. Adding a family is adding one entry to ``FAMILIES`` (and to ``helpers/invoke.py``'s
``FAMILIES``, which the client side builds bodies with; a test checks the two agree).
Models whose body format is not public (``converse-only``) have no entry: Converse only.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from . import content, simulate
from . import tools as tools_mod
from .catalog import FoundationModel
from .errors import ValidationException

# prompt, max_tokens, stop_sequences; Anthropic's also asked, results and tools
Request = dict[str, Any]
Chunk = dict[str, Any]
# gpt-oss answers InvokeModel with its reasoning first, in <reasoning> tags (AWS's OpenAI page).
SIMULATED_REASONING = (
    "<reasoning>Simulated: the offline stand-in runs no model, so there is no reasoning."
    "</reasoning>"
)
INVOCATION_METRICS = "amazon-bedrock-invocationMetrics"  # the last chunk's counts


@dataclass(frozen=True)
class Family:
    """One InvokeModel body format."""

    required: frozenset[str]  # body keys
    allowed: frozenset[str]
    parse: Callable[[dict[str, Any], FoundationModel], Request]  # a body that has its keys
    respond: Callable[[FoundationModel, simulate.Reply], dict[str, Any]]
    # None: AWS publishes no chunk format for the family; the stand-in refuses to stream it
    stream: Callable[[FoundationModel, simulate.Reply], Iterator[Chunk]] | None
    config_keys: frozenset[str] | None = None  # inferenceConfig keys, for bodies that have one
    reply: Callable[..., simulate.Reply] = field(default=simulate.reply)


# --- shared pieces ---------------------------------------------------------------------------
def malformed(problems: list[str]) -> ValidationException:
    return ValidationException(
        "Malformed input request: "
        + "".join(f"#: {p}" for p in problems)
        + ", please reformat your input and try again."
    )


def _texts(blocks: Any) -> list[str]:
    """Text of a str or of a list of content blocks ({"text": ...} or {"type": "text", ...})."""
    if isinstance(blocks, str):
        return [blocks]
    out = []
    for block in blocks or []:
        text = block.get("text") if isinstance(block, dict) else None
        if isinstance(text, str) and block.get("type", "text") == "text":
            out.append(text)
    return out


def _within_limit(value: Any, name: str, model: FoundationModel) -> int:
    """A token limit from a body, checked against the model's maximum."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not (1 <= value <= model.max_output_tokens)
    ):
        raise malformed([f"{name}: {value} is not between 1 and {model.max_output_tokens}"])
    return value


def _pieces(reply: simulate.Reply) -> list[str]:
    return reply.chunks() or [""]


def _metrics(reply: simulate.Reply) -> dict[str, dict[str, int]]:
    return {
        INVOCATION_METRICS: {
            "inputTokenCount": reply.input_tokens,
            "outputTokenCount": reply.output_tokens,
            "invocationLatency": reply.latency_ms,
            "firstByteLatency": reply.first_token_ms,
        }
    }


def _request(texts: list[str], max_tokens: int, stop_sequences: list[str]) -> Request:
    return {
        "prompt": "\n".join(t for t in texts if t),
        "max_tokens": max_tokens,
        "stop_sequences": stop_sequences,
    }


# --- anthropic-messages ----------------------------------------------------------------------
def _anthropic_name(model: FoundationModel) -> str:
    return model.model_id.removeprefix("anthropic.").rsplit("-v", 1)[0]


def _anthropic_tools(body: dict[str, Any], model: FoundationModel) -> tools_mod.Tools | None:
    """The body's ``tools`` and ``tool_choice``, read into the stand-in's tool configuration."""
    listed = body.get("tools")
    if not listed:
        return None
    specs: dict[str, dict[str, Any]] = {}
    for i, tool in enumerate(listed):
        if not isinstance(tool, dict) or "name" not in tool:
            raise malformed([f"tools/{i}: required key [name] not found"])
        if "input_schema" not in tool:
            continue  # Anthropic's server tools (bash, text editor...) take no schema
        specs[tool["name"]] = {"name": tool["name"], "inputSchema": {"json": tool["input_schema"]}}
    choice = body.get("tool_choice") or {"type": "auto"}
    kind = choice.get("type", "auto") if isinstance(choice, dict) else "auto"
    if kind == "none":
        return tools_mod.Tools({}, "auto")
    forced = choice.get("name") if kind == "tool" else None
    if forced is not None and forced not in specs:
        raise malformed([f"tool_choice: tool {forced} is not in tools"])
    return tools_mod.Tools(specs, kind if kind in ("auto", "any", "tool") else "auto", forced)


def _as_tool_spec(tool: Any) -> Any:
    """An Anthropic tool definition in Converse's toolSpec shape (the same characters counted)."""
    if not isinstance(tool, dict) or "input_schema" not in tool:
        return tool
    spec = {k: tool[k] for k in ("name", "description") if k in tool}
    return {**spec, "inputSchema": {"json": tool["input_schema"]}}


def _blocks(message: Any) -> list[Any]:
    content = message.get("content") if isinstance(message, dict) else None
    return content if isinstance(content, list) else []


def _anthropic_pairing(messages: list[Any]) -> None:
    """Anthropic's rule: each tool_use is answered by a tool_result in the next message, and
    each tool_result answers a tool_use of the message before (its texts, as public reports
    quote them)."""
    before: list[str] = []
    for m, message in enumerate(messages):
        blocks = [b for b in _blocks(message) if isinstance(b, dict)]
        for c, block in enumerate(blocks):
            if block.get("type") == "tool_result" and block.get("tool_use_id") not in before:
                raise ValidationException(
                    f"messages.{m}.content.{c}: unexpected `tool_use_id` found in `tool_result` "
                    f"blocks: {block.get('tool_use_id')}. Each `tool_result` block must have a "
                    "corresponding `tool_use` block in the previous message."
                )
        answered = {b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"}
        missing = [u for u in before if u not in answered]
        if missing:
            raise ValidationException(
                f"messages.{m - 1}: `tool_use` ids were found without `tool_result` blocks "
                f"immediately after: {', '.join(missing)}. Each `tool_use` block must have a "
                "corresponding `tool_result` block in the next message."
            )
        before = [str(b.get("id")) for b in blocks if b.get("type") == "tool_use"]


def _anthropic_parse(body: dict[str, Any], model: FoundationModel) -> Request:
    if body["anthropic_version"] != "bedrock-2023-05-31":
        raise malformed(
            [f"anthropic_version: {body['anthropic_version']} is not a valid enum value"]
        )
    # the same parts Converse counts (runtime.converse_prompt): tool definitions as their JSON,
    # the system prompt, and each block: images by the image rule, tool calls as their JSON
    # each part in Converse's shape, so that the same request counts the same in both APIs
    texts = [tools_mod.as_json(_as_tool_spec(t)) for t in body.get("tools") or []]
    texts += _texts(body.get("system") or "")
    asked: list[str] = []
    results: list[simulate.ToolResult] = []
    names: dict[str, str] = {}
    for m, message in enumerate(body["messages"]):
        if message.get("role") == "user":
            asked, results = [], []
        blocks = message.get("content")
        if isinstance(blocks, str):
            blocks = [{"type": "text", "text": blocks}]
        for c, block in enumerate(blocks or []):
            kind = block.get("type", "text") if isinstance(block, dict) else "text"
            if kind == "text":
                texts += _texts([block])
                if message.get("role") == "user":
                    asked += _texts([block])
            elif kind in ("image", "document"):
                texts.append(_anthropic_media(block, kind, f"messages.{m}.content.{c}"))
            elif kind == "tool_use":
                names[str(block.get("id"))] = str(block.get("name"))
                call = {"toolUseId": block.get("id"), "name": block.get("name")}
                texts.append(tools_mod.as_json({**call, "input": block.get("input")}))
            elif kind == "tool_result":
                inner = block.get("content") or ""
                shown = "\n".join(_texts(inner))
                texts.append(tools_mod.as_json({"toolUseId": block.get("tool_use_id")}) + shown)
                status = "error" if block.get("is_error") else "success"
                results.append((names.get(str(block.get("tool_use_id")), "tool"), status, shown))
    _anthropic_pairing(body["messages"])
    max_tokens = body["max_tokens"]
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
        raise malformed([f"max_tokens: {max_tokens} is not a positive integer"])
    if max_tokens > model.max_output_tokens:
        raise ValidationException(
            f"max_tokens: {max_tokens} > {model.max_output_tokens}, which is the maximum "
            f"allowed number of output tokens for {_anthropic_name(model)}"
        )
    request = _request(texts, max_tokens, body.get("stop_sequences") or [])
    request.update(asked="\n".join(asked), results=tuple(results))
    request["tools"] = _anthropic_tools(body, model)
    return request


def _anthropic_media(block: dict[str, Any], kind: str, where: str) -> str:
    """An image or document block of a Messages body, as the tokens Converse counts for it."""
    source = block.get("source") or {}
    if source.get("type") == "text":
        return content.placeholder(simulate.count_tokens(str(source.get("data", ""))))
    if source.get("type") != "base64":
        raise malformed([f"{where}.source: the offline stand-in reads base64 sources only"])
    try:
        data = base64.b64decode(source.get("data") or "", validate=True)
    except (ValueError, TypeError) as exc:
        raise malformed([f"{where}.source.data: not base64"]) from exc
    declared = str(source.get("media_type", "")).rsplit("/", 1)[-1]
    if kind == "image":
        return content.placeholder(content.image_block_tokens(data, declared, where))
    fake = {"format": "txt" if declared == "plain" else declared}
    return content.placeholder(content.document_tokens(fake, data))


def _anthropic_respond(model: FoundationModel, reply: simulate.Reply) -> dict[str, Any]:
    if reply.tool_use is not None:
        call = reply.tool_use
        blocks = [
            {
                "type": "tool_use",
                "id": "toolu_bdrk_" + call["toolUseId"].removeprefix("tooluse_"),
                "name": call["name"],
                "input": call["input"],
            }
        ]
    else:
        blocks = [{"type": "text", "text": reply.text}]
    return {
        "id": "msg_bdrk_" + secrets.token_hex(12),
        "type": "message",
        "role": "assistant",
        "model": _anthropic_name(model),
        "content": blocks,
        "stop_reason": reply.stop_reason,
        "stop_sequence": reply.stop_sequence,
        "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens},
    }


def _anthropic_stream(model: FoundationModel, reply: simulate.Reply) -> Iterator[Chunk]:
    message = _anthropic_respond(model, reply)
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
    if reply.tool_use is not None:
        block = {**message["content"][0], "input": {}}
        yield {"type": "content_block_start", "index": 0, "content_block": block}
        encoded = tools_mod.as_json(reply.tool_use["input"])
        for at in range(0, len(encoded), 24):
            yield {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": encoded[at : at + 24]},
            }
    else:
        start = {"type": "text", "text": ""}
        yield {"type": "content_block_start", "index": 0, "content_block": start}
        for piece in _pieces(reply):
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
    yield {"type": "message_stop", **_metrics(reply)}


# --- meta-llama ------------------------------------------------------------------------------
def _llama_stop(reply: simulate.Reply) -> str:
    return "length" if reply.stop_reason == "max_tokens" else "stop"


def _llama_parse(body: dict[str, Any], model: FoundationModel) -> Request:
    max_gen = _within_limit(body.get("max_gen_len", 512), "max_gen_len", model)
    return {"prompt": body["prompt"], "max_tokens": max_gen, "stop_sequences": []}


def _llama_respond(model: FoundationModel, reply: simulate.Reply) -> dict[str, Any]:
    return {
        "generation": reply.text,
        "prompt_token_count": reply.input_tokens,
        "generation_token_count": reply.output_tokens,
        "stop_reason": _llama_stop(reply),
    }


def _llama_stream(model: FoundationModel, reply: simulate.Reply) -> Iterator[Chunk]:
    pieces = _pieces(reply)
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        chunk = {
            "generation": piece,
            "prompt_token_count": reply.input_tokens if i == 0 else None,
            "generation_token_count": simulate.count_tokens("".join(pieces[: i + 1])),
            "stop_reason": _llama_stop(reply) if last else None,
        }
        yield {**chunk, **_metrics(reply)} if last else chunk


# --- nova-v1 and nova-2: the same messages, different inferenceConfig names ------------------
def _nova_media(block: Any, kind: str, model: FoundationModel, where: str) -> str:
    """A Nova body's image, document or video block, as the tokens Converse counts for it."""
    if not content.takes(model, kind):
        raise content.unsupported(kind)
    source = block.get("source") if isinstance(block, dict) else None
    if not isinstance(source, dict) or "bytes" not in source:
        raise malformed([f"{where}.{kind}.source: the offline stand-in reads base64 bytes only"])
    try:
        data = base64.b64decode(source["bytes"] or "", validate=True)
    except (ValueError, TypeError) as exc:
        raise malformed([f"{where}.{kind}.source.bytes: not base64"]) from exc
    declared = str(block.get("format", ""))
    if kind == "image":
        return content.placeholder(content.image_block_tokens(data, declared, where))
    if kind == "document":
        content.check_document_name(str(block.get("name", "")))
        return content.placeholder(content.document_tokens({"format": declared}, data))
    return content.placeholder(content.VIDEO_TOKENS)


def _nova_parser(limit_name: str) -> Callable[[dict[str, Any], FoundationModel], Request]:
    def parse(body: dict[str, Any], model: FoundationModel) -> Request:
        config = body.get("inferenceConfig") or {}
        texts = [t for b in body.get("system") or [] for t in _texts([b])]
        for m, message in enumerate(body["messages"]):
            blocks = message.get("content")
            for c, block in enumerate(blocks if isinstance(blocks, list) else []):
                if isinstance(block, dict) and "text" in block:
                    texts += _texts([block])
                for kind in ("image", "document", "video"):
                    if isinstance(block, dict) and kind in block:
                        where = f"messages.{m}.content.{c}"
                        texts.append(_nova_media(block[kind], kind, model, where))
        max_new = _within_limit(
            config.get(limit_name, model.max_output_tokens), f"inferenceConfig.{limit_name}", model
        )
        return _request(texts, max_new, config.get("stopSequences") or [])

    return parse


def _nova_respond(model: FoundationModel, reply: simulate.Reply) -> dict[str, Any]:
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": reply.text}]}},
        "stopReason": reply.stop_reason,
        "usage": {
            "inputTokens": reply.input_tokens,
            "outputTokens": reply.output_tokens,
            "totalTokens": reply.input_tokens + reply.output_tokens,
        },
    }


def _nova_stream(model: FoundationModel, reply: simulate.Reply) -> Iterator[Chunk]:
    yield {"messageStart": {"role": "assistant"}}
    for piece in _pieces(reply):
        yield {"contentBlockDelta": {"delta": {"text": piece}, "contentBlockIndex": 0}}
    yield {"contentBlockStop": {"contentBlockIndex": 0}}
    yield {"messageStop": {"stopReason": reply.stop_reason}}
    yield {
        "metadata": {
            "usage": {"inputTokens": reply.input_tokens, "outputTokens": reply.output_tokens}
        },
        **_metrics(reply),
    }


NOVA_KEYS = frozenset({"schemaVersion", "messages", "system", "inferenceConfig", "toolConfig"})


# --- titan-text ------------------------------------------------------------------------------
def _titan_reason(reply: simulate.Reply) -> str:
    return {"max_tokens": "LENGTH", "stop_sequence": "STOP_CRITERIA_MET"}.get(
        reply.stop_reason, "FINISH"
    )


def _titan_parse(body: dict[str, Any], model: FoundationModel) -> Request:
    config = body.get("textGenerationConfig") or {}
    max_count = _within_limit(
        config.get("maxTokenCount", 512), "textGenerationConfig.maxTokenCount", model
    )
    return {
        "prompt": body["inputText"],
        "max_tokens": max_count,
        "stop_sequences": config.get("stopSequences") or [],
    }


def _titan_respond(model: FoundationModel, reply: simulate.Reply) -> dict[str, Any]:
    return {
        "inputTextTokenCount": reply.input_tokens,
        "results": [
            {
                "tokenCount": reply.output_tokens,
                "outputText": reply.text,
                "completionReason": _titan_reason(reply),
            }
        ],
    }


def _titan_stream(model: FoundationModel, reply: simulate.Reply) -> Iterator[Chunk]:
    pieces = _pieces(reply)
    for i, piece in enumerate(pieces):
        last = i == len(pieces) - 1
        chunk = {
            "outputText": piece,
            "index": 0,
            "totalOutputTextTokenCount": simulate.count_tokens("".join(pieces[: i + 1])),
            "completionReason": _titan_reason(reply) if last else None,
            "inputTextTokenCount": reply.input_tokens if i == 0 else None,
        }
        yield {**chunk, **_metrics(reply)} if last else chunk


# --- openai-chat (gpt-oss) -------------------------------------------------------------------
def _openai_parse(body: dict[str, Any], model: FoundationModel) -> Request:
    if body.get("stream"):
        raise malformed(["stream: InvokeModel takes stream false or absent"])
    if body.get("model") not in (None, model.model_id):
        raise malformed([f"model: {body['model']} does not match the model ID of the call"])
    texts = []
    for message in body["messages"]:
        texts += _texts(message.get("content") if isinstance(message, dict) else None)
    name = "max_completion_tokens" if "max_completion_tokens" in body else "max_tokens"
    limit = _within_limit(body.get(name, model.max_output_tokens), name, model)
    stop = body.get("stop") or []
    return _request(texts, limit, [stop] if isinstance(stop, str) else list(stop))


def _openai_respond(model: FoundationModel, reply: simulate.Reply) -> dict[str, Any]:
    return {
        "id": "chatcmpl-" + secrets.token_hex(12),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model.model_id,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.text},
                "finish_reason": "length" if reply.stop_reason == "max_tokens" else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.input_tokens + reply.output_tokens,
        },
    }


def with_reasoning(
    model: FoundationModel, prompt: str, max_tokens: int, stops, **answering: Any
) -> simulate.Reply:
    """gpt-oss's InvokeModel reply: the (simulated) reasoning, then the answer, within the limit."""
    reasoning_tokens = simulate.count_tokens(SIMULATED_REASONING)
    if max_tokens <= reasoning_tokens:
        cut = simulate.truncate_to_tokens(SIMULATED_REASONING, max_tokens)
        base = simulate.reply(model, prompt, 1, stops, **answering)
        return replace(
            base,
            text=cut,
            stop_reason="max_tokens",
            stop_sequence=None,
            output_tokens=simulate.count_tokens(cut),
        )
    answer = simulate.reply(model, prompt, max_tokens - reasoning_tokens, stops, **answering)
    return replace(
        answer,
        text=SIMULATED_REASONING + answer.text,
        output_tokens=reasoning_tokens + answer.output_tokens,
    )


# --- the table -------------------------------------------------------------------------------
FAMILIES: dict[str, Family] = {
    "anthropic-messages": Family(
        required=frozenset({"anthropic_version", "max_tokens", "messages"}),
        allowed=frozenset(
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
            }
        ),
        parse=_anthropic_parse,
        respond=_anthropic_respond,
        stream=_anthropic_stream,
    ),
    "meta-llama": Family(
        required=frozenset({"prompt"}),
        allowed=frozenset({"prompt", "max_gen_len", "temperature", "top_p", "images"}),
        parse=_llama_parse,
        respond=_llama_respond,
        stream=_llama_stream,
    ),
    "nova-v1": Family(
        required=frozenset({"messages"}),
        allowed=NOVA_KEYS,
        config_keys=frozenset({"max_new_tokens", "temperature", "top_p", "top_k", "stopSequences"}),
        parse=_nova_parser("max_new_tokens"),
        respond=_nova_respond,
        stream=_nova_stream,
    ),
    "nova-2": Family(
        required=frozenset({"messages"}),
        allowed=NOVA_KEYS,
        config_keys=frozenset(
            {"maxTokens", "temperature", "topP", "topK", "stopSequences", "reasoningConfig"}
        ),
        parse=_nova_parser("maxTokens"),
        respond=_nova_respond,
        stream=_nova_stream,
    ),
    "titan-text": Family(
        required=frozenset({"inputText"}),
        allowed=frozenset({"inputText", "textGenerationConfig"}),
        parse=_titan_parse,
        respond=_titan_respond,
        stream=_titan_stream,
    ),
    "openai-chat": Family(
        required=frozenset({"messages"}),
        allowed=frozenset(
            {
                "model",
                "messages",
                "max_completion_tokens",
                "max_tokens",
                "temperature",
                "top_p",
                "stop",
                "stream",
                "reasoning_effort",
                "tools",
                "tool_choice",
                "response_format",
                "seed",
            }
        ),
        parse=_openai_parse,
        respond=_openai_respond,
        stream=None,  # AWS does not publish gpt-oss's InvokeModel chunk format
        reply=with_reasoning,
    ),
}


# --- what the runtime calls ------------------------------------------------------------------
def _unicode(value: Any) -> bool:
    """Whether every string in a JSON value is Unicode text (no lone surrogates)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_unicode(k) and _unicode(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_unicode(v) for v in value)
    return True


def family_of(model: FoundationModel) -> Family:
    """The model's InvokeModel format, or Bedrock's refusal for a converse-only model."""
    family = FAMILIES.get(model.family)
    if family is None:
        raise ValidationException(
            f"The offline stand-in serves {model.name} through Converse and ConverseStream only: "
            "its InvokeModel body format is not public. Call it with Converse."
        )
    return family


def parse_body(raw: bytes | str | None, model: FoundationModel) -> Request:
    """The family's request fields (prompt, max_tokens, stop_sequences), checked like Bedrock."""
    family = family_of(model)
    try:
        body = json.loads(raw or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationException(
            "Malformed input request: the request body is not valid JSON, please reformat your "
            "input and try again."
        ) from exc
    if not isinstance(body, dict):
        raise malformed(["expected type: JSONObject, found: " + type(body).__name__])
    if not _unicode(body):
        raise malformed(["a string holds a lone UTF-16 surrogate (U+D800 to U+DFFF)"])
    problems = [f"required key [{k}] not found" for k in sorted(family.required - body.keys())]
    problems += [
        f"extraneous key [{k}] is not permitted" for k in sorted(body.keys() - family.allowed)
    ]
    config = body.get("inferenceConfig") or {}
    if family.config_keys is not None and isinstance(config, dict):
        problems += [
            f"/inferenceConfig: extraneous key [{k}] is not permitted"
            for k in sorted(config.keys() - family.config_keys)
        ]
    if problems:
        raise malformed(problems)
    return family.parse(body, model)
