"""Who spent it: cost by calling IAM principal, by principal tag, and department x caller. Pure.

Bedrock bills each inference request to the IAM principal that signed it. Three sources say so:

- CUR 2.0 exported "with caller identity": the column ``line_item_iam_principal`` holds the
  caller's ARN (``arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`` for a role, ``...:user/NAME``
  for a user); ``by_caller`` totals it per caller.
- Cost Explorer, once a principal or session tag is activated for cost allocation: GroupBy
  ``{"Type": "TAG", "Key": "iamPrincipal/team"}`` answers keys such as
  ``iamPrincipal/team$claims-batch``; ``by_caller_tag`` totals them per tag value.
- The department (the profile's tag) beside the caller: ``department_by_caller``.

DataFrame in, DataFrame out: no AWS call, no printing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .i18n import _

if TYPE_CHECKING:
    import pandas as pd

PRINCIPAL_TAG_PREFIX = "iamPrincipal/"  # how Cost Explorer and CUR name principal tags
NO_PRINCIPAL = "(no principal)"  # a line without a caller (not an inference request)
NO_TAG = "(no tag)"  # cost of callers without the principal tag, or before it was activated
UNTAGGED = "(untagged)"  # as analysis.UNTAGGED: spend of a profile without the department tag
TOTAL = "total"
PRINCIPAL_COLUMN = "line_item_iam_principal"
COST_COLUMN = "line_item_unblended_cost"


def principal_tag(key: str) -> str:
    """A principal or session tag's cost allocation tag key: ``team`` -> ``iamPrincipal/team``."""
    if not isinstance(key, str) or not key.strip():
        raise InputError(
            _("A tag key is a non-empty string, not {key!r}.").format(key=key),
            _('pass e.g. "team".'),
        )
    return key if key.startswith(PRINCIPAL_TAG_PREFIX) else PRINCIPAL_TAG_PREFIX + key


def group_by_principal_tag(key: str) -> dict[str, str]:
    """The GroupBy entry of a GetCostAndUsage request for a principal tag."""
    return {"Type": "TAG", "Key": principal_tag(key)}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def short_name(arn: Any) -> str:
    """The caller's name in an IAM or STS ARN: the role of an assumed-role session
    (``assumed-role/ROLE/SESSION`` -> ``ROLE``), a role's or user's name without its path,
    a federated user's name, ``root`` for the account; ``(no principal)`` when empty."""
    if _missing(arn):
        return NO_PRINCIPAL
    if not isinstance(arn, str):
        raise InputError(
            _("An IAM principal is an ARN string, not {arn!r}.").format(arn=arn), _("pass the ARN.")
        )
    parts = arn.strip().split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or parts[2] not in ("iam", "sts"):
        raise InputError(
            _("{arn!r} is not the ARN of an IAM principal.").format(arn=arn),
            _(
                "pass an ARN such as "
                "arn:aws:sts::111122223333:assumed-role/claims-app/session, as "
                "line_item_iam_principal and identity.arn hold them."
            ),
        )
    resource = parts[5]
    if resource == "root":
        return "root"
    kind, _slash, rest = resource.partition("/")
    if not rest:
        return resource
    if kind == "assumed-role":
        return rest.split("/", 1)[0]
    return rest.rsplit("/", 1)[-1]  # role/PATH/NAME, user/PATH/NAME, federated-user/NAME


def _ordered(labels: Iterable[str], last: tuple[str, ...]) -> list[str]:
    """Sorted, with the catch-all labels ("(no tag)", ...) at the end."""
    return sorted(set(labels), key=lambda label: (label in last, label))


