"""The chargeback an analyst hands on (issue 14): HTML report, CSV, legible plots, the missing-tag
warning, the (untagged) row explained, and reconciliation without float noise."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from helpers import analysis, plots, pricing, report
from helpers.masking import mask_account_ids
from helpers.profiles import Profile

ROOT = Path(__file__).resolve().parents[1]
TEN = [
    "claims",
    "underwriting",
    "customer_support_and_retention_programme",
    "legal",
    "finance_and_controlling_emea",
    "marketing",
    "human_resources_recruiting_pipeline",
    "research",
    "procurement",
    "it_operations_service_desk_tier_two",
]


def ten_departments_daily(days: int = 30) -> pd.DataFrame:
    """Daily costs for 10 departments with long names, plus (untagged)."""
    rows = []
    first = date(2026, 10, 30)
    for day in range(days):
        for index, department in enumerate([*TEN, analysis.UNTAGGED]):
            rows.append(
                {
                    "start": first + timedelta(days=day),
                    "department": department,
                    "cost": 0.01 * (index + 1) + 0.001 * day,
                }
            )
    return pd.DataFrame(rows)


def ten_departments_chargeback() -> pd.DataFrame:
    costs = ten_departments_daily()
    totals = analysis.totals_by_department(costs)
    usage = pd.DataFrame(
        [
            {"department": d, "input_tokens": 1000 * (i + 1), "output_tokens": 300 * (i + 1)}
            for i, d in enumerate(TEN)
        ]
    )
    return analysis.chargeback(totals, usage)


def drawn(fig):
    FigureCanvasAgg(fig).draw()
    return fig.canvas.get_renderer()


def overlaps(a, b) -> bool:
    """Two display-space boxes share area (touching edges do not count)."""
    return a.x0 < b.x1 - 0.5 and b.x0 < a.x1 - 0.5 and a.y0 < b.y1 - 0.5 and b.y0 < a.y1 - 0.5


# --- plots: legend outside the axes, 10 departments in distinct colours -----------------------
@pytest.mark.parametrize("which", ["daily", "tokens", "budgets"])
def test_ten_departments_legend_sits_outside_the_axes(which):
    if which == "daily":
        daily = analysis.daily_by_department(ten_departments_daily())
        fig = plots.daily_cost_by_department(daily, note="SYNTHETIC history")
    elif which == "tokens":
        fig = plots.tokens_vs_cost(ten_departments_chargeback())
    else:
        limits = {d: 10.0 for d in TEN}
        actual = pd.DataFrame({"department": TEN, "cost": [float(i) for i in range(10)]})
        forecast = pd.DataFrame(
            {"department": TEN, "forecast": [float(i) * 2 for i in range(10)], "method": "x"}
        )
        fig = plots.budget_vs_actual(analysis.budget_status(limits, actual, forecast))
    renderer = drawn(fig)
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert legend is not None
    assert not overlaps(legend.get_window_extent(renderer), ax.get_window_extent(renderer))
    figure_box = fig.bbox
    box = legend.get_window_extent(renderer)
    assert box.x1 <= figure_box.x1 + 1 and box.y0 >= figure_box.y0 - 1, "legend cut off"


def test_ten_departments_get_ten_distinct_colours_the_same_in_every_figure():
    daily = analysis.daily_by_department(ten_departments_daily())
    fig = plots.daily_cost_by_department(daily)
    handles = fig.axes[0].get_legend().legend_handles
    colours = {
        text.get_text(): tuple(handle.get_facecolor())
        for text, handle in zip(fig.axes[0].get_legend().get_texts(), handles, strict=True)
    }
    named = [colours[d] for d in TEN]
    assert len(set(named)) == 10, "two departments share a colour"
    assert colours[analysis.UNTAGGED] not in named
    share = plots.share_by_department(ten_departments_chargeback()).axes[0]
    labels = [t.get_text() for t in share.get_yticklabels()]
    bar_colours = {
        label: tuple(bar.get_facecolor()) for label, bar in zip(labels, share.patches, strict=True)
    }
    assert all(bar_colours[d] == colours[d] for d in TEN), "a department changed colour"


@pytest.mark.parametrize("days", [30, 90])
def test_day_labels_never_overlap(days):
    daily = analysis.daily_by_department(ten_departments_daily(days))
    fig = plots.daily_cost_by_department(daily)
    renderer = drawn(fig)
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert len(boxes) >= 5
    assert not any(overlaps(a, b) for a, b in zip(boxes[:-1], boxes[1:], strict=True)), (
        "day labels overlap"
    )


def test_share_labels_show_sub_cent_money_as_dollars():
    table = ten_departments_chargeback()
    table.loc[len(table)] = {**table.iloc[0].to_dict(), "department": "tiny", "cost": 0.000282}
    table.loc[len(table) - 1, "share"] = 0.0000412
    texts = [t.get_text() for t in plots.share_by_department(table).axes[0].texts]
    assert any("$0.000282" in t for t in texts) and not any("e-" in t for t in texts)
    assert any(t.startswith("< 0.1 %") for t in texts)  # a tiny share is not shown as nothing


# --- the HTML report and the CSV ------------------------------------------------------------
def ten_department_page() -> str:
    table = ten_departments_chargeback()
    daily = analysis.daily_by_department(ten_departments_daily())
    return report.chargeback_html(
        table,
        period="2026-10-30 to 2026-11-28 inclusive (daily)",
        tag_key="dept",
        source="offline stand-in (simulated); agrees by construction",
        notes=["(untagged): calls made without a tagged profile"],
        department_notes={analysis.UNTAGGED: "calls made without a tagged profile"},
        figures={
            "Daily cost by department": plots.daily_cost_by_department(daily),
            "Share of cost by department": plots.share_by_department(table),
        },
    )


def test_html_report_is_self_contained_and_shows_every_department(tmp_path):
    page = ten_department_page()
    path = report.write_html(page, tmp_path)
    assert path.name == "chargeback.html" and path.read_text(encoding="utf-8") == page
    # self-contained: nothing fetched from elsewhere
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"<link\b|<script\b|@import|url\(\s*['\"]?https?:", page, re.I)
    images = re.findall(r'<img src="([^"]+)"', page)
    assert len(images) == 2 and all(i.startswith("data:image/png;base64,") for i in images)
    # every department, (untagged) included and explained; money as money
    cells = re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)
    for department in [*TEN, analysis.UNTAGGED]:
        assert department in cells, department
    assert "calls made without a tagged profile" in page
    money = [c for c in cells if c.startswith("$")]
    assert len(money) >= 11 and not any("e-" in c or "e+" in c for c in cells)
    # what a reader needs to trust it
    for fact in ("2026-10-30 to 2026-11-28", "dept", "offline stand-in", "Generated", "UTC"):
        assert fact in page, fact


def test_csv_keeps_numbers_names_the_currency_and_has_no_e_notation(tmp_path):
    table = ten_departments_chargeback()
    table.loc[len(table)] = {**table.iloc[0].to_dict(), "department": "tiny", "cost": 0.000028191}
    path = report.write_csv(table, tmp_path)
    text = path.read_text()
    header = text.splitlines()[0].split(",")
    assert "cost_usd" in header and "cost" not in header
    assert "cost_per_1k_tokens_usd" in header
    assert not re.search(r"\d[eE][-+]?\d", text), "e-notation in the CSV"
    back = pd.read_csv(path)
    assert back.loc[back["department"] == "tiny", "cost_usd"].item() == pytest.approx(2.8191e-05)
    assert back["tokens"].dtype.kind == "i" and back["cost_usd"].dtype.kind == "f"


def test_report_module_imports_nothing_heavy():
    code = (
        "import sys, helpers.report; "
        "heavy = [m for m in ('pandas', 'matplotlib', 'numpy') if m in sys.modules]; "
        "print(heavy)"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == "[]"


# --- the missing-tag warning ----------------------------------------------------------------
def profile(name: str, tags: dict[str, str], pid: str = "abcd1234efgh") -> Profile:
    return Profile(
        name=name,
        profile_id=pid,
        arn=f"arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/{pid}",
        type="APPLICATION",
        status="ACTIVE",
        model_arns=("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-2-lite-v1:0",),
        tags=tags,
    )


def test_a_profile_without_the_tag_key_is_named_and_grouped_visibly():
    tagged = profile("claims_dept", {"dept": "claims"}, "aaaa1111bbbb")
    bare = profile("forgotten_profile", {"team": "ops"}, "cccc2222dddd")
    blank = profile("blank_profile", {"dept": " "}, "eeee3333ffff")
    departments, missing = analysis.departments_of([tagged, bare, blank], "dept")
    assert departments == {
        "claims_dept": "claims",
        "forgotten_profile": "(no dept tag)",
        "blank_profile": "(no dept tag)",
    }
    assert "" not in departments.values()
    assert [p.name for p in missing] == ["forgotten_profile", "blank_profile"]
    warning = analysis.missing_tag_warning(missing, "dept")
    assert warning.startswith("WARNING")
    assert "forgotten_profile (ID cccc2222dddd; it has team=ops)" in warning
    assert "blank_profile (ID eeee3333ffff; its 'dept' value is blank)" in warning
    masked = mask_account_ids(bare.arn)
    assert (
        f"aws bedrock tag-resource --resource-arn {masked} --tags key=dept,value=DEPARTMENT"
        in warning
    )
    assert f'profiles.tag(conn, "{masked}", {{"dept": "DEPARTMENT"}}, cfg.owner_tag)' in warning
    assert analysis.missing_tag_warning([], "dept") is None
    # another tag key (an analyst changing the parameter): every profile lacks it
    _, none_have = analysis.departments_of([tagged], "cost_centre")
    assert [p.name for p in none_have] == ["claims_dept"]


def test_profiles_without_the_tag_flow_into_the_estimate_under_their_label():
    per_profile = pd.DataFrame(
        [{"profile": "forgotten_profile", "input_tokens": 1000, "output_tokens": 100}]
    )
    departments, _ = analysis.departments_of([profile("forgotten_profile", {})], "dept")
    estimated = analysis.estimate_costs(
        per_profile, {"forgotten_profile": "amazon.nova-2-lite-v1:0"}, departments, pricing.load()
    )
    assert list(estimated["department"]) == ["(no dept tag)"]


# --- reconciliation: rounded money, and what an agreement means -----------------------------
def test_reconciliation_has_no_float_noise_and_says_its_basis():
    estimated = pd.DataFrame(
        {"department": ["claims", "claims"], "estimated_cost": [0.1, 0.2]}  # 0.30000000000000004
    )
    billed = pd.DataFrame({"department": ["claims", "(untagged)"], "cost": [0.3, 0.000282]})
    offline = analysis.reconcile(estimated, billed, by_construction=True).set_index("department")
    assert offline.loc["claims", "difference"] == 0.0
    assert offline.loc["claims", "difference_pct"] == 0.0
    assert offline.loc["(untagged)", "billed_cost"] == pytest.approx(0.000282)
    assert pd.isna(offline.loc["(untagged)", "difference"])  # not estimated: no difference
    assert offline.loc["claims", "basis"] == "by construction"
    assert offline.loc["(untagged)", "basis"] == "not estimated: calls outside the profiles"
    measured = analysis.reconcile(estimated, billed).set_index("department")
    assert measured.loc["claims", "basis"] == "measured"
    no_tag = pd.DataFrame({"department": ["(no dept tag)"], "estimated_cost": [0.2]})
    shown = analysis.reconcile(no_tag, billed).set_index("department")
    assert shown.loc["(no dept tag)", "basis"] == "billed as (untagged)"


# --- the (untagged) row explained with CloudWatch data --------------------------------------
def test_direct_calls_are_found_counted_and_priced():
    listed = [
        {"Dimensions": [{"Name": "ModelId", "Value": "us.anthropic.claude-sonnet-4-6"}]},
        {"Dimensions": [{"Name": "ModelId", "Value": "aaaa1111bbbb"}]},  # an application profile
    ]
    configured = [
        "global.anthropic.claude-haiku-4-5-20251001-v1:0",
        "arn:aws:bedrock:us-east-1::foundation-model/openai.gpt-oss-120b-1:0",
    ]
    ids = analysis.direct_model_ids(listed, configured)
    assert ids == [
        "global.anthropic.claude-haiku-4-5-20251001-v1:0",
        "openai.gpt-oss-120b-1:0",
        "us.anthropic.claude-sonnet-4-6",
    ]
    queries = analysis.direct_queries(ids, seconds=30 * 86400)
    assert len(queries) == 3 * len(analysis.DIRECT_METRICS)
    assert queries[0]["MetricStat"]["Metric"]["Dimensions"] == [
        {"Name": "ModelId", "Value": ids[0]}
    ]
    assert queries[0]["MetricStat"]["Period"] == 2592000
    # GetMetricData's answer: sums per query; the ID says which ModelId and metric
    results = [
        {"Id": "d0_m0", "Values": [1.0]},
        {"Id": "d0_m1", "Values": [2.0]},
        {"Id": "d0_m2", "Values": [1.0]},
        {"Id": "d2_m0", "Values": [1.0]},
        {"Id": "d2_m1", "Values": [8.0]},
        {"Id": "d2_m2", "Values": [10.0]},
    ]
    direct = analysis.direct_usage(results, ids)
    assert list(direct["invocations"]) == [1, 0, 1]
    prices = pricing.load()
    priced = analysis.estimate_direct(direct, prices, "us-east-1")
    assert list(priced["called_as"]) == ["system profile", "model ID", "system profile"]
    expected = prices.cost("us.anthropic.claude-sonnet-4-6", 8, 10, region="us-east-1")
    assert priced.loc[2, "estimated_cost"] == pytest.approx(expected)
    # a profile without the tag adds its calls to what (untagged) holds
    estimated = pd.DataFrame(
        [
            {
                "profile": "forgotten_profile",
                "department": "(no dept tag)",
                "invocations": 5,
                "input_tokens": 100,
                "output_tokens": 10,
                "cache_read_tokens": 0,
                "cache_write_tokens": 0,
                "estimated_cost": 0.001,
            },
            {
                "profile": "claims_dept",
                "department": "claims",
                "invocations": 9,
                "input_tokens": 1,
                "output_tokens": 1,
                "cache_read_tokens": 0,
                "cache_write_tokens": 0,
                "estimated_cost": 0.5,
            },
        ]
    )
    sources = analysis.untagged_sources(priced, estimated, "dept")
    assert list(sources["source"]) == [ids[0], ids[2], "forgotten_profile"]  # no unused IDs
    assert list(sources["invocations"]) == [1, 1, 5]
    assert list(sources["tokens"]) == [3, 18, 110]
    assert "without 'dept'" in sources.loc[2, "called_as"]


def test_untagged_sources_of_nothing_is_an_empty_table_with_its_columns():
    empty = analysis.estimate_direct(analysis.direct_usage([], []), pricing.load(), "us-east-1")
    sources = analysis.untagged_sources(empty, pd.DataFrame(), "dept")
    assert sources.empty
    assert list(sources.columns) == [
        "source",
        "called_as",
        "invocations",
        "tokens",
        "estimated_cost",
    ]


# --- in 05: the warning, the report and the CSV, as an attendee sees them ---------------------
@pytest.mark.slow
def test_05_warns_about_a_profile_without_the_tag_and_writes_the_report(workshop, client, tmp_path):
    """A profile whose dept tag was removed (02 shows untagging) is named, with the fix."""
    from tests.test_notebooks import papermill_run, read_csv, text_of

    out = tmp_path / "out"
    papermill_run("01_create_profiles", tmp_path / "run")
    papermill_run("04_generate_usage", tmp_path / "run", requests=6, backfill_days=5)
    bedrock = client("bedrock", "us-east-1")
    arn = next(
        p["inferenceProfileArn"]
        for p in bedrock.list_inference_profiles(typeEquals="APPLICATION")[
            "inferenceProfileSummaries"
        ]
        if p["inferenceProfileName"] == "support_dept_nova_2_lite_us"
    )
    bedrock.untag_resource(resourceARN=arn, tagKeys=["dept"])
    client("bedrock-runtime", "us-east-1").converse(
        modelId=arn, messages=[{"role": "user", "content": [{"text": "Hello"}]}]
    )  # billed without a dept value: (untagged)
    executed = papermill_run("05_cost_analysis", tmp_path / "dept", output_dir=str(out))
    shown = text_of(executed)
    assert "WARNING: 1 profile(s) analysed without the tag 'dept'" in shown
    warning = shown[shown.index("WARNING: 1 profile(s)") :].split("\n\n")[0]
    assert "support_dept_nova_2_lite_us (ID " in warning
    assert "claims_dept_haiku" not in warning  # only the untagged one is warned
    assert f"aws bedrock tag-resource --resource-arn {mask_account_ids(arn)} " in shown
    assert "--tags key=dept,value=DEPARTMENT" in shown
    assert "profiles.tag(conn, " in shown
    html_tables = html.unescape(  # tables.show escapes quotes
        "".join(
            o["data"].get("text/html", "")
            for c in executed.cells
            for o in c.get("outputs", [])
            if "data" in o
        )
    )
    assert "(no dept tag)" in html_tables  # Step 2's table: grouped visibly, not as ""
    assert "application profile without 'dept'" in html_tables  # Step 8: what (untagged) holds
    assert "billed to its department then" in shown  # its history was tagged
    # the report and the CSV: every department billed, untagged included and explained
    rows = read_csv(out / "chargeback.csv")
    billed = {r["department"] for r in rows}
    assert {"claims", "underwriting", "support", "(untagged)"} <= billed  # support: history
    assert all(re.fullmatch(r"-?\d+(\.\d+)?", r["cost_usd"]) for r in rows)
    page = (out / "chargeback.html").read_text(encoding="utf-8")
    for department in billed:
        assert f">{department}<" in page
    assert "support_dept_nova_2_lite_us" in page  # named in the notes
    # the notes match the table: support's history was billed to support, not to (untagged)
    notes_text = html.unescape(page)
    assert "calls made without a tagged profile (list-price" not in notes_text
    assert "only those made after the tag was removed are billed here" in notes_text
    assert "Profiles now without the 'dept' tag" in notes_text
    assert analysis.NO_PROFILE_NOW in notes_text  # support: billed, no tokens, no rate
    assert "of which only calls after the tag was removed are billed here" in shown
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "agree BY CONSTRUCTION" in shown or "agree(s) BY CONSTRUCTION" in shown
    assert "**06_cur_at_scale**" in executed.cells[-1].source


@pytest.mark.slow
def test_05_with_a_tag_key_no_profile_carries_warns_by_name(workshop, tmp_path):
    """An analyst changes tag_key to a key the shipped profiles do not carry."""
    from tests.test_notebooks import papermill_run, text_of

    papermill_run("01_create_profiles", tmp_path / "run")
    shown = text_of(
        papermill_run(
            "05_cost_analysis", tmp_path / "other", output_dir=str(tmp_path), tag_key="costcentre"
        )
    )
    assert "WARNING: 3 profile(s) analysed without the tag 'costcentre'" in shown
    for name in ("claims_dept_haiku_4_5_global", "underwriting_dept_gpt_oss_120b"):
        assert f"{name} (ID " in shown
    assert "--tags key=costcentre,value=DEPARTMENT" in shown


def test_monthly_periods_are_named_as_months():
    costs = pd.DataFrame(
        [
            {"start": date(2026, 10, 1), "department": "claims", "cost": 1.0},
            {"start": date(2026, 11, 1), "department": "claims", "cost": 2.0},
        ]
    )
    daily = analysis.daily_by_department(costs)
    ax = plots.daily_cost_by_department(daily, granularity="MONTHLY").axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2026-10", "2026-11"]
    assert ax.get_xlabel() == "Month (UTC)"
    assert plots.daily_cost_by_department(daily).axes[0].get_xlabel() == "Day (UTC)"


@pytest.mark.slow
def test_05_monthly_writes_the_report_with_a_monthly_plot(workshop, tmp_path):
    from tests.test_notebooks import papermill_run, read_csv

    papermill_run("01_create_profiles", tmp_path / "run")
    papermill_run("04_generate_usage", tmp_path / "run", requests=6, backfill_days=40)
    out = tmp_path / "out"
    papermill_run("05_cost_analysis", tmp_path / "m", output_dir=str(out), granularity="monthly")
    page = (out / "chargeback.html").read_text(encoding="utf-8")
    assert "Monthly cost by department" in page and "(monthly)" in page
    daily = read_csv(out / "daily_cost_by_department.csv")
    # one row per calendar month the 30 days touch (the first starts on the period's first day)
    assert 1 <= len(daily) <= 2 and all(r["start"].endswith("-01") for r in daily[1:])


def test_the_tallest_daily_bar_is_never_cut_by_the_frame():
    import pandas as pd

    from helpers import plots

    days = pd.date_range("2026-11-01", periods=5, freq="D")
    # a department with nothing on a day stacks a zero-height bar on top, whose edge is
    # "sticky" for matplotlib: it stopped the margin at the tallest total
    daily = pd.DataFrame(
        {"claims": [0.09, 0.1, 0.05, 0.2, 0.01], "support": [0.1] * 5, "(untagged)": [0.0] * 5},
        index=days,
    )
    ax = plots.daily_cost_by_department(daily).axes[0]
    assert ax.get_ylim()[1] > daily.sum(axis=1).max() * 1.02
