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
    with pytest.raises(InputError, match="original cost_analysis.py on the 1st of a month"):
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


# --- Cost Explorer's 14 months, in calendar months (issue 13, class 9) ----------------------
@pytest.mark.parametrize(
    "today,oldest",
    [
        (date(2026, 3, 15), date(2025, 2, 1)),  # the example
        (date(2026, 3, 1), date(2025, 2, 1)),
        (date(2026, 1, 31), date(2024, 12, 1)),
        (date(2024, 2, 29), date(2023, 1, 1)),
        (date(2026, 12, 31), date(2025, 11, 1)),
        (date(2026, 11, 28), date(2025, 10, 1)),
    ],
)
def test_cost_explorer_keeps_14_months_counting_this_one(today, oldest):
    from helpers import dates

    assert dates.cost_explorer_oldest(today) == oldest
    span = costs.period(oldest, oldest + timedelta(days=1), today=today)
    assert span.start == oldest
    day_before = oldest - timedelta(days=1)
    with pytest.raises(InputError, match=f"keeps 14 months.*from {oldest}"):
        costs.period(day_before, oldest, today=today)


def test_month_steps_are_calendar_months():
    from helpers import dates

    assert dates.next_month_start(date(2026, 1, 31)) == date(2026, 2, 1)
    assert dates.next_month_start(date(2026, 12, 15)) == date(2027, 1, 1)
    assert dates.add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert dates.backfill_oldest(date(2026, 3, 15)) == date(2025, 3, 1)
    moment = datetime(2026, 3, 15, 17, 30, tzinfo=timezone.utc)
    assert dates.month_start(moment) == datetime(2026, 3, 1, tzinfo=timezone.utc)
    assert dates.cost_explorer_oldest(moment) == datetime(2025, 2, 1, tzinfo=timezone.utc)
    # the last day of a month is still in it
    assert costs.period("2026-11-01", "2026-12-01", today=date(2026, 11, 30)).days == 30


