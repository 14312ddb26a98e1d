"""Errors a person can act on: what went wrong and how to fix it, without a traceback.

Jupyter shows a ``WorkshopError`` as its message alone (IPython calls ``_render_traceback_``),
so a notebook never ends in a raw traceback from deep inside boto3 or pandas. ``explained``
turns botocore's errors into WorkshopErrors with a remedy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from . import catalog
from .catalog import split_profile_id


class WorkshopError(Exception):
    """A problem with a message that says what is wrong and what to do."""

    def __init__(self, problem: str, fix: str | None = None) -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(problem if not fix else f"{problem}\nFix: {fix}")

    def _render_traceback_(self) -> list[str]:  # IPython: show the message, not the stack
        return [
            f"{type(self).__name__}: {line}" if i == 0 else line
            for i, line in enumerate(str(self).splitlines())
        ]


class ConfigError(WorkshopError):
    """config.json is missing, malformed or holds a value AWS would refuse."""


class InputError(WorkshopError):
    """An argument a helper cannot work with (a bad period, an empty prompt, ...)."""


class StandinError(WorkshopError):
    """The offline stand-in cannot be started or reached."""


class AwsError(WorkshopError):
    """AWS (or the stand-in) refused a request; ``code`` and ``status`` are AWS's."""

    def __init__(
        self, problem: str, fix: str | None, code: str, status: int | None, operation: str
    ) -> None:
        super().__init__(problem, fix)
        self.code = code
        self.status = status
        self.operation = operation


# The IAM action behind each operation where it differs from "<service>:<Operation>".
IAM_ACTIONS = {
    "Converse": "bedrock:InvokeModel",
    "ConverseStream": "bedrock:InvokeModelWithResponseStream",
    "GetResources": "tag:GetResources",
    "GetCallerIdentity": "sts:GetCallerIdentity",
    # AWS Budgets authorises with two actions for most of its operations
    "CreateBudget": "budgets:ModifyBudget",
    "UpdateBudget": "budgets:ModifyBudget",
    "DeleteBudget": "budgets:ModifyBudget",
    "CreateNotification": "budgets:ModifyBudget",
    "DescribeBudgets": "budgets:ViewBudget",
    "DescribeBudget": "budgets:ViewBudget",
    "DescribeNotificationsForBudget": "budgets:ViewBudget",
}
IAM_PREFIX = {"bedrock-runtime": "bedrock", "resourcegroupstaggingapi": "tag"}
CREDENTIALS_FIX = (
    "configure credentials for the account (`aws configure`, `aws sso login "
    "--profile NAME` then `export AWS_PROFILE=NAME`, or environment variables), "
    'or run offline: set "mode": "offline" in config.json'
)


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
}
S3_ACTIONS = {
    "ListObjectsV2": "s3:ListBucket",
    "HeadObject": "s3:GetObject",
    "GetObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
}


def iam_action(service: str, operation: str) -> str:
    """The IAM action that authorises an operation."""
    if service == "s3" and operation in S3_ACTIONS:
        return S3_ACTIONS[operation]
    return IAM_ACTIONS.get(operation) or f"{IAM_PREFIX.get(service, service)}:{operation}"


def iam_actions(service: str, operation: str, tagged: bool = False) -> set[str]:
    """Every IAM action a call needs: its own, tags on create, and what it implies."""
    if (service, operation) == ("sts", "GetCallerIdentity"):
        return set()
    needed = {iam_action(service, operation)} | IMPLIED_ACTIONS.get((service, operation), set())
    if tagged and (service, operation) in TAG_ON_CREATE:
        needed.add(TAG_ON_CREATE[(service, operation)])
    return needed


MODEL_ACCESS_ADVICE = (
    "models are available by default, but the first call to a third-party model (Anthropic, "
    "OpenAI) subscribes the account through AWS Marketplace and needs aws-marketplace:Subscribe, "
    "Unsubscribe and ViewSubscriptions (in iam-policy.json; allow up to 15 minutes after the "
    "first call), and Anthropic models need the one-time use-case form (Bedrock console, or "
    "`aws bedrock put-use-case-for-model-access`)"
)


def _profile_fix(model_id: str | None, region: str | None) -> str:
    """Name the profiles that carry a model from the caller's region, never a fixed ``us.``."""
    data = catalog.load()
    if region is None:
        prefixes = [p + "." for p in catalog.GEOGRAPHY_PREFIXES]
        return (
            "call it through an inference profile that contains the model: a system-defined one "
            f"(its ID is the model ID after a prefix such as {', '.join(prefixes)}), or an "
            "application profile copied from one (see 01_create_profiles)."
        )
    shown = model_id or "MODEL_ID"
    offered = [i for i in data.callable_ids(shown, region) if i != shown]
    if not offered:
        offered = [f"{p}.{shown}" for p in data.prefixes_in(region)]
    listed = " or ".join(offered) if offered else "none known to the workshop"
    return (
        f"call it through an inference profile that contains the model; from {region}: "
        f"{listed} (check with `aws bedrock list-inference-profiles --region {region}`), or an "
        "application profile copied from one (see 01_create_profiles)."
    )


def _end_of_life_fix(model_id: str | None, region: str | None) -> str:
    data = catalog.load()
    alternative = None
    if model_id and region:
        bare = split_profile_id(model_id)[1]
        if bare in data.models:
            alternative = data.current_alternative(bare, region, catalog.today_utc())
    named = f"for example {alternative}" if alternative else "one listed as ACTIVE"
    return (
        f"the model is retired in this region: move to a current model, {named} "
        "(`aws bedrock list-foundation-models` shows each model's modelLifecycle). A profile's "
        "model never changes: change copy_from in config.json, run 01_create_profiles with a "
        "new profile name, and delete the old profile (99_cleanup). 00_setup checks every "
        "configured model."
    )


