"""Budgets, alarms and forecasts: idempotent, owned, computed, and the stand-in behind them."""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from botocore.exceptions import ClientError

from helpers import alarms, analysis, budgets, costs, dates, errors, profiles
from helpers.errors import InputError
from tests.conftest import ACCOUNT, control, create_foreign_alarm, create_foreign_budget, error_of

# refreshed by `history`: a test that runs across UTC midnight uses one day throughout
TODAY = dates.utc_today()
LIMITS = {"claims": 5.0, "support": 5.0, "underwriting": 10.0}


@pytest.fixture
def history(conn, cfg, endpoint):
    global TODAY
    TODAY = dates.utc_today()
    profiles.ensure(conn, cfg)
    control(endpoint, "POST", "/_standin/backfill", {"days": 40, "seed": 5})
    costs.activate_tag(conn, "dept", backfill_from=TODAY - timedelta(days=40))
    return profiles.all_application_profiles(conn)


def month_to_date_by_department(conn):
    frame = costs.cost_by_tag(conn, costs.cost_request(costs.month_to_date(), "dept"))
    return frame.groupby("department")["cost"].sum().to_dict()


def test_budgets_are_created_once_and_updated_when_the_amount_changes(
    conn, cfg, history, assert_shape
):
    first = budgets.ensure(conn, cfg, LIMITS, "finops@example.com")
    assert list(first["action"]) == ["created"] * 3
    assert (
        list(budgets.ensure(conn, cfg, LIMITS, "finops@example.com")["action"]) == ["unchanged"] * 3
    )
    changed = budgets.ensure(conn, cfg, {**LIMITS, "claims": 7.5}, "finops@example.com")
    assert dict(zip(changed["department"], changed["action"], strict=True))["claims"] == "updated"
    described = conn.budgets.describe_budgets(AccountId=ACCOUNT)
    assert_shape("budgets", "DescribeBudgets", described)
    by_name = {b["BudgetName"]: b for b in described["Budgets"]}
    claims = by_name["workshop-dept-claims"]
    assert claims["BudgetLimit"]["Amount"] == "7.50"
    assert claims["CostFilters"] == {"TagKeyValue": ["user:dept$claims"]}
    alerts = conn.budgets.describe_notifications_for_budget(
        AccountId=ACCOUNT, BudgetName="workshop-dept-claims"
    )["Notifications"]
    assert sorted((a["NotificationType"], a["Threshold"]) for a in alerts) == [
        ("ACTUAL", 100.0),
        ("FORECASTED", 80.0),
    ]


def test_budget_spend_is_the_cost_explorer_month_to_date(conn, cfg, history):
    budgets.ensure(conn, cfg, LIMITS, "finops@example.com")
    table = budgets.table(conn, cfg).set_index("budget")
    expected = month_to_date_by_department(conn)
    for department in LIMITS:
        row = table.loc[f"workshop-dept-{department}"]
        assert row["actual_usd"] == pytest.approx(expected[department], abs=1e-6)
        assert row["forecast_usd"] >= row["actual_usd"]
        assert row["owned_by_workshop"]


def test_a_budget_the_workshop_did_not_create_survives(conn, cfg, history):
    create_foreign_budget(conn.budgets, "finance-team", "100")
    # same name as the workshop would use, created by someone else: kept, never changed
    create_foreign_budget(conn.budgets, "workshop-dept-claims", "1")
    made = budgets.ensure(conn, cfg, LIMITS, "finops@example.com").set_index("department")
    assert made.loc["claims", "action"].startswith("kept")
    plan = budgets.delete_plan(conn, cfg).set_index("budget")
    assert plan.loc["finance-team", "decision"] == "keep"
    assert plan.loc["workshop-dept-claims", "decision"] == "keep"
    assert plan.loc["workshop-dept-support", "decision"] == "delete"
    done = budgets.delete(conn, budgets.delete_plan(conn, cfg))
    assert sorted(done.loc[done["result"] == "deleted", "budget"]) == [
        "workshop-dept-support",
        "workshop-dept-underwriting",
    ]
    left = sorted(b["BudgetName"] for b in budgets.all_budgets(conn))
    assert left == ["finance-team", "workshop-dept-claims"]
    again = budgets.delete(conn, budgets.delete_plan(conn, cfg))
    assert set(again["result"]) == {"kept"}


