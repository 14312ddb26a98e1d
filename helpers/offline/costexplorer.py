"""Cost Explorer computed from the usage ledger, on moto's Cost Explorer backend.

moto answers GetCostAndUsage with canned results. Here cost is computed: each billing line is
tokens x list price (``helpers/data/prices.json``), grouped and filtered like Cost Explorer does,
End-exclusive, paginated. Cost allocation tags start inactive, as on a new account; lines are
grouped by a tag only from the day the tag was activated, or from a backfill's start.

Simplifications, stated: usage shows at once (AWS lags up to 24 h); activation and backfills
take effect at once (AWS: up to 24 h); every cost metric equals the unblended cost (no
discounts, credits or reservations).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from helpers import dates

from . import ce_filter, paging, validation
from .accounts import account_state
from .errors import (
    BackfillLimitExceededException,
    DataUnavailableException,
    InvalidNextTokenException,
    RequestChangedException,
    ValidationException,
)
from .moto_glue import (
    ActionResult,
    CostExplorerBackend,
    CostExplorerResponse,
    StandinBackend,
    bedrock_backends_of,
)
from .state import SETTINGS
from .usage import Line, UsageLedger

COST_METRICS = (
    "AmortizedCost",
    "BlendedCost",
    "NetAmortizedCost",
    "NetUnblendedCost",
    "UnblendedCost",
)
METRICS = (*COST_METRICS, "NormalizedUsageAmount", "UsageQuantity")
GROUP_BY_DIMENSIONS = (
    "AZ",
    "INSTANCE_TYPE",
    "LEGAL_ENTITY_NAME",
    "INVOICING_ENTITY",
    "LINKED_ACCOUNT",
    "OPERATION",
    "PLATFORM",
    "PURCHASE_TYPE",
    "SERVICE",
    "TENANCY",
    "RECORD_TYPE",
    "USAGE_TYPE",
)
HISTORY_MONTHS = dates.COST_EXPLORER_MONTHS  # counting the current month
# The stand-in's forecast (Cost Explorer's own model is not public): the mean daily cost of the
# last 30 complete days (from the first day with cost), times the days forecast; the prediction
# interval spreads it by the daily standard deviation. At least 7 days of cost are needed.
FORECAST_WINDOW_DAYS = 30
FORECAST_MIN_DAYS = 7
FORECAST_METRICS = {
    "UNBLENDED_COST",
    "BLENDED_COST",
    "AMORTIZED_COST",
    "NET_UNBLENDED_COST",
    "NET_AMORTIZED_COST",
}
HOURLY_DAYS = 14  # hourly cost data is kept for the last 14 days
DEFAULT_PAGE_SIZE = 2000  # (period, group) entries per page; the real size is not documented
ISO_SECONDS = "%Y-%m-%dT%H:%M:%SZ"


def _iso(when: datetime) -> str:
    return when.astimezone(timezone.utc).strftime(ISO_SECONDS)


def dimension_value(line: Line, key: str) -> str:
    values = {
        "SERVICE": line.service,
        "USAGE_TYPE": line.usage_type,
        "REGION": line.region,
        "LINKED_ACCOUNT": line.account,
        "RECORD_TYPE": "Usage",
        "PURCHASE_TYPE": "On Demand",
        "LEGAL_ENTITY_NAME": "Amazon Web Services, Inc.",
        "INVOICING_ENTITY": "Amazon Web Services, Inc.",
        "BILLING_ENTITY": "AWS Marketplace" if line.service != "Amazon Bedrock" else "AWS",
        "RESOURCE_ID": line.resource_id,
    }
    if key in values:
        return values[key]
    return "No" + "".join(part.title() for part in key.split("_")).replace("Az", "AZ")


@dataclass
class TagStatus:
    key: str
    active_since: datetime | None = None  # lines from this time on are grouped by the tag
    last_updated: datetime | None = None

    @property
    def status(self) -> str:
        return "Active" if self.active_since is not None else "Inactive"


class StandinCostExplorerBackend(StandinBackend, CostExplorerBackend):
    MOTO_SERVICE = "ce"

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.tag_statuses: dict[str, TagStatus] = {}
        self.backfills: list[dict[str, str]] = []

    @property
    def ledger(self) -> UsageLedger:
        """The account's usage (the stand-in's, kept outside moto: ``accounts.py``)."""
        return account_state(self.account_id).ledger

    # --- cost allocation tags ---------------------------------------------------------------
    def known_tags(self, extra_keys: dict[str, datetime]) -> dict[str, tuple[TagStatus, datetime]]:
        """Tag keys AWS would list: seen on usage or on the account's tagged profiles."""
        seen = self.ledger.tag_keys()
        for key, when in extra_keys.items():
            seen.setdefault(key, when)
        with self.lock:
            out = {}
            for key, last_used in seen.items():
                status = self.tag_statuses.setdefault(key, TagStatus(key))
                out[key] = (status, last_used)
            return out

    def update_tag_status(self, key: str, active: bool, now: datetime) -> None:
        with self.lock:
            status = self.tag_statuses.setdefault(key, TagStatus(key))
            if active and status.active_since is None:
                status.active_since = dates.utc_midnight(now)
            elif not active:
                status.active_since = None
            status.last_updated = now

    def tag_lookup(self) -> Callable[[Line, str], str | None]:
        """The tag value Cost Explorer sees on a line: None if the tag was not active then."""
        with self.lock:
            since = {k: s.active_since for k, s in self.tag_statuses.items()}

        def lookup(line: Line, key: str) -> str | None:
            start = since.get(key)
            if start is None or line.start < start:
                return None
            return dict(line.cost_tags).get(key)  # principal tags too

        return lookup

    def cost(self, expression: dict[str, Any] | None, start: datetime, end: datetime) -> Decimal:
        """Unblended cost of the lines matching a Cost Explorer expression in [start, end)."""
        tag_value = self.tag_lookup()
        total = Decimal(0)
        for line, qty in self.ledger.lines(start, end):
            if expression and not ce_filter.matches(expression, line, dimension_value, tag_value):
                continue
            total += line.unit_price * qty
        return total

    def daily_history(
        self, expression: dict[str, Any] | None, today: datetime, days: int = FORECAST_WINDOW_DAYS
    ) -> list[Decimal]:
        """Cost per complete day before today (oldest first), from the first day with cost."""
        start = today - timedelta(days=days)
        per_day = {start + timedelta(days=n): Decimal(0) for n in range(days)}
        tag_value = self.tag_lookup()
        for line, qty in self.ledger.lines(start, today):
            if expression and not ce_filter.matches(expression, line, dimension_value, tag_value):
                continue
            key = dates.utc_midnight(line.start)
            per_day[key] += line.unit_price * qty
        series = [per_day[d] for d in sorted(per_day)]
        while series and series[0] == 0:
            series.pop(0)
        return series

    def today_beyond_mean(
        self, expression: dict[str, Any] | None, today: datetime, mean: Decimal
    ) -> Decimal:
        """What today has already cost beyond the mean daily cost: a day under way is forecast
        at no less than its cost so far, so a month-end forecast never falls below the month's
        actual spend (near a month's end, one busy day could otherwise outrun the forecast)."""
        return max(Decimal(0), self.cost(expression, today, today + timedelta(days=1)) - mean)

    def start_backfill(self, backfill_from: datetime, now: datetime) -> dict[str, str]:
        with self.lock:
            for earlier in self.backfills:
                if now - datetime.fromisoformat(
                    earlier["RequestedAt"].replace("Z", "+00:00")
                ) < timedelta(hours=24):
                    raise BackfillLimitExceededException(
                        "You can request one backfill every 24 hours; the last one was requested "
                        f"at {earlier['RequestedAt']}."
                    )
            for status in self.tag_statuses.values():
                if status.active_since is not None:
                    status.active_since = min(status.active_since, backfill_from)
            request = {
                "BackfillFrom": _iso(backfill_from),
                "RequestedAt": _iso(now),
                "CompletedAt": _iso(now),  # the stand-in completes backfills at once
                "BackfillStatus": "SUCCEEDED",
                "LastUpdatedAt": _iso(now),
            }
            self.backfills.append(request)
            return request


