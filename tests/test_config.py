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


# --- issue 13: what people paste, type and save -------------------------------------------


def profile_with(**changes) -> dict:
    raw = with_changes()
    raw["profiles"][0].update(changes)
    return raw


def refused(tmp_path, raw) -> str:
    """The message a config gets (written as JSON, so NaN and Infinity appear as literals)."""
    path = write(tmp_path, raw)
    with pytest.raises(ConfigError) as excinfo:
        config.load(path)
    message = str(excinfo.value)
    assert message.startswith(str(path)) and "\nFix: " in message
    return message


@pytest.mark.parametrize(
    "raw,fragments",
    [
        (
            with_changes(owner_tag={"key": "dept", "value": "claims"}),
            ["key 'owner_tag' uses the tag key \"dept\", which is also tag_key", "clean-up"],
        ),
        (
            with_changes(tag_key="team", owner_tag={"key": "team", "value": "x"}),
            ['uses the tag key "team", which is also tag_key'],
        ),
        (
            {
                **profile_with(tags={"dept": "claims", "cost_center": "cc-1"}),
                "owner_tag": {"key": "cost_center", "value": "cc-1"},
            },
            [
                '"cost_center", which profiles[0].tags also sets',
                'the default is {"key": "workshop"',
            ],
        ),
        (
            {
                **with_changes(owner_tag={"key": "env", "value": "lab"}),
                "profiles": [
                    *BASE_CONFIG["profiles"][:2],
                    {**BASE_CONFIG["profiles"][2], "tags": {"dept": "support", "env": "prod"}},
                ],
            },
            ['"env", which profiles[2].tags also sets'],
        ),
    ],
)
def test_an_owner_tag_that_clashes_with_a_cost_tag_is_refused(tmp_path, raw, fragments):
    message = refused(tmp_path, raw)
    for fragment in fragments:
        assert fragment in message


def test_an_owner_tag_of_its_own_key_is_accepted(tmp_path):
    raw = with_changes(owner_tag={"key": "Dept", "value": "x"})  # AWS tag keys are case-sensitive
    assert config.load(write(tmp_path, raw)).owner_tag == ("Dept", "x")


@pytest.mark.parametrize(
    "names,shown",
    [
        (["claims_dept", "support_dept", "claims_dept"], '"claims_dept"'),
        (["a", "a"], '"a"'),
        (["b", "a", "b", "a"], '"a", "b"'),
    ],
)
def test_duplicate_profile_names_are_refused(tmp_path, names, shown):
    message = refused(tmp_path, {"profile_names": names})
    assert f"key 'profile_names' names {shown} more than once" in message
    assert "counts its usage and cost twice" in message


def test_names_that_differ_in_case_are_different_profiles(tmp_path):
    # AWS does not document profile names as case-insensitive; only exact repeats are refused
    cfg = config.load(write(tmp_path, {"profile_names": ["Claims", "claims"]}))
    assert cfg.analysed_names == ("Claims", "claims")


@pytest.mark.parametrize(
    "text,key",
    [
        ('{"profile_names": ["a"], "spend_cap_usd": NaN}', "spend_cap_usd"),
        ('{"profile_names": ["a"], "spend_cap_usd": Infinity}', "spend_cap_usd"),
        ('{"profile_names": ["a"], "spend_cap_usd": 1e400}', "spend_cap_usd"),
        (
            '{"profile_names": ["a"], "offline": {"stream_delay_ms": -Infinity}}',
            "offline.stream_delay_ms",
        ),
        ('{"profile_names": ["a"], "offline": {"port": NaN}}', "offline.port"),
        ('{"profile_names": ["a", NaN]}', "profile_names[1]"),
    ],
)
def test_nan_and_infinity_are_refused_anywhere(tmp_path, text, key):
    message = refused(tmp_path, text)
    assert f"key '{key}' is NaN or Infinity" in message
    assert "JSON has no NaN or Infinity" in message