def test_budget_arguments(conn, cfg):
    with pytest.raises(InputError, match="must be above 0"):
        budgets.budget_request(ACCOUNT, cfg, "claims", 0, "a@example.com")
    with pytest.raises(InputError, match="is not an e-mail address"):
        budgets.budget_request(ACCOUNT, cfg, "claims", 5, "nobody")
    assert budgets.budget_name(cfg, "R&D: labs") == "workshop-dept-R&D%3A labs"


def test_alarms_are_idempotent_owned_and_not_evaluated_offline(conn, cfg, history, assert_shape):
    made = alarms.ensure_alarms(conn, history, cfg.owner_tag, "dept", 200_000)
    again = alarms.ensure_alarms(conn, history, cfg.owner_tag, "dept", 200_000)
    assert list(made["alarm"]) == list(again["alarm"]) and len(made) == 6
    create_foreign_alarm(conn.cloudwatch, "someone-elses", 5)
    described = conn.cloudwatch.describe_alarms()
    assert_shape("cloudwatch", "DescribeAlarms", described)
    assert {a["StateValue"] for a in described["MetricAlarms"]} == {"INSUFFICIENT_DATA"}
    tokens = next(a for a in described["MetricAlarms"] if a["AlarmName"].endswith("-per-hour"))
    assert [m["Id"] for m in tokens["Metrics"]] == ["input", "output", "tokens"]
    table = alarms.alarms_table(conn, cfg.owner_tag).set_index("alarm")
    assert not table.loc["someone-elses", "owned_by_workshop"]
    assert table["owned_by_workshop"].sum() == 6
    plan = alarms.delete_alarms_plan(conn, cfg.owner_tag)
    alarms.delete_alarms(conn, plan)
    assert [a["AlarmName"] for a in conn.cloudwatch.describe_alarms()["MetricAlarms"]] == [
        "someone-elses"
    ]
    with pytest.raises(InputError):
        alarms.alarm_requests(history[0], cfg.owner_tag, "dept", 0)


def test_project_month_end_on_known_data():
    today = date(2026, 11, 20)  # 10 days left after today in November
    rows = [
        {"start": today - timedelta(days=n), "department": "claims", "cost": 2.0}
        for n in range(1, 15)
    ]
    rows += [
        {"start": today, "department": "claims", "cost": 1.0},
        {"start": date(2026, 10, 31), "department": "claims", "cost": 100.0},
        {"start": today - timedelta(days=3), "department": "support", "cost": 7.0},
    ]
    projected = analysis.project_month_end(pd.DataFrame(rows), today).set_index("department")
    # so far in November: 14 days x 2 (Nov 6-19) + today's 1; mean of the last 14 days: 2
    assert projected.loc["claims", "actual_to_date"] == 29.0
    assert projected.loc["claims", "daily_mean"] == 2.0
    assert projected.loc["claims", "projected_month_end"] == 29.0 + 2.0 * 10
    assert projected.loc["support", "daily_mean"] == pytest.approx(0.5)
    assert projected.loc["support", "projected_month_end"] == pytest.approx(7.0 + 5.0)


def test_budget_status():
    actual = pd.DataFrame({"department": ["a", "b", "c", "d"], "cost": [1.0, 5.0, 9.5, 11.0]})
    forecast = pd.DataFrame(
        {
            "department": ["a", "b", "c", "d"],
            "forecast": [2.0, 8.5, 10.5, 12.0],
            "method": ["x"] * 4,
        }
    )
    status = analysis.budget_status({d: 10.0 for d in "abcd"}, actual, forecast)
    assert list(status["status"]) == ["on track", "at risk", "forecast over budget", "over budget"]
    assert list(status["forecast_pct"]) == [20.0, 85.0, 105.0, 120.0]


