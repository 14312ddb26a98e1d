"""The Japanese edition (notebooks/ja) is kept in step with the English notebooks.

scripts/ja_notebooks.py's checker is tested on copies with one thing wrong at a time; then the
repository itself is checked. That last test lists every cell out of step (it fails until every
notebook's translation has landed, and again whenever the English prose changes).
"""

from __future__ import annotations

import copy
import importlib.util
import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def load_script():
    spec = importlib.util.spec_from_file_location("ja_notebooks", ROOT / "scripts/ja_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def ja(tmp_path, monkeypatch):
    """The script, pointed at a copy of the English notebooks in tmp_path/notebooks."""
    module = load_script()
    english = tmp_path / "notebooks"
    english.mkdir()
    for path in module.english_notebooks():
        shutil.copy(path, english / path.name)
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "ENGLISH", english)
    monkeypatch.setattr(module, "JAPANESE", english / "ja")
    return module


def translate_everything(module, name: str) -> None:
    """Stand-in translations for every markdown cell of one notebook (stamped as real ones)."""
    english = module.read(module.ENGLISH / f"{name}.ipynb")
    module.set_translations(
        name,
        {
            cell["id"]: "（訳）" + module.source_text(cell)
            for cell in english["cells"]
            if cell["cell_type"] == "markdown"
        },
    )


def check(module, name: str) -> list[str]:
    english = module.read(module.ENGLISH / f"{name}.ipynb")
    path = module.JAPANESE / f"{name}.ipynb"
    return module.problems(english, module.read(path) if path.exists() else None, name)


def test_a_fully_translated_edition_is_in_step(ja, capsys):
    assert ja.main(["sync"]) == 1  # synced, but every markdown cell is still English
    for path in ja.english_notebooks():
        translate_everything(ja, path.stem)
    assert ja.main(["check"]) == 0, capsys.readouterr().out
    # the code cells are the English ones, byte for byte; the prose is the translation
    english = ja.read(ja.ENGLISH / "05_cost_analysis.ipynb")
    japanese = ja.read(ja.JAPANESE / "05_cost_analysis.ipynb")
    for en, tr in zip(english["cells"], japanese["cells"], strict=True):
        assert en["id"] == tr["id"]
        if en["cell_type"] == "code":
            assert en == tr
        else:
            assert ja.source_text(tr).startswith("（訳）")


def test_a_code_cell_changed_in_one_edition_only_is_named(ja):
    ja.main(["sync"])
    translate_everything(ja, "05_cost_analysis")
    assert check(ja, "05_cost_analysis") == []
    path = ja.JAPANESE / "05_cost_analysis.ipynb"
    notebook = ja.read(path)
    cell = next(c for c in notebook["cells"] if c["cell_type"] == "code" and c["id"] == "nb05-02")
    cell["source"] = ja.source_text(cell).replace("days = 30", "days = 31")
    ja.write(path, notebook)
    assert check(ja, "05_cost_analysis") == [
        "05_cost_analysis cell nb05-02: code differs from the English edition (code is edited in "
        "notebooks/ only; run `python scripts/ja_notebooks.py sync`)"
    ]
    assert ja.main(["check"]) == 1
    # code is edited in English: sync puts the English code back, translations kept
    ja.main(["sync"])
    assert check(ja, "05_cost_analysis") == []
    # a change made in the English notebook only: the Japanese one is behind until sync
    english_path = ja.ENGLISH / "05_cost_analysis.ipynb"
    english = ja.read(english_path)
    cell = next(c for c in english["cells"] if c["id"] == "nb05-02")
    cell["source"] = ja.source_text(cell).replace("days = 30", "days = 14")
    ja.write(english_path, english)
    assert [p.split(":")[0] for p in check(ja, "05_cost_analysis")] == [
        "05_cost_analysis cell nb05-02"
    ]
    ja.main(["sync"])
    assert check(ja, "05_cost_analysis") == []


def test_code_metadata_differing_is_named_too(ja):
    ja.main(["sync"])
    translate_everything(ja, "00_setup")
    path = ja.JAPANESE / "00_setup.ipynb"
    notebook = ja.read(path)
    code = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    code["metadata"]["tags"] = ["parameters", "extra"]
    ja.write(path, notebook)
    assert [p for p in check(ja, "00_setup") if "code differs" in p] == [
        f"00_setup cell {code['id']}: code differs from the English edition (code is edited in "
        "notebooks/ only; run `python scripts/ja_notebooks.py sync`)"
    ]


