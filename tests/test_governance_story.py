"""Issue 14, point 7: alerts through a workshop-owned SNS topic, and clean-up of what 06 left.

The topic is created tagged, Budgets may publish to it, alarms and budgets notify it, and a
topic of the same name that someone else made is refused and never deleted. 99's helpers
delete the Glue table and database, the Athena results and local Parquet that 06 wrote, and
keep everything of the same names that someone else made.
"""

from __future__ import annotations

import html
import json
from types import SimpleNamespace

import pandas as pd
import pytest

from helpers import alarms, alerts, budgets, cur, profiles
from helpers.errors import InputError
from tests.conftest import ACCOUNT

LIMITS = {"claims": 5.0, "support": 5.0, "underwriting": 10.0}
LOCATION = "s3://cur-exports/cur/daily/data/"


def topic_tags(conn, arn):
    listed = conn.client("sns").list_tags_for_resource(ResourceArn=arn)["Tags"]
    return {t["Key"]: t["Value"] for t in listed}


def topic_policy(conn, arn):
    attributes = conn.client("sns").get_topic_attributes(TopicArn=arn)["Attributes"]
    return json.loads(attributes["Policy"])


def test_the_topic_is_created_tagged_and_lets_only_this_accounts_budgets_publish(conn, cfg):
    topic = alerts.ensure_topic(conn, cfg)
    assert topic.name == "workshop-bedrock-alerts"
    assert topic.action == "created"
    assert topic.arn == f"arn:aws:sns:us-east-1:{ACCOUNT}:workshop-bedrock-alerts"
    assert topic_tags(conn, topic.arn) == {"workshop": "bedrock-inference-profiles"}
    statements = {s.get("Sid"): s for s in topic_policy(conn, topic.arn)["Statement"]}
    allowed = statements[alerts.BUDGETS_SID]
    assert allowed["Principal"] == {"Service": "budgets.amazonaws.com"}
    assert allowed["Action"] == "SNS:Publish"
    assert allowed["Resource"] == topic.arn
    assert allowed["Condition"] == {
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:budgets::{ACCOUNT}:*"},
    }
    assert len(statements) >= 2  # the account owner's default statement is kept
    again = alerts.ensure_topic(conn, cfg)
    assert (again.arn, again.action) == (topic.arn, "unchanged")
    assert len(topic_policy(conn, topic.arn)["Statement"]) == len(statements)


def test_an_email_is_subscribed_once_and_left_pending(conn, cfg):
    topic = alerts.ensure_topic(conn, cfg, email="finops@example.com")
    assert "pending confirmation" in topic.subscription
    subscriptions = conn.client("sns").list_subscriptions_by_topic(TopicArn=topic.arn)[
        "Subscriptions"
    ]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [
        ("email", "finops@example.com")
    ]
    # as on AWS, an e-mail subscription stays pending until its owner follows the link
    assert subscriptions[0]["SubscriptionArn"] == "PendingConfirmation"
    again = alerts.ensure_topic(conn, cfg, email="FinOps@example.com")
    assert again.subscription == "FinOps@example.com: already pending confirmation"
    assert alerts.ensure_topic(conn, cfg).subscription.startswith("none")


@pytest.mark.parametrize(
    ("name", "email", "says"),
    [
        ("bedrock-alerts", None, "does not start with 'workshop-'"),
        ("workshop alerts", None, "is not an SNS topic name"),
        ("workshop-bedrock-alerts", "finops", "is not an e-mail address"),
    ],
)
def test_a_bad_topic_name_or_address_is_refused_before_any_call(cfg, name, email, says):
    conn = SimpleNamespace(client=lambda *_: pytest.fail("no AWS call for bad input"))
    with pytest.raises(InputError, match=says):
        alerts.ensure_topic(conn, cfg, name, email)


