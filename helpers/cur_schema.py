"""The CUR 2.0 columns the workshop reads and the stand-in writes: names and types, as data.

One list for all three: the export's QueryStatement (``cur.export_command``), the Glue table
Athena reads (``cur.register_athena_table``), DuckDB's empty table (``cur_engines``), and the
Parquet files the offline stand-in delivers (``helpers/offline/cur.py``). Types are Athena's
(Glue's) words; each engine maps them to its own. An export with caller identity adds one
column (``columns(caller_identity=True)``).
"""

from __future__ import annotations

# (column, Athena type), in the export's order
COLUMNS: tuple[tuple[str, str], ...] = (
    ("bill_billing_entity", "string"),
    ("bill_billing_period_start_date", "timestamp"),
    ("bill_billing_period_end_date", "timestamp"),
    ("bill_payer_account_id", "string"),
    ("line_item_line_item_type", "string"),
    ("line_item_usage_account_id", "string"),
    ("line_item_usage_start_date", "timestamp"),
    ("line_item_usage_end_date", "timestamp"),
    ("line_item_product_code", "string"),
    ("line_item_usage_type", "string"),
    ("line_item_resource_id", "string"),
    ("line_item_usage_amount", "double"),
    ("line_item_unblended_cost", "double"),
    ("line_item_blended_cost", "double"),
    ("line_item_currency_code", "string"),
    ("product_servicecode", "string"),
    ("product_region_code", "string"),
    ("product", "map<string,string>"),
    ("resource_tags", "map<string,string>"),
)
NAMES: tuple[str, ...] = tuple(name for name, _ in COLUMNS)
TYPES: dict[str, str] = dict(COLUMNS)

# The caller's ARN: only in an export that includes caller identity (IAM principal) data, the
# Data Exports table property INCLUDE_IAM_PRINCIPAL_DATA. It follows line_item_resource_id.
IAM_PRINCIPAL = ("line_item_iam_principal", "string")
_AFTER = "line_item_resource_id"


def columns(caller_identity: bool = False) -> tuple[tuple[str, str], ...]:
    """The export's columns; with ``caller_identity``, ``line_item_iam_principal`` as well."""
    if not caller_identity:
        return COLUMNS
    at = NAMES.index(_AFTER) + 1
    return COLUMNS[:at] + (IAM_PRINCIPAL,) + COLUMNS[at:]


def names(caller_identity: bool = False) -> tuple[str, ...]:
    return tuple(name for name, _ in columns(caller_identity))