def test_no_hand_written_month_arithmetic_left():
    """Month steps live in helpers/dates.py only: no 31-day or 32-day jumps, no 365 days."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "helpers"
    pattern = re.compile(r"timedelta\(days=(2[89]|3[0-2]|36[56])\b|31 \* |\.month [+-] 1")
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        if path.name != "dates.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, found


# --- the types an analyst passes (issue 13, class 20) ---------------------------------------
def test_last_days_takes_what_an_analyst_types():
    import numpy as np

    expected = costs.last_days(7, today=TODAY).time_period()
    for days in ("7", " 7 ", np.int64(7), np.int32(7), 7.0, np.float64(7.0)):
        assert costs.last_days(days, today=TODAY).time_period() == expected, repr(days)
    assert costs.last_days(7, today="2026-11-28").time_period() == expected
    for bad in ("seven", "7.5", 7.5, True, None, "", "-7", [7]):
        with pytest.raises(InputError, match="must be a whole number"):
            costs.last_days(bad, today=TODAY)
    with pytest.raises(InputError, match="at least 1"):
        costs.last_days(0, today=TODAY)


def test_periods_take_dates_timestamps_and_iso_strings():
    import numpy as np
    import pandas as pd

    expected = {"Start": "2026-11-01", "End": "2026-11-08"}
    for start, end in (
        (date(2026, 11, 1), date(2026, 11, 8)),
        ("2026-11-01", "2026-11-08"),
        (datetime(2026, 11, 1, 9), datetime(2026, 11, 8)),
        (pd.Timestamp("2026-11-01"), pd.Timestamp("2026-11-08")),
        (np.datetime64("2026-11-01"), np.datetime64("2026-11-08")),
        ("2026-11-01T00:00:00Z", "2026-11-08T00:00:00Z"),
    ):
        assert costs.period(start, end, today=TODAY).time_period() == expected, (start, end)
    assert costs.month_to_date(today="2026-11-28").time_period()["Start"] == "2026-11-01"
    for bad in ("01/11/2026", 20261101, None, "yesterday"):
        with pytest.raises(InputError, match="is not a date"):
            costs.period(bad, "2026-11-08", today=TODAY)


def test_usage_takes_dates_and_iso_strings(conn, cfg, endpoint):
    import numpy as np
    import pandas as pd

    profiles.ensure(conn, cfg)
    made = profiles.list_profiles(conn)
    control(endpoint, "POST", "/_standin/backfill", {"days": 5, "seed": 2})
    today = datetime.now(timezone.utc).date()
    start = today - timedelta(days=6)
    expected = metrics.usage(
        conn,
        made,
        datetime.combine(start, datetime.min.time(), tzinfo=timezone.utc),
        datetime.combine(today, datetime.min.time(), tzinfo=timezone.utc),
    )
    assert not expected.empty
    for first, last in (
        (start, today),
        (start.isoformat(), today.isoformat()),
        (pd.Timestamp(start), pd.Timestamp(today)),
        (datetime.combine(start, datetime.min.time()), f"{today}T00:00:00Z"),
        (np.datetime64(start.isoformat()), today),
    ):
        got = metrics.usage(conn, made, first, last, period=np.int64(86400))
        assert got.equals(expected), (first, last)
    one = metrics.usage(conn, made[0], start, today, period="86400")  # one profile
    assert set(one["profile"]) == {made[0].name}
    for bad in ("last week", 20261101, None):
        with pytest.raises(InputError, match="is not a date or time"):
            metrics.usage(conn, made, bad, today)
    with pytest.raises(InputError, match="must be a whole number"):
        metrics.usage(conn, made, start, today, period="daily")
    with pytest.raises(InputError, match="takes Profile objects"):
        metrics.usage(conn, [p.name for p in made], start, today)
    with pytest.raises(InputError, match="takes Profile objects, not 'claims_dept'"):
        metrics.usage(conn, "claims_dept", start, today)


# --- a second tag the same day: activated, and said what stays untagged (class 12) ----------
def test_second_tag_the_same_day_is_activated_and_says_what_stays_untagged(conn, cfg, endpoint):
    profiles.ensure(conn, cfg)
    for p in profiles.list_profiles(conn):
        conn.bedrock.tag_resource(resourceARN=p.arn, tags=[{"key": "team", "value": p.name}])
    control(endpoint, "POST", "/_standin/backfill", {"days": 10, "seed": 1})
    span = costs.last_days(10)
    first = costs.activate_tag(conn, "dept", backfill_from=span.start)
    assert first.active and first.note is None

    second = costs.activate_tag(conn, "team", backfill_from=span.start)  # the analyst's tweak
    assert second.active
    requested = conn.ce.list_cost_allocation_tag_backfill_history()["BackfillRequests"][0]
    last = datetime.fromisoformat(requested["RequestedAt"].replace("Z", "+00:00"))
    assert "Backfill not possible yet" in second.note
    assert "one cost allocation tag backfill every 24 hours" in second.note
    assert f"costs from {span.start.replace(day=1)}" in second.note
    assert f"{last:%Y-%m-%d %H:%M} UTC" in second.note
    assert f"{last + timedelta(hours=24):%Y-%m-%d %H:%M} UTC" in second.note
    assert f"--backfill-from {span.start.replace(day=1)}T00:00:00Z" in second.note
    billed = costs.cost_by_tag(conn, costs.cost_request(span, "team"))
    history = billed[billed["start"] < datetime.now(timezone.utc).date()]
    assert set(history["department"]) == {costs.UNTAGGED}  # as the note says
    # the tag stays active: a later run sees it so and asks for nothing more
    assert costs.tag_activation(conn, "team").active


def test_backfill_limit_without_permission_to_read_the_history(conn, cfg, endpoint):
    from botocore.stub import Stubber

    profiles.ensure(conn, cfg)
    conn.ce.start_cost_allocation_tag_backfill(BackfillFrom=f"{TODAY.replace(day=1)}T00:00:00Z")
    stub = Stubber(conn.ce)
    stub.add_response("update_cost_allocation_tags_status", {"Errors": []})
    stub.add_client_error(
        "start_cost_allocation_tag_backfill", "BackfillLimitExceededException", "limit", 400
    )
    stub.add_client_error(
        "list_cost_allocation_tag_backfill_history", "AccessDeniedException", "denied", 400
    )
    stub.add_response(
        "list_cost_allocation_tags",
        {"CostAllocationTags": [{"TagKey": "team", "Type": "UserDefined", "Status": "Active"}]},
    )
    with stub:
        result = costs.activate_tag(conn, "team", backfill_from=TODAY)
    assert result.active
    assert "less than 24 hours ago" in result.note


def test_other_backfill_errors_are_explained(conn):
    from botocore.stub import Stubber

    from helpers.errors import AwsError

    stub = Stubber(conn.ce)
    stub.add_response("update_cost_allocation_tags_status", {"Errors": []})
    stub.add_client_error(
        "start_cost_allocation_tag_backfill", "AccessDeniedException", "denied", 400
    )
    with stub, pytest.raises(AwsError, match="ce:StartCostAllocationTagBackfill"):
        costs.activate_tag(conn, "team", backfill_from=TODAY)


TWO_TAGS_CONFIG = {
    "mode": "offline",
    "region": "us-east-1",
    "tag_key": "dept",
    "profiles": [
        {
            "name": "claims_two_tags",
            "copy_from": "us.amazon.nova-lite-v1:0",
            "tags": {"dept": "claims", "team": "adjusters", "project": "intake"},
        },
        {
            "name": "support_two_tags",
            "copy_from": "amazon.nova-micro-v1:0",
            "tags": {"dept": "support", "team": "helpdesk", "project": "chat"},
        },
    ],
}


@pytest.mark.slow
def test_the_analysts_first_tweak_goes_on(workshop, tmp_path):
    """05 with the config's tag, then 05 with tag_key='team' and 06 with tag_key='project' the
    same day: AWS allows one backfill in 24 hours, and the notebooks say what that means."""
    import json

    from tests.test_notebooks import papermill_run, read_csv, text_of

    path = tmp_path / "config.json"
    path.write_text(json.dumps(TWO_TAGS_CONFIG))
    out = tmp_path / "out"
    run = {"config_path": str(path)}
    papermill_run("01_create_profiles", tmp_path / "run", **run)
    papermill_run("04_generate_usage", tmp_path / "run", requests=8, backfill_days=10, **run)
    papermill_run("05_cost_analysis", tmp_path / "dept", output_dir=str(out), days=10, **run)
    by_team = text_of(
        papermill_run(
            "05_cost_analysis",
            tmp_path / "team",
            output_dir=str(out),
            days=10,
            tag_key="team",
            **run,
        )
    )
    assert "Now: Active" in by_team and "Backfill not possible yet" in by_team
    assert "aws ce start-cost-allocation-tag-backfill --backfill-from" in by_team
    teams = {r["department"] for r in read_csv(out / "chargeback.csv") if float(r["cost_usd"]) > 0}
    assert {"adjusters", "helpdesk", "(untagged)"} <= teams  # today's calls, then history
    by_project = text_of(
        papermill_run(
            "06_cur_at_scale",
            tmp_path / "project",
            output_dir=str(out),
            days=10,
            tag_key="project",
            **run,
        )
    )
    assert "is Active" in by_project and "Backfill not possible yet" in by_project


def test_hourly_periods_are_sent_with_hours_and_kept_to_14_days():
    span = costs.last_days(2, today=TODAY, granularity="HOURLY")
    assert span.time_period() == {"Start": "2026-11-27T00:00:00Z", "End": "2026-11-29T00:00:00Z"}
    assert costs.cost_request(span, "dept")["TimePeriod"] == span.time_period()
    assert costs.last_days(14, today=TODAY, granularity="hourly").start == date(2026, 11, 15)
    for days in (15, 30):
        with pytest.raises(InputError, match="only the last 14 days") as excinfo:
            costs.last_days(days, today=TODAY, granularity="HOURLY")
        assert "2026-11-15" in excinfo.value.fix and "DAILY" in excinfo.value.fix
    # a short period that starts too long ago is refused too, not only a long one
    with pytest.raises(InputError, match="only the last 14 days"):
        costs.period("2026-11-01", "2026-11-03", "HOURLY", today=TODAY)
    # DAILY and MONTHLY keep plain dates
    assert costs.last_days(2, today=TODAY).time_period()["Start"] == "2026-11-27"


@pytest.mark.parametrize("typed", ["daily", "Daily", " DAILY ", "monthly", "hourly"])
def test_granularity_in_any_case(typed):
    span = costs.last_days(3, today=TODAY, granularity=typed)
    assert span.granularity == typed.strip().upper()


@pytest.mark.parametrize("typed", ["weekly", "WEEKLY", "day", "", None, 1])
def test_granularity_refused_lists_exactly_the_valid_values(typed):
    with pytest.raises(InputError, match="is not one of DAILY, MONTHLY, HOURLY") as excinfo:
        costs.last_days(3, today=TODAY, granularity=typed)
    assert "DAILY, MONTHLY, HOURLY" in excinfo.value.fix
    assert "use DAILY or MONTHLY" not in excinfo.value.fix


def test_hourly_cost_on_the_standin(conn, cfg, endpoint):
    from helpers import analysis

    profiles.ensure(conn, cfg)
    control(endpoint, "POST", "/_standin/backfill", {"days": 5, "seed": 2})
    costs.activate_tag(conn, "dept")
    span = costs.last_days(2, granularity="HOURLY")
    # GetDimensionValues takes no granularity: plain dates, even for an hourly period
    assert "Claude Haiku 4.5 (Amazon Bedrock Edition)" in costs.bedrock_services(conn, span)
    frame = costs.cost_by_tag(conn, costs.cost_request(span, "dept"))
    assert not frame.empty
    assert all(isinstance(s, datetime) and s.tzinfo is not None for s in frame["start"])
    daily = costs.cost_by_tag(conn, costs.cost_request(costs.last_days(2), "dept"))
    assert round(frame["cost"].sum(), 6) == round(daily["cost"].sum(), 6)
    table = analysis.daily_by_department(frame)
    assert table.index.name == "start" and table.index.is_unique
    assert all(label.endswith(":00 UTC") for label in table.index)
    assert round(float(table.to_numpy().sum()), 6) == round(frame["cost"].sum(), 6)


def test_standin_answers_hourly_as_aws_does(conn):
    from botocore.exceptions import ClientError

    today = datetime.now(timezone.utc).date()
    request = {"Granularity": "HOURLY", "Metrics": ["UnblendedCost"]}

    def refused(start: str, end: str) -> str:
        with pytest.raises(ClientError) as excinfo:
            conn.ce.get_cost_and_usage(TimePeriod={"Start": start, "End": end}, **request)
        return str(excinfo.value)

    # the seed's plain dates, refused as AWS refuses them
    assert "yyyy-MM-ddThh:mm:ssZ" in refused(f"{today}", f"{today + timedelta(days=1)}")
    old = today - timedelta(days=20)
    assert "max supported days for hourly" in refused(
        f"{old}T00:00:00Z", f"{old + timedelta(days=1)}T00:00:00Z"
    )
    start = today - timedelta(days=13)
    answer = conn.ce.get_cost_and_usage(
        TimePeriod={"Start": f"{start}T00:00:00Z", "End": f"{today}T00:00:00Z"}, **request
    )
    assert len(answer["ResultsByTime"]) == 13 * 24
    assert answer["ResultsByTime"][0]["TimePeriod"]["Start"] == f"{start}T00:00:00Z"


# --- Priority and Flex calls: their own CloudWatch series, priced at their multiple ----------
def test_priority_and_flex_calls_are_counted_and_priced_at_their_tier(conn, cfg):
    from datetime import timedelta

    from helpers import analysis, pricing

    profiles.ensure(conn, cfg)
    conn.bedrock.create_inference_profile(
        inferenceProfileName="underwriting_gpt_oss",
        modelSource={
            "copyFrom": "arn:aws:bedrock:us-east-1::foundation-model/openai.gpt-oss-120b-1:0"
        },
        tags=[{"key": "dept", "value": "underwriting"}],
    )
    made = profiles.list_profiles(conn)
    prices = pricing.load()
    tiered = next(p for p in made if p.name == "underwriting_gpt_oss")
    assert "flex" in prices.tiers(tiered.model_id)
    other = next(p for p in made if p is not tiered)
    expected = 0.0
    for tier in ("priority", "default", "flex"):
        answer = conn.runtime.converse(
            modelId=tiered.arn,
            messages=[{"role": "user", "content": [{"text": "Rate this risk note."}]}],
            serviceTier={"type": tier},
        )["usage"]
        expected += prices.cost(
            tiered.model_id,
            answer["inputTokens"],
            answer["outputTokens"],
            scope=tiered.scope,
            region=cfg.region,
            tier=tier,
        )
    now = datetime.now(timezone.utc)
    usage = metrics.usage(conn, made, now - timedelta(hours=2), now + timedelta(hours=1), 3600)
    assert set(usage[usage["profile"] == tiered.name]["service_tier"]) == {
        "default",
        "priority",
        "flex",
    }
    per_profile = analysis.usage_by_profile(usage)
    row = per_profile[per_profile["profile"] == tiered.name].iloc[0]
    assert row["invocations"] == 3  # every tier's calls are the profile's usage
    by_tier = analysis.usage_by_tier(usage)
    assert sorted(by_tier["service_tier"]) == ["flex", "priority"]
    estimated = analysis.estimate_costs(
        per_profile,
        {p.name: p.model_id for p in made},
        {p.name: p.tags.get("dept", "") for p in made},
        prices,
        scopes={p.name: p.scope for p in made},
        region=cfg.region,
        tiers=by_tier,
    )
    cost = estimated.set_index("profile")["estimated_cost"]
    assert cost[tiered.name] == pytest.approx(expected, rel=1e-9)
    assert other.name not in set(by_tier["profile"])  # Standard only: no tier queries for it
