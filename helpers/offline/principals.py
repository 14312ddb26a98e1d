"""Who called: the IAM principal behind a runtime request, and its tags, as Bedrock records them.

Since April 2026 Bedrock records the calling principal of every inference request
(``line_item_iam_principal`` in CUR 2.0) and makes its tags cost allocation tags
(``iamPrincipal/<key>``). The stand-in resolves the request's SigV4 access key through moto's
IAM and STS, so the answer is the one ``sts get-caller-identity`` gives for the same key:

- an IAM user's access key: the user's ARN; tags = the user's tags;
- a key from ``sts:AssumeRole``: ``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION``; tags = the
  role's tags overlaid by the session tags passed to AssumeRole (a session tag overrides a role
  tag with the same key, compared case-insensitively, as IAM's session-tag rules say);
- any other key (the workshop's default offline credentials): the ARN moto's GetCallerIdentity
  answers for it, with no tags.

moto's AssumeRole drops session tags; ``StandinSTSResponse`` keeps them, per access key.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

from . import validation
from .errors import ServiceException, ValidationException
from .moto_glue import (
    TokenResponse,
    access_key_of,
    assumed_role_key,
    default_caller_arn,
    iam_role_of_key,
    iam_user_of_key,
    operation_model,
    session_access_key,
)

# session tags of each STS session's access key; a key outlives no reset (its session is gone)
_SESSION_TAGS: dict[str, dict[str, str]] = {}
_LOCK = threading.Lock()


class STSValidationError(ServiceException):
    """STS (a query-protocol service) names its validation error ValidationError."""

    code = "ValidationError"


def _query_path(message: str) -> str:
    """STS spells a member's path in camel case (``tags.1.member.key``)."""
    return re.sub(
        r"at '([^']+)'",
        lambda m: "at '" + ".".join(p[:1].lower() + p[1:] for p in m.group(1).split(".")) + "'",
        message,
    )


@dataclass(frozen=True)
class Caller:
    """The principal a request ran as, and the tags Billing attributes its cost by."""

    arn: str
    tags: dict[str, str] = field(default_factory=dict)

    def tag_pairs(self) -> tuple[tuple[str, str], ...]:
        """The tags as sorted pairs (hashable: a ledger line carries them)."""
        return tuple(sorted(self.tags.items()))


def overlay(role_tags: dict[str, str], session_tags: dict[str, str]) -> dict[str, str]:
    """Role tags with session tags on top: a session tag replaces a role tag of the same key
    (IAM tag keys are case-insensitive, so ``Team`` replaces ``team``)."""
    shadowed = {key.casefold() for key in session_tags}
    kept = {k: v for k, v in role_tags.items() if k.casefold() not in shadowed}
    return {**kept, **session_tags}


def resolve(account: str, region: str, access_key: str) -> Caller:
    """The caller behind ``access_key`` in ``account``, as the list above describes."""
    user = iam_user_of_key(account, access_key)
    if user is not None:
        arn, tags = user
        return Caller(arn, tags)
    session = assumed_role_key(account, access_key)
    if session is not None:
        arn, role_arn = session
        with _LOCK:
            session_tags = dict(_SESSION_TAGS.get(access_key, {}))
        return Caller(arn, overlay(iam_role_of_key(account, role_arn), session_tags))
    return Caller(default_caller_arn(account, access_key, region))


def caller_of(response: Any) -> Caller:
    """The caller of the request a moto response class is handling."""
    return resolve(response.current_account, response.region, access_key_of(response))


class StandinSTSResponse(TokenResponse):
    """moto's STS, with AssumeRole's session ``Tags`` validated as AWS does and kept."""

    def assume_role(self) -> Any:
        tags = self._get_param("Tags") or []
        shape = operation_model("sts", "AssumeRole").input_shape
        try:
            validation.check(
                {
                    "RoleArn": self._get_param("RoleArn"),
                    "RoleSessionName": self._get_param("RoleSessionName"),
                    "Tags": tags,
                },
                shape,
            )
        except ValidationException as exc:
            raise STSValidationError(_query_path(exc.message)) from None
        answer = super().assume_role()
        with _LOCK:
            _SESSION_TAGS[session_access_key(answer)] = {t["Key"]: t.get("Value", "") for t in tags}
        return answer
