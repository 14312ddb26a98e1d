"""Who called: principals and their tags through Cost Explorer and the CUR export (stand-in).

An IAM user with an access key and a role assumed with session tags call the same application
profile; Billing attributes each call to its principal, and the principal tags become
``iamPrincipal/<key>`` cost allocation tags.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers import dates
from tests.conftest import ACCOUNT, DUMMY_CREDENTIALS, control, error_of, user

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ],
    }
)
TEAM = "iamPrincipal/team"


def _client(endpoint: str, service: str, **credentials):
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=endpoint,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
        **credentials,
    )


@pytest.fixture
def callers(client, endpoint):
    """Runtime clients of a tagged IAM user and of a role session with a session tag."""
    iam = client("iam")
    iam.create_user(UserName="alice", Tags=[{"Key": "team", "Value": "claims-app"}])
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    role = iam.create_role(
        RoleName="claims-batch",
        AssumeRolePolicyDocument=TRUST,
        Tags=[{"Key": "team", "Value": "role-default"}, {"Key": "owner", "Value": "ops"}],
    )["Role"]
    session = client("sts").assume_role(
        RoleArn=role["Arn"],
        RoleSessionName="nightly",
        Tags=[{"Key": "Team", "Value": "claims-batch"}],
    )["Credentials"]
    return {
        "user": _client(
            endpoint,
            "bedrock-runtime",
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        ),
        "role": _client(
            endpoint,
            "bedrock-runtime",
            aws_access_key_id=session["AccessKeyId"],
            aws_secret_access_key=session["SecretAccessKey"],
            aws_session_token=session["SessionToken"],
        ),
    }


def this_month() -> tuple[str, str]:
    """From the 1st to today, End exclusive (the calls are billed at the real clock's hour)."""
    today = dates.utc_today()
    return dates.month_start(today).isoformat(), (today + timedelta(days=1)).isoformat()


def cost(client, **extra) -> dict[tuple[str, ...], Decimal]:
    start, end = this_month()
    response = client("ce").get_cost_and_usage(
        TimePeriod={"Start": start, "End": end},
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
        **extra,
    )
    out: dict[tuple[str, ...], Decimal] = {}
    for period in response["ResultsByTime"]:
        for group in period["Groups"]:
            amount = Decimal(group["Metrics"]["UnblendedCost"]["Amount"])
            out[tuple(group["Keys"])] = out.get(tuple(group["Keys"]), Decimal(0)) + amount
        if not period["Groups"]:
            amount = Decimal(period["Total"]["UnblendedCost"]["Amount"])
            out[()] = out.get((), Decimal(0)) + amount
    return out


def test_the_caller_of_each_key(client, callers, haiku_profile):
    from helpers.offline.accounts import account_state
    from helpers.offline.server import DEFAULT_ACCOUNT

    callers["user"].converse(modelId=haiku_profile, messages=user("from alice"))
    callers["role"].converse(modelId=haiku_profile, messages=user("from the batch"))
    client("bedrock-runtime").converse(modelId=haiku_profile, messages=user("default key"))
    ledger = account_state(DEFAULT_ACCOUNT).ledger
    seen = {(line.principal, line.principal_tags) for line, _ in ledger.lines(*_all_time())}
    default_arn = client("sts").get_caller_identity()["Arn"]
    assert seen == {
        (f"arn:aws:iam::{ACCOUNT}:user/alice", (("team", "claims-app"),)),
        # the session tag Team overrides the role's team (keys compare case-insensitively)
        (
            f"arn:aws:sts::{ACCOUNT}:assumed-role/claims-batch/nightly",
            (("Team", "claims-batch"), ("owner", "ops")),
        ),
        (default_arn, ()),  # the workshop's default key: what GetCallerIdentity says
    }


def _all_time():
    return (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))


def test_session_tags_are_validated_as_aws_does(client):
    role = client("iam").create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)["Role"]
    with pytest.raises(ClientError) as excinfo:
        client("sts").assume_role(
            RoleArn=role["Arn"], RoleSessionName="ss", Tags=[{"Key": "k" * 129, "Value": "v"}]
        )
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ValidationError", 400)
    assert "at 'tags.1.member.key'" in message
    assert "Member must have length less than or equal to 128" in message


