"""helpers.cur and the stand-in's CUR export and Athena: the same SQL on DuckDB and Athena,
and every query's figures equal to Cost Explorer's for the same period and tag, to the cent."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from botocore.validate import ParamValidator

from helpers import costs, cur, cur_engines, cur_schema, dates, invoke, masking, profiles
from helpers.errors import InputError, WorkshopError
from tests.conftest import control

CENT = 0.005


def billing_period() -> tuple[date, date]:
    """20 days back to the end of today (exclusive), on the UTC day the stand-in bills."""
    today = dates.utc_today()
    return today - timedelta(days=20), today + timedelta(days=1)


# refreshed by `billed`: a test that runs across UTC midnight uses one period throughout
START, END = billing_period()


@pytest.fixture
def billed(conn, cfg, endpoint, tmp_path):
    """Three tagged profiles with 20 days of history, today's calls, one untagged bare call."""
    global START, END
    START, END = billing_period()
    profiles.ensure(conn, cfg)
    control(endpoint, "POST", "/_standin/backfill", {"days": 20, "seed": 3})
    costs.activate_tag(conn, "dept", backfill_from=START)
    for profile in profiles.all_application_profiles(conn):
        invoke.converse(conn, profile, "today's question")
    invoke.converse(conn, "anthropic.claude-haiku-4-5-20251001-v1:0", "a call without a profile")
    delivered = control(
        endpoint,
        "POST",
        "/_standin/cur-export",
        {"bucket": "cur-exports", "prefix": "cur", "export_name": "daily"},
    )
    files = cur.download_export(conn, "cur-exports", "cur/daily", tmp_path / "cur")
    return {
        "delivered": delivered,
        "files": files,
        "duckdb": cur_engines.DuckDBRunner(files, "workshop_cur", "cur_daily"),
    }


def ce(conn, group_by, granularity="MONTHLY", **extra):
    pages = costs.fetch_pages(
        conn,
        {
            "TimePeriod": {"Start": START.isoformat(), "End": END.isoformat()},
            "Granularity": granularity,
            "Metrics": ["UnblendedCost"],
            "GroupBy": group_by,
            **extra,
        },
    )
    out: dict[tuple, Decimal] = {}
    for page in pages:
        for period in page["ResultsByTime"]:
            for group in period["Groups"]:
                key = (
                    (period["TimePeriod"]["Start"], *group["Keys"])
                    if granularity == "DAILY"
                    else tuple(group["Keys"])
                )
                out[key] = out.get(key, Decimal(0)) + Decimal(
                    group["Metrics"]["UnblendedCost"]["Amount"]
                )
    return out


def values(**extra):
    return {"tag_key": "dept", "start": START, "end": END, **extra}


def test_export_is_cur_2_0_shaped(billed):
    import pyarrow.parquet as pq

    delivered = billed["delivered"]
    assert delivered["keys"][0].startswith("cur/daily/data/BILLING_PERIOD=")
    table = pq.read_table(billed["files"][0])
    fields = {f.name: str(f.type) for f in table.schema}
    assert fields["line_item_unblended_cost"] == "double"
    assert fields["line_item_usage_start_date"].startswith("timestamp")
    assert fields["resource_tags"].startswith("map<string, string")
    rows = table.to_pylist()
    tagged = [r for r in rows if r["resource_tags"]]
    # only activated cost allocation tags appear: dept is, the ownership tag is not
    assert all(dict(r["resource_tags"]).keys() == {"user_dept"} for r in tagged)
    assert all(
        r["line_item_resource_id"].split(":")[5].startswith("application-inference-profile/")
        for r in tagged
    )
    entities = {
        (r["bill_billing_entity"], r["line_item_product_code"] == "AmazonBedrock") for r in rows
    }
    assert entities == {("AWS", True), ("AWS Marketplace", False)}
    # one row per usage type, resource and day
    keys = [
        (
            r["line_item_usage_start_date"],
            r["line_item_usage_type"],
            r["line_item_resource_id"],
            r["line_item_product_code"],
        )
        for r in rows
    ]
    assert len(keys) == len(set(keys))


def test_cost_by_tag_equals_cost_explorer(conn, billed):
    result = billed["duckdb"].run("cost_by_tag", **values())
    expected = ce(conn, [{"Type": "TAG", "Key": "dept"}])
    got = {
        f"dept${'' if v == cur.UNTAGGED else v}": c
        for v, c in zip(result["tag_value"], result["cost"], strict=True)
    }
    assert set(got) == {k[0] for k in expected}
    for key, amount in expected.items():
        assert abs(got[key[0]] - float(amount)) < CENT