def test_cost_explorer_forecast(conn, history, assert_shape):
    month_end = dates.next_month_start(TODAY)
    raw = conn.ce.get_cost_forecast(
        TimePeriod={"Start": TODAY.isoformat(), "End": month_end.isoformat()},
        Metric="UNBLENDED_COST",
        Granularity="DAILY",
        PredictionIntervalLevel=90,
        Filter={"Tags": {"Key": "dept", "Values": ["claims"]}},
    )
    assert_shape("ce", "GetCostForecast", raw)
    days = raw["ForecastResultsByTime"]
    assert len(days) == (month_end - TODAY).days
    assert sum(float(d["MeanValue"]) for d in days) == pytest.approx(float(raw["Total"]["Amount"]))
    assert all(
        float(d["PredictionIntervalLowerBound"])
        <= float(d["MeanValue"])
        <= float(d["PredictionIntervalUpperBound"])
        for d in days
    )
    forecast = costs.forecast_rest_of_month(conn, "dept", "claims")
    assert forecast.low <= forecast.mean <= forecast.high and forecast.mean > 0
    with pytest.raises(ClientError) as excinfo:
        conn.ce.get_cost_forecast(
            TimePeriod={
                "Start": (TODAY - timedelta(days=3)).isoformat(),
                "End": month_end.isoformat(),
            },
            Metric="UNBLENDED_COST",
            Granularity="MONTHLY",
        )
    assert error_of(excinfo)[0] == "ValidationException"


def test_no_forecast_without_history(conn, cfg):
    profiles.ensure(conn, cfg)
    assert costs.forecast_rest_of_month(conn, "dept", "claims") is None


def test_budgets_iam_actions_are_named_right():
    error = errors.explain(
        ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "CreateBudget"),
        "create a budget",
    )
    assert "budgets:ModifyBudget" in str(error)


@pytest.fixture(scope="module")
def a_profile(endpoint, tmp_path_factory):
    """One workshop profile for the alarm request builders, which only read it: made once."""
    from helpers import aws, config
    from tests.conftest import BASE_CONFIG

    cfg = config.parse(json.loads(json.dumps(BASE_CONFIG)), tmp_path_factory.mktemp("a") / "c.json")
    control(endpoint, "POST", "/moto-api/reset")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKSHOP_ENDPOINT_URL", endpoint)
        conn = aws.connect(cfg)
        profiles.ensure(conn, cfg)
        return profiles.all_application_profiles(conn)[0]


TYPED_NUMBERS = [("200000", 200000.0), (" 10.5 ", 10.5), (np.int64(7), 7.0), (np.float64(2.5), 2.5)]
NOT_NUMBERS = ["ten", "", "1,000", float("nan"), float("inf"), True, False, None, [5]]
NOT_POSITIVE = [0, -1, "-3", np.int64(0)]


@pytest.mark.parametrize(("typed", "number"), TYPED_NUMBERS)
def test_alarm_threshold_as_typed(cfg, a_profile, typed, number):
    tokens = alarms.alarm_requests(a_profile, cfg.owner_tag, "dept", typed)[0]
    assert tokens["Threshold"] == number and isinstance(tokens["Threshold"], float)


@pytest.mark.parametrize("typed", NOT_NUMBERS + NOT_POSITIVE)
def test_alarm_threshold_refused_by_name(cfg, a_profile, typed):
    with pytest.raises(InputError, match=r"tokens_per_hour_alarm in 07") as excinfo:
        alarms.alarm_requests(a_profile, cfg.owner_tag, "dept", typed)
    assert "must be a number, not" in str(excinfo.value) or "must be above 0" in str(excinfo.value)
    assert "tokens_per_hour_alarm=200000" in excinfo.value.fix


@pytest.mark.parametrize(("typed", "number"), TYPED_NUMBERS)
def test_budget_amounts_and_thresholds_as_typed(cfg, typed, number):
    request = budgets.budget_request(ACCOUNT, cfg, "claims", typed, "a@example.com", typed, typed)
    assert request["Budget"]["BudgetLimit"]["Amount"] == f"{number:.2f}"
    thresholds = [n["Notification"]["Threshold"] for n in request["NotificationsWithSubscribers"]]
    assert thresholds == [number, number]
    assert budgets.limits(["claims", "support"], {"claims": typed}, "5") == {
        "claims": number,
        "support": 5.0,
    }


