"""The Japanese edition (notebooks/ja/): kept in step with the English notebooks, its one source.

    python scripts/ja_notebooks.py check     # what is out of step; exit 1 if anything is
    python scripts/ja_notebooks.py sync      # copy code cells from English, add new cells
    python scripts/ja_notebooks.py stamp 05_cost_analysis nb05-03   # translation brought up to date

A Japanese notebook has the English notebook's cells, in the same order and with the same ids.
Its code cells are the English ones, unchanged (source and metadata). Its markdown cells hold the
translation, stamped in ``metadata.i18n.en_sha1`` with the SHA-1 of the English text it
translates: when the English prose changes, the stamp no longer matches and ``check`` names the
cell until someone updates the translation and restamps it (``set_translations`` does both).
``sync`` never writes a translation: a new English markdown cell arrives in English, unstamped,
and ``check`` reports it as untranslated. A renamed English notebook takes its translation along
(the Japanese notebook holding most of its cell ids is renamed too), and a Japanese cell with no
English cell is named as sync drops it.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = ROOT / "notebooks"
JAPANESE = ENGLISH / "ja"
# Hiragana, katakana and the CJK ideographs: a translated cell contains some.
_JAPANESE_TEXT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def english_notebooks() -> list[Path]:
    return sorted(ENGLISH.glob("*.ipynb"))


def source_text(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def as_lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def write(path: Path, notebook: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")


def japanese_path(english: Path) -> Path:
    return JAPANESE / english.name


def synced(english: dict[str, Any], japanese: dict[str, Any] | None) -> dict[str, Any]:
    """The Japanese notebook for ``english``: its code cells, and the translations kept by id."""
    kept = {cell.get("id"): cell for cell in (japanese or {}).get("cells", [])}
    result = copy.deepcopy(english)
    cells = []
    for cell in english["cells"]:
        if cell["cell_type"] != "markdown":
            cells.append(copy.deepcopy(cell))
            continue
        old = kept.get(cell.get("id"))
        if old is not None and old["cell_type"] == "markdown":
            translated = copy.deepcopy(cell)
            translated["source"] = copy.deepcopy(old["source"])
            i18n = old.get("metadata", {}).get("i18n")
            if i18n is not None:
                translated["metadata"]["i18n"] = copy.deepcopy(i18n)
            cells.append(translated)
        else:
            cells.append(copy.deepcopy(cell))  # new: English until translated (check says so)
    result["cells"] = cells
    result["metadata"] = copy.deepcopy(english["metadata"])
    return result


def problems(english: dict[str, Any], japanese: dict[str, Any] | None, name: str) -> list[str]:
    """Every way the Japanese notebook is out of step with the English one (empty: in step)."""
    if japanese is None:
        return [f"{name}: no Japanese edition (run `python scripts/ja_notebooks.py sync`)"]
    found = []
    en_cells, ja_cells = english["cells"], japanese["cells"]
    en_ids = [(c.get("id"), c["cell_type"]) for c in en_cells]
    ja_ids = [(c.get("id"), c["cell_type"]) for c in ja_cells]
    if en_ids != ja_ids:
        missing = [i for i, _ in en_ids if i not in {j for j, _ in ja_ids}]
        extra = [i for i, _ in ja_ids if i not in {j for j, _ in en_ids}]
        what = [f"new in English: {', '.join(map(str, missing))}"] if missing else []
        what += [f"only in Japanese: {', '.join(map(str, extra))}"] if extra else []
        found.append(
            f"{name}: cells differ from the English notebook ("
            + ("; ".join(what) or "order or cell types differ")
            + "); run `python scripts/ja_notebooks.py sync`"
        )
        return found
    for en, ja in zip(en_cells, ja_cells, strict=True):
        where = f"{name} cell {en.get('id')}"
        if en["cell_type"] != "markdown":
            if source_text(en) != source_text(ja) or en.get("metadata") != ja.get("metadata"):
                found.append(
                    f"{where}: code differs from the English edition (code is edited in "
                    "notebooks/ only; run `python scripts/ja_notebooks.py sync`)"
                )
            continue
        stamp = ja.get("metadata", {}).get("i18n", {}).get("en_sha1")
        if not _JAPANESE_TEXT.search(source_text(ja)) or stamp is None:
            found.append(f"{where}: not translated")
        elif stamp != sha1(source_text(en)):
            found.append(
                f"{where}: the English text changed since it was translated; update the "
                "translation, then `python scripts/ja_notebooks.py stamp "
                f"{name} {en.get('id')}`"
            )
    return found


def dropped(english: dict[str, Any], japanese: dict[str, Any] | None) -> list[str]:
    """What sync leaves out of the Japanese notebook: its markdown cells with no English cell."""
    ids = {cell.get("id") for cell in english["cells"]}
    return [
        f"cell {cell.get('id')}: {source_text(cell)[:60]!r}"
        for cell in (japanese or {}).get("cells", [])
        if cell["cell_type"] == "markdown" and cell.get("id") not in ids
    ]


def renamed_from(english: dict[str, Any], orphans: dict[str, dict[str, Any]]) -> str | None:
    """The Japanese notebook (by file name) with no English one that holds most of ``english``'s
    cell ids: the translation of a notebook that was renamed."""
    ids = {cell.get("id") for cell in english["cells"]}
    for name, japanese in orphans.items():
        shared = ids & {cell.get("id") for cell in japanese["cells"]}
        if len(shared) * 2 > len(ids):
            return name
    return None


def set_translations(name: str, translations: dict[str, str]) -> None:
    """Write Japanese text for markdown cells of notebook ``name`` (e.g. "05_cost_analysis"),
    by cell id, stamped with the English text each one translates."""
    english = read(ENGLISH / f"{name}.ipynb")
    path = JAPANESE / f"{name}.ipynb"
    japanese = synced(english, read(path) if path.exists() else None)
    by_id = {
        cell.get("id"): (en, cell)
        for en, cell in zip(english["cells"], japanese["cells"], strict=True)
    }
    for cell_id, text in translations.items():
        if cell_id not in by_id or by_id[cell_id][1]["cell_type"] != "markdown":
            raise KeyError(f"{name}: no markdown cell with id {cell_id!r}")
        en, cell = by_id[cell_id]
        cell["source"] = as_lines(text.strip("\n"))
        cell["metadata"]["i18n"] = {"en_sha1": sha1(source_text(en))}
    write(path, japanese)


def stamp(name: str, cell_ids: list[str]) -> int:
    """Mark translations as up to date with the English text they translate now (a translator
    updated them in place, e.g. in JupyterLab)."""
    path = JAPANESE / f"{name}.ipynb"
    if not path.exists() or not cell_ids:
        print("usage: python scripts/ja_notebooks.py stamp NOTEBOOK CELL_ID [CELL_ID ...]")
        return 1
    japanese = read(path)
    texts = {c.get("id"): source_text(c) for c in japanese["cells"] if c["cell_type"] == "markdown"}
    unknown = [i for i in cell_ids if i not in texts]
    if unknown:
        print(f"{name}: no markdown cell with id {', '.join(unknown)}")
        return 1
    set_translations(name, {i: texts[i] for i in cell_ids})
    print(f"{name}: stamped {', '.join(cell_ids)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["check", "sync", "stamp"])
    parser.add_argument("notebook", nargs="?", help="stamp: the notebook, e.g. 05_cost_analysis")
    parser.add_argument("cells", nargs="*", help="stamp: the ids of the cells brought up to date")
    args = parser.parse_args(argv)
    if args.command == "stamp":
        return stamp(args.notebook or "", args.cells)
    found: list[str] = []
    english_names = {p.name for p in english_notebooks()}
    orphans = {
        p.name: read(p) for p in sorted(JAPANESE.glob("*.ipynb")) if p.name not in english_names
    }
    for english_file in english_notebooks():
        english = read(english_file)
        path = japanese_path(english_file)
        japanese = read(path) if path.exists() else None
        old_name = renamed_from(english, orphans) if japanese is None else None
        if old_name is not None:
            # the English notebook was renamed: its translation is under the old name
            if args.command == "sync":
                (JAPANESE / old_name).rename(path)
                print(f"renamed notebooks/ja/{old_name} -> {path.relative_to(ROOT)}")
                japanese = orphans.pop(old_name)
            else:
                found.append(
                    f"{english_file.stem}: no Japanese edition, but notebooks/ja/{old_name} "
                    "holds its cells: the English notebook was renamed; `python "
                    "scripts/ja_notebooks.py sync` moves the translation to the new name"
                )
                orphans.pop(old_name)
                continue
        if args.command == "sync":
            for cell in dropped(english, japanese):
                print(f"{english_file.stem}: dropped {cell} (no English cell with its id)")
            updated = synced(english, japanese)
            if updated != japanese:
                write(path, updated)
                print(f"updated {path.relative_to(ROOT)}")
            japanese = updated
        found += problems(english, japanese, english_file.stem)
    found += [f"notebooks/ja/{name}: no English notebook of that name" for name in orphans]
    for line in found:
        print(line)
    print(f"{len(found)} problem(s)" if found else "the Japanese edition is in step")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
