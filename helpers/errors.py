"""Errors a person can act on: what went wrong and how to fix it, without a traceback.

Jupyter shows a ``WorkshopError`` as its message alone (IPython calls ``_render_traceback_``),
so a notebook never ends in a raw traceback from deep inside boto3 or pandas. ``explained``
turns botocore's errors into WorkshopErrors with a remedy.
"""

from __future__ import annotations

import difflib
import http.client
import os
import re
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from functools import cache
from urllib.parse import urlparse

from . import catalog
from .catalog import split_profile_id
from .i18n import N_, _
from .masking import mask_account_ids


class WorkshopError(Exception):
    """A problem with a message that says what is wrong and what to do.

    Account IDs in the message are masked: messages quote ARNs and AWS's own error text, and
    end up in screenshots and shared notebooks.
    """

    def __init__(self, problem: str, fix: str | None = None) -> None:
        problem = mask_account_ids(str(problem))
        fix = mask_account_ids(str(fix)) if fix is not None else None
        self.problem = problem
        self.fix = fix
        super().__init__(problem if not fix else problem + "\n" + _("Fix: {fix}").format(fix=fix))

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
CREDENTIALS_FIX = N_(
    "configure credentials for the account (`aws configure`, `aws sso login "
    "--profile NAME` then `export AWS_PROFILE=NAME`, or environment variables), "
    'or run offline: set "mode": "offline" in config.json'
)


S3_ACTIONS = {
    "ListObjectsV2": "s3:ListBucket",
    "HeadObject": "s3:GetObject",
    "GetObject": "s3:GetObject",
    "PutObject": "s3:PutObject",
    "DeleteObject": "s3:DeleteObject",
}


def iam_action(service: str, operation: str) -> str:
    """The IAM action that authorises an operation."""
    if service == "s3" and operation in S3_ACTIONS:
        return S3_ACTIONS[operation]
    return IAM_ACTIONS.get(operation) or f"{IAM_PREFIX.get(service, service)}:{operation}"


MODEL_ACCESS_ADVICE = N_(
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
        return _(
            "call it through an inference profile that contains the model: a "
            "system-defined one (its ID is the model ID after a prefix such as "
            "{prefixes}), or an application profile copied from one (see "
            "01_create_profiles)."
        ).format(prefixes=", ".join(prefixes))
    shown = model_id or "MODEL_ID"
    offered = [i for i in data.callable_ids(shown, region) if i != shown]
    if not offered:
        offered = [f"{p}.{shown}" for p in data.prefixes_in(region)]
    listed = _(" or ").join(offered) if offered else _("none known to the workshop")
    return _(
        "call it through an inference profile that contains the model; from {region}: "
        "{listed} (check with `aws bedrock list-inference-profiles --region {region}`), or "
        "an application profile copied from one (see 01_create_profiles)."
    ).format(region=region, listed=listed)


def _end_of_life_fix(model_id: str | None, region: str | None) -> str:
    from . import dates  # here: dates imports this module

    data = catalog.load()
    alternative = None
    if model_id and region:
        bare = split_profile_id(model_id)[1]
        if bare in data.models:
            alternative = data.current_alternative(bare, region, dates.utc_today())
    named = (
        _("for example {alternative}").format(alternative=alternative)
        if alternative
        else _("one listed as ACTIVE")
    )
    return _(
        "the model is retired in this region: move to a current model, {named} (`aws "
        "bedrock list-foundation-models` shows each model's modelLifecycle). A profile's "
        "model never changes: change copy_from in config.json, run 01_create_profiles with "
        "a new profile name, and delete the old profile (99_cleanup). 00_setup checks "
        "every configured model."
    ).format(named=named)


STANDIN_STOPPED_FIX = N_(
    "run the notebook's setup cell again (it starts the stand-in), or start it yourself with "
    "`make standin`. Profiles made before it stopped are gone; re-run 01_create_profiles."
)
# Exceptions from the network below botocore: urllib3's, http.client's and the socket's.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    http.client.HTTPException,
    ConnectionError,
    TimeoutError,
)


def network_errors() -> tuple[type[BaseException], ...]:
    """What a failing connection raises, botocore's wrappers and the layers below them."""
    from botocore.eventstream import ParserError as EventStreamError
    from urllib3.exceptions import HTTPError as Urllib3Error

    return (*NETWORK_ERRORS, Urllib3Error, EventStreamError)


