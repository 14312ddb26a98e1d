"""Defects found trying out issue 16 (notebook 08) as a user would, each pinned by a test."""

from __future__ import annotations

import pytest


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


NAME = "08_attribution_and_priority"


def test_08_takes_numbers_typed_as_text_and_refuses_zero_cache_requests(workshop, client, tmp_path):
    """An analyst's "3" for a count is read as 3 (it was a TypeError traceback); 0 cache
    requests is refused before any call, naming the notebook's parameter."""
    import papermill
    import pytest

    from tests.test_notebooks import papermill_run, text_of

    papermill_run("01_create_profiles", tmp_path / "run")
    shown = text_of(
        papermill_run(NAME, tmp_path / "text", calls_per_caller="2", cache_requests="1")
    )
    assert "Every department's total equals Cost Explorer's." in shown

    with pytest.raises(papermill.PapermillExecutionError) as zero:
        papermill_run(NAME, tmp_path / "zero", cache_requests=0)
    assert zero.value.ename == "InputError"
    assert "cache_requests" in zero.value.evalue


def test_08_refuses_a_tier_profile_whose_model_has_no_tiers(workshop, client, tmp_path):
    """A tier_profile whose model has no Priority/Flex is refused with the profiles that have
    them, not with Bedrock's ValidationException traceback from the tier cell."""
    import papermill
    import pytest

    from tests.test_notebooks import papermill_run

    papermill_run("01_create_profiles", tmp_path / "run")
    with pytest.raises(papermill.PapermillExecutionError) as tierless:
        papermill_run(NAME, tmp_path / "tierless", tier_profile="claims_dept_haiku_4_5_global")
    assert tierless.value.ename == "InputError"
    assert "tier_profile" in tierless.value.evalue
    assert "underwriting_dept_gpt_oss_120b" in tierless.value.evalue


def test_08_says_so_when_the_standin_stops_mid_notebook(workshop, tmp_path, monkeypatch):
    """The stand-in stopped between cells: the next AWS call in a cell of 08 says that no
    stand-in answers and what to do, not botocore's EndpointConnectionError traceback."""
    import nbformat
    import papermill
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    from helpers.offline import Standin
    from tests.test_notebooks import NOTEBOOKS, papermill_run

    papermill_run("01_create_profiles", tmp_path / "run")
    second = Standin()  # the same moto state as the session's, on its own port
    second.start()
    monkeypatch.setenv("WORKSHOP_ENDPOINT_URL", second.endpoint)
    prepared = tmp_path / "prepared.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{NAME}.ipynb"),
        str(prepared),
        parameters={"output_dir": str(tmp_path / "files")},
        prepare_only=True,
    )
    nb = nbformat.read(prepared, as_version=4)
    client = NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(NOTEBOOKS)}})
    failed = None
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                if "calls = []" in cell.source:
                    second.stop()
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError:
                    failed = next(o for o in cell.outputs if o.output_type == "error")
                    break
    finally:
        second.stop()
    assert failed is not None
    assert failed.ename in ("StandinError", "WorkshopError"), (failed.ename, failed.evalue)
    assert "stand-in" in failed.evalue


def test_cleanup_keeps_an_s3_copy_someone_added_to_the_workshops_logging(conn, cfg):
    """08 keeps an S3 destination someone added to the workshop's logging configuration; 99
    must keep it too: it takes out the workshop's CloudWatch part only, not their S3 logging."""
    from helpers import invocation_logs

    invocation_logs.enable(conn, cfg)
    conn.client("s3").create_bucket(Bucket="their-audit-logs")
    added = dict(invocation_logs.current(conn) or {})
    added["s3Config"] = {"bucketName": "their-audit-logs", "keyPrefix": "bedrock"}
    conn.bedrock.put_model_invocation_logging_configuration(loggingConfig=added)
    assert invocation_logs.enable(conn, cfg).action == "unchanged"  # 08 again: theirs is kept

    plan = invocation_logs.delete_plan(conn, cfg)
    assert "their-audit-logs" in " ".join(plan["reason"])
    invocation_logs.delete(conn, plan)
    left = invocation_logs.current(conn)
    assert left is not None
    assert left.get("s3Config") == {"bucketName": "their-audit-logs", "keyPrefix": "bedrock"}
    assert "cloudWatchConfig" not in left
    assert invocation_logs.find_group(conn, invocation_logs.DEFAULT_GROUP) is None


def test_another_log_group_after_the_workshops_own_is_named_as_the_workshops(conn, cfg):
    """08 run again with another log_group: the logging it finds is the workshop's own (an
    earlier run's group, ownership-tagged), so the message names log_group and 99, not an
    unknown owner; 99 run with the other name keeps it for the same reason."""
    from helpers import invocation_logs
    from helpers.errors import WorkshopError

    invocation_logs.enable(conn, cfg)  # the default group
    with pytest.raises(WorkshopError) as refused:
        invocation_logs.enable(conn, cfg, group="workshop-claims-logs")
    message = str(refused.value)
    assert "the workshop's own" in message and "log_group" in message
    assert "have its owner remove" not in message
    plan = invocation_logs.delete_plan(conn, cfg, group="workshop-claims-logs")
    reason = " ".join(plan["reason"])
    assert "someone else's" not in reason and "log_group" in reason
