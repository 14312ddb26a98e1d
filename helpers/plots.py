"""Figures for the cost notebook. Each returns a matplotlib Figure with titles, units and labels.

Figures are made with ``matplotlib.figure.Figure`` (no pyplot state), so a notebook shows each
once, and a script can ``fig.savefig(...)``. An empty table (no usage yet) gives a figure that
says so and what to run, never a traceback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

NO_USAGE = "No usage yet: run 04_generate_usage, then this notebook again."
NO_BUDGETS = "No departments to show: check the profiles' tags, then run this notebook again."


def _figure(width: float = 9.0, height: float = 4.5) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _note_only(ax: Axes, title: str, note: str) -> None:
    """An empty plot that says why it is empty and what to do."""
    ax.set_title(title)
    ax.text(0.5, 0.5, note, ha="center", va="center", wrap=True, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def daily_cost_by_department(
    daily: pd.DataFrame, title: str = "Daily cost by department", note: str | None = None
) -> Figure:
    """Stacked bars: one bar per period, one colour per department (``daily_by_department``)."""
    fig = _figure()
    ax = fig.add_subplot()
    if daily.empty or not len(daily.columns):
        _note_only(ax, title if not note else f"{title}\n{note}", NO_USAGE)
        return fig
    bottom = None
    labels = [d.strftime("%m-%d") if hasattr(d, "strftime") else str(d) for d in daily.index]
    for department in daily.columns:
        values = daily[department].to_numpy()
        ax.bar(labels, values, bottom=bottom, label=str(department))
        bottom = values if bottom is None else bottom + values
    ax.set_title(title if not note else f"{title}\n{note}", fontsize="medium")
    ax.set_xlabel("Day (UTC)")
    ax.set_ylabel("Cost (USD)")
    ax.legend(title="Department", loc="upper left", fontsize="small")
    step = max(1, len(labels) // 12)
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right")
    return fig


def share_by_department(table: pd.DataFrame, title: str = "Share of cost by department") -> Figure:
    """Horizontal bars of each department's share of the total (``chargeback`` table)."""
    fig = _figure(7.0, 0.6 * max(3, len(table)) + 1.0)
    ax = fig.add_subplot()
    if table.empty or not {"department", "cost", "share"} <= set(table.columns):
        _note_only(ax, title, NO_USAGE)
        return fig
    ordered = table.sort_values("cost")
    bars = ax.barh(ordered["department"].astype(str), ordered["share"] * 100)
    ax.bar_label(
        bars,
        labels=[
            f"{s:.1%}  (${c:,.2f})" for s, c in zip(ordered["share"], ordered["cost"], strict=True)
        ],
        padding=3,
        fontsize="small",
    )
    ax.set_title(title)
    ax.set_xlabel("Share of total cost (%)")
    ax.set_ylabel("Department")
    ax.set_xlim(0, max(100.0, float((ordered["share"] * 100).max()) * 1.3))
    return fig


def tokens_vs_cost(table: pd.DataFrame, title: str = "Tokens against cost") -> Figure:
    """One point per department: total tokens against cost (``chargeback`` table with tokens)."""
    fig = _figure(7.0, 4.5)
    ax = fig.add_subplot()
    if table.empty or "tokens" not in table or not (table["tokens"] > 0).any():
        _note_only(ax, title, NO_USAGE)
        return fig
    ax.scatter(table["tokens"] / 1000, table["cost"])
    for row in table.itertuples():
        ax.annotate(
            str(row.department),
            (row.tokens / 1000, row.cost),
            fontsize="small",
            xytext=(4, 4),
            textcoords="offset points",
        )
    ax.set_title(title)
    ax.set_xlabel("Tokens (thousands: input, output and cached)")
    ax.set_ylabel("Cost (USD)")
    ax.grid(alpha=0.3)
    return fig


def budget_vs_actual(table: pd.DataFrame, title: str = "Budget, actual and forecast") -> Figure:
    """Per department: the month's budget, the spend so far, and the month-end forecast."""
    import numpy as np

    fig = _figure(8.0, 0.9 * max(3, len(table)) + 1.0)
    ax = fig.add_subplot()
    if table.empty:
        _note_only(ax, title, NO_BUDGETS)
        return fig
    positions = np.arange(len(table))
    height = 0.27
    for offset, column, label in (
        (-height, "budget_usd", "Budget"),
        (0.0, "actual_usd", "Actual so far"),
        (height, "forecast_usd", "Forecast, month end"),
    ):
        ax.barh(positions + offset, table[column], height=height, label=label)
    ax.set_yticks(positions, table["department"].astype(str))
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel("Cost this month (USD)")
    ax.set_ylabel("Department")
    ax.legend(loc="lower right", fontsize="small")
    return fig
