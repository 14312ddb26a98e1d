"""The chargeback as files a finance colleague can open: CSV for machines, one HTML page for people.

``write_csv`` keeps numbers numeric (plain decimals, never e-notation) and names the currency in
the column (``cost_usd``). ``chargeback_html`` makes one self-contained page: the period, the tag
key, where the data came from, when it was made, the table (money as money, every department,
``(untagged)`` included and explained) and the figures as embedded PNG images. No external CSS,
script, font or image: it opens from an e-mail attachment, without Jupyter. With
``display_names`` (config's, tag value -> name), both add a ``department_name`` column after the
tag value's ``department`` column, which stays as it is so files still join on it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .analysis import RATE_TOLERANCE
from .i18n import N_
from .masking import mask_account_ids

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

CSV_NAME = "chargeback.csv"
HTML_NAME = "chargeback.html"
# the analysis' column names, and the CSV's (currency named where the number is money)
CSV_COLUMNS = {"cost": "cost_usd", "cost_per_1k_tokens": "cost_per_1k_tokens_usd"}
STYLE = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1280px; color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.7em; }
th { background: #f3f3f3; }
td:first-child, th:first-child { text-align: left !important; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
.notes li { margin-bottom: 0.4em; }
"""


def csv_table(table: pd.DataFrame, display_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The chargeback with the CSV's column names (``cost`` becomes ``cost_usd``), and with
    display names a ``department_name`` column after ``department``."""
    from .tables import with_display_names

    return with_display_names(table, display_names).rename(columns=CSV_COLUMNS)


def write_csv(
    table: pd.DataFrame, folder: Path | str, display_names: Mapping[str, str] | None = None
) -> Path:
    """Write ``chargeback.csv`` (UTF-8): numeric columns stay numbers, in plain decimals."""
    path = Path(folder) / CSV_NAME
    csv_table(table, display_names).to_csv(
        path, index=False, float_format=plain_decimal, encoding="utf-8"
    )
    return path


def plain_decimal(value: float) -> str:
    """The shortest text that reads back as the same float, never in e-notation (0.000028191)."""
    import numpy as np

    return np.format_float_positional(value, trim="-")


def figure_png(fig: Figure) -> str:
    """A figure as a base64 PNG data URI, to embed in a page."""
    import base64
    from io import BytesIO

    buffer = BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def chargeback_html(
    table: pd.DataFrame,
    *,
    period: str,
    tag_key: str,
    source: str,
    figures: dict[str, Figure] | None = None,
    notes: list[str] | None = None,
    department_notes: dict[str, str] | None = None,
    generated_at: datetime | None = None,
    title: str | None = None,
    display_names: Mapping[str, str] | None = None,
) -> str:
    """One self-contained HTML page: facts, the chargeback table, notes and figures.

    ``table`` is ``analysis.chargeback``'s; ``department_notes`` adds a "note" column (e.g. what
    ``(untagged)`` holds); ``figures`` maps a caption to a matplotlib Figure.
    """
    from . import tables
    from .i18n import _, language

    title = title or _("Generative AI chargeback by department")
    generated_at = generated_at or datetime.now(timezone.utc)
    shown = with_total(table)
    shown.iloc[-1, shown.columns.get_loc("department")] = _(TOTAL)  # for people: their language
    if department_notes:
        own = shown["note"] if "note" in shown else [""] * len(shown)
        shown["note"] = [
            "; ".join(n for n in (department_notes.get(str(d), ""), str(o or "")) if n)
            for d, o in zip(shown["department"], own, strict=True)
        ]
    if "note" in shown:
        shown["note"] = shown["note"].fillna("").astype(str).map(mask_account_ids)
    styler = tables.show(shown, display_names=display_names)
    if "note" in shown:
        styler = styler.set_table_styles(
            {"note": [{"selector": "", "props": "white-space: normal; text-align: left"}]},
            overwrite=False,
        )
    facts = {
        _("Period"): period,
        _("Grouped by tag"): tag_key,
        _("Data source"): source,
        _("Generated"): f"{generated_at:%Y-%m-%d %H:%M} UTC",
        _("Currency"): _("US dollars (USD)"),
    }
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language()}">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{html.escape(title)}</h1>",
        '<dl class="facts">',
        *(
            f"<dt>{html.escape(k)}</dt><dd>{html.escape(mask_account_ids(v))}</dd>"
            for k, v in facts.items()
        ),
        "</dl>",
        "<h2>" + html.escape(_("Cost by department")) + "</h2>",
        styler.to_html(),
        "<p>"
        + html.escape(
            _(
                "The last row is the total. {column} is shown only where a department's bill "
                "and its estimate from tokens x list prices agree within {tolerance}; otherwise "
                "the bill and the tokens cover different calls (for example spend before the "
                "tag was activated, or of deleted profiles), the rate would mean nothing, and "
                "the cell is blank with a note."
            ),
            quote=False,
        ).format(column="<code>cost_per_1k_tokens</code>", tolerance=f"{RATE_TOLERANCE:.0%}")
        + "</p>",
    ]
    if notes:
        parts += [
            "<h2>" + html.escape(_("Notes")) + "</h2>",
            '<ul class="notes">',
            *(f"<li>{html.escape(mask_account_ids(note))}</li>" for note in notes),
            "</ul>",
        ]
    for caption, fig in (figures or {}).items():
        parts.append(
            f'<figure><img src="{figure_png(fig)}" alt="{html.escape(caption, quote=True)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


TOTAL = N_("Total")


def with_total(table: pd.DataFrame) -> pd.DataFrame:
    """The chargeback with a last row summing cost and tokens (share 100 %, no rate)."""
    import pandas as pd

    if table.empty:
        return table.copy()
    total: dict[str, object] = {"department": TOTAL}
    for column in table.columns:
        summed = column in ("cost", "tokens") or column.endswith("_tokens")
        if summed and column != "cost_per_1k_tokens":
            total[column] = table[column].sum()
    if "share" in table:
        total["share"] = 1.0
    if "cost_per_1k_tokens" in table:
        total["cost_per_1k_tokens"] = float("nan")
    if "note" in table:
        total["note"] = ""
    out = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    for column in table.columns:
        if str(table[column].dtype) == "int64":
            out[column] = out[column].astype("int64")
    return out


def write_html(page: str, folder: Path | str) -> Path:
    """Write ``chargeback.html`` (UTF-8) next to ``chargeback.csv``."""
    path = Path(folder) / HTML_NAME
    path.write_text(page, encoding="utf-8")
    return path
