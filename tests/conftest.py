"""Shared fixtures: one offline stand-in per test session, cleared before every test."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.model import Shape
from botocore.validate import ParamValidator

from helpers.offline import Standin, launcher

ROOT = Path(__file__).resolve().parents[1]

DUMMY_CREDENTIALS = {"aws_access_key_id": "offline", "aws_secret_access_key": "offline"}
ACCOUNT = "123456789012"  # the stand-in's account: AWS's documented example ID


def pytest_configure(config: pytest.Config) -> None:
    """Record every AWS call the helpers and notebooks make (tests/support/calls.py): in this
    process, and in every kernel through tests/support/kernel/sitecustomize.py."""
    import os
    import tempfile

    from tests.support import calls

    # Tests set these themselves; values left in the shell (or CI=true on a CI machine, which
    # makes aws mode refuse) must not leak into them.
    for name in (
        "WORKSHOP_ENDPOINT_URL",
        "WORKSHOP_CONFIG",
        "WORKSHOP_MODE",
        "WORKSHOP_HEADLESS",
        "WORKSHOP_ALLOW_AWS",
        "CI",
        "AWS_ENDPOINT_URL",
        "AWS_PROFILE",
    ):
        os.environ.pop(name, None)
    # xdist workers inherit the controller's log; the process that made it removes it at the end
    if calls.LOG_VARIABLE not in os.environ:
        handle, path = tempfile.mkstemp(prefix="workshop-calls-", suffix=".jsonl")
        os.close(handle)
        os.environ[calls.LOG_VARIABLE] = path
        config.stash[CALL_LOG_OWNED] = path
    kernel_path = str(calls.KERNEL_PATH)
    python_path = os.environ.get("PYTHONPATH", "")
    if kernel_path not in python_path.split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (kernel_path, python_path) if p)
    calls.install()


CALL_LOG_OWNED = pytest.StashKey[str]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first, so that under xdist the long notebook runs start at once and the
    short tests fill the gaps. One test of the default run leads (it starts the run); the others
    follow the other slow tests, when the run is done: a worker reaching one of them while the
    other worker is still running it would wait (see the default_run fixture)."""
    first = next((i for i in items if "default_run" in getattr(i, "fixturenames", ())), None)

    def rank(item: pytest.Item) -> int:
        if item is first:
            return 0
        if "default_run" in getattr(item, "fixturenames", ()):
            return 2
        return 1 if item.get_closest_marker("slow") else 3

    items.sort(key=rank)


def whole_suite(config: pytest.Config) -> bool:
    """Whether this session runs every test (no file, -k, -m, --lf or -x narrowing it)."""
    option = config.option
    narrowed = (
        option.keyword
        or option.markexpr
        or getattr(option, "lf", False)
        or getattr(option, "maxfail", 0)
        or getattr(option, "deselect", None)
    )
    return not narrowed and all(Path(a).resolve() == ROOT / "tests" for a in config.args)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """iam-policy.json must allow every call recorded while the tests ran, whichever ran (the
    session fails otherwise); after a whole, passing suite, it must allow nothing more."""
    import os

    from tests.support import calls

    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller checks
        return
    log = os.environ.get(calls.LOG_VARIABLE, "")
    try:
        policy_path = Path(os.environ.get("WORKSHOP_TEST_IAM_POLICY") or ROOT / "iam-policy.json")
        policy = json.loads(policy_path.read_text())
        recorded = calls.read_log(log)
    finally:
        owned = session.config.stash.get(CALL_LOG_OWNED, None)
        if owned:
            Path(owned).unlink(missing_ok=True)
            os.environ.pop(calls.LOG_VARIABLE, None)
    problems = []
    missing = calls.missing_actions(recorded, policy)
    if missing:
        problems.append(f"iam-policy.json lacks actions the workshop calls: {missing}")
    if exitstatus == pytest.ExitCode.OK and whole_suite(session.config):
        unused = sorted(calls.allowed_actions(policy) - set(calls.needed_actions(recorded)))
        if unused:
            problems.append(f"iam-policy.json allows actions the workshop never calls: {unused}")
    if problems:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        for message in problems:
            if reporter is not None:
                reporter.write_line(message, red=True, bold=True)
            else:
                print(message)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# The date the session's stand-in evaluates model lifecycles on, so that the tests do not depend
# on the day they run (Claude Sonnet 4.5 is Legacy on it, Claude 3 Haiku past its end of life).
PINNED_TODAY = "2026-11-28"


