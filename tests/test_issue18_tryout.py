"""Issue 18 tried as a Japanese analyst would: texts the helpers put into tables and reports
(not only error messages) come out in Japanese when the language is ja, so no English phrase
is left in the middle of a Japanese table or page."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest

from helpers import analysis, budgets, callers, i18n, report
from tests.test_governance_story import budget_readings

LATIN_WORDS = re.compile(r"[A-Za-z]{3,}(?: [A-Za-z]{2,})+")


@pytest.fixture(autouse=True)
def _japanese(monkeypatch):
    """Japanese for the test, the default language again afterwards (it is process-wide)."""
    monkeypatch.delenv(i18n.ENV_VAR, raising=False)
    i18n.set_default_language(None)
    i18n.set_language("ja")
    yield
    i18n.set_language(None)


def test_reconcile_basis_is_japanese():
    estimated = pd.DataFrame(
        {
            "department": ["claims-automation", "claims", "(no dept tag)"],
            "estimated_cost": [1.6, 0.5, 0.2],
        }
    )
    billed = pd.DataFrame(
        {"department": ["claims-automation", "claims", "legal"], "cost": [0.02, 0.5, 1.3]}
    )
    causes = analysis.gap_causes(
        "team", date(2026, 10, 30), [], {}, unbackfilled=date(2026, 11, 28)
    )
    for by_construction in (True, False):
        out = analysis.reconcile(estimated, billed, by_construction=by_construction, causes=causes)
        basis = out.set_index("department")["basis"]
        for department in ("claims", "claims-automation", "legal", "(no dept tag)"):
            text = basis[department].replace(analysis.UNTAGGED, "")
            for english in ("by construction", "measured", "differs", "billed as"):
                assert english not in text, (department, basis[department])


def test_budget_readings_and_forecast_method_are_japanese(cfg):
    projection = budgets.forecast_label(True, False)
    assert "スタンドイン" in budgets.forecast_label(True, True)
    assert "projection" not in projection and "cost so far" not in projection
    said = budget_readings(cfg)
    assert "forecast agrees" not in said["support"]
    assert "スタンドイン" in said["support"]  # the stand-in's API forecast: agrees by construction
    # the projection is still told apart from the API's forecast in Japanese
    assert "ステップ 6" in said["underwriting"], said["underwriting"]
    for text in said.values():
        assert not LATIN_WORDS.search(
            re.sub(r"GetCostForecast|AWS Budgets|Cost Explorer", "", text)
        ), text


def test_what_goes_with_a_principal_is_japanese():
    said = callers._with_it(
        {
            "inline": ["invoke"],
            "attached": ["arn:aws:iam::aws:policy/X"],
            "keys": ["AKIA1", "AKIA2"],
        }
    )
    for english in ("inline policy", "managed policy", "access key", "with it"):
        assert english not in said, said
    assert "invoke" in said and "X" in said and "2" in said


def test_what_goes_with_a_principal_in_english_is_unchanged():
    i18n.set_language("en")
    said = callers._with_it({"inline": ["invoke"], "attached": [], "keys": ["AKIA1"]})
    assert said == "; with it: inline policy invoke, 1 access key"


def chargeback() -> pd.DataFrame:
    totals = pd.DataFrame({"department": ["keiri", analysis.UNTAGGED], "cost": [1.5, 0.25]})
    usage = pd.DataFrame({"department": ["keiri"], "input_tokens": [1000], "output_tokens": [300]})
    return analysis.chargeback(totals, usage)


def test_html_report_is_japanese_and_says_so():
    page = report.chargeback_html(
        chargeback(),
        period="2026-10-30 〜 2026-11-28",
        tag_key="dept",
        source="offline",
        notes=["メモ"],
        display_names={"keiri": "経理部 <b>&</b>"},
    )
    assert '<html lang="ja">' in page
    for english in (
        "Cost by department",
        "Grouped by tag",
        "Data source",
        "Currency",
        "The last row",
        "<h2>Notes",
    ):
        assert english not in page, english
    assert "<code>cost_per_1k_tokens</code>" in page  # the code stays code
    assert "経理部 &lt;b&gt;&amp;&lt;/b&gt;" in page  # a display name is escaped
    assert "<b>&</b>" not in page


def test_html_report_in_english_is_unchanged():
    i18n.set_language("en")
    page = report.chargeback_html(chargeback(), period="p", tag_key="dept", source="s", notes=["n"])
    assert '<html lang="en">' in page
    assert "<title>Generative AI chargeback by department</title>" in page
    assert "<h2>Cost by department</h2>" in page and "<h2>Notes</h2>" in page
    assert "department's bill" in page and "within 10%" in page


def test_the_japanese_05_names_the_basis_as_the_table_shows_it():
    from pathlib import Path

    prose = (
        Path(__file__).resolve().parents[1] / "notebooks" / "ja" / "05_cost_analysis.ipynb"
    ).read_text(encoding="utf-8")
    for label in ("by construction", "differs: ", "measured, differs: "):
        shown = i18n._(label).strip().rstrip(":")
        assert shown != label.strip().rstrip(":") and shown in prose, shown


def test_99_in_japanese_deletes_the_record_of_athena_results(conn, cfg, tmp_path):
    """99_cleanup in notebooks/ja stopped with KeyError: 'ローカルファイル' (the kind, a lookup key,
    was translated); the Athena record file must be deleted like the rest, in either language."""
    from helpers import cur

    record = tmp_path / cur.RESULTS_RECORD
    record.write_text("[]", encoding="utf-8")
    plan = cur.cleanup_plan(conn, cfg, "workshop_cur", "cur_daily", tmp_path)
    assert list(plan["kind"]) == ["local file"]
    done = cur.cleanup(conn, plan, "workshop_cur")
    assert not record.exists() and list(done["result"]) == ["deleted"]


def test_a_cleanup_plans_reason_for_deleting_is_japanese():
    """99's plans read "carries workshop=...。あわせて削除するもの: ..." (half English)."""
    from helpers import ownership

    decision, reason = ownership.decision(True, ("workshop", "bedrock-inference-profiles"))
    assert decision == "delete" and "carries" not in reason
    assert "workshop=bedrock-inference-profiles" in reason


