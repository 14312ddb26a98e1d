"""Cost and Usage Report 2.0 (Data Exports) queries, written once, run on DuckDB or Athena.

CUR 2.0 has a line item per usage type, resource and hour or day. Application inference profiles
appear with their ARN in ``line_item_resource_id`` and their active cost allocation tags in the
``resource_tags`` map, as ``user_<key>``. The SQL below uses only what both DuckDB (on a laptop,
over the export's Parquet files) and Athena (Trino, at organisation scale) accept, so an analyst
writes a query once. Values are bound to ``?`` placeholders, never pasted into the SQL text;
table names are checked identifiers.

Two portability rules it follows: a map lookup for a key that may be missing is written
``CASE WHEN contains(map_keys(m), k) THEN m[k] END`` (Trino's ``m[k]`` fails on a missing key,
DuckDB's ``element_at`` returns a list); and grouping uses ordinals (``GROUP BY 1, 2``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import cur_schema, dates, ownership
from .errors import InputError, explained
from .i18n import _

if TYPE_CHECKING:
    import pandas as pd

    from .aws import Connection
    from .config import WorkshopConfig

PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")

# Bedrock token usage, by the usage-type names AWS documents: "*-input-tokens",
# "*-output-tokens", cache-token types, and Marketplace "…InputTokenCount-Units".
TOKEN_LINES = (
    "(line_item_usage_type LIKE '%input-token%' OR line_item_usage_type LIKE "
    "'%output-token%' OR line_item_usage_type LIKE '%InputTokenCount%' OR "
    "line_item_usage_type LIKE '%OutputTokenCount%')"
)
INPUT_LINES = (
    "(line_item_usage_type LIKE '%input-token%' OR line_item_usage_type LIKE '%InputTokenCount%')"
)
UNTAGGED = "(untagged)"  # as analysis.UNTAGGED and costs.UNTAGGED: spend with no tag value
TAG_VALUE = (
    f"CASE WHEN contains(map_keys(resource_tags), ?) THEN resource_tags[?] ELSE '{UNTAGGED}' END"
)
PRODUCT_NAME = (
    "CASE WHEN contains(map_keys(product), 'product_name') THEN product['product_name'] END"
)
IN_PERIOD = "line_item_usage_start_date >= ? AND line_item_usage_start_date < ?"
USAGE = "line_item_line_item_type = 'Usage'"


@dataclass(frozen=True)
class CurQuery:
    name: str
    question: str
    sql: str  # "{table}" stands for the CUR table
    parameters: tuple[str, ...]  # what each "?" is, in order: tag, start or end


QUERIES = {
    q.name: q
    for q in [
        CurQuery(
            "cost_by_tag",
            "What did each value of the cost allocation tag spend?",
            f"""SELECT {TAG_VALUE} AS tag_value,
       SUM(line_item_unblended_cost) AS cost,
       SUM(line_item_usage_amount) AS tokens
FROM {{table}}
WHERE {USAGE} AND {IN_PERIOD} AND {TOKEN_LINES}
GROUP BY 1
ORDER BY cost DESC, tag_value""",
            ("tag", "tag", "start", "end"),
        ),
        CurQuery(
            "cost_by_profile",
            "What did each application inference profile spend, in tokens?",
            f"""SELECT line_item_resource_id AS profile_arn,
       {TAG_VALUE} AS tag_value,
       SUM(CASE WHEN {INPUT_LINES} THEN line_item_usage_amount ELSE 0 END) AS input_tokens,
       SUM(CASE WHEN {INPUT_LINES} THEN 0 ELSE line_item_usage_amount END) AS output_tokens,
       SUM(line_item_unblended_cost) AS cost
FROM {{table}}
WHERE {USAGE} AND {IN_PERIOD} AND {TOKEN_LINES}
  AND line_item_resource_id LIKE 'arn:aws%:bedrock:%:application-inference-profile/%'
GROUP BY 1, 2
ORDER BY cost DESC, profile_arn""",
            ("tag", "tag", "start", "end"),
        ),
        CurQuery(
            "cost_by_model",
            "Which models and usage types does the money go to?",
            f"""SELECT {PRODUCT_NAME} AS product_name,
       line_item_usage_type AS usage_type,
       SUM(line_item_usage_amount) AS tokens,
       SUM(line_item_unblended_cost) AS cost