def _origin(url: str) -> str:
    """scheme://host:port of a URL (the request path, with its quoted ARN, is noise here)."""
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.netloc}" if parsed.scheme and parsed.netloc else url


def _on_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    return host in ("127.0.0.1", "::1", "localhost")


def _explain_local(
    error: Exception, doing: str, *, received: str | None, endpoint: str | None
) -> WorkshopError:
    """botocore's own errors (no AWS answer): credentials, configuration, the network."""
    from botocore import exceptions as bx

    kwargs = getattr(error, "kwargs", {}) or {}
    url = _origin(kwargs.get("endpoint_url") or endpoint or "the endpoint")
    so_far = (
        _(" Received before it broke: {received}.").format(received=received) if received else ""
    )

    from botocore.eventstream import ParserError as EventStreamError

    if isinstance(error, EventStreamError):  # an HTML page or other bytes, not an event stream
        arrived = _("other bytes ({short})").format(short=_short(error))
        return unreadable_answer(
            doing,
            _("an event stream"),
            endpoint=endpoint or kwargs.get("endpoint_url"),
            received=arrived + (f"; before them: {received}" if received else ""),
        )
    credentials = _explain_credentials(error, doing)
    if credentials is not None:
        return credentials
    if isinstance(error, bx.NoRegionError):
        return ConfigError(
            _("Could not {doing}: no AWS region is set.").format(doing=doing),
            _('set "region" in config.json (for example "us-east-1").'),
        )
    if isinstance(error, (bx.EndpointConnectionError, bx.ConnectTimeoutError)):
        if _on_loopback(url):
            return StandinError(
                _(
                    "Could not {doing}: the offline stand-in at {url} is not answering (it was "
                    "stopped, or the machine restarted)."
                ).format(doing=doing, url=url),
                _(STANDIN_STOPPED_FIX),
            )
        return WorkshopError(
            _("Could not {doing}: no connection to {url}.").format(doing=doing, url=url),
            _(
                "check the network (and any proxy: HTTPS_PROXY) and the region in config.json, "
                "then run the cell again."
            ),
        )
    from urllib3.exceptions import ReadTimeoutError as Urllib3ReadTimeout

    # botocore's, or urllib3's / the socket's while a stream is read
    if isinstance(error, (bx.ReadTimeoutError, Urllib3ReadTimeout, TimeoutError)):
        return WorkshopError(
            _(
                "Could not {doing}: {url} accepted the request but sent no answer in time "
                "(read timeout).{so_far}"
            ).format(doing=doing, url=url, so_far=so_far),
            _(
                "run the cell again; for long answers lower max_tokens, or use "
                "invoke.stream(), which sends the text as it is written."
            ),
        )
    cut = (bx.ConnectionClosedError, bx.ResponseStreamingError, bx.IncompleteReadError)
    if isinstance(error, (*cut, *network_errors())):
        detail = str(error).strip() or type(error).__name__
        if len(detail) > 160:
            detail = detail[:157] + "..."
        broke_off = _(
            "the connection broke off before the answer was complete ({name}: {detail}).{so_far}"
        ).format(name=type(error).__name__, detail=detail, so_far=so_far)
        if _on_loopback(url):
            return StandinError(
                _(
                    "Could not {doing}: the offline stand-in at {url} is not answering: "
                    "{broke_off} It was stopped, or another program holds its port."
                ).format(doing=doing, url=url, broke_off=broke_off),
                _(STANDIN_STOPPED_FIX),
            )
        problem = _("Could not {doing}: {url}: {broke_off}").format(
            doing=doing, url=url, broke_off=broke_off
        )
        return WorkshopError(
            problem,
            _("run the cell again; if it recurs, check the network and any proxy (HTTPS_PROXY)."),
        )
    return WorkshopError(
        _("Could not {doing}: {error}").format(doing=doing, error=error),
        _("README > Troubleshooting lists the common cases; the message above names the cause."),
    )


