"""Every benchmark in one table: `make bench` (writes benchmarks/results.md too).

1. A full analysis (inventory with tags, usage for 5 metrics, cost by department for a month)
   against the offline stand-in for N = 10, 100 and 1,000 application profiles with 30 days of
   usage: API calls and wall time, the helpers' way against a per-profile reference (list, then
   get and list-tags per profile, one GetMetricStatistics per metric per profile, one Cost
   Explorer query per department, as the seed's scripts do), with the ratio. The helpers must
   make exactly the lower bound of calls: listing pages + ceil(N/100) tagging pages +
   ceil(5N/500) GetMetricData calls + Cost Explorer pages + the ListMetrics pages that find
   which profiles have Priority/Flex series (their own ModelId values).
2. Load generation throughput through the stand-in at concurrency 1, 4 and 16.
3. The import time of helpers, each notebook's headless run (kernel start included) and the
   whole workshop's; the test suite's time: the pytest command `make test` runs, wall seconds,
   on this machine's cores (skip with --no-test-suite).
4. The stand-in's and the CUR queries' own benchmarks.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shlex
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.table import Row, markdown, print_table  # noqa: E402

METRICS = (
    "Invocations",
    "InputTokenCount",
    "OutputTokenCount",
    "InvocationLatency",
    "InvocationThrottles",
)
HAIKU = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0"


class Calls:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def __call__(self, model=None, **_) -> None:
        self.counts[model.name] += 1

    def total(self) -> int:
        return sum(self.counts.values())


def connect(endpoint: str):
    from helpers import aws, config

    os.environ["WORKSHOP_ENDPOINT_URL"] = endpoint
    cfg = config.parse({"profile_names": ["unused"]}, ROOT / "benchmark-config.json")
    conn = aws.connect(cfg)
    calls = Calls()
    conn.session.events.register("before-call.*.*", calls)
    return conn, calls


def helpers_way(conn, start, end, span):
    from helpers import costs, metrics, profiles

    found = profiles.all_application_profiles(conn)
    table = profiles.inventory(conn, found)
    usage = metrics.usage(conn, found, start, end, metrics=METRICS)
    cost = costs.cost_by_tag(conn, costs.cost_request(span, "dept"))
    return len(table), len(usage), cost.groupby("department")["cost"].sum().round(6).to_dict()


def reference_way(conn, start, end, span):
    """The seed's pattern: one call per profile and per metric, one query per department."""
    bedrock, cloudwatch, ce = conn.bedrock, conn.cloudwatch, conn.ce
    summaries = []
    for page in bedrock.get_paginator("list_inference_profiles").paginate(typeEquals="APPLICATION"):
        summaries += page["inferenceProfileSummaries"]
    tags = {}
    for summary in summaries:
        bedrock.get_inference_profile(inferenceProfileIdentifier=summary["inferenceProfileArn"])
        listed = bedrock.list_tags_for_resource(resourceARN=summary["inferenceProfileArn"])
        tags[summary["inferenceProfileArn"]] = {t["key"]: t["value"] for t in listed["tags"]}
    points = 0
    for summary in summaries:
        for metric in METRICS:
            stats = cloudwatch.get_metric_statistics(
                Namespace="AWS/Bedrock",
                MetricName=metric,
                StartTime=start,
                EndTime=end,
                Period=86400,
                Statistics=["Sum"],
                Dimensions=[{"Name": "ModelId", "Value": summary["inferenceProfileId"]}],
            )
            points += len(stats["Datapoints"])
    cost = {}
    for department in sorted({t.get("dept", "") for t in tags.values()}):
        result = ce.get_cost_and_usage(
            TimePeriod=span.time_period(),
            Granularity="MONTHLY",
            Metrics=["UnblendedCost"],
            Filter={"Tags": {"Key": "dept", "Values": [department]}},
        )
        cost[department] = round(
            sum(float(r["Total"]["UnblendedCost"]["Amount"]) for r in result["ResultsByTime"]), 6
        )
    return len(summaries), points, cost