@pytest.mark.parametrize(
    "cap,fragment",
    [
        (float("nan"), "is NaN or Infinity"),
        (float("inf"), "is NaN or Infinity"),
        (-1, "key 'spend_cap_usd' is -1"),
        (-0.01, "key 'spend_cap_usd' is -0.01"),
        (True, "must be 1.0, not true"),
        ("1.0", 'must be 1.0, not "1.0"'),
        (None, "must be 1.0, not null"),
    ],
)
def test_a_spend_cap_that_would_not_cap_is_refused(tmp_path, cap, fragment):
    with pytest.raises(ConfigError) as excinfo:
        config.parse(with_changes(spend_cap_usd=cap), tmp_path / "config.json")
    assert fragment in str(excinfo.value)


@pytest.mark.parametrize(
    "offline,fragment",
    [
        ({"stream_delay_ms": 1e12}, "key 'offline.stream_delay_ms' is 1000000000000.0"),
        ({"stream_delay_ms": 1001}, "key 'offline.stream_delay_ms' is 1001"),
        ({"stream_delay_ms": -1}, "key 'offline.stream_delay_ms' is -1"),
        ({"stream_delay_ms": float("nan")}, "is NaN or Infinity"),
        ({"stream_delay_ms": True}, "must be 15, not true"),
        ({"stream_delay_ms": "15"}, 'must be 15, not "15"'),
        ({"port": True}, "must be 4599, not true"),
        ({"port": 4599.0}, "must be 4599, not 4599.0"),
        ({"port": 1023}, "key 'offline.port' is 1023"),
        ({"port": 65536}, "key 'offline.port' is 65536"),
    ],
)
def test_stand_in_settings_that_stall_or_fail_are_refused(tmp_path, offline, fragment):
    with pytest.raises(ConfigError) as excinfo:
        config.parse(with_changes(offline=offline), tmp_path / "config.json")
    assert fragment in str(excinfo.value)


def test_stand_in_settings_at_their_bounds_are_accepted(tmp_path):
    for offline in ({"stream_delay_ms": 0, "port": 1024}, {"stream_delay_ms": 1000, "port": 65535}):
        cfg = config.parse(with_changes(offline=offline), tmp_path / "config.json")
        assert (cfg.offline.stream_delay_ms, cfg.offline.port) == tuple(offline.values())


@pytest.mark.parametrize(
    "tag_key,tags,fragment",
    [
        ("dept", {"dept": ""}, "key 'profiles[0].tags.dept' is empty: \"\""),
        ("dept", {"dept": "   "}, "key 'profiles[0].tags.dept' is empty: \"   \""),
        ("dept", {"dept": "\t"}, 'is empty: "\\t"'),
        ("team", {"team": "", "dept": "claims"}, "key 'profiles[0].tags.team' is empty"),
    ],
)
def test_a_blank_department_is_refused(tmp_path, tag_key, tags, fragment):
    raw = {
        "tag_key": tag_key,
        "profiles": [{"name": "a", "copy_from": "amazon.nova-lite-v1:0", "tags": tags}],
    }
    message = refused(tmp_path, raw)
    assert fragment in message
    assert "no budget covers it" in message


def test_other_tags_may_be_empty(tmp_path):
    raw = profile_with(tags={"dept": "claims", "note": ""})  # AWS allows empty tag values
    assert config.load(write(tmp_path, raw)).profiles[0].tags["note"] == ""


