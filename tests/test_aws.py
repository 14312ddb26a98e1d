"""helpers.aws: the offline stand-in is reused or started, loopback only; aws mode's checks."""

from __future__ import annotations

import http.server
import json
import os
import signal
import threading

import pytest

from helpers import aws, config, masking
from helpers.errors import StandinError, WorkshopError
from helpers.offline import free_port, launcher
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
    assert masking.mask_account_ids(arn) == (
        "arn:aws:bedrock:us-east-1:********4321:application-inference-profile/abcdefghijkl"
    )
    assert masking.mask_account_ids("cost 1234567890123 units") == "cost 1234567890123 units"


def test_masked_hides_account_ids_in_text_columns():
    import pandas as pd

    frame = pd.DataFrame({"arn": [f"arn:aws:bedrock:us-east-1:{OTHER_ACCOUNT}:x"], "n": [1]})
    shown = masking.masked(frame)
    assert shown.loc[0, "arn"] == "arn:aws:bedrock:us-east-1:********4321:x"
    assert frame.loc[0, "arn"].endswith(f"{OTHER_ACCOUNT}:x")  # the original is untouched


# --- issue 13, class 15: a port held by a program that is not the stand-in ----------------------
from tests import fake_servers  # noqa: E402

NOT_THE_STANDIN = {
    "raw TCP that closes": fake_servers.close_at_once,
    "TCP that sends garbage": fake_servers.garbage,
    "TCP that resets": fake_servers.reset,
    "HTTP with HTML": fake_servers.http_answer("200 OK", b"<html>a dev server</html>", "text/html"),
    "HTTP with a JSON list": fake_servers.http_answer("200 OK", b"[1, 2, 3]"),
    "JSON without the stand-in's fields": fake_servers.http_answer("200 OK", b'{"status": "ok"}'),
    "JSON that is a string": fake_servers.http_answer("200 OK", b'"healthy"'),
    "HTTP 404": fake_servers.http_answer("404 Not Found", b"nope", "text/plain"),
    "a slow one that never answers": fake_servers.silent,
}


@pytest.mark.parametrize("behaviour", NOT_THE_STANDIN, ids=list(NOT_THE_STANDIN))
def test_every_shape_of_another_program_on_the_port_is_named(behaviour, tmp_path, monkeypatch):
    monkeypatch.delenv("WORKSHOP_ENDPOINT_URL", raising=False)
    monkeypatch.setattr(launcher, "HEALTH_TIMEOUT_SECONDS", 0.5)
    with (
        fake_servers.RawServer(NOT_THE_STANDIN[behaviour]) as server,
        pytest.raises(StandinError) as excinfo,
    ):
        aws.connect(cfg_with(tmp_path, offline={"port": server.port}))
    error = excinfo.value
    assert f"Port {server.port} is taken by another program" in error.problem
    assert "not the workshop's stand-in" in error.problem
    assert '"offline": {"port": ...} in config.json' in error.fix
    assert "stop that program" in error.fix


def test_another_program_at_workshop_endpoint_url_is_named(tmp_path, monkeypatch):
    answer = fake_servers.http_answer("200 OK", b"[]")
    with fake_servers.RawServer(answer) as server:
        monkeypatch.setenv("WORKSHOP_ENDPOINT_URL", server.endpoint)
        with pytest.raises(StandinError, match="a JSON list"):
            aws.connect(cfg_with(tmp_path))