def by_caller(
    cur: pd.DataFrame, principal: str = PRINCIPAL_COLUMN, cost: str = COST_COLUMN
) -> pd.DataFrame:
    """Cost per caller from CUR rows with caller identity: caller, cost, share (of the total),
    largest first. Every session of a role counts for the role."""
    import pandas as pd

    for column in (principal, cost):
        if column not in cur:
            raise InputError(
                _("The CUR rows have no column {column!r} (they have: {columns}).").format(
                    column=column, columns=", ".join(cur.columns)
                ),
                _(
                    "export CUR 2.0 with caller identity (Additional export content > Include "
                    "caller identity (IAM principal) allocation data), or name the column."
                ),
            )
    frame = pd.DataFrame(
        {
            "caller": [short_name(a) for a in cur[principal]],
            "cost": cur[cost].astype(float).to_numpy(),
        }
    )
    totals = frame.groupby("caller", as_index=False)["cost"].sum()
    whole = float(totals["cost"].sum())
    totals["share"] = totals["cost"] / whole if whole else 0.0
    return totals.sort_values(
        ["cost", "caller"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


def _pages(response: dict | list[dict]) -> list[dict]:
    if isinstance(response, dict):
        return [response]
    if isinstance(response, list) and all(isinstance(p, dict) for p in response):
        return response
    raise InputError(
        _("Expected a GetCostAndUsage answer (a dict) or a list of its pages, not {name}.").format(
            name=type(response).__name__
        ),
        _("pass what conn.ce.get_cost_and_usage(...) returned, or costs.fetch_pages(...)."),
    )


def _tag_value(key: str, empty: str) -> str:
    """``iamPrincipal/team$claims-batch`` -> ``claims-batch``; no value after ``$`` -> empty."""
    value = key.split("$", 1)[1] if "$" in key else key
    return value or empty


def tag_rows(
    response: dict | list[dict], columns: dict[str, str], metric: str = "UnblendedCost"
) -> pd.DataFrame:
    """One row per period and group of a GetCostAndUsage answer grouped by TAGs.

    ``columns`` names a column for each grouped tag key, e.g. ``{"dept": "department",
    "iamPrincipal/team": "team"}``. A group without the tag is "(no tag)" for a principal tag,
    "(untagged)" for a resource tag, as Cost Explorer reports ``key$``.
    """
    import pandas as pd

    rows = []
    for page in _pages(response):
        definitions = page.get("GroupDefinitions") or []
        keys = [d.get("Key") for d in definitions]
        unknown = [k for k in keys if k not in columns]
        if unknown or any(d.get("Type") != "TAG" for d in definitions):
            raise InputError(
                _("The answer is grouped by {definitions}, not by the tags {columns}.").format(
                    definitions=definitions, columns=sorted(columns)
                ),
                _("group the request by those TAG keys only (GroupBy Type TAG), or name its keys."),
            )
        for result in page.get("ResultsByTime", []):
            for group in result.get("Groups") or []:
                row: dict[str, Any] = {"start": result["TimePeriod"]["Start"]}
                for key, value in zip(keys, group["Keys"], strict=True):
                    empty = NO_TAG if key.startswith(PRINCIPAL_TAG_PREFIX) else UNTAGGED
                    row[columns[key]] = _tag_value(value, empty)
                row["cost"] = float(group["Metrics"][metric]["Amount"])
                rows.append(row)
    return pd.DataFrame(rows, columns=["start", *columns.values(), "cost"])


def by_caller_tag(
    response: dict | list[dict], key: str = "team", metric: str = "UnblendedCost"
) -> pd.DataFrame:
    """Cost per value of a principal tag over the whole period, from GetCostAndUsage grouped by
    ``iamPrincipal/<key>``: columns ``<key>``, cost, share; "(no tag)" for callers without it."""
    tag = principal_tag(key)
    name = tag.removeprefix(PRINCIPAL_TAG_PREFIX)
    rows = tag_rows(response, {tag: name}, metric)
    totals = rows.groupby(name, as_index=False)["cost"].sum()
    whole = float(totals["cost"].sum())
    totals["share"] = totals["cost"] / whole if whole else 0.0
    # largest first, "(no tag)" last: it is what the tag does not explain
    order = sorted(
        range(len(totals)),
        key=lambda i: (totals[name].iat[i] == NO_TAG, -totals["cost"].iat[i], totals[name].iat[i]),
    )
    return totals.iloc[order].reset_index(drop=True)


def _tag_map(value: Any) -> dict[str, str]:
    """A CUR map column's cell as a dict: a dict, a list of (key, value) pairs (pyarrow), or
    nothing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return {}
    if isinstance(value, dict):
        return value
    return dict(value)


def cur_rows(
    cur: pd.DataFrame,
    tag_key: str,
    principal: str = PRINCIPAL_COLUMN,
    cost: str = COST_COLUMN,
) -> pd.DataFrame:
    """Department (the profile's ``tag_key`` in ``resource_tags``, as ``user_<key>``), caller
    and cost for each CUR row: the input of ``department_by_caller``."""
    import pandas as pd

    for column in ("resource_tags", principal, cost):
        if column not in cur:
            raise InputError(
                _("The CUR rows have no column {column!r}.").format(column=column),
                _("read the CUR 2.0 export with caller identity (cur.download_export)."),
            )
    tag = f"user_{tag_key}"
    return pd.DataFrame(
        {
            "department": [_tag_map(m).get(tag) or UNTAGGED for m in cur["resource_tags"]],
            "caller": [short_name(a) for a in cur[principal]],
            "cost": cur[cost].astype(float).to_numpy(),
        }
    )


def department_by_caller(
    rows: pd.DataFrame, department: str = "department", caller: str = "caller", cost: str = "cost"
) -> pd.DataFrame:
    """Cost per department (rows) and caller (columns), with a ``total`` column (each
    department's whole cost, whoever called) and a ``total`` row (each caller's)."""
    for column in (department, caller, cost):
        if column not in rows:
            raise InputError(
                _("The rows have no column {column!r} (they have: {columns}).").format(
                    column=column, columns=", ".join(rows.columns)
                ),
                _("pass cur_rows(...) or tag_rows(...), or name the columns."),
            )
    table = rows.pivot_table(
        index=department, columns=caller, values=cost, aggfunc="sum", fill_value=0.0
    ).astype(float)
    table = table.loc[
        _ordered(table.index, (UNTAGGED,)), _ordered(table.columns, (NO_PRINCIPAL, NO_TAG))
    ]
    table[TOTAL] = table.sum(axis=1)
    table.loc[TOTAL] = table.sum(axis=0)
    table.index.name, table.columns.name = department, caller
    return table