FROM {{table}}
WHERE {USAGE} AND {IN_PERIOD} AND {TOKEN_LINES}
GROUP BY 1, 2
ORDER BY cost DESC, usage_type""",
            ("start", "end"),
        ),
        CurQuery(
            "daily_trend",
            "How did each tag value's cost move day by day?",
            f"""SELECT CAST(date_trunc('day', line_item_usage_start_date) AS DATE) AS usage_date,
       {TAG_VALUE} AS tag_value,
       SUM(line_item_unblended_cost) AS cost
FROM {{table}}
WHERE {USAGE} AND {IN_PERIOD} AND {TOKEN_LINES}
GROUP BY 1, 2
ORDER BY usage_date, tag_value""",
            ("tag", "tag", "start", "end"),
        ),
        CurQuery(
            "untagged_spend",
            "Which spend carries no value of the tag, and where does it come from?",
            f"""SELECT {PRODUCT_NAME} AS product_name,
       line_item_usage_type AS usage_type,
       CASE WHEN line_item_resource_id = '' THEN '(no inference profile)'
            ELSE line_item_resource_id END AS resource,
       SUM(line_item_unblended_cost) AS cost
FROM {{table}}
WHERE {USAGE} AND {IN_PERIOD} AND {TOKEN_LINES}
  AND NOT contains(map_keys(resource_tags), ?)
GROUP BY 1, 2, 3
ORDER BY cost DESC, usage_type, resource""",
            ("start", "end", "tag"),
        ),
    ]
}


# Queries of an export with caller identity only (``line_item_iam_principal``): not in QUERIES,
# which every export answers (06 runs them all).
PRINCIPAL = "COALESCE(line_item_iam_principal, '')"
CALLER_QUERIES = {
    q.name: q
    for q in [
        CurQuery(
            "cost_by_tag_and_caller",
            "What did each value of the tag spend, and which IAM principal made the calls?",
            f"""SELECT {TAG_VALUE} AS tag_value,
       {PRINCIPAL} AS principal,
       SUM(line_item_unblended_cost) AS cost,
       SUM(line_item_usage_amount) AS tokens
FROM {{table}}
WHERE {USAGE} AND {IN_PERIOD} AND {TOKEN_LINES}
GROUP BY 1, 2
ORDER BY tag_value, cost DESC, principal""",
            ("tag", "tag", "start", "end"),
        ),
        CurQuery(
            "caller_lines",
            "Which IAM principal used which usage type on which day (one line each)?",
            f"""SELECT CAST(date_trunc('day', line_item_usage_start_date) AS DATE) AS usage_date,
       {PRINCIPAL} AS principal,
       line_item_usage_type AS usage_type,
       line_item_resource_id AS resource,
       COUNT(*) AS lines,
       SUM(line_item_usage_amount) AS tokens,
       SUM(line_item_unblended_cost) AS cost
FROM {{table}}
WHERE {USAGE} AND {IN_PERIOD} AND {TOKEN_LINES}
GROUP BY 1, 2, 3, 4
ORDER BY usage_date, principal, usage_type, resource""",
            ("start", "end"),
        ),
    ]
}


def table_name(database: str | None, table: str) -> str:
    """A quoted, checked table reference: ``"db"."table"`` (the same text in both engines)."""
    for part in (database, table):
        if part is not None and not IDENTIFIER.fullmatch(part):
            raise InputError(
                _("{part!r} is not a plain table or database name.").format(part=part),
                _("use letters, digits and underscores, starting with a letter."),
            )
    return f'"{database}"."{table}"' if database else f'"{table}"'


def query_named(query: CurQuery | str) -> CurQuery:
    """A query by name, from ``QUERIES`` or ``CALLER_QUERIES``; a ``CurQuery`` as it is."""
    if not isinstance(query, str):
        return query
    found = QUERIES.get(query) or CALLER_QUERIES.get(query)
    if found is None:
        raise InputError(
            _("No CUR query named {query!r}.").format(query=query),
            _("use one of: {value}, or pass a CurQuery.").format(
                value=", ".join([*QUERIES, *CALLER_QUERIES])
            ),
        )
    return found


def render(query: CurQuery | str, table: str) -> str:
    """The SQL of a query for a table reference made by ``table_name``."""
    chosen = query_named(query)
    return chosen.sql.format(table=table)


def _bound(value: date | datetime | str, name: str) -> datetime:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise InputError(
                _("{name} {value!r} is not a date.").format(name=name, value=value),
                _("use YYYY-MM-DD."),
            ) from None
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    return dates.utc_midnight(value).replace(tzinfo=None)  # CUR timestamps are UTC, unzoned


def parameter_values(
    query: CurQuery | str, *, tag_key: str, start: date | str, end: date | str
) -> list[Any]:
    """The values for a query's placeholders; ``end`` is exclusive, as in Cost Explorer."""
    chosen = query_named(query)
    first, last = _bound(start, "start"), _bound(end, "end")
    if last <= first:
        raise InputError(
            _(
                "The period {first:%Y-%m-%d} to {last:%Y-%m-%d} is empty: end is exclusive and "
                "must come after start."
            ).format(first=first, last=last),
            _("end the day after the last."),
        )
    if not tag_key:
        raise InputError(
            _("No tag key given."), _('pass the cost allocation tag key, e.g. "dept".')
        )
    values = {"tag": f"user_{tag_key}", "start": first, "end": last}
    return [values[name] for name in chosen.parameters]