# --- request handling -------------------------------------------------------------------------
def _parse_bound(value: str, granularity: str, name: str) -> datetime:
    hourly = granularity == "HOURLY"
    try:
        if hourly:
            return datetime.strptime(value, ISO_SECONDS).replace(tzinfo=timezone.utc)
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError as exc:
        shape = "yyyy-MM-ddThh:mm:ssZ" if hourly else "yyyy-MM-dd"
        raise ValidationException(
            f"{name} date {value} is not in the format {shape} required for {granularity} "
            "granularity."
        ) from exc


def _time_period(span: dict[str, str], granularity: str) -> tuple[datetime, datetime]:
    """A request's TimePeriod as (start, end), both parsed and in order."""
    start = _parse_bound(span["Start"], granularity, "Start")
    end = _parse_bound(span["End"], granularity, "End")
    if start >= end:
        raise ValidationException("Start date (and hour) should be before end date (and hour)")
    return start, end


def periods(start: datetime, end: datetime, granularity: str) -> list[tuple[datetime, datetime]]:
    out = []
    cursor = start
    while cursor < end:
        if granularity == "HOURLY":
            following = cursor + timedelta(hours=1)
        elif granularity == "DAILY":
            following = cursor + timedelta(days=1)
        else:
            following = dates.next_month_start(cursor)
        following = min(following, end)
        out.append((cursor, following))
        cursor = following
    return out


