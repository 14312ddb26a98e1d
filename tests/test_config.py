"""config.json: the workshop's settings, and a clear message for every mistake in them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import config
from helpers.errors import ConfigError
from tests.conftest import BASE_CONFIG

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path, content) -> Path:
    path = tmp_path / "config.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def with_changes(**changes) -> dict:
    raw = json.loads(json.dumps(BASE_CONFIG))
    raw.update(changes)
    return raw


def test_the_shipped_config_is_valid():
    cfg = config.load(ROOT / "config.json")
    assert cfg.mode == "offline" and cfg.tag_key == "dept"
    assert len(cfg.profiles) >= 3
    assert any(p.copies_system_profile for p in cfg.profiles)
    assert any(not p.copies_system_profile for p in cfg.profiles)
    providers = {
        p.copy_from.split(".")[-2] if p.copies_system_profile else p.copy_from.split(".")[0]
        for p in cfg.profiles
    }
    assert len(providers) >= 2
    assert set(cfg.departments.values()) == {"claims", "underwriting", "support"}


def test_defaults_and_overrides(tmp_path, monkeypatch):
    path = write(tmp_path, {"profile_names": ["claims_dept_claude_3_sonnet_profile"]})
    cfg = config.load(path)
    assert (cfg.mode, cfg.region, cfg.tag_key) == ("offline", "us-east-1", "dept")
    assert cfg.owner_tag == ("workshop", "bedrock-inference-profiles")
    assert cfg.offline.port == 4599
    monkeypatch.setenv("WORKSHOP_CONFIG", str(path))
    monkeypatch.setenv("WORKSHOP_MODE", "aws")
    assert config.load().mode == "aws"


def test_the_seeds_config_still_works(tmp_path):
    seed = {
        "profile_names": [
            "claims_dept_claude_3_sonnet_profile",
            "underwriting_dept_llama3_70b_profile",
        ]
    }
    cfg = config.load(write(tmp_path, seed))
    assert cfg.profiles == ()
    assert cfg.analysed_names == tuple(seed["profile_names"])


@pytest.mark.parametrize(
    "content,fragments",
    [
        ("", ["the file is empty", "git checkout config.json"]),
        ('{"mode": "offline",}', ["line 1, column", "not valid JSON", "no trailing commas"]),
        ("[1, 2]", ["must be an object"]),
        (with_changes(tagkey="team"), ["key 'tagkey' is not a setting", "did you mean 'tag_key'?"]),
        (with_changes(mode="cloud"), ["key 'mode' is \"cloud\"", 'use "offline"']),
        (with_changes(region="Tokyo"), ["key 'region' is not an AWS region"]),
        (with_changes(region=5), ["key 'region' must be \"us-east-1\", not 5"]),
        (with_changes(profiles={"name": "x"}), ["key 'profiles' must be"]),
        (with_changes(offline={"port": "4599"}), ["key 'offline.port' must be 4599"]),
        (with_changes(offline={"port": 80}), ["key 'offline.port' is 80"]),
        (with_changes(offline={"prot": 5000}), ["did you mean 'port'"]),
        (
            with_changes(
                profiles=[
                    {
                        "name": "claims dept!",
                        "copy_from": "amazon.nova-lite-v1:0",
                        "tags": {"dept": "c"},
                    }
                ]
            ),
            ["key 'profiles[0].name' holds a profile name AWS would refuse", "claims dept!"],
        ),
        (
            with_changes(
                profiles=[
                    {"name": "a" * 65, "copy_from": "amazon.nova-lite-v1:0", "tags": {"dept": "c"}}
                ]
            ),
            ["profiles[0].name", "1-64 characters"],
        ),
        (
            with_changes(
                profiles=[
                    {
                        "name": "ok",
                        "copy_from": "amazon.nova-lite-v1:0",
                        "description": "請求部門 (pilot)",
                        "tags": {"dept": "c"},
                    }
                ]
            ),
            ["profiles[0].description", "a description AWS would refuse"],
        ),
        (
            with_changes(profiles=[{"name": "ok", "copy_from": "amazon.nova-lite-v1:0"}]),
            ["profiles[0].tags", "has no 'dept' tag"],
        ),
        (
            with_changes(
                profiles=[
                    {
                        "name": "ok",
                        "copy_from": "amazon.nova-lite-v1:0",
                        "tags": {"dept": "a" * 257},
                    }
                ]
            ),
            ["profiles[0].tags.dept"],
        ),
        (
            with_changes(
                profiles=[
                    {
                        "name": "ok",
                        "copy_from": "amazon.nova-lite-v1:0",
                        "tags": {"dept": "c", "aws:team": "x"},
                    }
                ]
            ),
            ["reserved prefix"],
        ),
        (
            with_changes(
                profiles=[
                    {
                        "name": "ok",
                        "copy_from": "arn:aws:bedrock:us-east-1:123456789012:"
                        "application-inference-profile/abcdefghijkl",
                        "tags": {"dept": "c"},
                    }
                ]
            ),
            ["profiles[0].copy_from", "names an application inference profile"],
        ),
        (
            with_changes(
                profiles=[{"name": "ok", "copy_from": "Claude Haiku", "tags": {"dept": "c"}}]
            ),
            ["profiles[0].copy_from", "is not a model or profile ID"],
        ),
        (
            with_changes(profiles=[{"copy_from": "amazon.nova-lite-v1:0", "tags": {"dept": "c"}}]),
            ["profiles[0].name' is missing"],
        ),
        (
            with_changes(
                profiles=[
                    {
                        "name": "a",
                        "copy_from": "amazon.nova-lite-v1:0",
                        "tags": {"dept": "c"},
                        "model": "x",
                    }
                ]
            ),
            ["profiles[0].model"],
        ),
        (
            with_changes(
                profiles=[
                    {"name": "a", "copy_from": "amazon.nova-lite-v1:0", "tags": {"dept": "c"}}
                ]
                * 2
            ),
            ["names a more than once"],
        ),
        (with_changes(profiles=[]), ["is empty and there is no profile_names list"]),
    ],
)
def test_bad_config_gets_one_clear_message(tmp_path, content, fragments):
    path = write(tmp_path, content)
    with pytest.raises(ConfigError) as excinfo:
        config.load(path)
    message = str(excinfo.value)
    assert message.startswith(str(path))
    assert "\nFix: " in message
    for fragment in fragments:
        assert fragment in message


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as excinfo:
        config.load(tmp_path / "nope.json")
    assert "config file not found" in str(excinfo.value)
    assert "WORKSHOP_CONFIG" in str(excinfo.value)


def test_bad_mode_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_MODE", "prod")
    with pytest.raises(ConfigError, match="WORKSHOP_MODE"):
        config.load(write(tmp_path, BASE_CONFIG))


def test_message_renders_without_a_traceback_in_jupyter(tmp_path):
    with pytest.raises(ConfigError) as excinfo:
        config.load(write(tmp_path, with_changes(mode="cloud")))
    lines = excinfo.value._render_traceback_()
    assert lines[0].startswith("ConfigError: ")
    assert not any("Traceback" in line for line in lines)


@pytest.mark.parametrize(
    "changes,fragment",
    [
        ({"region": "us-east-9"}, 'is not a region where Bedrock runs: "us-east-9"'),
        ({"region": "us-east-9"}, 'did you mean "us-east-2"?'),
        (
            {"copy_from": "JP.anthropic.claude-haiku-4-5-20251001-v1:0"},
            "write jp.anthropic.claude-haiku-4-5-20251001-v1:0.",
        ),
        (
            {
                "copy_from": "arn:aws:bedrock:ca-central-1:123456789012:inference-profile/"
                "ca.anthropic.claude-haiku-4-5-20251001-v1:0"
            },
            "which is not a cross-region profile prefix",
        ),
        ({"copy_from": "ca.amazon.nova-lite-v1:0"}, "Canada calls us. and global. profiles"),
        (
            {
                "copy_from": "arn:aws:bedrock:us-east-1::inference-profile/"
                "global.anthropic.claude-haiku-4-5-20251001-v1:0"
            },
            'write the profile ID instead, e.g. "global.anthropic.claude-haiku-4-5-20251001-v1:0"',
        ),
    ],
)
def test_regions_and_geographies_are_checked(tmp_path, changes, fragment):
    raw = {
        "region": changes.get("region", "us-east-1"),
        "profiles": [
            {
                "name": "a",
                "copy_from": changes.get("copy_from", "amazon.nova-micro-v1:0"),
                "tags": {"dept": "x"},
            }
        ],
    }
    with pytest.raises(ConfigError) as excinfo:
        config.parse(raw, tmp_path / "config.json")
    assert fragment in str(excinfo.value)
