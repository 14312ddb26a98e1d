"""Synthetic history: deterministic, idempotent, and the same in CloudWatch and Cost Explorer."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tests.conftest import control

HAIKU_ARN = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"


def make(client, names):
    arns = {}
    for name in names:
        arns[name] = client("bedrock").create_inference_profile(
            inferenceProfileName=name,
            modelSource={"copyFrom": HAIKU_ARN},
            tags=[{"key": "dept", "value": name}],
        )["inferenceProfileArn"]
    return arns


def test_backfill_is_deterministic_and_idempotent(client, endpoint):
    make(client, ["claims", "support"])
    first = control(endpoint, "POST", "/_standin/backfill", {"days": 21, "seed": 7})
    assert first["synthetic"] is True and first["requests"] > 0
    assert [p["new_days"] > 0 for p in first["profiles"]] == [True, True]
    again = control(endpoint, "POST", "/_standin/backfill", {"days": 21, "seed": 7})
    assert again["requests"] == 0 and all(p["new_days"] == 0 for p in again["profiles"])

    control(endpoint, "POST", "/moto-api/reset")
    make(client, ["claims", "support"])  # new IDs, same names
    replay = control(endpoint, "POST", "/_standin/backfill", {"days": 21, "seed": 7})
    assert (replay["requests"], replay["input_tokens"], replay["output_tokens"]) == (
        first["requests"],
        first["input_tokens"],
        first["output_tokens"],
    )
    other_seed = control(endpoint, "POST", "/_standin/backfill", {"days": 30, "seed": 8})
    assert other_seed["from"] < first["from"]


def test_cloudwatch_and_cost_explorer_agree(client, endpoint):
    arns = make(client, ["claims"])
    control(endpoint, "POST", "/_standin/backfill", {"days": 10, "seed": 1})
    profile_id = arns["claims"].rsplit("/", 1)[1]
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    start = today - timedelta(days=10)
    tokens = {}
    for metric in ("InputTokenCount", "OutputTokenCount"):
        stats = client("cloudwatch").get_metric_statistics(
            Namespace="AWS/Bedrock",
            MetricName=metric,
            StartTime=start,
            EndTime=today,
            Period=86400,
            Statistics=["Sum"],
            Dimensions=[{"Name": "ModelId", "Value": profile_id}],
        )
        tokens[metric] = {p["Timestamp"].date(): p["Sum"] for p in stats["Datapoints"]}
    usage = client("ce").get_cost_and_usage(
        TimePeriod={"Start": start.date().isoformat(), "End": today.date().isoformat()},
        Granularity="DAILY",
        Metrics=["UsageQuantity", "UnblendedCost"],
        GroupBy=[{"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
    )
    for period in usage["ResultsByTime"]:
        day = datetime.fromisoformat(period["TimePeriod"]["Start"]).date()
        by_type = {
            g["Keys"][0]: int(g["Metrics"]["UsageQuantity"]["Amount"]) for g in period["Groups"]
        }
        assert by_type.get("USE1-Claude4.5Haiku-input-tokens", 0) == tokens["InputTokenCount"].get(
            day, 0
        )
        assert by_type.get("USE1-Claude4.5Haiku-output-tokens", 0) == tokens[
            "OutputTokenCount"
        ].get(day, 0)
        for group in period["Groups"]:
            assert Decimal(group["Metrics"]["UnblendedCost"]["Amount"]) > 0


def test_state_labels_synthetic_days(client, endpoint):
    make(client, ["claims"])
    control(endpoint, "POST", "/_standin/backfill", {"days": 5, "seed": 2})
    synthetic = control(endpoint, "GET", "/_standin/state")["synthetic"]
    today = datetime.now(timezone.utc).date()
    entry = synthetic["us-east-1/claims"]  # the workload: region and profile name
    assert entry["first"] == (today - timedelta(days=5)).isoformat()
    assert entry["last"] == (today - timedelta(days=1)).isoformat()
    assert entry["days"] <= 5
    control(endpoint, "POST", "/moto-api/reset")
    assert control(endpoint, "GET", "/_standin/state")["synthetic"] == {}


# --- each profile-day once, whatever the order (issue 13, class 6) ---------------------------
def department_totals(conn, span) -> dict[str, float]:
    """05's numbers: billed cost per department from Cost Explorer, through the helpers."""
    from helpers import analysis, costs

    billed = costs.cost_by_tag(conn, costs.cost_request(span, "dept"))
    totals = analysis.totals_by_department(billed)
    return dict(zip(totals["department"], totals["cost"], strict=True))


def test_recreated_profiles_get_no_second_history(conn, cfg, endpoint):
    """99 -> 01 -> 04 -> 05 (twice): new ARNs, same names, and each department's bill still
    holds one history, even when the next backfill asks for another seed or more days."""
    from helpers import costs, profiles

    profiles.ensure(conn, cfg)  # 01
    first_arns = {p.name: p.arn for p in profiles.list_profiles(conn)}
    first = control(endpoint, "POST", "/_standin/backfill", {"days": 14, "seed": 7})  # 04
    assert all(p["new_days"] > 0 for p in first["profiles"])
    span = costs.last_days(15)  # the 14 synthetic days and today
    costs.activate_tag(conn, "dept", backfill_from=span.start)  # 05
    once = department_totals(conn, span)
    assert {"claims", "underwriting", "support"} <= {d for d, c in once.items() if c > 0}

    for seed, days in ((7, 14), (8, 14), (7, 10)):
        profiles.delete(conn, profiles.delete_plan(conn, cfg))  # 99
        profiles.ensure(conn, cfg)  # 01
        arns = {p.name: p.arn for p in profiles.list_profiles(conn)}
        assert set(arns) == set(first_arns) and not set(arns.values()) & set(first_arns.values())
        again = control(endpoint, "POST", "/_standin/backfill", {"days": days, "seed": seed})
        assert again["requests"] == 0, again
        assert all(p["new_days"] == 0 for p in again["profiles"])
        assert department_totals(conn, span) == pytest.approx(once, rel=1e-12)

    # more days than before: only the days not written yet are added
    longer = control(endpoint, "POST", "/_standin/backfill", {"days": 21, "seed": 7})
    assert 0 < max(p["new_days"] for p in longer["profiles"]) <= 7
    assert department_totals(conn, span) == pytest.approx(once, rel=1e-12)
    state = control(endpoint, "GET", "/_standin/state")["synthetic"]
    assert sorted(state) == sorted(f"us-east-1/{name}" for name in first_arns)
    assert all(entry["days"] <= 21 for entry in state.values())


