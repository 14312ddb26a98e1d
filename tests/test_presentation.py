"""What a reader sees: every notebook hands on to the next, and no output cuts or garbles a figure.

The output checks run on notebooks executed by tests/test_notebooks.py (``presentation_problems``)
and here on one full offline run of the workshop.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from tests.test_notebooks import ORDER, PATHS

NEXT = dict(zip(ORDER, ORDER[1:], strict=False))
TRUNCATED = re.compile(
    r"\w(\.\.\.|…)"
)  # pandas cuts a long cell to "arn:aws:bedrock:...:applica..."
E_NOTATION = re.compile(r"(?<![\w.])-?\d+(\.\d+)?[eE][-+]\d+\b")  # 2.4e-04, 1.110223e-16
WIDGET = "application/vnd.jupyter.widget-view+json"


def shown_texts(executed):
    """(cell index, text) of what a reader sees: streams, HTML and plain text, not widget reprs."""
    for index, cell in enumerate(executed.cells):
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                yield index, output.text
            elif output.output_type == "error":
                yield index, f"{output.ename}: {output.evalue}"
            elif "data" in output:
                data = output["data"]
                if "text/html" in data:
                    yield index, data["text/html"]
                elif "text/markdown" in data:
                    yield index, data["text/markdown"]
                elif WIDGET not in data and "image/png" not in data:
                    yield index, data.get("text/plain", "")


def presentation_problems(name: str, executed) -> list[str]:
    """Truncated identifiers and e-notation numbers in an executed notebook's outputs."""
    problems = []
    for index, text in shown_texts(executed):
        text = re.sub(r"<style[^>]*>.*?</style>", "", text, flags=re.S)  # CSS is not shown
        for pattern, what in ((TRUNCATED, "cut text"), (E_NOTATION, "e-notation number")):
            for match in pattern.finditer(text):
                excerpt = text[max(0, match.start() - 50) : match.end() + 10]
                problems.append(f"{name} cell {index}: {what}: {excerpt!r}")
    return problems


def test_the_checks_catch_what_they_look_for():
    cut = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell()
    cell.outputs = [
        nbformat.v4.new_output(
            "execute_result",
            {"text/plain": "0  arn:aws:bedrock:us-east-1:********9012:applica...  2.819100e-04"},
        )
    ]
    cut.cells = [cell]
    found = presentation_problems("x", cut)
    assert any("cut text" in p for p in found) and any("e-notation" in p for p in found)
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="$0.000282 for 1,234 tokens\n")
    ]
    assert presentation_problems("x", cut) == []


@pytest.mark.parametrize("path", PATHS, ids=ORDER)
def test_what_next_names_the_next_notebook(path):
    nb = nbformat.read(path, as_version=4)
    what_next = next(
        c.source for c in nb.cells if c.cell_type == "markdown" and "## What next" in c.source
    )
    section = what_next[what_next.index("## What next") :]
    if path.stem in NEXT:
        assert f"**{NEXT[path.stem]}**" in section, f"{path.stem} does not name {NEXT[path.stem]}"
    else:  # the clean-up says how to start again
        assert "**00_setup**" in section or "**01_create_profiles**" in section


@pytest.mark.parametrize("path", PATHS, ids=ORDER)
def test_each_notebook_ends_with_exercises_and_a_hidden_solution(path):
    nb = nbformat.read(path, as_version=4)
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
    assert any(h.startswith("## Try it") for h in headings), f"{path.stem} has no Try it"
    solutions = [c for c in nb.cells if "solution" in c.metadata.get("tags", [])]
    assert solutions and all(
        c.cell_type == "markdown" and "<details>" in c.source for c in solutions
    )


@pytest.mark.parametrize("path", PATHS, ids=ORDER)
def test_no_user_text_says_the_seed(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        prose = (
            cell.source
            if cell.cell_type == "markdown"
            else "\n".join(
                line for line in cell.source.splitlines() if "print" in line or '"' in line
            )
        )
        assert not re.search(r"\bthe seed\b|\bseed's\b", prose, re.I), (path.stem, prose[:200])
