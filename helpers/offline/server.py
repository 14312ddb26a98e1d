"""Run the stand-in: moto's server with the extensions installed, on loopback only.

``install()`` swaps the stand-in's backend and response classes into moto (idempotent; must run
before the first request). ``Standin`` runs a threaded server in this process, for tests;
``python -m helpers.offline serve`` runs one in the foreground. A small control API under
``/_standin/`` reports health and state and drives synthetic history, fault injection and
settings; ``POST /moto-api/reset`` clears the stand-in's own state as well as moto's.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import warnings
from datetime import datetime, timezone
from typing import Any

from . import state
from .loopback import SERVICE_NAME, free_port, is_loopback  # noqa: F401 - re-exported

DEFAULT_ACCOUNT = "123456789012"  # moto's default; AWS's documented example account ID
_installed = False
_install_lock = threading.Lock()


def install() -> None:
    """Put the stand-in's classes into moto. Idempotent."""
    global _installed
    with _install_lock:
        if _installed:
            return
        from . import moto_glue
        from .athena import StandinAthenaBackend, StandinAthenaResponse
        from .bedrock import StandinBedrockBackend, StandinBedrockResponse
        from .budgets import StandinBudgetsBackend, StandinBudgetsResponse
        from .cloudwatch import StandinCloudWatchBackend, StandinCloudWatchResponse
        from .costexplorer import StandinCostExplorerBackend, StandinCostExplorerResponse
        from .principals import StandinSTSResponse
        from .runtime import StandinRuntimeResponse
        from .sns import StandinSNSResponse
        from .tagging import StandinTaggingResponse

        # SerializationException is AWS's front end's, in no service model: moto warns each time
        warnings.filterwarnings("ignore", message=r"Exception\(SerializationException\)")
        routes = [  # (moto's service, path pattern, the stand-in's response class)
            ("bedrock", "{0}/.*$", StandinBedrockResponse),
            ("bedrock", "{0}/tagResource$", StandinBedrockResponse),
            ("bedrock", "{0}/untagResource$", StandinBedrockResponse),
            ("bedrock", "{0}/listTagsForResource$", StandinBedrockResponse),
            ("bedrock", "{0}/logging/modelinvocations$", StandinBedrockResponse),
            ("bedrock-runtime", "{0}/.*$", StandinRuntimeResponse),
            ("cloudwatch", "{0}/$", StandinCloudWatchResponse),
            ("ce", "{0}/$", StandinCostExplorerResponse),
            ("resourcegroupstaggingapi", "{0}/$", StandinTaggingResponse),
            ("athena", "{0}/$", StandinAthenaResponse),
            ("budgets", "{0}/$", StandinBudgetsResponse),
            ("sns", "{0}/$", StandinSNSResponse),
        ]
        # a body moto cannot read answers AWS's 400 from the action, never a 500 from set-up
        for response_cls in dict.fromkeys(cls for _, _, cls in routes):
            moto_glue.guard_parsing(response_cls)
        for backend_cls in (
            StandinBedrockBackend,
            StandinCloudWatchBackend,
            StandinCostExplorerBackend,
            StandinAthenaBackend,
            StandinBudgetsBackend,
        ):
            moto_glue.install_backend(backend_cls)
        for service, pattern, response_cls in routes:
            moto_glue.route(service, pattern, response_cls)
        moto_glue.forget_deleted_log_groups_tags()
        moto_glue.keep_request_id(StandinRuntimeResponse)  # invocation logs carry the same ID
        # STS keeps moto's own parsing (query protocol): only AssumeRole's session tags are added
        moto_glue.route("sts", "{0}/$", StandinSTSResponse)
        _installed = True


def _signed(environ: dict[str, Any]) -> bool:
    """Whether a request carries a SigV4 signature (header, or a presigned URL's query)."""
    query = environ.get("QUERY_STRING", "")
    return bool(environ.get("HTTP_AUTHORIZATION")) or "X-Amz-Credential=" in query


def _missing_authentication(start_response: Any) -> list[bytes]:
    """AWS's answer to an unsigned request (the stand-in learns the service from the signature)."""
    payload = json.dumps({"message": "Missing Authentication Token"}).encode()
    start_response(
        "403 Forbidden",
        [
            ("Content-Type", "application/json"),
            ("x-amzn-ErrorType", "MissingAuthenticationTokenException"),
            ("Content-Length", str(len(payload))),
        ],
    )
    return [payload]


class _ThenRun(list):
    """A WSGI body that runs ``after`` once the server has sent it (WSGI calls ``close``)."""

    def __init__(self, chunks: list[bytes], after: Any) -> None:
        super().__init__(chunks)
        self.after = after

    def close(self) -> None:
        self.after()