def test_a_global_profiles_destination_is_japanese():
    """01 and 02 listed a global profile's destinations as "any commercial region"."""
    from helpers.profiles import Profile

    arn = "arn:aws:bedrock:::foundation-model/amazon.nova-2-lite-v1:0"
    shown = Profile("p", "id", "arn", "SYSTEM_DEFINED", "ACTIVE", (arn,)).regions
    assert shown and "commercial" not in shown[0], shown
    i18n.set_language("en")
    assert Profile("p", "id", "arn", "SYSTEM_DEFINED", "ACTIVE", (arn,)).regions == (
        "any commercial region",
    )


def test_a_converse_failure_says_what_failed_in_japanese(conn):
    """03 showed "call Converse on anthropic.claude-sonnet-4-6 に失敗しました" (English inside)."""
    from helpers import errors, invoke

    with pytest.raises(errors.AwsError) as caught:
        invoke.converse(conn, "anthropic.claude-sonnet-4-6", "こんにちは")
    message = str(caught.value)
    assert "call Converse" not in message and "Converse" in message, message
    assert "anthropic.claude-sonnet-4-6" in message


def test_no_doing_phrase_is_assigned_unwrapped():
    """test_i18n's check looks at explained()'s arguments; a phrase first put in ``doing`` slipped
    past it (invoke.converse). Every ``doing = ...`` in the helpers goes through _()."""
    import ast
    from pathlib import Path

    found = []
    for path in sorted((Path(__file__).resolve().parents[1] / "helpers").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "doing" for t in node.targets)
                and isinstance(node.value, (ast.Constant, ast.JoinedStr))
            ):
                found.append(f"{path.name}:{node.lineno}")
    assert not found, found


def test_a_port_in_full_width_digits_is_explained_in_japanese(tmp_path):
    """ "port": "４５９９" read "は 4599 でなければなりません" (it must equal 4599?): the message
    says a number is wanted, and the fix names half-width digits without quotes."""
    import json

    from helpers import config, errors

    path = tmp_path / "config.json"
    raw = json.loads((config.PROJECT_ROOT / "config.json").read_text(encoding="utf-8"))
    raw["offline"] = {"port": "４５９９"}
    raw["language"] = "ja"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(errors.ConfigError) as caught:
        config.load(path)
    message = str(caught.value)
    assert "でなければなりません" not in message, message
    assert "半角" in message and "引用符" in message, message
    raw["language"] = "en"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(errors.ConfigError) as caught:
        config.load(path)
    assert "ASCII digits" in str(caught.value) and "quotes" in str(caught.value)