def name_profiles(frame: pd.DataFrame, found: list[Any]) -> pd.DataFrame:
    """``cost_by_profile`` results with each profile's name and ID first, joined on the ARN.

    ``found`` are the account's application profiles (``profiles.all_application_profiles``);
    an ARN none of them has (a profile deleted since) is named ``(deleted)``, its ID read from
    the ARN. The full ARN stays, last.
    """
    by_arn = {p.arn: (p.name, p.profile_id) for p in found}
    named = frame.copy()
    pairs = [
        by_arn.get(arn, ("(deleted)", str(arn).rsplit("/", 1)[-1])) for arn in named["profile_arn"]
    ]
    named.insert(0, "profile", [name for name, _ in pairs])
    named.insert(1, "profile_id", [pid for _, pid in pairs])
    return named[[c for c in named.columns if c != "profile_arn"] + ["profile_arn"]]


# The names 06_cur_at_scale gives (its parameters), which 99_cleanup looks for
DEFAULT_DATABASE = "bedrock_workshop_cur"
DEFAULT_TABLE = "cur_daily"
RESULTS_PREFIX = "athena-results/"  # under the export's bucket, unless athena_output says else
RESULTS_RECORD = "athena-results.json"  # beside the local Parquet files: what Athena wrote


def glue_arn(conn: Connection, database: str, table: str | None = None) -> str:
    """The ARN of a Glue database, or of a table in it (what GetTags and TagResource take)."""
    from .catalog import load

    head = f"arn:{load().partition(conn.region)}:glue:{conn.region}:{conn.account}"
    return f"{head}:table/{database}/{table}" if table else f"{head}:database/{database}"


def _glue_tags(conn: Connection, arn: str) -> dict[str, str]:
    with explained(_("read the tags of {arn} (glue:GetTags)").format(arn=arn)):
        return dict(conn.client("glue").get_tags(ResourceArn=arn).get("Tags", {}))


def _not_ours(what: str, owner_tag: tuple[str, str], parameter: str) -> InputError:
    key, value = owner_tag
    return InputError(
        _(
            "The Glue {what} exists but is not the workshop's (no {key}={value} tag): it "
            "belongs to someone else, so the workshop neither changes it nor puts its table "
            "there."
        ).format(what=what, key=key, value=value),
        _(
            "give the workshop's another name ({parameter} in 06_cur_at_scale); the workshop "
            "never changes or deletes a Glue database or table it did not create."
        ).format(parameter=parameter),
    )