def explain(
    error: Exception, doing: str, *, region: str | None = None, model: str | None = None
) -> WorkshopError:
    """A WorkshopError for a botocore error raised while ``doing`` something.

    ``region`` and ``model`` (the model or profile ID called, if any) make fixes specific.
    """
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        ReadTimeoutError,
    )

    if isinstance(error, (EndpointConnectionError, ConnectionClosedError)):
        url = getattr(error, "kwargs", {}).get("endpoint_url", "the endpoint")
        if "127.0.0.1" in url or "localhost" in url:
            return StandinError(
                f"Could not {doing}: the offline stand-in at {url} is not answering (it was "
                "stopped, or the machine restarted).",
                "run the notebook's setup cell again (it starts the stand-in), or start it "
                "yourself with `make standin`. Profiles made before it stopped are gone; "
                "re-run 01_create_profiles.",
            )
        return WorkshopError(
            f"Could not {doing}: no connection to {url}.",
            "check the network and the region in config.json.",
        )
    if isinstance(error, ReadTimeoutError):
        return WorkshopError(f"Could not {doing}: the request timed out.", "try again.")
    if isinstance(error, NoCredentialsError):
        return WorkshopError(f"Could not {doing}: no AWS credentials were found.", CREDENTIALS_FIX)
    if isinstance(error, NoRegionError):
        return ConfigError(
            f"Could not {doing}: no AWS region is set.",
            'set "region" in config.json (for example "us-east-1").',
        )
    if not isinstance(error, ClientError):
        return WorkshopError(f"Could not {doing}: {error}")

    info = error.response.get("Error", {})
    code = info.get("Code", "Unknown")
    message = info.get("Message", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    operation = error.operation_name
    problem = f"Could not {doing}: AWS answered {code}: {message}"
    fix: str | None = None
    if code in ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation"):
        action = iam_action(service_of(operation), operation)
        fix = (
            f"allow the IAM action {action} for your role or user (iam-policy.json in "
            "this repository lists every action the workshop needs)"
        )
        if operation in ("Converse", "ConverseStream", "InvokeModel"):
            fix += "; for model calls: " + MODEL_ACCESS_ADVICE
        fix += "."
    elif code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
        problem = f"Could not {doing}: your AWS credentials have expired."
        fix = "refresh them (`aws sso login`, or a new session token), then run the cell again."
    elif code in ("UnrecognizedClientException", "InvalidClientTokenId", "SignatureDoesNotMatch"):
        problem = f"Could not {doing}: AWS does not recognise these credentials ({code})."
        fix = CREDENTIALS_FIX
    elif "on-demand throughput" in message:
        named = re.search(r"model ID (\S+)", message)
        fix = _profile_fix(named[1] if named else model, region)
    elif "reached the end of its life" in message:
        fix = _end_of_life_fix(model, region)
    elif message.startswith("The provided model identifier is invalid"):
        where = region or "REGION"
        fix = (
            f"check the model ID and that the model is offered in {where} "
            f"(`aws bedrock list-foundation-models --region {where}` and "
            f'`aws bedrock list-inference-profiles --region {where}`); change "region" or '
            '"copy_from" in config.json.'
        )
    elif limit := re.search(r"is not between 1 and (\d+)|\d+ > (\d+), which is the max", message):
        fix = f"ask for at most {limit[1] or limit[2]} output tokens (max_tokens) from this model."
    elif message.startswith("Malformed input request"):
        fix = (
            "the request body is not in the model family's format: build it with "
            "invoke.invoke_body(invoke.family_of(profile.model_id), prompt)."
        )
    elif code in ("ThrottlingException", "TooManyRequestsException", "Throttling"):
        fix = "wait a little and retry, or lower the concurrency."
    elif code == "ResourceNotFoundException" and model and region and split_profile_id(model)[0]:
        fix = f"{model} cannot be called from {region}; " + _profile_fix(
            split_profile_id(model)[1], region
        ).replace("call it through", "call the model through", 1)
    elif code == "ResourceNotFoundException":
        fix = "check the name, ID or ARN; profiles.inventory() lists what exists."
    elif code == "ConflictException":
        fix = "a profile with this name exists already; reuse it or choose another name."
    if fix is None:
        fix = (
            "AWS's message above names what to change; README > Troubleshooting lists the "
            "common cases."
        )
    return AwsError(problem, fix, code, status, operation)


WORKSHOP_SERVICES = (
    "bedrock",
    "bedrock-runtime",
    "cloudwatch",
    "ce",
    "resourcegroupstaggingapi",
    "budgets",
    "athena",
    "glue",
    "s3",
    "sts",
)


@cache
def service_of(operation: str) -> str:
    """Which of the workshop's services an operation belongs to (bedrock wins ties)."""
    import botocore.session

    session = botocore.session.get_session()
    for service in WORKSHOP_SERVICES:
        if operation in session.get_service_model(service).operation_names:
            return service
    return "unknown"


@contextmanager
def explained(doing: str, *, region: str | None = None, model: str | None = None) -> Iterator[None]:
    """Turn botocore errors inside the block into WorkshopErrors that say what to do."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise explain(exc, doing, region=region, model=model) from exc
