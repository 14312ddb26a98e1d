"""Deterministic simulated model replies and the token approximation the stand-in bills by.

No model runs offline. A reply is built from the prompt's SHA-256, so the same prompt to the same
model always gets the same text, and every reply opens by saying it is simulated.

Token approximation (used for usage, CloudWatch and Cost Explorer alike): one token per four
ASCII characters, rounded up, plus one token per non-ASCII character (Japanese text tokenises
at roughly a character per token). Real tokenisers differ by model; only the order of magnitude
is meant to be realistic.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass, replace
from typing import Any

from .catalog import FoundationModel

_SENTENCES = (
    "Application inference profiles carry cost allocation tags, so each department's usage "
    "can be traced on the bill.",
    "Tag every profile with the department, the cost centre and the application it serves.",
    "Cost Explorer groups spend by a tag only after the tag is activated for cost allocation.",
    "CloudWatch records invocations and token counts per profile under the ModelId dimension.",
    "A cross-region profile spreads requests over several regions and bills them in the "
    "source region.",
    "Estimated cost is input tokens times the input price plus output tokens times the output "
    "price.",
    "Chargeback works best when every profile a team calls belongs to that team alone.",
    "Budgets can alert a department before its monthly spend passes a threshold.",
    "Short prompts and a sensible maximum token count keep the cost of each call predictable.",
    "The same request can be sent with Converse, ConverseStream or InvokeModel.",
    "Third-party models are billed through AWS Marketplace under their own service names.",
    "Usage data reaches Cost Explorer within a day, and metrics reach CloudWatch within minutes.",
)


def count_tokens(text: str) -> int:
    """The stand-in's token count for a text (see module docstring)."""
    if not text:
        return 0
    ascii_chars = len(text.encode("ascii", errors="ignore"))  # fast on a 50 MB prompt
    return math.ceil(ascii_chars / 4) + len(text) - ascii_chars


def truncate_to_tokens(text: str, limit: int) -> str:
    """The longest prefix of ``text`` that counts at most ``limit`` tokens."""
    low, high = 0, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if count_tokens(text[:mid]) <= limit:
            low = mid
        else:
            high = mid - 1
    return text[:low]