def test_alarms_notify_the_topic_on_alarm_and_all_clear(conn, cfg):
    profiles.ensure(conn, cfg)
    found = profiles.all_application_profiles(conn)
    topic = alerts.ensure_topic(conn, cfg)
    made = alarms.ensure_alarms(conn, found, cfg.owner_tag, "dept", 200000, topic.arn)
    assert set(made["notifies"]) == {topic.arn}
    described = conn.cloudwatch.describe_alarms(AlarmNamePrefix="workshop-")["MetricAlarms"]
    assert len(described) == 2 * len(found)
    for alarm in described:
        assert alarm["AlarmActions"] == [topic.arn]
        assert alarm["OKActions"] == [topic.arn]
    without = alarms.alarm_requests(found[0], cfg.owner_tag, "dept", 200000)
    assert all("AlarmActions" not in r for r in without)


def test_a_foreign_topic_of_the_same_name_is_refused_and_never_deleted(conn, cfg):
    sns = conn.client("sns")
    foreign = sns.create_topic(Name="workshop-bedrock-alerts")["TopicArn"]
    before = topic_policy(conn, foreign)
    with pytest.raises(InputError, match="belongs to someone else") as refused:
        alerts.ensure_topic(conn, cfg, email="finops@example.com")
    assert "alert_topic" in str(refused.value)
    assert topic_policy(conn, foreign) == before  # no statement added
    assert sns.list_subscriptions_by_topic(TopicArn=foreign)["Subscriptions"] == []
    ours = alerts.ensure_topic(conn, cfg, "workshop-bedrock-alerts-2")
    plan = alerts.delete_plan(conn, cfg).set_index("topic")
    assert plan.loc["workshop-bedrock-alerts", "decision"] == "keep"
    assert plan.loc["workshop-bedrock-alerts-2", "decision"] == "delete"
    done = alerts.delete(conn, alerts.delete_plan(conn, cfg)).set_index("topic")
    assert done.loc["workshop-bedrock-alerts", "result"] == "kept"
    left = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    assert foreign in left and ours.arn not in left


def test_budget_alerts_go_to_the_topic_and_a_service_filter_is_optional(conn, cfg, endpoint):
    from moto.budgets.models import budgets_backends

    topic = alerts.ensure_topic(conn, cfg)
    request = budgets.budget_request(
        ACCOUNT, cfg, "claims", 5, None, topic_arn=topic.arn, services=["Amazon Bedrock"]
    )
    for item in request["NotificationsWithSubscribers"]:
        assert item["Subscribers"] == [{"SubscriptionType": "SNS", "Address": topic.arn}]
    assert request["Budget"]["CostFilters"] == {
        "TagKeyValue": ["user:dept$claims"],
        "Service": ["Amazon Bedrock"],
    }
    plain = budgets.budget_request(ACCOUNT, cfg, "claims", 5, None, topic_arn=topic.arn)
    assert plain["Budget"]["CostFilters"] == {"TagKeyValue": ["user:dept$claims"]}
    with pytest.raises(InputError, match="needs someone to tell"):
        budgets.budget_request(ACCOUNT, cfg, "claims", 5, None)

    made = budgets.ensure(conn, cfg, LIMITS, None, topic_arn=topic.arn)
    assert set(made["notifies"]) == {topic.arn}
    assert set(made["counts"]) == {"tag only (any service)"}
    stored = budgets_backends[ACCOUNT]["global"].budgets[ACCOUNT]["workshop-dept-claims"]
    assert [n.subscribers for n in stored.notifications] == [
        [{"SubscriptionType": "SNS", "Address": topic.arn}]
    ] * 2
    filtered = budgets.ensure(
        conn, cfg, LIMITS, None, topic_arn=topic.arn, services=["Amazon Bedrock"]
    )
    assert set(filtered["action"]) == {"updated"}  # the filter changed
    described = conn.budgets.describe_budget(AccountId=ACCOUNT, BudgetName="workshop-dept-claims")
    assert described["Budget"]["CostFilters"]["Service"] == ["Amazon Bedrock"]


def test_the_forecast_is_labelled_by_who_made_it():
    offline = budgets.forecast_label(offline=True, from_forecast_api=True)
    assert "Cost Explorer forecast" not in offline
    assert "stand-in" in offline and "30" in offline
    on_aws = budgets.forecast_label(offline=False, from_forecast_api=True)
    assert on_aws.startswith("Cost Explorer forecast") and "not publish" in on_aws
    projected = budgets.forecast_label(offline=True, from_forecast_api=False)
    assert "14" in projected and "project_month_end" in projected