def port_fix(endpoint: str | None) -> str:
    """How to free the stand-in's address from another program: config.json, or the variable."""
    variable = os.environ.get("WORKSHOP_ENDPOINT_URL", "").strip()
    if variable and endpoint and _origin(variable.rstrip("/")) == _origin(endpoint):
        # the variable overrides "offline": {"port": ...}, so changing config.json does nothing
        return _(
            "WORKSHOP_ENDPOINT_URL={variable} points there: point it at a running stand-in "
            "(`make standin` runs one on the port in config.json) or unset it, so the "
            "workshop starts its own on the port in config.json; or stop that program."
        ).format(variable=variable)
    return _('change "offline": {"port": ...} in config.json to a free port, or stop that program.')


def _answer_error(problem: str, endpoint: str | None) -> WorkshopError:
    """An unreadable HTTP 200: offline, another program may hold the port; on AWS, a proxy."""
    if endpoint and _on_loopback(endpoint):
        return StandinError(
            problem
            + _(" {endpoint} may not be the workshop's stand-in.").format(endpoint=endpoint),
            _("run the setup cell again; if another program holds the port: ") + port_fix(endpoint),
        )
    return WorkshopError(
        problem,
        _(
            "run the cell again; if it recurs, something between you and AWS (a proxy, "
            "AWS_ENDPOINT_URL) is changing the answers: check HTTPS_PROXY and AWS_ENDPOINT_URL."
        ),
    )


def _unusable_answer(
    doing: str, what: str, endpoint: str | None, received: str | None
) -> WorkshopError:
    so_far = _(" Received: {received}.").format(received=received) if received else ""
    problem = _(
        "Could not {doing}: the answer came back (HTTP 200) {what}, so it cannot be read."
    ).format(doing=doing, what=what)
    return _answer_error(problem + so_far, endpoint)


def incomplete_answer(
    doing: str, missing: str, *, endpoint: str | None = None, received: str | None = None
) -> WorkshopError:
    """An HTTP 200 whose body lacks what every answer carries (empty, or cut short)."""
    return _unusable_answer(
        doing,
        _("without {missing}: it is empty or cut short").format(missing=missing),
        endpoint,
        received,
    )


def unreadable_answer(
    doing: str, expected: str, *, endpoint: str | None = None, received: str | None = None
) -> WorkshopError:
    """An HTTP 200 whose body is not in the API's shape (HTML, a JSON list, text for a number)."""
    return _unusable_answer(
        doing, _("but is not {expected}").format(expected=expected), endpoint, received
    )


def _short(error: BaseException) -> str:
    detail = str(error).strip() or type(error).__name__
    detail = detail if len(detail) <= 120 else detail[:117] + "..."
    return f"{type(error).__name__}: {detail}"


def from_parser(error: BaseException) -> bool:
    """Whether botocore raised ``error`` while reading an answer (its parsers, its event stream).

    botocore reads a body of the wrong shape with plain Python errors ('list' object has no
    attribute 'get', int('a')), which say nothing about the answer.
    """
    from botocore.eventstream import ParserError

    if isinstance(error, ParserError):
        return True
    trace = error.__traceback__
    while trace is not None:
        name = trace.tb_frame.f_code.co_filename.replace("\\", "/")
        if name.endswith(("botocore/parsers.py", "botocore/eventstream.py")):
            return True
        trace = trace.tb_next
    return False


