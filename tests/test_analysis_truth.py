"""05's figures say only what the data supports (issue 14, adversarial try-out): a gap is never
"by construction", a rate is shown only where bill and tokens cover the same calls, notes match
the table, ARNs are masked, and the texts name what the notebook can know."""

from __future__ import annotations

import html
import json
import math
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import pytest

from helpers import analysis, report
from helpers.profiles import Profile

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "123456789012"


def profile(name: str, tags: dict[str, str], created: datetime | None = None) -> Profile:
    return Profile(
        name=name,
        profile_id="abcd1234efgh",
        arn=f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/abcd1234efgh",
        type="APPLICATION",
        status="ACTIVE",
        model_arns=("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-2-lite-v1:0",),
        created_at=created,
        tags=tags,
    )


# --- 1: "by construction" only where estimate and bill agree ----------------------------------
def test_a_gap_is_never_by_construction_and_names_its_likely_causes():
    estimated = pd.DataFrame(
        {"department": ["claims-automation", "claims"], "estimated_cost": [1.62, 0.5]}
    )
    billed = pd.DataFrame(
        {"department": ["claims-automation", "claims", "legal"], "cost": [0.02, 0.5, 1.30]}
    )
    causes = analysis.gap_causes(
        "team", date(2026, 10, 30), [], {}, unbackfilled=date(2026, 11, 28)
    )
    out = analysis.reconcile(estimated, billed, by_construction=True, causes=causes)
    basis = out.set_index("department")["basis"]
    assert basis["claims"] == "by construction"
    assert "by construction" not in basis["claims-automation"]
    assert basis["claims-automation"].startswith("differs: ")
    assert (
        "'team' was activated on 2026-11-28 and no backfill covered" in basis["claims-automation"]
    )
    assert "by construction" not in basis["legal"]
    assert "no analysed profile carries it now" in basis["legal"]
    measured = analysis.reconcile(estimated, billed).set_index("department")["basis"]
    assert measured["claims"] == "measured"
    assert measured["legal"].startswith("measured, differs: ")


def test_a_profile_created_inside_the_period_is_a_cause_for_its_department():
    today = datetime(2026, 11, 28, 9, tzinfo=timezone.utc)
    recreated = profile("claims_dept_haiku", {"dept": "claims"}, created=today)
    old = profile("support_dept", {"dept": "support"}, created=datetime(2026, 9, 1))
    causes = analysis.gap_causes(
        "dept",
        date(2026, 10, 30),
        [recreated, old],
        {"claims_dept_haiku": "claims", "support_dept": "support"},
    )
    assert list(causes) == ["claims"]
    assert (
        "claims_dept_haiku was created on 2026-11-28, inside the period" in causes["claims"][0].text
    )
    estimated = pd.DataFrame({"department": ["claims"], "estimated_cost": [0.0]})
    billed = pd.DataFrame({"department": ["claims"], "cost": [1.62]})
    basis = analysis.reconcile(estimated, billed, True, causes)["basis"][0]
    assert "created on 2026-11-28" in basis and "by construction" not in basis
    # 99 then 01: the new profile has no usage yet, so no estimate row; it still carries claims
    unused = pd.DataFrame({"department": [], "estimated_cost": []})
    default = analysis.reconcile(unused, billed, True, causes)["basis"][0]
    assert "no analysed profile carries it now" in default
    carried = analysis.reconcile(unused, billed, True, causes, carried=["claims"])["basis"][0]
    assert "no analysed profile carries it now" not in carried
    assert "created on 2026-11-28" in carried
    # a bill lower than the estimate is not explained by spend of deleted profiles
    lower = pd.DataFrame({"department": ["claims"], "cost": [0.01]})
    estimated = pd.DataFrame({"department": ["claims"], "estimated_cost": [1.62]})
    assert "created on" not in analysis.reconcile(estimated, lower, True, causes)["basis"][0]


def test_unbackfilled_since_knows_when_a_backfill_covered_the_activation():
    start = date(2026, 10, 30)
    activated = datetime(2026, 11, 28, 10, tzinfo=timezone.utc)
    before = datetime(2026, 11, 28, 9, tzinfo=timezone.utc)
    after = datetime(2026, 11, 28, 10, 1, tzinfo=timezone.utc)
    assert analysis.unbackfilled_since(activated, before, start) == date(2026, 11, 28)
    assert analysis.unbackfilled_since(activated, None, start) == date(2026, 11, 28)
    assert analysis.unbackfilled_since(activated, after, start) is None
    assert analysis.unbackfilled_since(datetime(2026, 10, 1), None, start) is None
    assert analysis.unbackfilled_since(None, None, start) is None


# --- 6: (untagged) is not estimated: no $0.00 estimate, no 100 % difference -------------------
def test_untagged_has_no_estimate_and_no_difference():
    estimated = pd.DataFrame({"department": ["claims"], "estimated_cost": [0.3]})
    billed = pd.DataFrame({"department": ["claims", "(untagged)"], "cost": [0.3, 0.000282]})
    row = analysis.reconcile(estimated, billed, True).set_index("department").loc["(untagged)"]
    assert math.isnan(row["estimated_cost"])
    assert math.isnan(row["difference"]) and math.isnan(row["difference_pct"])
    assert row["billed_cost"] == pytest.approx(0.000282)


