"""Call models through inference profiles: Converse, ConverseStream and InvokeModel.

Converse speaks every model the same way. InvokeModel takes each model family's own body, and
the family cannot be read from an application profile's ARN (it is opaque), so it comes from the
profile's model ARN (``Profile.model_id``). Where a family's InvokeModel body is not public
(Qwen, DeepSeek V3.x, Mistral Large 3), the workshop calls it with Converse only.
"""

from __future__ import annotations

import json
import numbers
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import (
    InputError,
    explain,
    explained,
    incomplete_answer,
    network_errors,
    unreadable_answer,
)
from .i18n import _, ngettext

if TYPE_CHECKING:
    from .aws import Connection
    from .profiles import Profile

MAX_TOKENS_LIMIT = 200_000  # far above any model's limit; AWS checks the model's own


FAMILIES = ("anthropic-messages", "meta-llama", "nova-v1", "nova-2", "titan-text", "openai-chat")
# Models the catalog does not know: their family from the model ID's start.
FAMILY_BY_PREFIX = (
    ("anthropic.", "anthropic-messages"),
    ("meta.", "meta-llama"),
    ("amazon.nova-2", "nova-2"),
    ("amazon.nova", "nova-v1"),
    ("amazon.titan-text", "titan-text"),
    ("openai.gpt-oss", "openai-chat"),
)


@dataclass(frozen=True)
class Reply:
    text: str
    stop_reason: str
    input_tokens: int  # not counting cached prompt tokens
    output_tokens: int
    latency_ms: int
    model_id: str
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cache_ttl: str = "5m"  # how long the written cache lives: 5m, or 1h (priced at 2x for Claude)

    @property
    def total_tokens(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_read_tokens
            + self.cache_write_tokens
        )


def _model_of(identifier: str) -> str:
    """The model ID in a model or system profile ID, or in either's ARN."""
    from . import catalog

    cleaned = identifier.strip()
    if ":application-inference-profile/" in cleaned:
        raise InputError(
            _("{cleaned} is an application profile: its ARN does not name its model.").format(
                cleaned=cleaned
            ),
            _("pass the profile itself: profiles.resolve(conn, arn), whose model_id says it."),
        )
    return catalog.split_profile_id(cleaned)[1]


