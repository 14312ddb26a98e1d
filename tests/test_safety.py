"""Safety: no secrets in the repository, errors in notebooks end without deep tracebacks,
concurrent kernels, a stopped stand-in, and billed calls refused in headless runs."""

from __future__ import annotations

import json
import re
import subprocess
import threading
from pathlib import Path

import nbformat
import pytest

from helpers.offline import Standin
from tests.conftest import BASE_CONFIG
from tests.test_notebooks import NOTEBOOKS, application_profiles

ROOT = Path(__file__).resolve().parents[1]
ACCESS_KEY = re.compile(r"(?<![A-Z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")
SECRET_KEY = re.compile(r"(?i)(secret|aws_secret_access_key)\W{0,5}[\"'=: ]+[A-Za-z0-9/+]{40}\b")
# 12 digits standing alone: not a run inside a hex digest (the Japanese notebooks' SHA-1 stamps)
# nor a UUID's last group
ACCOUNT_ID = re.compile(r"(?<![0-9A-Za-z])(?<![0-9a-fA-F]{4}-)\d{12}(?![0-9A-Za-z])")
EXAMPLE_ACCOUNT = "123456789012"  # AWS's documented example ID, the stand-in's account
# Further example IDs AWS's documentation uses (a second and third account in its examples).
EXAMPLE_ACCOUNTS = {EXAMPLE_ACCOUNT, "111122223333", "444455556666"}


def tracked_files() -> list[Path]:
    listed = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    files = [ROOT / name for name in listed if name]
    # an untracked checkout (e.g. a copied tree) still has the notebooks and helpers to scan
    return files or [p for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]


def test_no_credentials_or_account_ids_in_tracked_files():
    found = []
    for path in tracked_files():
        if not path.is_file() or path.suffix in (".png", ".parquet"):
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        for pattern, what in ((ACCESS_KEY, "access key"), (SECRET_KEY, "secret key")):
            found += [
                f"{path.relative_to(ROOT)}: {what} {m.group(0)[:12]}..."
                for m in pattern.finditer(text)
            ]
        for match in ACCOUNT_ID.finditer(text):
            if match.group(0) not in EXAMPLE_ACCOUNTS:
                found.append(f"{path.relative_to(ROOT)}: 12-digit number {match.group(0)}")
    assert not found, "\n".join(found)


def test_the_scanner_finds_what_it_looks_for():
    assert ACCESS_KEY.search("key = " + "AKIA" + "ABCDEFGHIJKLMNOP")
    assert SECRET_KEY.search("aws_secret_access_key = " + "a" * 40)
    assert ACCOUNT_ID.search("arn:aws:iam::" + "21098" + "7654321" + ":role/x")
    assert not ACCOUNT_ID.search("1234567890123")
    account = "21098" + "7654321"  # split, so this file holds no 12-digit number itself
    assert ACCOUNT_ID.search(f'"accountId": "{account}"')
    assert ACCOUNT_ID.search(f"s3://bucket/AWSLogs/{account}/")
    assert not ACCOUNT_ID.search(f'"en_sha1": "0fa{account}e4d1"')  # a run inside a hex digest
    assert not ACCOUNT_ID.search(f"00000000-0000-4000-8000-{account}")  # a UUID's last group


def run_failing(name: str, out: Path, **parameters):
    import papermill

    out.mkdir(parents=True, exist_ok=True)
    with pytest.raises(papermill.PapermillExecutionError):
        papermill.execute_notebook(
            str(NOTEBOOKS / f"{name}.ipynb"),
            str(out / f"{name}.ipynb"),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(NOTEBOOKS),
            progress_bar=False,
            execution_timeout=300,  # a hang fails the test instead of stalling CI
        )
    executed = nbformat.read(out / f"{name}.ipynb", as_version=4)
    errors = [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.output_type == "error"
    ]
    assert len(errors) == 1
    return errors[0]


def assert_no_deep_traceback(error):
    shown = "\n".join(error["traceback"])
    assert "site-packages" not in shown and "Traceback" not in shown, shown


@pytest.mark.slow
def test_a_bad_parameter_ends_in_a_message_not_a_traceback(workshop, tmp_path):
    error = run_failing("05_cost_analysis", tmp_path, days=0, output_dir=str(tmp_path))
    assert error["ename"] == "InputError"
    assert "days must be at least 1" in error["evalue"]
    assert_no_deep_traceback(error)


@pytest.mark.slow
def test_a_stopped_standin_is_named_with_how_to_restart(workshop, tmp_path, monkeypatch):
    standin = Standin()
    monkeypatch.setenv("WORKSHOP_ENDPOINT_URL", standin.start())
    standin.stop()
    error = run_failing("04_generate_usage", tmp_path)
    assert error["ename"] == "StandinError"
    assert "No stand-in answers" in error["evalue"]
    assert_no_deep_traceback(error)


@pytest.mark.slow
def test_aws_mode_is_refused_in_headless_runs(workshop, tmp_path):
    path = tmp_path / "aws.json"
    path.write_text(json.dumps({**BASE_CONFIG, "mode": "aws"}))
    error = run_failing("00_setup", tmp_path, config_path=str(path))
    assert error["ename"] == "WorkshopError"
    assert error["evalue"].startswith("Not ready yet: connection.")
    executed = nbformat.read(tmp_path / "00_setup.ipynb", as_version=4)
    from tests.test_notebooks import checks_of

    # the checks table's connection row is the one marked NO, and says why and how to allow it
    ready, detail = checks_of(executed, containing=">connection<")["connection"]
    assert ready == "NO"
    assert "aws mode in a headless run" in detail and "WORKSHOP_ALLOW_AWS=1" in detail
    shown = json.dumps([c.get("outputs") for c in executed.cells])
    assert "aws mode in a headless run" in shown and "WORKSHOP_ALLOW_AWS=1" in shown


@pytest.mark.slow
def test_two_kernels_creating_the_same_profiles_at_once(workshop, client, tmp_path):
    from tests.test_notebooks import papermill_run

    failures = []

    def run(index):
        try:
            papermill_run("01_create_profiles", tmp_path / f"kernel{index}")
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    shipped = json.loads((ROOT / "config.json").read_text())["profiles"]
    assert application_profiles(client) == sorted(p["name"] for p in shipped)