def test_cost_by_profile_is_named_by_joining_the_arn():
    arn = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/"
    found = [
        SimpleNamespace(arn=arn + "abc123def456", name="claims_dept", profile_id="abc123def456")
    ]
    frame = pd.DataFrame(
        {"profile_arn": [arn + "abc123def456", arn + "gone00000000"], "cost": [1.0, 0.5]}
    )
    named = cur.name_profiles(frame, found)
    assert list(named.columns) == ["profile", "profile_id", "cost", "profile_arn"]
    assert list(named["profile"]) == ["claims_dept", "(deleted)"]
    assert list(named["profile_id"]) == ["abc123def456", "gone00000000"]


def glue_names(conn):
    glue = conn.client("glue")
    return {
        d["Name"]: sorted(t["Name"] for t in glue.get_tables(DatabaseName=d["Name"])["TableList"])
        for d in glue.get_databases()["DatabaseList"]
    }


def test_06s_glue_table_and_database_are_tagged_and_a_foreign_one_refused(conn, cfg):
    cur.register_athena_table(conn, "workshop_cur", "cur_daily", LOCATION, owner_tag=cfg.owner_tag)
    glue = conn.client("glue")
    for arn in (
        cur.glue_arn(conn, "workshop_cur"),
        cur.glue_arn(conn, "workshop_cur", "cur_daily"),
    ):
        assert glue.get_tags(ResourceArn=arn)["Tags"] == {"workshop": "bedrock-inference-profiles"}
    again = cur.register_athena_table(
        conn, "workshop_cur", "cur_daily", LOCATION, owner_tag=cfg.owner_tag
    )
    assert again == "kept the database workshop_cur, updated the table cur_daily"
    glue.create_database(DatabaseInput={"Name": "team_cur"})
    with pytest.raises(InputError, match="belongs to someone else"):
        cur.register_athena_table(conn, "team_cur", "cur_daily", LOCATION, owner_tag=cfg.owner_tag)
    assert glue_names(conn)["team_cur"] == []  # nothing put into someone else's database


def test_99_deletes_what_06_left_and_keeps_what_others_made(conn, cfg, tmp_path):
    s3, glue = conn.client("s3"), conn.client("glue")
    s3.create_bucket(Bucket="cur-exports")
    cur.register_athena_table(conn, "workshop_cur", "cur_daily", LOCATION, owner_tag=cfg.owner_tag)
    ours = "s3://cur-exports/athena-results/11111111-aaaa.csv"
    for key in ("athena-results/11111111-aaaa.csv", "athena-results/11111111-aaaa.csv.metadata"):
        s3.put_object(Bucket="cur-exports", Key=key, Body=b"x")
    s3.put_object(Bucket="cur-exports", Key="athena-results/someone-elses.csv", Body=b"y")
    local = tmp_path / "cur"
    (local / "daily").mkdir(parents=True)
    (local / "daily" / "part-00001.parquet").write_bytes(b"PAR1")
    (local / "daily" / cur.MANIFEST).write_text("{}")
    (local / "keep-me.csv").write_text("an analysis result")
    cur.record_results(local, [ours])
    # someone else's database of another name, and one of ours that holds a foreign table
    glue.create_database(DatabaseInput={"Name": "team_cur"})
    glue.create_table(DatabaseName="team_cur", TableInput={"Name": "cur_daily"})

    plan = cur.cleanup_plan(conn, cfg, "workshop_cur", "cur_daily", local)
    decisions = dict(zip(plan["name"], plan["decision"], strict=True))
    assert decisions["workshop_cur.cur_daily"] == "delete"
    assert decisions["workshop_cur"] == "delete"
    assert decisions[ours] == "delete"
    assert sum(plan["kind"] == "local file") == 3  # the Parquet copy, its manifest, the record
    done = cur.cleanup(conn, plan, "workshop_cur")
    assert set(done["result"]) == {"deleted"}
    assert "target" not in done.columns
    assert "workshop_cur" not in glue_names(conn)
    left = [o["Key"] for o in s3.list_objects_v2(Bucket="cur-exports")["Contents"]]
    assert left == ["athena-results/someone-elses.csv"]
    assert sorted(p.name for p in local.rglob("*") if p.is_file()) == ["keep-me.csv"]

    foreign = cur.cleanup_plan(conn, cfg, "team_cur", "cur_daily", local)
    assert list(foreign["decision"]) == ["keep", "keep"]
    assert all("not created by the workshop" in r for r in foreign["reason"])
    cur.cleanup(conn, foreign, "team_cur")
    assert glue_names(conn)["team_cur"] == ["cur_daily"]


