"""Synthetic usage history: weeks of plausible traffic for the application profiles that exist.

The cost notebook needs more than today's handful of calls to show trends. ``backfill`` writes,
for each whole day before today, one day of traffic per application profile, recorded exactly
like real calls (CloudWatch datapoints at 12:00 UTC as statistic sets, billing lines for the
day), so CloudWatch and Cost Explorer agree. Everything is drawn from ``random.Random`` seeded by
the seed and the profile's name: the same seed and profiles give the same history. Synthetic
days are listed in ``/_standin/state`` for the notebooks to label.

Each day of each workload is written once, whatever the order of runs. A workload is a region
and a profile name (``history_key``), not an ARN: 99_cleanup then 01 re-create a profile under
a new ARN, and its history must not be written a second time (the first history stays on the
bill, under the old ARN and the tags it had). Concurrent backfills hold the account's
``history_lock`` (``accounts.py``) from the check of a day to its write.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from helpers.catalog import ACTIVE, LEGACY
from helpers.dates import utc_midnight
from helpers.metrics import UNIT

from .accounts import account_state
from .moto_glue import bedrock_backend
from .usage import Target, days_back


@dataclass(frozen=True)
class Day:
    requests: int
    input_tokens: int
    output_tokens: int
    latency_sum: float
    latency_min: float
    latency_max: float
    throttles: int


def simulate_day(rng: random.Random, profile_scale: dict[str, float], day: date, model) -> Day:
    weekday = day.weekday() < 5
    requests = max(
        0, round(profile_scale["requests"] * (1.0 if weekday else 0.3) * rng.uniform(0.7, 1.3))
    )
    input_tokens = output_tokens = 0
    latencies = []
    for _ in range(requests):
        tokens_in = max(1, round(rng.gauss(profile_scale["input"], profile_scale["input"] * 0.3)))
        tokens_out = max(
            1, round(rng.gauss(profile_scale["output"], profile_scale["output"] * 0.3))
        )
        input_tokens += tokens_in
        output_tokens += tokens_out
        latencies.append(
            model.latency_base_ms + model.latency_per_output_token_ms * tokens_out + tokens_in // 20
        )
    throttles = sum(1 for _ in range(requests) if rng.random() < 0.01)
    return Day(
        requests,
        input_tokens,
        output_tokens,
        float(sum(latencies)),
        float(min(latencies, default=0)),
        float(max(latencies, default=0)),
        throttles,
    )


def history_key(region: str, profile_name: str) -> str:
    """What identifies a workload across re-creation: its region and profile name."""
    return f"{region}/{profile_name}"


def backfill(
    account: str, region: str, days: int, seed: int = 0, today: date | None = None
) -> dict:
    """Write ``days`` days of synthetic history for every application profile in the region."""
    if not 1 <= days <= 400:
        raise ValueError(f"days must be between 1 and 400, not {days}")
    from .catalog import load
    from .catalog import today as catalog_today

    bedrock = bedrock_backend(account, region)
    standin = account_state(account)
    metrics = standin.metrics(region)
    ledger = standin.ledger
    catalog = load()
    data = catalog.data
    calendar = days_back(days, today)
    written = []
    totals = {"requests": 0, "input_tokens": 0, "output_tokens": 0}
    with bedrock.lock:
        profiles = sorted(bedrock.application_profiles.values(), key=lambda p: p.name)
    with standin.history_lock:  # one backfill at a time: no profile-day checked twice
        for profile in profiles:
            model = catalog.models[profile.model_id]
            rng = random.Random(f"{seed}:{profile.name}")
            scale = {
                "requests": rng.uniform(20, 120),
                "input": rng.uniform(150, 900),
                "output": rng.uniform(80, 600),
            }
            target = Target.application(profile, model)
            done = standin.synthetic_days.setdefault(history_key(region, profile.name), set())
            new_days = 0
            for day in calendar:
                sample = simulate_day(rng, scale, day, model)  # drawn even when skipped: stable
                if day in done or sample.requests == 0:
                    continue
                # the model's state that day (never later than the stand-in's pinned today)
                state = data.lifecycle(model.model_id, region, min(day, catalog_today())).status
                if state not in (ACTIVE, LEGACY):  # not served that day: no traffic
                    continue
                noon = utc_midnight(day) + timedelta(hours=12)
                dims = {"ModelId": profile.profile_id}
                n = sample.requests
                quota = sample.input_tokens + sample.output_tokens * model.quota_burndown
                # one statistic set per metric and day: (name, total, minimum, maximum)
                sets = [
                    ("Invocations", n, 1, 1),
                    ("InputTokenCount", sample.input_tokens, 1, sample.input_tokens),
                    ("OutputTokenCount", sample.output_tokens, 1, sample.output_tokens),
                    (
                        "InvocationLatency",
                        sample.latency_sum,
                        sample.latency_min,
                        sample.latency_max,
                    ),
                    ("EstimatedTPMQuotaUsage", quota, 1, quota),
                ]
                if state == LEGACY:
                    sets.append(("LegacyModelInvocations", n, 1, 1))
                if sample.throttles:
                    sets.append(("InvocationThrottles", sample.throttles, 1, 1))
                for name, total, low, high in sets:
                    count = sample.throttles if name == "InvocationThrottles" else n
                    metrics.put_set(
                        name,
                        dims,
                        noon,
                        UNIT[name],
                        total=total,
                        count=count,
                        minimum=low,
                        maximum=high,
                    )
                ledger.record_tokens(
                    account=account,
                    region=region,
                    target=target,
                    start=utc_midnight(day),
                    input_tokens=sample.input_tokens,
                    output_tokens=sample.output_tokens,
                    synthetic=True,
                )
                done.add(day)
                new_days += 1
                totals["requests"] += n
                totals["input_tokens"] += sample.input_tokens
                totals["output_tokens"] += sample.output_tokens
            written.append({"name": profile.name, "arn": profile.arn, "new_days": new_days})
    return {
        "synthetic": True,
        "region": region,
        "seed": seed,
        "from": calendar[0].isoformat(),
        "to": calendar[-1].isoformat(),
        "profiles": written,
        **totals,
    }


def synthetic_summary(account: str) -> dict[str, dict[str, str | int]]:
    """Per workload ("region/profile name"): the first and last synthetic day, and how many."""
    standin = account_state(account)
    out: dict[str, dict[str, str | int]] = {}
    with standin.history_lock:
        written = {key: sorted(days) for key, days in standin.synthetic_days.items()}
    for key, days in written.items():
        if days:
            out[key] = {
                "first": min(days).isoformat(),
                "last": max(days).isoformat(),
                "days": len(days),
            }
    return out
