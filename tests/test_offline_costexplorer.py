"""Cost Explorer in the stand-in: computed from usage, grouped by activated tags, paginated."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from helpers import dates
from tests.conftest import control, error_of

PRICES = json.loads((Path(__file__).parents[1] / "helpers/data/prices.json").read_text())["models"]
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
NOVA = "amazon.nova-lite-v1:0"


@pytest.fixture
def departments(client):
    """Two tagged profiles (Claude via Marketplace, Nova via Amazon Bedrock), one call each."""
    bedrock = client("bedrock")
    runtime = client("bedrock-runtime")
    usage = {}
    for dept, source, model, scope in [
        ("claims", f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}", HAIKU, "in-region"),
        (
            "support",
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us." + NOVA,
            NOVA,
            "geo",
        ),
    ]:
        arn = bedrock.create_inference_profile(
            inferenceProfileName=dept,
            modelSource={"copyFrom": source},
            tags=[{"key": "dept", "value": dept}],
        )["inferenceProfileArn"]
        result = runtime.converse(
            modelId=arn,
            messages=[{"role": "user", "content": [{"text": f"A question from {dept}"}]}],
        )
        usage[dept] = (model, result["usage"], scope)
    runtime.converse(modelId=HAIKU, messages=[{"role": "user", "content": [{"text": "untagged"}]}])
    return usage


def expected_cost(model, usage, scope):
    """Tokens x the list price of the scope the call went through, read from prices.json."""
    price = PRICES[model][scope]
    return (
        Decimal(str(price["input"])) * usage["inputTokens"]
        + Decimal(str(price["output"])) * usage["outputTokens"]
    ) / Decimal(1_000_000)


def this_month():
    today = datetime.now(timezone.utc).date()
    return today.replace(day=1).isoformat(), (today + timedelta(days=1)).isoformat()


def activate(client, key="dept"):
    client("ce").update_cost_allocation_tags_status(
        CostAllocationTagsStatus=[{"TagKey": key, "Status": "Active"}]
    )


def groups(response):
    out = {}
    for period in response["ResultsByTime"]:
        for group in period["Groups"]:
            key = tuple(group["Keys"])
            out[key] = out.get(key, Decimal(0)) + Decimal(
                group["Metrics"]["UnblendedCost"]["Amount"]
            )
    return out


def cost_by(client, group_by, **extra):
    start, end = this_month()
    return client("ce").get_cost_and_usage(
        TimePeriod={"Start": start, "End": end},
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
        GroupBy=group_by,
        **extra,
    )


def test_tags_start_inactive_then_activate(client, departments, assert_shape):
    ce = client("ce")
    listed = ce.list_cost_allocation_tags()
    assert_shape("ce", "ListCostAllocationTags", listed)
    assert [(t["TagKey"], t["Status"], t["Type"]) for t in listed["CostAllocationTags"]] == [
        ("dept", "Inactive", "UserDefined")
    ]
    # before activation, everything is untagged
    before = groups(cost_by(client, [{"Type": "TAG", "Key": "dept"}]))
    assert list(before) == [("dept$",)]
    result = ce.update_cost_allocation_tags_status(
        CostAllocationTagsStatus=[
            {"TagKey": "dept", "Status": "Active"},
            {"TagKey": "nosuchkey", "Status": "Active"},
        ]
    )
    assert_shape("ce", "UpdateCostAllocationTagsStatus", result)
    assert [e["TagKey"] for e in result["Errors"]] == ["nosuchkey"]
    assert (
        ce.list_cost_allocation_tags(Status="Active")["CostAllocationTags"][0]["TagKey"] == "dept"
    )


def test_cost_by_department_is_tokens_times_price(client, departments, assert_shape):
    activate(client)
    response = cost_by(client, [{"Type": "TAG", "Key": "dept"}])
    assert_shape("ce", "GetCostAndUsage", response)
    assert response["GroupDefinitions"] == [{"Type": "TAG", "Key": "dept"}]
    found = groups(response)
    for dept, (model, usage, scope) in departments.items():
        assert abs(found[(f"dept${dept}",)] - expected_cost(model, usage, scope)) < Decimal("1e-9")
    assert ("dept$",) in found  # the bare-model call carries no tag
    assert response["ResultsByTime"][0]["Estimated"] is True
    assert response["ResultsByTime"][0]["Total"] == {}


def test_marketplace_service_names(client, departments):
    activate(client)
    found = groups(
        cost_by(client, [{"Type": "TAG", "Key": "dept"}, {"Type": "DIMENSION", "Key": "SERVICE"}])
    )
    assert ("dept$claims", "Claude Haiku 4.5 (Amazon Bedrock Edition)") in found
    assert ("dept$support", "Amazon Bedrock") in found
    # The seed's filter SERVICE = "Amazon Bedrock" misses Claude spend entirely.
    seed_filter = groups(
        cost_by(
            client,
            [{"Type": "TAG", "Key": "dept"}],
            Filter={"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Bedrock"]}},
        )
    )
    assert ("dept$claims",) not in seed_filter and ("dept$support",) in seed_filter


def test_usage_types(client, departments):
    found = groups(cost_by(client, [{"Type": "DIMENSION", "Key": "USAGE_TYPE"}]))
    assert set(found) == {
        ("USE1-Claude4.5Haiku-input-tokens",),
        ("USE1-Claude4.5Haiku-output-tokens",),
        ("USE1-NovaLite-input-tokens",),
        ("USE1-NovaLite-output-tokens",),
    }


def test_filters(client, departments):
    activate(client)
    tag = {"Tags": {"Key": "dept", "Values": ["claims"]}}
    only_claims = groups(cost_by(client, [{"Type": "TAG", "Key": "dept"}], Filter=tag))
    assert list(only_claims) == [("dept$claims",)]
    not_claims = groups(cost_by(client, [{"Type": "TAG", "Key": "dept"}], Filter={"Not": tag}))
    assert ("dept$claims",) not in not_claims and ("dept$support",) in not_claims
    untagged = groups(
        cost_by(
            client,
            [{"Type": "TAG", "Key": "dept"}],
            Filter={"Tags": {"Key": "dept", "MatchOptions": ["ABSENT"]}},
        )
    )
    assert list(untagged) == [("dept$",)]
    both = groups(
        cost_by(
            client,
            [{"Type": "TAG", "Key": "dept"}],
            Filter={"And": [tag, {"Dimensions": {"Key": "REGION", "Values": ["us-east-1"]}}]},
        )
    )
    assert list(both) == [("dept$claims",)]
    with pytest.raises(ClientError) as excinfo:
        cost_by(client, [], Filter={"And": [tag]})
    assert error_of(excinfo)[0] == "ValidationException"


def test_total_without_group_by_and_daily_periods(client, departments):
    today = datetime.now(timezone.utc).date()
    response = client("ce").get_cost_and_usage(
        TimePeriod={
            "Start": (today - timedelta(days=2)).isoformat(),
            "End": (today + timedelta(days=1)).isoformat(),
        },
        Granularity="DAILY",
        Metrics=["UnblendedCost", "UsageQuantity"],
    )
    periods = response["ResultsByTime"]
    assert [p["TimePeriod"]["Start"] for p in periods] == [
        (today - timedelta(days=n)).isoformat() for n in (2, 1, 0)
    ]
    assert periods[0]["Total"]["UnblendedCost"] == {"Amount": "0", "Unit": "USD"}
    expected = sum(expected_cost(m, u, scope) for m, u, scope in departments.values())
    assert Decimal(periods[-1]["Total"]["UnblendedCost"]["Amount"]) >= expected
    tokens = sum(u["inputTokens"] + u["outputTokens"] for _, u, _ in departments.values())
    assert int(periods[-1]["Total"]["UsageQuantity"]["Amount"]) > tokens  # plus the untagged call


@pytest.mark.parametrize(
    "start,end,fragment",
    [
        ("2026-03-10", "2026-03-10", "Start date (and hour) should be before end date"),
        ("2026-03-10", "2026-03-01", "Start date (and hour) should be before end date"),
        ("2026/03/01", "2026-03-10", "failed to satisfy constraint"),
    ],
)
def test_period_validation(client, start, end, fragment):
    with pytest.raises(ClientError) as excinfo:
        client("ce").get_cost_and_usage(
            TimePeriod={"Start": start, "End": end}, Granularity="DAILY", Metrics=["UnblendedCost"]
        )
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert fragment in message


def test_the_seeds_first_of_month_bug_is_rejected(client):
    first = date(2026, 6, 1).isoformat()  # "from the 1st of the month to today", run on the 1st
    with pytest.raises(ClientError) as excinfo:
        client("ce").get_cost_and_usage(
            TimePeriod={"Start": first, "End": first},
            Granularity="MONTHLY",
            Metrics=["UnblendedCost"],
        )
    assert error_of(excinfo)[0] == "ValidationException"


def test_invalid_group_by_and_metrics(client):
    start, end = this_month()
    ce = client("ce")
    with pytest.raises(ClientError) as excinfo:
        ce.get_cost_and_usage(
            TimePeriod={"Start": start, "End": end}, Granularity="MONTHLY", Metrics=["Cost"]
        )
    assert error_of(excinfo)[0] == "ValidationException"
    with pytest.raises(ClientError) as excinfo:
        ce.get_cost_and_usage(
            TimePeriod={"Start": start, "End": end},
            Granularity="MONTHLY",
            Metrics=["UnblendedCost"],
            GroupBy=[{"Type": "TAG", "Key": k} for k in "abc"],
        )
    assert error_of(excinfo)[0] == "ValidationException"


def backfill_tags(client, today):
    start = dates.add_months(dates.month_start(today), -1)
    client("ce").start_cost_allocation_tag_backfill(BackfillFrom=f"{start.isoformat()}T00:00:00Z")


def test_pagination(client, endpoint, departments):
    activate(client)
    for i in range(6):
        client("bedrock").create_inference_profile(
            inferenceProfileName=f"extra-{i}",
            modelSource={"copyFrom": f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"},
            tags=[{"key": "dept", "value": f"team{i}"}],
        )
    control(endpoint, "POST", "/_standin/backfill", {"days": 10, "seed": 5})
    today = datetime.now(timezone.utc).date()
    backfill_tags(client, today)
    request = dict(
        TimePeriod={
            "Start": (today - timedelta(days=10)).isoformat(),
            "End": (today + timedelta(days=1)).isoformat(),
        },
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
        GroupBy=[{"Type": "TAG", "Key": "dept"}],
    )
    whole = client("ce").get_cost_and_usage(**request)
    assert "NextPageToken" not in whole
    control(endpoint, "POST", "/_standin/settings", {"ce_page_size": 7})
    pages = []
    token = None
    while True:
        page = client("ce").get_cost_and_usage(
            **request, **({"NextPageToken": token} if token else {})
        )
        pages.append(page)
        token = page.get("NextPageToken")
        if not token:
            break
    assert len(pages) > 3
    assert ("dept$team0",) in groups(whole)
    merged: dict = {}
    for page in pages:
        for k, v in groups(page).items():
            merged[k] = merged.get(k, Decimal(0)) + v
    assert merged == groups(whole)
    with pytest.raises(ClientError) as excinfo:
        client("ce").get_cost_and_usage(
            **{**request, "Granularity": "MONTHLY"}, NextPageToken=pages[0]["NextPageToken"]
        )
    assert error_of(excinfo)[0] == "RequestChangedException"


def test_history_is_untagged_until_backfilled(client, endpoint, assert_shape):
    client("bedrock").create_inference_profile(
        inferenceProfileName="claims",
        modelSource={"copyFrom": f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"},
        tags=[{"key": "dept", "value": "claims"}],
    )
    control(endpoint, "POST", "/_standin/backfill", {"days": 40, "seed": 9})
    activate(client)
    today = datetime.now(timezone.utc).date()
    request = dict(
        TimePeriod={"Start": (today - timedelta(days=40)).isoformat(), "End": today.isoformat()},
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
        GroupBy=[{"Type": "TAG", "Key": "dept"}],
    )
    assert set(groups(client("ce").get_cost_and_usage(**request))) == {("dept$",)}
    backfill_from = dates.add_months(dates.month_start(today), -2)
    answer = client("ce").start_cost_allocation_tag_backfill(
        BackfillFrom=f"{backfill_from.isoformat()}T00:00:00Z"
    )
    assert_shape("ce", "StartCostAllocationTagBackfill", answer)
    history = client("ce").list_cost_allocation_tag_backfill_history()
    assert_shape("ce", "ListCostAllocationTagBackfillHistory", history)
    assert history["BackfillRequests"] == [answer["BackfillRequest"]]
    assert answer["BackfillRequest"]["BackfillStatus"] == "SUCCEEDED"
    assert set(groups(client("ce").get_cost_and_usage(**request))) == {("dept$claims",)}
    with pytest.raises(ClientError) as excinfo:
        client("ce").start_cost_allocation_tag_backfill(
            BackfillFrom=f"{backfill_from.isoformat()}T00:00:00Z"
        )
    assert error_of(excinfo)[0] == "BackfillLimitExceededException"


def test_get_tags_and_dimension_values(client, departments, assert_shape):
    activate(client)
    start, end = this_month()
    ce = client("ce")
    tags = ce.get_tags(TimePeriod={"Start": start, "End": end}, TagKey="dept")
    assert_shape("ce", "GetTags", tags)
    assert tags["Tags"] == ["claims", "support"]
    values = ce.get_dimension_values(TimePeriod={"Start": start, "End": end}, Dimension="SERVICE")
    assert_shape("ce", "GetDimensionValues", values)
    services = values["DimensionValues"]
    assert {v["Value"] for v in services} == {
        "Amazon Bedrock",
        "Claude Haiku 4.5 (Amazon Bedrock Edition)",
    }


def months_before(day: date, months: int) -> date:
    """The 1st of the month ``months`` before ``day``'s."""
    return dates.add_months(dates.month_start(day), -months)


