"""Converse tool use in the stand-in: toolConfig checks, the tool the simulated model calls, and
the input it calls it with.

No model runs offline, so which tool is called, and with what, follows fixed rules (README's
stand-in table repeats them):

- ``toolChoice`` ``tool``: that tool. ``any``: the tool the ``auto`` rule picks, else the first.
- ``auto`` (or no toolChoice): a tool is called when the last user message holds text (not only
  tool results) that names a tool, its name compared case-blind with ``_`` and ``-`` read as
  spaces. The first tool in ``toolConfig.tools`` order that is named wins; otherwise text.
- The input is built from the tool's JSON schema by ``example()``: deterministic, and valid for
  the schema keywords it reads (types, required, properties, enum, const, numeric bounds,
  string lengths, simple patterns, formats, array sizes, anyOf/oneOf/allOf, and ``$ref`` into
  ``$defs`` or ``definitions``).

Which models take tools and which toolChoice kinds follow AWS's Converse feature table
(conversation-inference-supported-models-features.html) where it covers them; the rest are the
stand-in's assumption, marked low in ``SUPPORT``.
"""

from __future__ import annotations

import hashlib
import json
import re
import string
import sys
from dataclasses import dataclass
from typing import Any

from .catalog import FoundationModel
from .errors import ValidationException

# Python's own reading of a pattern (private modules, as validation.py reads AWS's patterns)
if sys.version_info >= (3, 11):
    from re import _constants as _sre
    from re import _parser as _sre_parse
else:  # pragma: no cover - Python 3.10
    import sre_constants as _sre
    import sre_parse as _sre_parse

TOOL_USE_PREFIX = "tooluse_"  # AWS's toolUseId: tooluse_ and 22 letters, digits, - or _
ID_ALPHABET = string.ascii_letters + string.digits + "-_"
ID_LENGTH = 22


@dataclass(frozen=True)
class ToolSupport:
    """What a model does with toolConfig in Converse."""

    tools: bool  # takes toolConfig at all
    streaming: bool  # takes it in ConverseStream
    choices: frozenset[str]  # toolChoice kinds: auto, any, tool


ALL_CHOICES = frozenset({"auto", "any", "tool"})
NO_TOOLS = ToolSupport(False, False, frozenset())
# (model ID prefix, support); the first match wins. Confidence in the comment of each line.
SUPPORT: tuple[tuple[str, ToolSupport], ...] = (
    ("anthropic.", ToolSupport(True, True, ALL_CHOICES)),  # high: feature table, tool-use page
    ("amazon.nova", ToolSupport(True, True, ALL_CHOICES)),  # high: feature table, Nova guide
    ("amazon.titan", NO_TOOLS),  # high: feature table says no tool use
    ("meta.llama3-8b", NO_TOOLS),  # high: Llama 3 Instruct has no tool use in the table
    ("meta.llama3-70b", NO_TOOLS),
    # medium: tool use yes; public reports of "doesn't support tool use in streaming mode" and
    # of toolChoice any/tool refused for Llama 3.1 and 4
    ("meta.", ToolSupport(True, False, frozenset({"auto"}))),
    # medium: Mistral Large takes any; public reports show toolChoice.tool refused
    ("mistral.", ToolSupport(True, True, frozenset({"auto", "any"}))),
    ("openai.", ToolSupport(True, True, ALL_CHOICES)),  # low: assumed
    ("qwen.", ToolSupport(True, True, ALL_CHOICES)),  # low: assumed
    ("deepseek.", ToolSupport(True, True, ALL_CHOICES)),  # low: assumed
)


def support(model: FoundationModel) -> ToolSupport:
    for prefix, found in SUPPORT:
        if model.model_id.startswith(prefix):
            return found
    return NO_TOOLS


def tool_use_id(seed: str) -> str:
    """An AWS-style toolUseId, the same for the same seed (the request and the block's place)."""
    digest = hashlib.sha256(seed.encode("utf-8", "surrogatepass")).digest()
    return TOOL_USE_PREFIX + "".join(ID_ALPHABET[b % len(ID_ALPHABET)] for b in digest[:ID_LENGTH])


# --- toolConfig ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tools:
    """A request's validated tool configuration."""

    specs: dict[str, dict[str, Any]]  # name -> toolSpec, in toolConfig order
    choice: str  # auto | any | tool
    forced: str | None = None  # the tool toolChoice.tool names


