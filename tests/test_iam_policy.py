"""iam-policy.json allows every AWS call the workshop makes, and nothing more.

The calls are recorded by tests/support/calls.py (botocore event hooks in the tests' process and,
through tests/support/kernel/sitecustomize.py, in every notebook kernel). Every session checks
that the policy allows each call recorded while it ran (conftest.py's pytest_sessionfinish), so
the check holds for any subset of the tests; after the whole suite has passed, it also checks
that the policy allows no action the recorded calls did not need.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.errors import WORKSHOP_SERVICES
from tests.support import calls

ROOT = Path(__file__).resolve().parents[1]
POLICY = json.loads((ROOT / "iam-policy.json").read_text())

CREATE = {"service": "bedrock", "operation": "CreateInferenceProfile", "tagged": True}
CONVERSE = {"service": "bedrock-runtime", "operation": "Converse", "tagged": False}


def test_a_call_needs_its_action_its_tag_action_and_what_it_implies():
    assert calls.iam_actions("bedrock", "CreateInferenceProfile", tagged=True) == {
        "bedrock:CreateInferenceProfile",
        "bedrock:TagResource",
    }
    assert calls.iam_actions("bedrock", "CreateInferenceProfile") == {
        "bedrock:CreateInferenceProfile"
    }
    assert calls.iam_actions("bedrock-runtime", "Converse") == {
        "bedrock:InvokeModel",
        *calls.MARKETPLACE_ACTIONS,
    }
    assert calls.iam_actions("budgets", "DescribeBudgets") == {"budgets:ViewBudget"}
    assert calls.iam_actions("sts", "GetCallerIdentity") == set()


def test_an_action_missing_from_the_policy_is_named_with_the_calls_needing_it():
    trimmed = {
        "Statement": [
            {**s, "Action": [a for a in s["Action"] if a != "bedrock:TagResource"]}
            for s in POLICY["Statement"]
        ]
    }
    assert calls.missing_actions([CREATE, CONVERSE], POLICY) == {}
    assert calls.missing_actions([CREATE, CONVERSE], trimmed) == {
        "bedrock:TagResource": ["bedrock:CreateInferenceProfile"]
    }


@pytest.mark.slow
@pytest.mark.xdist_group("default_run")
def test_the_notebooks_calls_are_recorded_and_allowed(default_run):
    assert ("athena", "StartQueryExecution") in {
        (c["service"], c["operation"]) for c in default_run.calls
    }
    assert not calls.missing_actions(default_run.calls, POLICY)
    # only the workshop's own calls are recorded: helpers and notebook cells, not test code
    assert {c["service"] for c in default_run.calls} <= set(WORKSHOP_SERVICES)


@pytest.mark.slow
def test_a_session_fails_on_a_call_the_policy_lacks_and_leaves_no_call_log(tmp_path):
    """A session of one test that creates tagged profiles, against a policy without
    bedrock:TagResource: it fails naming the action, and removes its call log."""
    policy = tmp_path / "policy.json"
    policy.write_text(
        json.dumps(
            {
                "Statement": [
                    {**s, "Action": [a for a in s["Action"] if a != "bedrock:TagResource"]}
                    for s in POLICY["Statement"]
                ]
            }
        )
    )
    temp = tmp_path / "temp"
    temp.mkdir()
    environment = {
        k: v for k, v in os.environ.items() if k not in (calls.LOG_VARIABLE, "PYTHONPATH")
    }
    environment.update({"TMPDIR": str(temp), "WORKSHOP_TEST_IAM_POLICY": str(policy)})
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
    target = "tests/test_profiles.py::test_ensure_creates_then_reuses"
    failed = subprocess.run(
        [*command, target], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )
    assert failed.returncode == 1, failed.stdout[-2000:] + failed.stderr[-2000:]
    assert "1 passed" in failed.stdout  # the test passed; the policy check failed the session
    assert "iam-policy.json lacks actions the workshop calls" in failed.stdout
    assert "'bedrock:TagResource': ['bedrock:CreateInferenceProfile']" in failed.stdout
    assert not list(temp.glob("workshop-calls-*"))  # the session removed its call log