def test_history_is_14_months_counting_this_one(client):
    """On 2026-03-15 the oldest start is 2025-02-01: 14 months with March, not 31 x 13 days."""
    today = datetime.now(timezone.utc).date()
    oldest = months_before(today, 13)
    ce = client("ce")
    answer = ce.get_cost_and_usage(
        TimePeriod={"Start": oldest.isoformat(), "End": (oldest + timedelta(days=1)).isoformat()},
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
    )
    assert answer["ResultsByTime"][0]["TimePeriod"]["Start"] == oldest.isoformat()
    for start in (oldest - timedelta(days=1), months_before(today, 14)):
        with pytest.raises(ClientError) as excinfo:
            ce.get_cost_and_usage(
                TimePeriod={"Start": start.isoformat(), "End": oldest.isoformat()},
                Granularity="MONTHLY",
                Metrics=["UnblendedCost"],
            )
        code, _, message = error_of(excinfo)
        assert code == "DataUnavailableException"
        assert f"the earliest start date is {oldest.isoformat()}" in message


def test_monthly_periods_and_backfill_reach_are_calendar_months(client):
    today = datetime.now(timezone.utc).date()
    start = months_before(today, 12)
    answer = client("ce").get_cost_and_usage(
        TimePeriod={"Start": start.isoformat(), "End": today.isoformat()},
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
    )
    starts = [r["TimePeriod"]["Start"] for r in answer["ResultsByTime"]]
    assert starts == [months_before(today, n).isoformat() for n in range(12, -1, -1)][: len(starts)]
    assert all(s.endswith("-01") for s in starts)
    too_old = months_before(today, 13)
    with pytest.raises(ClientError) as excinfo:
        client("ce").start_cost_allocation_tag_backfill(BackfillFrom=f"{too_old}T00:00:00Z")
    assert f"(to {months_before(today, 12)})" in error_of(excinfo)[2]


