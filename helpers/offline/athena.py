"""Athena that really runs queries, on DuckDB, over Parquet in the stand-in's S3.

moto's Athena returns canned results. Here StartQueryExecution records the query;
GetQueryExecution moves it QUEUED -> RUNNING -> SUCCEEDED (or FAILED, with the reason) one
step per poll, as a client sees a real query progress; the query runs on DuckDB over the
Parquet files at the Glue table's S3 location, with ``ExecutionParameters`` bound to its ``?``
placeholders as Athena does; GetQueryResults pages the rows (header row first, at most 1,000
per page) and the result CSV is written to the output location. Only SQL that DuckDB and
Athena (Trino) both accept gives the same answer in both places: that is the workshop's rule
for its CUR queries. Failure reasons are DuckDB's words, not Trino's.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from . import paging, validation
from .errors import ServiceException, ValidationException
from .moto_glue import (
    ActionResult,
    AthenaBackend,
    AthenaResponse,
    StandinBackend,
    glue_databases,
    glue_table_locations,
    s3_bucket_exists,
    s3_objects,
    s3_put_object,
    work_group_configuration,
)

MAX_PAGE = 1000
DUCKDB_TO_ATHENA = {
    "VARCHAR": "varchar",
    "DOUBLE": "double",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "BOOLEAN": "boolean",
    "HUGEINT": "bigint",
    "FLOAT": "float",
}


class InvalidRequestException(ServiceException):
    code = "InvalidRequestException"


@dataclass
class Query:
    query_id: str
    sql: str
    database: str | None
    catalog: str
    workgroup: str
    output_location: str | None
    parameters: list[str]
    submitted: datetime
    polls: int = 0
    state: str = "QUEUED"
    reason: str | None = None
    completed: datetime | None = None
    columns: list[tuple[str, str]] = field(default_factory=list)
    rows: list[list[str | None]] = field(default_factory=list)
    scanned_bytes: int = 0


def bind_parameters(sql: str, parameters: list[str]) -> str:
    """Put Athena's literal parameters in place of the ``?`` marks outside string literals."""
    out, index, in_string = [], 0, False
    for ch in sql:
        if ch == "'":
            in_string = not in_string
        if ch == "?" and not in_string:
            if index >= len(parameters):
                raise ValueError(
                    f"the query has more ? placeholders than the {len(parameters)} "
                    "ExecutionParameters given"
                )
            out.append(parameters[index])
            index += 1
        else:
            out.append(ch)
    if index != len(parameters):
        raise ValueError(f"{len(parameters)} ExecutionParameters given for {index} placeholders")
    return "".join(out)


def _s3_objects(account: str, location: str) -> list[bytes]:
    match = re.fullmatch(r"s3://([^/]+)/?(.*)", location)
    if not match:
        raise ValueError(f"table location {location} is not an s3:// URL")
    bucket, prefix = match[1], match[2]
    if not s3_bucket_exists(account, bucket):
        raise ValueError(f"the table's bucket {bucket} does not exist")
    return s3_objects(account, bucket, prefix, ".parquet")


def _value_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def run(account: str, region: str, query: Query) -> None:
    """Execute the query on DuckDB; fills columns and rows, or state FAILED with the reason."""
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        sql = bind_parameters(query.sql, query.parameters)
        con = duckdb.connect()
        known = glue_databases(account, region)
        # every table of the context database and of any database the SQL names ("db"."t")
        databases = {query.database} if query.database else set()
        databases |= {
            db for db in re.findall(r'"?([A-Za-z_]\w*)"?\s*\.\s*"?[A-Za-z_]', sql) if db in known
        }
        loaded = 0
        for database in sorted(d for d in databases if d in known):
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{database}"')
            for table, location in glue_table_locations(account, region, database):
                blobs = _s3_objects(account, location)
                if not blobs:
                    continue  # Athena reads an empty table; a query on it fails below
                data = pa.concat_tables([pq.read_table(io.BytesIO(b)) for b in blobs])
                alias = f"_{database}_{table}"
                con.register(alias, data)
                con.execute(f'CREATE VIEW "{database}"."{table}" AS SELECT * FROM "{alias}"')
                loaded += data.nbytes
        if query.database:
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{query.database}"')
            con.execute(f"SET search_path = '\"{query.database}\",main'")
        result = con.execute(sql)
        names = [d[0] for d in result.description]
        types = [
            DUCKDB_TO_ATHENA.get(str(d[1]).split("(")[0], "varchar") for d in result.description
        ]
        query.columns = list(zip(names, types, strict=True))
        query.rows = [[_value_text(v) for v in row] for row in result.fetchall()]
        query.scanned_bytes = loaded
        query.state = "SUCCEEDED"
    except Exception as exc:  # noqa: BLE001 - any failure is the query's FAILED state
        query.state = "FAILED"
        query.reason = f"Query failed on the offline stand-in (DuckDB): {exc}"
    query.completed = datetime.now(timezone.utc)


def _write_results(account: str, query: Query) -> None:
    match = re.fullmatch(r"s3://([^/]+)/?(.*)", query.output_location or "")
    if not match:
        return
    if not s3_bucket_exists(account, match[1]):
        query.state = "FAILED"
        query.reason = f"Unable to verify/create output bucket {match[1]}"
        return
    sink = io.StringIO()
    writer = csv.writer(sink, quoting=csv.QUOTE_ALL)
    writer.writerow([name for name, _ in query.columns])
    writer.writerows(query.rows)
    s3_put_object(
        account,
        match[1],
        f"{match[2].rstrip('/')}/{query.query_id}.csv".lstrip("/"),
        sink.getvalue().encode(),
    )


