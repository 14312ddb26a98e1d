"""helpers.profiles: idempotent creation, lookup, bulk tags, inventory and the ownership rule."""

from __future__ import annotations

import threading

import pytest

from helpers import config, profiles
from helpers.errors import InputError
from tests.conftest import ACCOUNT

HAIKU_ARN = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"


def test_ensure_creates_then_reuses(conn, cfg):
    first = profiles.ensure(conn, cfg)
    assert list(first["action"]) == ["created"] * 3
    assert first["owned_by_workshop"].all()
    assert list(first["dept"]) == ["claims", "underwriting", "support"]
    support = first.set_index("name").loc["support_dept"]
    assert support["regions"] == "us-east-1, us-east-2, us-west-2"  # copied from a us. profile
    again = profiles.ensure(conn, cfg)
    assert list(again["action"]) == ["reused"] * 3
    assert list(again["arn"]) == list(first["arn"])
    assert len(profiles.list_profiles(conn)) == 3


def test_ensure_in_two_kernels_at_once_makes_one_profile_each(conn, cfg):
    from helpers import aws

    results, errors = [], []
    connections = [aws.connect(cfg) for _ in range(2)]  # separate clients, as two kernels have

    def run(connection):
        try:
            results.append(profiles.ensure(connection, cfg))
        except Exception as exc:  # noqa: BLE001 - any error fails the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in connections]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(profiles.list_profiles(conn)) == 3
    assert sorted(results[0]["arn"]) == sorted(results[1]["arn"])


def test_create_request_and_cli_command(conn, cfg):
    request = profiles.create_request(conn, cfg.profiles[2], cfg.owner_tag)
    assert request["modelSource"]["copyFrom"] == (
        f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.amazon.nova-lite-v1:0"
    )
    assert {"key": "workshop", "value": "bedrock-inference-profiles"} in request["tags"]
    command = profiles.cli_command(request, "us-east-1")
    assert command.startswith("aws bedrock create-inference-profile")
    assert "--inference-profile-name 'support_dept'" in command
    assert '"copyFrom": "arn:aws:bedrock:us-east-1:' in command


def test_resolve_by_name_id_and_arn(conn, cfg):
    created = profiles.ensure(conn, cfg).set_index("name")
    arn = created.loc["claims_dept", "arn"]
    by_name = profiles.resolve(conn, "claims_dept")
    assert by_name.arn == arn and by_name.tags["dept"] == "claims"
    assert profiles.resolve(conn, by_name.profile_id).name == "claims_dept"
    assert profiles.resolve(conn, arn).model_id == "anthropic.claude-haiku-4-5-20251001-v1:0"
    system = profiles.resolve(conn, "us.amazon.nova-lite-v1:0")
    assert system.type == "SYSTEM_DEFINED" and system.regions == (
        "us-east-1",
        "us-east-2",
        "us-west-2",
    )
    with pytest.raises(InputError, match="No inference profile named or identified 'nope'"):
        profiles.resolve(conn, "nope")
    with pytest.raises(InputError, match="No profile given"):
        profiles.resolve(conn, "  ")


def test_deleted_profile_is_reported_clearly(conn, cfg):
    arn = profiles.ensure(conn, cfg)["arn"][0]
    conn.bedrock.delete_inference_profile(inferenceProfileIdentifier=arn)
    with pytest.raises(InputError, match="No inference profile named or identified"):
        profiles.resolve(conn, arn)


def test_tags_change_and_show(conn, cfg):
    arn = profiles.ensure(conn, cfg)["arn"][0]
    after = profiles.tag(conn, arn, {"team": "claims-ops"}, cfg.owner_tag)
    assert after["team"] == "claims-ops" and after["dept"] == "claims"
    after = profiles.untag(conn, arn, ["team"], cfg.owner_tag)
    assert "team" not in after
    with pytest.raises(InputError):
        profiles.tag(conn, arn, {}, cfg.owner_tag)


def test_find_by_tag(conn, cfg):
    created = profiles.ensure(conn, cfg).set_index("name")
    assert profiles.find_by_tag(conn, "dept", ["claims"]) == [created.loc["claims_dept", "arn"]]
    assert len(profiles.find_by_tag(conn, "workshop")) == 3


def test_inventory_has_one_column_per_tag(conn, cfg):
    profiles.ensure(conn, cfg)
    conn.bedrock.create_inference_profile(
        inferenceProfileName="untagged", modelSource={"copyFrom": HAIKU_ARN}
    )
    table = profiles.inventory(conn)
    assert list(table["name"]) == ["claims_dept", "support_dept", "underwriting_dept", "untagged"]
    assert {"tag:dept", "tag:workshop"} <= set(table.columns)
    assert table.set_index("name").loc["untagged", "tag:dept"] != "claims"
    assert {"model_id", "status", "created_at", "regions", "arn"} <= set(table.columns)


