"""The catalogue of mistakes people make, each answered by a message that says what to do.

Every case raises a WorkshopError (shown in Jupyter as its message, with no stack trace), with
a fix; the README's Troubleshooting section names each message.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from botocore.stub import Stubber

from helpers import (
    alarms,
    alerts,
    analysis,
    aws,
    budgets,
    config,
    costs,
    cur,
    invoke,
    loadgen,
    metrics,
    profiles,
)
from helpers.errors import AwsError, ConfigError, InputError, StandinError, WorkshopError
from helpers.offline import Standin, free_port
from tests.conftest import BASE_CONFIG

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
TROUBLESHOOTING = README[README.index("## Troubleshooting") : README.index("## Clean-up")]
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"


@dataclass
class Context:
    conn: aws.Connection
    cfg: config.WorkshopConfig
    tmp_path: Path
    monkeypatch: pytest.MonkeyPatch

    def write_config(self, content) -> Path:
        path = self.tmp_path / "config.json"
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return path

    def config_with(self, **changes) -> Path:
        raw = json.loads(json.dumps(BASE_CONFIG))
        for key, value in changes.items():
            if key == "first_profile":
                raw["profiles"][0].update(value)
            else:
                raw[key] = value
        return self.write_config(raw)

    def profile(self) -> profiles.Profile:
        profiles.ensure(self.conn, self.cfg)
        return profiles.resolve(self.conn, "claims_dept")

    def aws_conn(self) -> aws.Connection:
        self.monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLEONLY")
        self.monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
        self.monkeypatch.delenv("CI", raising=False)
        self.monkeypatch.delenv("WORKSHOP_HEADLESS", raising=False)
        raw = json.loads(json.dumps(BASE_CONFIG))
        return aws.connect(config.parse({**raw, "mode": "aws"}, self.tmp_path / "c.json"))


@dataclass
class Case:
    name: str
    trigger: Callable[[Context], object]
    error: type[WorkshopError]
    fragments: tuple[str, ...]
    readme: str  # how the README's Troubleshooting names the message


def stubbed(conn: aws.Connection, code: str, message: str, status: int) -> aws.Connection:
    stub = Stubber(conn.bedrock)
    stub.add_client_error(
        "list_inference_profiles",
        service_error_code=code,
        service_message=message,
        http_status_code=status,
    )
    stub.activate()
    return conn


class NotTheStandin(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's naming
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello from another program")

    def log_message(self, *args):
        pass


def port_taken(ctx: Context):
    server = http.server.HTTPServer(("127.0.0.1", 0), NotTheStandin)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    ctx.monkeypatch.delenv("WORKSHOP_ENDPOINT_URL", raising=False)
    try:
        aws.connect(config.load(ctx.config_with(offline={"port": server.server_address[1]})))
    finally:
        server.shutdown()


def standin_stopped_mid_run(ctx: Context):
    standin = Standin()
    ctx.monkeypatch.setenv("WORKSHOP_ENDPOINT_URL", standin.start())
    conn = aws.connect(ctx.cfg)
    profiles.ensure(conn, ctx.cfg)
    standin.stop()
    profiles.inventory(conn)


def no_credentials(ctx: Context):
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "CI",
        "WORKSHOP_HEADLESS",
    ):
        ctx.monkeypatch.delenv(name, raising=False)
    ctx.monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    ctx.monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    ctx.monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    aws.connect(config.load(ctx.config_with(mode="aws")))


def aws_in_ci(ctx: Context):
    ctx.monkeypatch.setenv("CI", "true")
    ctx.monkeypatch.delenv("WORKSHOP_ALLOW_AWS", raising=False)
    aws.connect(config.load(ctx.config_with(mode="aws")))


def over_the_spend_cap(ctx: Context):
    conn = ctx.aws_conn()
    target = profiles.Profile(
        "claims",
        "abcdefghijkl",
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdefghijkl",
        "APPLICATION",
        "ACTIVE",
        (f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}",),
    )
    loadgen.generate_load(
        conn,
        [target],
        ["Summarise this claim."],
        5000,
        max_tokens=4000,
        spend_cap_usd=1.0,
        progress=False,
    )


def model_not_in_region(ctx: Context):
    frankfurt = config.load(
        ctx.config_with(
            region="eu-central-1",
            profiles=[
                {"name": "x", "copy_from": "meta.llama3-70b-instruct-v1:0", "tags": {"dept": "a"}}
            ],
        )
    )
    profiles.ensure(aws.connect(frankfurt), frankfurt)


def config_in(ctx: Context, region: str, copy_from: str) -> config.WorkshopConfig:
    return config.load(
        ctx.config_with(
            region=region,
            profiles=[{"name": "x", "copy_from": copy_from, "tags": {"dept": "a"}}],
        )
    )


def us_profile_from_tokyo(ctx: Context):
    tokyo = config_in(ctx, "ap-northeast-1", "us.anthropic.claude-haiku-4-5-20251001-v1:0")
    profiles.ensure(aws.connect(tokyo), tokyo)


def retired_model(ctx: Context):
    old = config_in(ctx, "us-east-1", "anthropic.claude-3-haiku-20240307-v1:0")
    profiles.ensure(aws.connect(old), old)


def first_of_month(ctx: Context):
    first = date(2026, 11, 1)
    costs.period(first, first, today=first)


# --- issue 13: other teams' resources, lists given as strings ---------------------------------
def foreign_profile_of_a_configured_name(ctx: Context):
    ctx.conn.bedrock.create_inference_profile(
        inferenceProfileName="claims_dept",
        modelSource={"copyFrom": f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"},
        tags=[{"key": "dept", "value": "claims"}],
    )
    profiles.ensure(ctx.conn, ctx.cfg)


def our_profile_on_another_model(ctx: Context):
    profiles.ensure(ctx.conn, ctx.cfg)
    moved = config.load(ctx.config_with(first_profile={"copy_from": "amazon.nova-micro-v1:0"}))
    profiles.analysed(ctx.conn, moved)


def foreign_profile_tagged(ctx: Context):
    arn = ctx.conn.bedrock.create_inference_profile(
        inferenceProfileName="payments_prod",
        modelSource={"copyFrom": f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"},
    )["inferenceProfileArn"]
    profiles.tag(ctx.conn, arn, {"reviewed_by": "finops"}, ctx.cfg.owner_tag)


# --- issue 13 (network, credentials, message shapes): triggers -------------------------------
def _fake_conn(endpoint: str) -> aws.Connection:
    session = aws.new_session(offline=True, region_name="us-east-1", **aws.OFFLINE_CREDENTIALS)
    return aws.Connection("offline", "us-east-1", session, endpoint)


def port_answers_a_json_list(ctx: Context):
    from tests import fake_servers

    ctx.monkeypatch.delenv("WORKSHOP_ENDPOINT_URL", raising=False)
    with fake_servers.RawServer(fake_servers.http_answer("200 OK", b"[1, 2]")) as server:
        aws.connect(config.load(ctx.config_with(offline={"port": server.port})))


def port_speaks_no_http(ctx: Context):
    from tests import fake_servers

    ctx.monkeypatch.delenv("WORKSHOP_ENDPOINT_URL", raising=False)
    with fake_servers.RawServer(fake_servers.garbage) as server:
        aws.connect(config.load(ctx.config_with(offline={"port": server.port})))


def stream_cut_off(ctx: Context):
    from tests import fake_servers

    frames = b"\x00\x00\x00\x10\x00\x00\x00\x00"  # a frame header announcing 16 bytes...
    with fake_servers.RawServer(fake_servers.partial_stream(frames, "reset")) as server:
        invoke.stream(_fake_conn(server.endpoint), "us.amazon.nova-lite-v1:0", "hi").read()


def empty_http_200(ctx: Context):
    from tests import fake_servers

    with fake_servers.RawServer(fake_servers.http_answer("200 OK", b"")) as server:
        invoke.converse(_fake_conn(server.endpoint), "us.amazon.nova-lite-v1:0", "hi")


def http_200_of_another_shape(ctx: Context, body: bytes, content_type: str, call: str):
    from tests import fake_servers

    answer = fake_servers.http_answer("200 OK", body, content_type)
    with fake_servers.RawServer(answer) as server:
        conn = _fake_conn(server.endpoint)
        if call == "stream":
            invoke.stream(conn, "us.amazon.nova-lite-v1:0", "hi").read()
        else:
            invoke.converse(conn, "us.amazon.nova-lite-v1:0", "hi")


def endpoint_variable_at_another_program(ctx: Context):
    from tests import fake_servers

    with fake_servers.RawServer(fake_servers.http_answer("200 OK", b"[]")) as server:
        ctx.monkeypatch.setenv("WORKSHOP_ENDPOINT_URL", server.endpoint)
        aws.connect(ctx.cfg)


def aws_files(ctx: Context, config_text: str, credentials_text: str = "") -> config.WorkshopConfig:
    """aws mode with the test's own AWS files (no network, no real account)."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        ctx.monkeypatch.delenv(name, raising=False)
    for name in ("CI", "WORKSHOP_HEADLESS"):
        ctx.monkeypatch.delenv(name, raising=False)
    config_file = ctx.tmp_path / "aws-config"
    credentials = ctx.tmp_path / "aws-credentials"
    config_file.write_text("[default]\nregion = us-east-1\n[profile analytics]\n")
    credentials.write_text(credentials_text)
    ctx.monkeypatch.setenv("AWS_CONFIG_FILE", str(config_file))
    ctx.monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    ctx.monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    cfg = config.load(ctx.config_with(mode="aws"))  # before the files break: config reads them
    config_file.write_text(config_text)
    return cfg