def test_the_same_name_in_another_region_is_another_workload(client, endpoint):
    for region in ("us-east-1", "eu-west-1"):
        client("bedrock", region).create_inference_profile(
            inferenceProfileName="claims",
            modelSource={
                "copyFrom": f"arn:aws:bedrock:{region}::foundation-model/amazon.nova-micro-v1:0"
            },
            tags=[{"key": "dept", "value": "claims"}],
        )
    east = control(endpoint, "POST", "/_standin/backfill", {"days": 5, "region": "us-east-1"})
    west = control(endpoint, "POST", "/_standin/backfill", {"days": 5, "region": "eu-west-1"})
    assert east["requests"] > 0 and west["requests"] > 0
    state = control(endpoint, "GET", "/_standin/state")["synthetic"]
    assert {"us-east-1/claims", "eu-west-1/claims"} <= set(state)


def total_cost(client) -> Decimal:
    today = datetime.now(timezone.utc).date()
    result = client("ce").get_cost_and_usage(
        TimePeriod={
            "Start": (today - timedelta(days=40)).isoformat(),
            "End": (today + timedelta(days=1)).isoformat(),
        },
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
    )
    return sum(Decimal(r["Total"]["UnblendedCost"]["Amount"]) for r in result["ResultsByTime"])


def test_concurrent_backfills_write_each_profile_day_once(client, endpoint):
    import sys
    import threading

    make(client, ["claims", "support", "research"])
    single = control(endpoint, "POST", "/_standin/backfill", {"days": 30, "seed": 3})
    expected_cost = total_cost(client)
    control(endpoint, "POST", "/moto-api/reset")
    make(client, ["claims", "support", "research"])

    answers: list[dict] = []
    start = threading.Barrier(8)

    def one() -> None:
        start.wait()
        answers.append(control(endpoint, "POST", "/_standin/backfill", {"days": 30, "seed": 3}))

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # the stand-in runs in this process: interleave its threads
    try:
        threads = [threading.Thread(target=one) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        sys.setswitchinterval(interval)
    assert len(answers) == 8
    assert sum(a["requests"] for a in answers) == single["requests"]
    written = {}
    for answer in answers:
        for profile in answer["profiles"]:
            written[profile["name"]] = written.get(profile["name"], 0) + profile["new_days"]
    assert written == {p["name"]: p["new_days"] for p in single["profiles"]}
    assert total_cost(client) == expected_cost


@pytest.mark.slow
def test_notebooks_99_01_04_05_bill_one_history(workshop, client, tmp_path):
    """The notebooks in the order people run them again: each department's daily bill before
    today is the same after 99 -> 01 -> 04 -> 05 as after the first 01 -> 04 -> 05; and 06's
    CSV files show no account ID, but the profile IDs."""
    from tests.conftest import ACCOUNT
    from tests.test_notebooks import papermill_run, read_csv

    today = datetime.now(timezone.utc).date().isoformat()

    def history(out) -> dict[str, dict[str, float]]:
        rows = read_csv(out / "daily_cost_by_department.csv")
        return {
            r["start"]: {k: float(v) for k, v in r.items() if k != "start"}
            for r in rows
            if r["start"] < today
        }

    first, second = tmp_path / "first", tmp_path / "second"
    for name in ("01_create_profiles", "04_generate_usage"):
        papermill_run(name, tmp_path / "run1")
    papermill_run("05_cost_analysis", tmp_path / "run1", output_dir=str(first))
    papermill_run("06_cur_at_scale", tmp_path / "run1", output_dir=str(first))
    once = history(first)
    assert len(once) >= 28 and all(
        sum(day[d] > 0 for day in once.values()) >= 28
        for d in ("claims", "underwriting", "support")
    )
    for written in first.glob("cur_*.csv"):
        assert ACCOUNT not in written.read_text(), written.name
    profile_ids = {
        arn.rsplit("/", 1)[1]
        for arn in (
            p["inferenceProfileArn"]
            for p in client("bedrock").list_inference_profiles(typeEquals="APPLICATION")[
                "inferenceProfileSummaries"
            ]
        )
    }
    shown_ids = {
        r["profile_arn"].rsplit("/", 1)[1] for r in read_csv(first / "cur_cost_by_profile.csv")
    }
    assert profile_ids <= shown_ids

    papermill_run("99_cleanup", tmp_path / "run2")
    for name in ("01_create_profiles", "04_generate_usage"):
        papermill_run(name, tmp_path / "run2")
    papermill_run("05_cost_analysis", tmp_path / "run2", output_dir=str(second))
    again = history(second)
    assert again.keys() == once.keys()
    for day, departments in once.items():
        assert again[day] == pytest.approx(departments, rel=1e-9), day