@pytest.fixture(scope="session")
def standin() -> Iterator[Standin]:
    from helpers.offline import state

    state.LAUNCH_SETTINGS.today = state.SETTINGS.today = PINNED_TODAY  # kept by every reset
    with Standin() as server:
        yield server


@pytest.fixture(scope="session")
def endpoint(standin: Standin) -> str:
    return standin.endpoint


def control(endpoint: str, method: str, path: str, body: dict | None = None) -> Any:
    """Call the stand-in's control API (or moto's) and return the decoded JSON."""
    return launcher.control(endpoint, method, path, body, timeout=30)


@pytest.fixture(autouse=True)
def _fresh_state(request: pytest.FixtureRequest) -> None:
    """Every test that uses the stand-in starts from an empty account."""
    if "endpoint" in request.fixturenames or "client" in request.fixturenames:
        control(request.getfixturevalue("endpoint"), "POST", "/moto-api/reset")


@pytest.fixture(scope="session")
def client(endpoint: str) -> Callable[..., Any]:
    """``client("bedrock", region)``: a boto3 client on the stand-in, cached per session."""
    cache: dict[tuple[str, str], Any] = {}
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})

    def make(service: str, region: str = "us-east-1") -> Any:
        key = (service, region)
        if key not in cache:
            cache[key] = boto3.client(
                service,
                region_name=region,
                endpoint_url=endpoint,
                config=config,
                **DUMMY_CREDENTIALS,
            )
        return cache[key]

    return make


# Values real AWS returns that botocore's enums lack (checked in public code that reads them).
AWS_VALUES_BEYOND_THE_MODEL = {
    # ListFoundationModels reports models served only through inference profiles this way.
    ("InferenceType", "INFERENCE_PROFILE"),
}


def _enum_problems(value: Any, shape: Shape, path: str, out: list[str]) -> None:
    if shape.type_name == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                _enum_problems(value[name], member, f"{path}.{name}", out)
    elif shape.type_name == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            _enum_problems(item, shape.member, f"{path}[{i}]", out)
    elif shape.type_name == "map" and isinstance(value, dict):
        for key, item in value.items():
            _enum_problems(item, shape.value, f"{path}[{key}]", out)
    elif (
        shape.type_name == "string"
        and getattr(shape, "enum", None)
        and value not in shape.enum
        and (shape.name, value) not in AWS_VALUES_BEYOND_THE_MODEL
    ):
        out.append(f"{path}: {value!r} is not one of {shape.enum}")


@pytest.fixture(scope="session")
def assert_shape() -> Callable[[str, str, dict], None]:
    """Check a parsed response against botocore's output shape and its enum values."""
    session = botocore.session.get_session()

    def check(service: str, operation: str, response: dict) -> None:
        shape = session.get_service_model(service).operation_model(operation).output_shape
        body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
        report = ParamValidator().validate(body, shape)
        assert not report.has_errors(), report.generate_report()
        problems: list[str] = []
        _enum_problems(body, shape, operation, problems)
        assert not problems, "; ".join(problems)

    return check


@pytest.fixture(scope="session")
def assert_events() -> Callable[[str, str, list], None]:
    """Check each event of an event stream against the stream's event shape."""
    session = botocore.session.get_session()

    def check(service: str, operation: str, events: list) -> None:
        output = session.get_service_model(service).operation_model(operation).output_shape
        stream_shape = output.members[output.event_stream_name]
        for event in events:
            assert len(event) == 1, event
            report = ParamValidator().validate(event, stream_shape)
            assert not report.has_errors(), report.generate_report()
            problems: list[str] = []
            _enum_problems(event, stream_shape, operation, problems)
            assert not problems, "; ".join(problems)

    return check


def error_of(excinfo: pytest.ExceptionInfo) -> tuple[str, int, str]:
    """(code, HTTP status, message) of a botocore ClientError."""
    response = excinfo.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"].get("Message", ""),
    )


def user(text: str) -> list[dict]:
    """A Converse conversation of one user message."""
    return [{"role": "user", "content": [{"text": text}]}]


@pytest.fixture
def haiku_profile(client) -> str:
    """The ARN of an application profile on Claude Haiku 4.5 in us-east-1, tagged dept=claims."""
    model = "anthropic.claude-haiku-4-5-20251001-v1:0"
    response = client("bedrock").create_inference_profile(
        inferenceProfileName="claims",
        modelSource={"copyFrom": f"arn:aws:bedrock:us-east-1::foundation-model/{model}"},
        tags=[{"key": "dept", "value": "claims"}],
    )
    return response["inferenceProfileArn"]


