"""Validate request parameters against the constraints in botocore's service model.

botocore checks types and required members client-side but not lengths, ranges, patterns or
enums; AWS checks them server-side and answers ValidationException. The stand-in does the same,
from the same model, with AWS's message format:

    1 validation error detected: Value 'a b!' at 'inferenceProfileName' failed to satisfy
    constraint: Member must satisfy regular expression pattern: ([0-9a-zA-Z][ _-]?)+
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from botocore.model import Shape

from .errors import ValidationException


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


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    """AWS's patterns are Java regular expressions; the few Python reads differently are mended."""
    try:
        return re.compile(pattern)
    except re.error:
        return re.compile(_scope_inline_flags(pattern))


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


def problems(params: Mapping[str, Any], shape: Shape | None) -> list[str]:
    """Every constraint the parameters break, each as one AWS-style sentence."""
    if shape is None:
        return []
    out: list[str] = []
    _collect(params, shape, "", out)
    return out


def check(params: Mapping[str, Any], shape: Shape | None) -> None:
    """Raise AWS's ValidationException if the parameters break the model's constraints."""
    found = problems(params, shape)
    if found:
        noun = "error" if len(found) == 1 else "errors"
        raise ValidationException(f"{len(found)} validation {noun} detected: " + "; ".join(found))


def request_params(response: Any, service: str) -> dict[str, Any]:
    """Parse a moto request with botocore's model for ``service`` and validate it, as AWS does."""
    from moto.core.utils import get_service_model

    response.parse_parameters(response.normalized_request)
    operation = get_service_model(service).operation_model(response._get_action())
    params = dict(response.params)
    check(params, operation.input_shape)
    return params
