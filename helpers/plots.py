"""Figures for the cost notebook. Each returns a matplotlib Figure with titles, units and labels.

Figures are made with ``matplotlib.figure.Figure`` (no pyplot state), so a notebook shows each
once, and a script can ``fig.savefig(...)``. An empty table (no usage yet) gives a figure that
says so and what to run, never a traceback.

``display_names`` (config's, tag value -> name) labels departments by name; colours stay keyed
on the tag value. Japanese text renders with the IPAex Gothic font the matplotlib-fontja package
ships (installed by ``make setup``): it is registered when the first figure is made, and added
to the font families as a fallback, so Latin text keeps matplotlib's font.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from .i18n import N_, _

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

NO_USAGE = N_("No usage yet: run 04_generate_usage, then this notebook again.")
NO_BUDGETS = N_("No departments to show: check the profiles' tags, then run this notebook again.")
UNTAGGED = "(untagged)"
# A qualitative palette of 13 distinct colours (matplotlib's tab10 without its grey, then the
# darkest of tab20b): ten departments and more stay apart. Grey is kept for (untagged).
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
    "#843c39",
    "#7b4173",
)
UNTAGGED_COLOUR = "#9e9e9e"
JAPANESE_FONT = "IPAexGothic"  # in the matplotlib-fontja package (fonts/ipaexg.ttf)
_registered: list[bool] = []  # the font is added to matplotlib's font manager once per process

_Plot = TypeVar("_Plot", bound=Callable[..., Any])


def japanese_font_file() -> str | None:
    """The IPAex Gothic file matplotlib-fontja ships, found without importing the package
    (its import sets the font for every later figure), or None when it is not installed."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("matplotlib_fontja")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "fonts" / "ipaexg.ttf"
    return str(path) if path.is_file() else None


@contextmanager
def _japanese_capable() -> Iterator[None]:
    """Text made inside falls back to the Japanese font for glyphs the usual font lacks."""
    import matplotlib
    from matplotlib import font_manager

    if not _registered:
        font = japanese_font_file()
        if font is not None:
            font_manager.fontManager.addfont(font)
        _registered.append(font is not None)
    if not _registered[0]:
        yield
        return
    families = list(matplotlib.rcParams["font.family"])
    with matplotlib.rc_context({"font.family": [*families, JAPANESE_FONT]}):
        yield