def check_config(
    config: dict[str, Any] | None, model: FoundationModel, streamed: bool
) -> Tools | None:
    """The request's tools, or the ValidationException Bedrock answers a bad toolConfig with.

    botocore's model already checked names (1-64 of ``[a-zA-Z0-9_-]``) and that tools is not
    empty; this checks what the model cannot say.
    """
    if not config:
        return None
    found = support(model)
    if not found.tools:
        raise ValidationException("This model doesn't support tool use.")  # public reports
    if streamed and not found.streaming:
        raise ValidationException("This model doesn't support tool use in streaming mode.")
    specs: dict[str, dict[str, Any]] = {}
    for i, tool in enumerate(config.get("tools") or []):
        if "systemTool" in tool:
            raise ValidationException(
                f"The offline stand-in does not simulate system tools (toolConfig.tools.{i}."
                "systemTool); declare a toolSpec instead."
            )
        spec = tool.get("toolSpec")
        if spec is None:
            continue  # a cachePoint
        name = spec["name"]
        if name in specs:
            # AWS's wording is not published (assumed, README says)
            raise ValidationException(
                f"The toolConfig.tools list holds two tools named {name}. Tool names must be "
                "unique; rename one and try again."
            )
        schema = (spec.get("inputSchema") or {}).get("json")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            # the API reference: "The top level schema type must be object" (wording assumed)
            raise ValidationException(
                f"The inputSchema of tool {name} at toolConfig.tools.{i}.toolSpec must be a JSON "
                'schema whose top-level type is "object".'
            )
        specs[name] = spec
    choice_block = config.get("toolChoice") or {"auto": {}}
    choice = next(iter(choice_block))
    if choice not in found.choices:
        raise ValidationException(  # AWS's text, as public reports quote it
            f"This model doesn't support the toolConfig.toolChoice.{choice} field. Remove "
            f"toolConfig.toolChoice.{choice} and try again."
        )
    forced = choice_block["tool"]["name"] if choice == "tool" else None
    if forced is not None and forced not in specs:
        raise ValidationException(  # wording assumed
            f"The tool {forced} named in toolConfig.toolChoice.tool isn't in toolConfig.tools. "
            "Name one of the tools you defined and try again."
        )
    return Tools(specs, choice, forced)


# --- the conversation's toolUse / toolResult pairing ----------------------------------------------
def check_pairing(messages: list[dict[str, Any]], tools: Tools | None) -> dict[str, str]:
    """Check that each toolResult answers a toolUse of the turn before, as Converse does.

    Returns every toolUseId of the conversation with the name of the tool it called.
    """
    names: dict[str, str] = {}
    uses_before: list[str] = []
    for m, message in enumerate(messages):
        blocks = message.get("content") or []
        uses = [b["toolUse"]["toolUseId"] for b in blocks if "toolUse" in b]
        results = [b["toolResult"]["toolUseId"] for b in blocks if "toolResult" in b]
        if (uses or results) and tools is None:
            raise ValidationException(  # AWS's text, as public reports quote it
                "The toolConfig field must be defined when using toolUse and toolResult content "
                "blocks."
            )
        misplaced = "toolResult" if message["role"] == "assistant" and results else None
        if message["role"] == "user" and uses:
            misplaced = "toolUse"
        if misplaced:
            # only the model writes toolUse and only the caller toolResult; AWS's wording for
            # the swap is not published (assumed, README says)
            raise ValidationException(
                f"The {misplaced} blocks at messages.{m}.content are in a message of role "
                f"{message['role']}. toolUse blocks belong in assistant messages and toolResult "
                "blocks in user messages; move them and try again."
            )
        if message["role"] == "assistant":
            repeated = sorted({u for u in uses if uses.count(u) > 1})
            if repeated:
                raise ValidationException(
                    f"The toolUse blocks at messages.{m}.content contain duplicate Ids: "
                    + ", ".join(repeated)
                )
            for block in blocks:
                if "toolUse" in block:
                    names[block["toolUse"]["toolUseId"]] = block["toolUse"]["name"]
        else:
            if len(results) > len(uses_before):
                raise ValidationException(
                    f"The number of toolResult blocks at messages.{m}.content exceeds the number "
                    "of toolUse blocks of previous turn."
                )
            missing = [u for u in uses_before if u not in results]
            if missing:
                raise ValidationException(
                    f"Expected toolResult blocks at messages.{m}.content for the following Ids: "
                    + ", ".join(missing)
                )
        uses_before = uses if message["role"] == "assistant" else []
    return names


# --- which tool the simulated model calls ---------------------------------------------------------
def _words(text: str) -> str:
    return " ".join(re.sub(r"[_\-]+", " ", text).lower().split())