def register_athena_table(
    conn: Connection,
    database: str,
    table: str,
    location: str,
    owner_tag: tuple[str, str] | None = None,
    caller_identity: bool = False,
) -> str:
    """Create (or keep) the Glue database and CUR table Athena reads. Idempotent.

    The table is partitioned by billing period with partition projection, the layout Data
    Exports writes (``.../data/BILLING_PERIOD=YYYY-MM/``). With ``owner_tag``, both are
    tagged with it when created, and a database or table of the same name without it (someone
    else's) is refused, never changed. ``caller_identity`` adds the column of an export with
    caller identity, ``line_item_iam_principal``. Returns what was done, in words.
    """
    table_name(database, table)  # checks both names
    glue = conn.client("glue")
    location = location.rstrip("/") + "/"
    tags = {owner_tag[0]: owner_tag[1]} if owner_tag else {}
    done = []
    with explained(
        _("create the Glue database {database} (glue:CreateDatabase)").format(database=database),
        tolerate=("AlreadyExistsException",),
    ) as database_exists:
        glue.create_database(DatabaseInput={"Name": database}, **({"Tags": tags} if tags else {}))
    if not database_exists:
        done.append(_("created the database {database}").format(database=database))
    else:
        if owner_tag and not ownership.owns(_glue_tags(conn, glue_arn(conn, database)), owner_tag):
            raise _not_ours(f"database {database}", owner_tag, "athena_database")
        done.append(_("kept the database {database}").format(database=database))
    table_input = {
        "Name": table,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {
            "classification": "parquet",
            "projection.enabled": "true",
            "projection.billing_period.type": "date",
            "projection.billing_period.format": "yyyy-MM",
            "projection.billing_period.range": "2024-01,NOW",
            "projection.billing_period.interval": "1",
            "projection.billing_period.interval.unit": "MONTHS",
            "storage.location.template": location + "BILLING_PERIOD=${billing_period}/",
        },
        "PartitionKeys": [{"Name": "billing_period", "Type": "string"}],
        "StorageDescriptor": {
            "Columns": [{"Name": n, "Type": t} for n, t in cur_schema.columns(caller_identity)],
            "Location": location,
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE},
        },
    }
    with explained(
        _("create the Glue table {database}.{table} (glue:CreateTable)").format(
            database=database, table=table
        ),
        tolerate=("AlreadyExistsException",),
    ) as table_exists:
        glue.create_table(DatabaseName=database, TableInput=table_input)
    if table_exists:
        arn = glue_arn(conn, database, table)
        if owner_tag and not ownership.owns(_glue_tags(conn, arn), owner_tag):
            raise _not_ours(f"table {database}.{table}", owner_tag, "athena_table")
        with explained(
            _("update the Glue table {database}.{table} (glue:UpdateTable)").format(
                database=database, table=table
            )
        ):
            glue.update_table(DatabaseName=database, TableInput=table_input)
        done.append(_("updated the table {table}").format(table=table))
    else:
        if tags:  # CreateTable takes no tags: they are added right after
            with explained(
                _("tag the Glue table {database}.{table} (glue:TagResource)").format(
                    database=database, table=table
                )
            ):
                glue.tag_resource(ResourceArn=glue_arn(conn, database, table), TagsToAdd=tags)
        done.append(_("created the table {table}").format(table=table))
    return ", ".join(done)


def record_results(destination: Path | str, locations: list[str]) -> Path:
    """Add the S3 objects Athena wrote for the workshop's queries to ``athena-results.json``,
    so 99_cleanup deletes those objects and no others."""
    import json

    path = Path(destination) / RESULTS_RECORD
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
        known = known if isinstance(known, list) else []
    except (OSError, ValueError):
        known = []
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sorted(set(known) | set(locations)), indent=1), encoding="utf-8")
    return path


