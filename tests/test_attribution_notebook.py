"""Notebook 08 (callers, request metadata, service tiers, caching) against issue 16's "Done when",
and in the orders people run it: twice, before 04, after 99, with a mistyped parameter."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, timedelta

import papermill
import pytest

from tests.test_callers import THEIR_TRUST
from tests.test_notebooks import papermill_run, read_csv, text_of

NAME = "08_attribution_and_priority"
ROLE_PATH = "/bedrock-workshop/"
LOG_GROUP = "workshop-bedrock-invocations"
ROLES = ("claims-app", "claims-batch")


def matrix_of(out) -> dict[str, dict[str, str]]:
    return {r["department"]: r for r in read_csv(out / "department_by_caller.csv")}


@pytest.mark.slow
def test_done_when_offline_after_01(workshop, client, tmp_path):
    """From a fresh kernel after 01 (and 04 for history): the matrix sums to 05's department
    totals, the caller-identity CUR has one line per principal, usage type, resource and day,
    tiers are billed at their prices.json ratios, and the cache saving is the predicted one."""
    out = tmp_path / "out"
    papermill_run("01_create_profiles", tmp_path / "run")
    papermill_run("04_generate_usage", tmp_path / "run")
    shown = text_of(papermill_run(NAME, tmp_path / "run", output_dir=str(out)))
    papermill_run("05_cost_analysis", tmp_path / "run", output_dir=str(out))

    # the department x caller matrix: each row's callers add up to its total, which is 05's
    chargeback = {r["department"]: float(r["cost_usd"]) for r in read_csv(out / "chargeback.csv")}
    matrix = matrix_of(out)
    departments = [d for d in matrix if d != "total"]
    assert {"claims", "underwriting", "support"} <= set(departments)
    callers = [
        c
        for c in matrix["claims"]
        if c not in ("department", "total", "cost_explorer (05)", "difference")
    ]
    assert {"claims-app", "claims-batch", "moto", "(no principal)"} <= set(callers)
    for department in departments:
        row = matrix[department]
        assert abs(sum(float(row[c]) for c in callers) - float(row["total"])) < 1e-9
        assert abs(float(row["total"]) - chargeback.get(department, 0.0)) < 1e-6, department
    assert float(matrix["claims"]["claims-app"]) > 0 and float(matrix["claims"]["claims-batch"]) > 0
    assert float(matrix["support"]["claims-app"]) == 0  # the roles may call the claims profile only

    # the CUR export with caller identity: one line per principal, usage type, resource and day
    import pandas as pd

    files = sorted((out / "cur" / "workshop-callers").rglob("*.parquet"))
    assert files
    lines = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    lines = lines[lines["line_item_line_item_type"] == "Usage"]
    day = lines["line_item_usage_start_date"].dt.date
    keys = Counter(
        zip(
            day,
            lines["line_item_iam_principal"],
            lines["line_item_usage_type"],
            lines["line_item_resource_id"],
            strict=True,
        )
    )
    assert max(keys.values()) == 1
    principals = set(lines["line_item_iam_principal"])
    for role in ROLES:
        assert any(p.endswith(f":assumed-role/{role}/{role}-08") for p in principals), role
    assert "" in principals or None in principals  # the synthetic history has no caller

    # tiers billed at their prices.json ratios: price per output token of each usage type
    from helpers import pricing

    multiples = pricing.load().models["openai.gpt-oss-120b-1:0"].tiers
    today = date.today()
    answer = client("ce").get_cost_and_usage(
        TimePeriod={"Start": str(today), "End": str(today + timedelta(days=1))},
        Granularity="DAILY",
        Metrics=["UnblendedCost", "UsageQuantity"],
        GroupBy=[{"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
    )
    unit = {
        g["Keys"][0]: float(g["Metrics"]["UnblendedCost"]["Amount"])
        / float(g["Metrics"]["UsageQuantity"]["Amount"])
        for g in answer["ResultsByTime"][0]["Groups"]
        if float(g["Metrics"]["UsageQuantity"]["Amount"])
    }
    output = {
        u: v for u, v in unit.items() if "gpt-oss-120b" in u.lower() and "output" in u.lower()
    }
    standard = next(v for u, v in output.items() if not u.endswith(("-priority", "-flex")))
    for tier in ("priority", "flex"):
        billed = next(v for u, v in output.items() if u.endswith(f"-{tier}"))
        assert billed / standard == pytest.approx(multiples[tier], rel=1e-6), tier
    assert re.search(r"priority\s*\|?.*1\.75", shown) or "1.75" in shown

    # the cache saving, measured on the replies' usage, equals cache_savings' prediction
    found = re.search(
        r"Saved on the cached tokens: \$([\d.]+).*predicted by cache_savings: \$([\d.]+)", shown
    )
    assert found and float(found[1]) > 0
    assert found[1] == found[2]
    assert "Every department's total equals Cost Explorer's." in shown
    assert "(simulated offline)" in shown  # tier latency is labelled as simulated


@pytest.mark.slow
def test_cleanup_removes_what_08_made_and_keeps_a_foreign_claims_app(workshop, client, tmp_path):
    iam = client("iam")
    iam.create_role(Path="/", RoleName="claims-app", AssumeRolePolicyDocument=THEIR_TRUST)
    iam.put_role_policy(
        RoleName="claims-app",
        PolicyName="their-policy",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
            }
        ),
    )

    def theirs():
        role = iam.get_role(RoleName="claims-app")["Role"]
        role.pop("RoleLastUsed", None)
        policy = iam.get_role_policy(RoleName="claims-app", PolicyName="their-policy")
        policy.pop("ResponseMetadata", None)
        return json.dumps([role, policy], default=str, sort_keys=True)

    before = theirs()
    papermill_run("01_create_profiles", tmp_path / "run")
    # the default names collide with their role: refused, with the way out, and nothing changed
    with pytest.raises(papermill.PapermillExecutionError) as refused:
        papermill_run(NAME, tmp_path / "refused")
    assert refused.value.ename == "InputError"
    assert "The IAM role claims-app exists and is not the workshop's" in refused.value.evalue
    assert theirs() == before
    teams = {"claims-web": "claims-online", "claims-batch": "claims-batch"}
    papermill_run(NAME, tmp_path / "run", caller_teams=teams)
    made = [r["RoleName"] for r in iam.list_roles(PathPrefix=ROLE_PATH)["Roles"]]
    assert {"claims-web", "claims-batch"} <= set(made)
    logs = client("logs")
    assert logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]
    bedrock = client("bedrock")
    assert bedrock.get_model_invocation_logging_configuration().get("loggingConfig")

    cleaned = text_of(
        papermill_run(
            "99_cleanup",
            tmp_path / "clean",
            caller_roles=["claims-web", "claims-batch", "claims-app"],
        )
    )
    assert iam.list_roles(PathPrefix=ROLE_PATH)["Roles"] == []
    assert iam.list_users(PathPrefix=ROLE_PATH)["Users"] == []
    assert not logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]
    assert not bedrock.get_model_invocation_logging_configuration().get("loggingConfig")
    assert theirs() == before  # byte for byte
    assert "claims-app" in cleaned


@pytest.mark.slow
def test_as_people_run_it_twice_before_04_after_99_and_mistyped(workshop, client, tmp_path):
    papermill_run("01_create_profiles", tmp_path / "run")
    first = text_of(papermill_run(NAME, tmp_path / "first"))  # before 04: no history, no error
    assert "created" in first
    again = text_of(papermill_run(NAME, tmp_path / "again"))  # twice: the roles are reused
    assert "unchanged" in again and "Invocation logging: unchanged" in again
    iam = client("iam")
    assert sorted(r["RoleName"] for r in iam.list_roles(PathPrefix=ROLE_PATH)["Roles"]) == sorted(
        [*ROLES, "workshop-bedrock-invocation-logging"]
    )

    # a mistyped parameter: one message naming it and the values that work
    with pytest.raises(papermill.PapermillExecutionError) as typo:
        papermill_run(NAME, tmp_path / "typo", department="claim")
    assert typo.value.ename == "InputError"
    assert (
        "department" in typo.value.evalue and "claims, support, underwriting" in typo.value.evalue
    )
    with pytest.raises(papermill.PapermillExecutionError) as typo:
        papermill_run(NAME, tmp_path / "typo2", tier_profile="underwriting")
    assert "tier_profile 'underwriting' is not a profile in config.json" in typo.value.evalue

    # after 99: the profiles are gone, and 08 says what to run
    papermill_run("99_cleanup", tmp_path / "clean")
    with pytest.raises(papermill.PapermillExecutionError) as gone:
        papermill_run(NAME, tmp_path / "after")
    assert gone.value.ename == "WorkshopError"
    assert "run 01_create_profiles first" in gone.value.evalue
    papermill_run("01_create_profiles", tmp_path / "rerun")
    assert "created" in text_of(papermill_run(NAME, tmp_path / "rerun"))  # made again


def test_the_logs_tier_is_read_from_the_logged_request_body():
    """AWS's record has no tier key: a Converse call's tier is in input.inputBodyJson."""
    from helpers import invocation_logs

    record = {
        "schemaType": "ModelInvocationLog",
        "timestamp": "2026-11-28T10:15:02Z",
        "requestId": "r1",
        "modelId": "openai.gpt-oss-120b-1:0",
        "identity": {"arn": "arn:aws:sts::111122223333:assumed-role/claims-app/s"},
        "input": {"inputBodyJson": {"serviceTier": {"type": "flex"}}, "inputTokenCount": 3},
        "output": {"outputTokenCount": 5},
    }
    assert list(invocation_logs.frame([record])["service_tier"]) == ["flex"]


def test_duckdb_and_glue_read_the_caller_identity_column(conn, cfg):
    from helpers import cur, cur_engines

    with_principal = cur_engines.DuckDBRunner([], "db", "t", empty=True, caller_identity=True)
    found = with_principal.run(
        "cost_by_tag_and_caller", tag_key="dept", start="2026-11-01", end="2026-11-02"
    )
    assert list(found.columns) == ["tag_value", "principal", "cost", "tokens"]
    assert with_principal.run(
        "caller_lines", tag_key="dept", start="2026-11-01", end="2026-11-02"
    ).empty
    plain = cur_engines.DuckDBRunner([], "db", "t", empty=True)
    with pytest.raises(Exception, match="line_item_iam_principal"):
        plain.run("cost_by_tag_and_caller", tag_key="dept", start="2026-11-01", end="2026-11-02")
    cur.register_athena_table(
        conn,
        "callers_db",
        "cur_callers",
        "s3://b/cur/x/data/",
        owner_tag=cfg.owner_tag,
        caller_identity=True,
    )
    columns = conn.client("glue").get_table(DatabaseName="callers_db", Name="cur_callers")["Table"][
        "StorageDescriptor"
    ]["Columns"]
    assert {"Name": "line_item_iam_principal", "Type": "string"} in columns
    with pytest.raises(Exception, match="No CUR query named"):
        cur.render("cost_by_caler", "t")
