"""Other teams' resources that share the workshop's names or tags come out of 01, 02, 07 and 99
exactly as they went in: profiles, alarms and budgets, compared byte for byte."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from helpers import alarms, analysis, budgets, config, ownership, profiles
from helpers.errors import ConfigError, InputError
from tests.conftest import ACCOUNT, BASE_CONFIG, create_foreign_budget

HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
HAIKU_ARN = f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"
NOVA_MICRO_ARN = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"
PAGER = f"arn:aws:sns:us-east-1:{ACCOUNT}:payments-pager"


def dump(value) -> str:
    """A byte-for-byte comparable form of an AWS answer."""
    return json.dumps(value, sort_keys=True, default=str)


def profile_state(conn, arn: str) -> str:
    item = conn.bedrock.get_inference_profile(inferenceProfileIdentifier=arn)
    item.pop("ResponseMetadata")
    tags = conn.bedrock.list_tags_for_resource(resourceARN=arn)["tags"]
    return dump([item, sorted(tags, key=lambda t: t["key"])])


def alarm_state(conn, name: str) -> str:
    found = conn.cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    assert len(found) == 1, f"alarm {name} is gone"
    tags = conn.cloudwatch.list_tags_for_resource(ResourceARN=found[0]["AlarmArn"])["Tags"]
    return dump([found[0], sorted(tags, key=lambda t: t["Key"])])


def budget_state(conn, name: str) -> str:
    budget = conn.budgets.describe_budget(AccountId=ACCOUNT, BudgetName=name)["Budget"]
    budget.pop("CalculatedSpend", None)  # computed from usage at each call
    arn = f"arn:aws:budgets::{ACCOUNT}:budget/{name}"
    tags = conn.budgets.list_tags_for_resource(ResourceARN=arn)["ResourceTags"]
    alerts = conn.budgets.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName=name)
    return dump([budget, tags, alerts.get("Notifications", [])])


def foreign_profile(conn, name: str, source: str = HAIKU_ARN, tags: dict | None = None) -> str:
    request = {"inferenceProfileName": name, "modelSource": {"copyFrom": source}}
    if tags:
        request["tags"] = [{"key": k, "value": v} for k, v in tags.items()]
    return conn.bedrock.create_inference_profile(**request)["inferenceProfileArn"]


def pager_alarm(conn, name: str, tags: list[dict] | None = None) -> None:
    """Another team's alarm: a pager action, threshold 50."""
    conn.cloudwatch.put_metric_alarm(
        AlarmName=name,
        AlarmDescription="Payments: page the on-call engineer",
        Namespace="AWS/Bedrock",
        MetricName="Invocations",
        Dimensions=[{"Name": "ModelId", "Value": "payments-model"}],
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=50.0,
        ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[PAGER],
        Tags=tags or [],
    )


# --- class 1: alarms -------------------------------------------------------------------------
def test_07_and_99_leave_someone_elses_alarm_of_the_workshops_name_alone(conn, cfg):
    profiles.ensure(conn, cfg)
    targets = [profiles.resolve(conn, name) for name in cfg.analysed_names]
    names = [r["AlarmName"] for r in alarms.alarm_requests(targets[0], cfg.owner_tag, "dept", 1000)]
    pager_alarm(conn, names[0], [{"Key": "team", "Value": "payments"}])
    pager_alarm(conn, names[1])  # no tags at all
    before = {name: alarm_state(conn, name) for name in names}

    for _ in range(2):  # a rerun changes nothing either
        made = alarms.ensure_alarms(conn, targets, cfg.owner_tag, "dept", 200_000)
        assert {n: alarm_state(conn, n) for n in names} == before
        actions = dict(zip(made["alarm"], made["action"], strict=True))
        assert all(actions[n].startswith(ownership.NOT_OURS) for n in names)
        # ours: created the first time, then unchanged (the same request again)
        assert {a for n, a in actions.items() if n not in names} <= {"created", "unchanged"}

    table = alarms.alarms_table(conn, cfg.owner_tag).set_index("alarm")
    assert not table.loc[names, "owned_by_workshop"].any()
    assert table["owned_by_workshop"].sum() == 4
    plan = alarms.delete_alarms_plan(conn, cfg.owner_tag).set_index("alarm")
    assert set(plan.loc[names, "decision"]) == {"keep"}
    alarms.delete_alarms(conn, plan.reset_index())
    left = [a["AlarmName"] for a in conn.cloudwatch.describe_alarms()["MetricAlarms"]]
    assert sorted(left) == sorted(names)
    assert {n: alarm_state(conn, n) for n in names} == before