@pytest.mark.parametrize("typed", ["日本語", "にほんご", "英語"])
def test_a_language_written_in_japanese_gets_the_code_suggested(typed):
    """ "language": "日本語" was refused without the "did you mean" a typo of "jp" gets."""
    problem, fix = i18n.problem_with(typed)
    hint = i18n._('did you mean "{code}"? ').format(code="en" if typed == "英語" else "ja")
    assert fix.startswith(hint), fix


# --- the sync checker (scripts/ja_notebooks.py) ----------------------------------------------


@pytest.fixture
def ja_script(tmp_path, monkeypatch):
    """scripts/ja_notebooks.py pointed at a copy of both editions in tmp_path/notebooks."""
    import importlib.util
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("ja_notebooks", root / "scripts/ja_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shutil.copytree(root / "notebooks", tmp_path / "notebooks")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "ENGLISH", tmp_path / "notebooks")
    monkeypatch.setattr(module, "JAPANESE", tmp_path / "notebooks" / "ja")
    return module


def test_a_renamed_english_notebook_keeps_its_translation(ja_script, capsys):
    """Renaming notebooks/02_x.ipynb made sync write an untranslated English copy under the new
    name and leave the translation under the old one ("no English notebook of that name"):
    deleting that, as the message invites, destroyed the translation. check names the rename,
    and sync moves the translation to the new name."""
    english = ja_script.ENGLISH
    (english / "02_inspect_profiles.ipynb").rename(english / "02_inspect.ipynb")
    assert ja_script.main(["check"]) == 1
    said = capsys.readouterr().out
    assert "02_inspect_profiles.ipynb" in said and "renamed" in said, said
    assert ja_script.main(["sync"]) == 0, capsys.readouterr().out
    moved = ja_script.JAPANESE / "02_inspect.ipynb"
    assert "プロファイル" in moved.read_text(encoding="utf-8")
    assert not (ja_script.JAPANESE / "02_inspect_profiles.ipynb").exists()


def test_cells_out_of_step_are_named_not_listed(ja_script, capsys):
    """An added English cell was reported as two full lists of (id, type) pairs to compare by
    eye; the message names the cell that is missing or extra, and sync says what it dropped."""
    path = ja_script.ENGLISH / "02_inspect_profiles.ipynb"
    notebook = ja_script.read(path)
    notebook["cells"].insert(
        3, {"cell_type": "markdown", "id": "new-cell", "metadata": {}, "source": ["New.\n"]}
    )
    ja_script.write(path, notebook)
    japanese_path = ja_script.JAPANESE / "02_inspect_profiles.ipynb"
    japanese = ja_script.read(japanese_path)
    japanese["cells"].insert(
        2, {"cell_type": "markdown", "id": "note-ja", "metadata": {}, "source": ["訳注。\n"]}
    )
    ja_script.write(japanese_path, japanese)
    ja_script.main(["check"])
    said = capsys.readouterr().out
    assert "new-cell" in said and "note-ja" in said and "nb02-00" not in said, said
    ja_script.main(["sync"])
    said = capsys.readouterr().out
    assert "note-ja" in said and "訳注" in said, said  # dropped: said, with its text


def test_a_translator_restamps_an_updated_cell_from_the_command_line(ja_script, capsys):
    """ "update the translation (set_translations restamps it)" named a Python function: a
    translator who edited the cell in JupyterLab had no command to say it is up to date."""
    path = ja_script.ENGLISH / "02_inspect_profiles.ipynb"
    notebook = ja_script.read(path)
    notebook["cells"][1]["source"].append(" One more sentence.")
    ja_script.write(path, notebook)
    cell_id = notebook["cells"][1]["id"]
    assert ja_script.main(["check"]) == 1
    said = capsys.readouterr().out
    assert f"python scripts/ja_notebooks.py stamp 02_inspect_profiles {cell_id}" in said, said
    assert ja_script.main(["stamp", "02_inspect_profiles", cell_id]) == 0
    assert ja_script.main(["check"]) == 0
    assert ja_script.main(["stamp", "02_inspect_profiles", "no-such-cell"]) == 1


def test_a_busy_port_is_explained_in_japanese():
    """A port held by another web server read "Port 4724 は別のプログラムが使っており、...:
    answers HTTP 404。": two English fragments inside the Japanese sentence."""
    from helpers.offline import launcher

    error = launcher._not_the_standin("http://127.0.0.1:4724", launcher._answers_http(404))
    message = str(error)
    assert "Port" not in message and "answers" not in message, message
    assert "4724" in message and "404" in message
    i18n.set_language("en")
    message = str(launcher._not_the_standin("http://127.0.0.1:4724", launcher._answers_http(404)))
    assert (
        message.startswith("Port 4724 is taken by another program")
        and "answers HTTP 404" in message
    )


def test_a_converse_only_model_is_explained_with_a_japanese_full_stop():
    """03 printed "deepseek.v3.2: InvokeModel の本文形式が公開されていません." (an English full stop
    added outside _())."""
    from helpers import errors, invoke

    with pytest.raises(errors.InputError) as caught:
        invoke.family_of("deepseek.v3.2")
    assert caught.value.problem.endswith("ません。"), caught.value.problem


def test_a_dates_confidence_is_japanese():
    """00 showed "(確度 low: ...)": the level stayed English inside the Japanese phrase."""
    from helpers import catalog

    data = catalog.load()
    low = next(key for key, entry in data.sources.items() if entry.get("confidence") == "low")
    hedge = data.hedge(low)
    assert "確度" in hedge and "low" not in hedge.split(":")[0], hedge
    i18n.set_language("en")
    assert data.hedge(low).startswith(" (low confidence: ")


def test_the_html_reports_total_row_is_japanese():
    """The last row of a Japanese report read "Total | Total" (department and its name)."""
    page = report.chargeback_html(
        chargeback(), period="p", tag_key="dept", source="s", display_names={"keiri": "経理部"}
    )
    cells = re.findall(r"<td[^>]*>(.*?)</td>", page)
    assert "Total" not in cells and cells.count("合計") == 2, cells[-12:]


def test_plots_label_their_axes_and_titles_in_japanese():
    """05-07's figures had Japanese department names under English titles, axes and legends."""
    import warnings

    from helpers import plots

    table = chargeback()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a warning: none allowed
        figures = [
            plots.share_by_department(table, display_names={"keiri": "経理部"}),
            plots.tokens_vs_cost(table),
            plots.budget_vs_actual(
                pd.DataFrame(
                    {
                        "department": ["keiri"],
                        "budget_usd": [5.0],
                        "actual_usd": [1.0],
                        "forecast_usd": [2.0],
                    }
                )
            ),
        ]
        for fig in figures:
            fig.canvas.draw()
    for fig in figures:
        ax = fig.axes[0]
        texts = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()]
        for text in texts:
            assert not re.search(r"[A-Za-z]{4,} [a-z]{2,}", re.sub(r"\(USD\)|UTC", "", text)), text
    i18n.set_language("en")
    assert plots.share_by_department(table).axes[0].get_title() == "Share of cost by department"


@pytest.mark.parametrize(
    "names",
    [{"claims": "support"}, {"claims": "経理部", "support": "経理部"}],
    ids=["another departments tag value", "one name for two departments"],
)
def test_a_display_name_that_two_departments_would_share_is_refused(tmp_path, names):
    """ "claims": "support" (or two departments given one name) was accepted: the chargeback then
    showed two rows named the same, and a reader could not tell whose cost was whose."""
    import json

    from helpers import config, errors

    raw = json.loads((config.PROJECT_ROOT / "config.json").read_text(encoding="utf-8"))
    raw["display_names"] = names
    raw["language"] = "ja"
    path = tmp_path / "config.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(errors.ConfigError) as caught:
        config.load(path)
    message = str(caught.value)
    assert "display_names" in message and ("support" in message or "経理部" in message), message