def analysis_rows(sizes: list[int]) -> list[Row]:
    from helpers import costs
    from helpers.offline import Standin

    rows = []
    standin = Standin()  # moto's state is per process: one stand-in, reset for each size
    conn, calls = connect(standin.start())
    for n in sizes:
        conn.control("POST", "/moto-api/reset")
        for i in range(n):
            conn.bedrock.create_inference_profile(
                inferenceProfileName=f"dept{i % 50:02d}_app{i:04d}",
                modelSource={"copyFrom": HAIKU},
                tags=[{"key": "dept", "value": f"dept{i % 50:02d}"}, {"key": "team", "value": "x"}],
            )
        conn.control("POST", "/_standin/backfill", {"days": 30, "seed": 1})
        costs.activate_tag(
            conn, "dept", backfill_from=(datetime.now(timezone.utc) - timedelta(days=40)).date()
        )
        end = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        start = end - timedelta(days=30)
        span = costs.last_days(30)
        helpers_way(conn, start, end, span)  # warm-up: imports, connections, caches
        results = {}
        for name, way in (("helpers", helpers_way), ("per-profile reference", reference_way)):
            calls.counts.clear()
            began = time.perf_counter()
            *_, cost = way(conn, start, end, span)
            results[name] = (time.perf_counter() - began, calls.total(), dict(calls.counts), cost)
        helper_time, helper_calls, counts, helper_cost = results["helpers"]
        ref_time, ref_calls, _, ref_cost = results["per-profile reference"]
        tagged = {k: v for k, v in helper_cost.items() if k != "(untagged)"}
        assert tagged.keys() == {k for k in ref_cost if k} and all(
            abs(tagged[k] - ref_cost[k]) < 1e-4 for k in tagged
        ), "the two ways disagree on cost"
        bound = (
            math.ceil(n / 1000)
            + math.ceil(n / 100)
            + math.ceil(5 * n / 500)
            + counts.get("GetCostAndUsage", 0)
            + counts.get("ListMetrics", 0)
        )
        rows += [
            Row(
                "analysis",
                f"N={n:,}: helpers' API calls (lower bound {bound})",
                helper_calls,
                "calls",
                f"= {bound}",
                helper_calls == bound,
            ),
            Row(
                "analysis",
                f"N={n:,}: helpers' wall time",
                helper_time,
                "s",
                "< 5 s" if n == 1000 else "",
                helper_time < 5 if n == 1000 else None,
            ),
            Row("analysis", f"N={n:,}: per-profile reference API calls", ref_calls, "calls"),
            Row("analysis", f"N={n:,}: per-profile reference wall time", ref_time, "s"),
            Row(
                "analysis", f"N={n:,}: fewer calls with the helpers", ref_calls / helper_calls, "x"
            ),
            Row("analysis", f"N={n:,}: faster with the helpers", ref_time / helper_time, "x"),
        ]
    conn.control("POST", "/moto-api/reset")
    standin.stop()
    return rows


