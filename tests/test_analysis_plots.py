"""helpers.analysis (pure functions on known data), helpers.pricing and helpers.plots."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import pytest

from helpers import analysis, plots, pricing
from helpers.errors import InputError

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
    assert gap.loc["(untagged)", "estimated_cost"] == 0.0


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