def fmt_amount(value: Decimal) -> str:
    if value == 0:
        return "0"
    text = f"{value.quantize(Decimal('1e-10')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def invalid_page_token() -> InvalidNextTokenException:
    return InvalidNextTokenException("The NextPageToken is not valid.")


def request_changed() -> RequestChangedException:
    return RequestChangedException(
        "The request changed between pages; send the same request with the NextPageToken."
    )


# --- GetCostAndUsage: validate -> aggregate -> page -> render --------------------------------
@dataclass(frozen=True)
class UsageQuery:
    """A GetCostAndUsage request that passed Cost Explorer's checks."""

    granularity: str
    start: datetime
    end: datetime
    metrics: list[str]
    group_by: list[dict[str, str]]
    filter: dict[str, Any] | None
    now: datetime  # when the request came: decides the history limits and what is Estimated
    spans: list[tuple[datetime, datetime]]  # the periods of ResultsByTime, in order


@dataclass
class Bucket:
    """What one group of one period adds up to."""

    cost: Decimal = Decimal(0)
    quantity: int = 0
    units: set[str] = field(default_factory=set)


# an entry of the paged list: (period index, group key), the key None for the period itself
Entry = tuple[int, tuple[str, ...] | None]


def check_filter(expression: dict[str, Any]) -> None:
    """A request's Filter checked as Cost Explorer does, refused with its ValidationException."""
    try:
        ce_filter.check(expression)
    except ce_filter.FilterError as problem:
        raise ValidationException(str(problem)) from problem


def _check_history(start: datetime, granularity: str, now: datetime) -> None:
    """Refuse a start older than Cost Explorer keeps (14 days for HOURLY)."""
    oldest = dates.cost_explorer_oldest(now)
    if start < oldest:
        raise DataUnavailableException(
            f"Cost Explorer keeps {HISTORY_MONTHS} months of history; the earliest start "
            f"date is {oldest.date().isoformat()}."
        )
    if granularity == "HOURLY" and start < now - timedelta(days=HOURLY_DAYS):
        # AWS's own wording for a HOURLY start beyond its 14 days of hourly data
        raise ValidationException(
            "start date is too old for hourly, the max supported days for hourly "
            f"granularity is {HOURLY_DAYS} days."
        )


def _check_metrics(metrics: list[str]) -> None:
    unknown = [m for m in metrics if m not in METRICS]
    if not metrics or unknown:
        raise ValidationException(
            f"Invalid metrics {unknown or metrics}; valid metrics are {', '.join(METRICS)}."
        )


def _check_group_by(group_by: list[dict[str, str]]) -> None:
    if len(group_by) > 2:
        raise ValidationException("GroupBy can have at most 2 group definitions.")
    for group in group_by:
        if group["Type"] == "DIMENSION" and group["Key"] not in GROUP_BY_DIMENSIONS:
            raise ValidationException(
                f"Group Definition dimension is invalid. Valid values are "
                f"{', '.join(GROUP_BY_DIMENSIONS)}"
            )
        if group["Type"] not in ("DIMENSION", "TAG", "COST_CATEGORY"):
            raise ValidationException(f"Group Definition type {group['Type']} is invalid.")