def test_a_cost_category_filter_is_checked_against_its_java_pattern_and_matches_nothing(
    client, departments
):
    """AWS's pattern for cost category names uses Java's \\p{L}\\p{N}\\p{Z}, which Python's re
    lacks: the stand-in answered any CostCategories filter with an HTTP 500 until it spelt them
    out. The stand-in defines no cost categories, so a well-formed filter matches nothing."""
    category = {"CostCategories": {"Key": "Abteilung Schäden 2", "Values": ["Kfz"]}}
    found = groups(cost_by(client, [{"Type": "TAG", "Key": "dept"}], Filter=category))
    assert found == {}
    with pytest.raises(ClientError) as excinfo:
        cost_by(client, [], Filter={"CostCategories": {"Key": " team", "Values": ["x"]}})
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationException", 400)
    assert "Filter.CostCategories.Key" in message and "regular expression pattern" in message


def test_java_unicode_classes_are_spelt_out_for_every_assigned_letter_number_and_space():
    import sys
    import unicodedata

    from helpers.offline import validation

    beyond = [
        code
        for code in range(validation.ASSIGNED_LIMIT, sys.maxunicode + 1)
        if unicodedata.category(chr(code))[0] in "LNZ"
    ]
    assert beyond == []  # nothing the scan leaves out
    pattern = validation._compiled(r"^(?! )[\p{L}\p{N}\p{Z}-_]*(?<! )$")
    for accepted in ("claims", "経理部", "Ωmega 2", "x-y_z", "٣"):
        assert pattern.fullmatch(accepted), accepted
    for refused in ("a;b", " lead", "trail ", "a@b"):
        assert not pattern.fullmatch(refused), refused
