"""Command line of the offline stand-in.

    python -m helpers.offline serve [--host 127.0.0.1] [--port 4599] [--stream-delay-ms 0]
                                    [--today YYYY-MM-DD]
    python -m helpers.offline backfill --days 30 [--seed 0] [--region us-east-1]
    python -m helpers.offline faults --rate 0.3 [--error ThrottlingException] [--seed 0]
    python -m helpers.offline faults --clear
    python -m helpers.offline status | reset | stop

All but ``serve`` talk to a running stand-in at --endpoint (default: $AWS_ENDPOINT_URL, else
http://127.0.0.1:4599).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys

from helpers.config import DEFAULT_PORT, MAX_STREAM_DELAY_MS
from helpers.errors import WorkshopError

from . import launcher


def _call(endpoint: str, method: str, path: str, body: dict | None = None) -> dict:
    """The control API's answer, or the exit with its message (the client's, for a terminal)."""
    try:
        if launcher.health(endpoint.rstrip("/")) is None:
            raise SystemExit(
                f"No stand-in answers at {endpoint}. Start one with "
                "'python -m helpers.offline serve' or 'make standin'."
            )
        return launcher.control(endpoint, method, path, body)
    except WorkshopError as error:
        raise SystemExit(str(error)) from None


def _port(text: str) -> int:
    """A port the stand-in can bind without root: 1024-65535, or 0 for a free one."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if port != 0 and not 1024 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"use a port from 1024 to 65535 (or 0), not {text!r}")
    return port


def _delay_ms(text: str) -> float:
    """A pause between streamed chunks that cannot stall a stream (NaN, 1e12 and -1 can)."""
    try:
        delay = float(text)
    except ValueError:
        delay = math.nan
    if not 0 <= delay <= MAX_STREAM_DELAY_MS:  # also false for NaN
        raise argparse.ArgumentTypeError(
            f"use a number of milliseconds from 0 to {MAX_STREAM_DELAY_MS:g}, not {text!r}"
        )
    return delay


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.offline", description="The workshop's offline stand-in for AWS."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the stand-in in the foreground")
    serve.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    serve.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help="1024-65535; 0 picks a free port"
    )
    serve.add_argument(
        "--stream-delay-ms",
        type=_delay_ms,
        default=0.0,
        help="pause between streamed chunks, to make streaming visible "
        f"(0-{MAX_STREAM_DELAY_MS:g} ms)",
    )
    serve.add_argument(
        "--today",
        default=None,
        help="evaluate model lifecycles (ACTIVE, LEGACY, end of life) on this date, YYYY-MM-DD",
    )

    default_endpoint = os.environ.get("AWS_ENDPOINT_URL") or f"http://127.0.0.1:{DEFAULT_PORT}"
    for name, text in [
        ("backfill", "write synthetic usage history"),
        ("faults", "inject errors into runtime calls"),
        ("status", "show the running stand-in's state"),
        ("reset", "clear all state"),
        ("stop", "stop the running stand-in"),
    ]:
        command = sub.add_parser(name, help=text)
        command.add_argument("--endpoint", default=default_endpoint)
        if name == "backfill":
            command.add_argument("--days", type=int, default=30)
            command.add_argument("--seed", type=int, default=0)
            command.add_argument(
                "--region", default=os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
            )
        if name == "faults":
            command.add_argument("--rate", type=float)
            command.add_argument("--error", default="ThrottlingException")
            command.add_argument("--seed", type=int, default=0)
            command.add_argument("--clear", action="store_true")
    args = parser.parse_args(argv)

    if args.command == "serve":
        return _serve(args)
    if args.command == "backfill":
        result = _call(
            args.endpoint,
            "POST",
            "/_standin/backfill",
            {"days": args.days, "seed": args.seed, "region": args.region},
        )
    elif args.command == "faults":
        if args.clear:
            result = _call(args.endpoint, "DELETE", "/_standin/faults")
        elif args.rate is None:
            parser.error("faults needs --rate R (0..1) or --clear")
        else:
            result = _call(
                args.endpoint,
                "POST",
                "/_standin/faults",
                {"rate": args.rate, "error": args.error, "seed": args.seed},
            )
    elif args.command == "status":
        result = _call(args.endpoint, "GET", "/_standin/state")
    elif args.command == "stop":
        result = _call(args.endpoint, "POST", "/_standin/shutdown")
    else:
        result = _call(args.endpoint, "POST", "/moto-api/reset")
    print(json.dumps(result, indent=2))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .state import LAUNCH_SETTINGS, SETTINGS

    launch = {"stream_delay_ms": args.stream_delay_ms, "today": args.today}
    try:
        LAUNCH_SETTINGS.update(launch)
        SETTINGS.update(launch)
        from .server import Standin

        standin = Standin(args.host, args.port)
        endpoint = standin.start()
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Bedrock workshop stand-in listening on {endpoint}", flush=True)
    stopped = standin.shutdown_requested  # also set by `python -m helpers.offline stop`
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
