"""The workshop's story: the problem before the fix (01), the diagrams and the map from the
original scripts (README, 00), Try it and What next in 00-02, and output an analyst can hand on."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from helpers import attribution, config, invoke, profiles

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
README = (ROOT / "README.md").read_text(encoding="utf-8")
STORY = ("00_setup", "01_create_profiles", "02_inspect_profiles")
NEXT = {
    "00_setup": "01_create_profiles",
    "01_create_profiles": "02_inspect_profiles",
    "02_inspect_profiles": "03_invoke_models",
}
# The original description's scripts and every command it shows (its README, in Japanese).
ORIGINAL_SCRIPTS = ("inference_profile.py", "profile_inspector.py", "cost_analysis.py")
ORIGINAL_COMMANDS = (
    "uv run inference_profile.py",
    "uv run profile_inspector.py",
    "uv run cost_analysis.py",
    "aws bedrock create-inference-profile",
    "aws bedrock list-inference-profiles --type-equals APPLICATION",
    "aws bedrock get-inference-profile",
    "aws resourcegroupstaggingapi get-resources --tag-filters",
    "--query inferenceProfileSummaries[0].inferenceProfileArn",
    "aws bedrock-runtime converse",
)


def series_of(conn, model_ids, start, expected):
    request = attribution.metric_request(model_ids, start)
    return attribution.calls_seen(conn, request, model_ids, expected)


# --- the problem, then the fix, against the stand-in ----------------------------------------


def test_two_departments_on_one_shared_id_are_one_series_then_two_after_the_fix(conn, cfg):
    shared = attribution.shared_source(cfg)
    teams = attribution.departments(cfg)
    assert shared == "us.amazon.nova-lite-v1:0"  # the first system-defined profile copied
    assert teams == ["claims", "underwriting"]
    start = attribution.window_start()
    for team in teams:
        invoke.converse(conn, shared, f"a note for {team}", max_tokens=8)
    one = series_of(conn, [shared], start, {shared: 2})
    assert list(one["ModelId"]) == [shared]
    assert int(one.loc[0, "invocations"]) == 2  # both departments, added together
    assert int(one.loc[0, "output_tokens"]) > 0
    # the series has one dimension, ModelId: nothing in it says which department called
    listed = conn.cloudwatch.list_metrics(
        Namespace="AWS/Bedrock",
        MetricName="Invocations",
        Dimensions=[{"Name": "ModelId", "Value": shared}],
    )["Metrics"]
    assert [[d["Name"] for d in m["Dimensions"]] for m in listed] == [["ModelId"]]

    created = profiles.ensure(conn, cfg)
    fix_start = attribution.window_start()
    own = {}
    for team in teams:
        name = created.loc[created[cfg.tag_key] == team, "name"].iloc[0]
        profile = profiles.resolve(conn, name)
        invoke.converse(conn, profile, f"a note for {team}", max_tokens=8)
        own[profile.profile_id] = profile
    two = series_of(conn, list(own), fix_start, dict.fromkeys(own, 1))
    assert list(two["ModelId"]) == list(own) and len(set(two["ModelId"])) == 2
    assert list(two["invocations"]) == [1, 1]
    assert [p.tags[cfg.tag_key] for p in own.values()] == teams
    assert set(two["ModelId"]).isdisjoint({shared})  # the shared series did not grow
    again = series_of(conn, [shared], start, {shared: 2})
    assert int(again.loc[0, "invocations"]) == 2


def test_shared_source_falls_back_to_a_model_id_and_reads_arns(tmp_path):
    def parse(specs, tag_key="dept"):
        raw = {"mode": "offline", "region": "us-east-1", "tag_key": tag_key, "profiles": specs}
        return config.parse(raw, tmp_path / "config.json")

    models_only = parse(
        [
            {"name": "a", "copy_from": "amazon.nova-micro-v1:0", "tags": {"dept": "legal"}},
            {"name": "b", "copy_from": "openai.gpt-oss-120b-1:0", "tags": {"dept": "legal"}},
        ]
    )
    assert attribution.shared_source(models_only) == "amazon.nova-micro-v1:0"
    # one department configured: the second is a placeholder, never a repeat
    assert attribution.departments(models_only) == ["legal", "team_a"]
    arn = parse(
        [
            {
                "name": "a",
                "copy_from": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0",
                "tags": {"dept": "x"},
            },
            {
                "name": "b",
                "copy_from": "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
                "global.anthropic.claude-haiku-4-5-20251001-v1:0",
                "tags": {"dept": "y"},
            },
        ]
    )
    assert attribution.shared_source(arn) == "global.anthropic.claude-haiku-4-5-20251001-v1:0"
    assert attribution.departments(arn) == ["x", "y"]


def test_per_model_id_sums_each_metric_and_shows_zero_without_data():
    request = attribution.metric_request(["a", "b"], datetime(2026, 11, 28, tzinfo=timezone.utc))
    ids = [q["Id"] for q in request["MetricDataQueries"]]
    assert len(ids) == 6 and len(set(ids)) == 6
    response = {
        "MetricDataResults": [
            {"Id": "m0_0", "Values": [1.0, 2.0]},
            {"Id": "m0_1", "Values": [30.0, 12.0]},
            {"Id": "m0_2", "Values": [16.0]},
        ]
    }
    table = attribution.per_model_id(response, ["a", "b"])
    assert table.to_dict("records") == [
        {"ModelId": "a", "invocations": 3, "input_tokens": 42, "output_tokens": 16},
        {"ModelId": "b", "invocations": 0, "input_tokens": 0, "output_tokens": 0},
    ]


def test_calls_seen_waits_for_cloudwatch_and_never_fails_when_it_is_late():
    answers = [
        {"MetricDataResults": []},
        {"MetricDataResults": [{"Id": "m0_0", "Values": [2.0]}]},
    ]
    sent = []

    def get_metric_data(**request):
        sent.append(request)
        return answers[min(len(sent), len(answers)) - 1]

    conn = SimpleNamespace(cloudwatch=SimpleNamespace(get_metric_data=get_metric_data))
    request = attribution.metric_request(["a"], attribution.window_start())
    late = attribution.calls_seen(conn, request, ["a"], {"a": 2}, wait_seconds=0)
    assert int(late.loc[0, "invocations"]) == 0 and len(sent) == 1  # no wait: what has arrived
    sent.clear()
    waited = attribution.calls_seen(conn, request, ["a"], {"a": 2}, 5, poll_seconds=0.01)
    assert int(waited.loc[0, "invocations"]) == 2 and len(sent) == 2


def test_the_metric_request_and_its_cli_command_cover_the_minute_in_progress():
    start = attribution.window_start(datetime(2026, 11, 28, 9, 41, 37, tzinfo=timezone.utc))
    assert start == datetime(2026, 11, 28, 9, 41, tzinfo=timezone.utc)
    request = attribution.metric_request(["global.x"], start)
    assert request["EndTime"] > datetime.now(timezone.utc) + timedelta(seconds=59)
    stat = request["MetricDataQueries"][0]["MetricStat"]
    assert stat["Metric"]["Dimensions"] == [{"Name": "ModelId", "Value": "global.x"}]
    assert (stat["Period"], stat["Stat"]) == (60, "Sum")
    command = attribution.cli_command(request, "us-east-1")
    assert "--dimensions Name=ModelId,Value=global.x" in command
    assert "--start-time 2026-11-28T09:41:00Z" in command


# --- the story as written: diagrams, the script map, Try it, What next, no "seed" ----------


def markdown_of(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    return nb, [c for c in nb.cells if c.cell_type == "markdown"]


def mermaid_blocks(text):
    return re.findall(r"```mermaid\n(.*?)```", text, re.S)


def test_readme_and_setup_draw_the_architecture_and_the_flow():
    _, cells = markdown_of("00_setup")
    setup = "\n".join(c.source for c in cells)
    for text, least in ((README, 3), (setup, 2)):
        blocks = mermaid_blocks(text)
        assert len(blocks) >= least
        joined = "\n".join(blocks)
        assert any(b.lstrip().startswith("sequenceDiagram") for b in blocks)
        for part in (
            "stand-in",
            "CreateInferenceProfile",
            "Converse",
            "CloudWatch",
            "Cost Explorer",
            "CUR",
            "Athena",
            "Budgets",
            "dept=claims",
        ):
            assert part in joined, part
        for block in blocks:  # a semicolon ends a statement in mermaid and breaks a label
            assert ";" not in block


def script_map():
    section = README.split("## From the original scripts to the notebooks", 1)[1]
    return section.split("\n## ", 1)[0]


def test_the_script_map_names_every_original_script_and_command():
    table = script_map()
    rows = [line for line in table.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| original script or command |")
    assert "what the workshop fixes" in rows[0]
    for name in ORIGINAL_SCRIPTS + ORIGINAL_COMMANDS:
        assert name in table, name
    for fixed in ("InvocationCount", "SERVICE = Amazon Bedrock", "1st of a month", "eventType"):
        assert fixed in table, fixed
    _, cells = markdown_of("00_setup")
    setup = "\n".join(c.source for c in cells)
    for name in ORIGINAL_SCRIPTS:
        assert name in setup
    assert "From the original scripts to the notebooks" in setup


def test_every_step_the_script_map_cites_exists():
    cited = re.findall(r"`(\d\d_[a-z_]+)` · ((?:“[^”]+”(?:, )?)+)", script_map())
    assert len(cited) >= 10
    for name, titles in cited:
        _, cells = markdown_of(name)
        headings = [
            m[1] for c in cells for m in re.finditer(r"^## Step \d+ · (.+)$", c.source, re.M)
        ]
        for title in re.findall(r"“([^”]+)”", titles):
            assert any(h.startswith(title) for h in headings), f"{name} has no step {title!r}"


@pytest.mark.parametrize("name", STORY)
def test_try_it_with_a_collapsed_solution_and_what_next(name):
    nb, cells = markdown_of(name)
    sources = [c.source for c in cells]
    tried = next(i for i, s in enumerate(sources) if s.startswith("## Try it"))
    solution = cells[tried + 1]
    assert solution.metadata.get("tags") == ["solution"]
    assert solution.source.startswith("<details><summary>Solution</summary>")
    assert solution.source.rstrip().endswith("</details>")
    summary = next(i for i, s in enumerate(sources) if s.startswith("## Summary"))
    assert tried < summary
    after = sources[-1].split("## What next", 1)[1]
    assert f"**{NEXT[name]}**" in after


@pytest.mark.parametrize("name", STORY)
def test_no_user_facing_seed_in_the_story_notebooks(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        assert not re.search(r"\bseed", cell.source, re.I), cell.source[:200]


def test_no_user_facing_seed_in_the_readme():
    # The stand-in's random `seed` parameter is the only seed the README may name.
    paragraphs = re.split(r"\n\s*\n|\n(?=- )", README)
    about_randomness = [p for p in paragraphs if '"seed"' in p or "--seed" in p]
    rest = "\n".join(p for p in paragraphs if p not in about_randomness)
    assert not re.search(r"\bseed", rest, re.I)
    assert "as in the `config.json` of the original `cost_analysis.py`" in README


# --- executed: the problem and the fix shown, nothing cut --------------------------------

CUT = re.compile(r"\w\.\.\.|\w…|\d\.\d+e[-+]\d+")


def shown_text(executed):
    """Every text and HTML output, except widget placeholders (their repr is not the data)."""
    parts = []
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                parts.append(output.text)
            data = output.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                continue
            parts += [v for k, v in data.items() if k.startswith("text/")]
    return "\n".join(parts)


@pytest.mark.slow
@pytest.mark.xdist_group("default_run")
def test_story_notebooks_show_the_problem_then_the_fix_and_cut_nothing(default_run):
    # the first pass of the default run: 00, 01, 02 in order on a fresh account
    shown = {name: shown_text(default_run.first[name]) for name in STORY}
    for name, text in shown.items():
        assert not CUT.findall(text), f"{name}: {CUT.findall(text)[:3]}"
    problem = shown["01_create_profiles"]
    counted = re.search(
        r"One series for claims and underwriting: CloudWatch counts (\d+) call", problem
    )
    # Step 2's two calls, plus 00_setup's access check when it ran in the same minute
    assert counted and int(counted[1]) in (2, 3)
    if int(counted[1]) == 3:
        assert "The other 1 call went to the same ID" in problem
    assert "2 series, one per profile ID" in problem
    # 01 shows each profile by name, ID and full ARN
    arns = re.findall(
        r"arn:aws:bedrock:us-east-1:\*+\d{4}:application-inference-profile/\w+", problem
    )
    assert len(set(arns)) == 3
    assert "profile_id" in problem
    # 00's checks keep every detail in full
    assert "(low confidence: release dates recalled" in shown["00_setup"]
    table = json.dumps(shown["02_inspect_profiles"])
    assert "application-inference-profile/" in table
