"""Start the stand-in in the background, tell it from other programs, and call its control API.

    endpoint = launcher.ensure_standin(4599)                  # reused if already running
    launcher.control(endpoint, "POST", "/_standin/backfill", {"days": 30})

Only the standard library is imported here: the notebooks' ``aws.connect``, the command line
and the tests all start and steer the stand-in through this one module, without loading moto.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from helpers.config import PROJECT_ROOT
from helpers.errors import StandinError, WorkshopError, port_fix

from ..i18n import N_, _
from .loopback import SERVICE_NAME

START_TIMEOUT_SECONDS = 30
# Long enough for a busy stand-in; a program that never answers is named after it.
HEALTH_TIMEOUT_SECONDS = 5.0
# A backfill of many days or a CUR export can take a while on a busy machine.
CONTROL_TIMEOUT_SECONDS = 120.0
START_FIX = N_("run the setup cell again, or `make standin`.")


class ControlRefused(WorkshopError):
    """The stand-in refused a control call: its HTTP ``status`` and its ``reason`` (the body)."""

    def __init__(self, method: str, path: str, status: int, reason: str) -> None:
        super().__init__(
            _("The stand-in refused {method} {path}: {reason}").format(
                method=method, path=path, reason=reason
            )
        )
        self.status = status
        self.reason = reason


def _answers_http(status: int) -> str:
    return _("answers HTTP {status}").format(status=status)


def _not_the_standin(endpoint: str, answered: str) -> StandinError:
    """Something other than the stand-in holds the port: say which port, what it did, the fix."""
    parsed = urlparse(endpoint)
    where = _("Port {port}").format(port=parsed.port) if parsed.port else endpoint
    return StandinError(
        _(
            "{where} is taken by another program, not the workshop's stand-in: it {answered}."
        ).format(where=where, answered=answered),
        port_fix(endpoint),
    )


def _silent(endpoint: str, timeout: float) -> StandinError:
    return _not_the_standin(
        endpoint,
        _("accepted the connection but did not answer in {timeout:g} s").format(timeout=timeout),
    )


def health(endpoint: str, timeout: float | None = None) -> dict[str, Any] | None:
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
        raise _not_the_standin(endpoint, _answers_http(exc.code)) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (ConnectionRefusedError, FileNotFoundError)) or (
            "refused" in str(reason).lower()
        ):
            return None
        if isinstance(reason, TimeoutError):
            raise _silent(endpoint, timeout) from None
        raise _not_the_standin(
            endpoint, _("failed the connection ({reason})").format(reason=reason)
        ) from None
    except ConnectionRefusedError:
        return None
    except TimeoutError:
        raise _silent(endpoint, timeout) from None
    except http.client.RemoteDisconnected:
        raise _not_the_standin(
            endpoint, _("closed the connection without an HTTP answer")
        ) from None
    except (http.client.HTTPException, ConnectionError, OSError) as exc:
        shown = type(exc).__name__ + (f": {str(exc)[:60]}" if str(exc) else "")
        raise _not_the_standin(
            endpoint, _("does not speak HTTP ({shown})").format(shown=shown)
        ) from None
    try:
        identity = json.loads(body)
    except ValueError:
        start = body[:40].decode("utf-8", errors="replace").strip()
        raise _not_the_standin(
            endpoint, _("answered something else ({start!r}...)").format(start=start)
        ) from None
    if not isinstance(identity, dict):
        raise _not_the_standin(
            endpoint,
            _("answered a JSON {name}, not the stand-in's identity").format(
                name=type(identity).__name__
            ),
        ) from None
    if identity.get("service") != SERVICE_NAME:
        raise _not_the_standin(endpoint, _("answered JSON without the stand-in's identity"))
    return identity


def control(
    endpoint: str,
    method: str,
    path: str,
    body: dict | None = None,
    *,
    timeout: float = CONTROL_TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """Call the stand-in's control API (``/_standin/...``, ``/moto-api/reset``); its JSON answer.

    A refusal (HTTP 4xx/5xx) is a ``ControlRefused`` quoting the stand-in's reason; no stand-in, a
    broken answer or another program on the port is a StandinError that says which.
    """
    endpoint = endpoint.rstrip("/")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        endpoint + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise ControlRefused(method, path, exc.code, exc.read().decode(errors="replace")) from None
    except urllib.error.URLError as exc:
        raise StandinError(
            _("The stand-in at {endpoint} is not answering ({reason}).").format(
                endpoint=endpoint, reason=exc.reason
            ),
            _(START_FIX),
        ) from None
    except (http.client.HTTPException, OSError, ValueError):
        # the stand-in stopped and another program took its port, or the answer broke off
        health(endpoint)  # names the other program, if one holds the port
        raise StandinError(
            _("The stand-in at {endpoint} broke off its answer to {method} {path}.").format(
                endpoint=endpoint, method=method, path=path
            ),
            _("run the setup cell again (it restarts the stand-in), or `make standin`."),
        ) from None
    if not isinstance(answer, dict):
        health(endpoint)
        raise StandinError(
            _(
                "{endpoint} answered {method} {path} with a JSON {name}, not the stand-in's answer."
            ).format(endpoint=endpoint, method=method, path=path, name=type(answer).__name__),
            port_fix(endpoint),
        )
    return answer


def standin_environment() -> dict[str, str]:
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
    if health(endpoint) is not None:
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
            env=standin_environment(),
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # outlives the kernel that started it
        )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if health(endpoint) is not None:
            return endpoint
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
    raise StandinError(
        _(
            "The offline stand-in did not start on port {port} within {start_timeout_seconds} "
            "s. Its log ({log}) ends with:\n{tail}"
        ).format(port=port, start_timeout_seconds=START_TIMEOUT_SECONDS, log=log, tail=tail),
        _(
            "run `make standin` in a terminal to see the problem, or choose another port in "
            "config.json."
        ),
    )