@dataclass(frozen=True)
class Reply:
    text: str
    stop_reason: str  # end_turn | max_tokens | stop_sequence | tool_use
    stop_sequence: str | None
    input_tokens: int  # not counting cached prompt tokens, as Bedrock reports them
    output_tokens: int
    latency_ms: int
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cache_ttl: str = "5m"
    tool_use: dict[str, Any] | None = None  # {toolUseId, name, input} when the model calls a tool

    @property
    def first_token_ms(self) -> int:
        """Simulated time to the first token: a fixed start plus reading the prompt."""
        return min(self.latency_ms, 120 + (self.input_tokens + self.cache_write_tokens) // 50)

    def chunks(self) -> list[str]:
        """The text split the way it is streamed: a word (with its trailing space) per chunk."""
        pieces: list[str] = []
        current = ""
        for ch in self.text:
            current += ch
            if ch == " ":
                pieces.append(current)
                current = ""
        if current:
            pieces.append(current)
        return pieces


# Simulated latency per service tier, as a multiple of the Standard (default) latency. AWS says
# Priority gives "up to 25% better" output tokens per second (1 / 1.25 = 0.8) and that Flex
# trades time for price without a figure: the stand-in takes 1.5. Both are assumptions.
TIER_LATENCY = {"priority": 0.8, "default": 1.0, "flex": 1.5, "reserved": 1.0}


def in_tier(reply: Reply, tier: str) -> Reply:
    """The reply as served in a service tier: the same text and tokens, its simulated latency."""
    factor = TIER_LATENCY.get(tier, 1.0)
    if factor == 1.0:
        return reply
    return replace(reply, latency_ms=max(1, round(reply.latency_ms * factor)))


def _shown(text: str) -> str:
    shown = " ".join(text.split())
    return shown[:77] + "..." if len(shown) > 80 else shown


ToolResult = tuple[str, str, str]  # the tool's name, status (success | error), its content as text


def full_text(
    model: FoundationModel,
    prompt: str,
    asked: str | None = None,
    results: tuple[ToolResult, ...] = (),
) -> str:
    """The whole simulated answer, before any token limit or stop sequence.

    It answers ``asked``, the last user message (the whole prompt when None, as for bodies
    that are one prompt), and quotes the tool results that message carries. The sentences
    that follow are drawn from the whole prompt's hash.
    """
    # surrogatepass: a stray surrogate must not crash the stand-in (requests refuse them first)
    digest = hashlib.sha256(f"{model.model_id}\n{prompt}".encode("utf-8", "surrogatepass")).digest()
    rng = random.Random(digest)
    question = prompt if asked is None else asked
    opening = f"[Simulated reply from {model.name}: the offline stand-in answers without a model.]"
    if question.strip() or not results:
        opening += f' You asked: "{_shown(question)}".'
    for name, status, text in results:
        verb = "reported an error" if status == "error" else "returned"
        opening += f' The {name} tool {verb}: "{_shown(text)}".'
    body = rng.sample(_SENTENCES, k=rng.randint(2, 6))
    return " ".join([opening, *body])


def reply(
    model: FoundationModel,
    prompt: str,
    max_tokens: int | None,
    stop_sequences: list[str] | None = None,
    asked: str | None = None,
    results: tuple[ToolResult, ...] = (),
) -> Reply:
    """Simulate one model call: honours the token limit and stop sequences, counts tokens.

    ``prompt`` is everything the model reads (counted as input); ``asked`` and ``results`` are
    what the reply answers (see ``full_text``).
    """
    text = full_text(model, prompt, asked, results)
    stop_reason, matched = "end_turn", None
    earliest = min(
        ((text.find(seq), seq) for seq in stop_sequences or [] if seq and seq in text),
        default=None,
    )
    if earliest is not None:
        text, stop_reason, matched = text[: earliest[0]], "stop_sequence", earliest[1]
    limit = max_tokens if max_tokens is not None else model.max_output_tokens
    if count_tokens(text) > limit:
        text, stop_reason, matched = truncate_to_tokens(text, limit), "max_tokens", None
    input_tokens = count_tokens(prompt)
    output_tokens = count_tokens(text)
    latency = model.latency_base_ms + model.latency_per_output_token_ms * output_tokens
    latency += input_tokens // 20
    return Reply(
        text=text,
        stop_reason=stop_reason,
        stop_sequence=matched,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        latency_ms=int(latency),
    )


def tool_call(
    model: FoundationModel,
    prompt: str,
    tool_use: dict[str, Any],
    encoded: str,
    max_tokens: int | None = None,
) -> Reply:
    """A reply that calls a tool: no text, ``stopReason`` tool_use; the output tokens are those
    of the call's JSON (``encoded``), as the model writes it.

    A call longer than ``max_tokens`` is cut off there: ``stopReason`` max_tokens, and the
    incomplete call's input is given as ``{}`` (AWS returns an incomplete block; its input is
    the stand-in's assumption, README says).
    """
    input_tokens = count_tokens(prompt)
    output_tokens = count_tokens(encoded)
    stop_reason = "tool_use"
    limit = model.max_output_tokens if max_tokens is None else max_tokens
    if output_tokens > limit:
        tool_use, output_tokens, stop_reason = {**tool_use, "input": {}}, limit, "max_tokens"
    latency = model.latency_base_ms + model.latency_per_output_token_ms * output_tokens
    return Reply(
        text="",
        stop_reason=stop_reason,
        stop_sequence=None,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        latency_ms=int(latency + input_tokens // 20),
        tool_use=tool_use,
    )