def _explain_credentials(error: Exception, doing: str) -> WorkshopError | None:
    """The credential chain's own errors (before any call reaches AWS), or None."""
    from botocore import exceptions as bx

    kwargs = getattr(error, "kwargs", {}) or {}
    if isinstance(error, bx.NoCredentialsError):
        return WorkshopError(
            _("Could not {doing}: no AWS credentials were found.").format(doing=doing),
            _(CREDENTIALS_FIX),
        )
    if isinstance(error, bx.ProfileNotFound):
        name = kwargs.get("profile", "?")
        known = _known_profiles()
        close = difflib.get_close_matches(name, known, n=1)
        listed = ", ".join(known) if known else _("none")
        hint = _(" (did you mean '{close}'?)").format(close=close[0]) if close else ""
        return WorkshopError(
            _(
                "Could not {doing}: the AWS profile '{name}' (from AWS_PROFILE) is not in your "
                "AWS config files{hint}. Profiles there: {listed}."
            ).format(doing=doing, name=name, hint=hint, listed=listed),
            _(
                "export AWS_PROFILE={close} with a profile listed by `aws configure "
                "list-profiles`, or unset AWS_PROFILE; set up a new one with `aws configure "
                "--profile NAME` or `aws configure sso`."
            ).format(close=close[0] if close else "NAME"),
        )
    if isinstance(error, bx.ConfigParseError):
        path = kwargs.get("path", "~/.aws/config")
        return WorkshopError(
            _(
                "Could not {doing}: the AWS config file {path} is not readable as INI (a line "
                "outside a [section], a broken [section header], or a stray character)."
            ).format(doing=doing, path=path),
            _(
                "fix or remove the broken lines of {path} (each setting sits under [default] "
                "or [profile NAME] as key = value), or move the file aside and run `aws "
                "configure` again."
            ).format(path=path),
        )
    if isinstance(error, bx.PartialCredentialsError):
        provider = kwargs.get("provider", "?")
        missing = kwargs.get("cred_var", "?")
        where = {
            "env": _("environment variables"),
            "shared-credentials-file": _("~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE)"),
            "config-file": _("~/.aws/config (AWS_CONFIG_FILE)"),
        }.get(provider, provider)
        return WorkshopError(
            _(
                "Could not {doing}: the AWS credentials in {where} are incomplete: {missing} "
                "is missing."
            ).format(doing=doing, where=where, missing=missing),
            _(
                "set {missing} as well (`aws configure`), or remove the partial key so the "
                "next source in the chain (AWS_PROFILE, SSO) is used."
            ).format(missing=missing),
        )
    sso = tuple(
        getattr(bx, name)
        for name in ("SSOTokenLoadError", "UnauthorizedSSOTokenError", "TokenRetrievalError")
        if hasattr(bx, name)
    )
    if isinstance(error, sso):
        return WorkshopError(
            _(
                "Could not {doing}: your AWS SSO (IAM Identity Center) session has expired or "
                "was never started ({name})."
            ).format(doing=doing, name=type(error).__name__),
            _(
                "sign in again with `aws sso login --profile NAME` (the profile in "
                "AWS_PROFILE), then run the cell again."
            ),
        )
    if isinstance(error, (bx.CredentialRetrievalError, bx.InvalidConfigError)):
        return WorkshopError(
            _("Could not {doing}: the AWS credentials could not be loaded: {error}").format(
                doing=doing, error=error
            ),
            _(
                "fix the profile's settings in ~/.aws/config (credential_process, role_arn, "
                "source_profile), or choose another profile with AWS_PROFILE."
            ),
        )
    return None


def _known_profiles() -> list[str]:
    """The profile names in the AWS config files (without failing on a broken file)."""
    try:
        import botocore.session

        session = botocore.session.Session()
        session.set_config_variable("profile", None)
        return sorted(session.full_config.get("profiles", {}))
    except Exception:  # a broken config file: no names to offer
        return []


