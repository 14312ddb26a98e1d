"""helpers.analysis (pure functions on known data), helpers.pricing and helpers.plots."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import pytest

from helpers import analysis, plots, pricing
from helpers.errors import InputError
from tests.conftest import control

T1 = datetime(2026, 11, 1, tzinfo=timezone.utc)
T2 = datetime(2026, 11, 2, tzinfo=timezone.utc)


def tidy_usage():
    rows = []
    for profile, day, calls, tokens_in, tokens_out, latency in [
        ("claims", T1, 10, 1000, 500, 200.0),
        ("claims", T2, 30, 3000, 1500, 400.0),
        ("support", T1, 5, 2000, 1000, 100.0),
    ]:
        for metric, value in [
            ("Invocations", calls),
            ("InputTokenCount", tokens_in),
            ("OutputTokenCount", tokens_out),
            ("InvocationLatency", latency),
        ]:
            rows.append(
                {
                    "profile": profile,
                    "profile_id": profile[:4],
                    "metric": metric,
                    "statistic": "Sum",
                    "timestamp": day,
                    "value": float(value),
                }
            )
    return pd.DataFrame(rows)


def test_usage_by_profile_weights_latency_by_calls():
    per = analysis.usage_by_profile(tidy_usage()).set_index("profile")
    assert per.loc["claims", "invocations"] == 40
    assert per.loc["claims", "input_tokens"] == 4000
    assert per.loc["claims", "avg_latency_ms"] == pytest.approx((10 * 200 + 30 * 400) / 40)
    assert per.loc["support", "throttles"] == 0


def test_estimate_costs_uses_list_prices_of_the_scope_called():
    prices = pricing.load()
    per = analysis.usage_by_profile(tidy_usage())
    models = {
        "claims": "anthropic.claude-haiku-4-5-20251001-v1:0",
        "support": "amazon.nova-lite-v1:0",
    }
    departments = {"claims": "claims", "support": ""}
    est = analysis.estimate_costs(per, models, departments, prices).set_index("profile")
    # in-region by default: Claude Haiku 4.5 at $1.10 / $5.50 per 1M tokens
    assert est.loc["claims", "estimated_cost"] == pytest.approx((4000 * 1.10 + 2000 * 5.50) / 1e6)
    assert est.loc["support", "department"] == "(untagged)"
    assert est.loc["support", "estimated_cost"] == pytest.approx((2000 * 0.06 + 1000 * 0.24) / 1e6)
    # through a global profile: $1.00 / $5.00, 10% less
    on_global = analysis.estimate_costs(
        per, models, departments, prices, scopes={"claims": "global", "support": "geo"}
    ).set_index("profile")
    assert on_global.loc["claims", "estimated_cost"] == pytest.approx((4000 + 2000 * 5) / 1e6)
    assert on_global.loc["claims", "scope"] == "global"
    # without scopes, a profile ID's prefix says the scope
    by_id = analysis.estimate_costs(
        per,
        {**models, "claims": "global.anthropic.claude-haiku-4-5-20251001-v1:0"},
        departments,
        prices,
    ).set_index("profile")
    assert by_id.loc["claims", "scope"] == "global"
    assert by_id.loc["claims", "estimated_cost"] == pytest.approx((4000 + 2000 * 5) / 1e6)


def test_prices_are_data_with_date_and_source():
    prices = pricing.load()
    assert prices.as_of == "2026-09-03" and "agent-toolkit-for-aws" in prices.source
    assert prices.price("us.amazon.nova-lite-v1:0") == prices.price("amazon.nova-lite-v1:0")
    assert len(prices.frame()) >= 20
    assert set(prices.frame()["confidence"]) <= {"high", "medium", "low"}
    with pytest.raises(InputError, match="No list price"):
        prices.price("cohere.command-r-v1:0")


def costs_frame():
    return pd.DataFrame(
        [
            {"start": date(2026, 11, 1), "department": "claims", "cost": 2.0, "usage_quantity": 10},
            {"start": date(2026, 11, 1), "department": "support", "cost": 1.0, "usage_quantity": 5},
            {"start": date(2026, 11, 2), "department": "claims", "cost": 3.0, "usage_quantity": 10},
            {
                "start": date(2026, 11, 2),
                "department": "(untagged)",
                "cost": 0.5,
                "usage_quantity": 1,
            },
        ]
    )


def test_totals_and_daily_tables():
    totals = analysis.totals_by_department(costs_frame())
    assert list(totals["department"]) == ["claims", "support", "(untagged)"]
    assert list(totals["cost"]) == [5.0, 1.0, 0.5]
    daily = analysis.daily_by_department(costs_frame())
    assert list(daily.columns) == ["claims", "support", "(untagged)"]
    assert daily.loc[date(2026, 11, 2), "support"] == 0.0


def test_chargeback_and_reconcile():
    billed = analysis.totals_by_department(costs_frame())
    usage = pd.DataFrame(
        [
            {
                "department": "claims",
                "input_tokens": 4000,
                "output_tokens": 1000,
                "estimated_cost": 4.5,
            },
            {
                "department": "support",
                "input_tokens": 500,
                "output_tokens": 500,
                "estimated_cost": 1.0,
            },
        ]
    )
    table = analysis.chargeback(billed, usage).set_index("department")
    assert table["share"].sum() == pytest.approx(1.0, abs=1e-3)
    assert table.loc["claims", "share"] == pytest.approx(5 / 6.5, abs=1e-4)
    assert table.loc["claims", "cost_per_1k_tokens"] == pytest.approx(1.0)
    assert table.loc["(untagged)", "tokens"] == 0
    gap = analysis.reconcile(usage, billed).set_index("department")
    assert gap.loc["claims", "difference"] == pytest.approx(0.5)
    assert gap.loc["claims", "difference_pct"] == pytest.approx(10.0)
    assert pd.isna(gap.loc["(untagged)", "estimated_cost"])  # not estimated: a dash, not $0.00


def test_plots_have_titles_units_and_labels():
    daily = analysis.daily_by_department(costs_frame())
    fig = plots.daily_cost_by_department(daily, note="includes synthetic history")
    ax = fig.axes[0]
    assert ax.get_title() == "Daily cost by department\nincludes synthetic history"
    assert ax.get_ylabel() == "Cost (USD)" and "Day" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(daily.columns)
    table = analysis.chargeback(
        analysis.totals_by_department(costs_frame()),
        pd.DataFrame([{"department": "claims", "input_tokens": 10, "output_tokens": 10}]),
    )
    share = plots.share_by_department(table).axes[0]
    assert "%" in share.get_xlabel() and share.get_title()
    tokens = plots.tokens_vs_cost(table).axes[0]
    assert tokens.get_ylabel() == "Cost (USD)" and "Tokens" in tokens.get_xlabel()


# --- no usage yet, or one department: the same columns, and figures that say so (class 13) ---
PRICES = pricing.load()
MODELS = {"claims": "anthropic.claude-haiku-4-5-20251001-v1:0", "support": "amazon.nova-lite-v1:0"}
DEPARTMENTS = {"claims": "claims", "support": "support"}
EMPTY_USAGE = pd.DataFrame(
    columns=["profile", "profile_id", "metric", "statistic", "timestamp", "value"]
)


def pipeline(usage: pd.DataFrame, billed: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """What 05 computes, from CloudWatch usage and Cost Explorer rows."""
    per = analysis.usage_by_profile(usage)
    estimated = analysis.estimate_costs(per, MODELS, DEPARTMENTS, PRICES, region="us-east-1")
    totals = analysis.totals_by_department(billed)
    return {
        "per_profile": per,
        "estimated": estimated,
        "totals": totals,
        "daily": analysis.daily_by_department(billed),
        "chargeback": analysis.chargeback(totals, estimated),
        "chargeback_without_usage": analysis.chargeback(totals),
        "reconcile": analysis.reconcile(estimated, totals),
        "projection": analysis.project_month_end(billed, date(2026, 11, 28)),
    }


def empty_billed() -> pd.DataFrame:
    from helpers import costs

    return costs.parse_pages([{"GroupDefinitions": [], "ResultsByTime": []}])


def one_department(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["department"] == "claims"].reset_index(drop=True)


def one_profile_usage() -> pd.DataFrame:
    usage = tidy_usage()
    return usage[usage["profile"] == "claims"].reset_index(drop=True)


@pytest.mark.parametrize(
    "usage,billed",
    [
        (EMPTY_USAGE, empty_billed()),  # 00 -> 01 -> 05: nothing yet
        (pd.DataFrame(), empty_billed()),  # a frame with no columns at all
        (EMPTY_USAGE, costs_frame()),  # billed cost, but none through the profiles (the issue)
        (tidy_usage(), empty_billed()),  # usage, cost not in yet (Cost Explorer lags)
        (one_profile_usage(), one_department(costs_frame())),  # one department
    ],
    ids=["nothing", "no-columns", "cost-without-usage", "usage-without-cost", "one-department"],
)
def test_analysis_keeps_its_columns_whatever_the_input(usage, billed):
    full = pipeline(tidy_usage(), costs_frame())
    got = pipeline(usage, billed)
    for name, frame in got.items():
        if name == "daily":
            assert frame.columns.name == "department"
            continue
        assert list(frame.columns) == list(full[name].columns), name
    table = got["chargeback"]
    assert table["tokens"].dtype == "int64"
    if billed.empty:
        assert table.empty
    else:
        assert table["share"].sum() == pytest.approx(1.0, abs=1e-3)
    if usage.empty and not billed.empty:
        assert (table["tokens"] == 0).all() and table["cost_per_1k_tokens"].isna().all()


def test_empty_billed_rows_have_the_columns_of_a_real_answer():
    from helpers import costs

    page = {
        "GroupDefinitions": [{"Type": "TAG", "Key": "dept"}],
        "ResultsByTime": [
            {
                "TimePeriod": {"Start": "2026-11-01", "End": "2026-11-02"},
                "Estimated": True,
                "Groups": [
                    {
                        "Keys": ["dept$claims"],
                        "Metrics": {
                            "UnblendedCost": {"Amount": "1.5", "Unit": "USD"},
                            "UsageQuantity": {"Amount": "100", "Unit": "N/A"},
                        },
                    }
                ],
            }
        ],
    }
    assert list(empty_billed().columns) == list(costs.parse_pages([page]).columns)


def figure_text(fig) -> str:
    ax = fig.axes[0]
    return "\n".join([ax.get_title(), *(t.get_text() for t in ax.texts)])


def test_every_plot_says_no_usage_yet_instead_of_a_traceback():
    import warnings

    nothing = pipeline(EMPTY_USAGE, empty_billed())
    cost_only = pipeline(EMPTY_USAGE, costs_frame())
    no_forecast = pd.DataFrame(columns=["department", "forecast", "method"])
    budgets = analysis.budget_status({}, nothing["totals"], no_forecast)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "No artists with labels" either
        figures = {
            "daily": plots.daily_cost_by_department(nothing["daily"], note="SYNTHETIC"),
            "share": plots.share_by_department(nothing["chargeback"]),
            "tokens": plots.tokens_vs_cost(nothing["chargeback"]),
            "tokens, cost without usage": plots.tokens_vs_cost(cost_only["chargeback"]),
            "tokens, an older table": plots.tokens_vs_cost(
                cost_only["chargeback"][["department", "cost", "share"]]
            ),
            "budgets": plots.budget_vs_actual(budgets),
        }
    for name, fig in figures.items():
        shown = figure_text(fig)
        assert "run 04_generate_usage" in shown or name == "budgets", name
        assert fig.axes[0].get_title(), name
    assert "No departments" in figure_text(figures["budgets"])
    assert "SYNTHETIC" in figures["daily"].axes[0].get_title()


def test_plots_of_one_department():
    one = pipeline(one_profile_usage(), one_department(costs_frame()))
    assert list(one["chargeback"]["department"]) == ["claims"]
    daily = plots.daily_cost_by_department(one["daily"])
    assert [t.get_text() for t in daily.axes[0].get_legend().get_texts()] == ["claims"]
    share = plots.share_by_department(one["chargeback"]).axes[0]
    assert len(share.patches) == 1
    tokens = plots.tokens_vs_cost(one["chargeback"]).axes[0]
    assert [t.get_text() for t in tokens.get_legend().get_texts()] == ["claims"]
    budgets = analysis.budget_status(
        {"claims": 10.0},
        one["totals"],
        pd.DataFrame([{"department": "claims", "forecast": 6.0, "method": "mean"}]),
    )
    assert len(plots.budget_vs_actual(budgets).axes[0].patches) == 3


def test_projection_takes_a_date_string():
    daily = costs_frame()
    assert analysis.project_month_end(daily, "2026-11-28").equals(
        analysis.project_month_end(daily, date(2026, 11, 28))
    )


@pytest.mark.slow
def test_cost_notebooks_run_after_setup_and_profiles_only(workshop, tmp_path):
    """README: every notebook runs on its own after 01. 00 -> 01 -> 05, 06, 07: no usage."""
    from tests.test_notebooks import papermill_run, read_csv, text_of

    papermill_run("00_setup", tmp_path / "run")
    papermill_run("01_create_profiles", tmp_path / "run")
    out = tmp_path / "out"
    shown = {
        name: text_of(papermill_run(name, tmp_path / "run", output_dir=str(out)))
        for name in ("05_cost_analysis", "06_cur_at_scale", "07_budgets_and_alerts")
    }
    assert "Traceback" not in "".join(shown.values())
    # 00's access checks and 01's Step 2 called the sources directly: untagged cost. 01's
    # Step 7 made one call through the claims and underwriting profiles, none through support's.
    chargeback = read_csv(out / "chargeback.csv")
    assert {r["department"] for r in chargeback if r["tokens"] != "0"} == {"claims", "underwriting"}
    assert any(r["department"] == "(untagged)" and float(r["cost_usd"]) > 0 for r in chargeback)
    through_profiles = read_csv(out / "cur_cost_by_profile.csv")
    assert sorted(r["tag_value"] for r in through_profiles) == ["claims", "underwriting"]
    compared = read_csv(out / "cur_vs_cost_explorer.csv")
    assert sorted(r["department"] for r in compared) == ["(untagged)", "claims", "underwriting"]


@pytest.mark.slow
def test_cur_notebook_runs_before_any_usage(workshop, endpoint, tmp_path):
    """Profiles but no calls yet, then 06: the export is empty, and 06 says what to run."""
    from helpers import aws, config, profiles
    from tests.test_notebooks import papermill_run, read_csv, text_of

    control(endpoint, "POST", "/moto-api/reset")
    cfg = config.load()
    profiles.ensure(aws.connect(cfg), cfg)  # 01's profiles, without 01's calls (Steps 2 and 7)
    out = tmp_path / "out"
    shown = text_of(papermill_run("06_cur_at_scale", tmp_path / "run", output_dir=str(out)))
    assert "No usage yet: run 04_generate_usage" in shown
    assert "nothing to query on Athena" in shown
    for name in ("cost_by_tag", "cost_by_profile", "daily_trend", "untagged_spend"):
        assert read_csv(out / f"cur_{name}.csv") == [], name