def _count(value: Any) -> int:
    """A token count from an answer: a whole number of at least 0, else ValueError."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and int(value) >= 0:
        return int(value)
    raise ValueError(_("a token count of {value!r}").format(value=value))


def token_fields(usage: Any, doing: str, endpoint: str | None) -> dict[str, Any]:
    """Reply's token fields from the ``usage`` of a Converse reply or ConverseStream metadata.

    AWS always sends inputTokens and outputTokens as whole numbers; an answer without them
    (or with text there) is not AWS's, and is named instead of counted as it is.
    """
    if not isinstance(usage, dict) or not {"inputTokens", "outputTokens"} <= set(usage):
        raise incomplete_answer(doing, _("'usage' with its token counts"), endpoint=endpoint)
    try:
        counts = {
            field: _count(usage.get(key, 0))
            for field, key in (
                ("input_tokens", "inputTokens"),
                ("output_tokens", "outputTokens"),
                ("cache_read_tokens", "cacheReadInputTokens"),
                ("cache_write_tokens", "cacheWriteInputTokens"),
            )
        }
    except ValueError as exc:
        raise unreadable_answer(
            doing, _("whole-number token counts"), endpoint=endpoint, received=str(exc)
        ) from None
    details = usage.get("cacheDetails") or [{}]
    first = details[0] if isinstance(details, list) and isinstance(details[0], dict) else {}
    return {**counts, "cache_ttl": first.get("ttl") or "5m"}


def family_of(model_id: str) -> str:
    """The InvokeModel body format a model speaks (see ``FAMILIES``), from the catalog."""
    from . import catalog

    bare = _model_of(model_id)
    known = catalog.load().models.get(bare)
    family = known.family if known else None
    if family is None:
        family = next((f for start, f in FAMILY_BY_PREFIX if bare.startswith(start)), None)
    if family not in FAMILIES:
        reason = (
            _("its InvokeModel body format is not public")
            if family == "converse-only"
            else _("the workshop has no InvokeModel body format for it")
        )
        raise InputError(
            _("{model_id}: {reason}.").format(model_id=model_id, reason=reason),
            _("use converse() or stream(), which speak every model the same way."),
        )
    return family


def can_stream(model_id: str) -> bool:
    """Whether ConverseStream works for a model (Llama 4 Instruct cannot stream; unknown: yes)."""
    from . import catalog

    known = catalog.load().models.get(_model_of(model_id))
    return known.streaming if known else True


def checked_max_tokens(prompt: Any, max_tokens: Any) -> int:
    """Refuse an empty prompt or a max_tokens AWS would refuse; the checked max_tokens."""
    if prompt is None or not str(prompt).strip():
        raise InputError(_("The prompt is empty."), _("type a question or instruction to send."))
    if (
        isinstance(max_tokens, bool)
        or not isinstance(max_tokens, numbers.Integral)
        or not (1 <= int(max_tokens) <= MAX_TOKENS_LIMIT)
    ):
        raise InputError(
            _(
                "max_tokens must be a whole number from 1 up to the model's limit, not "
                "{max_tokens!r}."
            ).format(max_tokens=max_tokens),
            _("use a value such as 256 or 512."),
        )
    return int(max_tokens)


ROLES = ("user", "assistant")
MESSAGES_EXAMPLE = '[{"role": "user", "content": "..."}]'


def _blocks(content: Any, at: str) -> list[dict]:
    """Converse content blocks for a message's content: a string is one text block."""
    if isinstance(content, str):
        return [{"text": content}]
    if not isinstance(content, (list, tuple)) or not content:
        raise InputError(
            _("{at} has no content Converse can read ({content!r}).").format(
                at=at, content=content
            ),
            _('give it a string, or a list of blocks such as [{"text": "..."}].'),
        )
    blocks: list[dict] = []
    for j, block in enumerate(content):
        if isinstance(block, str):
            blocks.append({"text": block})
        elif (
            isinstance(block, dict)
            and block.get("type") == "text"
            and set(block)
            <= {
                "type",
                "text",
            }
        ):
            blocks.append({"text": block.get("text", "")})  # OpenAI's text block: same meaning
        elif isinstance(block, dict) and "type" not in block:
            blocks.append(block)  # Converse's own block; botocore checks its shape
        else:
            kind = block.get("type") if isinstance(block, dict) else type(block).__name__
            raise InputError(
                _("Block {j} of {at} is a {kind!r} block, which Converse does not take.").format(
                    j=j, at=at, kind=kind
                ),
                _(
                    'Converse blocks are {"text": ...}, {"image": {"format": "png", "source": '
                    '{"bytes": ...}}}, {"document": ...}, {"cachePoint": ...}: see the '
                    "Converse API reference."
                ),
            )
    return blocks


