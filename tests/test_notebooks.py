"""The notebooks: stored clean, one skeleton, and executed headlessly (nbval and papermill).

Executions assert on the executed notebooks and on the files they write, not just "it ran".
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.conftest import ACCOUNT
from tests.support.kernels import forked_kernel_manager

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
JAPANESE = NOTEBOOKS / "ja"  # the Japanese edition (scripts/ja_notebooks.py keeps it in step)
ORDER = [
    "00_setup",
    "01_create_profiles",
    "02_inspect_profiles",
    "03_invoke_models",
    "04_generate_usage",
    "05_cost_analysis",
    "06_cur_at_scale",
    "07_budgets_and_alerts",
    "08_attribution_and_priority",
    "99_cleanup",
]
WRITERS = (
    "05_cost_analysis",
    "06_cur_at_scale",
    "07_budgets_and_alerts",
    "08_attribution_and_priority",
)  # take output_dir and write files there
PATHS = [NOTEBOOKS / f"{name}.ipynb" for name in ORDER]
# a cell that hangs (a kernel stuck under load) fails its test instead of stalling CI
CELL_TIMEOUT_S = 300


def test_the_workshop_has_its_notebooks():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(p.name for p in PATHS)


@pytest.mark.parametrize("path", PATHS, ids=ORDER)
def test_stored_clean_with_one_skeleton(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "stored with outputs"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    assert re.match(rf"# {path.stem[:2]} · \S", markdown[0])
    overview = next(s for s in markdown if "## Overview" in s)
    for part in ("**Goal.**", "**Time.**", "**Prerequisites.**"):
        assert part in overview
    assert any(s.startswith("## Summary") for s in markdown)
    assert any("## What next" in s for s in markdown)
    steps = [int(m[1]) for s in markdown for m in re.finditer(r"^## Step (\d+) · ", s, re.M)]
    assert steps == list(range(1, len(steps) + 1)) and steps
    # every step is a markdown explanation followed by the code that does it
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and cell.source.startswith("## Step"):
            assert nb.cells[i + 1].cell_type == "code", f"{cell.source.splitlines()[0]} has no code"
    for cell in code:
        assert not re.search(r"^\s*[%!]\s*pip", cell.source, re.M), "no %pip cells"
        assert "restart" not in cell.source.lower()
        assert "import *" not in cell.source


def quiet_kernel_manager():
    """The kernel manager `make run` uses (scripts/run_notebooks.py): no kernel noise."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "run_notebooks", ROOT / "scripts" / "run_notebooks.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.quiet_kernel_manager()