def test_our_own_alarm_is_updated_in_place(conn, cfg):
    profiles.ensure(conn, cfg)
    targets = [profiles.resolve(conn, name) for name in cfg.analysed_names]
    alarms.ensure_alarms(conn, targets, cfg.owner_tag, "dept", 1000)
    again = alarms.ensure_alarms(conn, targets, cfg.owner_tag, "dept", 2000)
    actions = dict(zip(again["alarm"], again["action"], strict=True))
    tokens = again["alarm"][0]
    # the token alarms take the new threshold; the throttling ones are as asked already
    assert {a for n, a in actions.items() if "token" in n.lower()} == {"updated"}
    assert set(actions.values()) == {"updated", "unchanged"}
    assert conn.cloudwatch.describe_alarms(AlarmNames=[tokens])["MetricAlarms"][0][
        "Threshold"
    ] == pytest.approx(2000)


def test_put_metric_alarm_ignores_tags_and_keeps_the_state_of_an_existing_alarm(conn):
    """AWS: Tags count only when PutMetricAlarm creates the alarm; an update keeps its state."""
    pager_alarm(conn, "payments-calls", [{"Key": "team", "Value": "payments"}])
    conn.cloudwatch.set_alarm_state(
        AlarmName="payments-calls", StateValue="ALARM", StateReason="paged at 03:00"
    )
    conn.cloudwatch.put_metric_alarm(
        AlarmName="payments-calls",
        Namespace="AWS/Bedrock",
        MetricName="Invocations",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=0.0,
        ComparisonOperator="GreaterThanThreshold",
        Tags=[{"Key": "workshop", "Value": "bedrock-inference-profiles"}],
    )
    alarm = conn.cloudwatch.describe_alarms(AlarmNames=["payments-calls"])["MetricAlarms"][0]
    assert alarm["Threshold"] == 0.0 and alarm.get("AlarmActions", []) == []  # replaced
    assert alarm["StateValue"] == "ALARM" and alarm["StateReason"] == "paged at 03:00"
    tags = conn.cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
    assert tags == [{"Key": "team", "Value": "payments"}]
    conn.cloudwatch.put_metric_alarm(
        AlarmName="new-one",
        Namespace="AWS/Bedrock",
        MetricName="Invocations",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanThreshold",
        Tags=[{"Key": "team", "Value": "x"}],
    )
    created = conn.cloudwatch.describe_alarms(AlarmNames=["new-one"])["MetricAlarms"][0]
    assert created["StateValue"] == "INSUFFICIENT_DATA"
    assert conn.cloudwatch.list_tags_for_resource(ResourceARN=created["AlarmArn"])["Tags"] == [
        {"Key": "team", "Value": "x"}
    ]


# --- class 4: a profile of a configured name that is not ours ----------------------------------
COLLISIONS = {
    "same name, another model, no tags": (NOVA_MICRO_ARN, None),
    "same name, same model, the department tag but no ownership tag": (
        HAIKU_ARN,
        {"dept": "claims", "team": "payments"},
    ),
    "same name, same model, the ownership key with another value": (
        HAIKU_ARN,
        {"workshop": "someone-elses-workshop", "dept": "claims"},
    ),
}


@pytest.mark.parametrize("collision", COLLISIONS, ids=list(COLLISIONS))
def test_01_and_04_stop_at_someone_elses_profile_of_a_configured_name(conn, cfg, collision):
    source, tags = COLLISIONS[collision]
    arn = foreign_profile(conn, "claims_dept", source, tags)
    before = profile_state(conn, arn)
    with pytest.raises(ConfigError) as excinfo:
        profiles.ensure(conn, cfg)
    message = str(excinfo.value)
    assert "claims_dept exists but is not the workshop's" in message
    assert "belongs to someone else" in message and "another name in config.json" in message
    assert [p.name for p in profiles.list_profiles(conn)] == ["claims_dept"]  # nothing created
    with pytest.raises(ConfigError, match="belongs to someone else"):
        profiles.analysed(conn, cfg)  # what 04 (and 07) send load through
    plan = profiles.delete_plan(conn, cfg)
    assert list(plan["decision"]) == ["keep"]
    profiles.delete(conn, plan)
    assert profile_state(conn, arn) == before


