"""Issue 15's one-of-each pieces: error tolerance, the control client, masking, the CUR schema."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import pandas as pd
import pytest
from botocore.exceptions import ClientError

from helpers import alarms, cur, cur_engines, cur_schema, errors, masking
from helpers.errors import StandinError, WorkshopError
from helpers.offline import free_port, launcher
from tests import fake_servers
from tests.conftest import control

DOING = "delete the thing (svc:DeleteThing)"


def client_error(code: str, message: str = "AWS's text") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "DeleteThing")


def raise_(exc: Exception) -> None:
    raise exc


def retired(code: str, message: str) -> bool:
    return code == "ResourceNotFoundException" and "end of its life" not in message


# --- errors.explained(tolerate=...) -------------------------------------------------------------
# (tolerate, the error raised in the block (None: none), whether it is let pass)
TOLERANCE = {
    "no error": (("NotFound",), None, False),
    "a tolerated code": (("NotFound", "ResourceNotFound"), client_error("NotFound"), True),
    "the second of two": (("NotFound", "ResourceNotFound"), client_error("ResourceNotFound"), True),
    "one code as text": ("ConflictException", client_error("ConflictException"), True),
    "text is not letters": ("NotFoundException", client_error("NotFound"), False),
    "another code": (("NotFound",), client_error("AccessDeniedException"), False),
    "nothing tolerated": ((), client_error("NotFound"), False),
    "a test that passes": (retired, client_error("ResourceNotFoundException"), True),
    "a test that refuses": (
        retired,
        client_error("ResourceNotFoundException", "The model reached the end of its life"),
        False,
    ),
}


@pytest.mark.parametrize("case", TOLERANCE, ids=list(TOLERANCE))
def test_explained_lets_the_tolerated_codes_pass_and_explains_the_rest(case):
    tolerate, error, tolerated = TOLERANCE[case]
    if error is not None and not tolerated:
        with pytest.raises(WorkshopError) as excinfo, errors.explained(DOING, tolerate=tolerate):
            raise_(error)
        # the message is explain()'s, word for word, as before the helper existed
        assert str(excinfo.value) == str(errors.explain(error, DOING))
        assert excinfo.value.__cause__ is error
        return
    with errors.explained(DOING, tolerate=tolerate) as outcome:
        if error is not None:
            raise_(error)
    assert bool(outcome) is tolerated
    assert outcome.code == (error.response["Error"]["Code"] if error is not None else None)


def test_explained_stops_the_block_at_a_tolerated_error():
    after = []
    with errors.explained(DOING, tolerate=("NotFound",)) as gone:
        raise_(client_error("NotFound", "no such thing"))
        after.append("ran")  # never reached
    assert after == [] and gone.code == "NotFound" and gone.message == "no such thing"


def test_a_tolerance_does_not_swallow_what_is_not_an_aws_error():
    with pytest.raises(ZeroDivisionError), errors.explained(DOING, tolerate=("NotFound",)):
        raise_(ZeroDivisionError("a bug"))


# --- alarms.delete_alarms: an alarm already gone ------------------------------------------------
class FakeCloudWatch:
    """DeleteAlarms as AWS does it: a batch naming a missing alarm deletes nothing."""

    def __init__(self, existing: set[str]) -> None:
        self.existing = set(existing)
        self.calls: list[list[str]] = []

    def delete_alarms(self, AlarmNames: list[str]) -> dict:  # noqa: N803 - boto3's name
        self.calls.append(list(AlarmNames))
        missing = [n for n in AlarmNames if n not in self.existing]
        if missing:
            raise ClientError(
                {"Error": {"Code": "ResourceNotFound", "Message": f"{missing[0]} not found"}},
                "DeleteAlarms",
            )
        self.existing -= set(AlarmNames)
        return {}


def test_delete_alarms_counts_an_alarm_already_gone_as_done():
    cloudwatch = FakeCloudWatch({"workshop-a", "workshop-c"})
    plan = pd.DataFrame(
        {
            "alarm": ["workshop-a", "workshop-b", "workshop-c", "theirs"],
            "decision": ["delete", "delete", "delete", "keep"],
            "reason": ["", "", "", "not ours"],
        }
    )
    done = alarms.delete_alarms(SimpleNamespace(cloudwatch=cloudwatch), plan)
    assert list(done["result"]) == ["deleted", "already gone", "deleted", "kept"]
    assert cloudwatch.existing == set()
    assert cloudwatch.calls[0] == ["workshop-a", "workshop-b", "workshop-c"]


def test_delete_alarms_explains_any_other_refusal():
    class Refusing:
        def delete_alarms(self, AlarmNames):  # noqa: N803
            raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "DeleteAlarms")

    plan = pd.DataFrame({"alarm": ["workshop-a"], "decision": ["delete"], "reason": [""]})
    with pytest.raises(WorkshopError, match=r"Could not delete alarms \(cloudwatch:DeleteAlarms\)"):
        alarms.delete_alarms(SimpleNamespace(cloudwatch=Refusing()), plan)


# --- the one control-API client -----------------------------------------------------------------
def test_the_control_client_answers_refuses_and_names_what_is_wrong(endpoint):
    assert (
        launcher.control(endpoint, "GET", "/_standin/health")["service"]
        == "bedrock-workshop-standin"
    )
    assert launcher.control(endpoint + "/", "GET", "/_standin/state")["faults"] == {"active": False}
    with pytest.raises(launcher.ControlRefused) as refused:
        launcher.control(endpoint, "POST", "/_standin/faults", {"rate": 0.5, "error": "Nope"})
    assert refused.value.status == 400
    assert str(refused.value).startswith("The stand-in refused POST /_standin/faults: ")
    with pytest.raises(StandinError, match="is not answering") as silent:
        launcher.control(f"http://127.0.0.1:{free_port()}", "GET", "/_standin/state")
    assert "make standin" in silent.value.fix
    other_program = fake_servers.RawServer(fake_servers.http_answer("200 OK", b"[1]"))
    with other_program, pytest.raises(StandinError, match="is taken by another program"):
        launcher.control(other_program.endpoint, "GET", "/_standin/state")


def test_the_tests_use_the_same_client(endpoint, monkeypatch):
    seen = []
    real = launcher.control
    monkeypatch.setattr(launcher, "control", lambda *a, **k: seen.append(a[1:3]) or real(*a, **k))
    control(endpoint, "GET", "/_standin/state")
    assert seen == [("GET", "/_standin/state")]


# --- masking ------------------------------------------------------------------------------------
ACCOUNT = "1111" + "22223333"  # no account IDs in the repository
DIGIT_ID = "4444" + "55556666"  # a profile ID that happens to be 12 digits
ARN = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/{DIGIT_ID}"
MASKING = {
    # text: (masked everywhere, masked in ARN account fields only)
    ARN: (
        "arn:aws:bedrock:us-east-1:********3333:application-inference-profile/********6666",
        "arn:aws:bedrock:us-east-1:********3333:application-inference-profile/" + DIGIT_ID,
    ),
    f"account {ACCOUNT}": ("account ********3333", "account ********3333"),
    "1234567890123 is 13 digits": ("1234567890123 is 13 digits", "1234567890123 is 13 digits"),
}


@pytest.mark.parametrize("text", MASKING, ids=["arn", "bare account", "longer number"])
def test_one_masking_for_text_and_tables(text):
    everywhere, arn_accounts = MASKING[text]
    assert masking.mask_account_ids(text) == everywhere
    assert masking.mask_arn_accounts(text) == arn_accounts
    frame = pd.DataFrame({"text": [text], "n": [1]})
    assert masking.masked(frame).loc[0, "text"] == everywhere
    assert masking.masked(frame, keep_resource_ids=True).loc[0, "text"] == arn_accounts
    assert frame.loc[0, "text"] == text
    assert str(WorkshopError(text)) == everywhere  # messages are masked the same way


# --- one CUR schema, checked between the writer and the readers ---------------------------------
def athena_type(arrow: object) -> str:
    """An Arrow type as Athena names it: the words ``cur_schema`` uses."""
    import pyarrow as pa

    if pa.types.is_map(arrow):
        return f"map<{athena_type(arrow.key_type)},{athena_type(arrow.item_type)}>"
    if pa.types.is_timestamp(arrow):
        return "timestamp"
    return {"string": "string", "double": "double"}[str(arrow)]


def test_the_parquet_the_standin_writes_has_the_schemas_columns_and_types(
    conn, cfg, endpoint, client
):
    import pyarrow.parquet as pq

    from helpers import profiles

    profiles.ensure(conn, cfg)
    control(endpoint, "POST", "/_standin/backfill", {"days": 3, "seed": 1})
    delivered = control(
        endpoint,
        "POST",
        "/_standin/cur-export",
        {"bucket": "cur-schema", "prefix": "cur", "export_name": "daily"},
    )
    assert delivered["keys"]
    s3 = client("s3")
    for key in delivered["keys"]:
        body = s3.get_object(Bucket="cur-schema", Key=key)["Body"].read()
        written = pq.read_schema(io.BytesIO(body))
        assert tuple(written.names) == cur_schema.NAMES
        assert [athena_type(f.type) for f in written] == [kind for _, kind in cur_schema.COLUMNS]


SQL_WORDS = {
    "select", "as", "from", "where", "and", "or", "not", "group", "by", "order", "desc", "asc",
    "case", "when", "then", "else", "end", "like", "sum", "cast", "date", "date_trunc",
    "contains", "map_keys", "table",
}  # fmt: skip


def named_columns(sql: str) -> set[str]:
    """The identifiers a query reads, less SQL's words, its aliases and its string literals."""
    text = re.sub(r"'[^']*'", "''", sql.replace("{table}", ""))
    aliases = set(re.findall(r"\bAS\s+([A-Za-z_]\w*)", text, flags=re.IGNORECASE))
    words = set(re.findall(r"[A-Za-z_]\w*", text))
    return {w for w in words if w.lower() not in SQL_WORDS and w not in aliases}


def test_every_column_the_queries_read_is_in_the_schema():
    for query in cur.QUERIES.values():
        named = named_columns(query.sql)
        assert named, query.name
        assert named <= set(cur_schema.NAMES), (query.name, named - set(cur_schema.NAMES))
    # the check sees a column the schema does not have
    assert named_columns("SELECT line_item_usage_amout AS x FROM {table}") == {
        "line_item_usage_amout"
    }


def test_every_query_runs_on_a_table_of_exactly_the_schemas_columns():
    empty = cur_engines.DuckDBRunner([], empty=True)
    described = empty.connection.execute(f"DESCRIBE {empty.table}").fetchall()
    assert tuple(row[0] for row in described) == cur_schema.NAMES
    for name in cur.QUERIES:
        assert empty.run(name, tag_key="dept", start="2026-01-01", end="2026-02-01").empty