def metric_total(cloudwatch_client: Any, name: str, model_dimension: str, statistic="Sum"):
    """A statistic of one AWS/Bedrock metric over the last hour: (value, units seen)."""
    from datetime import datetime, timedelta, timezone

    now = datetime.now(timezone.utc)
    points = cloudwatch_client.get_metric_statistics(
        Namespace="AWS/Bedrock",
        MetricName=name,
        Dimensions=[{"Name": "ModelId", "Value": model_dimension}],
        StartTime=now - timedelta(hours=1),
        EndTime=now + timedelta(minutes=1),
        Period=3600,
        Statistics=[statistic],
    )["Datapoints"]
    return sum(p[statistic] for p in points), [p["Unit"] for p in points]


def create_foreign_budget(budgets_client: Any, name: str, amount: str) -> None:
    """A monthly cost budget created by someone else (no ownership tag)."""
    budgets_client.create_budget(
        AccountId=ACCOUNT,
        Budget={
            "BudgetName": name,
            "BudgetLimit": {"Amount": amount, "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
        },
    )


def create_foreign_alarm(cloudwatch_client: Any, name: str, threshold: float) -> None:
    """A Bedrock invocations alarm created by someone else (no ownership tag)."""
    cloudwatch_client.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/Bedrock",
        MetricName="Invocations",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=threshold,
        ComparisonOperator="GreaterThanThreshold",
    )


# --- helpers on the stand-in ---------------------------------------------------------------
BASE_CONFIG = {
    "mode": "offline",
    "region": "us-east-1",
    "tag_key": "dept",
    "profiles": [
        {
            "name": "claims_dept",
            "copy_from": "anthropic.claude-haiku-4-5-20251001-v1:0",
            "tags": {"dept": "claims"},
        },
        {
            "name": "underwriting_dept",
            "copy_from": "meta.llama3-70b-instruct-v1:0",
            "tags": {"dept": "underwriting"},
        },
        {
            "name": "support_dept",
            "copy_from": "us.amazon.nova-lite-v1:0",
            "tags": {"dept": "support"},
        },
    ],
}


@pytest.fixture
def cfg(tmp_path):
    """The test workshop config (three departments, three providers)."""
    from pathlib import Path

    from helpers import config

    return config.parse(json.loads(json.dumps(BASE_CONFIG)), Path(tmp_path / "config.json"))


@pytest.fixture
def conn(endpoint, cfg, monkeypatch):
    """A helpers Connection to the session's stand-in (state cleared before the test)."""
    from helpers import aws

    monkeypatch.setenv("WORKSHOP_ENDPOINT_URL", endpoint)
    return aws.connect(cfg)


@pytest.fixture
def workshop(endpoint, monkeypatch):
    """For notebook runs: kernels inherit this environment and talk to the session's stand-in,
    freshly reset, as a headless run."""
    control(endpoint, "POST", "/moto-api/reset")
    monkeypatch.setenv("WORKSHOP_ENDPOINT_URL", endpoint)
    monkeypatch.setenv("WORKSHOP_HEADLESS", "1")
    monkeypatch.delenv("WORKSHOP_CONFIG", raising=False)
    monkeypatch.delenv("WORKSHOP_MODE", raising=False)
    return endpoint


class CallCounter:
    """Counts AWS API calls by operation, through botocore's event hooks."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, model: Any = None, **_: Any) -> None:
        self.calls.append(model.name)

    def count(self, operation: str) -> int:
        return self.calls.count(operation)


@pytest.fixture
def api_calls(conn):
    """Every API call the connection's clients make from now on (register before first use)."""
    counter = CallCounter()
    conn.session.events.register("before-call.*.*", counter)
    return counter


@pytest.fixture(scope="session")
def default_run(endpoint, client, tmp_path_factory):
    """The default configuration's notebooks run once for the session (tests/support/
    default_run.py). Tests using it are marked xdist_group("default_run"); should the group
    still be split, xdist workers share one run through a lock in the session's temp folder."""
    import fcntl
    import os
    import pickle

    from tests.support import default_run as run

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the folder all workers of this session share
    folder = base / "default_run"
    folder.mkdir(exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = folder / "run.pickle"
        if done.exists():
            return pickle.loads(done.read_bytes())
        result = run.run(endpoint, client, folder)
        done.write_bytes(pickle.dumps(result))
        return result
