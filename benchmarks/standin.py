"""Benchmark the offline stand-in: start time, Converse round trip, ConverseStream first event.

    make bench-standin        (or: .venv/bin/python benchmarks/standin.py [--calls 200])

Prints one table. Aims (issue #2): start < 2 s, Converse median < 20 ms on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from helpers.offline import Standin  # noqa: E402


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
        process.stdout.readline()
        return time.perf_counter() - began
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()

    colds = [cold_start() for _ in range(3)]
    standin = Standin()
    endpoint = standin.start()
    warm_start = standin.start_seconds or 0.0
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
    for _ in range(args.calls):
        began = time.perf_counter()
        runtime.converse(modelId=arn, messages=messages)
        converse.append(time.perf_counter() - began)
    first_event, whole_stream = [], []
    for _ in range(max(20, args.calls // 4)):
        began = time.perf_counter()
        stream = runtime.converse_stream(modelId=arn, messages=messages)["stream"]
        events = iter(stream)
        next(events)
        first_event.append(time.perf_counter() - began)
        for _ in events:
            pass
        whole_stream.append(time.perf_counter() - began)
    standin.stop()

    ms = 1000.0
    rows = [
        (
            "cold start (process launch to endpoint line), median of 3",
            statistics.median(colds),
            2.0,
        ),
        ("in-process start (Standin().start())", warm_start, 2.0),
        (f"Converse round trip, median of {args.calls}", statistics.median(converse), 0.020),
        ("Converse round trip, p95", sorted(converse)[int(len(converse) * 0.95) - 1], None),
        (
            f"ConverseStream first event, median of {len(first_event)}",
            statistics.median(first_event),
            None,
        ),
        ("ConverseStream whole stream, median", statistics.median(whole_stream), None),
    ]
    print(f"Offline stand-in benchmark - {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"{'measure':<62} {'value':>10}  aim")
    for name, seconds, aim in rows:
        value = f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * ms:.1f} ms"
        verdict = "" if aim is None else ("ok" if seconds < aim else "MISSED")
        shown_aim = (
            "" if aim is None else (f"< {aim:.0f} s" if aim >= 1 else f"< {aim * ms:.0f} ms")
        )
        print(f"{name:<62} {value:>10}  {shown_aim} {verdict}")


if __name__ == "__main__":
    main()
