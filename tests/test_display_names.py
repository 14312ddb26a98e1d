"""display_names: departments shown by name (経理部) while their tags stay ASCII (keiri).

Config validation, the Japanese edition's default config, and the names in tables, plots, the
chargeback CSV and the HTML report; Japanese labels render with no missing-glyph warning.
"""

from __future__ import annotations

import csv
import json
import logging
import sys
import warnings
from io import BytesIO
from pathlib import Path

import pandas as pd
import pytest

from helpers import config, i18n, plots, report, tables
from helpers.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
NAMES = {"keiri": "経理部", "claims": "保険金請求部"}
BASE = {
    "mode": "offline",
    "region": "us-east-1",
    "profiles": [
        {"name": "keiri_haiku", "copy_from": "amazon.nova-lite-v1:0", "tags": {"dept": "keiri"}},
        {"name": "claims_haiku", "copy_from": "amazon.nova-lite-v1:0", "tags": {"dept": "claims"}},
    ],
}


def parsed(**extra):
    return config.parse({**BASE, **extra}, Path("config.json"))


def chargeback_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "department": ["claims", "keiri", "(untagged)"],
            "cost": [0.75, 0.2, 0.05],
            "share": [0.75, 0.2, 0.05],
            "tokens": [120_000, 40_000, 1_000],
            "cost_per_1k_tokens": [0.00625, 0.005, float("nan")],
        }
    )


# --- config -------------------------------------------------------------------------------------


def test_display_names_are_read_and_trimmed():
    cfg = parsed(display_names={" keiri": "経理部 ", "claims": "\u3000保険金請求部"})
    assert cfg.display_names == NAMES
    assert parsed().display_names == {}


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (["keiri", "経理部"], "must be"),
        ({"keiri": 1}, "must be"),
        ({"keiri": "  "}, "is empty"),
        ({"経理部": "keiri"}, "is not a tag value"),  # the map the wrong way round
        ({"keiri": "経理部", " keiri ": "経理"}, "twice"),
    ],
)
def test_display_names_refused(value, says):
    with pytest.raises(ConfigError) as caught:
        parsed(display_names=value)
    assert "display_names" in str(caught.value) and says in str(caught.value)


def test_a_name_for_a_tag_no_profile_carries_is_a_warning_not_an_error():
    with pytest.warns(UserWarning, match=r'display_names has "keri", which no profile'):
        cfg = parsed(display_names={"keri": "経理部"})
    assert cfg.display_names == {"keri": "経理部"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parsed(display_names=NAMES)  # every key carried: no warning


def test_names_apply_to_the_configured_tag_key_only():
    """An analyst grouping 05 or 06 by another tag sees that tag's values, not department names:
    a value both tags share ("claims" as a team) must not be renamed as the department."""
    cfg = parsed(display_names=NAMES)
    assert cfg.display_names_for("dept") == NAMES
    assert cfg.display_names_for("team") == {}
    cfg.display_names_for("dept")["keiri"] = "changed"  # a copy: the config is not edited
    assert cfg.display_names == NAMES


def test_the_tokyo_config_names_its_departments_in_japanese():
    cfg = config.load(ROOT / "config.tokyo.json")
    assert set(cfg.display_names) == set(cfg.departments.values())
    assert all(plots_has_japanese(name) for name in cfg.display_names.values())
    assert config.load(ROOT / "config.json").display_names == {}


def plots_has_japanese(text: str) -> bool:
    return any("\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff" for c in text)


# --- the Japanese edition's default config --------------------------------------------------------


def test_the_japanese_edition_reads_the_tokyo_config_by_default(tmp_path, monkeypatch):
    assert i18n.JAPANESE_EDITION == ROOT / "notebooks" / "ja"
    edition = tmp_path / "notebooks" / "ja"
    edition.mkdir(parents=True)
    monkeypatch.setattr(i18n, "EDITION_FOLDERS", {edition: "ja"})
    monkeypatch.delenv("WORKSHOP_CONFIG", raising=False)
    monkeypatch.chdir(edition)
    assert config.load().path == ROOT / "config.tokyo.json"
    assert config.load().region == "ap-northeast-1"
    # an explicit path or WORKSHOP_CONFIG still wins
    assert config.load(ROOT / "config.json").path == ROOT / "config.json"
    monkeypatch.setenv("WORKSHOP_CONFIG", str(ROOT / "config.json"))
    assert config.load().path == ROOT / "config.json"
    monkeypatch.delenv("WORKSHOP_CONFIG")
    # the English notebooks' folder (and anywhere else): config.json
    monkeypatch.chdir(tmp_path / "notebooks")
    assert config.load().path == ROOT / "config.json"


# --- tables, CSV, HTML ----------------------------------------------------------------------------


def test_tables_add_the_name_after_the_tag_value():
    frame = chargeback_table()
    assert tables.show(frame).data.equals(tables.show(frame, display_names={}).data)
    text = tables.text(frame, display_names=NAMES)
    header = text.splitlines()[0].split()
    assert header[:2] == ["department", "department_name"]
    assert "保険金請求部" in text and "経理部" in text and "(untagged)" in text
    assert "経理部" in tables.show(frame, display_names=NAMES).to_html()
    assert "department_name" not in tables.text(frame)


def test_a_table_of_departments_as_columns_is_renamed():
    daily = pd.DataFrame({"claims": [1.0], "keiri": [2.0]}, index=["2026-11-01"])
    daily.columns.name = "department"
    named = tables.with_display_names(daily, NAMES)
    assert list(named.columns) == ["保険金請求部", "経理部"]
    assert list(daily.columns) == ["claims", "keiri"]  # the input is left alone


def test_a_table_indexed_by_department_gets_the_name_first():
    """08's department x caller matrix: departments are its rows, the total row keeps its label."""
    matrix = pd.DataFrame(
        {"claims-app": [1.0, 0.0, 1.0], "total": [1.0, 2.0, 3.0]},
        index=pd.Index(["claims", "keiri", "total"], name="department"),
    )
    named = tables.with_display_names(matrix, NAMES)
    assert list(named.columns) == ["department_name", "claims-app", "total"]
    assert list(named["department_name"]) == ["保険金請求部", "経理部", "total"]
    assert list(matrix.columns) == ["claims-app", "total"]  # the input is left alone


def test_the_chargeback_csv_keeps_the_tag_value_and_adds_the_name(tmp_path):
    plain = report.write_csv(chargeback_table(), tmp_path)
    with plain.open(encoding="utf-8") as f:
        assert next(csv.reader(f))[:2] == ["department", "cost_usd"]
    named_dir = tmp_path / "named"
    named_dir.mkdir()
    path = report.write_csv(chargeback_table(), named_dir, display_names=NAMES)
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:3] == ["department", "department_name", "cost_usd"]
    assert {r["department"]: r["department_name"] for r in rows} == {
        "claims": "保険金請求部",
        "keiri": "経理部",
        "(untagged)": "(untagged)",
    }


