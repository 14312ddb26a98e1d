"""Pure analysis: DataFrames in, DataFrames out, sorted, no I/O. Copy and adapt freely.

Each function returns the same columns whatever its input: an empty frame (no usage yet, as
after 00 then 01) gives an empty table with every column, never a narrower one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import dates
from .errors import InputError
from .i18n import N_, _
from .masking import mask_account_ids

if TYPE_CHECKING:
    import pandas as pd

    from .pricing import PriceTable
    from .profiles import Profile

COUNT_COLUMNS = {
    "Invocations": "invocations",
    "InputTokenCount": "input_tokens",
    "OutputTokenCount": "output_tokens",
    "CacheReadInputTokens": "cache_read_tokens",
    "CacheWriteInputTokens": "cache_write_tokens",
    "InvocationClientErrors": "client_errors",
    "InvocationServerErrors": "server_errors",
    "InvocationThrottles": "throttles",
}
TOKEN_COLUMNS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens")
UNTAGGED = "(untagged)"
MONEY_DECIMALS = 8  # compare money to 1/1,000,000 of a cent: below any Bedrock line item


def usage_by_profile(usage: pd.DataFrame) -> pd.DataFrame:
    """Per profile over the whole window: counts summed, latency averaged per invocation.

    ``usage`` is the tidy frame of ``metrics.usage`` (profile, metric, timestamp, value).
    """
    import pandas as pd

    if usage.empty or not {"profile", "metric", "timestamp", "value"} <= set(usage.columns):
        usage = pd.DataFrame(columns=["profile", "metric", "timestamp", "value"])
    profiles = sorted(usage["profile"].unique()) if not usage.empty else []
    out = pd.DataFrame({"profile": pd.Series(profiles, dtype=object)})
    for metric, column in COUNT_COLUMNS.items():
        sums = usage[usage["metric"] == metric].groupby("profile")["value"].sum()
        out[column] = out["profile"].map(sums).fillna(0).astype("int64")
    # each tier's latency weighs by its own calls (metrics.usage gives a row per tier)
    keys = (
        ["profile", "service_tier", "timestamp"]
        if "service_tier" in usage
        else ["profile", "timestamp"]
    )
    latency = usage[usage["metric"] == "InvocationLatency"][[*keys, "value"]]
    calls = usage[usage["metric"] == "Invocations"][[*keys, "value"]]
    both = latency.merge(calls, on=keys, suffixes=("_ms", "_calls"))
    both["weighted"] = both["value_ms"].astype(float) * both["value_calls"].astype(float)
    grouped = both.groupby("profile")[["weighted", "value_calls"]].sum()
    mean_latency = (grouped["weighted"] / grouped["value_calls"].astype(float)).round(1)
    out["avg_latency_ms"] = out["profile"].map(mean_latency).astype(float)
    return out


def usage_by_tier(usage: pd.DataFrame) -> pd.DataFrame:
    """Per profile and service tier, for the Priority and Flex calls only (``usage_by_profile``
    of each), with a ``service_tier`` column; empty when every call was Standard."""
    import pandas as pd

    parts = []
    if "service_tier" in usage:
        for tier in sorted(set(usage["service_tier"]) - {"default"}):
            part = usage_by_profile(usage[usage["service_tier"] == tier])
            parts.append(part.assign(service_tier=tier))
    if not parts:
        return pd.DataFrame(columns=["profile", "service_tier", *TOKEN_COLUMNS])
    return pd.concat(parts, ignore_index=True).sort_values(
        ["profile", "service_tier"], kind="stable"
    )


def estimate_costs(
    per_profile: pd.DataFrame,
    models: dict[str, str],
    departments: dict[str, str],
    prices: PriceTable,
    scopes: dict[str, str] | None = None,
    region: str | None = None,
    tiers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Add model, scope, department and list-price cost per profile.

    ``tiers`` (``usage_by_tier``) holds the tokens of Priority and Flex calls, included in
    ``per_profile``'s: those are priced at their tier's multiple, the rest at Standard.

    Cost = input x input price + output x output price + cached tokens at their prices, in the
    profile's scope (in-region, geo or global: ``scopes`` maps profile name to scope; without
    one, the scope the model ID implies: a global. or geographic prefix, else in-region) and the
    region's price where it differs. Cache writes are priced at the 5-minute TTL: CloudWatch's
    token counts do not say which writes were for an hour.
    """
    out = per_profile.copy()
    for column in ("profile", *TOKEN_COLUMNS):
        if column not in out:
            out[column] = [] if out.empty else 0
    out["model_id"] = out["profile"].map(models)
    out["scope"] = [
        (scopes or {}).get(name) or (prices.entry(model)[1] if isinstance(model, str) else None)
        for name, model in zip(out["profile"], out["model_id"], strict=True)
    ]
    out["department"] = out["profile"].map(departments).fillna("").replace("", UNTAGGED)
    tiered = tiers if tiers is not None and not tiers.empty else None

    def cost(model: str, row: Any) -> float:
        tokens = {c: float(getattr(row, c)) for c in TOKEN_COLUMNS}
        parts = []
        if tiered is not None:
            for tier_row in tiered[tiered["profile"] == row.profile].itertuples(index=False):
                share = {c: float(getattr(tier_row, c)) for c in TOKEN_COLUMNS}
                tokens = {c: tokens[c] - share[c] for c in TOKEN_COLUMNS}
                parts.append((tier_row.service_tier, share))
        parts.append(("default", tokens))
        return sum(
            prices.cost(
                model,
                counts["input_tokens"],
                counts["output_tokens"],
                scope=row.scope,
                region=region,
                cache_read_tokens=counts["cache_read_tokens"],
                cache_write_tokens=counts["cache_write_tokens"],
                tier=tier,
            )
            for tier, counts in parts
        )

    out["estimated_cost"] = [
        cost(model, row) if isinstance(model, str) else float("nan")
        for model, row in zip(out["model_id"], out.itertuples(index=False), strict=True)
    ]
    out["estimated_cost"] = out["estimated_cost"].astype(float)
    return out.sort_values(["department", "profile"], kind="stable").reset_index(drop=True)