def test_99_keeps_a_database_of_ours_that_holds_another_teams_table(conn, cfg, tmp_path):
    glue = conn.client("glue")
    cur.register_athena_table(conn, "workshop_cur", "cur_daily", LOCATION, owner_tag=cfg.owner_tag)
    glue.create_table(DatabaseName="workshop_cur", TableInput={"Name": "their_table"})
    plan = cur.cleanup_plan(conn, cfg, "workshop_cur", "cur_daily", tmp_path).set_index("name")
    assert plan.loc["workshop_cur.cur_daily", "decision"] == "delete"
    assert plan.loc["workshop_cur", "decision"] == "keep"
    assert "their_table" in plan.loc["workshop_cur", "reason"]
    cur.cleanup(conn, plan.reset_index(), "workshop_cur")
    assert glue_names(conn) == {"workshop_cur": ["their_table"]}


def test_06_07_99_tell_the_story_and_99_cleans_up_only_the_workshops(workshop, client, tmp_path):
    import re

    from tests.test_notebooks import papermill_run
    from tests.test_notebooks import text_of as html_of  # streams, plain text and HTML

    out = tmp_path / "out"
    for name in ("01_create_profiles", "04_generate_usage"):
        papermill_run(name, tmp_path)
    cur_run = html_of(papermill_run("06_cur_at_scale", tmp_path, output_dir=str(out)))
    for name in ("claims_dept_haiku_4_5_global", "support_dept_nova_2_lite_us"):
        assert name in cur_run  # cost_by_profile names the profiles, not only their ARNs
    assert not re.search(r"\d\.\d+e-\d\d", cur_run), "money in e-notation"
    assert not re.search(r"applica\.\.\.|\.\.\.\s*</td>", cur_run), "a cut identifier"
    # 01's problem-first calls named the global system profile directly: untagged, by origin
    assert "No untagged spend in this period" not in cur_run
    assert "(no inference profile)" in cur_run and "cross-region-global" in cur_run
    assert (out / "cur" / cur.RESULTS_RECORD).exists()

    budget_run = html_of(
        papermill_run(
            "07_budgets_and_alerts", tmp_path, output_dir=str(out), alert_email="finops@example.com"
        )
    )
    assert "Cost Explorer forecast" not in budget_run  # offline, the stand-in forecast
    assert "stand-in's projection" in html.unescape(budget_run)  # table cells are escaped
    assert "pending confirmation" in budget_run
    sns = client("sns")
    [ours] = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    assert ours.endswith(":workshop-bedrock-alerts")
    alarms = client("cloudwatch").describe_alarms()["MetricAlarms"]
    assert alarms and all(a["AlarmActions"] == [ours] for a in alarms)

    foreign_topic = sns.create_topic(Name="workshop-team-alerts")["TopicArn"]
    client("glue").create_database(DatabaseInput={"Name": "team_cur"})
    cleaned = papermill_run("99_cleanup", tmp_path / "clean", output_dir=str(out))
    shown = "\n".join(
        o.text for c in cleaned.cells for o in c.get("outputs", []) if o.output_type == "stream"
    )
    assert "kept SNS topic workshop-team-alerts: not created by the workshop" in shown
    for gone in ("SNS topic workshop-bedrock-alerts", "Glue table bedrock_workshop_cur.cur_daily"):
        assert gone in shown
    assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == [foreign_topic]
    assert [d["Name"] for d in client("glue").get_databases()["DatabaseList"]] == ["team_cur"]
    assert not list((out / "cur").rglob("*.parquet"))
    results = client("s3").list_objects_v2(Bucket="bedrock-workshop-cur", Prefix="athena-results/")
    assert results.get("KeyCount", 0) == 0
    papermill_run("99_cleanup", tmp_path / "again", output_dir=str(out))  # nothing left: no error