def messages_for(prompt: str | list[dict]) -> list[dict]:
    """Converse messages for a prompt string, or for a list of messages (checked).

    Converse's own shape passes; OpenAI-style messages (``{"role": "user", "content": "hi"}``)
    are turned into it. A system message is refused: Converse takes ``system`` apart.
    """
    if isinstance(prompt, str):
        return [{"role": "user", "content": [{"text": prompt}]}]
    if isinstance(prompt, dict):
        raise InputError(
            _("One message was passed where a list of messages belongs."),
            _("wrap it in a list, [message], or pass the prompt as a plain string."),
        )
    if not isinstance(prompt, (list, tuple)):
        raise InputError(
            _("The prompt must be a string or a list of messages, not {name}.").format(
                name=type(prompt).__name__
            ),
            _("pass a string, or messages such as {messages_example}.").format(
                messages_example=MESSAGES_EXAMPLE
            ),
        )
    if not prompt:
        raise InputError(_("No messages given."), _("pass a prompt string or a list of messages."))
    out = []
    for i, message in enumerate(prompt):
        at = f"message {i}"
        if not isinstance(message, dict):
            raise InputError(
                _("Message {i} is a {name}, not a message.").format(
                    i=i, name=type(message).__name__
                ),
                _(
                    "each message is a dict with role and content, such as {messages_example}."
                ).format(messages_example=MESSAGES_EXAMPLE),
            )
        role = message.get("role")
        if role in ("system", "developer"):
            raise InputError(
                _(
                    "Message {i} has role '{role}': Converse takes the system prompt apart "
                    "from the messages."
                ).format(i=i, role=role),
                _('pass it as system="..." and keep only user and assistant messages.'),
            )
        if role not in ROLES:
            raise InputError(
                _(
                    "Message {i} has role {role!r}: Converse knows only 'user' and 'assistant'."
                ).format(i=i, role=role),
                _("use 'user' for the person's turns and 'assistant' for the model's."),
            )
        extra = sorted(set(message) - {"role", "content"})
        if extra:
            raise InputError(
                _("Message {i} has keys Converse does not take: {extra}.").format(
                    i=i, extra=", ".join(extra)
                ),
                _(
                    "keep only role and content (tool calls go in content as toolUse and "
                    "toolResult blocks)."
                ),
            )
        out.append({"role": role, "content": _blocks(message.get("content"), at)})
    return out


def _system_blocks(system: Any) -> list[dict]:
    """Converse's system blocks for a system prompt string (or blocks passed as they are)."""
    if isinstance(system, str):
        return [{"text": system}]
    if isinstance(system, (list, tuple)) and all(isinstance(b, dict) for b in system):
        return [dict(b) for b in system]
    raise InputError(
        _("system must be a string, not {name}.").format(name=type(system).__name__),
        _('pass the system prompt as text: system="You are ...".'),
    )


def converse_request(
    model: str,
    prompt: str | list[dict],
    max_tokens: int = 512,
    temperature: float | None = None,
    system: str | None = None,
    cache_system: bool = False,
) -> dict:
    """The Converse request (also the ConverseStream one) for a prompt.

    ``cache_system`` puts a cachePoint after the system prompt: later calls with the same
    system prompt read it from the cache at a tenth of the input price (Claude), within 5 min.
    """
    messages = messages_for(prompt)
    text = " ".join(str(b.get("text", "")) for m in messages for b in m["content"])
    config: dict[str, Any] = {"maxTokens": checked_max_tokens(text, max_tokens)}
    if temperature is not None:
        if (
            isinstance(temperature, bool)
            or not isinstance(temperature, numbers.Real)
            or not 0 <= temperature <= 1
        ):
            raise InputError(
                _("temperature must be a number from 0 to 1, not {temperature!r}.").format(
                    temperature=temperature
                ),
                _("use 0 for the most predictable answers, up to 1 for the most varied."),
            )
        config["temperature"] = float(temperature)
    request: dict[str, Any] = {
        "modelId": model,
        "messages": messages,
        "inferenceConfig": config,
    }
    if system:
        request["system"] = _system_blocks(system)
        if cache_system:
            request["system"].append({"cachePoint": {"type": "default"}})
    elif cache_system:
        raise InputError(
            _("cache_system needs a system prompt."), _("pass system=... to cache it.")
        )
    return request


def _model_id(profile: Profile | str) -> str:
    return profile.model_id if hasattr(profile, "model_id") else str(profile)


def _target(profile: Profile | str) -> str:
    return profile.arn if hasattr(profile, "arn") else str(profile)


