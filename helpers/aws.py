"""One call that connects the notebooks to AWS or to the offline stand-in.

    conn = aws.connect(cfg)        # cfg from config.load()
    conn.bedrock.list_inference_profiles(typeEquals="APPLICATION")
    print(conn.describe())         # offline stand-in at http://127.0.0.1:4599, us-east-1

Offline, the clients talk to the stand-in on loopback with dummy credentials; an already
running stand-in on the configured port is reused, otherwise one is started in the background
and outlives the kernel, so profiles made in one notebook are there in the next. In ``aws``
mode, the standard credential chain and adaptive retries apply. The code that uses the clients
is the same in both modes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cache, cached_property
from typing import Any
from urllib.parse import urlparse

from . import dates
from .config import WorkshopConfig
from .errors import StandinError, WorkshopError, explained
from .i18n import _
from .masking import mask_account_ids
from .offline import launcher
from .offline.loopback import is_loopback

OFFLINE_CREDENTIALS = {"aws_access_key_id": "offline", "aws_secret_access_key": "offline"}


@dataclass
class Connection:
    """Clients for the workshop's services, in offline or aws mode."""

    mode: str
    region: str
    session: Any  # boto3.Session
    endpoint_url: str | None = None  # the stand-in's, offline; None on AWS
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, service: str, **config: Any) -> Any:
        """A boto3 client for ``service`` (cached unless ``config`` asks for other settings)."""
        from botocore.config import Config

        key = service + json.dumps(config, sort_keys=True)
        if key not in self._clients:
            retries = config.pop("retries", None) or (
                {"mode": "adaptive", "max_attempts": 8}
                if self.mode == "aws"
                else {"mode": "standard", "total_max_attempts": 3}
            )
            settings = Config(
                retries=retries, user_agent_extra="bedrock-profiles-workshop", **config
            )
            region = "us-east-1" if service in ("ce", "budgets") else self.region
            self._clients[key] = self.session.client(
                service, region_name=region, endpoint_url=self.endpoint_url, config=settings
            )
        return self._clients[key]

    # The clients the notebooks use, named for what they are.
    bedrock = property(lambda self: self.client("bedrock"))
    runtime = property(lambda self: self.client("bedrock-runtime"))
    cloudwatch = property(lambda self: self.client("cloudwatch"))
    ce = property(lambda self: self.client("ce"))
    tagging = property(lambda self: self.client("resourcegroupstaggingapi"))
    budgets = property(lambda self: self.client("budgets"))

    @property
    def offline(self) -> bool:
        return self.mode == "offline"

    def signed_as(self, credentials: dict[str, Any]) -> Connection:
        """The same mode, region and endpoint, signing with other credentials: the
        ``Credentials`` of an STS answer (AssumeRole), so calls are made as that principal."""
        session = new_session(
            offline=self.offline,
            region_name=self.region,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials.get("SessionToken"),
        )
        return Connection(
            mode=self.mode, region=self.region, session=session, endpoint_url=self.endpoint_url
        )

    @cached_property
    def account(self) -> str:
        """The account ID (the stand-in's example account offline)."""
        with explained(_("identify the AWS account (sts:GetCallerIdentity)")):
            return self.client("sts").get_caller_identity()["Account"]

    def describe(self) -> str:
        """Where this connection goes, in one line, account ID masked."""
        if self.offline:
            return _(
                "offline: the local stand-in at {endpoint_url}, region {region} (simulated "
                "models, no AWS account)"
            ).format(endpoint_url=self.endpoint_url, region=self.region)
        return _("aws: account {account}, region {region}, credentials from {method}").format(
            account=mask_account_ids(self.account),
            region=self.region,
            method=self.session.get_credentials().method,
        )

    def today(self) -> date:
        """Today (UTC) as Bedrock sees it: offline, the stand-in's date, which tests may pin."""
        if self.offline:
            pinned = self.control("GET", "/_standin/state").get("settings", {}).get("today")
            if pinned:
                return date.fromisoformat(pinned)
        return dates.utc_today()

    def control(self, method: str, path: str, body: dict | None = None) -> dict[str, Any]:
        """Call the stand-in's control API (offline only): backfill, faults, state."""
        if not self.offline:
            raise WorkshopError(
                _("The stand-in's control API exists offline only."),
                _('set "mode": "offline" in config.json to use it.'),
            )
        if self.endpoint_url is None:  # a Connection built by hand, not by connect()
            raise StandinError(
                _("This offline connection has no stand-in address (its endpoint_url is None)."),
                _("connect with aws.connect(), which starts the stand-in and passes its address."),
            )
        return launcher.control(self.endpoint_url, method, path, body)


# The first AWS CLI releases with create-inference-profile (v2, and v1 on botocore 1.35.51).
AWS_CLI_MINIMUM = {2: (2, 18, 17), 1: (1, 35, 17)}
_CLI_VERSION = re.compile(r"aws-cli/(\d+)\.(\d+)\.(\d+)")


