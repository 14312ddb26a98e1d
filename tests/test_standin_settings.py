"""Settings that would stall the stand-in are refused, wherever they come from: the control API,
``Settings.update`` and ``python -m helpers.offline serve``."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from helpers.offline import state
from tests.conftest import control

ROOT = Path(__file__).resolve().parents[1]
STALLING_DELAYS = [1e12, 1000.5, -1, -0.001, math.nan, math.inf, True, "15", None, [15]]


@pytest.mark.parametrize("delay", STALLING_DELAYS, ids=repr)
def test_settings_refuse_a_stream_delay_that_stalls(delay):
    settings = state.Settings()
    with pytest.raises(ValueError, match="stream_delay_ms must be a number of milliseconds"):
        settings.update({"stream_delay_ms": delay})
    assert settings.stream_delay_ms == 0.0


@pytest.mark.parametrize("delay", [0, 0.5, 15, 1000])
def test_settings_take_a_stream_delay_within_bounds(delay):
    settings = state.Settings()
    settings.update({"stream_delay_ms": delay})
    assert settings.stream_delay_ms == delay


@pytest.mark.parametrize("size", [0, -3, True, 2.5, "7"])
def test_settings_refuse_a_page_size_below_one(size):
    with pytest.raises(ValueError, match="ce_page_size must be a whole number"):
        state.Settings().update({"ce_page_size": size})


def test_a_refused_request_changes_nothing():
    settings = state.Settings()
    with pytest.raises(ValueError):
        settings.update({"today": "2026-01-02", "stream_delay_ms": 1e12})
    assert (settings.today, settings.stream_delay_ms) == (None, 0.0)


def post_settings(endpoint: str, raw: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(endpoint + "/_standin/settings", data=raw, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.parametrize(
    "raw",
    [
        b'{"stream_delay_ms": 1e12}',
        b'{"stream_delay_ms": -5}',
        b'{"stream_delay_ms": NaN}',  # Python's JSON reader takes the literal
        b'{"stream_delay_ms": Infinity}',
        b'{"stream_delay_ms": true}',
        b'{"stream_delay_ms": "15"}',
    ],
)
def test_the_control_api_refuses_a_stalling_delay(endpoint, raw):
    status, body = post_settings(endpoint, raw)
    assert status == 400
    assert "stream_delay_ms must be a number of milliseconds from 0 to 1000" in body["error"]
    assert control(endpoint, "GET", "/_standin/state")["settings"]["stream_delay_ms"] == 0


@pytest.mark.parametrize(
    "arguments,fragment",
    [
        (["--stream-delay-ms", "1e12"], "use a number of milliseconds from 0 to 1000, not '1e12'"),
        (["--stream-delay-ms", "-1"], "not '-1'"),
        (["--stream-delay-ms", "nan"], "not 'nan'"),
        (["--stream-delay-ms", "inf"], "not 'inf'"),
        (["--stream-delay-ms", "fast"], "not 'fast'"),
        (["--port", "70000"], "use a port from 1024 to 65535 (or 0), not '70000'"),
        (["--port", "80"], "not '80'"),
        (["--port", "x"], "not 'x'"),
    ],
)
def test_serve_refuses_stalling_or_impossible_arguments(arguments, fragment):
    command = [sys.executable, "-m", "helpers.offline", "serve", *arguments]
    try:  # a serve that takes them runs until stopped: the deadline makes that a failure
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"serve {' '.join(arguments)} started instead of refusing")
    assert done.returncode == 2  # argparse's usage error: nothing was started
    assert fragment in done.stderr
