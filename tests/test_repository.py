"""What the README promises matches the repository: the two commands, config keys, labs, policy."""

from __future__ import annotations

import json
import re
from pathlib import Path

from helpers import config

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    first_block = re.search(r"```bash\n(.*?)```", README, re.S)[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["make lab", "make test"]
    assert README.index(first_block) < README.index("## ")


def test_readme_documents_every_config_key_and_notebook():
    for key in config.KEYS:
        assert f"| `{key}` |" in README, f"config key {key} is not documented in README"
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert f"| `{notebook.stem}` |" in README, f"{notebook.name} missing from the labs table"


def test_makefile_targets_the_readme_names():
    makefile = (ROOT / "Makefile").read_text()
    for target in (
        "setup",
        "lab",
        "run",
        "test",
        "lint",
        "standin",
        "bench",
        "bench-standin",
        "bench-cur",
    ):
        assert re.search(rf"^{re.escape(target)}:", makefile, re.M), target
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_iam_policy_covers_the_workshop_and_limits_deletion():
    policy = json.loads((ROOT / "iam-policy.json").read_text())
    actions = {a for s in policy["Statement"] for a in s["Action"]}
    for needed in (
        "bedrock:CreateInferenceProfile",
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
        "tag:GetResources",
        "cloudwatch:GetMetricData",
        "ce:GetCostAndUsage",
    ):
        assert needed in actions
    deleting = [s for s in policy["Statement"] if "bedrock:DeleteInferenceProfile" in s["Action"]]
    owner_key, owner_value = config.load(ROOT / "config.json").owner_tag
    assert deleting[0]["Condition"]["StringEquals"] == {f"aws:ResourceTag/{owner_key}": owner_value}


def test_the_readmes_layout_names_every_module():
    """README's Project layout is the map of the code: a module it does not name is lost."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Project layout", 1)[1].split("```", 2)[1]
    named = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", layout))  # i18n has digits
    modules = [
        path.stem
        for folder in ("helpers", "helpers/offline")
        for path in (ROOT / folder).glob("*.py")
        if not path.stem.startswith("__")
    ]
    assert modules and not sorted(set(modules) - named)