def test_our_profile_on_another_model_than_configured_is_named(conn, cfg):
    profiles.ensure(conn, cfg)
    changed = replace(
        cfg,
        profiles=(
            replace(cfg.profiles[0], copy_from="amazon.nova-micro-v1:0"),
            cfg.profiles[1],
            # the same model, but in-region instead of the us. profile: another price and route
            replace(cfg.profiles[2], copy_from="amazon.nova-lite-v1:0"),
        ),
    )
    for call in (profiles.ensure, profiles.analysed):
        with pytest.raises(ConfigError) as excinfo:
            call(conn, changed)
        message = str(excinfo.value)
        assert f"the workshop's claims_dept runs {HAIKU} (in-region)" in message
        assert "copies it from amazon.nova-micro-v1:0" in message
        assert "support_dept runs amazon.nova-lite-v1:0 (geo)" in message
        assert "99_cleanup" in message and "new name" in message
    assert len(profiles.list_profiles(conn)) == 3


def test_profiles_named_only_under_profile_names_are_used_as_they_are(conn, tmp_path):
    arn = foreign_profile(conn, "payments_prod", tags={"dept": "payments"})
    before = profile_state(conn, arn)
    cfg = config.parse({"mode": "offline", "profile_names": ["payments_prod"]}, tmp_path / "c.json")
    with pytest.raises(ConfigError, match="lists no profiles to create"):
        profiles.to_create(cfg)
    with pytest.raises(ConfigError, match="lists no profiles to create"):
        profiles.ensure(conn, cfg)
    found = profiles.analysed(conn, cfg)
    assert [p.arn for p in found] == [arn]
    assert budgets.departments(found, "dept") == ["payments"]
    with pytest.raises(InputError, match="carries the cost allocation tag 'team'"):
        budgets.departments(found, "team")
    made = alarms.ensure_alarms(conn, found, cfg.owner_tag, "dept", 1000)
    assert list(made["action"]) == ["created", "created"]
    assert profile_state(conn, arn) == before


# --- class 3: 02 Step 5 tag, then untag ---------------------------------------------------------
def test_tag_then_untag_never_touches_an_existing_key(conn, cfg):
    ours = profiles.ensure(conn, cfg).set_index("name").loc["claims_dept", "arn"]
    profiles.tag(conn, ours, {"team": "claims-automation"}, cfg.owner_tag)  # ours, a new key
    before = profile_state(conn, ours)
    with pytest.raises(InputError, match="already has the tag.*team=claims-automation"):
        profiles.tag(conn, ours, {"team": "finops", "reviewed_by": "finops"}, cfg.owner_tag)
    assert profile_state(conn, ours) == before  # not even the new key went on
    with pytest.raises(InputError, match="ownership tag"):
        profiles.untag(conn, ours, ["workshop"], cfg.owner_tag)
    after = profiles.tag(conn, ours, {"reviewed_by": "finops"}, cfg.owner_tag)
    assert after["reviewed_by"] == "finops"
    assert "reviewed_by" not in profiles.untag(conn, ours, "reviewed_by", cfg.owner_tag)
    assert profile_state(conn, ours) == before


@pytest.mark.parametrize(
    "tags",
    [None, {"team": "payments", "dept": "claims"}, {"workshop": "someone-elses-workshop"}],
    ids=["untagged", "carries the tag_key value", "ownership key, another value"],
)
def test_tag_and_untag_leave_someone_elses_profile_alone(conn, cfg, tags):
    arn = foreign_profile(conn, "payments_prod", tags=tags)
    before = profile_state(conn, arn)
    with pytest.raises(InputError, match="is not the workshop's profile"):
        profiles.tag(conn, arn, {"reviewed_by": "finops"}, cfg.owner_tag)
    for keys in (["team"], "team", ["dept", "workshop_note"]):
        with pytest.raises(InputError, match="is not the workshop's profile"):
            profiles.untag(conn, arn, keys, cfg.owner_tag)
    assert profile_state(conn, arn) == before


def test_a_foreign_profile_carrying_the_department_survives_01_02_07_99(conn, cfg):
    arn = foreign_profile(conn, "claims_prod", tags={"dept": "claims", "team": "payments"})
    before = profile_state(conn, arn)
    profiles.ensure(conn, cfg)
    assert arn in profiles.find_by_tag(conn, "dept", ["claims"])  # found, not changed
    ours = [profiles.resolve(conn, name) for name in cfg.analysed_names]
    alarms.ensure_alarms(conn, ours, cfg.owner_tag, "dept", 1000)
    plan = profiles.delete_plan(conn, cfg).set_index("name")
    assert plan.loc["claims_prod", "decision"] == "keep"
    profiles.delete(conn, plan.reset_index())
    alarms.delete_alarms(conn, alarms.delete_alarms_plan(conn, cfg.owner_tag))
    assert [p.name for p in profiles.list_profiles(conn)] == ["claims_prod"]
    assert profile_state(conn, arn) == before


