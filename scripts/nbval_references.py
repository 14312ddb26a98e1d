"""Refresh tests/reference/<notebook>.json: the outputs of the cells tagged nbval-check-output.

    .venv/bin/python scripts/nbval_references.py

Runs every notebook in order, as the test suite's nbval check does (a fresh stand-in, model
lifecycles evaluated on the tests' pinned date), and stores the marked cells' outputs. The
notebooks themselves stay stored without outputs; tests/test_notebooks.py puts these references
into copies of them and lets nbval compare (tests/nbval_sanitize.cfg masks what varies). Run it
when a change to a marked cell's output is intended, and review the diff.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REFERENCES = ROOT / "tests" / "reference"
TAG = "nbval-check-output"  # nbval's metadata tag for a cell whose output it compares
ORDER = sorted(path.stem for path in (ROOT / "notebooks").glob("*.ipynb"))


def coalesced(outputs: list) -> list:
    """Consecutive writes to one stream as one output: how a print is cut into messages depends
    on timing, so the stored reference should not (nbval joins them before comparing too)."""
    out: list = []
    for output in outputs:
        previous = out[-1] if out else None
        if (
            previous is not None
            and output.get("output_type") == "stream"
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            out[-1] = {**previous, "text": previous["text"] + output["text"]}
        else:
            out.append(output)
    return out


def marked_outputs(notebook) -> dict[str, dict]:
    """cell id -> its execution count and outputs, for the cells tagged for nbval."""
    return {
        cell.id: {"execution_count": cell.execution_count, "outputs": coalesced(cell.outputs)}
        for cell in notebook.cells
        if cell.cell_type == "code" and TAG in cell.metadata.get("tags", [])
    }


def main() -> int:
    import nbformat
    import papermill
    from run_notebooks import quiet_kernel_manager  # beside this script (its folder is on sys.path)

    from helpers.offline import Standin, state
    from tests.conftest import PINNED_TODAY

    state.LAUNCH_SETTINGS.today = state.SETTINGS.today = PINNED_TODAY
    os.environ["WORKSHOP_HEADLESS"] = "1"
    REFERENCES.mkdir(parents=True, exist_ok=True)
    with Standin() as standin, tempfile.TemporaryDirectory() as out:
        os.environ["WORKSHOP_ENDPOINT_URL"] = standin.endpoint
        for name in ORDER:
            target = Path(out) / f"{name}.ipynb"
            papermill.execute_notebook(
                str(ROOT / "notebooks" / f"{name}.ipynb"),
                str(target),
                kernel_name="python3",
                cwd=str(ROOT / "notebooks"),
                progress_bar=False,
                kernel_manager_class=quiet_kernel_manager(),
            )
            references = marked_outputs(nbformat.read(target, as_version=4))
            path = REFERENCES / f"{name}.json"
            if references:
                text = json.dumps(references, indent=1, ensure_ascii=False, sort_keys=True)
                path.write_text(text + "\n", encoding="utf-8")
                print(f"{name}: {len(references)} cell(s) -> {path.relative_to(ROOT)}")
            elif path.exists():
                path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