def test_the_html_report_shows_the_names():
    page = report.chargeback_html(
        chargeback_table(), period="p", tag_key="dept", source="s", display_names=NAMES
    )
    assert "経理部" in page and "保険金請求部" in page
    assert "&#" not in page.split("<table")[1].split("</table>")[0].split("経理部")[0][-60:]
    plain = report.chargeback_html(chargeback_table(), period="p", tag_key="dept", source="s")
    assert "department_name" not in plain and "経理部" not in plain


# --- plots ----------------------------------------------------------------------------------------


def rendered(fig) -> None:
    """Draw to PNG with every warning an error and matplotlib's log captured."""
    buffer = BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")


def figures_with_names():
    daily = pd.DataFrame(
        {"claims": [1.0, 2.0], "keiri": [0.5, 0.25]}, index=["2026-11-01", "2026-11-02"]
    )
    daily.columns.name = "department"
    budgets = pd.DataFrame(
        {
            "department": ["claims", "keiri"],
            "budget_usd": [10.0, 5.0],
            "actual_usd": [3.0, 1.0],
            "forecast_usd": [9.0, 2.5],
        }
    )
    table = chargeback_table()
    return {
        "daily": plots.daily_cost_by_department(
            daily, title="部門別の日次コスト", display_names=NAMES
        ),
        "share": plots.share_by_department(table, display_names=NAMES),
        "tokens": plots.tokens_vs_cost(table, display_names=NAMES),
        "budget": plots.budget_vs_actual(budgets, display_names=NAMES),
    }


def texts_of(fig) -> set[str]:
    from matplotlib.text import Text

    fig.canvas.draw()
    ticks = [t for ax in fig.axes for t in (*ax.get_xticklabels(), *ax.get_yticklabels())]
    return {t.get_text() for t in (*fig.findobj(Text), *ticks)}


def test_plots_label_departments_by_name_with_colours_kept():
    figures = figures_with_names()
    for name, fig in figures.items():
        assert "経理部" in texts_of(fig), name
        assert "keiri" not in texts_of(fig), name
    plain = plots.share_by_department(chargeback_table())
    assert "keiri" in texts_of(plain) and "経理部" not in texts_of(plain)
    named_colours = [p.get_facecolor() for p in figures["share"].axes[0].patches]
    plain_colours = [p.get_facecolor() for p in plain.axes[0].patches]
    assert named_colours == plain_colours


def test_japanese_labels_render_with_no_missing_glyph(caplog):
    assert plots.japanese_font_file() is not None, "matplotlib-fontja is missing: make setup"
    with caplog.at_level(logging.WARNING), warnings.catch_warnings():
        warnings.simplefilter("error")
        for fig in figures_with_names().values():
            rendered(fig)
    assert not [r for r in caplog.records if "missing from font" in r.getMessage()]


def test_without_the_font_the_same_figure_warns(monkeypatch):
    """The test above can fail: with the Japanese fallback off, matplotlib warns."""
    monkeypatch.setattr(plots, "_registered", [False])
    with pytest.warns(UserWarning, match="missing from font"):
        rendered(plots.share_by_department(chargeback_table(), display_names=NAMES))


def test_the_font_changes_nothing_global():
    import matplotlib

    family = list(matplotlib.rcParams["font.family"])
    figures_with_names()
    assert list(matplotlib.rcParams["font.family"]) == family
    assert "matplotlib_fontja" not in sys.modules  # its import would set the font globally


def test_the_tokyo_config_is_valid_json_with_names_for_its_tags():
    raw = json.loads((ROOT / "config.tokyo.json").read_text(encoding="utf-8"))
    tags = {p["tags"]["dept"] for p in raw["profiles"]}
    assert set(raw["display_names"]) == tags
