"""Test support: record every AWS call the workshop makes, and the IAM actions each one needs.

With ``WORKSHOP_CALL_LOG`` set, every boto3 session made afterwards appends one JSON line per
call to that file. A call is the workshop's when the code nearest to it is a helper or a
notebook cell (not test code, not the stand-in). The test session installs this in its own
process (conftest.py) and, through ``kernel/sitecustomize.py`` on ``PYTHONPATH``, in every
notebook kernel it starts. conftest.py checks iam-policy.json against the record at the end.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
KERNEL_PATH = Path(__file__).resolve().parent / "kernel"  # holds sitecustomize.py
LOG_VARIABLE = "WORKSHOP_CALL_LOG"

# The first call to a third-party model (Anthropic, OpenAI) makes Bedrock subscribe the account
# in AWS Marketplace on the caller's behalf (Bedrock user guide, "Access Amazon Bedrock
# foundation models"); AWS lists all three actions as the prerequisite.
MARKETPLACE_ACTIONS = {
    "aws-marketplace:Subscribe",
    "aws-marketplace:Unsubscribe",
    "aws-marketplace:ViewSubscriptions",
}
# Permissions an operation needs besides its own action: tags on create, what Athena reads and
# writes on the caller's behalf, and Marketplace for model calls. GetCallerIdentity needs none.
IMPLIED_ACTIONS = {
    **{
        ("bedrock-runtime", operation): MARKETPLACE_ACTIONS
        for operation in (
            "Converse",
            "ConverseStream",
            "InvokeModel",
            "InvokeModelWithResponseStream",
        )
    },
    # Bedrock checks that the caller may pass the delivery role named in the configuration
    ("bedrock", "PutModelInvocationLoggingConfiguration"): {"iam:PassRole"},
    ("athena", "StartQueryExecution"): {
        "glue:GetDatabase",
        "glue:GetTable",
        "glue:GetPartitions",
        "s3:GetBucketLocation",
        "s3:GetObject",
        "s3:ListBucket",
        "s3:PutObject",
    },
}
TAG_ON_CREATE = {
    ("bedrock", "CreateInferenceProfile"): "bedrock:TagResource",
    ("cloudwatch", "PutMetricAlarm"): "cloudwatch:TagResource",
    ("budgets", "CreateBudget"): "budgets:TagResource",
    ("sns", "CreateTopic"): "sns:TagResource",
    ("glue", "CreateDatabase"): "glue:TagResource",
    ("iam", "CreateRole"): "iam:TagRole",
    ("logs", "CreateLogGroup"): "logs:TagResource",
    ("sts", "AssumeRole"): "sts:TagSession",  # session tags
}


def iam_actions(service: str, operation: str, tagged: bool = False) -> set[str]:
    """Every IAM action a call needs: its own, tags on create, and what it implies."""
    from helpers.errors import iam_action  # the helpers' own table, used in their messages

    if (service, operation) == ("sts", "GetCallerIdentity"):
        return set()
    needed = {iam_action(service, operation)} | IMPLIED_ACTIONS.get((service, operation), set())
    if tagged and (service, operation) in TAG_ON_CREATE:
        needed.add(TAG_ON_CREATE[(service, operation)])
    return needed


def allowed_actions(policy: dict) -> set[str]:
    return {
        action
        for statement in policy["Statement"]
        if statement["Effect"] == "Allow"
        for action in statement["Action"]
    }


def needed_actions(calls: Iterable[dict]) -> dict[str, set[str]]:
    """IAM action -> the calls ("service:Operation") that need it."""
    needed: dict[str, set[str]] = {}
    for call in calls:
        for action in iam_actions(call["service"], call["operation"], call["tagged"]):
            needed.setdefault(action, set()).add(f"{call['service']}:{call['operation']}")
    return needed


def missing_actions(calls: Iterable[dict], policy: dict) -> dict[str, list[str]]:
    """The actions the calls need that the policy does not allow (action -> calls)."""
    allowed = allowed_actions(policy)
    return {a: sorted(v) for a, v in needed_actions(calls).items() if a not in allowed}


def read_log(path: str | os.PathLike | None) -> list[dict]:
    log = Path(path) if path else None
    if log is None or not log.is_file():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


# --- recording ------------------------------------------------------------------------------
_HELPERS = str(ROOT / "helpers")
_OFFLINE = str(ROOT / "helpers" / "offline")
_TESTS = str(ROOT / "tests")


def _workshop_frame() -> bool:
    """Whether the code nearest to this call is a helper or a notebook cell."""
    import traceback

    for frame in reversed(traceback.extract_stack()[:-2]):
        name = frame.filename
        if name.startswith(_TESTS) or name.startswith(_OFFLINE):
            return False
        if name.startswith(_HELPERS) or "ipykernel_" in name:
            return True
    return False


def _write(model: Any = None, params: Any = None, **_: Any) -> None:
    log = os.environ.get(LOG_VARIABLE)
    if not log or not _workshop_frame():
        return
    tagged = isinstance(params, dict) and any(
        params.get(k) for k in ("tags", "Tags", "ResourceTags")
    )
    entry = {
        "service": model.service_model.service_name,
        "operation": model.name,
        "tagged": bool(tagged),
    }
    # one short line in append mode: processes writing at once do not interleave
    with open(log, "a", encoding="utf-8") as sink:
        sink.write(json.dumps(entry) + "\n")


def _patch(session_class: type) -> None:
    if getattr(session_class, "_workshop_records_calls", False):
        return
    original = session_class.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.events.register("provide-client-params.*.*", _write)

    session_class.__init__ = __init__
    session_class._workshop_records_calls = True


class _PatchOnImport:
    """A meta-path finder that patches boto3.session.Session when it is first imported, so a
    process that never uses boto3 pays nothing."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if name != "boto3.session":
            return None
        import importlib.util

        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        execute = loader.exec_module

        def exec_module(module: Any) -> None:
            execute(module)
            _patch(module.Session)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install() -> None:
    """Record the calls of every boto3 session this process makes from now on."""
    if "boto3.session" in sys.modules:
        _patch(sys.modules["boto3.session"].Session)
    elif not any(isinstance(f, _PatchOnImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _PatchOnImport())