def test_principal_tags_group_cost_explorer_after_activation(client, callers, haiku_profile):
    for _ in range(2):
        callers["user"].converse(modelId=haiku_profile, messages=user("alice asks a question"))
    callers["role"].converse(modelId=haiku_profile, messages=user("the batch asks a longer one"))
    client("bedrock-runtime").converse(modelId=haiku_profile, messages=user("untagged caller"))
    listed = client("ce").list_cost_allocation_tags()["CostAllocationTags"]
    statuses = {t["TagKey"]: t["Status"] for t in listed}
    assert statuses["iamPrincipal/team"] == "Inactive"
    assert statuses["iamPrincipal/Team"] == "Inactive"  # the session tag's own spelling
    grouped = cost(client, GroupBy=[{"Type": "TAG", "Key": TEAM}])
    assert list(grouped) == [(f"{TEAM}$",)]  # inactive: nothing is attributed yet

    client("ce").update_cost_allocation_tags_status(
        CostAllocationTagsStatus=[
            {"TagKey": TEAM, "Status": "Active"},
            {"TagKey": "iamPrincipal/Team", "Status": "Active"},
        ]
    )
    grouped = cost(client, GroupBy=[{"Type": "TAG", "Key": TEAM}])
    total = cost(client)[()]
    assert set(grouped) == {(f"{TEAM}$claims-app",), (f"{TEAM}$",)}
    assert sum(grouped.values()) == total
    by_session = cost(client, GroupBy=[{"Type": "TAG", "Key": "iamPrincipal/Team"}])
    assert set(by_session) == {("iamPrincipal/Team$claims-batch",), ("iamPrincipal/Team$",)}
    assert sum(by_session.values()) == total

    only_alice = cost(client, Filter={"Tags": {"Key": TEAM, "Values": ["claims-app"]}})[()]
    assert only_alice == grouped[(f"{TEAM}$claims-app",)] > 0
    # the caller ARN itself is no Cost Explorer dimension
    values = client("ce").get_dimension_values(
        TimePeriod={"Start": this_month()[0], "End": this_month()[1]}, Dimension="RESOURCE_ID"
    )["DimensionValues"]
    assert not any("user/alice" in v["Value"] for v in values)


def _read_export(client, caller_identity: bool) -> list[dict]:
    import pyarrow.parquet as pq

    body = {"bucket": "cur-exports", "prefix": "cur", "export_name": "daily"}
    if caller_identity:
        body["include_caller_identity"] = True
    delivered = control(client.endpoint, "POST", "/_standin/cur-export", body)
    s3 = client("s3")
    rows: list[dict] = []
    for key in delivered["keys"]:
        raw = s3.get_object(Bucket="cur-exports", Key=key)["Body"].read()
        rows += pq.read_table(io.BytesIO(raw)).to_pylist()
    return rows


@pytest.fixture
def export_client(client, endpoint):
    client.endpoint = endpoint  # the control API is on the same endpoint
    return client


def test_cur_export_with_caller_identity(export_client, callers, haiku_profile):
    from helpers import cur_schema

    client = export_client
    for _ in range(3):
        callers["user"].converse(modelId=haiku_profile, messages=user("alice again"))
    callers["role"].converse(modelId=haiku_profile, messages=user("batch again"))
    client("ce").update_cost_allocation_tags_status(
        CostAllocationTagsStatus=[{"TagKey": TEAM, "Status": "Active"}]
    )
    plain = _read_export(client, caller_identity=False)
    assert "line_item_iam_principal" not in plain[0]
    assert list(plain[0]) == list(cur_schema.NAMES)

    detailed = _read_export(client, caller_identity=True)
    assert list(detailed[0]) == list(cur_schema.names(caller_identity=True))
    keys = [
        (
            r["line_item_usage_start_date"],
            r["line_item_usage_type"],
            r["line_item_resource_id"],
            r["line_item_iam_principal"],
        )
        for r in detailed
    ]
    assert len(keys) == len(set(keys))  # one row per principal, usage type, resource and day
    principals = {r["line_item_iam_principal"] for r in detailed}
    assert principals == {
        f"arn:aws:iam::{ACCOUNT}:user/alice",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/claims-batch/nightly",
    }
    usage_types = {r["line_item_usage_type"] for r in detailed}
    assert len(detailed) == len(principals) * len(usage_types)
    assert len(plain) == len(usage_types)
    total = sum(r["line_item_unblended_cost"] for r in plain)
    assert sum(r["line_item_unblended_cost"] for r in detailed) == pytest.approx(total, abs=1e-12)
    alice = [r for r in detailed if r["line_item_iam_principal"].endswith("user/alice")]
    assert all(dict(r["resource_tags"])[TEAM] == "claims-app" for r in alice)
    batch = [r for r in detailed if "assumed-role" in r["line_item_iam_principal"]]
    assert all(TEAM not in dict(r["resource_tags"]) for r in batch)  # its tag is "Team"


def test_export_command_asks_for_caller_identity():
    from helpers import cur

    plain = cur.export_command("b", "p", "daily", "us-east-1")
    assert "INCLUDE_IAM_PRINCIPAL_DATA" not in plain
    assert "line_item_iam_principal" not in plain
    detailed = cur.export_command("b", "p", "daily", "us-east-1", include_caller_identity=True)
    export = json.loads(detailed.split("--export '", 1)[1].rstrip("'"))
    table = export["DataQuery"]["TableConfigurations"]["COST_AND_USAGE_REPORT"]
    assert table["INCLUDE_IAM_PRINCIPAL_DATA"] == "TRUE"
    assert "line_item_iam_principal" in export["DataQuery"]["QueryStatement"]


def test_default_credentials_match_get_caller_identity(client, haiku_profile):
    from helpers.offline.accounts import account_state
    from helpers.offline.server import DEFAULT_ACCOUNT

    client("bedrock-runtime").converse(modelId=haiku_profile, messages=user("hi"))
    lines = list(account_state(DEFAULT_ACCOUNT).ledger.lines(*_all_time()))
    assert {line.principal for line, _ in lines} == {client("sts").get_caller_identity()["Arn"]}
    assert DUMMY_CREDENTIALS["aws_access_key_id"] == "offline"