def test_daily_trend_equals_cost_explorer_daily(conn, billed):
    result = billed["duckdb"].run("daily_trend", **values())
    expected = ce(conn, [{"Type": "TAG", "Key": "dept"}], granularity="DAILY")
    got = {
        (d.strftime("%Y-%m-%d"), f"dept${'' if v == cur.UNTAGGED else v}"): c
        for d, v, c in zip(result["usage_date"], result["tag_value"], result["cost"], strict=True)
    }
    assert set(got) == set(expected)
    assert all(abs(got[k] - float(v)) < CENT for k, v in expected.items())
    assert result["usage_date"].nunique() >= 14


def test_cost_by_model_equals_cost_explorer_by_service_and_usage_type(conn, billed):
    result = billed["duckdb"].run("cost_by_model", **values())
    expected = ce(
        conn, [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}]
    )
    got = {
        (p, u): c
        for p, u, c in zip(
            result["product_name"], result["usage_type"], result["cost"], strict=True
        )
    }
    assert set(got) == set(expected)
    assert all(abs(got[k] - float(v)) < CENT for k, v in expected.items())


def test_cost_by_profile_adds_up_to_each_department(conn, billed):
    result = billed["duckdb"].run("cost_by_profile", **values())
    arns = {p.arn for p in profiles.all_application_profiles(conn)}
    assert set(result["profile_arn"]) == arns
    expected = ce(conn, [{"Type": "TAG", "Key": "dept"}])
    by_tag = result.groupby("tag_value")["cost"].sum()
    for tag, cost in by_tag.items():
        assert abs(cost - float(expected[(f"dept${tag}",)])) < CENT
    assert (result["input_tokens"] > 0).all() and (result["output_tokens"] > 0).all()


