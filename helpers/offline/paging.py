"""The stand-in's one page-token codec, for every paginated operation it answers itself.

A token holds the position of the next page (one offset, or several numbers such as a query's
index and an offset in it) and, for operations whose pages depend on the whole request, a
fingerprint of that request: a token is then good for the request that made it only. The token
is opaque to clients, as AWS's are. A token that cannot be read is answered with the error the
caller passes in, so each service keeps its own AWS error code and message.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

Item = TypeVar("Item")


def fingerprint(params: Mapping[str, Any], without: Iterable[str]) -> str:
    """A short, stable hash of a request's parameters, leaving out its paging members."""
    skipped = set(without)
    stable = {k: v for k, v in params.items() if k not in skipped}
    text = json.dumps(stable, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def encode(*position: int, request: str = "") -> str:
    """The token for the page at ``position`` (of the request with this fingerprint, if any)."""
    body: dict[str, Any] = {"p": list(position)}
    if request:
        body["r"] = request
    return base64.urlsafe_b64encode(json.dumps(body).encode()).decode()


def decode(
    token: str | None,
    *,
    invalid: Exception,
    length: int = 1,
    request: str = "",
    changed: Exception | None = None,
) -> tuple[int, ...]:
    """The position a token holds (zeros for no token).

    Raises ``invalid`` for a token this codec did not write, and ``changed`` (or ``invalid``)
    for a token written for another request.
    """
    if not token:
        return (0,) * length
    try:
        body = json.loads(base64.urlsafe_b64decode(token.encode()))
        position = tuple(body["p"])
        origin = body.get("r", "")
        whole = all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in position)
        if len(position) != length or not whole or not isinstance(origin, str):
            raise ValueError(position)
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
        raise invalid from exc
    if origin != request:
        raise changed if changed is not None else invalid
    return position


def offset(
    token: str | None,
    *,
    invalid: Exception,
    request: str = "",
    changed: Exception | None = None,
) -> int:
    """The offset a one-number token holds (0 for no token)."""
    return decode(token, invalid=invalid, request=request, changed=changed)[0]


def page(
    items: Sequence[Item], size: int, token: str | None, *, invalid: Exception
) -> tuple[list[Item], str | None]:
    """The page of ``size`` items a token points at, and the next page's token (None: last)."""
    start = offset(token, invalid=invalid)
    following = start + size
    return list(items[start:following]), encode(following) if following < len(items) else None


def listing(
    member: str,
    items: Sequence[Item],
    size: int,
    token: str | None,
    *,
    invalid: Exception,
    token_member: str = "NextToken",
) -> dict[str, Any]:
    """A List* response body: this page of ``items`` under ``member``, and the next page's token
    under ``token_member`` unless this is the last page."""
    shown, following = page(items, size, token, invalid=invalid)
    body: dict[str, Any] = {member: shown}
    if following:
        body[token_member] = following
    return body