def totals_by_department(costs: pd.DataFrame) -> pd.DataFrame:
    """Billed cost and usage quantity per department over the whole period, largest first."""
    costs = costs.copy()
    for column in ("department", "cost", "usage_quantity"):
        if column not in costs:
            costs[column] = [] if costs.empty else 0.0
    totals = costs.groupby("department", as_index=False)[["cost", "usage_quantity"]].sum()
    totals[["cost", "usage_quantity"]] = totals[["cost", "usage_quantity"]].astype(float)
    return totals.sort_values(
        ["cost", "department"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


def daily_by_department(costs: pd.DataFrame) -> pd.DataFrame:
    """Cost per period (rows) and department (columns), zeros where nothing was spent.

    Rows are days or months (dates), or hours ("2026-11-27 13:00 UTC") for HOURLY costs.
    """
    import pandas as pd

    if costs.empty:  # no period and no department: an empty table, columns named
        table = pd.DataFrame(index=pd.Index([], name="start"), columns=pd.Index([]), dtype=float)
        table.columns.name = "department"
        return table
    table = costs.pivot_table(
        index="start", columns="department", values="cost", aggfunc="sum", fill_value=0.0
    )
    table = table[sorted(table.columns, key=lambda c: (c == UNTAGGED, c))]
    table.columns.name = "department"
    table = table.sort_index()
    if isinstance(table.index, pd.DatetimeIndex):  # HOURLY periods: one row per hour, named
        table.index = pd.Index(table.index.strftime("%Y-%m-%d %H:00 UTC"), name="start")
    return table


RATE_TOLERANCE = 0.10  # a department's bill and token estimate agree within 10 % of the bill
DIFFERENT_USAGE = N_("bill and tokens cover different usage: see the reconciliation")
NO_PROFILE_NOW = N_(
    "billed, but no analysed profile has tokens for it in the period (its tag removed, or "
    "profiles recreated): see the reconciliation"
)


def chargeback(
    billed: pd.DataFrame, usage: pd.DataFrame | None = None, tolerance: float = RATE_TOLERANCE
) -> pd.DataFrame:
    """The chargeback table: cost, share, tokens and cost per 1K tokens per department.

    ``billed`` has department and cost (from ``totals_by_department``); ``usage`` optionally
    has department, input_tokens and output_tokens, and cache_read_tokens and
    cache_write_tokens when prompts were cached, and estimated_cost (from ``estimate_costs``).
    ``tokens`` counts them all: input, output and cached. The token columns are there even
    without usage (zeros; cost per 1K tokens is then NaN).

    Cost per 1K tokens divides the bill (Cost Explorer) by tokens (CloudWatch, the current
    profiles): it means something only when both cover the same calls. Where ``usage`` has
    estimated_cost, the rate is shown only for departments whose bill and estimate differ by
    at most ``tolerance`` (a share of the bill); otherwise it is NaN and ``note`` says why.
    """
    import pandas as pd

    out = billed[["department", "cost"]].copy()
    out["cost"] = out["cost"].astype(float)
    total = out["cost"].sum()
    out["share"] = (out["cost"] / total).round(4) if total else 0.0
    columns = list(TOKEN_COLUMNS)
    estimate = None
    if usage is not None and not usage.empty and "department" in usage:
        present = [c for c in columns if c in usage]
        tokens = usage.groupby("department")[present].sum()
        out = out.merge(tokens, left_on="department", right_index=True, how="left")
        if "estimated_cost" in usage:
            estimate = out["department"].map(usage.groupby("department")["estimated_cost"].sum())
    for column in columns:
        values = out[column].fillna(0) if column in out else 0
        out[column] = pd.Series(values, index=out.index).astype("int64")
    out["tokens"] = out[columns].sum(axis=1).astype("int64")
    rate = (out["cost"] / out["tokens"].where(out["tokens"] > 0).astype(float) * 1000).round(6)
    notes = pd.Series("", index=out.index, dtype=object)
    if estimate is not None:
        gap = (out["cost"] - estimate.fillna(0.0).astype(float)).abs().round(MONEY_DECIMALS)
        agrees = gap <= (out["cost"].abs() * tolerance).round(MONEY_DECIMALS)
        tagged = out["department"] != UNTAGGED
        notes[tagged & ~agrees & (out["tokens"] > 0)] = _(DIFFERENT_USAGE)
        notes[tagged & (out["tokens"] == 0) & (out["cost"] != 0)] = _(NO_PROFILE_NOW)
        rate = rate.where(agrees)
    out["cost_per_1k_tokens"] = rate
    out["note"] = notes
    return out.sort_values(
        ["cost", "department"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


ALL_DEPARTMENTS = "*"  # a key of ``reconcile``'s causes: a cause for every differing department


@dataclass(frozen=True)
class GapCause:
    """A likely cause of a gap: ``sign`` +1 when it makes the bill higher than the estimate,
    -1 when lower."""

    text: str
    sign: int


def reconcile(
    estimated: pd.DataFrame,
    billed: pd.DataFrame,
    by_construction: bool = False,
    causes: dict[str, list[GapCause]] | None = None,
    carried: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Estimated (tokens x list price) against billed cost, per department.

    Amounts are rounded to ``MONEY_DECIMALS`` before they are compared, so float noise
    (1.1e-16) is no difference. ``basis`` says what a row means: for a department that agrees,
    "by construction" when the bill was computed from the same tokens and prices (the offline
    stand-in) or "measured" (AWS's own bill); for one that differs, "differs: " (offline) or
    "measured, differs: " and its likely causes: ``causes`` maps a department (or
    ``ALL_DEPARTMENTS``) to what the caller knows (see ``gap_causes``), each named only where
    it pushes the gap the way it goes; a department no
    analysed profile carries (``carried``: the departments the current profiles carry; by
    default those with an estimate) gets that cause; and spend outside these profiles always
    can.
    (untagged) is not estimated here (estimate and difference NaN), and a "(no ... tag)" group
    is billed as (untagged).
    """
    estimated = estimated.copy()
    billed = billed.copy()
    for frame, column in ((estimated, "estimated_cost"), (billed, "cost")):
        for name in ("department", column):
            if name not in frame:
                frame[name] = [] if frame.empty else 0.0
    est = estimated.groupby("department", as_index=False)["estimated_cost"].sum()
    out = est.merge(
        billed[["department", "cost"]].rename(columns={"cost": "billed_cost"}),
        on="department",
        how="outer",
    )
    profiled = set(est["department"]) if carried is None else set(carried)
    out[["estimated_cost", "billed_cost"]] = (
        out[["estimated_cost", "billed_cost"]].astype(float).fillna(0.0).round(MONEY_DECIMALS)
    )
    out["difference"] = (out["billed_cost"] - out["estimated_cost"]).round(MONEY_DECIMALS)
    base = out["billed_cost"].where(out["billed_cost"] != 0)
    out["difference_pct"] = (out["difference"] / base * 100).round(2)
    untagged = out["department"] == UNTAGGED
    out.loc[untagged, ["estimated_cost", "difference", "difference_pct"]] = float("nan")
    causes = causes or {}
    basis = []
    for department, difference in zip(out["department"], out["difference"], strict=True):
        name = str(department)
        if department == UNTAGGED:
            basis.append(_("not estimated: calls outside the profiles"))
        elif name.startswith("(no ") and name.endswith(" tag)"):
            basis.append(_("billed as {untagged}").format(untagged=UNTAGGED))
        elif difference == 0:
            basis.append(_("by construction") if by_construction else _("measured"))
        else:
            sign = 1 if difference > 0 else -1  # +1: the bill is higher than the estimate
            known = [*causes.get(ALL_DEPARTMENTS, []), *causes.get(name, [])]
            reasons = [] if department in profiled else [_("no analysed profile carries it now")]
            reasons += [cause.text for cause in known if cause.sign == sign]
            reasons.append(
                _("spend outside these profiles (another region, other callers)")
                if sign > 0
                else _("calls billed under another tag value (a tag changed during the period)")
            )
            prefix = _("differs: ") if by_construction else _("measured, differs: ")
            basis.append(prefix + "; ".join(dict.fromkeys(reasons)))
    out["basis"] = basis
    return out.sort_values("department", kind="stable").reset_index(drop=True)


def unbackfilled_since(
    activated_at: datetime | None, backfilled_at: datetime | None, period_start: date
) -> date | None:
    """The day a tag was activated, when costs of the period before it stay (untagged).

    A backfill applies to the tags active when it was requested; a tag activated after the
    period began, with no backfill requested since, groups only the costs after activation.
    None when the period is covered (or the activation time is unknown).
    """
    if activated_at is None or activated_at.date() <= period_start:
        return None
    if backfilled_at is not None and backfilled_at >= activated_at:
        return None
    return activated_at.date()


def gap_causes(
    tag_key: str,
    period_start: date,
    profiles: Iterable[Profile],
    departments: dict[str, str],
    unbackfilled: date | None = None,
) -> dict[str, list[GapCause]]:
    """What the notebook knows can make a department's bill and estimate differ.

    ``unbackfilled`` (from ``unbackfilled_since``): the tag's costs before that day are billed
    as (untagged), for every department (a bill lower than the estimate). A profile created
    after the period began (deleted and recreated, e.g. 99 then 01) leaves the bill holding
    spend of profiles whose metrics these are not (a bill higher than the estimate).
    """
    out: dict[str, list[GapCause]] = {}
    if unbackfilled is not None:
        text = _(
            "'{tag_key}' was activated on {unbackfilled} and no backfill covered the "
            "period before: that spend is billed as {untagged}"
        ).format(tag_key=tag_key, unbackfilled=unbackfilled, untagged=UNTAGGED)
        out[ALL_DEPARTMENTS] = [GapCause(text, -1)]
    for profile in profiles:
        if profile.created_at is not None and profile.created_at.date() > period_start:
            text = _(
                "{name} was created on {date}, inside the period: the bill can hold spend "
                "of profiles deleted earlier (their metrics are not these)"
            ).format(name=profile.name, date=profile.created_at.date())
            out.setdefault(departments.get(profile.name, ""), []).append(GapCause(text, 1))
    return out


def project_month_end(daily: pd.DataFrame, today: date, window_days: int = 14) -> pd.DataFrame:
    """A simple month-end projection per department, when no forecast service is at hand.

    Projected month end = cost so far this month (today included) + the mean daily cost of the
    last ``window_days`` complete days x the days left after today. ``daily`` has start (a
    date), department and cost, one row per day and department.
    """
    import pandas as pd

    today = dates.as_date(today, "today")
    window_days = dates.as_whole_number(window_days, "window_days")
    if window_days < 1:
        raise InputError(
            _("window_days must be at least 1, not {window_days}.").format(window_days=window_days),
            _("use e.g. window_days=14."),
        )
    month_start = dates.month_start(today)
    days_left = (dates.next_month_start(today) - today).days - 1  # after today
    window_start = today - timedelta(days=window_days)
    rows = []
    for department, group in daily.groupby("department"):
        so_far = group.loc[(group["start"] >= month_start) & (group["start"] <= today), "cost"]
        recent = group.loc[(group["start"] >= window_start) & (group["start"] < today), "cost"]
        mean = float(recent.sum()) / window_days
        rows.append(
            {
                "department": department,
                "actual_to_date": float(so_far.sum()),
                "daily_mean": mean,
                "days_left": days_left,
                "projected_month_end": float(so_far.sum()) + mean * days_left,
            }
        )
    return (
        pd.DataFrame(
            rows,
            columns=[
                "department",
                "actual_to_date",
                "daily_mean",
                "days_left",
                "projected_month_end",
            ],
        )
        .sort_values("department", kind="stable")
        .reset_index(drop=True)
    )


def budget_status(
    limits: dict[str, float | None], actual: pd.DataFrame, forecast: pd.DataFrame
) -> pd.DataFrame:
    """Budget, actual and forecast per department, with the share of budget and a status.

    ``actual`` has department and cost; ``forecast`` has department, forecast and method.
    A department whose limit is None (it has no budget) is shown as "no budget".
    """
    import math

    import pandas as pd

    ordered = sorted(limits)
    amounts = [float("nan") if (limit := limits[d]) is None else float(limit) for d in ordered]
    out = pd.DataFrame(
        {
            "department": pd.Series(ordered, dtype=object),  # object even when empty
            "budget_usd": pd.Series(amounts, dtype=float),
        }
    )
    out = out.merge(
        actual.rename(columns={"cost": "actual_usd"})[["department", "actual_usd"]],
        on="department",
        how="left",
    )
    out = out.merge(
        forecast.rename(columns={"forecast": "forecast_usd"}), on="department", how="left"
    )
    out[["actual_usd", "forecast_usd"]] = out[["actual_usd", "forecast_usd"]].fillna(0.0)
    out["actual_pct"] = (out["actual_usd"] / out["budget_usd"] * 100).round(1)
    out["forecast_pct"] = (out["forecast_usd"] / out["budget_usd"] * 100).round(1)
    out["status"] = [
        "no budget"
        if math.isnan(b)
        else "over budget"
        if a >= 100
        else "forecast over budget"
        if f > 100
        else "at risk"
        if f > 80
        else "on track"
        for b, a, f in zip(out["budget_usd"], out["actual_pct"], out["forecast_pct"], strict=True)
    ]
    return out


# --- departments: the tag key each analysed profile carries, or says it lacks -----------------
def no_tag_label(tag_key: str) -> str:
    """The department a profile without the tag key is grouped under: "(no dept tag)"."""
    return f"(no {tag_key} tag)"


def departments_of(
    profiles: Iterable[Profile], tag_key: str
) -> tuple[dict[str, str], list[Profile]]:
    """Each profile's department (its ``tag_key`` value), and the profiles that lack one.

    A profile without the key, or with a blank value, is grouped under ``no_tag_label(tag_key)``
    rather than "": Cost Explorer bills its calls as (untagged), and the analyst should see why.
    """
    departments: dict[str, str] = {}
    missing: list[Profile] = []
    for profile in profiles:
        value = (profile.tags or {}).get(tag_key, "").strip()
        if not value:
            missing.append(profile)
        departments[profile.name] = value or no_tag_label(tag_key)
    return departments, missing


def missing_tag_warning(missing: list[Profile], tag_key: str) -> str | None:
    """A warning naming each profile without ``tag_key``, with the commands that add it.

    None when every profile carries the key.
    """
    if not missing:
        return None
    label = no_tag_label(tag_key)
    lines = [
        _(
            "WARNING: {missing} profile(s) analysed without the tag '{tag_key}'. Cost Explorer "
            "bills their calls under {untagged}; the tables below group them as {label}."
        ).format(missing=len(missing), tag_key=tag_key, untagged=UNTAGGED, label=label),
    ]
    for profile in missing:
        tags = profile.tags or {}
        has = (
            _("its '{tag_key}' value is blank").format(tag_key=tag_key)
            if tag_key in tags
            else "it has " + (", ".join(f"{k}={v}" for k, v in sorted(tags.items())) or "no tags")
        )
        lines += [
            _("  {name} (ID {profile_id}; {has}). Add the tag with the AWS CLI:").format(
                name=profile.name, profile_id=profile.profile_id, has=has
            ),
            f"    aws bedrock tag-resource --resource-arn {profile.arn} "
            f"--tags key={tag_key},value=DEPARTMENT",
            _("  or, for one of the workshop's own profiles (it carries the ownership tag):"),
            f'    profiles.tag(conn, "{profile.arn}", {{"{tag_key}": "DEPARTMENT"}}, '
            "cfg.owner_tag)",
        ]
    lines.append(
        _(
            "Replace DEPARTMENT with the department's name (and ******** with your account ID: "
            "it is masked here, as everywhere the workshop prints). A tag applies to later "
            "costs only (earlier ones stay untagged unless backfilled). If you changed "
            "tag_key, check it is the key your profiles carry (config.json's tag_key)."
        )
    )
    return mask_account_ids("\n".join(lines))


def owner_tag_warning(tag_key: str, owner_key: str) -> str | None:
    """A warning when ``tag_key`` is the ownership tag's key: it marks what the workshop
    created, so every profile carries the same value and the "departments" are one."""
    if tag_key.strip() != owner_key.strip():
        return None
    return _(
        "WARNING: tag_key '{tag_key}' is the workshop's ownership tag (config.json's "
        "owner_tag), not a department tag: every workshop profile carries the same value, "
        "so the tables below group them as one 'department'. Set tag_key to the department "
        "key (config.json's tag_key, e.g. 'dept')."
    ).format(tag_key=tag_key)


def synthetic_note(synthetic: dict[str, dict], start: date, end: date) -> str | None:
    """The subtitle naming the synthetic days inside ``start`` .. ``end`` (excluded).

    ``synthetic`` is the stand-in's state: per profile, its ``first`` and ``last`` synthetic
    day. None when the period holds no synthetic day.
    """
    if not synthetic:
        return None
    first = max(min(dates.as_date(v["first"], "first") for v in synthetic.values()), start)
    last = min(
        max(dates.as_date(v["last"], "last") for v in synthetic.values()),
        end - timedelta(days=1),
    )
    if first > last:
        return None
    return _(
        "SYNTHETIC history from {first} to {last} (offline stand-in); today's calls are "
        "simulated replies"
    ).format(first=first, last=last)


# --- the (untagged) row: calls that went through no application profile ---------------------
DIRECT_METRICS = {
    "Invocations": "invocations",
    "InputTokenCount": "input_tokens",
    "OutputTokenCount": "output_tokens",
    "CacheReadInputTokens": "cache_read_tokens",
    "CacheWriteInputTokens": "cache_write_tokens",
}


def is_direct_model_id(value: str) -> bool:
    """A ModelId value of a call made without an application profile.

    Model IDs (``amazon.nova-2-lite-v1:0``) and system profile IDs
    (``us.amazon.nova-2-lite-v1:0``) have a dot; application profile IDs (12 lower-case
    letters and digits) do not.
    """
    return "." in value


def direct_model_ids(listed: Iterable[dict], configured: Iterable[str]) -> list[str]:
    """The ModelIds to look at: the configured sources, and those CloudWatch lists.

    ``listed`` is ``ListMetrics``' ``Metrics`` (each with its ``Dimensions``); ``configured``
    the profiles' ``copy_from`` values (IDs or ARNs: an ARN counts by its ID). Application
    profile IDs are left out: their calls are the profiles' own.
    """
    ids = {value.rsplit("/", 1)[-1] for value in configured}
    for metric in listed:
        for dimension in metric.get("Dimensions") or []:
            if dimension.get("Name") == "ModelId":
                ids.add(dimension["Value"])
    return sorted(i for i in ids if is_direct_model_id(i))


def direct_queries(model_ids: list[str], seconds: int) -> list[dict]:
    """GetMetricData queries: one per ModelId and metric, each one sum over ``seconds``."""
    from .metrics import metric_query

    return [
        metric_query(f"d{i}_m{j}", f"{model_id} {metric}", metric, model_id, seconds)
        for i, model_id in enumerate(model_ids)
        for j, metric in enumerate(DIRECT_METRICS)
    ]


def direct_usage(results: list[dict], model_ids: list[str]) -> pd.DataFrame:
    """Invocations and tokens per ModelId from ``GetMetricData``'s ``MetricDataResults``."""
    import pandas as pd

    names = list(DIRECT_METRICS.values())
    sums = {model_id: dict.fromkeys(names, 0.0) for model_id in model_ids}
    for result in results:
        model_key, metric_key = result["Id"].split("_")
        model_id = model_ids[int(model_key[1:])]
        sums[model_id][names[int(metric_key[1:])]] += float(sum(result.get("Values") or []))
    out = pd.DataFrame(
        [{"model_id": model_id, **values} for model_id, values in sums.items()],
        columns=["model_id", *names],
    )
    out[names] = out[names].astype("int64")
    return out.sort_values("model_id", kind="stable").reset_index(drop=True)


def estimate_direct(direct: pd.DataFrame, prices: PriceTable, region: str | None) -> pd.DataFrame:
    """Add what each ModelId is (system profile or model) and its list-price cost.

    A model that ``prices`` does not know gets NaN (shown as a dash), not a guess.
    """
    import pandas as pd

    from .catalog import split_profile_id

    out = direct.copy()
    costs = []
    for row in out.itertuples(index=False):
        # a Priority or Flex call's metrics are under "MODEL+priority" / "MODEL+flex"
        model, _plus, tier = str(row.model_id).partition("+")
        try:
            cost = prices.cost(
                model,
                row.input_tokens,
                row.output_tokens,
                region=region,
                cache_read_tokens=row.cache_read_tokens,
                cache_write_tokens=row.cache_write_tokens,
                tier=tier or "default",
            )
        except InputError:  # not in prices.json: no guess
            cost = float("nan")
        costs.append(round(float(cost), MONEY_DECIMALS))
    out.insert(
        1,
        "called_as",
        [
            "system profile" if split_profile_id(m)[0] else "model ID"
            for m in out["model_id"].astype(str)
        ],
    )
    out["tokens"] = out[list(TOKEN_COLUMNS)].sum(axis=1).astype("int64")
    out["estimated_cost"] = pd.Series(costs, index=out.index, dtype=float)
    return out


def untagged_sources(direct: pd.DataFrame, estimated: pd.DataFrame, tag_key: str) -> pd.DataFrame:
    """What Cost Explorer's (untagged) row can hold that this account's metrics show.

    Calls made directly (a model or system profile ID, from ``estimate_direct``) and calls
    through an analysed profile without ``tag_key`` (``estimate_costs`` rows grouped under
    ``no_tag_label``), with their invocations, tokens and list-price estimate; ModelIds
    without calls in the window are left out.
    """
    import pandas as pd

    columns = ["source", "called_as", "invocations", "tokens", "estimated_cost"]
    rows = []
    for row in direct.itertuples(index=False):
        if row.invocations or row.tokens:
            rows.append(
                {
                    "source": row.model_id,
                    "called_as": f"{row.called_as}, directly",
                    "invocations": row.invocations,
                    "tokens": row.tokens,
                    "estimated_cost": row.estimated_cost,
                }
            )
    label = no_tag_label(tag_key)
    if not estimated.empty and "department" in estimated:
        for row in estimated[estimated["department"] == label].itertuples(index=False):
            tokens = sum(int(getattr(row, c, 0) or 0) for c in TOKEN_COLUMNS)
            rows.append(
                {
                    "source": row.profile,
                    "called_as": f"application profile without '{tag_key}'",
                    "invocations": int(getattr(row, "invocations", 0) or 0),
                    "tokens": tokens,
                    "estimated_cost": float(row.estimated_cost),
                }
            )
    out = pd.DataFrame(rows, columns=columns)
    out[["invocations", "tokens"]] = out[["invocations", "tokens"]].astype("int64")
    out["estimated_cost"] = out["estimated_cost"].astype(float)
    return out
