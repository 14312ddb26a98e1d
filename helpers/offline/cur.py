"""CUR 2.0 (Data Exports) from the stand-in's usage ledger, delivered to its S3 as Parquet.

A real Data Export writes Parquet files to S3 under
``s3://BUCKET/PREFIX/EXPORT/data/BILLING_PERIOD=YYYY-MM/``; this does the same with the usage
the stand-in recorded (backfilled history included): one row per usage type, resource and day,
costs from the same price table as Cost Explorer, so both agree to the cent. Only the columns
the workshop's queries read are written, with CUR 2.0's names and types. As in CUR, a tag
appears in ``resource_tags`` (as ``user_<key>``) only once it is an active cost allocation tag.
Marketplace product codes are opaque listing IDs on a real bill; the stand-in makes up stable
ones.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from helpers import cur_schema, dates

AMAZON_PRODUCT_CODE = "AmazonBedrock"


def marketplace_product_code(service: str) -> str:
    """A stable 25-character code standing in for a Marketplace listing's product code."""
    digest = hashlib.sha256(service.encode()).digest()
    return base64.b32encode(digest).decode().lower()[:25]


def schema(caller_identity: bool = False):
    """The Parquet schema of the export: ``helpers.cur_schema``'s columns, in Arrow's types."""
    import pyarrow as pa

    arrow = {
        "string": pa.string(),
        "timestamp": pa.timestamp("ms"),
        "double": pa.float64(),
        "map<string,string>": pa.map_(pa.string(), pa.string()),
    }
    return pa.schema([(name, arrow[kind]) for name, kind in cur_schema.columns(caller_identity)])


def _month(day: datetime) -> tuple[datetime, datetime]:
    return dates.month_start(day), dates.next_month_start(day)


def _active_tags(line, tag_value, caller_identity: bool) -> tuple[tuple[str, str], ...]:
    """The line's active cost allocation tags as the export's tag map holds them: resource tags
    as ``user_<key>``; with caller identity, principal tags as ``iamPrincipal/<key>``."""
    tags = [(f"user_{k}", v) for k, v in line.tags if tag_value(line, k) is not None]
    if caller_identity:
        tags += [
            (k, v) for k, v in line.cost_tags[len(line.tags) :] if tag_value(line, k) is not None
        ]
    return tuple(sorted(tags))


def rows_by_period(lines, tag_value, caller_identity: bool = False) -> dict[str, list[dict]]:
    """CUR rows per billing period ("YYYY-MM"), one per usage type, resource and day (and, with
    ``caller_identity``, per calling principal)."""
    daily: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0)])
    for line, quantity in lines:
        active = _active_tags(line, tag_value, caller_identity)
        key = (
            line.start.date(),
            line.account,
            line.region,
            line.service,
            line.usage_type,
            line.resource_id,
            line.principal if caller_identity else None,
            active,
        )
        bucket = daily[key]
        bucket[0] += quantity
        bucket[1] += line.unit_price * quantity
    out: dict[str, list[dict]] = defaultdict(list)
    for (day, account, region, service, usage_type, resource, principal, tags), (
        qty,
        cost,
    ) in sorted(daily.items()):
        start = dates.utc_midnight(day).replace(tzinfo=None)  # CUR's timestamps carry no zone
        period_start, period_end = _month(start)
        marketplace = service != "Amazon Bedrock"
        code = marketplace_product_code(service) if marketplace else AMAZON_PRODUCT_CODE
        row = {
            "bill_billing_entity": "AWS Marketplace" if marketplace else "AWS",
            "bill_billing_period_start_date": period_start,
            "bill_billing_period_end_date": period_end,
            "bill_payer_account_id": account,
            "line_item_line_item_type": "Usage",
            "line_item_usage_account_id": account,
            "line_item_usage_start_date": start,
            "line_item_usage_end_date": start + timedelta(days=1),
            "line_item_product_code": code,
            "line_item_usage_type": usage_type,
            "line_item_resource_id": resource,
            "line_item_usage_amount": float(qty),
            "line_item_unblended_cost": float(cost),
            "line_item_blended_cost": float(cost),
            "line_item_currency_code": "USD",
            "product_servicecode": code,
            "product_region_code": region,
            "product": [("product_name", service)],
            "resource_tags": list(tags),
        }
        if caller_identity:
            row["line_item_iam_principal"] = principal
        out[f"{start:%Y-%m}"].append(row)
    return out


def parquet_bytes(rows: list[dict], caller_identity: bool = False) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows, schema=schema(caller_identity))
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="snappy")
    return sink.getvalue()


def export(
    account: str,
    region: str,
    bucket: str,
    prefix: str,
    export_name: str,
    caller_identity: bool = False,
) -> dict:
    """Write the account's usage as CUR 2.0 Parquet to the stand-in's S3 (bucket made if needed).

    ``caller_identity`` is the export's "Include caller identity (IAM principal) allocation
    data" (INCLUDE_IAM_PRINCIPAL_DATA): a row per principal, its ARN and its active tags.
    """
    # moto loads with the stand-in; the CUR schema and rows above are read without it
    from .accounts import account_state
    from .moto_glue import ce_backend, s3_bucket_exists, s3_create_bucket, s3_put_object

    if not s3_bucket_exists(account, bucket):
        s3_create_bucket(account, bucket, region)
    lookup = ce_backend(account).tag_lookup()
    everything = account_state(account).ledger.lines(
        datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc)
    )
    periods = rows_by_period(everything, lookup, caller_identity)
    base = "/".join(p for p in (prefix.strip("/"), export_name, "data") if p)
    keys = []
    for period, rows in sorted(periods.items()):
        key = f"{base}/BILLING_PERIOD={period}/{export_name}-00001.snappy.parquet"
        s3_put_object(account, bucket, key, parquet_bytes(rows, caller_identity))
        keys.append(key)
    return {
        "bucket": bucket,
        "keys": keys,
        "rows": sum(len(r) for r in periods.values()),
        "periods": sorted(periods),
        "location": f"s3://{bucket}/{base}/",
    }
