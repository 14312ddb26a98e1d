"""Benchmark the CUR queries on DuckDB: one year of daily line items for 1,000 profiles.

    make bench-cur        (or: .venv/bin/python benchmarks/cur.py [--profiles 1000 --days 365])

Generates CUR 2.0-shaped Parquet (one file per billing period, as Data Exports writes it), then
runs each query of helpers/cur.py in a fresh process: the median of five runs after one warm-up,
and the peak resident memory the queries add to the process (sampled from /proc, Linux).
Aim (issue #5): every query under 1 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.table import Row, print_table  # noqa: E402

MODELS = [  # (service, input usage type, output usage type, input $/token, output $/token)
    (
        "Claude Haiku 4.5 (Amazon Bedrock Edition)",
        "USE1-Claude4.5Haiku-input-tokens-cross-region-global",
        "USE1-Claude4.5Haiku-output-tokens-cross-region-global",
        1.0e-6,
        5.0e-6,
    ),
    (
        "gpt-oss-120b (Amazon Bedrock Edition)",
        "USE1-gpt-oss-120b-input-tokens",
        "USE1-gpt-oss-120b-output-tokens",
        0.15e-6,
        0.6e-6,
    ),
    (
        "Amazon Bedrock",
        "USE1-Nova2.0Lite-input-tokens",
        "USE1-Nova2.0Lite-output-tokens",
        0.33e-6,
        2.75e-6,
    ),
    ("Amazon Bedrock", "USE1-NovaPro-input-tokens", "USE1-NovaPro-output-tokens", 0.8e-6, 3.2e-6),
]


def generate(folder: Path, profiles: int, days: int, seed: int = 0) -> tuple[list[Path], int]:
    """Write the line items; returns the files and the number of rows."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from helpers import dates
    from helpers.offline.cur import marketplace_product_code, schema

    rng = np.random.default_rng(seed)
    first = date.today() - timedelta(days=days)
    model_of = rng.integers(0, len(MODELS), profiles)
    dept_of = rng.integers(0, 40, profiles)
    untagged = rng.random(profiles) < 0.05
    scale = rng.uniform(2e4, 4e5, profiles)
    files, total = [], 0
    day_index = np.arange(days)
    months: dict[str, list[int]] = {}
    for day in day_index:
        months.setdefault((first + timedelta(days=int(day))).strftime("%Y-%m"), []).append(int(day))
    for period, month_days in months.items():
        n_days = len(month_days)
        p = np.repeat(np.arange(profiles), n_days * 2)
        d = np.tile(np.repeat(np.array(month_days), 2), profiles)
        is_output = np.tile(np.array([0, 1]), profiles * n_days).astype(bool)
        amount = np.round(scale[p] * rng.uniform(0.3, 1.3, p.size) * np.where(is_output, 0.6, 1))
        model = model_of[p]
        price = np.array([[m[3], m[4]] for m in MODELS])[model, is_output.astype(int)]
        starts = [
            datetime.combine(first + timedelta(days=int(x)), datetime.min.time())
            for x in range(days)
        ]
        start = np.array(starts, dtype="datetime64[ms]")[d]
        services = [MODELS[i][0] for i in model]
        usage_types = [
            MODELS[i][2] if out else MODELS[i][1] for i, out in zip(model, is_output, strict=True)
        ]
        codes = {
            s: ("AmazonBedrock" if s == "Amazon Bedrock" else marketplace_product_code(s))
            for s in {m[0] for m in MODELS}
        }
        period_start = datetime.strptime(period + "-01", "%Y-%m-%d")
        period_end = dates.next_month_start(period_start)
        tags = [[] if untagged[i] else [("user_dept", f"dept{dept_of[i]:02d}")] for i in p]
        table = pa.Table.from_pydict(
            {
                "bill_billing_entity": [
                    "AWS" if s == "Amazon Bedrock" else "AWS Marketplace" for s in services
                ],
                "bill_billing_period_start_date": [period_start] * p.size,
                "bill_billing_period_end_date": [period_end] * p.size,
                "bill_payer_account_id": ["123456789012"] * p.size,
                "line_item_line_item_type": ["Usage"] * p.size,
                "line_item_usage_account_id": ["123456789012"] * p.size,
                "line_item_usage_start_date": start,
                "line_item_usage_end_date": start + np.timedelta64(1, "D"),
                "line_item_product_code": [codes[s] for s in services],
                "line_item_usage_type": usage_types,
                "line_item_resource_id": [
                    f"arn:aws:bedrock:us-east-1:123456789012:"
                    f"application-inference-profile/p{i:011d}"
                    for i in p
                ],
                "line_item_usage_amount": amount,
                "line_item_unblended_cost": amount * price,
                "line_item_blended_cost": amount * price,
                "line_item_currency_code": ["USD"] * p.size,
                "product_servicecode": [codes[s] for s in services],
                "product_region_code": ["us-east-1"] * p.size,
                "product": [[("product_name", s)] for s in services],
                "resource_tags": tags,
            },
            schema=schema(),
        )
        target = folder / f"BILLING_PERIOD={period}" / "bench-00001.snappy.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, target, compression="snappy")
        files.append(target)
        total += table.num_rows
    return files, total


PROBE = """
import json, statistics, sys, threading, time
sys.path.insert(0, {root!r})
from helpers import cur, cur_engines

def rss_mb():  # resident memory now (Linux), sampled while the query runs
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS")) / 1024

files = {files!r}
runner = cur_engines.DuckDBRunner(files, "bench", "cur")
values = dict(tag_key="dept", start="{start}", end="{end}")
base = rss_mb()
peak = [base]
running = True
def sample():
    while running:
        peak[0] = max(peak[0], rss_mb()); time.sleep(0.002)
watcher = threading.Thread(target=sample); watcher.start()
runner.run({name!r}, **values)  # warm-up: file metadata, caches
times = []
for _ in range(5):
    began = time.perf_counter(); frame = runner.run({name!r}, **values)
    times.append(time.perf_counter() - began)
running = False; watcher.join()
print(json.dumps({{"median": statistics.median(times), "rows": len(frame),
                  "peak_mb": peak[0] - base, "process_mb": peak[0]}}))
"""


def measure(profiles: int = 1000, days: int = 365) -> list[Row]:
    from helpers import cur

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        files, count = generate(Path(folder), profiles, days)
        rows.append(
            Row(
                "CUR",
                f"generate {count:,} line items ({profiles:,} profiles x {days} "
                "days x 2 usage types) as Parquet",
                time.perf_counter() - began,
                "s",
            )
        )
        start = (date.today() - timedelta(days=days)).isoformat()
        end = (date.today() + timedelta(days=1)).isoformat()
        for name in cur.QUERIES:
            code = PROBE.format(
                root=str(ROOT), files=[str(f) for f in files], start=start, end=end, name=name
            )
            result = json.loads(
                subprocess.run(
                    [sys.executable, "-c", code], check=True, capture_output=True, text=True
                ).stdout
            )
            rows.append(
                Row(
                    "CUR",
                    f"{name} on DuckDB, median of 5 ({result['rows']:,} rows)",
                    result["median"],
                    "s",
                    "< 1 s",
                    result["median"] < 1,
                )
            )
            rows.append(Row("CUR", f"{name}: peak memory added", result["peak_mb"], "MB"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    print_table("CUR benchmark", measure(args.profiles, args.days))


if __name__ == "__main__":
    main()