def test_an_owner_tag_another_team_also_uses_never_deletes_their_resources(conn, cfg):
    """owner_tag changed to a tag other teams carry too (team=claims-prod): the tag alone is no
    proof, so bulk clean-up deletes only the names the workshop gives."""
    owner = ("team", "claims-prod")
    shared = replace(cfg, owner_tag=owner)
    theirs = {"team": "claims-prod", "dept": "claims"}
    arns = {
        name: foreign_profile(conn, name, tags=theirs) for name in ("prod_claims", "claims-batch")
    }
    conn.budgets.create_budget(
        AccountId=ACCOUNT,
        Budget={
            "BudgetName": "claims-prod-monthly",
            "BudgetLimit": {"Amount": "900", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
        },
        ResourceTags=[{"Key": "team", "Value": "claims-prod"}],
    )
    pager_alarm(conn, "claims-prod-errors", tags=[{"Key": "team", "Value": "claims-prod"}])
    before = (
        [profile_state(conn, arn) for arn in arns.values()],
        budget_state(conn, "claims-prod-monthly"),
        alarm_state(conn, "claims-prod-errors"),
    )
    profiles.ensure(conn, shared)
    ours = [profiles.resolve(conn, name) for name in shared.analysed_names]
    alarms.ensure_alarms(conn, ours, owner, "dept", 1000)
    plan = profiles.delete_plan(conn, shared).set_index("name")
    for name in arns:
        assert plan.loc[name, "decision"] == "keep"
        assert "creates no profile of this name" in plan.loc[name, "reason"]
    assert set(plan.index[plan["decision"] == "delete"]) == {s.name for s in shared.profiles}
    profiles.delete(conn, plan.reset_index())
    budget_plan = budgets.delete_plan(conn, shared).set_index("budget")
    assert budget_plan.loc["claims-prod-monthly", "decision"] == "keep"
    budgets.delete(conn, budget_plan.reset_index())
    alarm_plan = alarms.delete_alarms_plan(conn, owner).set_index("alarm")
    assert alarm_plan.loc["claims-prod-errors", "decision"] == "keep"
    assert (alarm_plan.drop("claims-prod-errors")["decision"] == "delete").all()
    alarms.delete_alarms(conn, alarm_plan.reset_index())
    after = (
        [profile_state(conn, arn) for arn in arns.values()],
        budget_state(conn, "claims-prod-monthly"),
        alarm_state(conn, "claims-prod-errors"),
    )
    assert after == before
    assert sorted(p.name for p in profiles.list_profiles(conn)) == sorted(arns)
    # named explicitly, a profile carrying the tag is deleted (99's also_delete)
    named = profiles.delete_plan(conn, shared, names="prod_claims")
    assert list(named["decision"]) == ["delete"]


# --- class 20: one string where a list is expected ------------------------------------------
def test_one_string_is_a_list_of_one_and_other_types_are_refused(conn, cfg):
    created = profiles.ensure(conn, cfg).set_index("name")
    claims = created.loc["claims_dept", "arn"]
    assert profiles.find_by_tag(conn, "dept", "claims") == [claims]
    assert profiles.find_by_tag(conn, "dept", ("claims",)) == [claims]
    assert profiles.find_by_tag(conn, "dept", {"claims", "support"}) == sorted(
        [claims, created.loc["support_dept", "arn"]]
    )
    foreign_profile(conn, "old_profile")
    plan = profiles.delete_plan(conn, cfg, names="old_profile", insist=True)
    assert list(plan["name"]) == ["old_profile"] and list(plan["decision"]) == ["delete"]
    for wrong in (5, {"dept": "claims"}, ["claims", 5], b"claims"):
        with pytest.raises(InputError, match="must be a string or a list of strings"):
            profiles.find_by_tag(conn, "dept", wrong)
        with pytest.raises(InputError, match="must be a string or a list of strings"):
            profiles.delete_plan(conn, cfg, names=wrong, insist=True)
        with pytest.raises(InputError, match="must be a string or a list of strings"):
            profiles.untag(conn, claims, wrong, cfg.owner_tag)
    with pytest.raises(InputError, match="tag key must be a non-empty string"):
        profiles.find_by_tag(conn, ["dept"])
    with pytest.raises(InputError, match="Tags are a dict of key and value, not str"):
        profiles.tag(conn, claims, "reviewed_by", cfg.owner_tag)  # 02's new_tag as a string
    assert len(profiles.list_profiles(conn)) == 4  # nothing deleted by any of it


# --- class 10: budgets -----------------------------------------------------------------------
def test_every_department_gets_its_own_budget(conn, cfg):
    departments = ["claims team", "claims-team", "claims_team", "claims:team", "claims%3Ateam"]
    names = [budgets.budget_name(cfg, d) for d in departments]
    assert len(set(names)) == len(departments)
    long = ["x" * 150 + "a", "x" * 150 + "b", "x" * 91]
    long_names = [budgets.budget_name(cfg, d) for d in long]
    assert len(set(long_names)) == 3 and all(len(n) <= 100 for n in long_names)
    made = budgets.ensure(conn, cfg, {d: 5.0 for d in departments + long[:2]}, "finops@example.com")
    assert list(made["action"]) == ["created"] * 7
    listed = {b["BudgetName"] for b in budgets.all_budgets(conn)}
    assert listed == set(names + long_names[:2])  # the stand-in, like AWS, accepts each name


def test_someone_elses_budget_of_the_workshops_name_is_kept_and_shown_as_no_budget(conn, cfg):
    name = budgets.budget_name(cfg, "claims")
    create_foreign_budget(conn.budgets, name, "900.00")
    before = budget_state(conn, name)
    made = budgets.ensure(conn, cfg, {"claims": 5.0, "support": 5.0}, "finops@example.com")
    actions = dict(zip(made["department"], made["action"], strict=True))
    assert actions["claims"].startswith(ownership.NOT_OURS) and actions["support"] == "created"
    assert budgets.limits_in_force(made) == {"claims": None, "support": 5.0}
    actual = pd.DataFrame({"department": ["claims", "support"], "cost": [3.0, 1.0]})
    forecast = pd.DataFrame(
        {"department": ["claims", "support"], "forecast": [6.0, 2.0], "method": ["x", "x"]}
    )
    status = analysis.budget_status(budgets.limits_in_force(made), actual, forecast)
    by_department = status.set_index("department")
    assert by_department.loc["claims", "status"] == "no budget"
    assert pd.isna(by_department.loc["claims", "budget_usd"])
    assert by_department.loc["support", "status"] == "on track"
    plan = budgets.delete_plan(conn, cfg).set_index("budget")
    assert plan.loc[name, "decision"] == "keep"
    budgets.delete(conn, plan.reset_index())
    assert budget_state(conn, name) == before
    assert [b["BudgetName"] for b in budgets.all_budgets(conn)] == [name]


def test_a_department_without_a_budget_is_no_budget_not_on_track():
    actual = pd.DataFrame({"department": ["a", "b", "c"], "cost": [1.0, 4.0, 0.0]})
    forecast = pd.DataFrame({"department": ["a", "b"], "forecast": [2.0, 5.0], "method": ["x"] * 2})
    status = analysis.budget_status({"a": 10.0, "b": None, "c": float("nan")}, actual, forecast)
    assert list(status["department"]) == ["a", "b", "c"]
    assert list(status["status"]) == ["on track", "no budget", "no budget"]
    assert status["budget_usd"].isna().tolist() == [False, True, True]


# --- the notebooks themselves -----------------------------------------------------------------
@pytest.mark.slow
def test_99_after_07_leaves_every_foreign_resource_byte_for_byte(workshop, conn, cfg, tmp_path):
    from tests.test_notebooks import papermill_run

    path = tmp_path / "config.json"
    path.write_text(json.dumps(BASE_CONFIG))
    profiles.ensure(conn, cfg)
    ours = profiles.analysed(conn, cfg)
    alarm_names = [r["AlarmName"] for r in alarms.alarm_requests(ours[0], cfg.owner_tag, "dept", 1)]
    pager_alarm(conn, alarm_names[0], [{"Key": "team", "Value": "payments"}])
    foreign_arn = foreign_profile(conn, "claims_prod", tags={"dept": "claims"})
    budget = budgets.budget_name(cfg, "claims")
    create_foreign_budget(conn.budgets, budget, "900.00")
    before = (
        alarm_state(conn, alarm_names[0]),
        profile_state(conn, foreign_arn),
        budget_state(conn, budget),
    )
    executed = papermill_run(
        "07_budgets_and_alerts", tmp_path / "run", config_path=str(path), output_dir=str(tmp_path)
    )
    shown = json.dumps([c.get("outputs") for c in executed.cells])
    assert ownership.NOT_OURS in shown and "no budget" in shown
    papermill_run("99_cleanup", tmp_path / "run", config_path=str(path))
    after = (
        alarm_state(conn, alarm_names[0]),
        profile_state(conn, foreign_arn),
        budget_state(conn, budget),
    )
    assert after == before
    assert [p.name for p in profiles.list_profiles(conn)] == ["claims_prod"]
    assert [a["AlarmName"] for a in conn.cloudwatch.describe_alarms()["MetricAlarms"]] == [
        alarm_names[0]
    ]


@pytest.mark.slow
def test_01_stops_at_a_foreign_profile_and_leaves_it(workshop, conn, cfg, tmp_path):
    from tests.test_safety import assert_no_deep_traceback, run_failing

    path = tmp_path / "config.json"
    path.write_text(json.dumps(BASE_CONFIG))
    arn = foreign_profile(conn, "underwriting_dept", NOVA_MICRO_ARN, {"dept": "underwriting"})
    before = profile_state(conn, arn)
    for notebook in ("01_create_profiles", "04_generate_usage"):  # 04: no load through it
        error = run_failing(notebook, tmp_path, config_path=str(path))
        assert error["ename"] == "ConfigError" and "belongs to someone else" in error["evalue"]
        assert_no_deep_traceback(error)
    assert profile_state(conn, arn) == before
    assert [p.name for p in profiles.list_profiles(conn)] == ["underwriting_dept"]
    # no call went through the foreign profile (01's Step 2 calls a system-defined profile)
    recorded = {
        d["Value"]
        for m in conn.cloudwatch.list_metrics(Namespace="AWS/Bedrock")["Metrics"]
        for d in m["Dimensions"]
    }
    assert arn.rsplit("/", 1)[1] not in recorded


@pytest.mark.slow
def test_01_with_only_profile_names_says_there_is_nothing_to_create(workshop, tmp_path):
    from tests.test_safety import assert_no_deep_traceback, run_failing

    path = tmp_path / "config.json"
    path.write_text(json.dumps({"mode": "offline", "profile_names": ["payments_prod"]}))
    error = run_failing("01_create_profiles", tmp_path, config_path=str(path))
    assert error["ename"] == "ConfigError" and "lists no profiles to create" in error["evalue"]
    assert_no_deep_traceback(error)


@pytest.mark.slow
def test_01_in_tokyo_with_the_shipped_profiles_names_the_fix(workshop, tmp_path):
    from tests.test_safety import assert_no_deep_traceback, run_failing

    shipped = json.loads((Path(__file__).resolve().parents[1] / "config.json").read_text())
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**shipped, "region": "ap-northeast-1"}))
    error = run_failing("01_create_profiles", tmp_path, config_path=str(path))
    assert error["ename"] == "InputError"
    assert "us.amazon.nova-2-lite-v1:0 cannot be called from ap-northeast-1" in error["evalue"]
    assert "global.amazon.nova-2-lite-v1:0" in error["evalue"] and "copy_from" in error["evalue"]
    assert_no_deep_traceback(error)


@pytest.mark.slow
def test_02_and_07_on_profile_names_only_analyse_and_leave_the_profiles_alone(
    workshop, conn, tmp_path
):
    from tests.test_notebooks import papermill_run, text_of

    arn = foreign_profile(conn, "payments_prod", tags={"dept": "payments", "team": "cards"})
    before = profile_state(conn, arn)
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"mode": "offline", "profile_names": ["payments_prod"]}))
    inspected = papermill_run(
        "02_inspect_profiles", tmp_path / "run", config_path=str(path), new_tag={"team": "x"}
    )
    assert "Skipped: payments_prod is not the workshop's profile" in text_of(inspected)
    papermill_run(
        "07_budgets_and_alerts", tmp_path / "run", config_path=str(path), output_dir=str(tmp_path)
    )
    assert [b["BudgetName"] for b in budgets.all_budgets(conn)] == ["workshop-dept-payments"]
    assert profile_state(conn, arn) == before