def test_importing_the_alerts_module_loads_nothing_heavy():
    import subprocess
    import sys
    from pathlib import Path

    from tests.test_imports import HEAVY

    code = (
        "import sys; import helpers.alerts; "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_the_stand_in_keeps_an_email_subscription_pending_as_aws_does(conn, assert_shape):
    sns = conn.client("sns")
    arn = sns.create_topic(Name="any-topic")["TopicArn"]
    answer = sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="a@example.com")
    assert answer["SubscriptionArn"] == "PendingConfirmation"
    shown = sns.subscribe(
        TopicArn=arn, Protocol="email", Endpoint="a@example.com", ReturnSubscriptionArn=True
    )
    assert shown["SubscriptionArn"].startswith(arn + ":")
    listed = sns.list_subscriptions()
    assert_shape("sns", "ListSubscriptions", listed)
    assert [s["SubscriptionArn"] for s in listed["Subscriptions"]] == ["PendingConfirmation"]


# --- try-out defects (issue 14, second pass) --------------------------------------------------


def bars_of(fig):
    """(x position, bottom, height) of each drawn bar."""
    return [(p.get_x() + p.get_width() / 2, p.get_y(), p.get_height()) for p in fig.axes[0].patches]


def test_daily_cur_dates_given_as_strings_are_labelled_as_days():
    from helpers import plots

    daily = pd.DataFrame(
        {"claims": [1.0, 2.0], "support": [0.5, 0.0]},
        index=pd.Index(["2026-10-30", "2026-10-31"], name="start"),
    )
    for label_shape in (daily, daily.rename(index=lambda d: f"{d} 00:00 UTC")):
        fig = plots.daily_cost_by_department(label_shape, granularity="DAILY")
        ax = fig.axes[0]
        assert ax.get_xlabel() == "Day (UTC)"
        assert [t.get_text() for t in ax.get_xticklabels()] == ["10-30", "10-31"]


def test_hourly_bars_stand_on_a_true_time_axis_and_synthetic_days_are_said_to_be_daily():
    from helpers import plots

    daily = pd.DataFrame(
        {"claims": [3.0, 1.0]},
        index=pd.Index(["2026-11-27 00:00 UTC", "2026-11-28 22:00 UTC"], name="start"),
    )
    fig = plots.daily_cost_by_department(
        daily, note="SYNTHETIC history from 2026-10-29 to 2026-11-27", granularity="HOURLY"
    )
    ax = fig.axes[0]
    drawn = [(x, h) for x, _, h in bars_of(fig) if h > 0]
    assert drawn[1][0] - drawn[0][0] == 46  # one slot per hour: 46 hours apart
    assert ax.get_xlabel() == "Hour (UTC)"
    assert "one billing line per profile, stamped 00:00 UTC" in ax.get_title()
    plain = plots.daily_cost_by_department(daily, granularity="HOURLY")
    assert "synthetic" not in plain.axes[0].get_title()  # said only of synthetic history


def test_every_bar_plot_leaves_head_room_even_with_a_zero_bar_on_top():
    from helpers import plots

    daily = pd.DataFrame(
        {"claims": [1.0, 4.0], "support": [0.0, 0.0]},
        index=pd.Index(["2026-10-30", "2026-10-31"], name="start"),
    )
    fig = plots.daily_cost_by_department(daily, granularity="DAILY")
    assert fig.axes[0].get_ylim()[1] > 4.0
    status = pd.DataFrame(
        {
            "department": ["claims", "support"],
            "budget_usd": [5.0, 5.0],
            "actual_usd": [1.0, 6.0],
            "forecast_usd": [0.0, 0.0],
        }
    )
    assert plots.budget_vs_actual(status).axes[0].get_xlim()[1] > 6.0
    shares = pd.DataFrame({"department": ["claims"], "share": [1.0], "cost": [2.0]})
    assert plots.share_by_department(shares).axes[0].get_xlim()[1] > 100.0