def aws_cli_check(run: Any = None, which: Any = None) -> tuple[str, str]:
    """(ready, detail) for the AWS CLI on PATH: optional, but too old a CLI lacks the commands.

    ready is "yes", "warn" (missing or too old: the notebooks print commands it cannot run) or
    never "NO": nothing in the workshop needs the CLI.
    """
    import shutil

    run = run or subprocess.run
    found = (which or shutil.which)("aws")
    if not found:
        return (
            "yes",
            _(
                "not installed (optional): the notebooks show each AWS CLI command; to run "
                "them, install AWS CLI v2 2.18.17 or newer"
            ),
        )
    try:
        done = run([found, "--version"], capture_output=True, text=True, timeout=30)
        printed = (done.stdout or "") + (done.stderr or "")
    except (OSError, subprocess.SubprocessError) as exc:
        return "warn", _("{found} did not run ({exc}); reinstall the AWS CLI v2").format(
            found=found, exc=exc
        )
    match = _CLI_VERSION.search(printed)
    if not match:
        return "warn", _("{found} printed no version ({strip!r})").format(
            found=found, strip=printed.strip()[:80]
        )
    version = tuple(int(part) for part in match.groups())
    minimum = AWS_CLI_MINIMUM.get(version[0])
    shown = ".".join(map(str, version))
    if minimum is None or version < minimum:
        need = ".".join(map(str, AWS_CLI_MINIMUM[2]))
        return (
            "warn",
            _(
                "AWS CLI {shown} at {found} is too old for `aws bedrock "
                "create-inference-profile`: install AWS CLI v2 {need} or newer"
            ).format(shown=shown, found=found, need=need),
        )
    return "yes", _("AWS CLI {shown} at {found}").format(shown=shown, found=found)


def utc_timestamp(value: Any) -> datetime:
    """Parse AWS timestamps as UTC datetimes.

    botocore's default converts every timestamp to the machine's local zone through dateutil,
    which dominates the time to read a large GetMetricData answer (tens of thousands of
    timestamps); the workshop works in UTC throughout.
    """
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    from botocore.utils import parse_timestamp

    parsed = parse_timestamp(value)
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


@cache
def _shared_loader() -> Any:
    """One botocore data loader for every session of this process.

    Each new session would otherwise parse the service models (JSON, hundreds of kB for Cost
    Explorer and CloudWatch) again; the loader only reads files, so sharing it is safe.
    """
    import botocore.loaders

    return botocore.loaders.create_loader()


def _botocore_session(offline: bool) -> Any:
    """The botocore session under a workshop boto3 session: its clients read timestamps as UTC.

    Made here rather than reached through ``boto3.Session._session``: the response parser
    factory is a component of the botocore session, set through its public interface.
    """
    import botocore.session

    session_vars = None
    if offline:
        ignored = (None, None, os.devnull, None)  # (config key, env var, default, conversion)
        session_vars = {
            "profile": (None, None, None, None),
            "config_file": ignored,
            "credentials_file": ignored,
        }
    core = botocore.session.Session(session_vars=session_vars)
    core.register_component("data_loader", _shared_loader())
    parsers = core.get_component("response_parser_factory")
    parsers.set_parser_defaults(timestamp_parser=utc_timestamp)
    return core


def new_session(*, offline: bool = False, **kwargs: Any) -> Any:
    """A boto3 session whose clients read timestamps as UTC (see ``utc_timestamp``).

    Offline, the session ignores AWS_PROFILE and the AWS config files: the stand-in needs no
    account, so a profile typo or a broken ~/.aws/config must not stop it.
    """
    import boto3

    session = boto3.Session(botocore_session=_botocore_session(offline), **kwargs)
    return session


def headless() -> bool:
    """A run nobody watches: CI (``CI`` set), or the workshop's own papermill runs."""
    return bool(os.environ.get("CI")) or os.environ.get("WORKSHOP_HEADLESS") == "1"


def connect(cfg: WorkshopConfig) -> Connection:
    """Clients for the configured mode: the offline stand-in (default) or a real account."""
    if cfg.mode == "offline":
        endpoint = os.environ.get("WORKSHOP_ENDPOINT_URL")
        if endpoint:
            host = urlparse(endpoint).hostname or ""
            if not is_loopback(host):
                raise StandinError(
                    _(
                        "WORKSHOP_ENDPOINT_URL={endpoint} is not on this machine; offline mode "
                        "talks to the stand-in on loopback only."
                    ).format(endpoint=endpoint),
                    _("unset WORKSHOP_ENDPOINT_URL, or point it at http://127.0.0.1:PORT."),
                )
            try:
                port = urlparse(endpoint).port
            except ValueError:
                raise StandinError(
                    _("WORKSHOP_ENDPOINT_URL={endpoint} has no valid port.").format(
                        endpoint=endpoint
                    ),
                    _(
                        "point it at http://127.0.0.1:PORT with a port from 1 to 65535, or "
                        "unset it."
                    ),
                ) from None
            if port is None or launcher.health(endpoint.rstrip("/")) is None:
                raise StandinError(
                    _("No stand-in answers at WORKSHOP_ENDPOINT_URL={endpoint}.").format(
                        endpoint=endpoint
                    ),
                    _("start one there, or unset the variable."),
                )
            endpoint = endpoint.rstrip("/")
        else:
            endpoint = launcher.ensure_standin(cfg.offline.port, cfg.offline.stream_delay_ms)
        session = new_session(offline=True, region_name=cfg.region, **OFFLINE_CREDENTIALS)
        return Connection(mode="offline", region=cfg.region, session=session, endpoint_url=endpoint)
    if headless() and os.environ.get("WORKSHOP_ALLOW_AWS") != "1":
        raise WorkshopError(
            _(
                "aws mode in a headless run (CI, papermill, make run): refused, because it "
                "makes real, billed calls."
            ),
            _('set WORKSHOP_ALLOW_AWS=1 to allow it on purpose, or set "mode": "offline".'),
        )
    # A profile typo, a broken ~/.aws/config or half a key pair fails here, in botocore.
    with explained(_("find your AWS credentials (environment, AWS_PROFILE, ~/.aws)")):
        session = new_session(region_name=cfg.region)
        credentials = session.get_credentials()
    if credentials is None:
        from .errors import CREDENTIALS_FIX

        raise WorkshopError(_("aws mode: no AWS credentials were found."), _(CREDENTIALS_FIX))
    return Connection(mode="aws", region=cfg.region, session=session)