def converse(
    conn: Connection,
    profile: Profile | str,
    prompt: str | list[dict],
    *,
    max_tokens: int = 512,
    temperature: float | None = None,
    system: str | None = None,
    cache_system: bool = False,
) -> Reply:
    """One Converse call through a profile (or any model ID / ARN)."""
    request = converse_request(
        _target(profile), prompt, max_tokens, temperature, system, cache_system
    )
    doing = _("call Converse on {target}").format(target=request["modelId"])
    with explained(doing, region=conn.region, model=_model_id(profile), endpoint=conn.endpoint_url):
        response = conn.runtime.converse(**request)
    require_members(response, CONVERSE_MEMBERS, doing, conn.endpoint_url)
    tokens = token_fields(response["usage"], doing, conn.endpoint_url)
    return Reply(
        text="".join(
            b.get("text", "") for b in response["output"].get("message", {}).get("content", [])
        ),
        stop_reason=response["stopReason"],
        latency_ms=response["metrics"].get("latencyMs", 0),
        model_id=_model_id(profile),
        **tokens,
    )


# What every Converse answer carries (botocore's output shape marks them required).
CONVERSE_MEMBERS = ("output", "stopReason", "usage", "metrics")


def require_members(
    response: dict, members: Iterable[str], doing: str, endpoint: str | None
) -> None:
    """Refuse an answer without the members every answer has (an empty HTTP 200)."""
    missing = [m for m in members if m not in response]
    if missing:
        raise incomplete_answer(doing, ", ".join(f"'{m}'" for m in missing), endpoint=endpoint)