def aws_profile_typo(ctx: Context):
    cfg = aws_files(ctx, "[default]\nregion = us-east-1\n[profile analytics]\n")
    ctx.monkeypatch.setenv("AWS_PROFILE", "analytic")
    aws.connect(cfg)


def malformed_aws_config(ctx: Context):
    aws.connect(aws_files(ctx, "[default\nregion = us-east-1\n"))


def partial_credentials(ctx: Context):
    cfg = aws_files(ctx, "[default]\nregion = us-east-1\n")
    ctx.monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLEONLY")
    aws.connect(cfg)


def sso_never_signed_in(ctx: Context):
    cfg = aws_files(
        ctx,
        "[profile team]\nsso_start_url = https://example.awsapps.com/start\n"
        "sso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Admin\n",
    )
    ctx.monkeypatch.setenv("AWS_PROFILE", "team")
    ctx.monkeypatch.setenv("HOME", str(ctx.tmp_path))
    aws.connect(cfg).describe()


def foreign_alert_topic(ctx: Context):
    ctx.conn.client("sns").create_topic(Name="workshop-bedrock-alerts")
    alerts.ensure_topic(ctx.conn, ctx.cfg)


def foreign_glue_database(ctx: Context):
    ctx.conn.client("glue").create_database(DatabaseInput={"Name": "team_cur"})
    cur.register_athena_table(
        ctx.conn, "team_cur", "cur_daily", "s3://cur-exports/cur/", owner_tag=ctx.cfg.owner_tag
    )


