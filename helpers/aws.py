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

import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from .config import PROJECT_ROOT, WorkshopConfig
from .errors import (  # noqa: F401 - ACCOUNT_ID and mask_account_ids re-exported
    ACCOUNT_ID,
    StandinError,
    WorkshopError,
    explained,
    mask_account_ids,
    port_fix,
)
from .offline.loopback import SERVICE_NAME, is_loopback

if TYPE_CHECKING:
    import pandas as pd

OFFLINE_CREDENTIALS = {"aws_access_key_id": "offline", "aws_secret_access_key": "offline"}
START_TIMEOUT_SECONDS = 30
# Long enough for a busy stand-in; a program that never answers is named after it.
HEALTH_TIMEOUT_SECONDS = 5.0


def masked(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table with account IDs masked in its text columns, for showing."""
    from pandas.api.types import is_object_dtype, is_string_dtype

    out = frame.copy()
    for column in out.columns:
        if is_object_dtype(out[column]) or is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: mask_account_ids(v) if isinstance(v, str) else v
            )
    return out


def _not_the_standin(endpoint: str, answered: str) -> StandinError:
    """Something other than the stand-in holds the port: say which port, what it did, the fix."""
    parsed = urlparse(endpoint)
    where = f"Port {parsed.port}" if parsed.port else f"{endpoint}"
    return StandinError(
        f"{where} is taken by another program, not the workshop's stand-in: it {answered}.",
        port_fix(endpoint),
    )


def _health(endpoint: str, timeout: float | None = None) -> dict[str, Any] | None:
    """The stand-in's identity, None if nothing listens; raises if something else does.

    Whatever holds the port may close the connection, send bytes that are not HTTP, answer
    HTML or JSON of another shape, or never answer: each is "another program", never a
    traceback from http.client.
    """
    timeout = timeout or HEALTH_TIMEOUT_SECONDS
    try:
        with urllib.request.urlopen(endpoint + "/_standin/health", timeout=timeout) as response:
            body = response.read(64 * 1024)
    except urllib.error.HTTPError as exc:
        raise _not_the_standin(endpoint, f"answers HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (ConnectionRefusedError, FileNotFoundError)) or (
            "refused" in str(reason).lower()
        ):
            return None
        if isinstance(reason, TimeoutError):
            raise _silent(endpoint, timeout) from None
        raise _not_the_standin(endpoint, f"failed the connection ({reason})") from None
    except ConnectionRefusedError:
        return None
    except TimeoutError:
        raise _silent(endpoint, timeout) from None
    except http.client.RemoteDisconnected:
        raise _not_the_standin(endpoint, "closed the connection without an HTTP answer") from None
    except (http.client.HTTPException, ConnectionError, OSError) as exc:
        shown = type(exc).__name__ + (f": {str(exc)[:60]}" if str(exc) else "")
        raise _not_the_standin(endpoint, f"does not speak HTTP ({shown})") from None
    try:
        identity = json.loads(body)
    except ValueError:
        start = body[:40].decode("utf-8", errors="replace").strip()
        raise _not_the_standin(endpoint, f"answered something else ({start!r}...)") from None
    if not isinstance(identity, dict):
        raise _not_the_standin(
            endpoint, f"answered a JSON {type(identity).__name__}, not the stand-in's identity"
        ) from None
    if identity.get("service") != SERVICE_NAME:
        raise _not_the_standin(endpoint, "answered JSON without the stand-in's identity")
    return identity


def _silent(endpoint: str, timeout: float) -> StandinError:
    return _not_the_standin(
        endpoint, f"accepted the connection but did not answer in {timeout:g} s"
    )


def _standin_environment() -> dict[str, str]:
    """The stand-in's environment: this one without the AWS profile and config files.

    The stand-in needs no account; a typo in AWS_PROFILE or a broken ~/.aws/config would
    otherwise stop botocore inside it from parsing any request.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")}
    env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    return env


def standin_log(port: int) -> Path:
    return Path(tempfile.gettempdir()) / f"bedrock-workshop-standin-{port}.log"


def ensure_standin(port: int, stream_delay_ms: float = 0.0) -> str:
    """The endpoint of a stand-in on 127.0.0.1:port, started in the background if needed."""
    endpoint = f"http://127.0.0.1:{port}"
    if _health(endpoint) is not None:
        return endpoint
    log = standin_log(port)
    with open(log, "ab") as sink:
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "helpers.offline",
                "serve",
                "--port",
                str(port),
                "--stream-delay-ms",
                str(stream_delay_ms),
            ],
            cwd=PROJECT_ROOT,
            env=_standin_environment(),
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # outlives the kernel that started it
        )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if _health(endpoint) is not None:
            return endpoint
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
    raise StandinError(
        f"The offline stand-in did not start on port {port} within {START_TIMEOUT_SECONDS} s. "
        f"Its log ({log}) ends with:\n{tail}",
        "run `make standin` in a terminal to see the problem, or choose another port in "
        "config.json.",
    )


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

    @cached_property
    def account(self) -> str:
        """The account ID (the stand-in's example account offline)."""
        with explained("identify the AWS account (sts:GetCallerIdentity)"):
            return self.client("sts").get_caller_identity()["Account"]

    def describe(self) -> str:
        """Where this connection goes, in one line, account ID masked."""
        if self.offline:
            return (
                f"offline: the local stand-in at {self.endpoint_url}, region {self.region} "
                "(simulated models, no AWS account)"
            )
        return (
            f"aws: account {mask_account_ids(self.account)}, region {self.region}, "
            f"credentials from {self.session.get_credentials().method}"
        )

    def today(self) -> date:
        """Today (UTC) as Bedrock sees it: offline, the stand-in's date, which tests may pin."""
        if self.offline:
            pinned = self.control("GET", "/_standin/state").get("settings", {}).get("today")
            if pinned:
                return date.fromisoformat(pinned)
        return datetime.now(timezone.utc).date()

    def control(self, method: str, path: str, body: dict | None = None) -> dict[str, Any]:
        """Call the stand-in's control API (offline only): backfill, faults, state."""
        if not self.offline:
            raise WorkshopError(
                "The stand-in's control API exists offline only.",
                'set "mode": "offline" in config.json to use it.',
            )
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.endpoint_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise WorkshopError(
                f"The stand-in refused {method} {path}: {exc.read().decode(errors='replace')}"
            ) from None
        except urllib.error.URLError as exc:
            raise StandinError(
                f"The stand-in at {self.endpoint_url} is not answering ({exc.reason}).",
                "run the setup cell again, or `make standin`.",
            ) from None
        except (http.client.HTTPException, OSError, ValueError):
            # the stand-in stopped and another program took its port, or the answer broke off
            _health(self.endpoint_url)  # names the other program, if one holds the port
            raise StandinError(
                f"The stand-in at {self.endpoint_url} broke off its answer to {method} {path}.",
                "run the setup cell again (it restarts the stand-in), or `make standin`.",
            ) from None
        if not isinstance(answer, dict):
            _health(self.endpoint_url)
            raise StandinError(
                f"{self.endpoint_url} answered {method} {path} with a JSON "
                f"{type(answer).__name__}, not the stand-in's answer.",
                port_fix(self.endpoint_url),
            )
        return answer


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
            "not installed (optional): the notebooks show each AWS CLI command; to run them, "
            "install AWS CLI v2 2.18.17 or newer",
        )
    try:
        done = run([found, "--version"], capture_output=True, text=True, timeout=30)
        printed = (done.stdout or "") + (done.stderr or "")
    except (OSError, subprocess.SubprocessError) as exc:
        return "warn", f"{found} did not run ({exc}); reinstall the AWS CLI v2"
    match = _CLI_VERSION.search(printed)
    if not match:
        return "warn", f"{found} printed no version ({printed.strip()[:80]!r})"
    version = tuple(int(part) for part in match.groups())
    minimum = AWS_CLI_MINIMUM.get(version[0])
    shown = ".".join(map(str, version))
    if minimum is None or version < minimum:
        need = ".".join(map(str, AWS_CLI_MINIMUM[2]))
        return (
            "warn",
            f"AWS CLI {shown} at {found} is too old for `aws bedrock create-inference-profile`: "
            f"install AWS CLI v2 {need} or newer",
        )
    return "yes", f"AWS CLI {shown} at {found}"


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


