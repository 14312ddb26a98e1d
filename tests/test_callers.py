"""helpers.callers (the workshop's IAM roles, assumed with session tags, and their clean-up) and
helpers.caller_costs (cost by caller, by principal tag, department x caller, on AWS-shaped data)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from botocore.exceptions import ClientError

from helpers import aws, caller_costs, callers, profiles
from helpers.errors import AwsError, InputError
from tests.conftest import ACCOUNT

TEAMS = {"claims-app": "claims-online", "claims-batch": "claims-batch"}
# someone else's policy and trust documents (IAM refuses empty statements)
THEIR_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}],
    }
)
THEIR_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def dump(value) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def role_state(iam, name: str) -> str:
    """A role, its tags and its policies, byte for byte comparable."""
    role = iam.get_role(RoleName=name)["Role"]
    inline = {
        p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
        for p in iam.list_role_policies(RoleName=name)["PolicyNames"]
    }
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    return dump([role, inline, attached])


@pytest.fixture
def claims(conn, cfg) -> profiles.Profile:
    profiles.ensure(conn, cfg)
    return profiles.resolve(conn, "claims_dept")


def test_callers_are_made_tagged_scoped_and_made_once(conn, cfg, claims):
    iam = conn.client("iam")
    made = callers.ensure_callers(conn, cfg, TEAMS, [claims])
    assert list(made["action"]) == ["created", "created"]
    role = iam.get_role(RoleName="claims-app")["Role"]
    assert role["Path"] == callers.ROLE_PATH
    assert role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/bedrock-workshop/claims-app"
    tags = {t["Key"]: t["Value"] for t in role["Tags"]}
    assert tags == {"workshop": "bedrock-inference-profiles", "team": "claims-online"}
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}
    assert trust["Action"] == ["sts:AssumeRole", "sts:TagSession"]
    policy = iam.get_role_policy(RoleName="claims-app", PolicyName=callers.INVOKE_POLICY)
    statements = policy["PolicyDocument"]["Statement"]
    actions = {a for s in statements for a in s["Action"]}
    assert actions == {
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
        "bedrock:CountTokens",
    }
    assert statements[0]["Resource"] == [claims.arn]  # only the given profile
    assert statements[1]["Condition"] == {
        "StringEquals": {"bedrock:InferenceProfileArn": [claims.arn]}
    }
    before = role_state(iam, "claims-app")
    again = callers.ensure_callers(conn, cfg, TEAMS, [claims])
    assert list(again["action"]) == ["unchanged", "unchanged"]
    assert role_state(iam, "claims-app") == before
    moved = callers.ensure_caller(conn, cfg, "claims-app", "claims-web", [claims])
    assert moved.action == "updated"
    role = iam.get_role(RoleName="claims-app")["Role"]
    assert {t["Key"]: t["Value"] for t in role["Tags"]}["team"] == "claims-web"
    # a trust policy changed by hand (or by an older workshop) is put back
    iam.update_assume_role_policy(RoleName="claims-app", PolicyDocument=THEIR_TRUST)
    assert callers.ensure_caller(conn, cfg, "claims-app", "claims-web", [claims]).action == (
        "updated"
    )
    trust = iam.get_role(RoleName="claims-app")["Role"]["AssumeRolePolicyDocument"]
    assert trust == callers.trust_policy(ACCOUNT)


@pytest.mark.parametrize(
    "path, tags",
    [
        ("/", [{"Key": "team", "Value": "theirs"}]),  # another team's, elsewhere
        ("/bedrock-workshop/", []),  # in the workshop's path, but not tagged
        ("/other/", [{"Key": "workshop", "Value": "bedrock-inference-profiles"}]),
    ],
)
def test_a_role_of_the_same_name_the_workshop_did_not_make_is_refused_and_untouched(
    conn, cfg, claims, path, tags
):
    iam = conn.client("iam")
    iam.create_role(
        Path=path, RoleName="claims-app", AssumeRolePolicyDocument=THEIR_TRUST, Tags=tags
    )
    iam.put_role_policy(RoleName="claims-app", PolicyName="theirs", PolicyDocument=THEIR_POLICY)
    before = role_state(iam, "claims-app")
    with pytest.raises(InputError, match="is not the workshop's") as refused:
        callers.ensure_caller(conn, cfg, "claims-app", "claims-online", [claims])
    assert "another name" in refused.value.fix
    assert role_state(iam, "claims-app") == before
    plan = callers.delete_plan(conn, cfg, names=["claims-app"])
    assert list(plan["decision"]) == ["keep"]
    assert "not the workshop's" in plan["reason"][0] or "no workshop=" in plan["reason"][0]
    callers.delete(conn, plan)
    assert role_state(iam, "claims-app") == before


def test_assume_with_session_tags_calls_as_the_role(conn, cfg, claims):
    role = callers.ensure_caller(conn, cfg, "claims-batch", "claims-batch", [claims])
    as_role = callers.assume(conn, role.arn, "nightly-run", {"team": "claims-batch"})
    identity = as_role.client("sts").get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/claims-batch/nightly-run"
    assert (as_role.mode, as_role.region, as_role.endpoint_url) == (
        conn.mode,
        conn.region,
        conn.endpoint_url,
    )
    assert as_role.session.get_credentials().access_key.startswith("ASIA")
    # the workshop's own connection is unchanged
    assert "assumed-role/claims-batch" not in conn.client("sts").get_caller_identity()["Arn"]
    with pytest.raises(InputError, match="not an STS session name"):
        callers.assume(conn, role.arn, "a b")


class _Sts:
    """An STS client that refuses AssumeRole ``refusals`` times, as IAM does while it spreads."""

    def __init__(self, refusals: int) -> None:
        self.refusals = refusals
        self.calls = 0

    def assume_role(self, **request):
        self.calls += 1
        if self.calls <= self.refusals:
            raise ClientError(
                {"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, "AssumeRole"
            )
        return {
            "Credentials": {"AccessKeyId": "ASIAX", "SecretAccessKey": "s", "SessionToken": "t"}
        }


class _Session:
    def __init__(self, sts: _Sts) -> None:
        self.sts = sts

    def client(self, service, **_):
        assert service == "sts"
        return self.sts


@pytest.mark.parametrize("mode", ["aws", "offline"])
def test_assume_waits_for_iam_on_aws_only(mode):
    sts = _Sts(refusals=2)
    conn = aws.Connection(mode=mode, region="us-east-1", session=_Session(sts))
    slept = []
    arn = f"arn:aws:iam::{ACCOUNT}:role/bedrock-workshop/claims-app"
    if mode == "offline":  # the stand-in answers at once: its refusal is final
        with pytest.raises(AwsError, match="AccessDenied"):
            callers.assume(conn, arn, "s1", sleep=slept.append)
        assert (sts.calls, slept) == (1, [])
        return
    as_role = callers.assume(conn, arn, "s1", {"team": "t"}, sleep=slept.append)
    assert sts.calls == 3 and slept == [callers.IAM_DELAY_S] * 2
    assert as_role.mode == "aws" and as_role.session.get_credentials().access_key == "ASIAX"
    endless = _Sts(refusals=99)
    conn = aws.Connection(mode="aws", region="us-east-1", session=_Session(endless))
    with pytest.raises(AwsError, match="AccessDenied"):
        callers.assume(conn, arn, "s1", sleep=slept.append)
    assert endless.calls == callers.IAM_ATTEMPTS


def test_cleanup_deletes_only_the_workshops_principals_with_policies_and_keys(conn, cfg, claims):
    iam = conn.client("iam")
    callers.ensure_callers(conn, cfg, TEAMS, [claims])
    managed = iam.create_policy(PolicyName="extra", PolicyDocument=THEIR_POLICY)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="claims-batch", PolicyArn=managed)
    # a user of the workshop's (should one be made) with a key, an inline and a managed policy
    owner = [{"Key": "workshop", "Value": "bedrock-inference-profiles"}]
    iam.create_user(Path=callers.ROLE_PATH, UserName="claims-cli", Tags=owner)
    iam.create_access_key(UserName="claims-cli")
    iam.put_user_policy(UserName="claims-cli", PolicyName="inline", PolicyDocument=THEIR_POLICY)
    iam.attach_user_policy(UserName="claims-cli", PolicyArn=managed)
    # someone else's role in the workshop's path, and one named like the workshop's elsewhere
    iam.create_role(
        Path=callers.ROLE_PATH, RoleName="their-role", AssumeRolePolicyDocument=THEIR_TRUST
    )
    iam.create_role(Path="/", RoleName="claims-web", AssumeRolePolicyDocument=THEIR_TRUST)
    kept = {name: role_state(iam, name) for name in ("their-role", "claims-web")}

    plan = callers.delete_plan(conn, cfg, names=["claims-app", "claims-web"])
    decided = {(r.kind, r.name): r.decision for r in plan.itertuples()}
    assert decided == {
        ("IAM role", "claims-app"): "delete",
        ("IAM role", "claims-batch"): "delete",
        ("IAM role", "their-role"): "keep",
        ("IAM role", "claims-web"): "keep",
        ("IAM user", "claims-cli"): "delete",
    }
    reasons = dict(zip(plan["name"], plan["reason"], strict=True))
    assert "inline policy workshop-invoke-profiles, managed policy extra" in reasons["claims-batch"]
    assert "1 access key" in reasons["claims-cli"]
    assert "not created by the workshop" in reasons["their-role"]

    done = callers.delete(conn, plan)
    assert dict(zip(done["name"], done["result"], strict=True)) == {
        "claims-app": "deleted",
        "claims-batch": "deleted",
        "their-role": "kept",
        "claims-web": "kept",
        "claims-cli": "deleted",
    }
    left = {r["RoleName"] for r in iam.list_roles()["Roles"]}
    assert {"claims-app", "claims-batch"}.isdisjoint(left)
    assert "claims-cli" not in {u["UserName"] for u in iam.list_users()["Users"]}
    assert {name: role_state(iam, name) for name in kept} == kept
    again = callers.delete(conn, plan)  # rerun after an interruption: nothing left to do
    assert set(again[again["decision"] == "delete"]["result"]) == {"already gone"}
    assert callers.delete_plan(conn, cfg)["decision"].tolist() == ["keep"]


def test_invoke_policy_names_the_profiles_models_and_refuses_none():
    global_profile = profiles.Profile(
        name="support",
        profile_id="abc123def456",
        arn=f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/abc123def456",
        type="APPLICATION",
        status="ACTIVE",
        model_arns=("arn:aws:bedrock:::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",),
    )
    policy = callers.invoke_policy([global_profile], "us-east-1")
    through, models, count = policy["Statement"]
    assert through["Resource"] == [global_profile.arn]
    assert models["Resource"] == list(global_profile.model_arns)
    assert (
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"
        in count["Resource"]
    )
    with pytest.raises(InputError, match="at least one profile"):
        callers.invoke_policy([], "us-east-1")
    with pytest.raises(InputError, match="not an IAM role name"):
        callers.check_name("claims app")


# --- caller_costs: pure, on AWS-shaped data ---------------------------------------------------


@pytest.mark.parametrize(
    "arn, name",
    [
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/claims-app/nightly-run", "claims-app"),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/claims-app/alice@example.com", "claims-app"),
        (f"arn:aws:iam::{ACCOUNT}:role/bedrock-workshop/claims-batch", "claims-batch"),
        (f"arn:aws:iam::{ACCOUNT}:user/dev/alice", "alice"),
        (f"arn:aws:iam::{ACCOUNT}:user/bob", "bob"),
        (f"arn:aws:sts::{ACCOUNT}:federated-user/carol", "carol"),
        (f"arn:aws-us-gov:sts::{ACCOUNT}:assumed-role/gov-app/s", "gov-app"),
        (f"arn:aws:iam::{ACCOUNT}:root", "root"),
        ("", caller_costs.NO_PRINCIPAL),
        (None, caller_costs.NO_PRINCIPAL),
        (float("nan"), caller_costs.NO_PRINCIPAL),
    ],
)
def test_short_name_of_a_principal(arn, name):
    assert caller_costs.short_name(arn) == name


def test_short_name_refuses_what_is_not_a_principal():
    with pytest.raises(InputError, match="not the ARN of an IAM principal"):
        caller_costs.short_name("arn:aws:bedrock:us-east-1:1:application-inference-profile/x")


def cur_frame() -> pd.DataFrame:
    """CUR 2.0 rows with caller identity, as the export's Parquet reads into pandas (maps as
    lists of pairs)."""
    app = f"arn:aws:sts::{ACCOUNT}:assumed-role/claims-app/"
    batch = f"arn:aws:sts::{ACCOUNT}:assumed-role/claims-batch/nightly"
    claims = [("user_dept", "claims"), ("user_workshop", "bedrock-inference-profiles")]
    rows = [
        (app + "s1", claims, 1.25),
        (app + "s2", claims, 0.75),
        (batch, claims, 3.0),
        (batch, [("user_dept", "support")], 0.5),
        (f"arn:aws:iam::{ACCOUNT}:user/alice", [], 0.125),  # a profile without the dept tag
        ("", claims, 0.0625),  # no principal recorded
    ]
    return pd.DataFrame(
        {
            "line_item_iam_principal": [r[0] for r in rows],
            "resource_tags": [r[1] for r in rows],
            "line_item_unblended_cost": [r[2] for r in rows],
        }
    )


def test_cost_by_caller_from_cur_rows():
    table = caller_costs.by_caller(cur_frame())
    assert list(table["caller"]) == ["claims-batch", "claims-app", "alice", "(no principal)"]
    assert list(table["cost"]) == [3.5, 2.0, 0.125, 0.0625]
    assert table["share"].sum() == pytest.approx(1.0)
    with pytest.raises(InputError, match="caller identity"):
        caller_costs.by_caller(cur_frame().drop(columns=["line_item_iam_principal"]))


def test_department_by_caller_sums_to_each_department_and_caller():
    cur = cur_frame()
    rows = caller_costs.cur_rows(cur, "dept")
    matrix = caller_costs.department_by_caller(rows)
    assert list(matrix.index) == ["claims", "support", "(untagged)", "total"]
    assert list(matrix.columns) == [
        "alice",
        "claims-app",
        "claims-batch",
        "(no principal)",
        "total",
    ]
    departments = rows.groupby("department")["cost"].sum()
    for department, total in departments.items():
        assert matrix.loc[department, "total"] == pytest.approx(total)
    by_caller = caller_costs.by_caller(cur).set_index("caller")["cost"]
    for caller, total in by_caller.items():
        assert matrix.loc["total", caller] == pytest.approx(total)
    assert matrix.loc["total", "total"] == pytest.approx(cur["line_item_unblended_cost"].sum())
    assert matrix.loc["support", "claims-app"] == 0.0
    # dicts (DuckDB) read as pyarrow's lists of pairs do
    as_dicts = cur.assign(resource_tags=[dict(m) for m in cur["resource_tags"]])
    assert caller_costs.cur_rows(as_dicts, "dept").equals(rows)


def ce_answer() -> list[dict]:
    """Two pages of a GetCostAndUsage answer grouped by the principal tag team (DAILY)."""

    def group(key: str, amount: str) -> dict:
        return {"Keys": [key], "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}}}

    definitions = [{"Type": "TAG", "Key": "iamPrincipal/team"}]
    return [
        {
            "GroupDefinitions": definitions,
            "ResultsByTime": [
                {
                    "TimePeriod": {"Start": "2026-11-26", "End": "2026-11-27"},
                    "Total": {},
                    "Groups": [
                        group("iamPrincipal/team$", "0.5"),
                        group("iamPrincipal/team$claims-batch", "2.0"),
                    ],
                    "Estimated": False,
                }
            ],
            "NextPageToken": "page-2",
        },
        {
            "GroupDefinitions": definitions,
            "ResultsByTime": [
                {
                    "TimePeriod": {"Start": "2026-11-27", "End": "2026-11-28"},
                    "Total": {},
                    "Groups": [
                        group("iamPrincipal/team$claims-batch", "1.5"),
                        group("iamPrincipal/team$claims-online", "4.0"),
                    ],
                    "Estimated": True,
                }
            ],
        },
    ]


def test_cost_by_principal_tag_from_cost_explorer():
    assert caller_costs.group_by_principal_tag("team") == {
        "Type": "TAG",
        "Key": "iamPrincipal/team",
    }
    table = caller_costs.by_caller_tag(ce_answer(), "team")
    assert list(table["team"]) == ["claims-online", "claims-batch", "(no tag)"]
    assert list(table["cost"]) == [4.0, 3.5, 0.5]
    assert table["share"].sum() == pytest.approx(1.0)
    one_page = caller_costs.by_caller_tag(ce_answer()[1], "iamPrincipal/team")
    assert list(one_page["cost"]) == [4.0, 1.5]
    with pytest.raises(InputError, match="not by the tags"):
        caller_costs.by_caller_tag(ce_answer(), "project")


def test_department_by_caller_tag_from_a_two_tag_cost_explorer_answer():
    page = {
        "GroupDefinitions": [
            {"Type": "TAG", "Key": "dept"},
            {"Type": "TAG", "Key": "iamPrincipal/team"},
        ],
        "ResultsByTime": [
            {
                "TimePeriod": {"Start": "2026-11-01", "End": "2026-11-28"},
                "Groups": [
                    {
                        "Keys": ["dept$claims", "iamPrincipal/team$claims-batch"],
                        "Metrics": {"UnblendedCost": {"Amount": "3", "Unit": "USD"}},
                    },
                    {
                        "Keys": ["dept$claims", "iamPrincipal/team$"],
                        "Metrics": {"UnblendedCost": {"Amount": "1", "Unit": "USD"}},
                    },
                    {
                        "Keys": ["dept$", "iamPrincipal/team$claims-batch"],
                        "Metrics": {"UnblendedCost": {"Amount": "0.5", "Unit": "USD"}},
                    },
                ],
            }
        ],
    }
    rows = caller_costs.tag_rows(page, {"dept": "department", "iamPrincipal/team": "team"})
    matrix = caller_costs.department_by_caller(rows, caller="team")
    assert list(matrix.index) == ["claims", "(untagged)", "total"]
    assert list(matrix.columns) == ["claims-batch", "(no tag)", "total"]
    assert matrix.loc["claims", "total"] == 4.0
    assert matrix.loc["total", "total"] == 4.5


@pytest.mark.slow
def test_99_removes_the_workshops_callers_logging_and_group_and_keeps_a_namesake(
    workshop, conn, cfg, haiku_profile, tmp_path
):
    from helpers import invocation_logs
    from tests.test_notebooks import papermill_run, text_of

    iam = conn.client("iam")
    callers.ensure_callers(conn, cfg, TEAMS, [profiles.resolve(conn, haiku_profile)])
    invocation_logs.enable(conn, cfg)
    iam.create_role(Path="/", RoleName="claims-web", AssumeRolePolicyDocument=THEIR_TRUST)
    theirs = role_state(iam, "claims-web")

    cleaned = papermill_run(
        "99_cleanup", tmp_path, caller_roles=["claims-app", "claims-batch", "claims-web"]
    )
    shown = text_of(cleaned)
    for name in ("claims-app", "claims-batch", invocation_logs.DELIVERY_ROLE):
        assert f"IAM role {name}" in shown
    assert "kept IAM role claims-web: not created by the workshop" in shown
    assert "log group workshop-bedrock-invocations" in shown
    assert not iam.list_roles(PathPrefix=callers.ROLE_PATH)["Roles"]
    assert invocation_logs.current(conn) is None
    assert invocation_logs.find_group(conn, invocation_logs.DEFAULT_GROUP) is None
    assert role_state(iam, "claims-web") == theirs


@pytest.mark.parametrize("name", ["経理部", "claims-ａｐｐ", "café"])
def test_iam_names_are_ascii_as_aws_requires(name):
    """IAM's [\\w+=,.@-] is ASCII; Python's \\w alone would pass 経理部, which AWS refuses."""
    with pytest.raises(InputError, match="is not an IAM role name"):
        callers.check_name(name)
    with pytest.raises(InputError, match="is not an STS session name"):
        callers.assume_request(f"arn:aws:iam::{ACCOUNT}:role/x", name)