CASES = [
    Case(
        "a us. profile copied in Tokyo",
        us_profile_from_tokyo,
        AwsError,
        (
            "cannot be called from ap-northeast-1",
            "jp.anthropic.claude-haiku-4-5-20251001-v1:0",
            "global.anthropic.claude-haiku-4-5-20251001-v1:0",
        ),
        "cannot be called from",
    ),
    Case(
        "a retired model copied",
        retired_model,
        AwsError,
        (
            "This model version has reached the end of its life",
            "anthropic.claude-haiku-4-5-20251001-v1:0",
            "00_setup",
        ),
        "reached the end of its life",
    ),
    Case(
        "an unknown geography prefix",
        lambda c: config.load(
            c.config_with(first_profile={"copy_from": "ca.amazon.nova-lite-v1:0"})
        ),
        ConfigError,
        ("not a cross-region profile prefix", "us., eu., apac., jp., au., us-gov., global."),
        "is not a cross-region profile prefix",
    ),
    Case(
        "InvokeModel on a Converse-only model",
        lambda c: invoke.family_of("deepseek.v3.2"),
        InputError,
        ("its InvokeModel body format is not public", "use converse()"),
        "its InvokeModel body format is not public",
    ),
    Case(
        "config missing",
        lambda c: config.load(c.tmp_path / "missing.json"),
        ConfigError,
        ("config file not found", "WORKSHOP_CONFIG"),
        "config file not found",
    ),
    Case(
        "config empty",
        lambda c: config.load(c.write_config("  ")),
        ConfigError,
        ("the file is empty",),
        "the file is empty",
    ),
    Case(
        "config malformed",
        lambda c: config.load(c.write_config('{"mode": "offline",}')),
        ConfigError,
        ("not valid JSON", "no trailing commas"),
        "not valid JSON",
    ),
    Case(
        "config value of the wrong type",
        lambda c: config.load(c.config_with(region=5)),
        ConfigError,
        ("key 'region' must be",),
        "must be",
    ),
    Case(
        "config unknown key",
        lambda c: config.load(c.config_with(tagkey="team")),
        ConfigError,
        ("'tagkey' is not a setting", "did you mean 'tag_key'"),
        "is not a setting",
    ),
    Case(
        "profile name AWS rejects",
        lambda c: config.load(c.config_with(first_profile={"name": "claims dept!"})),
        ConfigError,
        ("profiles[0].name", "AWS would refuse"),
        "AWS would refuse",
    ),
    Case(
        "description AWS rejects",
        lambda c: config.load(c.config_with(first_profile={"description": "請求部門 (試行)"})),
        ConfigError,
        ("profiles[0].description", "AWS would refuse"),
        "AWS would refuse",
    ),
    Case(
        "tag value too long",
        lambda c: config.load(c.config_with(first_profile={"tags": {"dept": "x" * 257}})),
        ConfigError,
        ("profiles[0].tags.dept", "at most 256"),
        "AWS would refuse",
    ),
    Case(
        "reserved tag key",
        lambda c: config.load(
            c.config_with(first_profile={"tags": {"dept": "a", "aws:team": "b"}})
        ),
        ConfigError,
        ("reserved prefix 'aws:'",),
        "reserved prefix",
    ),
    Case(
        "copy from an application profile",
        lambda c: config.load(
            c.config_with(
                first_profile={
                    "copy_from": "arn:aws:bedrock:us-east-1:123456789012:"
                    "application-inference-profile/abcdefghijkl"
                }
            )
        ),
        ConfigError,
        ("names an application inference profile",),
        "names an application inference profile",
    ),
    Case(
        "model not offered in the region",
        model_not_in_region,
        AwsError,
        ("The provided model identifier is invalid", "offered in eu-central-1"),
        "The provided model identifier is invalid.",
    ),
    Case(
        "unknown profile",
        lambda c: profiles.resolve(c.conn, "no_such_profile"),
        InputError,
        ("No inference profile named or identified 'no_such_profile'", "run 01_create_profiles"),
        "No inference profile named or identified",
    ),
    Case(
        "deleted profile",
        lambda c: (
            c.conn.bedrock.delete_inference_profile(inferenceProfileIdentifier=c.profile().arn),
            profiles.resolve(c.conn, "claims_dept"),
        ),
        InputError,
        ("No inference profile named or identified",),
        "No inference profile named or identified",
    ),
    Case(
        "body of the wrong model family",
        lambda c: invoke.invoke_model(c.conn, c.profile(), body={"inputText": "hi"}),
        InputError,
        ("in the titan-text format", "of the anthropic-messages family", "invoke.invoke_body"),
        "format, but",
    ),
    Case(
        "empty prompt",
        lambda c: invoke.converse(c.conn, c.profile(), "  "),
        InputError,
        ("The prompt is empty",),
        "The prompt is empty",
    ),
    Case(
        "max_tokens out of range",
        lambda c: invoke.converse(c.conn, HAIKU, "hi", max_tokens=0),
        InputError,
        ("max_tokens must be",),
        "max_tokens must be",
    ),
    Case(
        "max_tokens above the model's limit",
        lambda c: invoke.converse(c.conn, HAIKU, "hi", max_tokens=70000),
        AwsError,
        ("exceeds the model limit of 64000",),
        "exceeds the model limit",
    ),
    Case(
        "model served only through a profile",
        lambda c: invoke.converse(c.conn, "anthropic.claude-sonnet-4-6", "hi"),
        AwsError,
        (
            "on-demand throughput isn\u2019t supported",
            "us.anthropic.claude-sonnet-4-6",
        ),
        "on-demand throughput",
    ),
    Case(
        "inverted period",
        lambda c: costs.period("2026-11-10", "2026-11-01", today=date(2026, 11, 20)),
        InputError,
        ("is inverted", "End is exclusive"),
        "is empty or inverted",
    ),
    Case(
        "empty period",
        lambda c: costs.period("2026-11-10", "2026-11-10", today=date(2026, 11, 20)),
        InputError,
        ("is empty",),
        "is empty or inverted",
    ),
    Case(
        "period on the 1st of the month",
        first_of_month,
        InputError,
        ("original cost_analysis.py on the 1st of a month",),
        "is empty or inverted",
    ),
    Case(
        "future period",
        lambda c: costs.period(date.today() + timedelta(days=3), date.today() + timedelta(days=5)),
        InputError,
        ("in the future",),
        "in the future",
    ),
    Case(
        "tag not in use, cannot be activated",
        lambda c: costs.activate_tag(c.conn, "ghost"),
        InputError,
        ("did not activate 'ghost'",),
        "did not activate",
    ),
    Case(
        "stand-in port taken by another program",
        port_taken,
        StandinError,
        ("taken by another program", '"offline": {"port"'),
        "is taken by another program",
    ),
    Case(
        "stand-in stopped mid-run",
        standin_stopped_mid_run,
        StandinError,
        ("is not answering", "make standin", "01_create_profiles"),
        "is not answering",
    ),
    Case(
        "offline endpoint off this machine",
        lambda c: (
            c.monkeypatch.setenv("WORKSHOP_ENDPOINT_URL", "http://10.1.2.3:4599"),
            aws.connect(c.cfg),
        ),
        StandinError,
        ("loopback only",),
        "loopback only",
    ),
    Case(
        "aws mode without credentials",
        no_credentials,
        WorkshopError,
        ("no AWS credentials were found", "aws configure"),
        "no AWS credentials were found",
    ),
    Case(
        "aws mode with expired credentials",
        lambda c: profiles.list_profiles(
            stubbed(
                c.aws_conn(),
                "ExpiredTokenException",
                "The security token included in the request is expired",
                400,
            )
        ),
        AwsError,
        ("your AWS credentials have expired", "aws sso login"),
        "have expired",
    ),
    Case(
        "aws mode without permission",
        lambda c: profiles.list_profiles(
            stubbed(
                c.aws_conn(),
                "AccessDeniedException",
                "User is not authorized to perform: bedrock:ListInferenceProfiles",
                403,
            )
        ),
        AwsError,
        ("allow the IAM action bedrock:ListInferenceProfiles", "iam-policy.json"),
        "allow the IAM action",
    ),
    Case(
        "aws mode in CI",
        aws_in_ci,
        WorkshopError,
        ("headless run", "WORKSHOP_ALLOW_AWS=1"),
        "headless run",
    ),
    Case(
        "load above the spend cap",
        over_the_spend_cap,
        InputError,
        ("could cost up to $", "spend cap of $1.00", "spend_cap_usd"),
        "above the spend cap",
    ),
    Case(
        "budget of zero",
        lambda c: budgets.budget_request("123456789012", c.cfg, "claims", 0, "a@example.com"),
        InputError,
        ("must be above 0 USD",),
        "must be above 0 USD",
    ),
    Case(
        "unknown metric",
        lambda c: metrics.build_queries([], ("TokenCount",)),
        InputError,
        ("Unknown Bedrock metric(s): TokenCount",),
        "Unknown Bedrock metric",
    ),
    Case(
        "table name that is not a name",
        lambda c: cur.table_name("cur; DROP", "t"),
        InputError,
        ("not a plain table or database name",),
        "not a plain table",
    ),
    Case(
        "someone else's profile has a configured name",
        foreign_profile_of_a_configured_name,
        ConfigError,
        ("claims_dept exists but is not the workshop's", "another name in config.json"),
        "belongs to someone else",
    ),
    Case(
        "the workshop's profile runs another model than configured",
        our_profile_on_another_model,
        ConfigError,
        ("but config.json copies it from amazon.nova-micro-v1:0", "99_cleanup"),
        "but config.json copies it from",
    ),
    Case(
        "01 with a config of profile_names only",
        lambda c: profiles.to_create(
            config.load(c.write_config({"mode": "offline", "profile_names": ["x"]}))
        ),
        ConfigError,
        ("lists no profiles to create", '"profiles" list'),
        "lists no profiles to create",
    ),
    Case(
        "tagging someone else's profile",
        foreign_profile_tagged,
        InputError,
        ("is not the workshop's profile", "belongs to someone else"),
        "not the workshop's profile",
    ),
    Case(
        "new_tag with a key the profile has",
        lambda c: profiles.tag(c.conn, c.profile().arn, {"dept": "audit"}, c.cfg.owner_tag),
        InputError,
        ("already has the tag(s) dept=claims", "choose a key the profile does not have"),
        "tagging would overwrite them",
    ),
    Case(
        "untagging the ownership tag",
        lambda c: profiles.untag(c.conn, c.profile().arn, "workshop", c.cfg.owner_tag),
        InputError,
        ("would take away the workshop's ownership tag", "leave workshop out"),
        "would take away the workshop's ownership tag",
    ),
    Case(
        "also_delete given a number",
        lambda c: profiles.delete_plan(c.conn, c.cfg, names=7, insist=True),
        InputError,
        ("names (also_delete) must be a string or a list of strings, not int 7",),
        "must be a string or a list of strings",
    ),
    Case(
        "find_by_tag values given a dict",
        lambda c: profiles.find_by_tag(c.conn, "dept", {"dept": "claims"}),
        InputError,
        ("values must be a string or a list of strings, not dict",),
        "must be a string or a list of strings",
    ),
    Case(
        "find_by_tag given a list as the key",
        lambda c: profiles.find_by_tag(c.conn, ["dept"]),
        InputError,
        ("The tag key must be a non-empty string",),
        "The tag key must be a non-empty string",
    ),
    Case(
        "07 with profiles that lack the cost allocation tag",
        lambda c: budgets.departments([c.profile()], "team"),
        InputError,
        ("carries the cost allocation tag 'team'", '"tag_key"'),
        "carries the cost allocation tag",
    ),
    Case(
        "a misspelt model behind a system profile prefix",
        lambda c: profiles.resolve(c.conn, "us.amazon.nova-9-lite-v1:0"),
        InputError,
        ("amazon.nova-9-lite-v1:0 is not a model the workshop's catalog knows", "spelling"),
        "is not a model the workshop's catalog knows",
    ),
    Case(
        "a port answering a JSON list",
        port_answers_a_json_list,
        StandinError,
        ("is taken by another program", "a JSON list", "stop that program"),
        "is taken by another program",
    ),
    Case(
        "a port held by a program that does not speak HTTP",
        port_speaks_no_http,
        StandinError,
        ("is taken by another program", "not the workshop's stand-in"),
        "is taken by another program",
    ),
    Case(
        "a stream cut off by a reset",
        stream_cut_off,
        StandinError,
        ("broke off before the answer was complete", "Received before it broke"),
        "broke off before the answer was complete",
    ),
    Case(
        "an empty HTTP 200",
        empty_http_200,
        StandinError,
        ("(HTTP 200) without 'output'", "is empty or cut short"),
        "is empty or cut short",
    ),
    Case(
        "an AWS_PROFILE typo",
        aws_profile_typo,
        WorkshopError,
        ("(from AWS_PROFILE) is not in your AWS config", "did you mean 'analytics'"),
        "(from AWS_PROFILE) is not in your AWS config",
    ),
    Case(
        "a malformed ~/.aws/config",
        malformed_aws_config,
        WorkshopError,
        ("is not readable as INI", "[profile NAME]"),
        "is not readable as INI",
    ),
    Case(
        "a key ID without its secret",
        partial_credentials,
        WorkshopError,
        ("are incomplete: AWS_SECRET_ACCESS_KEY is missing",),
        "are incomplete",
    ),
    Case(
        "an SSO profile never signed in (or its token expired)",
        sso_never_signed_in,
        WorkshopError,
        ("session has expired or was never started", "aws sso login"),
        "session has expired or was never started",
    ),
    Case(
        "a system message in converse's messages",
        lambda c: invoke.converse_request(
            "m", [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]
        ),
        InputError,
        ("Converse takes the system prompt apart", "system="),
        "Converse takes the system prompt apart",
    ),
    Case(
        "an unknown role in converse's messages",
        lambda c: invoke.converse_request("m", [{"role": "tool", "content": "42"}]),
        InputError,
        ("Converse knows only 'user' and 'assistant'",),
        "Converse knows only 'user' and 'assistant'",
    ),
    Case(
        "an OpenAI image block",
        lambda c: invoke.converse_request(
            "m", [{"role": "user", "content": [{"type": "image_url", "image_url": "x"}]}]
        ),
        InputError,
        ("which Converse does not take", "Converse blocks are"),
        "which Converse does not take",
    ),
    Case(
        "one message dict instead of a list",
        lambda c: invoke.converse_request("m", {"role": "user", "content": "hi"}),
        InputError,
        ("One message was passed where a list of messages belongs", "[message]"),
        "where a list of messages belongs",
    ),
    Case(
        "a message list given to invoke_model",
        lambda c: invoke.invoke_model(c.conn, c.profile(), [{"role": "user", "content": "hi"}]),
        InputError,
        ("invoke_model takes one prompt string", "converse()"),
        "invoke_model takes one prompt string",
    ),
    Case(
        "profile names given to generate_load",
        lambda c: loadgen.generate_load(c.conn, ["claims_dept"], ["hi"], 3, progress=False),
        InputError,
        ("generate_load takes Profile objects", "profiles.resolve"),
        "generate_load takes Profile objects",
    ),
    Case(
        "a temperature as text",
        lambda c: invoke.converse_request("m", "hi", temperature="0.5"),
        InputError,
        ("temperature must be a number from 0 to 1",),
        "temperature must be a number from 0 to 1",
    ),
    Case(
        "WORKSHOP_ENDPOINT_URL with a bad port",
        lambda c: (
            c.monkeypatch.setenv("WORKSHOP_ENDPOINT_URL", "http://127.0.0.1:99999"),
            aws.connect(c.cfg),
        ),
        StandinError,
        ("has no valid port",),
        "has no valid port",
    ),
    # issue 13, class 20: the types an analyst passes
    Case(
        "last_days with a word",
        lambda c: costs.last_days("seven"),
        InputError,
        ("days must be a whole number, not 'seven'", "days=7"),
        "must be a whole number",
    ),
    Case(
        "last_days with a fraction",
        lambda c: costs.last_days(7.5),
        InputError,
        ("days must be a whole number, not 7.5",),
        "must be a whole number",
    ),
    Case(
        "a period in day/month/year",
        lambda c: costs.period("01/11/2026", "2026-11-08"),
        InputError,
        ("start '01/11/2026' is not a date", "YYYY-MM-DD"),
        "is not a date",
    ),
    Case(
        "metrics.usage with a word for a date",
        lambda c: metrics.usage(c.conn, [c.profile()], "last week", date.today()),
        InputError,
        ("start 'last week' is not a date or time", "YYYY-MM-DD"),
        "is not a date or time",
    ),
    Case(
        "metrics.usage with profile names",
        lambda c: metrics.usage(c.conn, ["claims_dept"], "2026-11-01", "2026-11-02"),
        InputError,
        ("takes Profile objects, not 'claims_dept'", "profiles.resolve"),
        "takes Profile objects",
    ),
    Case(
        "metrics.usage with a period in words",
        lambda c: metrics.usage(c.conn, [c.profile()], "2026-11-01", "2026-11-02", "daily"),
        InputError,
        ("period must be a whole number, not 'daily'",),
        "must be a whole number",
    ),
    Case(
        "a month-end projection over no days",
        lambda c: analysis.project_month_end(empty_daily(), "2026-11-28", window_days=0),
        InputError,
        ("window_days must be at least 1, not 0",),
        "window_days must be at least 1",
    ),
    Case(
        "a cost request for a number of days",
        lambda c: costs.cost_request(30, "dept"),
        InputError,
        ("A cost period must be a costs.Period, not 30", "costs.last_days(30)"),
        "must be a costs.Period",
    ),
    Case(
        "Bedrock services for a pair of strings",
        lambda c: costs.bedrock_services(c.conn, ("2026-11-01", "2026-11-08")),
        InputError,
        ("must be a costs.Period", "costs.period("),
        "must be a costs.Period",
    ),
    # issue 13: config.json as people paste, type and save it
    Case(
        "an owner tag that is the cost tag",
        lambda c: config.load(c.config_with(owner_tag={"key": "dept", "value": "claims"})),
        ConfigError,
        ("key 'owner_tag' uses the tag key \"dept\", which is also tag_key", "clean-up"),
        "uses the tag key",
    ),
    Case(
        "a profile listed twice",
        lambda c: config.load(c.write_config({"profile_names": ["claims", "claims"]})),
        ConfigError,
        ('names "claims" more than once', "counts its usage and cost twice"),
        "more than once",
    ),
    Case(
        "a NaN spend cap",
        lambda c: config.load(c.write_config('{"profile_names": ["a"], "spend_cap_usd": NaN}')),
        ConfigError,
        ("key 'spend_cap_usd' is NaN or Infinity", "JSON has no NaN"),
        "is NaN or Infinity",
    ),
    Case(
        "a blank department",
        lambda c: config.load(c.config_with(first_profile={"tags": {"dept": " "}})),
        ConfigError,
        ("key 'profiles[0].tags.dept' is empty", "no budget covers it"),
        "is empty",
    ),
    Case(
        "a stream delay that stalls the stand-in",
        lambda c: config.load(c.config_with(offline={"stream_delay_ms": 1e12})),
        ConfigError,
        ("key 'offline.stream_delay_ms' is 1000000000000.0", "from 0 to 1000"),
        "offline.stream_delay_ms",
    ),
    Case(
        "a name pasted with a trailing space",
        lambda c: config.load(c.config_with(first_profile={"name": "claims_dept "})),
        ConfigError,
        ('ends with whitespace: "claims_dept "', 'write "claims_dept"'),
        "ends with whitespace",
    ),
    Case(
        "a key pasted with a trailing space",
        lambda c: config.load(c.write_config({"profile_names": ["a"], "tag_key ": "dept"})),
        ConfigError,
        ("is not a setting", 'the key ends with whitespace: "tag_key "', "did you mean 'tag_key'?"),
        "is not a setting",
    ),
    Case(
        "config.json saved as Shift-JIS",
        lambda c: (
            (path := c.tmp_path / "sjis.json").write_bytes(
                '{"profile_names": ["a"], "note": "請求"}'.encode("shift_jis")
            )
            and config.load(path)
        ),
        ConfigError,
        ("is not UTF-8", "Shift-JIS", "Set-Content -Encoding utf8"),
        "is not UTF-8",
    ),
    Case(
        "a key given twice",
        lambda c: config.load(
            c.write_config('{"profile_names": ["a"], "tag_key": "a", "tag_key": "b"}')
        ),
        ConfigError,
        ('the key "tag_key" appears twice',),
        "appears twice",
    ),
    Case(
        "one profile named by its name and by its ID",
        lambda c: profiles.to_analyse(
            c.conn,
            config.load(
                c.write_config(
                    {"profile_names": ["claims_dept", c.profile().profile_id]},
                )
            ),
        ),
        ConfigError,
        ("names one profile more than once", "claims_dept as 'claims_dept' and"),
        "more than once",
    ),
    Case(
        "a profile_names-only config naming nothing that exists",
        lambda c: profiles.to_analyse(
            c.conn, config.load(c.write_config({"profile_names": ["gone_a", "gone_b"]}))
        ),
        InputError,
        ("None of the profiles to analyse exists", "check the names in profile_names"),
        "None of the profiles to analyse exists",
    ),
    Case(
        "hourly cost beyond 14 days",
        lambda c: costs.last_days(30, granularity="HOURLY"),
        InputError,
        ("HOURLY granularity covers only the last 14 days", "enabled in Cost Explorer"),
        "HOURLY granularity covers only the last 14 days",
    ),
    Case(
        "weekly granularity",
        lambda c: costs.last_days(7, granularity="weekly"),
        InputError,
        ("Granularity 'weekly' is not one of DAILY, MONTHLY, HOURLY",),
        "is not one of DAILY, MONTHLY, HOURLY",
    ),
    Case(
        "budget in words",
        lambda c: budgets.limits(["claims"], {"claims": "ten"}, 5.0),
        InputError,
        ("budgets_usd['claims']", "must be a number, not 'ten'"),
        "must be a number, not",
    ),
    Case(
        "negative alert threshold",
        lambda c: budgets.budget_request(
            "123456789012", c.cfg, "claims", 10, "a@example.com", -5, 100
        ),
        InputError,
        ("forecast_threshold_pct", "must be above 0%"),
        "must be above 0%",
    ),
    Case(
        "alarm threshold of zero",
        lambda c: alarms.alarm_requests(None, c.cfg.owner_tag, "dept", "0"),
        InputError,
        ("tokens_per_hour_alarm", "must be above 0 tokens"),
        "must be above 0 tokens",
    ),
    Case(
        "a JSON list where Converse's answer belongs",
        lambda c: http_200_of_another_shape(c, b"[1, 2]", "application/json", "converse"),
        StandinError,
        ("(HTTP 200) but is not JSON in the shape of AWS's answer", "so it cannot be read"),
        "but is not ... so it cannot be read",
    ),
    Case(
        "text where Converse's token count belongs",
        lambda c: http_200_of_another_shape(
            c,
            b'{"output": {"message": {"role": "assistant", "content": [{"text": "x"}]}}, '
            b'"stopReason": "end_turn", "metrics": {"latencyMs": 1}, '
            b'"usage": {"inputTokens": "a", "outputTokens": 1, "totalTokens": 1}}',
            "application/json",
            "converse",
        ),
        StandinError,
        ("(HTTP 200) but is not", "ValueError", "may not be the workshop's stand-in"),
        "but is not ... so it cannot be read",
    ),
    Case(
        "a proxy's login page where ConverseStream's event stream belongs",
        lambda c: http_200_of_another_shape(
            c, b"<html>Sign in to the proxy</html>", "text/html", "stream"
        ),
        StandinError,
        ("(HTTP 200) but is not an event stream", "another program holds the port"),
        "but is not ... so it cannot be read",
    ),
    Case(
        "WORKSHOP_ENDPOINT_URL at a port another program holds",
        endpoint_variable_at_another_program,
        StandinError,
        ("is taken by another program", "WORKSHOP_ENDPOINT_URL=http://127.0.0.1:", "unset it"),
        "is taken by another program",
    ),
    Case(
        "someone else's SNS topic named as the alert topic",
        foreign_alert_topic,
        InputError,
        ("belongs to someone else", "alert_topic", "workshop-bedrock-alerts"),
        "belongs to someone else",
    ),
    Case(
        "an alert topic without the workshop- prefix",
        lambda ctx: alerts.ensure_topic(ctx.conn, ctx.cfg, "bedrock-alerts"),
        InputError,
        ("does not start with 'workshop-'", "99_cleanup"),
        "does not start with 'workshop-'",
    ),
    Case(
        "someone else's Glue database named as 06's",
        foreign_glue_database,
        InputError,
        ("The Glue database team_cur exists but is not the workshop's", "athena_database"),
        "The Glue database ... exists but is not the workshop's",
    ),
    Case(
        "a budget alert with nobody to tell",
        lambda ctx: budgets.budget_request("123456789012", ctx.cfg, "claims", 5.0, None),
        InputError,
        ("needs someone to tell", "topic_arn"),
        "A budget alert needs someone to tell",
    ),
    Case(
        "InvokeModelWithResponseStream for gpt-oss, whose chunks are not public",
        lambda c: invoke.invoke_stream(c.conn, "openai.gpt-oss-120b-1:0", "Hello"),
        InputError,
        ("does not publish its InvokeModelWithResponseStream chunk format", "invoke.stream()"),
        "does not publish its InvokeModelWithResponseStream chunk format",
    ),
    Case(
        "InvokeModelWithResponseStream for Llama 4, which cannot stream",
        lambda c: invoke.invoke_stream(c.conn, "us.meta.llama4-scout-17b-instruct-v1:0", "Hello"),
        InputError,
        ("which cannot stream", "invoke.invoke_model()"),
        "which cannot stream",
    ),
]


def empty_daily():
    import pandas as pd

    return pd.DataFrame(columns=["start", "department", "cost"])


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_mistake_gets_a_message_that_says_what_to_do(case, conn, cfg, tmp_path, monkeypatch):
    context = Context(conn, cfg, tmp_path, monkeypatch)
    with pytest.raises(WorkshopError) as excinfo:
        case.trigger(context)
    error = excinfo.value
    assert isinstance(error, case.error), f"{type(error).__name__}: {error}"
    message = str(error)
    for fragment in case.fragments:
        assert fragment in message
    assert error.fix, "every message says how to fix it"
    rendered = error._render_traceback_()  # what Jupyter shows: the message, no stack
    assert rendered[0].startswith(type(error).__name__ + ": ")
    assert not any(re.search(r"Traceback|File \"", line) for line in rendered)
    assert case.readme in TROUBLESHOOTING, f"README Troubleshooting does not name {case.readme!r}"


def test_the_catalogue_is_large_enough():
    assert len(CASES) >= 25


def test_free_port_helper_gives_a_loopback_port_nobody_holds():
    import socket

    port = free_port()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", port))  # free: a stand-in can listen on it at once
        server.listen()
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass  # and reach it on loopback