def new_session(*, offline: bool = False, **kwargs: Any) -> Any:
    """A boto3 session whose clients read timestamps as UTC (see ``utc_timestamp``).

    Offline, the session ignores AWS_PROFILE and the AWS config files: the stand-in needs no
    account, so a profile typo or a broken ~/.aws/config must not stop it.
    """
    import boto3

    if offline:
        import botocore.session

        ignored = (None, None, os.devnull, None)  # (config key, env var, default, conversion)
        core = botocore.session.Session(
            session_vars={
                "profile": (None, None, None, None),
                "config_file": ignored,
                "credentials_file": ignored,
            }
        )
        kwargs["botocore_session"] = core
    session = boto3.Session(**kwargs)
    parsers = session._session.get_component("response_parser_factory")
    parsers.set_parser_defaults(timestamp_parser=utc_timestamp)
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
                    f"WORKSHOP_ENDPOINT_URL={endpoint} is not on this machine; offline mode "
                    "talks to the stand-in on loopback only.",
                    "unset WORKSHOP_ENDPOINT_URL, or point it at http://127.0.0.1:PORT.",
                )
            try:
                port = urlparse(endpoint).port
            except ValueError:
                raise StandinError(
                    f"WORKSHOP_ENDPOINT_URL={endpoint} has no valid port.",
                    "point it at http://127.0.0.1:PORT with a port from 1 to 65535, or unset it.",
                ) from None
            if port is None or _health(endpoint.rstrip("/")) is None:
                raise StandinError(
                    f"No stand-in answers at WORKSHOP_ENDPOINT_URL={endpoint}.",
                    "start one there, or unset the variable.",
                )
            endpoint = endpoint.rstrip("/")
        else:
            endpoint = ensure_standin(cfg.offline.port, cfg.offline.stream_delay_ms)
        session = new_session(offline=True, region_name=cfg.region, **OFFLINE_CREDENTIALS)
        return Connection(mode="offline", region=cfg.region, session=session, endpoint_url=endpoint)
    if headless() and os.environ.get("WORKSHOP_ALLOW_AWS") != "1":
        raise WorkshopError(
            "aws mode in a headless run (CI, papermill, make run): refused, because it makes "
            "real, billed calls.",
            'set WORKSHOP_ALLOW_AWS=1 to allow it on purpose, or set "mode": "offline".',
        )
    # A profile typo, a broken ~/.aws/config or half a key pair fails here, in botocore.
    with explained("find your AWS credentials (environment, AWS_PROFILE, ~/.aws)"):
        session = new_session(region_name=cfg.region)
        credentials = session.get_credentials()
    if credentials is None:
        from .errors import CREDENTIALS_FIX

        raise WorkshopError("aws mode: no AWS credentials were found.", CREDENTIALS_FIX)
    return Connection(mode="aws", region=cfg.region, session=session)
