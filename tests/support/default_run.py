"""The default configuration run once per test session: every notebook in order, then all of
them again, then 99_cleanup (a dry run, a real one, one more), with a profile, a budget and
an alarm the workshop did not create.

Tests that only check what a normal run shows or writes read this run (the ``default_run``
fixture in conftest.py) instead of executing the notebooks again. What the account held after
each step is recorded as the run goes, since the stand-in is reset before every test.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from tests.conftest import ACCOUNT, control, create_foreign_alarm, create_foreign_budget
from tests.support import calls


@dataclass
class DefaultRun:
    out: Path  # the files 05, 06 and 07 wrote (second pass)
    month_to_date: Path  # 05 again over this month's days, the period of 07's budgets (pass 2)
    first: dict[str, Any] = field(default_factory=dict)  # executed notebooks, first pass
    second: dict[str, Any] = field(default_factory=dict)  # executed notebooks, second pass
    profiles_after: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    plan_only: Any = None  # 99 with dry_run
    after_plan: tuple[int, int] = (0, 0)  # (profiles, budgets) left by the dry run
    cleaned: Any = None  # 99
    after_cleanup: dict[str, list[str]] = field(default_factory=dict)
    after_again: list[str] = field(default_factory=list)  # profiles left after 99 once more
    calls: list[dict] = field(default_factory=list)  # the AWS calls the kernels made


def run(endpoint: str, client: Any, tmp: Path) -> DefaultRun:
    from tests.test_notebooks import ORDER, WRITERS, application_profiles, papermill_run

    control(endpoint, "POST", "/moto-api/reset")
    result = DefaultRun(out=tmp / "out", month_to_date=tmp / "month_to_date")
    log = tmp / "calls.jsonl"
    saved = {k: os.environ.get(k) for k in ("WORKSHOP_ENDPOINT_URL", "WORKSHOP_HEADLESS")}
    session_log = os.environ.get(calls.LOG_VARIABLE)
    os.environ.update(
        {"WORKSHOP_ENDPOINT_URL": endpoint, "WORKSHOP_HEADLESS": "1", calls.LOG_VARIABLE: str(log)}
    )
    try:
        for run_number, executed in ((1, result.first), (2, result.second)):
            for name in ORDER[:-1]:
                parameters = {"output_dir": str(result.out)} if name in WRITERS else {}
                executed[name] = papermill_run(name, tmp / f"run{run_number}", **parameters)
                result.profiles_after[(name, run_number)] = application_profiles(client)
                if (name, run_number) == ("07_budgets_and_alerts", 2):
                    # the month to date of 07's budgets, before 08 spends more
                    papermill_run(
                        "05_cost_analysis",
                        result.month_to_date,
                        days=date.today().day,
                        output_dir=str(result.month_to_date),
                    )
        client("bedrock").create_inference_profile(
            inferenceProfileName="finance_own_profile",
            modelSource={
                "copyFrom": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"
            },
            tags=[{"key": "dept", "value": "finance"}],
        )
        create_foreign_budget(client("budgets"), "finance-own-budget", "100")
        create_foreign_alarm(client("cloudwatch"), "finance-own-alarm", 1000)
        result.plan_only = papermill_run("99_cleanup", tmp / "dry", dry_run=True)
        result.after_plan = (
            len(application_profiles(client)),
            len(client("budgets").describe_budgets(AccountId=ACCOUNT)["Budgets"]),
        )
        result.cleaned = papermill_run("99_cleanup", tmp / "clean")
        result.after_cleanup = {
            "profiles": application_profiles(client),
            "budgets": [
                b["BudgetName"]
                for b in client("budgets").describe_budgets(AccountId=ACCOUNT)["Budgets"]
            ],
            "alarms": [
                a["AlarmName"] for a in client("cloudwatch").describe_alarms()["MetricAlarms"]
            ],
        }
        papermill_run("99_cleanup", tmp / "again")  # nothing left to do, no error
        result.after_again = application_profiles(client)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if session_log:
            os.environ[calls.LOG_VARIABLE] = session_log
    result.calls = calls.read_log(log)
    if session_log:  # the session's IAM check sees these calls too
        with open(session_log, "a", encoding="utf-8") as sink:
            sink.writelines(json.dumps(c) + "\n" for c in result.calls)
    return result