def test_an_alarm_already_as_asked_is_reported_unchanged_and_not_put_again(conn, cfg):
    profiles.ensure(conn, cfg)
    found = profiles.all_application_profiles(conn)
    topic = alerts.ensure_topic(conn, cfg)
    first = alarms.ensure_alarms(conn, found, cfg.owner_tag, "dept", 200000, topic.arn)
    assert set(first["action"]) == {"created"}
    put = []
    conn.cloudwatch.meta.events.register(
        "before-call.cloudwatch.PutMetricAlarm", lambda **_: put.append(1)
    )
    again = alarms.ensure_alarms(conn, found, cfg.owner_tag, "dept", 200000, topic.arn)
    assert set(again["action"]) == {"unchanged"}
    assert put == []
    raised = alarms.ensure_alarms(conn, found, cfg.owner_tag, "dept", 300000, topic.arn)
    actions = dict(zip(raised["alarm"], raised["action"], strict=True))
    assert {a for n, a in actions.items() if n.endswith("-tokens-per-hour")} == {"updated"}
    assert {a for n, a in actions.items() if n.endswith("-throttled")} == {"unchanged"}
    silent = alarms.ensure_alarms(conn, found, cfg.owner_tag, "dept", 300000)
    assert set(silent["action"]) == {"updated"}  # the topic is no longer notified


def test_budgets_report_no_forecast_without_history_as_get_cost_forecast(conn, cfg):
    budgets.ensure(conn, cfg, LIMITS, "finops@example.com")
    [spend] = [
        b["CalculatedSpend"]
        for b in conn.budgets.describe_budgets(AccountId=ACCOUNT)["Budgets"]
        if b["BudgetName"] == "workshop-dept-claims"
    ]
    assert "ForecastedSpend" not in spend  # not a forecast of $0.00
    assert budgets.table(conn, cfg)["forecast_usd"].isna().all()


def budget_readings(cfg) -> dict[str, str]:
    """compare_with_budgets' reading for three departments: Budgets has no forecast yet
    (claims), agrees with the stand-in's forecast (support), differs from a projection
    (underwriting)."""
    projection = budgets.forecast_label(True, False)
    stand_in = budgets.forecast_label(True, True)
    actual = pd.DataFrame({"department": ["claims", "support", "underwriting"], "cost": [1.0] * 3})
    forecast = pd.DataFrame(
        {
            "department": ["claims", "support", "underwriting"],
            "forecast": [0.01, 2.0, 3.0],
            "method": [projection, stand_in, projection],
        }
    )
    reported = pd.DataFrame(
        {
            "budget": [budgets.budget_name(cfg, d) for d in ("claims", "support", "underwriting")],
            "limit_usd": [5.0, 5.0, 10.0],
            "actual_usd": [1.0, 1.0, 1.5],
            "forecast_usd": [float("nan"), 2.0, 2.0],
            "owned_by_workshop": [True] * 3,
        }
    )
    reading = budgets.compare_with_budgets(cfg, actual, forecast, reported, offline=True)
    said = dict(zip(reading["department"], reading["reading"], strict=True))
    return said


def test_the_reading_says_agree_only_where_the_figures_agree(cfg):
    said = budget_readings(cfg)
    assert "Budgets reports no forecast yet" in said["claims"]
    assert "forecast agrees (by construction" in said["support"]
    assert said["underwriting"].startswith("actual differs by $0.50")
    assert (
        "forecast differs by $1.00: GetCostForecast had too little history" in said["underwriting"]
    )


def test_06_and_07_on_a_fresh_stand_in_say_what_to_run_first(workshop, tmp_path):
    from tests.test_notebooks import papermill_run
    from tests.test_notebooks import text_of as html_of

    out = tmp_path / "out"
    cur_run = html_of(papermill_run("06_cur_at_scale", tmp_path, output_dir=str(out)))
    assert "Not activated: AWS did not activate 'dept'" in cur_run
    assert "Run 01_create_profiles" in cur_run and "04_generate_usage first" in cur_run
    papermill_run("01_create_profiles", tmp_path)
    budget_run = html.unescape(
        html_of(papermill_run("07_budgets_and_alerts", tmp_path, output_dir=str(out)))
    )
    assert "forecast agrees" not in budget_run  # 07 before 04: too little history to agree
    assert "Budgets reports no forecast yet (it needs history)" in budget_run
