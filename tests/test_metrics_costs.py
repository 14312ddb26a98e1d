"""helpers.metrics and helpers.costs on the stand-in: batching, paging, periods, activation."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from helpers import costs, metrics, profiles
from helpers.errors import InputError
from tests.conftest import control

HAIKU_ARN = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"


def many_profiles(conn, count):
    for i in range(count):
        conn.bedrock.create_inference_profile(
            inferenceProfileName=f"p{i:03d}",
            modelSource={"copyFrom": HAIKU_ARN},
            tags=[{"key": "dept", "value": f"d{i % 5}"}],
        )
    return profiles.list_profiles(conn)


def test_queries_use_the_profile_id_and_real_metric_names(conn, cfg):
    profiles.ensure(conn, cfg)
    made = profiles.list_profiles(conn)
    queries = metrics.build_queries(made, period=3600)
    assert len(queries) == 3 * len(metrics.DEFAULT_METRICS)
    first = queries[0]["MetricStat"]
    assert first["Metric"]["Namespace"] == "AWS/Bedrock"
    assert first["Metric"]["Dimensions"] == [{"Name": "ModelId", "Value": made[0].profile_id}]
    names = {q["MetricStat"]["Metric"]["MetricName"] for q in queries}
    assert not names & {"InvocationCount", "ProcessingTime", "TokenCount", "CharacterCount"}
    with pytest.raises(InputError, match="Unknown Bedrock metric"):
        metrics.build_queries(made, ("TokenCount",))


def test_usage_of_100_profiles_and_5_metrics_is_one_call_per_page(conn, endpoint, api_calls):
    made = many_profiles(conn, 100)
    control(endpoint, "POST", "/_standin/backfill", {"days": 7, "seed": 4})
    api_calls.calls.clear()
    now = datetime.now(timezone.utc)
    tidy = metrics.usage(
        conn, made, now - timedelta(days=8), now, metrics=metrics.DEFAULT_METRICS[:5]
    )
    assert api_calls.count("GetMetricData") == 1
    assert set(tidy["metric"]) <= set(metrics.DEFAULT_METRICS[:5])
    assert {"Invocations", "InputTokenCount", "OutputTokenCount"} <= set(tidy["metric"])
    assert tidy["profile"].nunique() == 100


def test_usage_follows_pages(conn, endpoint, api_calls, monkeypatch):
    made = many_profiles(conn, 3)
    control(endpoint, "POST", "/_standin/backfill", {"days": 10, "seed": 4})
    now = datetime.now(timezone.utc)
    whole = metrics.usage(conn, made, now - timedelta(days=11), now)
    # 501 queries need two calls
    monkeypatch.setattr(metrics, "QUERIES_PER_CALL", 5)
    api_calls.calls.clear()
    split = metrics.usage(conn, made, now - timedelta(days=11), now)
    queries = len(made) * len(metrics.DEFAULT_METRICS)
    assert api_calls.count("GetMetricData") == -(-queries // 5)  # one call per 5 queries
    assert split.equals(whole)


def test_usage_window_checks(conn, cfg):
    profiles.ensure(conn, cfg)
    made = profiles.list_profiles(conn)
    now = datetime.now(timezone.utc)
    with pytest.raises(InputError, match="window is empty"):
        metrics.usage(conn, made, now, now)
    with pytest.raises(InputError, match="multiple of 60"):
        metrics.usage(conn, made, now - timedelta(days=1), now, period=90)


TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    "start,end,fragment",
    [
        ("2026-11-10", "2026-11-10", "is empty"),
        ("2026-11-10", "2026-11-01", "is inverted"),
        ("2026-12-05", "2026-12-06", "in the future"),
        ("2026-11-01", "2027-02-01", "beyond the current month"),
        ("2024-01-01", "2024-02-01", "keeps 14 months"),
        ("2026-11-aa", "2026-11-10", "is not a date"),
    ],
)
def test_bad_periods(start, end, fragment):
    with pytest.raises(InputError, match=fragment):
        costs.period(start, end, today=TODAY)


def test_the_seeds_first_of_month_bug():
    first = date(2026, 11, 1)
    with pytest.raises(InputError, match="seed's bug on the 1st of a month"):
        costs.period(first, first, today=first)
    span = costs.month_to_date(today=first)  # the fix: End is the day after today
    assert span.time_period() == {"Start": "2026-11-01", "End": "2026-11-02"}
    assert span.days == 1


def test_periods():
    assert costs.last_days(7, today=TODAY).time_period() == {
        "Start": "2026-11-22",
        "End": "2026-11-29",
    }
    assert str(costs.period("2026-11-01", "2026-11-08", today=TODAY)) == (
        "2026-11-01 to 2026-11-07 inclusive (daily)"
    )
    with pytest.raises(InputError, match="Granularity 'WEEKLY'"):
        costs.period("2026-11-01", "2026-11-08", "WEEKLY", today=TODAY)
    with pytest.raises(InputError, match="HOURLY"):
        costs.period("2026-10-01", "2026-11-08", "HOURLY", today=TODAY)


def test_parse_pages():
    page = {
        "GroupDefinitions": [
            {"Type": "TAG", "Key": "dept"},
            {"Type": "DIMENSION", "Key": "SERVICE"},
        ],
        "ResultsByTime": [
            {
                "TimePeriod": {"Start": "2026-11-01", "End": "2026-11-02"},
                "Total": {},
                "Estimated": True,
                "Groups": [
                    {
                        "Keys": ["dept$claims", "Claude Haiku 4.5 (Amazon Bedrock Edition)"],
                        "Metrics": {"UnblendedCost": {"Amount": "1.25", "Unit": "USD"}},
                    },
                    {
                        "Keys": ["dept$", "Amazon Bedrock"],
                        "Metrics": {"UnblendedCost": {"Amount": "0.5", "Unit": "USD"}},
                    },
                ],
            }
        ],
    }
    frame = costs.parse_pages([page])
    assert list(frame["department"]) == ["(untagged)", "claims"]
    assert list(frame["cost"]) == [0.5, 1.25]
    assert list(frame["service"]) == ["Amazon Bedrock", "Claude Haiku 4.5 (Amazon Bedrock Edition)"]
    assert frame["estimated"].all() and set(frame["currency"]) == {"USD"}
    assert costs.parse_pages([]).empty


def test_tag_activation_and_cost_by_department(conn, cfg, endpoint, api_calls):
    profiles.ensure(conn, cfg)
    control(endpoint, "POST", "/_standin/backfill", {"days": 20, "seed": 2})
    inactive = costs.tag_activation(conn, "dept")
    assert inactive.status == "Inactive" and not inactive.active
    assert "update-cost-allocation-tags-status" in inactive.remedy
    assert costs.tag_activation(conn, "never_used").status == "NotFound"
    span = costs.last_days(20)
    active = costs.activate_tag(conn, "dept", backfill_from=span.start)
    assert active.active and active.remedy is None
    services = costs.bedrock_services(conn, span)
    assert "Claude Haiku 4.5 (Amazon Bedrock Edition)" in services and "Amazon Bedrock" in services
    request = costs.cost_request(span, "dept", services=services)
    api_calls.calls.clear()
    frame = costs.cost_by_tag(conn, request)
    assert api_calls.count("GetCostAndUsage") == 1
    assert {"claims", "underwriting", "support"} <= set(frame["department"])
    assert (frame["cost"] > 0).all()
    # the same through many pages, one call per page
    control(endpoint, "POST", "/_standin/settings", {"ce_page_size": 10})
    api_calls.calls.clear()
    pages = costs.fetch_pages(conn, request)
    assert api_calls.count("GetCostAndUsage") == len(pages) > 1
    paged = costs.parse_pages(pages)
    assert (
        paged.groupby("department")["cost"]
        .sum()
        .round(9)
        .equals(frame.groupby("department")["cost"].sum().round(9))
    )


def test_activation_error_for_unknown_tag(conn):
    with pytest.raises(InputError, match="did not activate 'ghost'"):
        costs.activate_tag(conn, "ghost")