@pytest.mark.parametrize("behaviour", NOT_THE_STANDIN, ids=list(NOT_THE_STANDIN))
@pytest.mark.parametrize("slash", ["", "/"])
def test_another_program_at_workshop_endpoint_url_names_the_variable_in_the_fix(
    behaviour, slash, tmp_path, monkeypatch
):
    # the variable overrides config.json's port: changing the port there would do nothing
    monkeypatch.setattr(launcher, "HEALTH_TIMEOUT_SECONDS", 0.5)
    with fake_servers.RawServer(NOT_THE_STANDIN[behaviour]) as server:
        monkeypatch.setenv("WORKSHOP_ENDPOINT_URL", server.endpoint + slash)
        with pytest.raises(StandinError) as excinfo:
            aws.connect(cfg_with(tmp_path, offline={"port": free_port()}))
    fix = excinfo.value.fix
    assert f"WORKSHOP_ENDPOINT_URL={server.endpoint}" in fix
    assert "unset it" in fix
    assert '"offline": {"port": ...}' not in fix


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999", "http://127.0.0.1:abc"])
def test_workshop_endpoint_url_with_a_bad_port(url, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_ENDPOINT_URL", url)
    with pytest.raises(StandinError, match="has no valid port"):
        aws.connect(cfg_with(tmp_path))


def test_control_api_answered_by_another_program(tmp_path):
    session = aws.new_session(offline=True, region_name="us-east-1", **aws.OFFLINE_CREDENTIALS)
    for answer in (fake_servers.http_answer("200 OK", b"[1]"), fake_servers.garbage):
        with fake_servers.RawServer(answer) as server:
            conn = aws.Connection("offline", "us-east-1", session, server.endpoint)
            with pytest.raises(StandinError, match="is taken by another program"):
                conn.control("GET", "/_standin/state")


# --- issue 13, class 19: aws-mode credential mistakes -------------------------------------------
@pytest.fixture
def aws_files(tmp_path, monkeypatch):
    """Empty AWS config and credentials files of the test's own; no network, no real account."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("CI", "WORKSHOP_HEADLESS", "WORKSHOP_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    config_file, credentials = tmp_path / "aws-config", tmp_path / "aws-credentials"
    config_file.write_text(
        "[default]\nregion = us-east-1\n[profile analytics]\nregion = us-east-1\n"
    )
    credentials.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config_file))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return config_file, credentials


@pytest.mark.parametrize("typo", ["analytic", "Analytics", "prod"])
def test_aws_profile_typo_names_the_profiles_there_are(typo, aws_files, tmp_path, monkeypatch):
    cfg = cfg_with(tmp_path, mode="aws")  # before AWS_PROFILE: config.load reads botocore too
    monkeypatch.setenv("AWS_PROFILE", typo)
    with pytest.raises(WorkshopError) as excinfo:
        aws.connect(cfg)
    message = str(excinfo.value)
    assert f"the AWS profile '{typo}' (from AWS_PROFILE) is not in your AWS config" in message
    assert "analytics" in message and "aws configure list-profiles" in message
    if typo != "prod":
        assert "did you mean 'analytics'" in message


@pytest.mark.parametrize(
    "content",
    [
        "[default\nregion = us-east-1\n",  # unclosed section header
        "region = us-east-1\n[default]\n",  # a setting outside any section
    ],
)
def test_malformed_aws_config_is_named(content, aws_files, tmp_path):
    config_file, _ = aws_files
    cfg = cfg_with(tmp_path, mode="aws")
    config_file.write_text(content)
    with pytest.raises(WorkshopError) as excinfo:
        aws.connect(cfg)
    assert f"the AWS config file {config_file} is not readable as INI" in str(excinfo.value)
    assert "[profile NAME]" in excinfo.value.fix


def test_partial_credentials_in_the_environment(aws_files, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLEONLY")
    with pytest.raises(WorkshopError) as excinfo:
        aws.connect(cfg_with(tmp_path, mode="aws"))
    assert "are incomplete: AWS_SECRET_ACCESS_KEY is missing" in excinfo.value.problem
    assert "environment variables" in excinfo.value.problem


def test_partial_credentials_in_the_credentials_file(aws_files, tmp_path):
    _, credentials = aws_files
    credentials.write_text("[default]\naws_access_key_id = AKIDEXAMPLEONLY\n")
    with pytest.raises(WorkshopError) as excinfo:
        aws.connect(cfg_with(tmp_path, mode="aws"))
    assert "aws_secret_access_key is missing" in excinfo.value.problem


@pytest.mark.parametrize("style", ["legacy", "sso-session", "legacy, token expired"])
def test_sso_login_missing_or_expired_is_named_at_the_identity_check(
    style, aws_files, tmp_path, monkeypatch
):
    import hashlib

    config_file, _ = aws_files
    start = "https://example.awsapps.com/start"
    sso = (
        f"sso_start_url = {start}\nsso_region = us-east-1\n"
        if style.startswith("legacy")
        else "sso_session = corp\n"
    )
    cfg = cfg_with(tmp_path, mode="aws")
    config_file.write_text(
        f"[profile team]\n{sso}sso_account_id = 123456789012\nsso_role_name = Admin\n"
        f"region = us-east-1\n[sso-session corp]\nsso_start_url = {start}\n"
        "sso_region = us-east-1\n"
    )
    monkeypatch.setenv("AWS_PROFILE", "team")
    monkeypatch.setenv("HOME", str(tmp_path))  # no cached SSO token: never signed in
    if style.endswith("expired"):  # signed in long ago: botocore sees the expiry locally
        cache = tmp_path / ".aws" / "sso" / "cache"
        cache.mkdir(parents=True)
        token = {"startUrl": start, "region": "us-east-1", "accessToken": "old"}
        (cache / (hashlib.sha1(start.encode()).hexdigest() + ".json")).write_text(
            json.dumps({**token, "expiresAt": "2020-01-01T00:00:00Z"})
        )
    conn = aws.connect(cfg)
    with pytest.raises(WorkshopError) as excinfo:
        conn.describe()  # 00_setup's identity check (sts:GetCallerIdentity)
    assert "SSO (IAM Identity Center) session has expired or was never started" in str(
        excinfo.value
    )
    assert "aws sso login --profile NAME" in excinfo.value.fix


def test_expired_session_token_is_named():
    from botocore.exceptions import ClientError

    from helpers.errors import explain

    for code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
        error = ClientError(
            {
                "Error": {
                    "Code": code,
                    "Message": "The security token included in the request is expired",
                }
            },
            "GetCallerIdentity",
        )
        assert "your AWS credentials have expired" in str(explain(error, "identify the account"))


@pytest.mark.slow
@pytest.mark.parametrize("broken", ["AWS_PROFILE typo", "malformed config"])
def test_offline_mode_ignores_aws_profile_and_config(broken, aws_files, monkeypatch, tmp_path):
    config_file, _ = aws_files
    cfg = cfg_with(tmp_path, offline={"port": free_port(), "stream_delay_ms": 0})
    if broken == "AWS_PROFILE typo":
        monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    else:
        config_file.write_text("[default\n")
    conn = aws.connect(cfg)  # starts its own stand-in, which inherits this environment
    try:
        listed = conn.bedrock.list_inference_profiles()["inferenceProfileSummaries"]
        assert listed  # the system-defined profiles
    finally:
        os.kill(conn.control("GET", "/_standin/health")["pid"], signal.SIGTERM)


# --- issue 13, class 22: account IDs masked in every message ------------------------------------
def test_workshop_errors_mask_account_ids():
    from helpers.errors import AwsError, WorkshopError

    arn = f"arn:aws:bedrock:us-east-1:{OTHER_ACCOUNT}:application-inference-profile/abcdefghijkl"
    for error in (
        WorkshopError(f"No such profile {arn}.", f"delete {arn} first"),
        AwsError(f"AWS answered: {arn} not found", None, "ResourceNotFoundException", 404, "X"),
    ):
        assert OTHER_ACCOUNT not in str(error)
        assert OTHER_ACCOUNT not in "".join(error._render_traceback_())
        assert "********4321" in error.problem


def test_every_session_shares_one_botocore_model_loader():
    """Service models are parsed once per process, not once per connection (a connection's
    six clients took 0.16 s each time; 0.03 s with the shared loader)."""
    first = aws.new_session(offline=True, region_name="us-east-1")
    second = aws.new_session(offline=True, region_name="eu-west-1")
    loader = first._session.get_component("data_loader")
    assert second._session.get_component("data_loader") is loader
    first.client(
        "ce", endpoint_url="http://127.0.0.1:9", aws_access_key_id="a", aws_secret_access_key="b"
    )
    assert any("ce" in str(key) for key in loader._cache), "the model was not cached"


def test_port_fix_names_the_variable_and_no_fixed_port(monkeypatch):
    """`make standin` serves on config.json's port, so the fix must not promise 4599."""
    from helpers import errors

    monkeypatch.setenv("WORKSHOP_ENDPOINT_URL", "http://127.0.0.1:4700/")
    fix = errors.port_fix("http://127.0.0.1:4700")
    assert fix.startswith("WORKSHOP_ENDPOINT_URL=http://127.0.0.1:4700/ points there")
    assert "the port in config.json" in fix and "4599" not in fix
    monkeypatch.delenv("WORKSHOP_ENDPOINT_URL")
    assert errors.port_fix("http://127.0.0.1:4700").startswith('change "offline": {"port": ...}')