def explain(
    error: Exception,
    doing: str,
    *,
    region: str | None = None,
    model: str | None = None,
    received: str | None = None,
    endpoint: str | None = None,
) -> WorkshopError:
    """A WorkshopError for a botocore (or network) error raised while ``doing`` something.

    ``region`` and ``model`` (the model or profile ID called, if any) make fixes specific;
    ``received`` says what arrived before a network failure, ``endpoint`` where it went.
    """
    from botocore.exceptions import ClientError

    if not isinstance(error, ClientError):
        return _explain_local(error, doing, received=received, endpoint=endpoint)

    info = error.response.get("Error", {})
    code = info.get("Code", "Unknown")
    message = info.get("Message", "")
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    operation = error.operation_name
    problem = _("Could not {doing}: AWS answered {code}: {message}").format(
        doing=doing, code=code, message=message
    )
    fix: str | None = None
    if code in ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation"):
        action = iam_action(service_of(operation), operation)
        fix = _(
            "allow the IAM action {action} for your role or user (iam-policy.json in this "
            "repository lists every action the workshop needs)"
        ).format(action=action)
        if operation in ("Converse", "ConverseStream", "InvokeModel"):
            fix += _("; for model calls: ") + _(MODEL_ACCESS_ADVICE)
        fix += _(".")  # the full stop, as the language writes it
    elif code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
        problem = _("Could not {doing}: your AWS credentials have expired.").format(doing=doing)
        fix = _("refresh them (`aws sso login`, or a new session token), then run the cell again.")
    elif code in ("UnrecognizedClientException", "InvalidClientTokenId", "SignatureDoesNotMatch"):
        problem = _("Could not {doing}: AWS does not recognise these credentials ({code}).").format(
            doing=doing, code=code
        )
        fix = _(CREDENTIALS_FIX)
    elif "on-demand throughput" in message:
        named = re.search(r"model ID (\S+)", message)
        fix = _profile_fix(named[1] if named else model, region)
    elif "reached the end of its life" in message:
        fix = _end_of_life_fix(model, region)
    elif message.startswith("The provided model identifier is invalid"):
        where = region or "REGION"
        fix = _(
            "check the model ID and that the model is offered in {where} (`aws bedrock "
            "list-foundation-models --region {where}` and `aws bedrock "
            'list-inference-profiles --region {where}`); change "region" or "copy_from" in '
            "config.json."
        ).format(where=where)
    elif limit := re.search(r"is not between 1 and (\d+)|\d+ > (\d+), which is the max", message):
        fix = _("ask for at most {limit} output tokens (max_tokens) from this model.").format(
            limit=limit[1] or limit[2]
        )
    elif message.startswith("Malformed input request"):
        fix = _(
            "the request body is not in the model family's format: build it with "
            "invoke.invoke_body(invoke.family_of(profile.model_id), prompt)."
        )
    elif code in ("ThrottlingException", "TooManyRequestsException", "Throttling"):
        fix = _("wait a little and retry, or lower the concurrency.")
    elif code == "ResourceNotFoundException" and model and region and split_profile_id(model)[0]:
        fix = _("{model} cannot be called from {region}; ").format(
            model=model, region=region
        ) + _profile_fix(split_profile_id(model)[1], region).replace(
            "call it through", "call the model through", 1
        )
    elif code == "ResourceNotFoundException":
        fix = _("check the name, ID or ARN; profiles.inventory() lists what exists.")
    elif code == "ConflictException":
        fix = _("a profile with this name exists already; reuse it or choose another name.")
    if fix is None:
        fix = _(
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
    "sns",
    "sts",
    "iam",
    "logs",
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


class Tolerated:
    """What ``explained(..., tolerate=...)`` let pass: the AWS error code, or None if none."""

    def __init__(self) -> None:
        self.code: str | None = None
        self.message = ""

    def __bool__(self) -> bool:
        return self.code is not None


# An error ``explained`` may let pass: one of these codes, or a test of (code, message).
Tolerance = Collection[str] | Callable[[str, str], bool]


def _tolerates(tolerate: Tolerance, code: str, message: str) -> bool:
    if callable(tolerate):
        return bool(tolerate(code, message))
    if isinstance(tolerate, str):  # one code, not its letters
        return code == tolerate
    return code in tolerate


@contextmanager
def explained(
    doing: str,
    *,
    tolerate: Tolerance = (),
    region: str | None = None,
    model: str | None = None,
    endpoint: str | None = None,
) -> Iterator[Tolerated]:
    """Turn botocore errors inside the block into WorkshopErrors that say what to do.

    ``tolerate`` names AWS error codes that are an answer, not a failure (a resource already
    gone, a name already taken): the block stops there, nothing is raised, and the object
    yielded records the code, so the caller can go on, e.g.::

        with explained("read the topic's tags", tolerate=("NotFound",)) as gone:
            listed = sns.list_tags_for_resource(ResourceArn=arn)["Tags"]
        if gone:
            return None

    An answer botocore cannot read (a JSON list, text where a number belongs) is explained as
    such, not left as the ValueError or AttributeError botocore's parser raises.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    outcome = Tolerated()
    try:
        yield outcome
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code, message = error.get("Code", ""), error.get("Message", "")
        if _tolerates(tolerate, code, message):
            outcome.code, outcome.message = code, message
            return
        raise explain(exc, doing, region=region, model=model, endpoint=endpoint) from exc
    except (BotoCoreError, *network_errors()) as exc:
        raise explain(exc, doing, region=region, model=model, endpoint=endpoint) from exc
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        if not from_parser(exc):
            raise
        raise unreadable_answer(
            doing,
            _("JSON in the shape of AWS's answer"),
            endpoint=endpoint,
            received=_short(exc),
        ) from exc
