"""The engines that run ``cur.QUERIES``: DuckDB over the export's Parquet files, and Athena.

    runner = cur_engines.DuckDBRunner(files, "cur", "cur_daily")
    runner.run("cost_by_tag", tag_key="dept", start="2026-01-01", end="2026-02-01")

Both take the same query and the same values and return a DataFrame; the SQL and the values
bound to its placeholders come from ``helpers/cur.py``, the columns from ``cur_schema``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cur_schema
from .cur import CurQuery, parameter_values, query_named, render, table_name
from .errors import InputError, WorkshopError, explained
from .i18n import _

if TYPE_CHECKING:
    import pandas as pd

    from .aws import Connection


def athena_literal(value: Any) -> str:
    """An Athena ExecutionParameters entry: the value as a SQL literal, quotes escaped."""
    if isinstance(value, datetime):
        return f"TIMESTAMP '{value:%Y-%m-%d %H:%M:%S.000}'"
    if isinstance(value, date):
        return f"DATE '{value:%Y-%m-%d}'"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


# Athena's column types in DuckDB's words, for an empty CUR table
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "timestamp": "TIMESTAMP",
    "double": "DOUBLE",
    "map<string,string>": "MAP(VARCHAR, VARCHAR)",
}


class DuckDBRunner:
    """The queries on DuckDB over CUR Parquet files, under the same table name as on Athena.

    ``files=[]`` needs ``empty=True``: an empty CUR table with the export's columns, so every
    query runs and returns no rows (no usage yet); with ``caller_identity`` it has the
    ``line_item_iam_principal`` column too, so ``cur.CALLER_QUERIES`` run on it.
    """

    def __init__(
        self,
        files: list[Path],
        database: str = "cur",
        table: str = "cur_bedrock",
        empty: bool = False,
        caller_identity: bool = False,
    ):
        import duckdb

        if not files and not empty:
            raise InputError(
                _("No CUR Parquet files to query."),
                _("download the export first (cur.download_export)."),
            )
        self.table = table_name(database, table)
        self.connection = duckdb.connect()
        self.connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{database}"')
        if not files:
            columns = ", ".join(
                f"{n} {DUCKDB_TYPES[t]}" for n, t in cur_schema.columns(caller_identity)
            )
            self.connection.execute(f"CREATE TABLE {self.table} ({columns})")
            return
        listed = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
        self.connection.execute(
            f"CREATE VIEW {self.table} AS SELECT * FROM read_parquet([{listed}], "
            "union_by_name = true)"
        )

    def run(self, query: CurQuery | str, **values: Any) -> pd.DataFrame:
        sql = render(query, self.table)
        return self.connection.execute(sql, parameter_values(query, **values)).df()


ATHENA_TYPES: dict[str, Callable[[str], Any]] = {
    "double": float,
    "float": float,
    "bigint": int,
    "integer": int,
    "date": date.fromisoformat,
    "boolean": lambda v: v == "true",
}


class AthenaRunner:
    """The queries on Athena: start, poll with back-off, page through the results."""

    def __init__(
        self,
        conn: Connection,
        database: str,
        table: str,
        output_location: str,
        workgroup: str = "primary",
        timeout_seconds: float = 600.0,
        page_size: int = 1000,
    ) -> None:
        self.conn = conn
        self.database = database
        self.table = table_name(database, table)
        self.output_location = output_location
        self.workgroup = workgroup
        self.timeout_seconds = timeout_seconds
        self.page_size = page_size
        self.first_poll = 0.01 if conn.offline else 0.5
        self.written: list[str] = []  # the S3 objects Athena wrote results to (record_results)

    def run(self, query: CurQuery | str, **values: Any) -> pd.DataFrame:
        import pandas as pd

        chosen = query_named(query)
        athena = self.conn.client("athena")
        request: dict[str, Any] = {
            "QueryString": render(chosen, self.table),
            "QueryExecutionContext": {"Database": self.database},
            "ResultConfiguration": {"OutputLocation": self.output_location},
            "WorkGroup": self.workgroup,
        }
        literals = [athena_literal(v) for v in parameter_values(chosen, **values)]
        if literals:  # Athena refuses an empty list
            request["ExecutionParameters"] = literals
        with explained(
            _("start the Athena query {name} (athena:StartQueryExecution)").format(name=chosen.name)
        ):
            query_id = athena.start_query_execution(**request)["QueryExecutionId"]
        state, reason = self._wait(athena, query_id, chosen.name)
        if state != "SUCCEEDED":
            raise WorkshopError(
                _("The Athena query {name} ended {state}: {reason}").format(
                    name=chosen.name, state=state, reason=reason
                ),
                _(
                    "read the reason; the SQL is in cur.QUERIES, and the table must exist "
                    "(cur.register_athena_table)."
                ),
            )
        columns: list[tuple[str, str]] = []
        rows: list[list[Any]] = []
        with explained(
            _("read the results of {name} (athena:GetQueryResults)").format(name=chosen.name)
        ):
            pages = athena.get_paginator("get_query_results").paginate(
                QueryExecutionId=query_id, PaginationConfig={"PageSize": self.page_size}
            )
            for number, page in enumerate(pages):
                if not columns:
                    columns = [
                        (c["Name"], c["Type"])
                        for c in page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
                    ]
                data = page["ResultSet"]["Rows"][1:] if number == 0 else page["ResultSet"]["Rows"]
                for row in data:
                    rows.append(
                        [
                            self._convert(cell.get("VarCharValue"), kind)
                            for cell, (_, kind) in zip(row["Data"], columns, strict=True)
                        ]
                    )
        return pd.DataFrame(rows, columns=[name for name, _ in columns])

    @staticmethod
    def _convert(value: str | None, kind: str) -> Any:
        if value is None:
            return None
        return ATHENA_TYPES.get(kind, str)(value)

    def _wait(self, athena: Any, query_id: str, name: str) -> tuple[str, str]:
        pause = self.first_poll
        deadline = time.monotonic() + self.timeout_seconds
        while True:
            with explained(
                _("follow the Athena query {name} (athena:GetQueryExecution)").format(name=name)
            ):
                execution = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
            status = execution["Status"]
            written = execution.get("ResultConfiguration", {}).get("OutputLocation")
            if written and written not in self.written:
                self.written.append(written)
            if status["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
                return status["State"], status.get("StateChangeReason", "")
            if time.monotonic() > deadline:
                athena.stop_query_execution(QueryExecutionId=query_id)
                return "CANCELLED", _("no result within {timeout_seconds:.0f} s").format(
                    timeout_seconds=self.timeout_seconds
                )
            time.sleep(pause)
            pause = min(pause * 2, 5.0)