def usage_query(params: dict[str, Any], now: datetime) -> UsageQuery:
    """Validate: the request's fields, checked in the order Cost Explorer reports them."""
    granularity = params["Granularity"]
    start, end = _time_period(params["TimePeriod"], granularity)
    _check_history(start, granularity, now)
    metrics = params["Metrics"]
    _check_metrics(metrics)
    group_by = params.get("GroupBy") or []
    _check_group_by(group_by)
    flt = params.get("Filter")
    if flt:
        check_filter(flt)
    return UsageQuery(
        granularity=granularity,
        start=start,
        end=end,
        metrics=metrics,
        group_by=group_by,
        filter=flt or None,
        now=now,
        spans=periods(start, end, granularity),
    )


def _period_start(query: UsageQuery, line: Line) -> datetime:
    """The start of the period a line falls in (a month cut at the request's start)."""
    if query.granularity == "HOURLY":
        return line.start
    if query.granularity == "DAILY":
        return dates.utc_midnight(line.start)
    return max(query.start, dates.month_start(line.start))


def _group_key(
    group_by: list[dict[str, str]], line: Line, tag_value: Callable[[Line, str], str | None]
) -> tuple[str, ...]:
    """A line's Keys: ``key$value`` for a tag or cost category, the value for a dimension."""
    keys = []
    for group in group_by:
        if group["Type"] == "TAG":
            keys.append(f"{group['Key']}${tag_value(line, group['Key']) or ''}")
        elif group["Type"] == "DIMENSION":
            keys.append(dimension_value(line, group["Key"]))
        else:
            keys.append(f"{group['Key']}$")
    return tuple(keys)


def aggregate(
    query: UsageQuery, backend: StandinCostExplorerBackend
) -> list[dict[tuple[str, ...], Bucket]]:
    """Aggregate: per period, a Bucket per group key of the lines the filter keeps."""
    start, end, flt = query.start, query.end, query.filter
    tag_value = backend.tag_lookup()
    index_of = {s: i for i, (s, _) in enumerate(query.spans)}
    totals: list[dict[tuple[str, ...], Bucket]] = [{} for _ in query.spans]
    for line, qty in backend.ledger.lines(start, end):
        if flt and not ce_filter.matches(flt, line, dimension_value, tag_value):
            continue
        key = _group_key(query.group_by, line, tag_value)
        bucket = totals[index_of[_period_start(query, line)]].setdefault(key, Bucket())
        bucket.cost += line.unit_price * qty
        bucket.quantity += qty
        bucket.units.add("Units")
    return totals


def entries(query: UsageQuery, totals: list[dict[tuple[str, ...], Bucket]]) -> list[Entry]:
    """What pages count: each non-empty group, then its period (so empty periods still show)."""
    out: list[Entry] = []
    for i, groups in enumerate(totals):
        if query.group_by:
            out.extend(
                (i, key)
                for key, bucket in sorted(groups.items())
                if bucket.cost != 0 or bucket.quantity != 0
            )
        out.append((i, None))
    return out


def page(params: dict[str, Any], listed: list[Entry]) -> tuple[list[Entry], str | None]:
    """Page: the entries this request's NextPageToken asks for, and the token of the next page."""
    request = paging.fingerprint(params, without=("NextPageToken",))
    offset = paging.offset(
        params.get("NextPageToken"),
        invalid=invalid_page_token(),
        request=request,
        changed=request_changed(),
    )
    page_size = SETTINGS.ce_page_size or DEFAULT_PAGE_SIZE
    following = offset + page_size
    if following < len(listed):
        return listed[offset:following], paging.encode(following, request=request)
    return listed[offset:following], None


def metric_values(metrics: list[str], bucket: Bucket) -> dict[str, Any]:
    """The Metrics (or Total) of a group or period, in the metrics the request asked for."""
    out = {}
    for name in metrics:
        if name in COST_METRICS:
            out[name] = {"Amount": fmt_amount(bucket.cost), "Unit": "USD"}
        elif name == "UsageQuantity":
            unit = next(iter(bucket.units)) if len(bucket.units) == 1 else "N/A"
            out[name] = {"Amount": str(bucket.quantity), "Unit": unit}
        else:
            out[name] = {"Amount": "0", "Unit": "N/A"}
    return out


def _bound(query: UsageQuery, when: datetime) -> str:
    return _iso(when) if query.granularity == "HOURLY" else when.date().isoformat()


