"""03 and 04 as a lesson: InvokeModelWithResponseStream per family, the CloudWatch check that
adds up, quiet notebook runs, and `make standin` on config.json's port."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from helpers import invoke, loadgen, profiles
from helpers.errors import InputError, WorkshopError
from tests.conftest import metric_total

ROOT = Path(__file__).resolve().parents[1]
KERNEL_NOISE = ("Kernel is running over TCP", "KeyboardInterrupt")


@pytest.fixture
def made(conn, cfg):
    profiles.ensure(conn, cfg)
    return {p.name: p for p in profiles.all_application_profiles(conn)}


# --- InvokeModelWithResponseStream ---------------------------------------------------------
@pytest.mark.parametrize(
    "model",
    [
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        "meta.llama3-70b-instruct-v1:0",
        "us.amazon.nova-lite-v1:0",
        "us.amazon.nova-2-lite-v1:0",
    ],
)
def test_invoke_stream_reads_each_familys_chunks(conn, model):
    prompt = "Why tag generative AI usage by department?"
    whole = invoke.invoke_model(conn, model, prompt, max_tokens=200)
    streamed = invoke.invoke_stream(conn, model, prompt, max_tokens=200)
    pieces = list(streamed)
    assert len(pieces) > 3, "the text arrives in pieces"
    assert "".join(pieces) == whole.text == streamed.reply.text
    assert (streamed.reply.input_tokens, streamed.reply.output_tokens) == (
        whole.input_tokens,
        whole.output_tokens,
    )
    # the counts come from the last chunk, as on AWS
    last = streamed.chunks[-1][invoke.INVOCATION_METRICS]
    assert last["outputTokenCount"] == streamed.reply.output_tokens
    assert streamed.reply.stop_reason and streamed.reply.latency_ms > 0


def test_invoke_stream_through_an_application_profile_is_counted_under_its_id(conn, made):
    claims = made["claims_dept"]
    reply = invoke.invoke_stream(conn, claims, "Hello", max_tokens=50).read()
    assert reply.model_id == claims.model_id and reply.output_tokens > 0
    calls, _ = metric_total(conn.cloudwatch, "Invocations", claims.profile_id)
    assert calls == 1


def _events(chunks: list[dict]) -> list[dict]:
    """boto3's events for these chunks: the bytes already base64-decoded, as botocore gives them."""
    return [{"chunk": {"bytes": json.dumps(c).encode()}} for c in chunks]


