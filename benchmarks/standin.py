"""Benchmark the offline stand-in: start time, Converse round trip, ConverseStream first event.

    make bench-standin        (or: .venv/bin/python benchmarks/standin.py [--calls 200])

Aims (issue #2): start < 2 s, Converse median < 20 ms on a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.table import Row, print_table  # noqa: E402


def cold_start() -> float:
    """Seconds from launching `python -m helpers.offline serve` to its endpoint line."""
    began = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers.offline", "serve", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None  # stdout=PIPE
        process.stdout.readline()
        return time.perf_counter() - began
    finally:
        process.terminate()
        process.wait(timeout=10)


def measure(calls: int = 200) -> list[Row]:
    import boto3
    from botocore.config import Config

    from helpers.offline import Standin, launcher

    colds = [cold_start() for _ in range(3)]
    standin = Standin()
    endpoint = standin.start()
    warm_start = standin.start_seconds or 0.0
    # moto's state is per process: clear what another benchmark in this process left behind
    launcher.control(endpoint, "POST", "/moto-api/reset")
    kwargs = dict(
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="offline",
        aws_secret_access_key="offline",
        config=Config(retries={"total_max_attempts": 1}),
    )
    bedrock = boto3.client("bedrock", **kwargs)
    runtime = boto3.client("bedrock-runtime", **kwargs)
    arn = bedrock.create_inference_profile(
        inferenceProfileName="bench",
        modelSource={
            "copyFrom": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0"
        },
        tags=[{"key": "dept", "value": "bench"}],
    )["inferenceProfileArn"]
    messages = [{"role": "user", "content": [{"text": "How much did the claims team spend?"}]}]
    for _ in range(10):  # warm connections and caches
        runtime.converse(modelId=arn, messages=messages)
    converse = []
    for _ in range(calls):
        began = time.perf_counter()
        runtime.converse(modelId=arn, messages=messages)
        converse.append(time.perf_counter() - began)
    first_event, whole_stream = [], []
    for _ in range(max(20, calls // 4)):
        began = time.perf_counter()
        events = iter(runtime.converse_stream(modelId=arn, messages=messages)["stream"])
        next(events)
        first_event.append(time.perf_counter() - began)
        for _ in events:
            pass
        whole_stream.append(time.perf_counter() - began)
    standin.stop()
    return [
        Row(
            "stand-in",
            "cold start (process launch to endpoint line), median of 3",
            statistics.median(colds),
            "s",
            "< 2 s",
            statistics.median(colds) < 2,
        ),
        Row(
            "stand-in",
            "in-process start (Standin().start())",
            warm_start,
            "s",
            "< 2 s",
            warm_start < 2,
        ),
        Row(
            "stand-in",
            f"Converse round trip, median of {calls}",
            statistics.median(converse),
            "s",
            "< 20 ms",
            statistics.median(converse) < 0.020,
        ),
        Row("stand-in", "Converse round trip, p95", sorted(converse)[int(calls * 0.95) - 1], "s"),
        Row(
            "stand-in",
            f"ConverseStream first event, median of {len(first_event)}",
            statistics.median(first_event),
            "s",
        ),
        Row(
            "stand-in", "ConverseStream whole stream, median", statistics.median(whole_stream), "s"
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    print_table("Offline stand-in benchmark", measure(parser.parse_args().calls))


if __name__ == "__main__":
    main()