def mentioned(tools: Tools, asked: str) -> str | None:
    """The first tool (toolConfig order) whose name the text mentions, ``_``/``-`` as spaces.

    The name stands apart from ASCII letters and digits only: Japanese and Chinese text sets
    no space around a word ("get_weatherで東京の天気"), and tool names are ASCII.
    """
    said = _words(asked)
    for name in tools.specs:
        if re.search(rf"(?<![a-z0-9]){re.escape(_words(name))}(?![a-z0-9])", said):
            return name
    return None


def chosen(tools: Tools | None, asked: str) -> str | None:
    """The tool the simulated model calls, or None for a text reply (module docstring)."""
    if tools is None or not tools.specs:
        return None
    if tools.forced is not None:
        return tools.forced
    pick = mentioned(tools, asked) if asked.strip() else None
    if tools.choice == "any":
        return pick or next(iter(tools.specs))
    return pick


# --- input from a JSON schema ---------------------------------------------------------------------
WORD = "simulated"
SHALLOW = 6  # below this depth, optional properties and items are left out
FORMATS = {
    "date": "2026-01-01",
    "date-time": "2026-01-01T00:00:00Z",
    "time": "00:00:00Z",
    "email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
}
# the n-th distinct value of a format, for the items of a uniqueItems array
VARIED_FORMATS = {
    "date": lambda n: f"2026-{1 + n // 28 % 12:02d}-{1 + n % 28:02d}",
    "date-time": lambda n: f"2026-{1 + n // 28 % 12:02d}-{1 + n % 28:02d}T00:00:00Z",
    "time": lambda n: f"00:{n // 60 % 60:02d}:{n % 60:02d}Z",
    "email": lambda n: f"user{n}@example.com",
    "uri": lambda n: f"https://example.com/{n}",
    "url": lambda n: f"https://example.com/{n}",
    "uuid": lambda n: f"00000000-0000-4000-8000-{n:012d}",
    "hostname": lambda n: f"host{n}.example.com",
    "ipv4": lambda n: f"192.0.2.{1 + n % 254}",
    "ipv6": lambda n: f"2001:db8::{n + 1:x}",
}