# --- 2: a rate only where the bill and the tokens cover the same calls ------------------------
def test_cost_per_1k_tokens_is_blank_where_bill_and_tokens_differ():
    totals = pd.DataFrame(
        {"department": ["claims", "support", "legal", "(untagged)"], "cost": [1.62, 1.0, 1.3, 0.01]}
    )
    usage = pd.DataFrame(
        {
            "department": ["claims", "support"],
            "input_tokens": [20, 900_000],
            "output_tokens": [10, 100_000],
            "estimated_cost": [0.0001, 0.95],  # claims: a recreated profile; support: within 10 %
        }
    )
    table = analysis.chargeback(totals, usage).set_index("department")
    assert math.isnan(table.loc["claims", "cost_per_1k_tokens"])
    assert table.loc["claims", "note"] == analysis.DIFFERENT_USAGE
    assert table.loc["support", "cost_per_1k_tokens"] == pytest.approx(0.001)
    assert table.loc["support", "note"] == ""
    assert math.isnan(table.loc["legal", "cost_per_1k_tokens"])
    assert table.loc["legal", "note"] == analysis.NO_PROFILE_NOW
    assert analysis.RATE_TOLERANCE == 0.10


# --- 10 and 4: the HTML report's total row, and masked account IDs ----------------------------
def test_html_report_has_a_total_row_and_masks_account_ids():
    totals = pd.DataFrame({"department": ["claims", "(untagged)"], "cost": [1.5, 0.5]})
    usage = pd.DataFrame({"department": ["claims"], "input_tokens": [1000], "output_tokens": [500]})
    table = analysis.chargeback(totals, usage)
    total = report.with_total(table).iloc[-1]
    assert total["department"] == "Total" and total["cost"] == pytest.approx(2.0)
    assert total["tokens"] == 1500 and total["share"] == 1.0
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/abcd1234efgh"
    page = report.chargeback_html(
        table,
        period="p",
        tag_key="dept",
        source=f"stand-in {arn}",
        notes=[f"profile {arn}"],
        department_notes={"(untagged)": f"see {arn}"},
    )
    assert ACCOUNT not in page and "********9012" in page
    assert re.search(r">Total<.*?>\$2\.00<.*?>100(\.0)? ?%<", page, re.S)
    assert "agree within 10%" in page
    assert "department" in report.csv_table(table)  # the CSV keeps the rows without a total


def test_missing_tag_warning_masks_the_account_id():
    warning = analysis.missing_tag_warning([profile("forgotten", {})], "dept")
    assert ACCOUNT not in warning
    assert "arn:aws:bedrock:us-east-1:********9012:application-inference-profile/" in warning


# --- 11: the ownership tag is not a department tag ------------------------------------------
def test_the_owner_tag_key_as_tag_key_is_warned_about():
    warning = analysis.owner_tag_warning("workshop", "workshop")
    assert warning.startswith("WARNING") and "ownership tag" in warning
    assert "not a department tag" in warning
    assert analysis.owner_tag_warning("dept", "workshop") is None


# --- 9: the synthetic subtitle names only the period's synthetic days ------------------------
def test_synthetic_note_is_clamped_to_the_period():
    state = {
        "a": {"first": "2026-10-29", "last": "2026-11-27"},
        "b": {"first": "2026-11-01", "last": "2026-11-20"},
    }
    note = analysis.synthetic_note(state, date(2026, 10, 30), date(2026, 11, 29))
    assert note.startswith("SYNTHETIC history from 2026-10-30 to 2026-11-27")
    assert analysis.synthetic_note(state, date(2026, 11, 28), date(2026, 11, 29)) is None
    assert analysis.synthetic_note({}, date(2026, 10, 30), date(2026, 11, 29)) is None


# --- 5, 7, 8: what 05's text says ----------------------------------------------------------------
def notebook_text(name: str) -> str:
    cells = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells)


def test_05_names_01s_calls_the_same_legal_profile_and_hourlys_limit():
    text = notebook_text("05_cost_analysis")
    assert "`01_create_profiles`' problem-first calls" in text
    assert "legal_dept_nova_2_lite_us" not in text
    assert '"name": "legal_dept_nova_micro"' in notebook_text("01_create_profiles")
    assert '"name": "legal_dept_nova_micro"' in text
    assert '"copy_from": "amazon.nova-micro-v1:0"' in text
    assert "`HOURLY` works only for the last 14 days (set `days` to 14 or\nfewer)" in text


# --- 1 and 3 in 05, as an attendee runs it ---------------------------------------------------
@pytest.mark.slow
def test_05_with_an_unbackfilled_tag_names_the_backfill_not_by_construction(workshop, tmp_path):
    """dept activated and backfilled; then team, the same day: no backfill is possible."""
    from tests.test_notebooks import papermill_run, text_of

    papermill_run("01_create_profiles", tmp_path / "run")
    papermill_run("04_generate_usage", tmp_path / "run", requests=6, backfill_days=5)
    papermill_run("05_cost_analysis", tmp_path / "dept")
    shown = html.unescape(
        text_of(papermill_run("05_cost_analysis", tmp_path / "team", tag_key="team"))
    )
    differing = re.findall(r"<td[^>]*>(differs: [^<]*)</td>", shown)
    assert differing, "a department whose history stayed untagged differs"
    assert all(b.startswith("differs: 'team' was activated on") for b in differing)
    assert not any("created on" in basis for basis in differing)
    assert not re.search(r"-?\d[\d,.]* %</td>\s*<td[^>]*>by construction", shown)
    assert "first because the 'team' tag's backfill did not cover the period" in shown
    assert "untagged spend these metrics do not see" not in shown
    page = (tmp_path / "team" / "files" / "chargeback.html").read_text(encoding="utf-8")
    assert analysis.DIFFERENT_USAGE in page or analysis.NO_PROFILE_NOW in page
