"""Running the stand-in: loopback only, a clear word when the port is taken, reset, the CLI."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers.offline import Standin, launcher
from tests.conftest import control

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_refuses_non_loopback(host):
    with pytest.raises(ValueError, match="binds to loopback only"):
        Standin(host=host)


def test_port_taken_by_another_program():
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{port}.*Another program"):
            Standin(port=port).start()


def test_health_and_reset_clear_everything(client, endpoint):
    health = control(endpoint, "GET", "/_standin/health")
    assert health["service"] == "bedrock-workshop-standin"
    client("bedrock").create_inference_profile(
        inferenceProfileName="claims",
        modelSource={
            "copyFrom": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"
        },
    )
    control(endpoint, "POST", "/_standin/faults", {"rate": 1.0})
    control(endpoint, "POST", "/_standin/settings", {"stream_delay_ms": 5})
    control(endpoint, "POST", "/moto-api/reset")
    assert (
        client("bedrock").list_inference_profiles(typeEquals="APPLICATION")[
            "inferenceProfileSummaries"
        ]
        == []
    )
    state = control(endpoint, "GET", "/_standin/state")
    assert state["faults"] == {"active": False}
    assert state["settings"]["stream_delay_ms"] == 0


def test_unknown_control_endpoint(endpoint):
    with pytest.raises(launcher.ControlRefused) as excinfo:
        control(endpoint, "GET", "/_standin/nothing")
    assert excinfo.value.status == 404


@pytest.mark.slow
def test_serve_command_prints_one_line_and_stops_on_sigterm(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers.offline", "serve", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("Bedrock workshop stand-in listening on http://127.0.0.1:")
        endpoint = line.rsplit(" ", 1)[1]
        assert control(endpoint, "GET", "/_standin/health")["pid"] == process.pid
        status = subprocess.run(
            [sys.executable, "-m", "helpers.offline", "status", "--endpoint", endpoint],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        assert json.loads(status.stdout)["faults"] == {"active": False}
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


@pytest.mark.slow
def test_stop_command_stops_a_background_standin():
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers.offline", "serve", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    endpoint = process.stdout.readline().strip().rsplit(" ", 1)[1]
    stop = subprocess.run(
        [sys.executable, "-m", "helpers.offline", "stop", "--endpoint", endpoint],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(stop.stdout)["stopping"] is True
    assert process.wait(timeout=10) == 0


@pytest.mark.slow
def test_cli_without_a_running_standin_says_how_to_start_one():
    result = subprocess.run(
        [sys.executable, "-m", "helpers.offline", "status", "--endpoint", "http://127.0.0.1:9"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "No stand-in answers at http://127.0.0.1:9" in result.stderr
    assert "python -m helpers.offline serve" in result.stderr


@pytest.mark.slow
def test_serve_refuses_a_public_address():
    result = subprocess.run(
        [sys.executable, "-m", "helpers.offline", "serve", "--host", "0.0.0.0", "--port", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "binds to loopback only" in result.stderr


def test_streaming_is_incremental(client, endpoint):
    """With a chunk delay, the first event arrives long before the last one."""
    control(endpoint, "POST", "/_standin/settings", {"stream_delay_ms": 20})
    response = client("bedrock-runtime").converse_stream(
        modelId="us.amazon.nova-lite-v1:0",
        messages=[{"role": "user", "content": [{"text": "stream please"}]}],
    )
    began = time.perf_counter()
    stamps = [time.perf_counter() - began for _ in response["stream"]]
    assert len(stamps) > 10
    assert stamps[0] < 0.2 * stamps[-1]


def test_reset_returns_to_the_settings_the_standin_was_started_with(endpoint):
    from helpers.offline import state

    state.LAUNCH_SETTINGS.stream_delay_ms = 7
    try:
        control(endpoint, "POST", "/_standin/settings", {"stream_delay_ms": 50})
        control(endpoint, "POST", "/moto-api/reset")
        assert control(endpoint, "GET", "/_standin/state")["settings"]["stream_delay_ms"] == 7
    finally:
        state.LAUNCH_SETTINGS.stream_delay_ms = 0
        control(endpoint, "POST", "/moto-api/reset")


# --- issue 13, class 21: the control API answers 400 for what it cannot read --------------------
from tests.fake_servers import raw_request  # noqa: E402


@pytest.mark.parametrize(
    "path", ["/_standin/backfill", "/_standin/faults", "/_standin/settings", "/_standin/cur-export"]
)
@pytest.mark.parametrize(
    "body,fragment",
    [
        ("[1, 2]", "not a JSON list"),
        ('"days"', "not a JSON str"),
        ("42", "not a JSON int"),
        ("{not json", "Expecting property name"),
        (b"\xff\xfe{}", "not UTF-8"),
    ],
    ids=["list", "string", "number", "malformed", "not UTF-8"],
)
def test_control_api_refuses_bodies_that_are_not_objects(endpoint, path, body, fragment):
    status, _, answer = raw_request(endpoint, "POST", path, body, service=None)
    assert status == 400
    assert fragment in json.loads(answer)["error"]


@pytest.mark.parametrize(
    "path,body",
    [
        ("/_standin/backfill", {"days": "many"}),
        ("/_standin/backfill", {"days": [30]}),
        ("/_standin/faults", {"rate": "often"}),
        ("/_standin/faults", {}),
        ("/_standin/cur-export", {}),
    ],
)
def test_control_api_refuses_wrong_fields_with_400(endpoint, path, body):
    status, _, answer = raw_request(endpoint, "POST", path, json.dumps(body), service=None)
    assert status == 400 and json.loads(answer)["error"]
