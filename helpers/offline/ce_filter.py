"""Cost Explorer's filter ``Expression``: checked as AWS checks it, and matched against a line item.

Pure: no moto, no I/O. An expression sets exactly one of And, Or, Not, Dimensions, Tags,
CostCategories (ProductAttributes is accepted and matches nothing). The caller says how to read
a dimension or a tag of an item, so this module knows nothing of the usage ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

Item = TypeVar("Item")
Lookup = Callable[[Item, str], str | None]  # (item, key) -> value, None when not set

ROOTS = ("And", "Or", "Not", "Dimensions", "Tags", "CostCategories", "ProductAttributes")
# MatchOptions that compare part of a value; without them a value must equal one of the Values
PARTIAL = frozenset({"STARTS_WITH", "ENDS_WITH", "CONTAINS"})


class FilterError(ValueError):
    """A malformed expression; the message is the one the stand-in answers with."""


def check(expr: dict[str, Any], path: str = "Filter") -> None:
    """Raise FilterError on the first malformed part of ``expr`` (``path`` names it)."""
    roots = [k for k in ROOTS if expr.get(k) is not None]
    if len(roots) != 1:
        raise FilterError(
            f"{path} must set exactly one of And, Or, Not, Dimensions, Tags or CostCategories; "
            f"it sets {', '.join(roots) or 'none'}."
        )
    root = roots[0]
    if root in ("And", "Or"):
        if len(expr[root]) < 2:
            raise FilterError(f"{path}.{root} needs at least 2 expressions.")
        for i, sub in enumerate(expr[root], start=1):
            check(sub, f"{path}.{root}.{i}")
    elif root == "Not":
        check(expr["Not"], f"{path}.Not")
    elif root in ("Dimensions", "Tags", "CostCategories"):
        options = set(expr[root].get("MatchOptions") or [])
        if not expr[root].get("Values") and "ABSENT" not in options:
            raise FilterError(f"{path}.{root} needs Values (or MatchOptions ABSENT).")


def value_matches(actual: str | None, values: list[str], options: set[str]) -> bool:
    """Whether one dimension or tag value passes a Values/MatchOptions test."""
    if "ABSENT" in options:
        return actual is None or actual == ""
    if actual is None:
        return "" in values  # an untagged item has the empty tag value
    fold = "CASE_INSENSITIVE" in options
    subject = actual.casefold() if fold else actual
    for wanted in values:
        wanted = wanted.casefold() if fold else wanted
        if "STARTS_WITH" in options and subject.startswith(wanted):
            return True
        if "ENDS_WITH" in options and subject.endswith(wanted):
            return True
        if "CONTAINS" in options and wanted in subject:
            return True
        if not options & PARTIAL and subject == wanted:
            return True
    return False


def matches(expr: dict[str, Any], item: Item, dimension: Lookup[Item], tag: Lookup[Item]) -> bool:
    """Whether ``item`` passes a checked expression; ``dimension`` and ``tag`` read its values."""
    if expr.get("And") is not None:
        return all(matches(e, item, dimension, tag) for e in expr["And"])
    if expr.get("Or") is not None:
        return any(matches(e, item, dimension, tag) for e in expr["Or"])
    if expr.get("Not") is not None:
        return not matches(expr["Not"], item, dimension, tag)
    for root, lookup in (("Dimensions", dimension), ("Tags", tag)):
        if expr.get(root) is not None:
            test = expr[root]
            return value_matches(
                lookup(item, test["Key"]),
                test.get("Values") or [],
                set(test.get("MatchOptions") or []),
            )
    return False  # CostCategories: the stand-in defines none, so nothing is in one
