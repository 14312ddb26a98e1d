"""The notebooks in the orders people really run them: README promises every notebook runs on
its own from a fresh kernel once 01 has created the profiles, whatever ran before.

99 -> 01 -> 04 -> 05 (one history billed once) is in test_offline_history.py."""

from __future__ import annotations

import json

import papermill
import pytest

from tests.conftest import ACCOUNT
from tests.test_notebooks import ROOT, application_profiles, papermill_run, read_csv, text_of

DEPARTMENTS = {"claims", "underwriting", "support"}
SHIPPED = sorted(p["name"] for p in json.loads((ROOT / "config.json").read_text())["profiles"])


def bill(out) -> dict[str, float]:
    return {r["department"]: float(r["cost_usd"]) for r in read_csv(out / "chargeback.csv")}


@pytest.mark.slow
def test_analysis_before_any_usage_then_the_rest_backwards(workshop, client, tmp_path):
    """00 -> 01, then the analysis notebooks before any load went through the profiles."""
    out = tmp_path / "out"
    order = [
        "00_setup",
        "01_create_profiles",
        "05_cost_analysis",
        "07_budgets_and_alerts",
        "06_cur_at_scale",
        "02_inspect_profiles",
        "03_invoke_models",
        "05_cost_analysis",
        "99_cleanup",
    ]
    shown = {}
    for step, name in enumerate(order):
        extra = {"output_dir": str(out)} if name.startswith(("05", "06", "07")) else {}
        shown[(step, name)] = text_of(papermill_run(name, tmp_path / f"{step:02d}", **extra))
    assert application_profiles(client) == []
    for (_, name), text in shown.items():
        assert ACCOUNT not in text, f"{name} shows an account ID unmasked"
    # after clean-up, a notebook that needs the profiles says to create them: one message
    with pytest.raises(papermill.PapermillExecutionError) as stopped:
        papermill_run("02_inspect_profiles", tmp_path / "after_cleanup")
    assert stopped.value.ename == "WorkshopError"
    assert "create them first (01_create_profiles)" in stopped.value.evalue


@pytest.mark.slow
def test_an_analyst_changes_the_tag_key_period_and_granularity(workshop, client, tmp_path):
    """The analyst's first tweaks: group by another tag key (a second cost allocation tag
    activation, within AWS's one backfill a day), another period, monthly granularity."""
    path = tmp_path / "config.json"
    raw = json.loads((ROOT / "config.json").read_text())
    teams = {"claims": "intake", "underwriting": "risk", "support": "intake"}
    for spec in raw["profiles"]:
        spec["tags"]["team"] = teams[spec["tags"]["dept"]]
    path.write_text(json.dumps(raw))
    config_path = str(path)
    papermill_run("01_create_profiles", tmp_path / "a", config_path=config_path)
    papermill_run("04_generate_usage", tmp_path / "a", config_path=config_path, requests=6)
    by_dept = tmp_path / "dept"
    papermill_run("05_cost_analysis", by_dept, config_path=config_path, output_dir=str(by_dept))
    by_team = tmp_path / "team"
    executed = papermill_run(
        "05_cost_analysis",
        by_team,
        config_path=config_path,
        tag_key="team",
        days=14,
        granularity="MONTHLY",
        output_dir=str(by_team),
    )
    team_bill = bill(by_team)
    assert {"intake", "risk"} <= {d for d, cost in team_bill.items() if cost > 0}
    assert "team" in text_of(executed)
    cur = tmp_path / "cur"
    papermill_run(
        "06_cur_at_scale", cur, config_path=config_path, tag_key="team", output_dir=str(cur)
    )


@pytest.mark.slow
def test_parameters_as_people_type_them(workshop, client, tmp_path):
    """Hourly cost in lower case, amounts and thresholds typed as text: accepted; a budget in
    words: one message naming the parameter."""
    papermill_run("01_create_profiles", tmp_path / "a")
    papermill_run("04_generate_usage", tmp_path / "a", requests=3, max_tokens=16)
    hourly = tmp_path / "hourly"
    papermill_run("05_cost_analysis", hourly, granularity="hourly", days=2, output_dir=str(hourly))
    assert {d for d, cost in bill(hourly).items() if cost > 0} >= DEPARTMENTS
    typed = tmp_path / "typed"
    executed = papermill_run(
        "07_budgets_and_alerts",
        typed,
        budgets_usd={"claims": "10.5"},
        default_budget_usd="5",
        tokens_per_hour_alarm="200000",
        output_dir=str(typed),
    )
    limits = {
        r["department"]: float(r["budget_usd"]) for r in read_csv(typed / "budget_vs_actual.csv")
    }
    assert limits == {"claims": 10.5, "underwriting": 5.0, "support": 5.0}
    assert "Traceback" not in text_of(executed)
    with pytest.raises(papermill.PapermillExecutionError) as stopped:
        papermill_run("07_budgets_and_alerts", tmp_path / "words", budgets_usd={"claims": "ten"})
    assert stopped.value.ename == "InputError"
    assert "budgets_usd['claims']" in stopped.value.evalue
