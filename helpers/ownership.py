"""The one rule for clean-up: delete what carries the ownership tag, keep everything else.

Profiles, budgets and alarms each list their own resources and make their own delete call;
the decision, its reason and the "already gone" handling are the same for all and live here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import explained

if TYPE_CHECKING:
    import pandas as pd


def decision(owned: bool, owner_tag: tuple[str, str]) -> tuple[str, str]:
    """``("delete", why)`` for a resource with the ownership tag, ``("keep", why)`` otherwise."""
    key, value = owner_tag
    if owned:
        return "delete", f"carries {key}={value}"
    return "keep", f"not created by the workshop (no {key} tag)"


def delete_planned(
    plan: pd.DataFrame,
    delete_one: Callable[[Any], object],
    missing_code: str,
    doing: Callable[[Any], str],
) -> pd.DataFrame:
    """Carry out a delete plan one row at a time; returns it with a ``result`` column.

    ``delete_one(row)`` makes the delete call for a row marked "delete". A resource that is
    already gone (error ``missing_code``) counts as done, so a rerun after an interruption
    finishes the job; any other error is explained with ``doing(row)``.
    """
    from botocore.exceptions import ClientError

    results = []
    for row in plan.itertuples():
        if row.decision != "delete":
            results.append("kept")
            continue
        try:
            delete_one(row)
            results.append("deleted")
        except ClientError as exc:
            if exc.response["Error"]["Code"] != missing_code:
                with explained(doing(row)):
                    raise
            results.append("already gone")
    return plan.assign(result=results)