class StandinAthenaBackend(StandinBackend, AthenaBackend):
    MOTO_SERVICE = "athena"

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.queries: dict[str, Query] = {}


class StandinAthenaResponse(AthenaResponse):
    @property
    def athena_backend(self) -> StandinAthenaBackend:
        return super().athena_backend

    def _params(self) -> dict[str, Any]:
        return validation.request_params(self, "athena")

    def start_query_execution(self) -> ActionResult:
        params = self._params()
        workgroup_name = params.get("WorkGroup") or "primary"
        configuration = work_group_configuration(self.athena_backend, workgroup_name)
        if configuration is None:
            raise InvalidRequestException(f"WorkGroup {workgroup_name} is not found.")
        output = (params.get("ResultConfiguration") or {}).get("OutputLocation") or (
            configuration.get("ResultConfiguration") or {}
        ).get("OutputLocation")
        if not output:
            raise InvalidRequestException(
                "No output location provided. An output location is required either through "
                "the Workgroup result configuration setting or as an API input."
            )
        context = params.get("QueryExecutionContext") or {}
        query = Query(
            query_id=str(uuid.uuid4()),
            sql=params["QueryString"],
            database=context.get("Database"),
            catalog=context.get("Catalog", "AwsDataCatalog"),
            workgroup=workgroup_name,
            output_location=output.rstrip("/") + "/",
            parameters=list(params.get("ExecutionParameters") or []),
            submitted=datetime.now(timezone.utc),
        )
        with self.athena_backend.lock:
            self.athena_backend.queries[query.query_id] = query
        return ActionResult({"QueryExecutionId": query.query_id})

    def _query(self, query_id: str) -> Query:
        query = self.athena_backend.queries.get(query_id)
        if query is None:
            raise InvalidRequestException(f"QueryExecution {query_id} was not found")
        return query

    def get_query_execution(self) -> ActionResult:
        params = self._params()
        query = self._query(params["QueryExecutionId"])
        with self.athena_backend.lock:
            query.polls += 1  # the first poll sees QUEUED, the second RUNNING, the third the end
            if query.state == "QUEUED" and query.polls >= 2:
                query.state = "RUNNING"
            elif query.state == "RUNNING" and query.polls >= 3:
                run(self.current_account, self.region, query)
                if query.state == "SUCCEEDED":
                    _write_results(self.current_account, query)
        status: dict[str, Any] = {"State": query.state, "SubmissionDateTime": query.submitted}
        if query.completed:
            status["CompletionDateTime"] = query.completed
        if query.reason:
            status["StateChangeReason"] = query.reason
        execution: dict[str, Any] = {
            "QueryExecutionId": query.query_id,
            "Query": query.sql,
            "StatementType": "DML",
            "ResultConfiguration": {
                "OutputLocation": f"{query.output_location}{query.query_id}.csv"
            },
            "QueryExecutionContext": {
                k: v for k, v in (("Database", query.database), ("Catalog", query.catalog)) if v
            },
            "Status": status,
            "Statistics": {"DataScannedInBytes": query.scanned_bytes},
            "WorkGroup": query.workgroup,
        }
        if query.parameters:
            execution["ExecutionParameters"] = query.parameters
        return ActionResult({"QueryExecution": execution})

    def get_query_results(self) -> ActionResult:
        params = self._params()
        query = self._query(params["QueryExecutionId"])
        if query.state != "SUCCEEDED":
            raise InvalidRequestException(
                f"Query has not yet finished. Current state: {query.state}"
            )
        size = int(params.get("MaxResults") or MAX_PAGE)
        header = [[name for name, _ in query.columns]]
        everything = header + query.rows  # Athena's first row holds the column names
        page, following = paging.page(
            everything,
            size,
            params.get("NextToken"),
            invalid=InvalidRequestException("The NextToken is not valid."),
        )
        result: dict[str, Any] = {
            "UpdateCount": 0,
            "ResultSet": {
                "Rows": [
                    {"Data": [{} if v is None else {"VarCharValue": v} for v in row]}
                    for row in page
                ],
                "ResultSetMetadata": {
                    "ColumnInfo": [
                        {
                            "CatalogName": "hive",
                            "SchemaName": "",
                            "TableName": "",
                            "Name": name,
                            "Label": name,
                            "Type": kind,
                            "Precision": 0,
                            "Scale": 0,
                            "Nullable": "UNKNOWN",
                            "CaseSensitive": kind == "varchar",
                        }
                        for name, kind in query.columns
                    ]
                },
            },
        }
        if following:
            result["NextToken"] = following
        return ActionResult(result)

    def list_query_executions(self) -> ActionResult:
        params = self._params()
        workgroup = params.get("WorkGroup") or "primary"
        ids = [
            q.query_id
            for q in sorted(
                self.athena_backend.queries.values(), key=lambda q: q.submitted, reverse=True
            )
            if q.workgroup == workgroup
        ]
        return ActionResult(
            paging.listing(
                "QueryExecutionIds",
                ids,
                params.get("MaxResults") or 50,
                params.get("NextToken"),
                invalid=ValidationException("The nextToken provided is invalid."),
            )
        )

    def stop_query_execution(self) -> ActionResult:
        params = self._params()
        query = self._query(params["QueryExecutionId"])
        with self.athena_backend.lock:
            if query.state in ("QUEUED", "RUNNING"):
                query.state = "CANCELLED"
                query.completed = datetime.now(timezone.utc)
        return ActionResult({})