@pytest.mark.parametrize("typed", NOT_NUMBERS + NOT_POSITIVE)
def test_budget_amounts_and_thresholds_refused_by_name(cfg, typed):
    def refused(call) -> InputError:
        with pytest.raises(InputError) as excinfo:
            call()
        return excinfo.value

    fine = ("claims", 10.0, "a@example.com", 80.0, 100.0)
    for position, parameter in (
        (1, "budgets_usd"),
        (3, "forecast_threshold_pct"),
        (4, "actual_threshold_pct"),
    ):
        args = list(fine)
        args[position] = typed
        error = refused(lambda a=args: budgets.budget_request(ACCOUNT, cfg, *a))
        assert parameter in str(error) and parameter in error.fix
        assert "must be a number, not" in str(error) or "must be above 0" in str(error)
    error = refused(lambda: budgets.limits(["claims"], {"claims": typed}, 5.0))
    assert "budgets_usd['claims']" in str(error)
    error = refused(lambda: budgets.limits(["claims"], {}, typed))
    assert "default_budget_usd" in str(error) and "default_budget_usd=" in error.fix


def test_budget_ensure_takes_typed_amounts(conn, cfg):
    made = budgets.ensure(conn, cfg, {"claims": "10.5"}, "a@example.com", "80", np.int64(100))
    assert made.loc[0, "limit_usd"] == 10.5
    assert made.loc[0, "alerts"] == "forecast > 80%, actual > 100%"
    with pytest.raises(InputError, match="budgets_usd"):
        budgets.ensure(conn, cfg, {"claims": "ten"}, "a@example.com")


def test_a_month_end_forecast_never_falls_below_the_spend_so_far(conn, cfg, history, endpoint):
    """Near a month's end one busy day can cost more than the mean daily cost times the days
    left: today is forecast at no less than it has already cost, in GetCostForecast and in
    Budgets' ForecastedSpend alike (07 failed its forecast >= actual check on Nov 29)."""
    claims = next(p for p in history if p.tags.get("dept") == "claims")
    month_end = dates.next_month_start(TODAY)
    last_30 = costs.cost_by_tag(conn, costs.cost_request(costs.last_days(31), "dept"))
    past = last_30[(last_30["department"] == "claims") & (last_30["start"] < TODAY)]
    mean = float(past["cost"].sum()) / 30
    needed = mean * (month_end - TODAY).days * 1.5  # today alone beyond the whole forecast
    prompt = "word " * 80_000  # 100k tokens a call
    today_cost = 0.0
    for _ in range(60):
        conn.runtime.converse(
            modelId=claims.arn,
            messages=[{"role": "user", "content": [{"text": prompt}]}],
            inferenceConfig={"maxTokens": 10},
        )
        today_cost = month_to_date_by_department_on(conn, TODAY).get("claims", 0.0)
        if today_cost > needed:
            break
    assert today_cost > needed, "the test could not make today busier than the forecast"
    forecast = costs.forecast_rest_of_month(conn, "dept", "claims", today=TODAY)
    assert forecast is not None and forecast.mean >= today_cost - 1e-6
    budgets.ensure(conn, cfg, {"claims": 1000.0}, "finops@example.com")
    spend = {
        b["BudgetName"]: b["CalculatedSpend"]
        for b in conn.budgets.describe_budgets(AccountId=conn.account)["Budgets"]
    }
    (claims_spend,) = [s for name, s in spend.items() if "claims" in name]
    assert float(claims_spend["ForecastedSpend"]["Amount"]) >= float(
        claims_spend["ActualSpend"]["Amount"]
    )


def month_to_date_by_department_on(conn, day: date) -> dict[str, float]:
    """Each department's cost on one day."""
    span = costs.Period(day, day + timedelta(days=1), "DAILY")
    frame = costs.cost_by_tag(conn, costs.cost_request(span, "dept"))
    return frame.groupby("department")["cost"].sum().to_dict()