class TextStream:
    """Iterate for the text as it arrives; afterwards ``reply`` holds usage and latency.

    boto3 yields one dict per event, keyed by the event's name (``{"contentBlockDelta": ...}``);
    code that looks for ``event["eventType"]`` finds nothing.
    """

    def __init__(
        self, events: Iterable[dict], model_id: str = "", endpoint: str | None = None
    ) -> None:
        self._events = events
        self.model_id = model_id
        self.endpoint = endpoint  # where the stream comes from, to name it if it breaks
        self.reply: Reply | None = None

    def __iter__(self) -> Iterator[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        pieces: list[str] = []
        stop_reason, usage, latency = "", {}, 0
        stopped = described = False
        doing = _("read the ConverseStream response")
        try:
            for event in self._events:
                if "contentBlockDelta" in event:
                    text = event["contentBlockDelta"]["delta"].get("text", "")
                    if text:
                        pieces.append(text)
                        yield text
                elif "messageStop" in event:
                    stop_reason = event["messageStop"].get("stopReason", "")
                    stopped = True
                elif "metadata" in event:
                    usage = event["metadata"].get("usage", {})
                    latency = event["metadata"].get("metrics", {}).get("latencyMs", 0)
                    described = True
        except (ClientError, BotoCoreError, *network_errors()) as exc:
            raise explain(
                exc, doing, received=self._so_far(pieces, stopped), endpoint=self.endpoint
            ) from exc
        if not (stopped and described):
            # the stream ended cleanly but early: without messageStop / metadata (usage)
            missing = " and ".join(
                name
                for name, seen in (("messageStop", stopped), ("metadata (usage)", described))
                if not seen
            )
            raise incomplete_answer(
                doing,
                f"its {missing} event",
                endpoint=self.endpoint,
                received=self._so_far(pieces, stopped),
            )
        self.reply = Reply(
            text="".join(pieces),
            stop_reason=stop_reason,
            latency_ms=latency,
            model_id=self.model_id,
            **token_fields(usage, doing, self.endpoint),
        )

    @staticmethod
    def _so_far(pieces: list[str], stopped: bool) -> str:
        """What arrived before the stream broke, for the message."""
        text = "".join(pieces)
        shown = text if len(text) <= 60 else text[:57] + "..."
        tail = _(", then messageStop, but no usage") if stopped else _(", no usage")
        return ngettext(
            "{pieces} text piece ({text} characters: {shown!r}){tail}",
            "{pieces} text pieces ({text} characters: {shown!r}){tail}",
            len(pieces),
        ).format(pieces=len(pieces), text=len(text), shown=shown, tail=tail)

    def read(self) -> Reply:
        """Consume the whole stream and return the reply."""
        for _chunk in self:
            pass
        assert self.reply is not None
        return self.reply


def stream(
    conn: Connection,
    profile: Profile | str,
    prompt: str | list[dict],
    *,
    max_tokens: int = 512,
    temperature: float | None = None,
    system: str | None = None,
) -> TextStream:
    """A ConverseStream call; iterate the result for text as it streams."""
    request = converse_request(_target(profile), prompt, max_tokens, temperature, system)
    with explained(
        _("call ConverseStream on {request}").format(request=request["modelId"]),
        region=conn.region,
        model=_model_id(profile),
        endpoint=conn.endpoint_url,
    ):
        response = conn.runtime.converse_stream(**request)
    if "stream" not in response:
        raise incomplete_answer(
            _("call ConverseStream on {request}").format(request=request["modelId"]),
            "'stream'",
            endpoint=conn.endpoint_url,
        )
    return TextStream(response["stream"], _model_id(profile), conn.endpoint_url)


def invoke_body(family: str, prompt: str, max_tokens: int = 512) -> dict:
    """The InvokeModel request body for one prompt, in the family's own format."""
    checked_max_tokens(prompt, max_tokens)
    if family == "anthropic-messages":
        return {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": max_tokens,
            "messages": [{"role": "user", "content": [{"type": "text", "text": prompt}]}],
        }
    if family == "meta-llama":
        return {
            "prompt": "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n"
            f"{prompt}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            "max_gen_len": max_tokens,
        }
    if family == "nova-v1":
        return {
            "schemaVersion": "messages-v1",
            "messages": [{"role": "user", "content": [{"text": prompt}]}],
            "inferenceConfig": {"max_new_tokens": max_tokens},
        }
    if family == "nova-2":
        return {
            "messages": [{"role": "user", "content": [{"text": prompt}]}],
            "inferenceConfig": {"maxTokens": max_tokens},
        }
    if family == "titan-text":
        return {"inputText": prompt, "textGenerationConfig": {"maxTokenCount": max_tokens}}
    if family == "openai-chat":
        return {
            "messages": [{"role": "user", "content": prompt}],
            "max_completion_tokens": max_tokens,
        }
    raise InputError(
        _("Unknown model family {family!r}.").format(family=family),
        _("use one of {families}.").format(families=", ".join(FAMILIES)),
    )


# gpt-oss's reasoning, closed, or cut off by the token limit before its closing tag
REASONING = re.compile(r"<reasoning>.*?(?:</reasoning>|\Z)", re.DOTALL)


def read_invoke_body(family: str, body: dict) -> tuple[str, str, int, int]:
    """(text, stop reason, input tokens, output tokens) from a family's response body.

    Raises ValueError (or KeyError, TypeError...) for a body of another shape: text that is
    not text, token counts that are not whole numbers.
    """
    text, stop, tokens_in, tokens_out = _invoke_fields(family, body)
    if not isinstance(text, str) or not isinstance(stop, (str, type(None))):
        raise ValueError(_("the answer's text is not text"))
    return text, stop or "", _count(tokens_in), _count(tokens_out)


def _invoke_fields(family: str, body: dict) -> tuple[Any, Any, Any, Any]:
    if not isinstance(body, dict):
        raise TypeError(_("a JSON {name}, not an object").format(name=type(body).__name__))
    if family == "anthropic-messages":
        text = "".join(b.get("text", "") for b in body["content"] if b.get("type") == "text")
        return (
            text,
            body["stop_reason"],
            body["usage"]["input_tokens"],
            body["usage"]["output_tokens"],
        )
    if family == "meta-llama":
        return (
            body["generation"],
            body["stop_reason"],
            body["prompt_token_count"],
            body["generation_token_count"],
        )
    if family in ("nova-v1", "nova-2"):
        text = "".join(b.get("text", "") for b in body["output"]["message"]["content"])
        return text, body["stopReason"], body["usage"]["inputTokens"], body["usage"]["outputTokens"]
    if family == "openai-chat":
        choice = body["choices"][0]
        # gpt-oss puts its reasoning first, in <reasoning> tags: not part of the answer
        text = REASONING.sub("", choice["message"].get("content") or "")
        usage = body["usage"]
        return text, choice["finish_reason"], usage["prompt_tokens"], usage["completion_tokens"]
    result = body["results"][0]
    return (
        result["outputText"],
        result["completionReason"],
        body["inputTextTokenCount"],
        result["tokenCount"],
    )


def body_families(body: dict) -> set[str]:
    """The families whose format a request body could be in, from its telltale keys."""
    if "anthropic_version" in body:
        return {"anthropic-messages"}
    if "inputText" in body:
        return {"titan-text"}
    if "prompt" in body:
        return {"meta-llama"}
    if "messages" not in body:
        return set()
    messages = body["messages"] if isinstance(body["messages"], list) else []
    blocks = [
        b for m in messages if isinstance(m, dict) for b in m.get("content") or [] if b is not None
    ]
    if any(isinstance(b, dict) and "type" in b for b in blocks):
        return {"anthropic-messages"}  # Anthropic's typed blocks: an anthropic_version is missing
    plain = any(isinstance(m, dict) and isinstance(m.get("content"), str) for m in messages)
    if plain or "max_completion_tokens" in body or "max_tokens" in body:
        return {"openai-chat"}
    config = body.get("inferenceConfig") or {}
    if "maxTokens" in config:
        return {"nova-2"}
    if "max_new_tokens" in config or "schemaVersion" in body:
        return {"nova-v1"}
    return {"nova-v1", "nova-2"}


def _invoke_request(
    profile: Profile | str, prompt: Any, max_tokens: int, body: Any
) -> tuple[str, str, str, dict]:
    """(model ID, family, target, body) of an InvokeModel call, the body checked for the family."""
    model_id = profile.model_id if hasattr(profile, "model_id") else _model_of(str(profile))
    name = getattr(profile, "name", model_id)
    family = family_of(model_id)
    if body is None:
        if not isinstance(prompt, str):
            raise InputError(
                _("invoke_model takes one prompt string, not a {name}.").format(
                    name=type(prompt).__name__
                ),
                _(
                    "pass the prompt as text; for a conversation (a list of messages) use "
                    "converse() or stream()."
                ),
            )
        body = invoke_body(family, prompt, max_tokens)
    else:
        body = _body_object(body)
    if family not in body_families(body):
        shown = " or ".join(sorted(body_families(body))) or "an unknown"
        raise InputError(
            _(
                "This body is in the {shown} format, but {name} runs {model_id}, of the "
                "{family} family."
            ).format(shown=shown, name=name, model_id=model_id, family=family),
            _('build the body with invoke.invoke_body("{family}", prompt, max_tokens).').format(
                family=family
            ),
        )
    return model_id, family, _target(profile).strip(), body


def invoke_model(
    conn: Connection,
    profile: Profile | str,
    prompt: str = "",
    *,
    max_tokens: int = 512,
    body: dict | None = None,
) -> Reply:
    """One InvokeModel call with the body format of the profile's model family.

    ``profile`` is a Profile, or a model or system profile ID (an application profile's ARN
    does not say its model: resolve it first). Pass ``body`` to send your own; it is checked
    against the family first, so a body meant for another model is refused here with the fix
    instead of by AWS.
    """
    model_id, family, target, body = _invoke_request(profile, prompt, max_tokens, body)
    began = time.perf_counter()
    doing = _("call InvokeModel on {target}").format(target=target)
    with explained(doing, region=conn.region, model=model_id, endpoint=conn.endpoint_url):
        response = conn.runtime.invoke_model(
            modelId=target,
            body=json.dumps(body),
            contentType="application/json",
            accept="application/json",
        )
        raw = response["body"].read() if "body" in response else b""
    try:
        payload = json.loads(raw)
        text, stop, tokens_in, tokens_out = read_invoke_body(family, payload)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        shown = raw[:80].decode("utf-8", errors="replace")
        raise incomplete_answer(
            doing,
            _("a {family} response body").format(family=family),
            endpoint=conn.endpoint_url,
            received=_("{raw} bytes ({shown!r})").format(raw=len(raw), shown=shown)
            if raw
            else _("an empty body"),
        ) from None
    headers = response["ResponseMetadata"].get("HTTPHeaders", {})
    latency = int(
        headers.get("x-amzn-bedrock-invocation-latency") or (time.perf_counter() - began) * 1000
    )
    return Reply(text, stop, tokens_in, tokens_out, latency, model_id)


# InvokeModelWithResponseStream: the families whose chunks the workshop reads. gpt-oss's chunk
# format is not published (the stand-in refuses it rather than guess): stream it with
# ConverseStream. Where each family's chunks carry their text, as the notebook shows it:
CHUNK_TEXT = {
    "anthropic-messages": 'delta.text of the "content_block_delta" chunks',
    "meta-llama": "generation",
    "nova-v1": "contentBlockDelta.delta.text",
    "nova-2": "contentBlockDelta.delta.text",
    "titan-text": "outputText",
}
STREAM_FAMILIES = tuple(CHUNK_TEXT)
# The last chunk of every family carries the call's counts under this key.
INVOCATION_METRICS = "amazon-bedrock-invocationMetrics"


def chunk_text(family: str, chunk: dict) -> str:
    """The text one decoded InvokeModelWithResponseStream chunk carries ("" for the others)."""
    if family == "anthropic-messages":
        if chunk.get("type") != "content_block_delta":
            return ""  # message_start, content_block_start/stop, message_delta, message_stop
        return (chunk.get("delta") or {}).get("text") or ""
    if family == "meta-llama":
        return chunk.get("generation") or ""
    if family in ("nova-v1", "nova-2"):
        return ((chunk.get("contentBlockDelta") or {}).get("delta") or {}).get("text") or ""
    if family == "titan-text":
        return chunk.get("outputText") or ""
    raise InputError(
        _("The workshop does not read {family} stream chunks.").format(family=family),
        _("stream with invoke.stream() (ConverseStream), which speaks every model the same way."),
    )


def chunk_stop_reason(family: str, chunk: dict) -> str:
    """The stop reason a chunk carries ("" for chunks without one)."""
    if family == "anthropic-messages":
        if chunk.get("type") == "message_delta":
            return (chunk.get("delta") or {}).get("stop_reason") or ""
        return ""
    if family == "meta-llama":
        return chunk.get("stop_reason") or ""
    if family in ("nova-v1", "nova-2"):
        return (chunk.get("messageStop") or {}).get("stopReason") or ""
    return chunk.get("completionReason") or ""


class ChunkStream:
    """Iterate for the text of an InvokeModelWithResponseStream call as it arrives.

    boto3 yields one event per frame, ``{"chunk": {"bytes": b'{...}'}}``: the bytes are the
    model family's own JSON, already base64-decoded by botocore (decode them once, with
    ``json.loads``). Where the text sits differs by family (``CHUNK_TEXT``). The last chunk
    carries ``amazon-bedrock-invocationMetrics``; afterwards ``reply`` holds its token counts
    and latency, and ``chunks`` every decoded chunk. An error in mid-stream arrives as an
    exception event, which botocore raises while iterating.
    """

    def __init__(
        self, events: Iterable[dict], family: str, model_id: str = "", endpoint: str | None = None
    ) -> None:
        self._events = events
        self.family = family
        self.model_id = model_id
        self.endpoint = endpoint
        self.chunks: list[dict] = []
        self.reply: Reply | None = None

    def __iter__(self) -> Iterator[str]:
        from botocore.exceptions import BotoCoreError, ClientError

        pieces: list[str] = []
        stop_reason, counts = "", None
        doing = _("read the InvokeModelWithResponseStream response")
        try:
            for event in self._events:
                if "chunk" not in event:
                    continue
                raw = event["chunk"].get("bytes", b"")
                try:
                    chunk = json.loads(raw)
                    if not isinstance(chunk, dict):
                        raise ValueError(f"a JSON {type(chunk).__name__}")
                except ValueError as exc:
                    raise unreadable_answer(
                        doing,
                        _("one JSON object per chunk, in the {family} format").format(
                            family=self.family
                        ),
                        endpoint=self.endpoint,
                        received=f"{len(raw)} bytes ({exc})",
                    ) from None
                self.chunks.append(chunk)
                text = chunk_text(self.family, chunk)
                if text:
                    pieces.append(text)
                    yield text
                stop_reason = chunk_stop_reason(self.family, chunk) or stop_reason
                counts = chunk.get(INVOCATION_METRICS) or counts
        except (ClientError, BotoCoreError, *network_errors()) as exc:
            raise explain(
                exc, doing, received=TextStream._so_far(pieces, False), endpoint=self.endpoint
            ) from exc
        if not isinstance(counts, dict):
            raise incomplete_answer(
                doing,
                _("the {invocation_metrics} of its last chunk").format(
                    invocation_metrics=INVOCATION_METRICS
                ),
                endpoint=self.endpoint,
                received=TextStream._so_far(pieces, bool(stop_reason)),
            )
        try:
            tokens_in = _count(counts.get("inputTokenCount"))
            tokens_out = _count(counts.get("outputTokenCount"))
        except ValueError as exc:
            raise unreadable_answer(
                doing, _("whole-number token counts"), endpoint=self.endpoint, received=str(exc)
            ) from None
        latency = counts.get("invocationLatency")
        self.reply = Reply(
            text="".join(pieces),
            stop_reason=stop_reason,
            input_tokens=tokens_in,
            output_tokens=tokens_out,
            latency_ms=latency if isinstance(latency, int) else 0,
            model_id=self.model_id,
        )

    def read(self) -> Reply:
        """Consume the whole stream and return the reply."""
        for _chunk in self:
            pass
        assert self.reply is not None
        return self.reply


def invoke_stream(
    conn: Connection,
    profile: Profile | str,
    prompt: str = "",
    *,
    max_tokens: int = 512,
    body: dict | None = None,
) -> ChunkStream:
    """One InvokeModelWithResponseStream call, with the family's own body; iterate for text.

    The same request body as InvokeModel; the answer arrives as chunks in the family's own
    streaming format. Families whose chunk format is not public are refused with the fix.
    """
    model_id, family, target, body = _invoke_request(profile, prompt, max_tokens, body)
    name = getattr(profile, "name", model_id)
    if family not in STREAM_FAMILIES:
        raise InputError(
            _(
                "{name} runs {model_id}: AWS does not publish its "
                "InvokeModelWithResponseStream chunk format, so the workshop does not read it."
            ).format(name=name, model_id=model_id),
            _(
                "stream it with invoke.stream() (ConverseStream), which speaks every model the "
                "same way."
            ),
        )
    if not can_stream(model_id):
        raise InputError(
            _("{name} runs {model_id}, which cannot stream.").format(name=name, model_id=model_id),
            _("call invoke.invoke_model() (one answer) instead."),
        )
    doing = _("call InvokeModelWithResponseStream on {target}").format(target=target)
    with explained(doing, region=conn.region, model=model_id, endpoint=conn.endpoint_url):
        response = conn.runtime.invoke_model_with_response_stream(
            modelId=target,
            body=json.dumps(body),
            contentType="application/json",
            accept="application/json",
        )
    if "body" not in response:
        raise incomplete_answer(doing, "'body'", endpoint=conn.endpoint_url)
    return ChunkStream(response["body"], family, model_id, conn.endpoint_url)


def _body_object(body: Any) -> dict:
    """An InvokeModel body as a dict: a JSON text of an object is read; anything else refused."""
    if isinstance(body, (str, bytes, bytearray)):
        try:
            body = json.loads(body)
        except ValueError as exc:
            raise InputError(
                _("The body is text but not valid JSON ({exc}).").format(exc=exc),
                _("pass the body as a dict; invoke.invoke_body(family, prompt) builds one."),
            ) from None
    if not isinstance(body, dict):
        raise InputError(
            _("The body must be a JSON object (a dict), not a {name}.").format(
                name=type(body).__name__
            ),
            _("build it with invoke.invoke_body(invoke.family_of(profile.model_id), prompt)."),
        )
    return body
