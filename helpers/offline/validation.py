"""Validate request parameters against the constraints in botocore's service model.

botocore checks types and required members client-side but not lengths, ranges, patterns or
enums; AWS checks them server-side and answers ValidationException. The stand-in does the same,
from the same model, with AWS's message format:

    1 validation error detected: Value 'a b!' at 'inferenceProfileName' failed to satisfy
    constraint: Member must satisfy regular expression pattern: ([0-9a-zA-Z][ _-]?)+
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from botocore.model import Shape

from .errors import SerializationException, ValidationException

# Python's own reading of a pattern, which the automaton below runs (private modules, on purpose).
if sys.version_info >= (3, 11):
    from re import _constants as _sre
    from re import _parser as _sre_parse
else:  # pragma: no cover - Python 3.10
    import sre_constants as _sre
    import sre_parse as _sre_parse


# No letter, number or separator is assigned above plane 3 (planes 14-16 hold tags, variation
# selectors and private use): scanning to here, not sys.maxunicode, is four times faster.
ASSIGNED_LIMIT = 0x40000
_UNICODE_CLASS = re.compile(r"\\p\{([A-Z][a-z]?)\}(-(?!\]))?")


@cache
def _category_ranges(prefix: str) -> str:
    """Java's ``\\p{L}`` (and N, Z, Lu...) as Python character-class ranges, from unicodedata."""
    out, start, previous = [], None, -2
    for code in range(ASSIGNED_LIMIT):
        if unicodedata.category(chr(code)).startswith(prefix):
            if code != previous + 1:
                if start is not None:
                    out.append((start, previous))
                start = code
            previous = code
    if start is not None:
        out.append((start, previous))
    return "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in out
    )


def _unicode_classes(pattern: str) -> str:
    """Python's ``re`` has no ``\\p{...}``: spell each one out (a ``-`` after it is literal, as in
    Java). AWS uses them inside character classes (Cost Explorer's tag and cost category values)."""
    return _UNICODE_CLASS.sub(
        lambda m: _category_ranges(m.group(1)) + ("\\-" if m.group(2) else ""), pattern
    )


def _scope_inline_flags(pattern: str) -> str:
    """Java applies a mid-pattern ``(?i)`` to the rest of its group; Python wants ``(?i:...)``."""
    out = pattern
    while True:
        at = out.find("(?i)", 1)
        if at < 0:
            return out
        depth, end, escaped = 0, len(out), False
        for index in range(at + 4, len(out)):
            ch = out[index]
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == "(":
                depth += 1
            elif ch == ")":
                if depth == 0:
                    end = index
                    break
                depth -= 1
        out = out[:at] + "(?i:" + out[at + 4 : end] + ")" + out[end:]


# AWS's patterns are checked against what callers send, so each must run in linear time. Python's
# re backtracks, and some of AWS's own patterns nest repetitions (model IDs such as
# ``[a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?[a-z0-9-]{1,63})...``): a near-miss of a few dozen
# characters then takes minutes. Such patterns are run as an automaton instead: Python's own
# parse of the pattern, turned into states that are followed all at once, one character at a
# time (Thompson's construction), so a match costs (length x states), never more.
_MAX_STATES = 50_000
_MAX_STEPS = 4096
_ANCHORS = (_sre.AT_BEGINNING, _sre.AT_BEGINNING_STRING, _sre.AT_END, _sre.AT_END_STRING)


class _Unsupported(Exception):
    """A construct the automaton does not run (look-arounds, back-references, flags)."""


def _char_test(op: Any, arg: Any) -> Callable[[str], bool]:
    """A test for one character, as Python's re reads a pattern without flags."""
    if op is _sre.LITERAL:
        return lambda c: ord(c) == arg
    if op is _sre.NOT_LITERAL:
        return lambda c: ord(c) != arg
    if op is _sre.ANY:
        return lambda c: c != "\n"
    if op is _sre.IN:
        negate = bool(arg) and arg[0][0] is _sre.NEGATE
        tests = [_class_item(kind, value) for kind, value in arg[negate:]]
        return lambda c: any(test(c) for test in tests) != negate
    raise _Unsupported(op)