def render(
    query: UsageQuery,
    totals: list[dict[tuple[str, ...], Bucket]],
    shown: list[Entry],
    next_token: str | None,
) -> dict[str, Any]:
    """Render: the GetCostAndUsage response for one page of entries."""
    estimated_from = dates.month_start(query.now)
    results: dict[int, dict[str, Any]] = {}
    for i, key in shown:
        s, e = query.spans[i]
        result = results.setdefault(
            i,
            {
                "TimePeriod": {"Start": _bound(query, s), "End": _bound(query, e)},
                "Total": {}
                if query.group_by
                else metric_values(query.metrics, totals[i].get((), Bucket())),
                "Groups": [],
                "Estimated": e > estimated_from,
            },
        )
        if key is not None:
            result["Groups"].append(
                {"Keys": list(key), "Metrics": metric_values(query.metrics, totals[i][key])}
            )
    out: dict[str, Any] = {
        "GroupDefinitions": [{"Type": g["Type"], "Key": g["Key"]} for g in query.group_by],
        "ResultsByTime": [results[i] for i in sorted(results)],
        "DimensionValueAttributes": [],
    }
    if next_token is not None:
        out["NextPageToken"] = next_token
    return out


class StandinCostExplorerResponse(CostExplorerResponse):
    @property
    def ce_backend(self) -> StandinCostExplorerBackend:
        return super().ce_backend

    def get_cost_and_usage(self) -> ActionResult:
        params = validation.request_params(self, "ce")
        query = usage_query(params, datetime.now(timezone.utc))
        totals = aggregate(query, self.ce_backend)
        shown, next_token = page(params, entries(query, totals))
        return ActionResult(render(query, totals, shown, next_token))

    def get_cost_forecast(self) -> ActionResult:
        params = validation.request_params(self, "ce")
        granularity = params["Granularity"]
        if granularity not in ("DAILY", "MONTHLY"):
            raise ValidationException("Forecasts are available at DAILY or MONTHLY granularity.")
        start = _parse_bound(params["TimePeriod"]["Start"], granularity, "Start")
        end = _parse_bound(params["TimePeriod"]["End"], granularity, "End")
        now = datetime.now(timezone.utc)
        today = dates.utc_midnight(now)
        if start < today:
            raise ValidationException("Start date must be equal to or later than the current date.")
        if start >= end:
            raise ValidationException("Start date (and hour) should be before end date (and hour)")
        if end > dates.add_months(today, 12):
            raise ValidationException("A forecast covers at most 12 months from today.")
        if params["Metric"] not in FORECAST_METRICS:
            raise ValidationException(
                "The offline stand-in forecasts cost metrics only "
                f"({', '.join(sorted(FORECAST_METRICS))}), not {params['Metric']}."
            )
        flt = params.get("Filter")
        if flt:
            check_filter(flt)
        history = self.ce_backend.daily_history(flt, today)
        if sum(1 for day in history if day > 0) < FORECAST_MIN_DAYS:
            raise DataUnavailableException(
                "Insufficient amount of historical data to generate forecast."
            )
        mean = sum(history, Decimal(0)) / len(history)
        spread = Decimal(str(statistics.pstdev([float(d) for d in history])))
        level = params.get("PredictionIntervalLevel") or 80
        z = Decimal(str(statistics.NormalDist().inv_cdf(0.5 + level / 200)))

        beyond = self.ce_backend.today_beyond_mean(flt, today, mean)

        def forecast(days: int, from_today: bool) -> dict[str, str]:
            value = mean * days + (beyond if from_today else Decimal(0))
            width = z * spread * Decimal(days).sqrt()
            return {
                "MeanValue": fmt_amount(value),
                "PredictionIntervalLowerBound": fmt_amount(max(Decimal(0), value - width)),
                "PredictionIntervalUpperBound": fmt_amount(value + width),
            }

        results = []
        for s, e in periods(start, end, granularity):
            results.append(
                {
                    "TimePeriod": {"Start": s.date().isoformat(), "End": e.date().isoformat()},
                    **forecast((e - s).days, s == today),
                }
            )
        total_days = (end - start).days
        return ActionResult(
            {
                "Total": {
                    "Amount": forecast(total_days, start == today)["MeanValue"],
                    "Unit": "USD",
                },
                "ForecastResultsByTime": results,
            }
        )

    def _profile_tag_keys(self) -> dict[str, datetime]:
        """Tag keys on this account's application profiles, in every region."""
        keys: dict[str, datetime] = {}
        for backend in bedrock_backends_of(self.current_account):
            for profile in getattr(backend, "application_profiles", {}).values():
                for key in profile.tags:
                    keys.setdefault(key, profile.updated_at)
        return keys

    def list_cost_allocation_tags(self) -> ActionResult:
        params = validation.request_params(self, "ce")
        known = self.ce_backend.known_tags(self._profile_tag_keys())
        wanted_keys = set(params.get("TagKeys") or [])
        rows = []
        for key in sorted(known):
            status, last_used = known[key]
            if params.get("Status") and status.status != params["Status"]:
                continue
            if params.get("Type") and params["Type"] != "UserDefined":
                continue
            if wanted_keys and key not in wanted_keys:
                continue
            row = {
                "TagKey": key,
                "Type": "UserDefined",
                "Status": status.status,
                "LastUsedDate": _iso(last_used),
            }
            if status.last_updated:
                row["LastUpdatedDate"] = _iso(status.last_updated)
            rows.append(row)
        return ActionResult(
            paging.listing(
                "CostAllocationTags",
                rows,
                params.get("MaxResults") or 100,
                params.get("NextToken"),
                invalid=InvalidNextTokenException("The NextToken is not valid."),
            )
        )

    def update_cost_allocation_tags_status(self) -> ActionResult:
        params = validation.request_params(self, "ce")
        known = self.ce_backend.known_tags(self._profile_tag_keys())
        now = datetime.now(timezone.utc)
        errors = []
        for item in params["CostAllocationTagsStatus"]:
            key = item["TagKey"]
            if key not in known:
                errors.append(
                    {
                        "TagKey": key,
                        "Code": "TagKeysNotFoundException",
                        "Message": f"Tag key {key} has not been used on any resource in this "
                        "account.",
                    }
                )
                continue
            self.ce_backend.update_tag_status(key, item["Status"] == "Active", now)
        return ActionResult({"Errors": errors})

    def start_cost_allocation_tag_backfill(self) -> ActionResult:
        params = validation.request_params(self, "ce")
        raw = params["BackfillFrom"]
        when = datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(timezone.utc)
        now = datetime.now(timezone.utc)
        first_allowed = dates.backfill_oldest(now.date())
        if when != dates.month_start(when):
            raise ValidationException(
                f"BackfillFrom {raw} must be the first day of a month at 00:00:00Z."
            )
        if when.date() < first_allowed:
            raise ValidationException(
                f"BackfillFrom can go back at most 12 months (to {first_allowed.isoformat()})."
            )
        request = self.ce_backend.start_backfill(when, now)
        return ActionResult({"BackfillRequest": request})

    def list_cost_allocation_tag_backfill_history(self) -> ActionResult:
        validation.request_params(self, "ce")
        return ActionResult({"BackfillRequests": list(reversed(self.ce_backend.backfills))})

    def get_tags(self) -> ActionResult:
        params = validation.request_params(self, "ce")
        start, end = _time_period(params["TimePeriod"], "DAILY")
        tag_value = self.ce_backend.tag_lookup()
        key = params.get("TagKey")
        search = (params.get("SearchString") or "").casefold()
        found: set[str] = set()
        for line, _ in self.ce_backend.ledger.lines(start, end):
            if key:
                value = tag_value(line, key)
                if value:
                    found.add(value)
            else:
                found.update(k for k, _ in line.cost_tags if tag_value(line, k) is not None)
        tags = sorted(t for t in found if search in t.casefold())
        return ActionResult({"Tags": tags, "ReturnSize": len(tags), "TotalSize": len(tags)})

    def get_dimension_values(self) -> ActionResult:
        params = validation.request_params(self, "ce")
        start, end = _time_period(params["TimePeriod"], "DAILY")
        search = (params.get("SearchString") or "").casefold()
        values = sorted(
            {
                dimension_value(line, params["Dimension"])
                for line, _ in self.ce_backend.ledger.lines(start, end)
            }
        )
        values = [v for v in values if search in v.casefold()]
        return ActionResult(
            {
                "DimensionValues": [{"Value": v, "Attributes": {}} for v in values],
                "ReturnSize": len(values),
                "TotalSize": len(values),
            }
        )
