"""Tables an analyst can hand on: money as money, counts as integers, no index, nothing cut.

``show(frame)`` returns a pandas ``Styler`` that a notebook displays as HTML: every column in
full (no ``...`` in an ARN), no 0..n index, amounts as ``$1,234.56`` (below a dollar, three
significant digits: ``$0.526``, ``$0.000282``, never ``$0.00`` or ``2.8e-04``), token counts as
``1,234,567``, percentages as ``12.5 %``. Columns are recognised by name (``cost``, ``*_cost``,
``*_usd``, ``*_tokens``, ``*_pct``, ``share``...); pass ``money=``/``integers=``/``percent=`` to
say it outright. ``money(x)`` formats one amount for printed text. ``display_names=`` (config's
``display_names``: tag value -> name) adds a ``department_name`` column after ``department``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from pandas.io.formats.style import Styler

CURRENCY_SYMBOL = "$"  # every Bedrock price and bill in this workshop is in US dollars
MISSING = "–"  # shown for a value that does not exist (no budget, no tokens to divide by)
_MONEY_NAMES = {"cost", "difference", "amount", "budget", "actual", "forecast"}
_INTEGER_NAMES = {"tokens", "invocations", "calls", "requests", "throttles", "count", "rows"}
DEPARTMENT = "department"  # the tag value: ASCII, as AWS requires, and what files join on
DEPARTMENT_NAME = "department_name"  # the name shown for it (config's display_names)


def display_name(department: Any, display_names: Mapping[str, str] | None = None) -> str:
    """The name shown for a department's tag value: its display name, else the value itself."""
    return (display_names or {}).get(str(department), str(department))