METRICS = {
    invoke.INVOCATION_METRICS: {
        "inputTokenCount": 5,
        "outputTokenCount": 2,
        "invocationLatency": 90,
        "firstByteLatency": 30,
    }
}
CHUNKS = {
    "anthropic-messages": [
        {"type": "message_start", "message": {"usage": {"input_tokens": 5, "output_tokens": 1}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi "}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "you"}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {}},
        {"type": "message_stop", **METRICS},
    ],
    "meta-llama": [
        {"generation": "Hi ", "prompt_token_count": 5, "stop_reason": None},
        {"generation": "you", "prompt_token_count": None, "stop_reason": "stop", **METRICS},
    ],
    "nova-2": [
        {"messageStart": {"role": "assistant"}},
        {"contentBlockDelta": {"delta": {"text": "Hi "}, "contentBlockIndex": 0}},
        {"contentBlockDelta": {"delta": {"text": "you"}, "contentBlockIndex": 0}},
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {"messageStop": {"stopReason": "end_turn"}},
        {"metadata": {"usage": {"inputTokens": 5, "outputTokens": 2}}, **METRICS},
    ],
    "titan-text": [
        {"outputText": "Hi ", "index": 0, "completionReason": None},
        {"outputText": "you", "index": 0, "completionReason": "FINISH", **METRICS},
    ],
}


@pytest.mark.parametrize("family", sorted(CHUNKS))
def test_chunk_parser_per_family(family):
    stream = invoke.ChunkStream(_events(CHUNKS[family]), family, "m")
    assert list(stream) == ["Hi ", "you"]
    reply = stream.reply
    assert (reply.text, reply.input_tokens, reply.output_tokens, reply.latency_ms) == (
        "Hi you",
        5,
        2,
        90,
    )
    assert reply.stop_reason in ("end_turn", "stop", "FINISH")


def test_a_chunk_stream_without_its_metrics_is_not_a_reply():
    chunks = [c for c in CHUNKS["nova-2"] if invoke.INVOCATION_METRICS not in c]
    with pytest.raises(WorkshopError, match="amazon-bedrock-invocationMetrics"):
        invoke.ChunkStream(_events(chunks), "nova-2", "m").read()


def test_an_error_in_mid_stream_is_explained():
    from botocore.exceptions import EventStreamError

    def events():
        yield from _events(CHUNKS["nova-2"][:2])
        raise EventStreamError(
            {"Error": {"Code": "modelStreamErrorException", "Message": "the model broke off"}},
            "InvokeModelWithResponseStream",
        )

    with pytest.raises(WorkshopError, match="the model broke off"):
        invoke.ChunkStream(events(), "nova-2", "m").read()


def test_invoke_stream_refuses_a_family_whose_chunks_are_not_public(conn):
    with pytest.raises(InputError, match="ConverseStream") as excinfo:
        invoke.invoke_stream(conn, "openai.gpt-oss-120b-1:0", "Hello")
    assert "does not publish" in excinfo.value.problem


# --- 04: before + this load = after ----------------------------------------------------------
def _usage(counts: dict[str, tuple[int, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"profile": p, "invocations": n, "input_tokens": i, "output_tokens": o}
            for p, (n, i, o) in counts.items()
        ]
    )


def _load(rows: list[tuple[str, int, int, str | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "profile": p,
                "profile_id": p + "-id",
                "input_tokens": i,
                "output_tokens": o,
                "error": e,
            }
            for p, i, o, e in rows
        ]
    )


def test_cloudwatch_check_explains_every_count():
    before = _usage({"claims": (4, 40, 400)})  # 03's calls
    load = _load(
        [("claims", 10, 100, None)] * 3
        + [("claims", 0, 0, "ThrottlingException: ...")]  # failed: not an invocation
        + [("support", 7, 70, None)] * 2
    )
    after = _usage({"claims": (7, 70, 700), "support": (2, 14, 140)})
    check = loadgen.cloudwatch_check(before, load, after)
    claims = check[check["profile"] == "claims"].set_index("metric")
    assert claims.loc["Invocations", ["before", "this load", "after"]].tolist() == [4, 3, 7]
    assert claims.loc["OutputTokenCount", "this load"] == 300
    assert (check["unexplained"] == 0).all()
    assert set(check["profile_id"]) == {"claims-id", "support-id"}
    # CloudWatch one call behind (AWS's lag) is shown, not hidden
    late = loadgen.cloudwatch_check(before, load, _usage({"claims": (6, 60, 600)}))
    assert late.set_index(["profile", "metric"]).loc[("claims", "Invocations"), "unexplained"] == -1


# --- quiet runs ------------------------------------------------------------------------------
def _quiet_manager():
    from tests.test_notebooks import quiet_kernel_manager

    return quiet_kernel_manager()


@pytest.mark.slow
def test_the_kernel_manager_encrypts_and_does_not_interrupt_a_kernel_it_shuts_down():
    import zmq

    manager = _quiet_manager()(kernel_name="python3")
    if zmq.has("curve"):
        assert manager.transport_encryption == "auto"
    sent: list[int] = []
    signal_kernel = manager._async_signal_kernel

    async def recording(signum: int) -> None:
        sent.append(signum)
        await signal_kernel(signum)

    manager._async_signal_kernel = recording

    async def lifecycle() -> None:
        await manager.start_kernel()
        await manager.interrupt_kernel()  # an interrupt asked for still goes out
        await manager.shutdown_kernel()  # a shutdown sends none: no SIGINT for a finished run

    asyncio.run(lifecycle())
    assert sent == [signal.SIGINT]
    assert not manager.has_kernel


@pytest.mark.slow
def test_make_run_prints_no_kernel_noise(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "run_notebooks.py"),
            "--only",
            "00_setup",
            "01_create_profiles",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^00_setup .* ok$", result.stdout, re.M)
    assert re.search(r"^01_create_profiles .* ok$", result.stdout, re.M)
    for noise in KERNEL_NOISE:
        assert noise not in result.stderr, result.stderr
    assert (tmp_path / "notebooks" / "01_create_profiles.ipynb").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_make_standin_serves_on_the_port_of_the_config_it_is_given(tmp_path):
    port = _free_port()
    config = json.loads((ROOT / "config.json").read_text(encoding="utf-8"))
    config["offline"] = {**config.get("offline", {}), "port": port}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    environment = {**os.environ, "WORKSHOP_CONFIG": str(path)}
    # -o: the venv counts as set up (the tests run in it); `make setup` is not what is tested
    server = subprocess.Popen(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "standin"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline, answered = time.monotonic() + 60, None
        while time.monotonic() < deadline and server.poll() is None and answered is None:
            try:
                url = f"http://127.0.0.1:{port}/_standin/state"
                with urllib.request.urlopen(url, timeout=2) as response:
                    answered = response.status
            except OSError:
                time.sleep(0.3)
        assert answered == 200, f"nothing answered on port {port}"
    finally:
        os.killpg(server.pid, signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert f"stand-in on port {port} (from {path})" in output


def test_make_standin_refuses_a_bad_config_with_its_fix(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"mode": "offline", "offline": {"port": 80}}), encoding="utf-8")
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", ".venv/.installed", "standin"],
        cwd=ROOT,
        env={**os.environ, "WORKSHOP_CONFIG": str(path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "offline.port" in result.stderr and "Fix:" in result.stderr
    assert "Traceback" not in result.stderr


# --- the executed notebooks ----------------------------------------------------------------
def _output_texts(executed) -> list[str]:
    texts = []
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                texts.append(output.text)
            for kind, value in output.get("data", {}).items():
                if kind.startswith("text/"):
                    texts.append(value)
    return texts


@pytest.mark.slow
def test_03_and_04_show_every_number_in_full_and_explained(workshop, tmp_path):
    from tests.test_notebooks import papermill_run

    papermill_run("01_create_profiles", tmp_path)
    nb03 = papermill_run("03_invoke_models", tmp_path)
    nb04 = papermill_run("04_generate_usage", tmp_path, backfill_days=0)
    for name, executed in (("03", nb03), ("04", nb04)):
        for text in _output_texts(executed):
            assert not re.search(r"\.\.\.|…", text), f"{name}: cut text in {text[:300]!r}"
            assert not re.search(r"\d\.\d+e-\d+", text), f"{name}: e-notation in {text[:300]!r}"
    texts03 = "\n".join(_output_texts(nb03))
    # streamed InvokeModel: each family's chunks, the counts from the last one, gpt-oss named
    for expected in ("anthropic-messages", "nova-2", "amazon-bedrock-invocationMetrics"):
        assert expected in texts03
    assert "does not publish its InvokeModelWithResponseStream chunk format" in texts03
    assert "list-price cost" in texts03 and "$" in texts03
    # the frameworks run if installed; otherwise one line says how to add them
    assert "LangChain:" in texts03 or "pip install -e '.[frameworks]'" in texts03
    texts04 = "\n".join(_output_texts(nb04))
    assert "Every count adds up: before + this load = after (offline: by construction)." in texts04
    # before the load: 01's fix-it call (claims and underwriting, one each) and 03's calls
    # (gpt-oss: InvokeModel; Nova 2: InvokeModel and its stream)
    assert re.search(r"underwriting_dept_gpt_oss_120b \(\w+\): 2$", texts04, re.M)
    assert re.search(r"support_dept_nova_2_lite_us \(\w+\): 2$", texts04, re.M)
    for executed, next_one in ((nb03, "04_generate_usage"), (nb04, "05_cost_analysis")):
        markdown = [c.source for c in executed.cells if c.cell_type == "markdown"]
        what_next = next(s for s in markdown if "## What next" in s)
        assert f"**{next_one}**" in what_next.split("## What next")[1]
        assert any(s.startswith("## Try it") for s in markdown)
        solution = next(c for c in executed.cells if "solution" in c.metadata.get("tags", []))
        assert solution.source.startswith("<details><summary>Solution</summary>")
        assert not re.search(r"\bthe seed\b", " ".join(markdown), re.I)