def _with_japanese(plot: _Plot) -> _Plot:
    """Make the figure inside ``_japanese_capable`` (text keeps its font once made)."""

    @functools.wraps(plot)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _japanese_capable():
            return plot(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _named(department: Any, display_names: Mapping[str, str] | None) -> str:
    from .tables import display_name

    return display_name(department, display_names)


def colours(departments: list[str]) -> dict[str, str]:
    """One colour per department, the same in every figure whatever the order given.

    Departments take the palette in alphabetical order; (untagged) and "(no ... tag)" are grey.
    """
    chosen: dict[str, str] = {}
    index = 0
    for department in sorted(departments):
        if department == UNTAGGED or (department.startswith("(no ") and department.endswith(")")):
            chosen[department] = UNTAGGED_COLOUR
        else:
            chosen[department] = PALETTE[index % len(PALETTE)]
            index += 1
    return chosen


def _figure(width: float = 9.0, height: float = 4.5) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _legend_outside(ax: Axes, title: str) -> None:
    """The legend right of the axes, never over the data (constrained layout makes room)."""
    ax.legend(
        title=title,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
        fontsize="small",
        frameon=False,
    )


def _note_only(ax: Axes, title: str, note: str) -> None:
    """An empty plot that says why it is empty and what to do."""
    ax.set_title(title)
    ax.text(0.5, 0.5, note, ha="center", va="center", wrap=True, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


# default titles, translated where drawn (a caller's own title passes through _() unchanged)
DAILY_TITLE = N_("Daily cost by department")
SHARE_TITLE = N_("Share of cost by department")
TOKENS_TITLE = N_("Tokens against cost")
BUDGET_TITLE = N_("Budget, actual and forecast")


HOURLY_SYNTHETIC = N_(
    "hourly view: each synthetic day is one billing line per profile, stamped 00:00 UTC "
    "(the stand-in writes daily history)"
)


def _periods(daily: pd.DataFrame, granularity: str) -> pd.DataFrame:
    """The table on a true time axis: periods parsed to timestamps, missing hours or days zero.

    Periods arrive as dates, timestamps or strings ("2026-10-30", "2026-11-27 13:00 UTC"): all
    are parsed, so the granularity, not the label's shape, decides how the axis is named. For
    HOURLY and DAILY the periods between the first and the last are filled with zeros, so bars
    46 hours apart are drawn 46 hours apart. MONTHLY periods are kept as they are (the first may
    start mid-month).
    """
    import pandas as pd

    index = pd.to_datetime(pd.Index([str(p) for p in daily.index]).str.replace(" UTC", ""))
    table = daily.copy()
    table.index = index.tz_localize(None) if index.tz is not None else index
    table = table.groupby(level=0).sum().sort_index()
    step = {"HOURLY": "h", "DAILY": "D"}.get(granularity)
    if step and len(table):
        full = pd.date_range(table.index.min(), table.index.max(), freq=step)
        table = table.reindex(full, fill_value=0.0)
    return table


@_with_japanese
def daily_cost_by_department(
    daily: pd.DataFrame,
    title: str = DAILY_TITLE,
    note: str | None = None,
    granularity: str = "DAILY",
    display_names: Mapping[str, str] | None = None,
) -> Figure:
    """Stacked bars: one bar per period, one colour per department (``daily_by_department``).

    ``granularity`` (DAILY, MONTHLY or HOURLY) names the periods on the axis and their labels;
    periods given as strings are parsed, and missing hours or days are drawn as empty slots, so
    the spacing is true. The legend sits right of the bars, and the period labels are rotated
    and thinned so they never overlap. A HOURLY figure whose ``note`` says the history is
    synthetic adds that synthetic days are daily (one line per profile at 00:00 UTC).
    """
    fig = _figure(11.0, 5.0)
    ax = fig.add_subplot()
    if daily.empty or not len(daily.columns):
        _note_only(ax, _(title) if not note else _(title) + "\n" + note, _(NO_USAGE))
        return fig
    granularity = str(granularity).upper()
    hourly = granularity == "HOURLY"
    monthly = granularity == "MONTHLY"
    table = _periods(daily, granularity)
    shape = "%m-%d %H:00" if hourly else "%Y-%m" if monthly else "%m-%d"
    labels = [d.strftime(shape) for d in table.index]
    positions = list(range(len(labels)))
    bottom = None
    palette = colours([str(d) for d in table.columns])
    for department in table.columns:
        values = table[department].to_numpy(dtype=float)
        ax.bar(
            positions,
            values,
            bottom=bottom,
            label=_named(department, display_names),
            color=palette[str(department)],
            edgecolor="white",
            linewidth=0.3,
        )
        bottom = values if bottom is None else bottom + values
    if hourly and note and "synthetic" in note.lower():
        note = f"{note}\n{_(HOURLY_SYNTHETIC)}"
    ax.set_title(_(title) if not note else _(title) + "\n" + note, fontsize="medium")
    ax.set_xlabel(_("Hour (UTC)") if hourly else _("Month (UTC)") if monthly else _("Day (UTC)"))
    ax.set_ylabel(_("Cost (USD)"))
    # head-room above the tallest bar: matplotlib's bar edges stop the usual margin
    tallest = float(bottom.max()) if bottom is not None and len(bottom) else 0.0
    if tallest > 0:
        ax.set_ylim(0, tallest * 1.08)
    ax.set_xlim(-0.6, len(labels) - 0.4)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    _legend_outside(ax, _("Department"))
    step = max(1, len(labels) // (12 if hourly else 15))
    if hourly and step > 1:
        step = next((s for s in (2, 3, 4, 6, 12, 24) if len(labels) // s <= 12), 24)
    ax.set_xticks(positions[::step], labels[::step], rotation=45, ha="right")
    return fig


@_with_japanese
def share_by_department(
    table: pd.DataFrame,
    title: str = SHARE_TITLE,
    display_names: Mapping[str, str] | None = None,
) -> Figure:
    """Horizontal bars of each department's share of the total (``chargeback`` table)."""
    from .tables import money, percent

    fig = _figure(8.0, 0.45 * max(3, len(table)) + 1.2)
    ax = fig.add_subplot()
    if table.empty or not {"department", "cost", "share"} <= set(table.columns):
        _note_only(ax, _(title), _(NO_USAGE))
        return fig
    ordered = table.sort_values("cost")
    names = [str(d) for d in ordered["department"]]
    palette = colours(names)
    bars = ax.barh(
        [_named(n, display_names) for n in names],
        ordered["share"] * 100,
        color=[palette[n] for n in names],
    )
    ax.bar_label(
        bars,
        labels=[
            f"{percent(s, fraction=True)}  ({money(c)})"
            for s, c in zip(ordered["share"], ordered["cost"], strict=True)
        ],
        padding=3,
        fontsize="small",
    )
    ax.set_title(_(title))
    ax.set_xlabel(_("Share of total cost (%)"))
    ax.set_ylabel(_("Department"))
    ax.set_xlim(0, max(100.0, float((ordered["share"] * 100).max()) * 1.3))
    return fig


@_with_japanese
def tokens_vs_cost(
    table: pd.DataFrame,
    title: str = TOKENS_TITLE,
    display_names: Mapping[str, str] | None = None,
) -> Figure:
    """One point per department: total tokens against cost (``chargeback`` table with tokens).

    Each department has its own colour and a legend entry right of the axes (no labels on the
    points, which would overlap with many departments).
    """
    fig = _figure(9.0, 4.5)
    ax = fig.add_subplot()
    if table.empty or "tokens" not in table or not (table["tokens"] > 0).any():
        _note_only(ax, _(title), _(NO_USAGE))
        return fig
    names = [str(d) for d in table["department"]]
    palette = colours(names)
    markers = "osD^v<>ph*"
    for index, row in enumerate(table.itertuples()):
        ax.scatter(
            row.tokens / 1000,
            row.cost,
            color=palette[str(row.department)],
            marker=markers[index % len(markers)],
            s=50,
            label=_named(row.department, display_names),
            zorder=3,
        )
    ax.set_title(_(title))
    ax.set_xlabel(_("Tokens (thousands: input, output and cached)"))
    ax.set_ylabel(_("Cost (USD)"))
    ax.grid(alpha=0.3)
    _legend_outside(ax, _("Department"))
    return fig


@_with_japanese
def budget_vs_actual(
    table: pd.DataFrame,
    title: str = BUDGET_TITLE,
    display_names: Mapping[str, str] | None = None,
) -> Figure:
    """Per department: the month's budget, the spend so far, and the month-end forecast."""
    import numpy as np

    fig = _figure(8.0, 0.9 * max(3, len(table)) + 1.0)
    ax = fig.add_subplot()
    if table.empty:
        _note_only(ax, _(title), _(NO_BUDGETS))
        return fig
    positions = np.arange(len(table))
    height = 0.27
    for offset, column, label in (
        (-height, "budget_usd", _("Budget")),
        (0.0, "actual_usd", _("Actual so far")),
        (height, "forecast_usd", _("Forecast, month end")),
    ):
        ax.barh(positions + offset, table[column], height=height, label=label)
    ax.set_yticks(positions, [_named(d, display_names) for d in table["department"]])
    ax.invert_yaxis()
    ax.set_title(_(title))
    ax.set_xlabel(_("Cost this month (USD)"))
    ax.set_ylabel(_("Department"))
    _legend_outside(ax, "")
    return fig