def example(schema: Any, root: Any = None, variant: int = 0, depth: int = 0) -> Any:
    """A value that satisfies ``schema``, the same every time (``variant`` makes array items
    differ where uniqueItems asks)."""
    root = schema if root is None else root
    if not isinstance(schema, dict) or depth > 32:
        return None if schema is False else WORD
    if "$ref" in schema:
        return example(_resolve(schema["$ref"], root), root, variant, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][variant % len(schema["enum"])]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return example({**_without(schema, key), **schema[key][0]}, root, variant, depth + 1)
    if schema.get("allOf"):
        merged = _without(schema, "allOf")
        for part in schema["allOf"]:
            part = _resolve(part["$ref"], root) if "$ref" in part else part
            merged = _merge(merged, part)
        return example(merged, root, variant, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "array" if "items" in schema else "string"
    if kind == "object":
        properties = schema.get("properties") or {}
        required = schema.get("required") or []
        out = {
            name: example(sub, root, 0, depth + 1)
            for name, sub in properties.items()
            if depth < SHALLOW or name in required  # a recursive schema ends where it may
        }
        for name in schema.get("required") or []:
            out.setdefault(name, WORD)
        return out
    if kind == "array":
        return _array(schema, root, depth)
    if kind == "string":
        return _string(schema, variant)
    if kind in ("integer", "number"):
        return _number(schema, kind, variant)
    if kind == "boolean":
        return variant % 2 == 0
    return None  # null


def _without(schema: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in schema.items() if k != key}


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    merged = {**a, **b}
    if "properties" in a or "properties" in b:
        merged["properties"] = {**(a.get("properties") or {}), **(b.get("properties") or {})}
    if "required" in a or "required" in b:
        merged["required"] = list(
            dict.fromkeys((a.get("required") or []) + (b.get("required") or []))
        )
    return merged


def _resolve(ref: str, root: Any) -> Any:
    """A local ``$ref`` (``#/$defs/Name``, ``#/definitions/Name``, any JSON pointer in the root)."""
    if not ref.startswith("#"):
        return {}  # remote references are not fetched: any value
    node = root
    for part in ref[1:].split("/"):
        if not part:
            continue
        part = part.replace("~1", "/").replace("~0", "~")
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node


def _array(schema: dict[str, Any], root: Any, depth: int) -> list[Any]:
    low = schema.get("minItems", 0)
    high = schema.get("maxItems")
    wanted = max(low, 1 if depth < SHALLOW else 0)
    count = wanted if high is None else min(wanted, high)
    prefix = schema.get("prefixItems") or []
    items = schema.get("items", {})
    if isinstance(items, list):  # draft 4-7 tuple form, as pydantic v1 writes Tuple fields
        prefix, items = items, schema.get("additionalItems", {})
    out = []
    for i in range(count):
        sub = prefix[i] if i < len(prefix) else items
        out.append(example(sub, root, i if schema.get("uniqueItems") else 0, depth + 1))
    return out


def _string(schema: dict[str, Any], variant: int) -> str:
    low = schema.get("minLength", 0)
    high = schema.get("maxLength")
    form = schema.get("format", "")
    text = FORMATS.get(form, WORD)
    varied = False  # whether text already differs by variant (uniqueItems)
    if form in VARIED_FORMATS and variant:
        text, varied = VARIED_FORMATS[form](variant), True
    pattern = schema.get("pattern")
    if pattern:
        made = _from_pattern(pattern, variant)
        if made is not None and re.search(pattern, made):
            text, varied = made, True
    if variant and not varied:
        text = f"{text}{variant}"
    if len(text) < low:
        text += "x" * (low - len(text))
    if high is not None and len(text) > high:
        text = text[:high]
    return text


def _number(schema: dict[str, Any], kind: str, variant: int) -> int | float:
    """The first of a few candidates (the lower bound, 1, 0, the upper bound, the middle) that
    the bounds and multipleOf allow, moved on by ``variant``."""
    low, low_open = _bound(schema, "minimum", "exclusiveMinimum")
    high, high_open = _bound(schema, "maximum", "exclusiveMaximum")
    step = schema.get("multipleOf")

    def fits(v: float) -> bool:
        if low is not None and (v <= low if low_open else v < low):
            return False
        if high is not None and (v >= high if high_open else v > high):
            return False
        return not step or abs(v / step - round(v / step)) < 1e-9

    starts: list[float] = [1, 0]
    if low is not None:
        starts.insert(0, low + 1 if low_open else low)
    if high is not None:
        starts.append(high - 1 if high_open else high)
    if low is not None and high is not None:
        starts.append((low + high) / 2)
    for start in starts:
        value = start + variant
        if step:
            value = -(-value // step) * step
        if kind == "integer":
            value = float(-(-value // 1))
        if fits(value):
            return int(value) if kind == "integer" else float(value)
    fallback = low if low is not None else 0
    return int(fallback) if kind == "integer" else float(fallback)


def _bound(schema: dict[str, Any], closed: str, open_: str) -> tuple[float | None, bool]:
    """A bound and whether it is exclusive (draft 2020-12 numbers or draft 4 booleans)."""
    exclusive = schema.get(open_)
    if isinstance(exclusive, bool):
        return schema.get(closed), exclusive
    if isinstance(exclusive, (int, float)):
        return exclusive, True
    return schema.get(closed), False


def _from_pattern(pattern: str, variant: int = 0) -> str | None:
    """A short string a simple pattern matches (literals, classes, repeats, groups, branches);
    ``variant`` picks other characters from its classes, so that array items differ."""
    c, sre_parse = _sre, _sre_parse

    def walk(items: Any) -> str:
        out = ""
        for op, arg in items:
            if op is c.LITERAL:
                out += chr(arg)
            elif op is c.ANY:
                out += chr(ord("a") + variant % 26)
            elif op is c.IN:
                out += _class_char(arg, c, variant)
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
                low, _high, body = arg
                out += walk(body) * low
            elif op is c.SUBPATTERN:
                out += walk(arg[-1])
            elif op is c.BRANCH:
                out += walk(arg[1][0])
            elif op is c.AT:
                continue
            else:
                raise ValueError(op)
        return out

    try:
        return walk(sre_parse.parse(pattern))
    except (ValueError, re.error, TypeError):
        return None


def _class_char(items: Any, c: Any, variant: int = 0) -> str:
    if items and items[0][0] is c.NEGATE:
        raise ValueError("negated class")  # the caller falls back to a plain word
    kind, value = items[0]
    if kind is c.LITERAL:
        return chr(value)
    if kind is c.RANGE:
        return chr(value[0] + variant % (value[1] - value[0] + 1))
    if kind is c.CATEGORY:
        if value is c.CATEGORY_DIGIT:
            return str(variant % 10)
        if value is c.CATEGORY_SPACE:
            return " "
        return chr(ord("a") + variant % 26)
    raise ValueError(kind)


def input_json(tools: Tools, name: str) -> dict[str, Any]:
    """The input the simulated model calls ``name`` with: an example of its schema."""
    schema = tools.specs[name]["inputSchema"]["json"]
    value = example(schema)
    return value if isinstance(value, dict) else {}


def as_json(value: Any) -> str:
    """Compact JSON, as tool input is counted and streamed."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