def _split_s3(uri: str) -> tuple[str, str]:
    bucket, _slash, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def cleanup_plan(
    conn: Connection,
    cfg: WorkshopConfig,
    database: str = DEFAULT_DATABASE,
    table: str = DEFAULT_TABLE,
    local_dir: Path | str | None = None,
) -> pd.DataFrame:
    """What 06_cur_at_scale left, and what to do with each: the Glue table and database (deleted
    when they carry the ownership tag; a database holding other tables is kept), the Athena
    result objects recorded in ``athena-results.json``, and the local Parquet copies.

    Columns: kind, name, decision, reason, and ``target`` (what the delete call takes).
    """
    import json

    import pandas as pd

    table_name(database, table)
    glue = conn.client("glue")
    owner = cfg.owner_tag
    rows: list[dict[str, Any]] = []

    def add(kind: str, name: str, decision: str, reason: str, target: Any = None) -> None:
        rows.append(
            {"kind": kind, "name": name, "decision": decision, "reason": reason, "target": target}
        )

    with explained(
        _("look up the Glue database {database} (glue:GetDatabase)").format(database=database),
        tolerate=("EntityNotFoundException",),
    ) as no_database:
        glue.get_database(Name=database)
    if not no_database:
        others: list[str] = []
        with explained(
            _("list the tables of the Glue database {database} (glue:GetTables)").format(
                database=database
            )
        ):
            for page in glue.get_paginator("get_tables").paginate(DatabaseName=database):
                others.extend(t["Name"] for t in page.get("TableList", []) if t["Name"] != table)
        table_owned = None
        with explained(
            _("look up the Glue table {database}.{table} (glue:GetTable)").format(
                database=database, table=table
            ),
            tolerate=("EntityNotFoundException",),
        ) as no_table:
            glue.get_table(DatabaseName=database, Name=table)
        if not no_table:
            table_owned = ownership.owns(_glue_tags(conn, glue_arn(conn, database, table)), owner)
        if table_owned is not None:
            add("Glue table", f"{database}.{table}", *ownership.decision(table_owned, owner))
        db_owned = ownership.owns(_glue_tags(conn, glue_arn(conn, database)), owner)
        decision, reason = ownership.decision(db_owned, owner)
        if decision == "delete" and others:
            decision, reason = (
                "keep",
                (
                    _(
                        "carries {owner}={owner2}, but also holds {others} other table(s) "
                        "({others2}): deleting it would delete them"
                    ).format(
                        owner=owner[0],
                        owner2=owner[1],
                        others=len(others),
                        others2=", ".join(sorted(others)[:5]),
                    )
                ),
            )
        add("Glue database", database, decision, reason)
    if local_dir is not None:
        folder = Path(local_dir)

        def shown(path: Path) -> str:  # inside the project: relative, as a reader finds it
            from .config import PROJECT_ROOT

            resolved = path.resolve()
            inside = resolved.is_relative_to(PROJECT_ROOT)
            return str(resolved.relative_to(PROJECT_ROOT)) if inside else str(path)

        record = folder / RESULTS_RECORD
        try:
            recorded = json.loads(record.read_text(encoding="utf-8")) if record.exists() else []
        except ValueError:
            recorded = []
        for uri in recorded if isinstance(recorded, list) else []:
            add(
                "Athena result",
                uri,
                "delete",
                _("written by Athena for one of the workshop's queries (athena-results.json)"),
                uri,
            )
        for path in sorted(folder.glob("*/*.parquet")) if folder.is_dir() else []:
            add(
                "local file",
                shown(path),
                "delete",
                _("a local copy of a CUR export (06 Step 3, 08 Step 9)"),
                path,
            )
        if record.exists():
            add(
                "local file",  # a kind is a key (delete_one, _CLEANUP_ACTIONS): never translated
                shown(record),
                "delete",
                _("the record of Athena's result files"),
                record,
            )
        for manifest in sorted(folder.glob(f"*/{MANIFEST}")) if folder.is_dir() else []:
            add(
                "local file",
                shown(manifest),
                "delete",
                _("what 06 or 08 copied from S3, and when"),
                manifest,
            )
    return pd.DataFrame(rows, columns=["kind", "name", "decision", "reason", "target"])


def cleanup(conn: Connection, plan: pd.DataFrame, database: str) -> pd.DataFrame:
    """Carry out a ``cleanup_plan``; returns it with a ``result`` column (without ``target``)."""
    from . import ownership

    glue, s3 = conn.client("glue"), conn.client("s3")

    def delete_one(row: Any) -> None:
        if row.kind == "Glue table":
            glue.delete_table(DatabaseName=database, Name=row.name.split(".", 1)[1])
        elif row.kind == "Glue database":
            glue.delete_database(Name=row.name)
        elif row.kind == "Athena result":
            bucket, key = _split_s3(row.target)
            for each in (key, key + ".metadata"):  # the result, and Athena's file beside it
                s3.delete_object(Bucket=bucket, Key=each)
        elif row.kind == "local file":
            Path(row.target).unlink(missing_ok=True)

    done = ownership.delete_planned(
        plan,
        delete_one,
        ("EntityNotFoundException", "NoSuchBucket"),  # already gone: done
        lambda row: _("delete the {kind} {name} ({action})").format(
            kind=row.kind, name=row.name, action=_CLEANUP_ACTIONS[row.kind]
        ),
    )
    return done.drop(columns=["target"])


_CLEANUP_ACTIONS = {
    "Glue table": "glue:DeleteTable",
    "Glue database": "glue:DeleteDatabase",
    "Athena result": "s3:DeleteObject",
    "local file": "a local file",
}


MANIFEST = "downloaded.json"  # in the destination: what each local file was copied from