def test_untagged_spend_equals_cost_explorer_absent_filter(conn, billed):
    result = billed["duckdb"].run("untagged_spend", **values())
    expected = ce(
        conn,
        [{"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
        Filter={"Tags": {"Key": "dept", "MatchOptions": ["ABSENT"]}},
    )
    assert set(result["resource"]) == {"(no inference profile)"}
    got = result.groupby("usage_type")["cost"].sum().to_dict()
    assert set(got) == {k[0] for k in expected}
    assert all(abs(got[k[0]] - float(v)) < CENT for k, v in expected.items())


def missing_as_none(items):
    return [None if x is None or (isinstance(x, float) and x != x) else x for x in items]


@pytest.fixture
def athena(conn, billed, api_calls):
    conn.client("s3").create_bucket(Bucket="athena-results")
    cur.register_athena_table(conn, "workshop_cur", "cur_daily", billed["delivered"]["location"])
    cur.register_athena_table(
        conn, "workshop_cur", "cur_daily", billed["delivered"]["location"]
    )  # idempotent
    return cur_engines.AthenaRunner(
        conn, "workshop_cur", "cur_daily", "s3://athena-results/queries/", page_size=5
    )


def test_the_same_sql_runs_unchanged_on_athena(conn, billed, athena, api_calls):
    requests = []
    conn.session.events.register(
        "provide-client-params.athena.StartQueryExecution",
        lambda params, **_: requests.append(json.loads(json.dumps(params))),
    )
    for name in cur.QUERIES:
        api_calls.calls.clear()
        on_athena = athena.run(name, **values())
        on_duckdb = billed["duckdb"].run(name, **values())
        assert list(on_athena.columns) == list(on_duckdb.columns)
        assert len(on_athena) == len(on_duckdb)
        for column in on_duckdb.columns:
            left, right = list(on_duckdb[column]), list(on_athena[column])
            if on_duckdb[column].dtype.kind == "f":
                assert all(abs(a - b) < 1e-9 for a, b in zip(left, right, strict=True))
            elif column == "usage_date":
                assert [d.date() for d in left] == right
            else:
                assert missing_as_none(left) == missing_as_none(right)
        # polled until done, paged by page_size (header row on the first page)
        assert api_calls.count("GetQueryExecution") >= 3
        assert api_calls.count("GetQueryResults") == -(-(len(on_duckdb) + 1) // 5)
    request = requests[0]
    assert request["QueryString"] == cur.render("cost_by_tag", '"workshop_cur"."cur_daily"')
    assert request["QueryString"] == cur.render("cost_by_tag", billed["duckdb"].table)
    assert request["ExecutionParameters"] == [
        "'user_dept'",
        "'user_dept'",
        f"TIMESTAMP '{START} 00:00:00.000'",
        f"TIMESTAMP '{END} 00:00:00.000'",
    ]
    assert request["QueryExecutionContext"] == {"Database": "workshop_cur"}
    assert request["ResultConfiguration"] == {"OutputLocation": "s3://athena-results/queries/"}
    results = conn.client("s3").list_objects_v2(Bucket="athena-results")["Contents"]
    assert len(results) == len(cur.QUERIES) and all(o["Key"].endswith(".csv") for o in results)


def test_athena_failure_surfaces_the_reason(conn, athena):
    broken = cur.CurQuery("broken", "?", "SELECT no_such_column FROM {table}", ())
    with pytest.raises(WorkshopError) as excinfo:
        athena.run(broken, **values())
    assert "ended FAILED" in str(excinfo.value) and "no_such_column" in str(excinfo.value)


def test_athena_needs_an_output_location(conn, billed):
    from helpers.errors import AwsError

    runner = cur_engines.AthenaRunner(conn, "workshop_cur", "cur_daily", "")
    with pytest.raises(AwsError, match="No output location provided"):
        runner.run("cost_by_tag", **values())


def test_parameters_are_bound_not_pasted(billed):
    sneaky = "dept') OR 1=1 --"
    result = billed["duckdb"].run("cost_by_tag", **values(tag_key=sneaky))
    assert list(result["tag_value"]) == [cur.UNTAGGED]  # no such tag: everything untagged
    assert cur_engines.athena_literal("it's") == "'it''s'"
    with pytest.raises(InputError, match="not a plain table"):
        cur.table_name("cur; DROP TABLE x", "t")
    with pytest.raises(InputError, match="is empty"):
        cur.parameter_values("cost_by_tag", tag_key="dept", start=END, end=START)


def test_sql_uses_only_the_portable_subset():
    for query in cur.QUERIES.values():
        sql = query.sql
        assert "element_at" not in sql and "map_extract" not in sql
        assert sql.count("?") == len(query.parameters)
        assert "resource_tags[?]" not in sql or "contains(map_keys(resource_tags), ?)" in sql


def test_export_command_is_a_valid_create_export_request():
    import botocore.session

    command = cur.export_command("my-bucket", "cur", "bedrock-daily", "ap-northeast-1")
    payload = json.loads(command.split("--export '", 1)[1].rstrip("'"))
    # it names its columns (no SELECT *), the ones the stand-in writes, and the bucket's region
    statement = payload["DataQuery"]["QueryStatement"]
    assert "*" not in statement
    assert statement == f"SELECT {', '.join(cur_schema.NAMES)} FROM COST_AND_USAGE_REPORT"
    assert payload["DestinationConfigurations"]["S3Destination"]["S3Region"] == "ap-northeast-1"
    assert command.startswith("aws bcm-data-exports create-export --region us-east-1")
    shape = (
        botocore.session.get_session()
        .get_service_model("bcm-data-exports")
        .operation_model("CreateExport")
        .input_shape
    )
    report = ParamValidator().validate({"Export": payload}, shape)
    assert not report.has_errors(), report.generate_report()


def test_the_standin_writes_the_columns_the_export_asks_for():
    from helpers.offline.cur import schema

    assert tuple(schema().names) == cur_schema.NAMES


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-northeast-1"])
def test_bucket_region_is_the_buckets_own(conn, client, region):
    s3 = client("s3", region)
    name = f"cur-{region}"
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    assert cur.bucket_region(conn, name) == region


def test_bind_parameters_in_the_standin():
    from helpers.offline.athena import bind_parameters

    assert bind_parameters("SELECT '?' , ? , ?", ["1", "'a'"]) == "SELECT '?' , 1 , 'a'"
    with pytest.raises(ValueError):
        bind_parameters("SELECT ?", [])


def test_dates_are_checked():
    with pytest.raises(InputError, match="is not a date"):
        cur.parameter_values("daily_trend", tag_key="dept", start="yesterday", end=date.today())


def test_athena_query_that_takes_too_long_is_stopped(conn, billed, athena):
    slow = cur_engines.AthenaRunner(
        conn, "workshop_cur", "cur_daily", "s3://athena-results/queries/", timeout_seconds=0
    )
    with pytest.raises(WorkshopError, match="ended CANCELLED: no result within 0 s"):
        slow.run("cost_by_tag", **values())
    athena_client = conn.client("athena")
    latest = athena_client.list_query_executions()["QueryExecutionIds"][0]
    state = athena_client.get_query_execution(QueryExecutionId=latest)["QueryExecution"]["Status"]
    assert state["State"] == "CANCELLED"


# --- a re-export of the same size is copied again (issue 13, class 8) ----------------------
def put_parquet(client, key: str, cost: float) -> int:
    """A one-row CUR file in S3; files for different costs have the same size."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "line_item_resource_id": ["arn:aws:bedrock:us-east-1:123456789012:x"],
            "line_item_unblended_cost": [cost],
        }
    )
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="none")
    client("s3").put_object(Bucket="cur-same-size", Key=key, Body=sink.getvalue())
    return len(sink.getvalue())


def local_costs(files) -> list[float]:
    import pyarrow.parquet as pq

    return [pq.read_table(f)["line_item_unblended_cost"][0].as_py() for f in files]


def test_a_reexport_of_the_same_size_is_copied_again(conn, client, tmp_path):
    client("s3").create_bucket(Bucket="cur-same-size")
    keys = [f"cur/daily/data/BILLING_PERIOD=2026-{m}/daily-00001.snappy.parquet" for m in "01"]
    sizes = [put_parquet(client, key, 1.25) for key in keys]
    first = cur.download_export(conn, "cur-same-size", "cur/daily", tmp_path)
    assert local_costs(first) == [1.25, 1.25]
    stamps = [f.stat().st_mtime_ns for f in first]

    again = cur.download_export(conn, "cur-same-size", "cur/daily", tmp_path)  # unchanged
    assert [f.stat().st_mtime_ns for f in again] == stamps  # skipped, not copied again

    assert put_parquet(client, keys[1], 9.75) == sizes[1]  # a re-export, same size
    third = cur.download_export(conn, "cur-same-size", "cur/daily", tmp_path)
    assert local_costs(third) == [1.25, 9.75]
    assert third[0].stat().st_mtime_ns == stamps[0]  # the unchanged file is still skipped
    assert not list(tmp_path.glob("*.part"))


def test_a_local_file_changed_or_unrecorded_is_copied_again(conn, client, tmp_path):
    client("s3").create_bucket(Bucket="cur-same-size")
    key = "cur/daily/data/BILLING_PERIOD=2026-01/daily-00001.snappy.parquet"
    put_parquet(client, key, 1.25)
    (first,) = cur.download_export(conn, "cur-same-size", "cur/daily", tmp_path)
    (tmp_path / cur.MANIFEST).write_text("not json")  # a damaged record: copy again
    put_parquet(client, key, 2.5)
    (second,) = cur.download_export(conn, "cur-same-size", "cur/daily", str(tmp_path))
    assert local_costs([second]) == [2.5]


def test_an_empty_export_is_an_error_unless_allowed(conn, client, tmp_path):
    client("s3").create_bucket(Bucket="cur-empty")
    with pytest.raises(InputError, match="No Parquet files under s3://cur-empty/cur/daily"):
        cur.download_export(conn, "cur-empty", "cur/daily", tmp_path)
    assert cur.download_export(conn, "cur-empty", "cur/daily", tmp_path, allow_empty=True) == []
    with pytest.raises(InputError, match="No CUR Parquet files to query"):
        cur_engines.DuckDBRunner([])
    empty = cur_engines.DuckDBRunner([], empty=True)
    full_columns = {}
    for name in cur.QUERIES:
        result = empty.run(name, tag_key="dept", start=START, end=END)
        assert result.empty, name
        full_columns[name] = list(result.columns)
    assert full_columns["cost_by_tag"] == ["tag_value", "cost", "tokens"]


# --- account IDs masked in what 06 shows and writes, profile IDs kept (class 22) ------------
def test_query_results_are_masked_for_sharing(billed):
    import re

    by_profile = billed["duckdb"].run("cost_by_profile", **values())
    assert by_profile["profile_arn"].str.contains("123456789012").all()  # the query keeps them
    shown = masking.masked(by_profile, keep_resource_ids=True)
    assert not shown["profile_arn"].str.contains("123456789012").any()
    for arn, masked_arn in zip(by_profile["profile_arn"], shown["profile_arn"], strict=True):
        assert masked_arn == arn.replace(":123456789012:", ":********9012:")
        assert masked_arn.rsplit("/", 1)[1] == arn.rsplit("/", 1)[1]  # the profile ID stays
    assert shown.drop(columns="profile_arn").equals(by_profile.drop(columns="profile_arn"))
    untagged = masking.masked(
        billed["duckdb"].run("untagged_spend", **values()), keep_resource_ids=True
    )
    assert not any(re.search(r"\d{12}", str(v)) for v in untagged.to_numpy().ravel())


def test_masking_keeps_a_profile_id_made_of_digits():
    import pandas as pd

    account, other = "1111" + "22223333", "4444" + "55556666"  # no account IDs in the repository
    arn = f"arn:aws:bedrock:us-east-1:{account}:application-inference-profile/123456789012"
    frame = pd.DataFrame(
        {
            "resource": [arn, "(no inference profile)", None],
            "bill_payer_account_id": [account, other, None],
            "cost": [1.0, 2.0, 3.0],
        }
    )
    shown = masking.masked(frame, keep_resource_ids=True)
    assert shown.loc[0, "resource"] == (
        "arn:aws:bedrock:us-east-1:********3333:application-inference-profile/123456789012"
    )
    assert list(shown["bill_payer_account_id"][:2]) == ["********3333", "********6666"]
    assert shown["cost"].tolist() == [1.0, 2.0, 3.0]
    assert frame.loc[0, "resource"] == arn  # the input is left alone