def test_inventory_of_250_profiles_takes_three_tagging_pages(conn, api_calls):
    for i in range(250):
        conn.bedrock.create_inference_profile(
            inferenceProfileName=f"p{i:03d}",
            modelSource={"copyFrom": HAIKU_ARN},
            tags=[{"key": "dept", "value": f"d{i % 7}"}, {"key": "team", "value": "x"}],
        )
    api_calls.calls.clear()
    table = profiles.inventory(conn)
    assert len(table) == 250 and table["tag:dept"].notna().all()
    assert api_calls.count("GetResources") <= 3
    assert api_calls.count("ListInferenceProfiles") == 1  # 1,000 per page
    assert api_calls.count("ListTagsForResource") == 0
    assert api_calls.count("GetInferenceProfile") == 0


def test_delete_only_what_the_workshop_owns(conn, cfg):
    profiles.ensure(conn, cfg)
    conn.bedrock.create_inference_profile(
        inferenceProfileName="someone_elses",
        modelSource={"copyFrom": HAIKU_ARN},
        tags=[{"key": "dept", "value": "finance"}],
    )
    plan = profiles.delete_plan(conn, cfg)
    decisions = dict(zip(plan["name"], plan["decision"], strict=True))
    assert decisions["someone_elses"] == "keep"
    assert [d for n, d in decisions.items() if n != "someone_elses"] == ["delete"] * 3
    done = profiles.delete(conn, plan)
    assert sorted(done[done["result"] == "deleted"]["name"]) == [
        "claims_dept",
        "support_dept",
        "underwriting_dept",
    ]
    assert [p.name for p in profiles.list_profiles(conn)] == ["someone_elses"]
    # running it again deletes nothing more
    assert list(profiles.delete(conn, profiles.delete_plan(conn, cfg))["result"]) == ["kept"]


def test_delete_a_foreign_profile_only_when_insisting_by_name(conn, cfg):
    conn.bedrock.create_inference_profile(
        inferenceProfileName="someone_elses", modelSource={"copyFrom": HAIKU_ARN}
    )
    with pytest.raises(InputError, match="insist=True needs explicit profile names"):
        profiles.delete_plan(conn, cfg, insist=True)
    with pytest.raises(InputError, match="No application profile named ghost"):
        profiles.delete_plan(conn, cfg, names=["ghost"])
    kept = profiles.delete_plan(conn, cfg, names=["someone_elses"])
    assert list(kept["decision"]) == ["keep"]
    plan = profiles.delete_plan(conn, cfg, names=["someone_elses"], insist=True)
    assert list(profiles.delete(conn, plan)["result"]) == ["deleted"]


def test_copy_from_an_application_profile_is_refused_before_aws(tmp_path):
    from helpers.errors import ConfigError

    with pytest.raises(ConfigError, match="names an application inference profile"):
        config.parse(
            {
                "profiles": [
                    {
                        "name": "x",
                        "tags": {"dept": "a"},
                        "copy_from": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:"
                        "application-inference-profile/abcdefghijkl",
                    }
                ]
            },
            tmp_path / "c.json",
        )


def test_one_profile_named_twice_by_name_and_id_is_refused(conn, cfg, tmp_path):
    """profile_names passes the config check with a name and that profile's ID (an ID is a
    valid name): the same profile would be analysed, alarmed and charged twice."""
    from helpers import config
    from helpers.errors import ConfigError

    profiles.ensure(conn, cfg)
    claims = profiles.resolve(conn, "claims_dept")
    for names in (
        ["claims_dept", "support_dept", claims.profile_id],
        [claims.profile_id, "support_dept", "claims_dept"],
    ):
        named_twice = config.parse({"profile_names": names}, tmp_path / "config.json")
        for helper in (profiles.to_analyse, profiles.analysed):
            with pytest.raises(ConfigError, match="more than once") as refused:
                helper(conn, named_twice)
            assert f"claims_dept as {names[0]!r} and {names[2]!r}" in refused.value.problem
    found, missing = profiles.to_analyse(conn, cfg)
    assert [p.name for p in found] == list(cfg.analysed_names) and missing == []


def test_analysing_only_missing_names_says_what_to_check(conn, cfg, tmp_path):
    from helpers import config

    names_only = config.parse({"profile_names": ["nope_a"]}, tmp_path / "config.json")
    with pytest.raises(InputError, match="None of the profiles to analyse exists") as refused:
        profiles.to_analyse(conn, names_only)
    assert "check the names in profile_names" in refused.value.fix
    with pytest.raises(InputError) as refused:
        profiles.to_analyse(conn, cfg)  # nothing created yet
    assert "run 01_create_profiles first" in refused.value.fix