def _version(item: dict[str, Any]) -> dict[str, str | int]:
    """What identifies one version of an S3 object: its ETag, last change and size."""
    return {
        "etag": str(item.get("ETag", "")),
        "last_modified": str(item.get("LastModified", "")),
        "size": int(item.get("Size", -1)),
    }


def download_export(
    conn: Connection, bucket: str, prefix: str, destination: Path | str, allow_empty: bool = False
) -> list[Path]:
    """Copy an export's Parquet files from S3 to a local folder (skipping unchanged ones).

    A file is unchanged when its ETag and LastModified are those recorded when it was copied
    (in ``downloaded.json``): a re-export of the same size is still copied again. No files is
    an error unless ``allow_empty`` (an export of no usage).
    """
    import json
    import os

    s3 = conn.client("s3")
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    manifest_path = destination / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            manifest = {}
    except (OSError, ValueError):
        manifest = {}  # none yet, or unreadable: copy everything again
    files = []
    with explained(
        _("read the CUR export at s3://{bucket}/{prefix} (s3:ListBucket, s3:GetObject)").format(
            bucket=bucket, prefix=prefix
        )
    ):
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix.strip("/")
        ):
            for item in page.get("Contents", []):
                if not item["Key"].endswith(".parquet"):
                    continue
                target = destination / item["Key"].replace("/", "__")
                version = _version(item)
                if not target.exists() or manifest.get(target.name) != version:
                    partial = target.with_name(target.name + ".part")
                    s3.download_file(bucket, item["Key"], str(partial))
                    os.replace(partial, target)  # never a half-written file under the name
                    manifest[target.name] = version
                    manifest_path.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
                files.append(target)
    if not files and not allow_empty:
        raise InputError(
            _("No Parquet files under s3://{bucket}/{prefix}.").format(
                bucket=bucket, prefix=prefix
            ),
            _(
                "check the bucket and prefix of the Data Export; the first delivery arrives "
                "within 24 hours of creating it."
            ),
        )
    return sorted(files)


def bucket_region(conn: Connection, bucket: str) -> str:
    """The region a bucket lives in (GetBucketLocation), which the export must name."""
    with explained(
        _("find the region of the bucket {bucket} (s3:GetBucketLocation)").format(bucket=bucket)
    ):
        found = conn.client("s3").get_bucket_location(Bucket=bucket).get("LocationConstraint")
    # us-east-1 answers no constraint; the oldest eu-west-1 buckets answer "EU"
    return {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(found, found)


def export_command(
    bucket: str,
    prefix: str,
    export_name: str,
    bucket_region: str,
    include_caller_identity: bool = False,
) -> str:
    """The AWS CLI command that creates a daily CUR 2.0 export with resource tags, as Parquet.

    Data Exports is called in us-east-1 whatever the bucket's region; ``S3Region`` is the
    bucket's own region (see ``bucket_region``). ``include_caller_identity`` is the console's
    "Include caller identity (IAM principal) allocation data": the table property
    INCLUDE_IAM_PRINCIPAL_DATA and the ``line_item_iam_principal`` column.
    """
    import json

    table = {
        "TIME_GRANULARITY": "DAILY",
        "INCLUDE_RESOURCES": "TRUE",
        "INCLUDE_SPLIT_COST_ALLOCATION_DATA": "FALSE",
        "INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY": "FALSE",
    }
    if include_caller_identity:
        table["INCLUDE_IAM_PRINCIPAL_DATA"] = "TRUE"
    columns = cur_schema.names(include_caller_identity)

    export = {
        "Name": export_name,
        "DataQuery": {
            "QueryStatement": f"SELECT {', '.join(columns)} FROM COST_AND_USAGE_REPORT",
            "TableConfigurations": {"COST_AND_USAGE_REPORT": table},
        },
        "DestinationConfigurations": {
            "S3Destination": {
                "S3Bucket": bucket,
                "S3Prefix": prefix,
                "S3Region": bucket_region,
                "S3OutputConfigurations": {
                    "OutputType": "CUSTOM",
                    "Format": "PARQUET",
                    "Compression": "PARQUET",
                    "Overwrite": "OVERWRITE_REPORT",
                },
            }
        },
        "RefreshCadence": {"Frequency": "SYNCHRONOUS"},
    }
    return (
        "aws bcm-data-exports create-export --region us-east-1 \\\n"
        f"  --export '{json.dumps(export, ensure_ascii=False)}'"
    )