def with_display_names(
    frame: pd.DataFrame, display_names: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """The frame with a ``department_name`` column right after ``department``.

    Without display names (or without departments) the frame is returned unchanged. A table
    indexed by department gets the name as its first column; one whose columns are departments
    (``daily_by_department``) gets them renamed instead.
    """
    if not display_names:
        return frame
    if DEPARTMENT not in frame.columns:
        if frame.index.name == DEPARTMENT:  # departments as rows (08's department x caller)
            out = frame.copy()
            out.insert(0, DEPARTMENT_NAME, [display_name(d, display_names) for d in out.index])
            return out
        if frame.columns.name == DEPARTMENT:
            renamed = frame.rename(columns=lambda d: display_name(d, display_names))
            renamed.columns.name = DEPARTMENT_NAME
            return renamed
        return frame
    out = frame.copy()
    if DEPARTMENT_NAME in out.columns:
        out = out.drop(columns=DEPARTMENT_NAME)
    names = [display_name(d, display_names) for d in out[DEPARTMENT]]
    out.insert(list(out.columns).index(DEPARTMENT) + 1, DEPARTMENT_NAME, names)
    return out


def money(value: Any, digits: int = 2) -> str:
    """``$1,234.56``; below a dollar, three significant digits (``$0.526``, ``$0.0118``,
    ``$0.000282``) with at least cents (``$0.50``), so amounts side by side keep their
    precision and a sum of small calls is not rounded to a cent; never e-notation."""
    number = _number(value)
    if number is None:
        return MISSING
    magnitude = abs(number)
    if magnitude < 0.5e-8:  # float noise from subtraction (1.1e-16) is zero, shown as such
        return f"{CURRENCY_SYMBOL}{0:.{digits}f}"
    sign = "-" if number < 0 else ""
    if magnitude >= 1:
        return f"{sign}{CURRENCY_SYMBOL}{magnitude:,.{digits}f}"
    decimals = min(8, max(digits, 2 - math.floor(math.log10(magnitude))))
    text = f"{magnitude:.{decimals}f}"
    whole, fraction = text.split(".")
    fraction = fraction.rstrip("0").ljust(digits, "0")  # $0.500 -> $0.50, $0.0100 -> $0.01
    return f"{sign}{CURRENCY_SYMBOL}{whole}.{fraction}"


def integer(value: Any) -> str:
    """``1,234,567``; a missing value as a dash."""
    number = _number(value)
    return MISSING if number is None else f"{round(number):,}"


def percent(value: Any, fraction: bool = False) -> str:
    """``12.5 %`` from 12.5 (or from 0.125 with ``fraction=True``)."""
    number = _number(value)
    if number is None:
        return MISSING
    shown = number * 100 if fraction else number
    if 0 < abs(shown) < 0.05:  # a small share is not nothing: "< 0.1 %", not "0.0 %"
        return f"{'-' if shown < 0 else ''}< 0.1 %"
    return f"{shown:,.1f} %"


def plain(value: Any) -> str:
    """Any other number without e-notation: up to four decimals, trailing zeros dropped."""
    number = _number(value)
    if number is None:
        return MISSING if _is_missing(value) else str(value)
    if float(number).is_integer():
        return f"{int(number):,}"
    text = f"{number:,.4f}".rstrip("0").rstrip(".")
    return text if text not in {"0", "-0"} else f"{number:,.8f}".rstrip("0").rstrip(".")


def kind_of(column: str) -> str | None:
    """``money``, ``integer``, ``percent``, ``fraction`` or None, from a column's name."""
    name = column.lower()
    words = set(name.split("_"))
    if name.endswith("_pct") or name.startswith("pct_") or "percent" in words:
        return "percent"
    if name == "share" or name.endswith("_share"):
        return "fraction"
    if name.endswith("_usd") or "cost" in words or name in _MONEY_NAMES:
        return "money"
    if words & _INTEGER_NAMES or name.endswith("_errors"):
        return "integer"
    return None


def show(
    frame: pd.DataFrame,
    *,
    money: Iterable[str] = (),
    integers: Iterable[str] = (),
    percent: Iterable[str] = (),
    caption: str | None = None,
    display_names: Mapping[str, str] | None = None,
) -> Styler:
    """The frame as a ``Styler``: formatted by column, index hidden, every cell in full.

    A meaningful index (a date, a department) becomes an ordinary first column; a 0..n one is
    dropped.
    """
    table, formatters = _prepared(frame, money, integers, percent, display_names)
    # escaped: a cell may quote markup (an error page, a prompt), shown as text, never as HTML
    styler = table.style.format(formatters, na_rep=MISSING, escape="html")
    styler = styler.hide(axis="index")
    # numbers right-aligned on one line; text left-aligned, wrapped only at spaces, so a long
    # detail wraps while an ARN (no spaces) stays whole
    numbers = list(formatters)
    words = [c for c in table.columns if c not in formatters]
    styler = styler.set_table_styles([{"selector": "th", "props": "text-align: left;"}])
    if numbers:
        styler = styler.set_properties(
            subset=numbers, **{"text-align": "right", "white-space": "nowrap"}
        )
    if words:
        styler = styler.set_properties(
            subset=words, **{"text-align": "left", "white-space": "pre-wrap"}
        )
    if caption:
        styler = styler.set_caption(caption)
    return styler


def text(
    frame: pd.DataFrame,
    *,
    money: Iterable[str] = (),
    integers: Iterable[str] = (),
    percent: Iterable[str] = (),
    display_names: Mapping[str, str] | None = None,
) -> str:
    """The same table as plain text, for printed output and logs: nothing cut, no index."""
    import pandas as pd

    table, formatters = _prepared(frame, money, integers, percent, display_names)
    for column, formatter in formatters.items():
        table[column] = [formatter(v) for v in table[column]]
    with pd.option_context("display.max_colwidth", None, "display.width", 10_000):
        return table.to_string(index=False)


def _prepared(
    frame: pd.DataFrame,
    money: Iterable[str],
    integers: Iterable[str],
    percent: Iterable[str],
    display_names: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A copy with a meaningful index as a column, and a formatter per column that needs one."""
    import pandas as pd

    table = frame.copy()
    if isinstance(table.index, pd.RangeIndex) and table.index.name is None:
        table = table.reset_index(drop=True)
    else:
        table = table.reset_index()
    table = with_display_names(table, display_names)
    table.columns = [str(c) for c in table.columns]
    chosen = {c: "money" for c in money}
    chosen |= {c: "integer" for c in integers}
    chosen |= {c: "percent" for c in percent}
    formatters = {}
    for column in table.columns:
        kind = chosen.get(column) or kind_of(column)
        series = table[column]
        numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        if numeric or (kind and series.map(_number).notna().any()):
            formatters[column] = _FORMATTERS.get(kind or "", plain)
    return table, formatters


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and NaT differ from themselves
    except (TypeError, ValueError):  # pandas.NA cannot be a bool
        return True


def _number(value: Any) -> float | None:
    if _is_missing(value) or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isinf(number) or math.isnan(number) else number


_FORMATTERS = {
    "money": money,
    "integer": integer,
    "percent": percent,
    "fraction": lambda v: percent(v, fraction=True),
}
