"""Defects found trying out issue 16 (notebook 08) as a user would, each pinned by a test."""

from __future__ import annotations


def test_a_deleted_log_group_takes_its_tags_with_it(client):
    """A group re-created under a deleted group's name starts untagged, as on AWS: it must
    not inherit the workshop's ownership tag (08 would then log to it and 99 delete it)."""
    logs = client("logs")
    logs.create_log_group(
        logGroupName="workshop-bedrock-invocations",
        tags={"workshop": "bedrock-inference-profiles"},
    )
    logs.delete_log_group(logGroupName="workshop-bedrock-invocations")
    logs.create_log_group(logGroupName="workshop-bedrock-invocations", tags={"owner": "other"})
    tags = logs.list_tags_log_group(logGroupName="workshop-bedrock-invocations")["tags"]
    assert tags == {"owner": "other"}