def _class_item(kind: Any, value: Any) -> Callable[[str], bool]:
    if kind is _sre.LITERAL:
        return lambda c: ord(c) == value
    if kind is _sre.RANGE:
        low, high = value
        return lambda c: low <= ord(c) <= high
    if kind is _sre.CATEGORY:
        categories: dict[Any, Callable[[str], bool]] = {
            _sre.CATEGORY_DIGIT: str.isdecimal,
            _sre.CATEGORY_NOT_DIGIT: lambda c: not c.isdecimal(),
            _sre.CATEGORY_SPACE: str.isspace,
            _sre.CATEGORY_NOT_SPACE: lambda c: not c.isspace(),
            _sre.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
            _sre.CATEGORY_NOT_WORD: lambda c: not (c.isalnum() or c == "_"),
        }
        if value in categories:
            return categories[value]
    raise _Unsupported(kind)


class _Automaton:
    """A pattern as states: ('char', test, next), ('split', a, b), ('at', where, next), 'match'."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        parsed = _sre_parse.parse(pattern)
        if parsed.state.flags & ~(_sre.SRE_FLAG_UNICODE | _sre.SRE_FLAG_VERBOSE):
            raise _Unsupported("flags")
        self.states: list[Any] = []
        self.start = self._sequence(list(parsed.data), self._add("match"))
        # (states, character, anchor context) -> the states after it: each is worked out once
        self._steps: dict[tuple[Any, ...], frozenset[int]] = {}

    def _add(self, state: Any) -> int:
        if len(self.states) >= _MAX_STATES:
            raise _Unsupported("too many states")
        self.states.append(state)
        return len(self.states) - 1

    def _sequence(self, items: list[tuple[Any, Any]], then: int) -> int:
        for op, arg in reversed(items):
            then = self._item(op, arg, then)
        return then

    def _item(self, op: Any, arg: Any, then: int) -> int:
        if op in (_sre.LITERAL, _sre.NOT_LITERAL, _sre.ANY, _sre.IN):
            return self._add(("char", _char_test(op, arg), then))
        if op is _sre.AT:
            if arg not in _ANCHORS:
                raise _Unsupported(arg)
            return self._add(("at", arg, then))
        if op is _sre.SUBPATTERN:
            _group, add_flags, del_flags, body = arg
            if add_flags or del_flags:
                raise _Unsupported("inline flags")
            return self._sequence(list(body), then)
        if op is _sre.BRANCH:
            starts = [self._sequence(list(branch), then) for branch in arg[1]]
            first = starts[-1]
            for other in reversed(starts[:-1]):
                first = self._add(("split", other, first))
            return first
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
            low, high, body = arg
            body = list(body)
            if high is _sre.MAXREPEAT:  # body*, then the required copies before it
                loop = self._add(("split", -1, then))
                self.states[loop] = ("split", self._sequence(body, loop), then)
                then = loop
            else:
                for _ in range(high - low):  # optional copies: each may end the repetition
                    then = self._add(("split", self._sequence(body, then), then))
            for _ in range(low):
                then = self._sequence(body, then)
            return then
        raise _Unsupported(op)

    def _closure(self, states: frozenset[int], context: tuple[bool, bool, bool]) -> frozenset[int]:
        """Every state reachable without reading a character; ``context`` places the anchors:
        (at the start, at the end, just before a final newline)."""
        seen: set[int] = set()
        stack = list(states)
        while stack:
            index = stack.pop()
            if index in seen:
                continue
            seen.add(index)
            state = self.states[index]
            if state == "match" or state[0] == "char":
                continue
            if state[0] == "split":
                stack.extend((state[1], state[2]))
            elif _anchor_holds(state[1], context):
                stack.append(state[2])
        return frozenset(seen)

    def fullmatch(self, text: str) -> bool:
        """Whether all of ``text`` matches, as ``re.fullmatch`` would answer."""
        last = len(text)

        def context(at: int) -> tuple[bool, bool, bool]:
            return (at == 0, at == last, at == last - 1 and text[at] == "\n")

        current = self._closure(frozenset([self.start]), context(0))
        for at, char in enumerate(text):
            key = (current, char, context(at + 1))
            following = self._steps.get(key)
            if following is None:
                moved = frozenset(
                    state[2]
                    for index in current
                    if (state := self.states[index]) != "match"
                    and state[0] == "char"
                    and state[1](char)
                )
                following = self._closure(moved, key[2])
                if len(self._steps) > _MAX_STEPS:  # bounded memory, whatever callers send
                    self._steps.clear()
                self._steps[key] = following
            current = following
            if not current:
                return False
        return any(self.states[index] == "match" for index in current)


def _anchor_holds(where: Any, context: tuple[bool, bool, bool]) -> bool:
    start, end, before_final_newline = context
    if where is _sre.AT_BEGINNING or where is _sre.AT_BEGINNING_STRING:
        return start
    if where is _sre.AT_END:  # '$': the end, or just before a final newline
        return end or before_final_newline
    return end  # AT_END_STRING; other anchors are refused when the pattern is read


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str] | _Automaton:
    """A matcher for one of AWS's patterns, in linear time where the automaton can run it.

    AWS's patterns are Java regular expressions; the few Python reads differently are mended.
    """
    try:
        compiled = re.compile(pattern)
    except re.error:
        compiled = re.compile(_scope_inline_flags(_unicode_classes(pattern)))
    try:
        return _Automaton(compiled.pattern)
    except _Unsupported:  # look-arounds and flags: none of these nests repetitions
        return compiled


def _show(value: Any, shape: Shape) -> str:
    if shape.metadata.get("sensitive"):
        return "Value"
    if isinstance(value, (list, tuple)):
        return "Value '[" + ", ".join(str(v) for v in value) + "]'"
    if isinstance(value, bytes):
        return "Value 'java.nio.HeapByteBuffer'"
    return f"Value '{value}'"


def _collect(value: Any, shape: Shape, path: str, out: list[str]) -> None:
    meta = shape.metadata
    kind = shape.type_name

    def fail(constraint: str, show: str | None = None) -> None:
        shown = show if show is not None else _show(value, shape)
        at = f" at '{path}'" if path else ""
        out.append(f"{shown}{at} failed to satisfy constraint: Member must {constraint}")

    if kind == "structure":
        if meta.get("document") or not isinstance(value, Mapping):
            return
        for name in shape.required_members:
            if value.get(name) is None:
                member_path = f"{path}.{name}" if path else name
                out.append(
                    f"Value null at '{member_path}' failed to satisfy constraint: "
                    "Member must not be null"
                )
        for name, member in shape.members.items():
            if value.get(name) is not None:
                _collect(value[name], member, f"{path}.{name}" if path else name, out)
    elif kind == "list":
        if not isinstance(value, (list, tuple)):
            return
        if "min" in meta and len(value) < meta["min"]:
            fail(f"have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            fail(f"have length less than or equal to {meta['max']}")
        for i, item in enumerate(value, start=1):
            if item is not None:
                _collect(item, shape.member, f"{path}.{i}.member", out)
    elif kind == "map":
        if not isinstance(value, Mapping):
            return
        if "min" in meta and len(value) < meta["min"]:
            fail(f"have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            fail(f"have length less than or equal to {meta['max']}")
        for key, item in value.items():
            _collect(key, shape.key, f"{path}.{key}.key", out)
            if item is not None:
                _collect(item, shape.value, f"{path}.{key}.value", out)
    elif kind in ("string", "blob"):
        if isinstance(value, datetime):
            return
        size = len(value)
        if "min" in meta and size < meta["min"]:
            fail(f"have length greater than or equal to {meta['min']}")
        if "max" in meta and size > meta["max"]:
            fail(f"have length less than or equal to {meta['max']}")
        if kind == "string" and isinstance(value, str):
            if shape.enum and value not in shape.enum:
                fail("satisfy enum value set: [" + ", ".join(shape.enum) + "]")
            pattern = meta.get("pattern")
            if pattern and not _compiled(pattern).fullmatch(value):
                fail(f"satisfy regular expression pattern: {pattern}")
    elif kind in ("integer", "long", "float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return
        if "min" in meta and value < meta["min"]:
            fail(f"have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            fail(f"have value less than or equal to {meta['max']}")


def problems(params: Mapping[str, Any], shape: Shape | None, path: str = "") -> list[str]:
    """Every constraint the parameters break, each as one AWS-style sentence."""
    if shape is None:
        return []
    out: list[str] = []
    _collect(params, shape, path, out)
    return out


def check(params: Mapping[str, Any], shape: Shape | None, path: str = "") -> None:
    """Raise AWS's ValidationException if the parameters break the model's constraints
    (``path`` names ``params`` when they are one member of a request)."""
    found = problems(params, shape, path)
    if found:
        noun = "error" if len(found) == 1 else "errors"
        raise ValidationException(f"{len(found)} validation {noun} detected: " + "; ".join(found))


def request_metadata_header(raw: Any) -> dict[str, str] | None:
    """InvokeModel's ``X-Amzn-Bedrock-Request-Metadata`` header, read as AWS reads it: a JSON
    object checked as Converse's ``requestMetadata`` map (1-16 pairs, each key and value within
    its length and pattern). A map (Converse's own member, checked already) passes through."""
    if not isinstance(raw, str):
        return raw
    try:
        found = json.loads(raw)
    except ValueError:
        found = None
    if not isinstance(found, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in found.items()
    ):
        raise ValidationException(
            "The X-Amzn-Bedrock-Request-Metadata header must be a JSON object whose keys and "
            'values are strings, such as {"team": "claims"}.'
        )
    from .moto_glue import operation_model  # moto loads with the stand-in, not with this module

    shape = operation_model("bedrock-runtime", "Converse").input_shape.members["requestMetadata"]
    check(found, shape, "requestMetadata")
    return found


def request_params(response: Any, service: str) -> dict[str, Any]:
    """Parse a moto request with botocore's model for ``service`` and validate it, as AWS does.

    A body AWS cannot deserialize (not JSON, invalid UTF-8, a member of the wrong JSON type)
    is refused first with SerializationException (HTTP 400), as AWS's front end does; then the
    model's constraints give ValidationException.
    """
    from .moto_glue import parsed_request  # moto loads with the stand-in, not with this module

    params, input_shape = parsed_request(response, service)
    check(params, input_shape)
    return params


# --- the deserializer's checks: JSON, UTF-8, and each member's JSON type ------------------------
# How AWS's (Coral) deserializer names a JSON value and a model type in its messages. "Start of
# structure or map found where not expected" is Bedrock's own text (a public error report);
# the others follow the same deserializer's pattern.
JSON_KIND: dict[type, str] = {dict: "Start of structure or map", list: "Start of list"}
VALUE_KIND: dict[type, str] = {
    str: "STRING_VALUE",
    bool: "BOOLEAN_VALUE",
    int: "NUMBER_VALUE",
    float: "NUMBER_VALUE",
}
TYPE_NAME = {
    "string": "String",
    "integer": "Integer",
    "long": "Long",
    "float": "Float",
    "double": "Double",
    "boolean": "Boolean",
    "blob": "ByteBuffer",
    "timestamp": "Date",
    "list": "List",
    "map": "Map",
    "structure": "Structure",
}


def body_shape(shape: Shape | None) -> Shape | None:
    """The shape the JSON body holds: the input, or its payload member; None for raw bytes."""
    if shape is None:
        return None
    payload = shape.serialization.get("payload")
    if payload:
        member = shape.members[payload]
        return member if member.type_name == "structure" else None
    return shape


def check_json_body(raw: bytes | None, shape: Shape | None) -> None:
    """Raise SerializationException for a body AWS's JSON deserializer refuses.

    An empty body holds no members (the required ones then fail validation, as on AWS).
    """
    target = body_shape(shape)
    if target is None or not raw or not raw.strip():
        return
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SerializationException(
            f"The request body is not valid UTF-8 (byte {exc.start})."
        ) from None
    except json.JSONDecodeError as exc:
        raise SerializationException(
            f"The request body is not valid JSON: {exc.msg} at line {exc.lineno} column "
            f"{exc.colno}."
        ) from None
    _check_json_type(value, target, "")


def _lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_json_type(value: Any, shape: Shape, path: str) -> None:
    """Refuse the first member whose JSON type the model's type cannot take."""
    if value is None:
        return  # null: the member is absent
    kind = shape.type_name
    where = f" at '{path}'" if path else ""

    def refuse() -> None:
        found = JSON_KIND.get(type(value))
        if found is not None:
            raise SerializationException(f"{found} found where not expected{where}")
        name = TYPE_NAME.get(kind, kind)
        shown = VALUE_KIND.get(type(value), type(value).__name__)
        article = "an" if name[0] in "AEIOU" else "a"
        raise SerializationException(f"{shown} can not be converted to {article} {name}{where}")

    if kind == "structure":
        if shape.metadata.get("document"):
            _no_lone_surrogates(value, path)
            return
        if not isinstance(value, dict):
            refuse()
        locations = {n for n, m in shape.members.items() if m.serialization.get("location")}
        for name, member in shape.members.items():
            key = member.serialization.get("name", name)
            if key in value and name not in locations:
                _check_json_type(value[key], member, _join(path, name))
    elif kind == "list":
        if not isinstance(value, list):
            refuse()
        for i, item in enumerate(value):
            _check_json_type(item, shape.member, f"{path}.{i + 1}.member")
    elif kind == "map":
        if not isinstance(value, dict):
            refuse()
        for key, item in value.items():
            _check_json_type(key, shape.key, f"{path}.{key}.key")
            _check_json_type(item, shape.value, f"{path}.{key}.value")
    elif kind in ("string", "blob"):
        if not isinstance(value, str):
            refuse()
        if _lone_surrogate(value):
            raise SerializationException(
                f"Invalid text{where}: a lone UTF-16 surrogate (U+D800 to U+DFFF without its "
                "pair) is not a Unicode character."
            )
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return
            refuse()
    elif kind in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            refuse()
    elif kind == "boolean":
        if not isinstance(value, bool):
            refuse()
    elif kind == "timestamp" and (
        isinstance(value, bool) or not isinstance(value, (int, float, str))
    ):
        refuse()


def _no_lone_surrogates(value: Any, path: str) -> None:
    """Document members hold any JSON; their text must still be Unicode."""
    if isinstance(value, str) and _lone_surrogate(value):
        raise SerializationException(
            f"Invalid text at '{path}': a lone UTF-16 surrogate is not a Unicode character."
        )
    if isinstance(value, dict):
        for key, item in value.items():
            _no_lone_surrogates(key, path)
            _no_lone_surrogates(item, path)
    elif isinstance(value, list):
        for item in value:
            _no_lone_surrogates(item, path)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


JSON_CONTENT_TYPES = (
    "application/json",
    "application/x-amz-json-1.0",
    "application/x-amz-json-1.1",
)


def speaks_json(service_model: Any, content_type: str | None) -> bool:
    """Whether a request's body is JSON: the service's protocol, or what the client sent."""
    return service_model.protocol in ("rest-json", "json") or (content_type or "").startswith(
        JSON_CONTENT_TYPES
    )
