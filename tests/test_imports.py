"""Importing helpers does nothing heavy and nothing else: no AWS calls, no pandas, no moto."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES = [
    "helpers",
    "helpers.config",
    "helpers.catalog",
    "helpers.errors",
    "helpers.aws",
    "helpers.profiles",
    "helpers.invoke",
    "helpers.metrics",
    "helpers.costs",
    "helpers.cur",
    "helpers.budgets",
    "helpers.ownership",
    "helpers.pricing",
    "helpers.analysis",
    "helpers.plots",
    "helpers.widgets",
    "helpers.offline",
    "helpers.attribution",
    "helpers.tables",
    "helpers.report",
    "helpers.alerts",
    "helpers.alarms",
    "helpers.loadgen",
    "helpers.cur_engines",
    "helpers.cur_schema",
    "helpers.masking",
    "helpers.offline.launcher",
]
HEAVY = [
    "pandas",
    "matplotlib",
    "ipywidgets",
    "moto",
    "boto3",
    "botocore",
    "tqdm",
    "numpy",
    "duckdb",
    "pyarrow",
]


def test_importing_every_module_loads_nothing_heavy():
    code = (
        f"import sys; import {', '.join(MODULES)}; "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout + result.stderr