@pytest.mark.parametrize(
    "raw,fragments",
    [
        (
            profile_with(name="claims_dept "),
            [
                "key 'profiles[0].name' ends with whitespace: \"claims_dept \"",
                'write "claims_dept"',
            ],
        ),
        (
            profile_with(name="claims_dept\u00a0"),
            ['ends with whitespace: "claims_dept\\u00a0"', 'write "claims_dept"'],
        ),
        ({"profile_names": [" claims"]}, ["key 'profile_names[0]' starts with whitespace"]),
        (
            profile_with(name="\u200bclaims_dept"),  # a zero-width space, pasted from a web page
            ['starts with whitespace: "\\u200bclaims_dept"', 'write "claims_dept"'],
        ),
        (
            with_changes(tag_key="dept "),
            ["key 'tag_key' ends with whitespace: \"dept \"", 'write "dept"'],
        ),
        (
            profile_with(tags={"dept": "claims "}),
            ["key 'profiles[0].tags.dept' ends with whitespace", "a department of its own"],
        ),
        (
            profile_with(tags={"dept": "claims", " team": "x"}),
            ["key 'profiles[0].tags. team' starts with whitespace"],
        ),
        (
            with_changes(owner_tag={"key": "workshop", "value": " lab"}),
            ["key 'owner_tag.workshop' starts with whitespace"],
        ),
        (with_changes(owner_tag={"key": "workshop", "value": ""}), ["'owner_tag.value' is empty"]),
    ],
)
def test_pasted_whitespace_that_would_change_a_name_is_refused(tmp_path, raw, fragments):
    message = refused(tmp_path, raw)
    for fragment in fragments:
        assert fragment in message


def test_pasted_whitespace_in_ids_and_free_text_is_dropped(tmp_path):
    raw = with_changes(mode=" offline\n", region="us-east-1 ")
    raw["profiles"][0]["description"] = " Claims team "
    cfg = config.load(write(tmp_path, raw))
    assert (cfg.mode, cfg.region) == ("offline", "us-east-1")
    assert cfg.profiles[0].description == "Claims team"


@pytest.mark.parametrize(
    "key,where,suggested",
    [
        ("tag_key ", "", "tag_key"),
        (" mode", "", "mode"),
        ("Region", "", "region"),
        ("TAG_KEY", "", "tag_key"),
        ("spend-cap-usd", "", "spend_cap_usd"),
        ("profile names", "", "profile_names"),
        ("Port", "offline", "port"),
        ("stream_delay_ms\t", "offline", "stream_delay_ms"),
        ("copy from", "profile", "copy_from"),
        ("Name ", "profile", "name"),
    ],
)
def test_a_mistyped_key_gets_the_right_suggestion(tmp_path, key, where, suggested):
    raw = with_changes()
    if where == "offline":
        raw["offline"] = {key: 1}
    elif where == "profile":
        raw["profiles"][0][key] = raw["profiles"][0].pop(suggested)
    else:
        raw[key] = raw.pop(suggested, "dept")
    message = refused(tmp_path, raw)
    assert f"did you mean '{suggested}'?" in message
    if key != key.strip():
        assert "with whitespace: " + json.dumps(key) in message


def test_a_key_given_twice_is_refused(tmp_path):
    text = json.dumps(BASE_CONFIG)[:-1] + ', "region": "eu-west-1"}'
    message = refused(tmp_path, text)
    assert 'the key "region" appears twice' in message


def encoded(raw: dict, encoding: str, bom: bytes = b"") -> bytes:
    return bom + json.dumps(raw, ensure_ascii=False, indent=1).encode(encoding)


