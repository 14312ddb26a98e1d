"""Tables an analyst hands on: money as money, integers, no index, nothing cut."""

import math
import re

import pandas as pd
import pytest

from helpers import tables

ARN = (
    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/"
    "k2l3m4n5o6p7q8r9s0t1u2v3w4x5y6z7"
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1234.5678, "$1,234.57"),
        (2.347314, "$2.35"),
        (0.526158, "$0.526"),  # below a dollar: three significant digits
        (0.0118, "$0.0118"),  # not rounded to $0.01 beside $0.00804
        (0.01, "$0.01"),
        (0.000282, "$0.000282"),
        (0.0000026, "$0.0000026"),
        (1.1e-16, "$0.00"),  # float noise from a subtraction is zero
        (-0.5, "-$0.50"),
        (0, "$0.00"),
        (None, tables.MISSING),
        (float("nan"), tables.MISSING),
        (pd.NA, tables.MISSING),
    ],
)
def test_money_is_dollars_with_sensible_decimals(value, shown):
    assert tables.money(value) == shown


def test_no_amount_is_shown_in_e_notation():
    for exponent in range(-12, 10):
        for mantissa in (1, 2.5, 9.99):
            for render in (tables.money, tables.plain, tables.integer):
                text = render(mantissa * 10.0**exponent)
                assert not re.search(r"\de[-+]?\d", text), (render.__name__, text)


def test_show_keeps_identifiers_whole_and_drops_the_range_index():
    frame = pd.DataFrame({"profile": ["a", "b"], "profile_arn": [ARN, ARN + "x"]})
    html = tables.show(frame).to_html()
    assert ARN in html and ARN + "x" in html
    assert "..." not in html
    assert ">0<" not in html and ">1<" not in html  # no 0..n index cells


def test_show_formats_columns_by_name():
    frame = pd.DataFrame(
        {
            "department": ["claims", "(untagged)"],
            "cost": [2.347314, 0.000282],
            "input_tokens": [822566.0, 0.0],
            "share": [0.9999, 0.0001],
            "difference_pct": [0.0, 100.0],
            "budget_usd": [100.0, math.nan],
        }
    )
    text = tables.text(frame)
    assert "$2.35" in text and "$0.000282" in text
    assert "822,566" in text and "822566.0" not in text
    assert "100.0 %" in text and "99.99" not in text.replace("100.0 %", "")
    assert tables.MISSING in text


def test_a_meaningful_index_becomes_a_column():
    daily = pd.DataFrame({"claims": [1.5, 0.25]}, index=pd.Index(["2026-11-01", "2026-11-02"]))
    daily.index.name = "start"
    text = tables.text(daily)
    assert text.split()[0] == "start" and "2026-11-02" in text and "$0.25" not in text
    # a column named after a department is not money by name: say so explicitly
    assert "$0.25" in tables.text(daily, money=["claims"])


def test_explicit_kinds_win_over_names():
    frame = pd.DataFrame({"claims": [0.5], "requests": [3.0]})
    assert "$0.50" in tables.text(frame, money=["claims"])
    assert "3" in tables.text(frame) and "3.0" not in tables.text(frame)


@pytest.mark.parametrize(
    ("column", "kind"),
    [
        ("cost", "money"),
        ("billed_cost", "money"),
        ("cost_per_1k_tokens", "money"),
        ("actual_usd", "money"),
        ("input_tokens", "integer"),
        ("invocations", "integer"),
        ("client_errors", "integer"),
        ("share", "fraction"),
        ("forecast_pct", "percent"),
        ("department", None),
        ("profile_arn", None),
    ],
)
def test_kind_of_column_names(column, kind):
    assert tables.kind_of(column) == kind


def test_markup_in_a_cell_is_shown_as_text():
    frame = pd.DataFrame({"detail": ["<b>not bold</b> & <script>x</script>"], "cost": [1.0]})
    html = tables.show(frame).to_html()
    assert "&lt;b&gt;not bold&lt;/b&gt; &amp; &lt;script&gt;" in html and "<script>x" not in html
    assert "$1.00" in html


def test_a_small_share_is_not_shown_as_nothing():
    assert tables.percent(0.0001, fraction=True) == "< 0.1 %"
    assert tables.percent(0.0, fraction=True) == "0.0 %"
    assert tables.percent(12.345) == "12.3 %"
