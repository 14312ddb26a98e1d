"""The stand-in's Cost Explorer filter expressions, checked and matched without a server."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from helpers import dates
from helpers.offline import ce_filter
from tests.conftest import error_of

ROOT = Path(__file__).parents[1]

# A line item as the matcher sees it: its dimensions and its (active) tags.
CLAIMS = {"dims": {"SERVICE": "Amazon Bedrock", "USAGE_TYPE": "USE1-Nova-input-tokens"}}
CLAIMS["tags"] = {"dept": "Claims"}
UNTAGGED = {"dims": {"SERVICE": "Claude (Amazon Bedrock Edition)", "USAGE_TYPE": "USE1-out"}}
UNTAGGED["tags"] = {}
EMPTY_TAG = {"dims": {"SERVICE": "Amazon Bedrock"}, "tags": {"dept": ""}}


def dimension(item: dict[str, Any], key: str) -> str | None:
    return item["dims"].get(key)


def tag(item: dict[str, Any], key: str) -> str | None:
    return item["tags"].get(key)


def matches(expr: dict[str, Any], item: dict[str, Any]) -> bool:
    ce_filter.check(expr)  # every expression matched here is a valid one
    return ce_filter.matches(expr, item, dimension, tag)


def tags(values: list[str] | None = None, *options: str, key: str = "dept") -> dict[str, Any]:
    test: dict[str, Any] = {"Key": key}
    if values is not None:
        test["Values"] = values
    if options:
        test["MatchOptions"] = list(options)
    return {"Tags": test}


def dims(key: str, values: list[str], *options: str) -> dict[str, Any]:
    test: dict[str, Any] = {"Key": key, "Values": values}
    if options:
        test["MatchOptions"] = list(options)
    return {"Dimensions": test}


# --- matching: one test per operator and option ------------------------------------------------
@pytest.mark.parametrize(
    ("expr", "item", "expected"),
    [
        # EQUALS is the default, and case-sensitive (CASE_SENSITIVE says the same)
        (tags(["Claims"]), CLAIMS, True),
        (tags(["claims"]), CLAIMS, False),
        (tags(["claims"], "EQUALS", "CASE_SENSITIVE"), CLAIMS, False),
        (tags(["Claims"], "EQUALS", "CASE_SENSITIVE"), CLAIMS, True),
        (tags(["CLAIMS"], "EQUALS", "CASE_INSENSITIVE"), CLAIMS, True),
        # any one of the Values
        (tags(["support", "Claims"]), CLAIMS, True),
        (tags(["support", "research"]), CLAIMS, False),
        # partial matches
        (dims("USAGE_TYPE", ["USE1-"], "STARTS_WITH"), CLAIMS, True),
        (dims("USAGE_TYPE", ["use1-"], "STARTS_WITH"), CLAIMS, False),
        (dims("USAGE_TYPE", ["use1-"], "STARTS_WITH", "CASE_INSENSITIVE"), CLAIMS, True),
        (dims("USAGE_TYPE", ["-input-tokens"], "ENDS_WITH"), CLAIMS, True),
        (dims("USAGE_TYPE", ["-output-tokens"], "ENDS_WITH"), CLAIMS, False),
        (dims("USAGE_TYPE", ["Nova"], "CONTAINS"), CLAIMS, True),
        (dims("USAGE_TYPE", ["NOVA"], "CONTAINS"), CLAIMS, False),
        (dims("USAGE_TYPE", ["NOVA"], "CONTAINS", "CASE_INSENSITIVE"), CLAIMS, True),
        # a partial option turns off the exact comparison
        (dims("SERVICE", ["Amazon Bedrock"], "STARTS_WITH"), CLAIMS, True),
        (dims("SERVICE", ["Bedrock"], "STARTS_WITH"), CLAIMS, False),
        # ABSENT: no value, or the empty value
        (tags(None, "ABSENT"), UNTAGGED, True),
        (tags(None, "ABSENT"), EMPTY_TAG, True),
        (tags(None, "ABSENT"), CLAIMS, False),
        # an untagged line has the empty tag value, and nothing else
        (tags([""]), UNTAGGED, True),
        (tags(["Claims"]), UNTAGGED, False),
        (tags(["Claims"], "CONTAINS"), UNTAGGED, False),
    ],
)
def test_values_and_match_options(expr, item, expected):
    assert matches(expr, item) is expected


def test_and_or_not():
    claims, bedrock = tags(["Claims"]), dims("SERVICE", ["Amazon Bedrock"])
    assert matches({"And": [claims, bedrock]}, CLAIMS)
    assert not matches({"And": [claims, {"Not": bedrock}]}, CLAIMS)
    assert matches({"Or": [tags(["support"]), bedrock]}, CLAIMS)
    assert not matches({"Or": [tags(["support"]), claims]}, UNTAGGED)
    assert matches({"Not": claims}, UNTAGGED)
    assert not matches({"Not": {"Not": claims}}, UNTAGGED)


def test_nesting():
    # Claims on Bedrock, or anything untagged that is not Bedrock
    expr = {
        "Or": [
            {
                "And": [
                    tags(["claims"], "CASE_INSENSITIVE"),
                    dims("SERVICE", ["Amazon"], "CONTAINS"),
                ]
            },
            {"And": [tags(None, "ABSENT"), {"Not": dims("SERVICE", ["Amazon Bedrock"])}]},
        ]
    }
    assert matches(expr, CLAIMS)
    assert matches(expr, UNTAGGED)
    assert not matches(expr, EMPTY_TAG)  # untagged but on Amazon Bedrock


def test_cost_categories_and_product_attributes_match_nothing():
    # the stand-in defines no cost categories, so no line is in one
    category = {"CostCategories": {"Key": "team", "Values": ["a"]}}
    assert not matches(category, CLAIMS)
    assert matches({"Not": category}, CLAIMS)
    assert not matches({"ProductAttributes": {"Key": "k", "Values": ["v"]}}, CLAIMS)


def test_a_root_set_to_none_is_not_set():
    expr = {"And": None, "Tags": {"Key": "dept", "Values": ["Claims"]}}
    assert matches(expr, CLAIMS)


# --- checking: the messages the stand-in answers with ------------------------------------------
@pytest.mark.parametrize(
    ("expr", "message"),
    [
        (
            {},
            "Filter must set exactly one of And, Or, Not, Dimensions, Tags or CostCategories; "
            "it sets none.",
        ),
        (
            {**tags(["a"]), **dims("SERVICE", ["b"])},
            "Filter must set exactly one of And, Or, Not, Dimensions, Tags or CostCategories; "
            "it sets Dimensions, Tags.",
        ),
        ({"And": [tags(["a"])]}, "Filter.And needs at least 2 expressions."),
        ({"Or": []}, "Filter.Or needs at least 2 expressions."),
        (tags(None), "Filter.Tags needs Values (or MatchOptions ABSENT)."),
        (tags([], "EQUALS"), "Filter.Tags needs Values (or MatchOptions ABSENT)."),
        (
            {"CostCategories": {"Key": "team"}},
            "Filter.CostCategories needs Values (or MatchOptions ABSENT).",
        ),
        (
            {"Or": [tags(["a"]), {"Not": {"Dimensions": {"Key": "SERVICE"}}}]},
            "Filter.Or.2.Not.Dimensions needs Values (or MatchOptions ABSENT).",
        ),
        (
            {"And": [{"Or": [tags(["a"]), {"And": [tags(["b"])]}]}, tags(["c"])]},
            "Filter.And.1.Or.2.And needs at least 2 expressions.",
        ),
        (
            {"Not": {}},
            "Filter.Not must set exactly one of And, Or, Not, Dimensions, Tags or "
            "CostCategories; it sets none.",
        ),
    ],
)
def test_malformed_expressions(expr, message):
    with pytest.raises(ce_filter.FilterError) as raised:
        ce_filter.check(expr)
    assert str(raised.value) == message


def test_the_first_problem_is_reported():
    # two problems: the first in the order AWS reads the expression wins
    expr = {"Or": [tags(None), {"And": [tags(["a"])]}]}
    with pytest.raises(ce_filter.FilterError, match=r"^Filter\.Or\.1\.Tags needs Values"):
        ce_filter.check(expr)


@pytest.mark.parametrize(
    "expr", [tags(None, "ABSENT"), {"Not": tags(None, "ABSENT")}, {"ProductAttributes": {}}]
)
def test_well_formed_expressions_pass(expr):
    ce_filter.check(expr)


def test_the_stand_in_answers_with_the_message(client):
    """GetCostAndUsage and GetCostForecast refuse a malformed filter with its message."""
    ce = client("ce")
    bad = {"Or": [tags(["a"]), {"Not": {"Tags": {"Key": "dept"}}}]}
    today = dates.utc_today()
    period = {"Start": today.isoformat(), "End": (today + timedelta(days=1)).isoformat()}
    with pytest.raises(ClientError) as raised:
        ce.get_cost_and_usage(
            TimePeriod=period, Granularity="DAILY", Metrics=["UnblendedCost"], Filter=bad
        )
    message = "Filter.Or.2.Not.Tags needs Values (or MatchOptions ABSENT)."
    assert error_of(raised) == ("ValidationException", 400, message)
    with pytest.raises(ClientError) as raised:
        ce.get_cost_forecast(
            TimePeriod=period, Granularity="DAILY", Metric="UNBLENDED_COST", Filter=bad
        )
    assert error_of(raised) == ("ValidationException", 400, message)


def test_the_module_is_pure():
    """No moto (and nothing heavy) behind the matcher: it runs without a stand-in."""
    code = (
        "import sys; import helpers.offline.ce_filter; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('moto', 'boto3', 'botocore')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