class ControlApp:
    """WSGI middleware: the ``/_standin/`` control API in front of moto's dispatcher."""

    def __init__(self, moto_app: Any, standin: Standin) -> None:
        self.moto_app = moto_app
        self.standin = standin

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/moto-api/reset" and method == "POST":
            state.reset()
        if not path.startswith("/_standin/"):
            if not path.startswith("/moto-api/") and not _signed(environ):
                return _missing_authentication(start_response)
            return self.moto_app(environ, start_response)
        try:
            status, body = self.handle(method, path, self._json(environ))
        except KeyError as exc:
            status, body = 400, {"error": f"missing field {exc}"}
        except (ValueError, TypeError, AttributeError) as exc:
            status, body = 400, {"error": str(exc)}
        payload = json.dumps(body, default=str).encode()
        start_response(
            f"{status} {'OK' if status == 200 else 'Bad Request'}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))],
        )
        if path == "/_standin/shutdown" and status == 200:
            # stop only once the answer is sent: stopping first can cut the caller off
            return _ThenRun([payload], self.standin.shutdown_requested.set)
        return [payload]

    @staticmethod
    def _json(environ: dict[str, Any]) -> dict[str, Any]:
        """The request's JSON object; ValueError (a 400) for anything else."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if not length:
            return {}
        raw = environ["wsgi.input"].read(length) or b"{}"
        try:
            body = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise ValueError(f"the body is not UTF-8 text (byte {exc.start})") from None
        if not isinstance(body, dict):
            raise ValueError(
                f'the body must be a JSON object such as {{"days": 30}}, not a JSON '
                f"{type(body).__name__}"
            )
        return body

    def handle(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        from .history import backfill, synthetic_summary

        account = body.get("account") or DEFAULT_ACCOUNT
        if path == "/_standin/health":
            return 200, self.standin.identity()
        if path == "/_standin/state" and method == "GET":
            return 200, {
                **self.standin.identity(),
                "faults": state.FAULTS.describe(),
                "settings": vars(state.SETTINGS),
                "synthetic": synthetic_summary(account),
            }
        if path == "/_standin/backfill" and method == "POST":
            return 200, backfill(
                account,
                body.get("region") or "us-east-1",
                int(body.get("days", 30)),
                int(body.get("seed", 0)),
            )
        if path == "/_standin/faults" and method == "POST":
            state.FAULTS.configure(
                float(body["rate"]),
                body.get("error", "ThrottlingException"),
                int(body.get("seed", 0)),
                body.get("operations"),
                body.get("message"),
            )
            return 200, state.FAULTS.describe()
        if path == "/_standin/faults" and method == "DELETE":
            state.FAULTS.clear()
            return 200, state.FAULTS.describe()
        if path == "/_standin/cur-export" and method == "POST":
            from .cur import export

            return 200, export(
                account,
                body.get("region") or "us-east-1",
                body["bucket"],
                body.get("prefix", "cur"),
                body.get("export_name", "workshop"),
                bool(body.get("include_caller_identity", False)),
            )
        if path == "/_standin/shutdown" and method == "POST":
            return 200, {"stopping": True, "pid": os.getpid()}  # stops after answering
        if path == "/_standin/settings" and method == "POST":
            state.SETTINGS.update(body)
            return 200, vars(state.SETTINGS)
        return 404, {"error": f"no such control endpoint: {method} {path}"}


class Standin:
    """A stand-in server in a background thread of this process."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if not is_loopback(host):
            raise ValueError(
                f"The stand-in binds to loopback only (127.0.0.1, ::1 or localhost), not {host!r}: "
                "it has no authentication and must not be reachable from the network."
            )
        self.host = host
        self.port = port
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self.started_at: datetime | None = None
        self.start_seconds: float | None = None
        # set by POST /_standin/shutdown; whoever runs the stand-in decides what stopping means
        self.shutdown_requested = threading.Event()

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("The stand-in is not running; call start() first.")
        host, port = self._server.server_address[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    def identity(self) -> dict[str, Any]:
        return {
            "service": SERVICE_NAME,
            "pid": os.getpid(),
            "endpoint": self.endpoint,
            "started_at": self.started_at.isoformat() if self.started_at else None,
        }

    def start(self) -> str:
        """Start serving; returns the endpoint URL (e.g. http://127.0.0.1:4599)."""
        began = time.perf_counter()
        install()
        # One access-log line per request drowns the notebooks and test output; errors still show.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        from werkzeug.serving import make_server

        from .moto_glue import MotoRequestHandler, wsgi_app

        app = ControlApp(wsgi_app(), self)
        self._check_port_free()
        try:
            self._server = make_server(
                self.host, self.port, app, threaded=True, request_handler=MotoRequestHandler
            )
        except SystemExit as exc:  # werkzeug exits when the port is taken in between
            raise OSError(self._port_taken_message("address already in use")) from exc
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name="bedrock-standin"
        )
        self._thread.start()
        self.started_at = datetime.now(timezone.utc)
        self.start_seconds = time.perf_counter() - began
        return self.endpoint

    def _port_taken_message(self, reason: str) -> str:
        return (
            f"The stand-in cannot listen on {self.host}:{self.port}: {reason}. Another "
            "program holds that port; stop it or choose another port (--port, or "
            "'offline.port' in config.json)."
        )

    def _check_port_free(self) -> None:
        if not self.port:
            return
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((self.host, self.port))
            except OSError as exc:
                raise OSError(self._port_taken_message(exc.strerror or str(exc))) from exc

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Standin:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