def papermill_run(name, out_dir, notebooks_dir=NOTEBOOKS, **parameters):
    """Execute one notebook with papermill after checking the parameters exist in it.

    ``notebooks_dir`` is the edition's folder (``JAPANESE`` for notebooks/ja); the kernel runs
    there, as JupyterLab's would.
    """
    import papermill

    source = Path(notebooks_dir) / f"{name}.ipynb"
    declared = papermill.inspect_notebook(str(source))
    unknown = set(parameters) - set(declared)
    assert not unknown, f"{name} has no parameters {unknown}; it declares {sorted(declared)}"
    if "output_dir" in declared and "output_dir" not in parameters:
        # never the project's build/: a test must not overwrite (or, in 99, delete) its files
        parameters["output_dir"] = str(Path(out_dir) / "files")
    output = Path(out_dir) / f"{name}.ipynb"
    output.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(source),
        str(output),
        parameters=parameters,
        kernel_name="python3",
        cwd=str(notebooks_dir),
        progress_bar=False,
        # written once at the end, not at every cell's start and end: ~10 % of a run's time
        request_save_on_cell_execute=False,
        # forked from a process that has imported pandas, matplotlib, boto3 (support/kernels.py)
        kernel_manager_class=forked_kernel_manager(),
        execution_timeout=CELL_TIMEOUT_S,
    )
    executed = nbformat.read(output, as_version=4)
    errors = [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert not errors, f"{name}: {errors[0]['ename']}: {errors[0]['evalue']}"
    return executed


def text_of(executed) -> str:
    parts = []
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                parts.append(output.text)
            elif "data" in output:
                parts.append(output["data"].get("text/plain", ""))
                parts.append(output["data"].get("text/html", ""))  # tables.show's tables
    return "\n".join(parts)


def application_profiles(client, region="us-east-1"):
    pages = (
        client("bedrock", region)
        .get_paginator("list_inference_profiles")
        .paginate(typeEquals="APPLICATION")
    )
    return sorted(
        p["inferenceProfileName"] for page in pages for p in page["inferenceProfileSummaries"]
    )


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# The default configuration's run (tests/support/default_run.py), once per session.
def on_the_default_run(test):
    """Marks a test that reads the default run: slow, and on the xdist worker that holds it."""
    return pytest.mark.slow(pytest.mark.xdist_group("default_run")(test))


@on_the_default_run
@pytest.mark.parametrize("name", ORDER[:-1])
def test_default_config_every_notebook_twice_changes_nothing_the_second_pass(default_run, name):
    shipped = [p["name"] for p in json.loads((ROOT / "config.json").read_text())["profiles"]]
    for run in (1, 2):  # idempotent: the second pass changes nothing and raises nothing
        expected = [] if (name, run) == ("00_setup", 1) else sorted(shipped)
        assert default_run.profiles_after[(name, run)] == expected, f"{name} run {run}"
    shown = text_of(default_run.second[name])
    if name == "00_setup":
        assert "Everything is ready" in shown
    if name == "01_create_profiles":
        assert "reused" in shown  # second run reuses the profiles
        assert "failed to satisfy constraint" in shown  # both rejections shown
    if name == "03_invoke_models":
        assert "on-demand throughput isn\u2019t supported" in shown
    if name == "05_cost_analysis":
        assert "SYNTHETIC history" in shown
    for executed in (default_run.first[name], default_run.second[name]):
        assert ACCOUNT not in text_of(executed), f"{name} shows an account ID unmasked"
    from tests.test_presentation import presentation_problems

    # what a reader sees: no identifier cut to "...", no amount as 2.4e-04
    problems = presentation_problems(name, default_run.second[name])
    assert not problems, "\n".join(problems[:10])


@on_the_default_run
def test_default_config_writes_the_chargeback_and_cur_files(default_run):
    out = default_run.out
    chargeback = read_csv(out / "chargeback.csv")
    departments = {r["department"] for r in chargeback if float(r["cost_usd"]) > 0}
    assert {"claims", "underwriting", "support"} <= departments
    assert abs(sum(float(r["share"]) for r in chargeback) - 1) < 0.01
    daily = read_csv(out / "daily_cost_by_department.csv")
    assert len(daily) >= 14
    assert (
        sum(
            1
            for d in ("claims", "underwriting", "support")
            if sum(float(r[d]) > 0 for r in daily) >= 14
        )
        == 3
    )
    cur_vs_explorer = read_csv(out / "cur_vs_cost_explorer.csv")
    assert {"claims", "underwriting", "support"} <= {r["department"] for r in cur_vs_explorer}
    assert all(abs(float(r["difference"])) < 0.01 for r in cur_vs_explorer)
    assert len(read_csv(out / "cur_daily_trend.csv")) >= 14 * 3


@on_the_default_run
def test_default_config_budgets_actuals_equal_the_cost_notebooks_month_to_date(default_run):
    chargeback_mtd = {
        r["department"]: float(r["cost_usd"])
        for r in read_csv(default_run.month_to_date / "chargeback.csv")
    }
    budget_rows = read_csv(default_run.out / "budget_vs_actual.csv")
    assert {r["department"] for r in budget_rows} == {"claims", "underwriting", "support"}
    for row in budget_rows:
        assert abs(float(row["actual_usd"]) - chargeback_mtd[row["department"]]) < 1e-6
        assert float(row["forecast_usd"]) >= float(row["actual_usd"])


@on_the_default_run
def test_default_config_cleanup_keeps_what_the_workshop_did_not_create(default_run):
    assert "dry_run is set: nothing deleted." in text_of(default_run.plan_only)
    assert default_run.after_plan == (4, 4)  # (profiles, budgets): the dry run deleted nothing
    assert default_run.after_cleanup == {
        "profiles": ["finance_own_profile"],
        "budgets": ["finance-own-budget"],
        "alarms": ["finance-own-alarm"],
    }
    shown = text_of(default_run.cleaned)
    assert "kept profile finance_own_profile: not created by the workshop" in shown
    assert "kept budget finance-own-budget: not created by the workshop" in shown
    assert "kept alarm finance-own-alarm: not created by the workshop" in shown
    assert default_run.after_again == ["finance_own_profile"]  # 99 once more: no error


def one_line_with(text: str, *parts: str) -> bool:
    """Some line of ``text`` holds every one of ``parts`` (IDs and API names, in any language)."""
    return any(all(part in line for part in parts) for line in text.splitlines())


@pytest.mark.slow
def test_the_tokyo_config_end_to_end(workshop, client, tmp_path):
    """The Japanese edition (notebooks/ja), run as a reader would: no config_path, so its default,
    config.tokyo.json as shipped: jp. profiles that keep data in Japan, Tokyo prices, Japanese
    department names. Assertions are on data and IDs, so helper messages may be in Japanese."""
    shipped = json.loads((ROOT / "config.tokyo.json").read_text(encoding="utf-8"))
    missing = [name for name in ORDER if not (JAPANESE / f"{name}.ipynb").is_file()]
    assert not missing, (
        f"notebooks/ja lacks {', '.join(missing)}: the Japanese edition is written by "
        "translators (`python scripts/ja_notebooks.py sync` makes untranslated copies)"
    )
    out = tmp_path / "out"
    executed = {}
    for name in ORDER[:-1]:
        extra = {"output_dir": str(out)} if name in WRITERS else {}
        executed[name] = papermill_run(name, tmp_path / "run", notebooks_dir=JAPANESE, **extra)
    names = sorted(p["name"] for p in shipped["profiles"])
    assert application_profiles(client, "ap-northeast-1") == names
    assert application_profiles(client, "us-east-1") == []
    bedrock = client("bedrock", "ap-northeast-1")
    listed = bedrock.list_inference_profiles(typeEquals="APPLICATION")["inferenceProfileSummaries"]
    claims = next(p for p in listed if p["inferenceProfileName"] == "claims_dept_haiku_4_5_jp")
    assert {m["modelArn"].split(":")[3] for m in claims["models"]} == {
        "ap-northeast-1",
        "ap-northeast-3",
    }
    shown = text_of(executed["03_invoke_models"])
    assert one_line_with(
        shown, "jp.anthropic.claude-sonnet-4-6", "global.anthropic.claude-sonnet-4-6"
    )
    assert one_line_with(shown, "deepseek.v3.2", "InvokeModel")
    assert "ap-northeast-1" in text_of(executed["00_setup"])
    assert "Everything is ready" in text_of(executed["00_setup"])  # printed by the code cell
    chargeback = {r["department"]: r for r in read_csv(out / "chargeback.csv")}
    assert {"claims", "underwriting", "support", "research"} <= {
        d for d, r in chargeback.items() if float(r["cost_usd"]) > 0
    }
    # the tag values stay the join key; the names are the Tokyo config's display_names
    names = {d: r["department_name"] for d, r in chargeback.items()}
    assert {d: names[d] for d in shipped["display_names"]} == shipped["display_names"]
    page = (out / "chargeback.html").read_text(encoding="utf-8")
    assert all(name in page for name in shipped["display_names"].values())
    # 05's plots label departments in Japanese: every glyph found (no missing-glyph warning)
    assert "missing from font" not in text_of(executed["05_cost_analysis"])
    budgets = text_of(executed["07_budgets_and_alerts"])  # 07's budget table, by name too
    assert all(name in budgets for name in shipped["display_names"].values())
    assert "missing from font" not in budgets + text_of(executed["06_cur_at_scale"])
    # DeepSeek V3.2 is billed at Tokyo's own price ($0.74 / $2.22), not the US one
    underwriting = chargeback["underwriting"]
    tokyo = int(underwriting["input_tokens"]) * 0.74 + int(underwriting["output_tokens"]) * 2.22
    assert abs(float(underwriting["cost_usd"]) - tokyo / 1e6) < 1e-6
    from tests.test_presentation import presentation_problems

    problems = [p for name, run in executed.items() for p in presentation_problems(name, run)]
    assert not problems, "\n".join(problems[:10])
    papermill_run("99_cleanup", tmp_path / "clean", notebooks_dir=JAPANESE)
    assert application_profiles(client, "ap-northeast-1") == []


OTHER_CONFIG = {
    "mode": "offline",
    "region": "eu-west-1",
    "tag_key": "team",
    "profiles": [
        {
            "name": "claims_team_haiku",
            "copy_from": "anthropic.claude-haiku-4-5-20251001-v1:0",
            "tags": {"team": "claims", "dept": "operations"},
        },
        {
            "name": "risk_team_gpt_oss",
            "copy_from": "openai.gpt-oss-20b-1:0",
            "tags": {"team": "risk", "dept": "underwriting"},
        },
        {
            "name": "support_team_nova_eu",
            "copy_from": "eu.amazon.nova-lite-v1:0",
            "tags": {"team": "support", "dept": "operations"},
        },
        {
            "name": "research_team_sonnet_global",
            "copy_from": "global.anthropic.claude-sonnet-4-6",
            "tags": {"team": "research", "dept": "strategy"},
        },
    ],
}


@pytest.mark.slow
def test_another_config_tag_key_team_in_ireland(workshop, client, tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(OTHER_CONFIG))
    out = tmp_path / "out"
    for name in ORDER[:-1]:
        extra = {"output_dir": str(out)} if name in WRITERS else {}
        papermill_run(name, tmp_path, config_path=str(path), **extra)
    assert application_profiles(client, "eu-west-1") == sorted(
        p["name"] for p in OTHER_CONFIG["profiles"]
    )
    assert application_profiles(client, "us-east-1") == []
    teams = {r["department"] for r in read_csv(out / "chargeback.csv") if float(r["cost_usd"]) > 0}
    assert {"claims", "risk", "support", "research"} <= teams
    papermill_run("99_cleanup", tmp_path, config_path=str(path))
    assert application_profiles(client, "eu-west-1") == []


RETIRING_CONFIG = {
    "region": "us-east-1",
    "profiles": [
        {
            "name": "claims_on_claude_3_haiku",
            "copy_from": "anthropic.claude-3-haiku-20240307-v1:0",
            "tags": {"dept": "claims"},
        },
        {
            "name": "research_on_sonnet_4_5",
            "copy_from": "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "tags": {"dept": "research"},
        },
        {
            "name": "support_on_nova_micro",
            "copy_from": "amazon.nova-micro-v1:0",
            "tags": {"dept": "support"},
        },
    ],
}


def checks_of(executed, containing: str = "model of") -> dict[str, tuple[str, str]]:
    """check -> (ready, detail) from 00_setup's final table (the last one it shows that has
    ``containing`` in it)."""
    import html

    tables = [
        o["data"]["text/html"]
        for c in executed.cells
        for o in c.get("outputs", [])
        if "text/html" in o.get("data", {}) and containing in o["data"]["text/html"]
    ]
    rows = re.findall(r"<tr>(.*?)</tr>", tables[-1], re.S)
    out = {}
    for row in rows:
        cells = [html.unescape(x) for x in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(cells) == 3:
            out[cells[0]] = (cells[1], cells[2])
    return out


@pytest.mark.slow
def test_setup_refuses_a_retired_model_and_warns_of_a_legacy_one(workshop, tmp_path):
    import papermill

    path = tmp_path / "config.json"
    path.write_text(json.dumps(RETIRING_CONFIG))
    output = tmp_path / "00_setup.ipynb"
    with pytest.raises(papermill.PapermillExecutionError, match="Not ready yet"):
        papermill.execute_notebook(
            str(NOTEBOOKS / "00_setup.ipynb"),
            str(output),
            parameters={"config_path": str(path)},
            kernel_name="python3",
            cwd=str(NOTEBOOKS),
            progress_bar=False,
            kernel_manager_class=quiet_kernel_manager(),
            execution_timeout=CELL_TIMEOUT_S,
        )
    checks = checks_of(nbformat.read(output, as_version=4))
    ready, detail = checks["model of claims_on_claude_3_haiku"]
    assert ready == "NO"
    assert "reached its end of life in us-east-1 on 2026-09-10" in detail
    assert "Use anthropic.claude-haiku-4-5-20251001-v1:0 instead" in detail
    ready, detail = checks["model of research_on_sonnet_4_5"]
    assert ready == "warn"
    assert "LEGACY in us-east-1 since 2026-10-08, end of life on 2027-04-08" in detail
    assert "us.anthropic.claude-sonnet-4-6" in detail
    assert checks["model of support_on_nova_micro"][0] == "yes"
    # the retired model is not called; the others are
    assert "model access: anthropic.claude-3-haiku-20240307-v1:0" not in checks
    assert checks["model access: us.anthropic.claude-sonnet-4-5-20250929-v1:0"][0] == "yes"


REFERENCES = ROOT / "tests" / "reference"  # written by scripts/nbval_references.py
CHECKED = "nbval-check-output"  # nbval's tag: compare this cell's output (with --nbval-lax)


def with_references(name: str, folder: Path) -> Path:
    """A copy of a notebook with the stored reference outputs in its tagged cells."""
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    path = REFERENCES / f"{name}.json"
    references = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    tagged = {c.id for c in notebook.cells if CHECKED in c.metadata.get("tags", [])}
    assert set(references) == tagged, (
        f"{name}: tests/reference/ is out of date with the cells tagged {CHECKED}; "
        "run .venv/bin/python scripts/nbval_references.py and review the diff"
    )
    for cell in notebook.cells:
        if cell.id in references:
            cell.outputs = [nbformat.from_dict(o) for o in references[cell.id]["outputs"]]
            cell.execution_count = references[cell.id]["execution_count"]
    copy = folder / f"{name}.ipynb"
    nbformat.write(notebook, copy)
    return copy


def test_enough_cells_are_checked_against_references():
    tagged = {
        name: [
            c.id
            for c in nbformat.read(path, as_version=4).cells
            if CHECKED in c.metadata.get("tags", [])
        ]
        for name, path in zip(ORDER, PATHS, strict=True)
    }
    assert sum(len(ids) for ids in tagged.values()) >= 10
    assert all(tagged[name] for name in ("00_setup", "01_create_profiles", "99_cleanup"))


@pytest.mark.slow
def test_nbval_checks_every_notebook_against_its_references(workshop, tmp_path):
    """Every notebook runs in order under nbval, which compares each tagged cell's output with
    tests/reference/ (masked by nbval_sanitize.cfg): a helper whose output changes fails here."""
    copies = [with_references(name, tmp_path) for name in ORDER]
    # nbval's kernels fork like papermill's here (tests/support/kernels.py)
    (tmp_path / "conftest.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT)!r})\n"
        "from tests.support.kernels import fork_nbval_kernels\n\nfork_nbval_kernels()\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(ROOT / "tests" / "nbval_sanitize.cfg"),
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-q",
            "--rootdir",
            str(tmp_path),
            *[str(p) for p in copies],
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert re.search(r"\d+ passed", result.stdout)