def load_rows(requests: int = 300) -> list[Row]:
    """Through a stand-in in its own process, as the notebooks use it (one core each side)."""
    from helpers import config, loadgen, profiles

    server = subprocess.Popen(
        [sys.executable, "-m", "helpers.offline", "serve", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None  # stdout=PIPE
        conn, _ = connect(server.stdout.readline().strip().rsplit(" ", 1)[1])
        profiles.ensure(conn, config.load(ROOT / "config.json"))
        targets = profiles.all_application_profiles(conn)
        rows = []
        for concurrency in (1, 4, 16):
            began = time.perf_counter()
            result = loadgen.generate_load(
                conn,
                targets,
                ["A question about spend."],
                requests,
                concurrency=concurrency,
                progress=False,
            )
            seconds = time.perf_counter() - began
            assert result["error"].isna().all()
            rows.append(
                Row(
                    "load",
                    f"Converse calls per second, concurrency {concurrency} ({requests} calls)",
                    requests / seconds,
                    "calls/s",
                )
            )
        return rows
    finally:
        server.terminate()
        server.wait(timeout=10)


def import_rows() -> list[Row]:
    modules = (
        "helpers.config, helpers.aws, helpers.profiles, helpers.invoke, helpers.metrics, "
        "helpers.costs, helpers.cur, helpers.budgets, helpers.analysis, helpers.plots, "
        "helpers.widgets"
    )
    rows = []
    for label, code in (
        ("import helpers (every module)", f"import {modules}"),
        (
            "first cell of a notebook (helpers, boto3, pandas, a connection's clients)",
            f"import {modules}; import boto3, pandas",
        ),
    ):
        timings = []
        for _ in range(5):
            probe = (
                "import time; t = time.perf_counter(); " + code + "; print(time.perf_counter() - t)"
            )
            out = subprocess.run(
                [sys.executable, "-c", probe], cwd=ROOT, check=True, capture_output=True, text=True
            ).stdout
            timings.append(float(out))
        rows.append(Row("notebooks", label + ", median of 5", sorted(timings)[2], "s"))
    return rows


def notebook_rows() -> list[Row]:
    began = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "scripts/run_notebooks.py", "--out", str(ROOT / "build" / "bench")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    total = time.perf_counter() - began
    rows = []
    for name, seconds, status in re.findall(r"^(\d\d_\w+)\s+([\d.]+) s  (\S+)", out.stdout, re.M):
        rows.append(
            Row(
                "notebooks",
                f"{name} headless (kernel start included)",
                float(seconds),
                "s",
                "",
                status == "ok",
            )
        )
    rows.append(
        Row(
            "notebooks",
            "the whole workshop headless (`make run`, every notebook)",
            total,
            "s",
            "< 90 s",
            total < 90 and out.returncode == 0,
        )
    )
    return rows


def make_test_pytest(root: Path = ROOT) -> list[str]:
    """The pytest command `make test` runs (its options included), as `make -n test` prints it."""
    dry = subprocess.run(
        ["make", "-n", "--no-print-directory", "test"],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = [line for line in dry.splitlines() if " -m pytest" in line]
    assert len(lines) == 1, f"`make -n test` should run pytest once, it prints:\n{dry}"
    return [sys.executable, "-m", "pytest", *shlex.split(lines[0].split(" -m pytest", 1)[1])]


def test_suite_rows() -> list[Row]:
    """`make test`'s pytest run, timed (without `make test`'s set-up and lint steps)."""
    command = make_test_pytest() + ["-p", "no:cacheprovider"]
    began = time.perf_counter()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WORKSHOP_")}
    result = subprocess.run(command, env=clean, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    passed = re.search(r"(\d+) passed", result.stdout)
    if result.returncode:
        print(result.stdout[-3000:], file=sys.stderr)
    options = " ".join(command[3:-2])
    label = (
        f"the test suite (`make test`'s pytest{' ' + options if options else ''}, "
        f"{passed[1] if passed else '?'} tests passed, {os.cpu_count()} cores)"
    )
    return [Row("tests", label, seconds, "s", "< 120 s", seconds < 120 and result.returncode == 0)]


SECTIONS = ("analysis", "load", "imports", "notebooks", "tests", "standin", "cur")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--no-test-suite", action="store_true", help="skip the tests section")
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to run, of {','.join(SECTIONS)} (default: all)",
    )
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results.md"))
    args = parser.parse_args()
    chosen = set(args.only.split(","))
    if chosen - set(SECTIONS):
        parser.error(f"unknown section(s) {sorted(chosen - set(SECTIONS))}: choose from {SECTIONS}")
    if args.no_test_suite:
        chosen.discard("tests")
    from benchmarks import cur, standin

    measures = {
        "analysis": lambda: analysis_rows([int(n) for n in args.sizes.split(",")]),
        "load": load_rows,
        "imports": import_rows,
        "notebooks": notebook_rows,
        "tests": test_suite_rows,
        "standin": standin.measure,
        "cur": cur.measure,
    }
    rows = []
    for section in SECTIONS:
        if section in chosen:
            rows += measures[section]()
    title = "Bedrock workshop benchmarks"
    print_table(title, rows)
    Path(args.out).write_text(markdown(title, rows), encoding="utf-8")
    print(f"\nwritten to {args.out}")
    missed = [r.measure for r in rows if r.met is False]
    if missed:
        print("MISSED: " + "; ".join(missed))
        sys.exit(1)


if __name__ == "__main__":
    main()