def test_an_untranslated_markdown_cell_is_named(ja):
    ja.main(["sync"])
    translate_everything(ja, "02_inspect_profiles")
    path = ja.JAPANESE / "02_inspect_profiles.ipynb"
    notebook = ja.read(path)
    english = ja.read(ja.ENGLISH / "02_inspect_profiles.ipynb")
    index, cell = next(
        (i, c) for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "markdown"
    )
    notebook["cells"][index] = copy.deepcopy(english["cells"][index])  # back to English
    ja.write(path, notebook)
    assert check(ja, "02_inspect_profiles") == [
        f"02_inspect_profiles cell {cell['id']}: not translated"
    ]
    # Japanese text without the stamp of the English it translates is not taken as translated
    notebook["cells"][index] = copy.deepcopy(cell)
    del notebook["cells"][index]["metadata"]["i18n"]
    ja.write(path, notebook)
    assert check(ja, "02_inspect_profiles") == [
        f"02_inspect_profiles cell {cell['id']}: not translated"
    ]


def test_english_prose_changed_since_translation_is_named(ja):
    ja.main(["sync"])
    translate_everything(ja, "03_invoke_models")
    english_path = ja.ENGLISH / "03_invoke_models.ipynb"
    english = ja.read(english_path)
    cell = next(c for c in english["cells"] if c["cell_type"] == "markdown")
    cell["source"] = ja.source_text(cell) + "\nOne more sentence.\n"
    ja.write(english_path, english)
    ja.main(["sync"])  # sync keeps the old translation: it cannot write the new one
    assert check(ja, "03_invoke_models") == [
        f"03_invoke_models cell {cell['id']}: the English text changed since it was translated; "
        "update the translation, then `python scripts/ja_notebooks.py stamp 03_invoke_models "
        f"{cell['id']}`"
    ]


def test_a_new_english_cell_or_a_missing_notebook_is_named(ja):
    assert check(ja, "07_budgets_and_alerts") == [
        "07_budgets_and_alerts: no Japanese edition (run `python scripts/ja_notebooks.py sync`)"
    ]
    ja.main(["sync"])
    translate_everything(ja, "07_budgets_and_alerts")
    english_path = ja.ENGLISH / "07_budgets_and_alerts.ipynb"
    english = ja.read(english_path)
    english["cells"].insert(
        1, {"cell_type": "markdown", "id": "new-cell", "metadata": {}, "source": ["New.\n"]}
    )
    ja.write(english_path, english)
    assert "cells differ from the English notebook" in check(ja, "07_budgets_and_alerts")[0]
    ja.main(["sync"])
    assert check(ja, "07_budgets_and_alerts") == [
        "07_budgets_and_alerts cell new-cell: not translated"
    ]


def test_the_repository_japanese_edition_is_in_step():
    """notebooks/ja against notebooks/: every cell in step (fails, listing what is not, until
    the translations land; `python scripts/ja_notebooks.py check` prints the same list)."""
    module = load_script()
    found = []
    for path in module.english_notebooks():
        japanese_path = module.japanese_path(path)
        japanese = module.read(japanese_path) if japanese_path.exists() else None
        found += module.problems(module.read(path), japanese, path.stem)
    extra = {p.name for p in module.JAPANESE.glob("*.ipynb")} - {
        p.name for p in module.english_notebooks()
    }
    found += [f"notebooks/ja/{name}: no English notebook of that name" for name in sorted(extra)]
    assert not found, f"{len(found)} problem(s) in notebooks/ja:\n" + "\n".join(found)


def test_the_japanese_notebooks_are_stored_clean():
    """Like the English ones: no outputs, JSON as the script writes it (indent 1, UTF-8)."""
    module = load_script()
    for path in sorted(module.JAPANESE.glob("*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        assert all(not c["outputs"] and c["execution_count"] is None for c in code), path.name
        text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
        assert path.read_text(encoding="utf-8") == text, f"{path.name}: not as the script writes"