@pytest.mark.parametrize(
    "data",
    [
        encoded(BASE_CONFIG, "utf-8", b"\xef\xbb\xbf"),  # Notepad's "UTF-8 with BOM"
        encoded(BASE_CONFIG, "utf-16"),  # Windows PowerShell's Out-File: UTF-16 LE, BOM
        encoded(BASE_CONFIG, "utf-16-be", b"\xfe\xff"),
        encoded(BASE_CONFIG, "utf-32"),
        encoded(BASE_CONFIG, "utf-16-le"),  # no BOM: JSON's first characters tell
    ],
    ids=["utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "utf-32-bom", "utf-16-le"],
)
def test_unambiguous_encodings_are_read(tmp_path, data):
    path = tmp_path / "config.json"
    path.write_bytes(data)
    assert config.load(path).profiles[0].name == "claims_dept"


@pytest.mark.parametrize(
    "text,encoding,fragments",
    [
        (
            '{\n "profile_names": ["claims"],\n "note": "請求部門"\n}',
            "shift_jis",
            ["byte 42 (line 3) is not UTF-8", "Shift-JIS", '"note": "請求部門"'],
        ),
        (
            '{"profile_names": ["claims"], "region": "Zürich"}',
            "latin-1",
            ["byte 42 (line 1) is not UTF-8", "Windows-1252 / Latin-1", '"Zürich"'],
        ),
        (
            '{"profile_names": ["claims"], "tag_key": "Département – coût"}',
            "cp1252",
            ["is not UTF-8", "Windows-1252", "Département – coût"],
        ),
    ],
)
def test_other_encodings_are_refused_naming_the_byte_and_the_encoding(
    tmp_path, text, encoding, fragments
):
    path = tmp_path / "config.json"
    path.write_bytes(text.encode(encoding))
    with pytest.raises(ConfigError) as excinfo:
        config.load(path)
    message = str(excinfo.value)
    assert message.startswith(str(path))
    for fragment in fragments:
        assert fragment in message
    assert "Set-Content -Encoding utf8" in message and "Save with Encoding" in message


def test_a_damaged_utf16_file_is_refused(tmp_path):
    path = tmp_path / "config.json"
    path.write_bytes(encoded(BASE_CONFIG, "utf-16")[:-1])
    with pytest.raises(ConfigError, match="is not UTF-16, as the start of the file says"):
        config.load(path)


@pytest.mark.parametrize(
    "raw,text",
    [
        (profile_with(description="請求部門 (pilot)"), '"請求部門 (pilot)"'),
        (profile_with(name="請求"), '"請求"'),
        (profile_with(tags={"dept": "Zürich™"}), '"Zürich™"'),
        (with_changes(region="東京"), '"東京"'),
        (with_changes(mode="オフライン"), '"オフライン"'),
        (profile_with(copy_from="anthropic.クロード"), '"anthropic.クロード"'),
    ],
)
def test_non_ascii_values_are_shown_as_characters(tmp_path, raw, text):
    message = refused(tmp_path, raw)
    assert text in message
    assert "\\u" not in message


@pytest.mark.parametrize(
    "setting, value",
    [("AWS_PROFILE", "typo-of-a-profile"), ("AWS_CONFIG_FILE", "broken")],
)
def test_the_config_check_does_not_read_the_aws_config(tmp_path, monkeypatch, setting, value):
    """The regions come from botocore's endpoint data: a broken AWS setup is connect's to
    explain (in aws mode), never a raw botocore error from loading config.json."""
    if value == "broken":
        value = str(tmp_path / "aws-config")
        Path(value).write_text("[profile team\nregion = us-east-1\n")
    monkeypatch.setenv(setting, value)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    for mode in ("offline", "aws"):
        cfg = config.load(write(tmp_path, {**BASE_CONFIG, "mode": mode}))
        assert cfg.mode == mode and cfg.region == "us-east-1"


def test_a_relative_config_path_is_found_from_the_notebooks_folder(monkeypatch):
    """`WORKSHOP_CONFIG=config.tokyo.json make lab`: kernels run in notebooks/, not the root."""
    monkeypatch.chdir(config.PROJECT_ROOT / "notebooks")
    monkeypatch.setenv("WORKSHOP_CONFIG", "config.tokyo.json")
    assert config.load().region == "ap-northeast-1"
    assert config.load("config.tokyo.json").region == "ap-northeast-1"  # config_path too
    monkeypatch.setenv("WORKSHOP_CONFIG", "no-such-config.json")
    with pytest.raises(ConfigError) as excinfo:
        config.load()
    message = str(excinfo.value)
    assert "no-such-config.json: config file not found" in message
    assert str(config.PROJECT_ROOT) in message  # says where it looked
