"""The developer tooling: `make check-upstream`'s script and `make bench`'s test-suite row."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def load(path: str):
    spec = importlib.util.spec_from_file_location(Path(path).stem, ROOT / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_check_upstream_unpins_moto_boto3_and_botocore_and_keeps_the_rest():
    requirements = load("scripts/check_upstream.py").requirements()
    assert requirements[-3:] == ["moto[server]", "boto3", "botocore"]
    assert not [r for r in requirements[:-3] if r.split("[")[0].startswith(("moto", "boto"))]
    assert "pandas>=2.0" in requirements and "pytest>=8.0" in requirements


def test_check_upstream_reads_failures_and_errors_but_not_skips(tmp_path):
    report = tmp_path / "junit.xml"
    report.write_text(
        '<testsuites><testsuite name="pytest">'
        '<testcase classname="tests.test_offline_moto_hooks" name="test_moto_internal[a.b]">'
        '<failure message="x"/></testcase>'
        '<testcase classname="tests.test_x" name="test_ok"/>'
        '<testcase classname="tests.test_x" name="test_setup"><error message="y"/></testcase>'
        '<testcase classname="tests.test_x" name="test_skip"><skipped message="z"/></testcase>'
        "</testsuite></testsuites>",
        encoding="utf-8",
    )
    failed, ran = load("scripts/check_upstream.py").junit_results(report)
    assert failed == [
        "tests/test_offline_moto_hooks.py::test_moto_internal[a.b]",
        "tests/test_x.py::test_setup",
    ]
    assert ran == 3


def test_bench_times_the_pytest_command_make_test_runs(tmp_path):
    sys.path.insert(0, str(ROOT))
    from benchmarks.bench import make_test_pytest

    (tmp_path / "Makefile").write_text(
        "BIN := .venv/bin\nsetup:\n\t@echo set up\nlint: setup\n\t$(BIN)/ruff check .\n"
        "test: setup lint\n\t$(BIN)/python -m pytest -n 2 -m 'not browser'\n",
        encoding="utf-8",
    )
    assert make_test_pytest(tmp_path) == [
        sys.executable,
        "-m",
        "pytest",
        "-n",
        "2",
        "-m",
        "not browser",
    ]
    # and the project's own Makefile has exactly one pytest line in `make test`
    assert make_test_pytest()[:3] == [sys.executable, "-m", "pytest"]
