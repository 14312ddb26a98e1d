"""Cost by department from Cost Explorer, over a checked period, with the request in view.

The request is a plain dict (``cost_request``) that an analyst can print, edit and pass back;
``cost_by_tag`` sends it, follows NextPageToken and parses ``key$value`` group keys. Two
mistakes of the original ``cost_analysis.py`` are avoided: its period was empty on the 1st of a
month (End is exclusive), and its filter ``SERVICE = Amazon Bedrock`` missed Anthropic and
Meta spend, which AWS Marketplace bills under their own service names.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from . import dates
from .errors import InputError, explained
from .i18n import _

if TYPE_CHECKING:
    import pandas as pd

    from .aws import Connection

GRANULARITIES = ("DAILY", "MONTHLY", "HOURLY")
HOURLY_DAYS = 14  # Cost Explorer keeps hourly data for the last 14 days only
HISTORY_MONTHS = dates.COST_EXPLORER_MONTHS  # counting the current month
UNTAGGED = "(untagged)"
EMPTY_COLUMNS = [
    "start",
    "end",
    "department",
    "tag_key",
    "estimated",
    "cost",
    "currency",
    "usage_quantity",
]


def _as_date(value: date | str, name: str) -> date:
    return dates.as_date(value, name)


def _today_or(today: date | str | None) -> date:
    return dates.utc_today() if today is None else dates.as_date(today, "today")


@dataclass(frozen=True)
class Period:
    """A Cost Explorer time period: ``start`` included, ``end`` excluded (as AWS reads it)."""

    start: date
    end: date
    granularity: str = "DAILY"

    def time_period(self, hourly: bool | None = None) -> dict[str, str]:
        """Start and End as AWS wants them: yyyy-MM-dd, or yyyy-MM-ddThh:mm:ssZ for HOURLY.

        ``hourly=False`` gives dates whatever the granularity (for calls that take no
        Granularity, such as GetDimensionValues).
        """
        if self.granularity == "HOURLY" if hourly is None else hourly:
            return {"Start": f"{self.start}T00:00:00Z", "End": f"{self.end}T00:00:00Z"}
        return {"Start": self.start.isoformat(), "End": self.end.isoformat()}

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def __str__(self) -> str:
        last = self.end - timedelta(days=1)
        return f"{self.start:%Y-%m-%d} to {last:%Y-%m-%d} inclusive ({self.granularity.lower()})"


def period(
    start: date | str, end: date | str, granularity: str = "DAILY", today: date | None = None
) -> Period:
    """A checked Period. ``end`` is exclusive: to include today, end tomorrow."""
    today = _today_or(today)
    start, end = _as_date(start, "start"), _as_date(end, "end")
    granularity = granularity_of(granularity)
    if end <= start:
        what = _("empty") if end == start else _("inverted")
        raise InputError(
            _(
                "The period {start} to {end} is {what}: Cost Explorer's End is exclusive, so "
                "it must come after Start. (This is the bug of the original cost_analysis.py "
                "on the 1st of a month: 'from the 1st to today' is empty then.)"
            ).format(start=start, end=end, what=what),
            _(
                "end the period the day after its last day, e.g. period('{start}', '{start2}') "
                "for {start} alone."
            ).format(start=start, start2=start + timedelta(days=1)),
        )
    if start > today:
        raise InputError(
            _("The period starts on {start}, in the future: there is no cost yet.").format(
                start=start
            ),
            _("choose a start on or before today."),
        )
    limit = dates.next_month_start(today)
    if end > limit:
        raise InputError(
            _(
                "The period ends on {end}, beyond the current month: Cost Explorer has no cost "
                "for the future."
            ).format(end=end),
            _("end it at {today} (tomorrow) at the latest, or use a forecast.").format(
                today=today + timedelta(days=1)
            ),
        )
    oldest = dates.cost_explorer_oldest(today)
    if start < oldest:
        raise InputError(
            _(
                "The period starts on {start}; Cost Explorer keeps {history_months} months of "
                "history, this one included (from {oldest})."
            ).format(start=start, history_months=HISTORY_MONTHS, oldest=oldest),
            _("start on {oldest} or later.").format(oldest=oldest),
        )
    hourly_oldest = today - timedelta(days=HOURLY_DAYS - 1)
    if granularity == "HOURLY" and start < hourly_oldest:
        raise InputError(
            _(
                "The period starts on {start}: HOURLY granularity covers only the last "
                "{hourly_days} days (from {hourly_oldest}, today included), and only once "
                "hourly granularity is enabled in Cost Explorer's preferences."
            ).format(start=start, hourly_days=HOURLY_DAYS, hourly_oldest=hourly_oldest),
            _(
                "start on {hourly_oldest} or later (e.g. last_days({hourly_days}, "
                "granularity='HOURLY')), or use DAILY for longer periods."
            ).format(hourly_oldest=hourly_oldest, hourly_days=HOURLY_DAYS),
        )
    return Period(start, end, granularity)


def granularity_of(value: object) -> str:
    """A Cost Explorer granularity from any case: "daily" is DAILY."""
    text = value.strip().upper() if isinstance(value, str) else None
    if text not in GRANULARITIES:
        raise InputError(
            _("Granularity {value!r} is not one of {granularities}.").format(
                value=value, granularities=", ".join(GRANULARITIES)
            ),
            _("use one of {granularities} (any case, e.g. granularity='daily').").format(
                granularities=", ".join(GRANULARITIES)
            ),
        )
    return text


def month_to_date(today: date | str | None = None, granularity: str = "DAILY") -> Period:
    """From the 1st of this month through today (never empty, even on the 1st)."""
    today = _today_or(today)
    return period(dates.month_start(today), today + timedelta(days=1), granularity, today)


def last_days(
    days: int | str, today: date | str | None = None, granularity: str = "DAILY"
) -> Period:
    """The last ``days`` days, today included (``days`` may be 7, a numpy integer or "7")."""
    days = dates.as_whole_number(days, "days")
    if days < 1:
        raise InputError(
            _("days must be at least 1, not {days}.").format(days=days),
            _("pass 1 or more, e.g. days=30."),
        )
    today = _today_or(today)
    return period(today - timedelta(days=days - 1), today + timedelta(days=1), granularity, today)


def _checked(span: object) -> Period:
    if not isinstance(span, Period):
        raise InputError(
            _("A cost period must be a costs.Period, not {span!r}.").format(span=span),
            _(
                "make one with costs.last_days(30), costs.month_to_date() or "
                "costs.period('2026-11-01', '2026-11-08')."
            ),
        )
    return span


def bedrock_services(conn: Connection, span: Period) -> list[str]:
    """The Cost Explorer SERVICE names that carry Bedrock spend in a period.

    Amazon's own models bill as "Amazon Bedrock"; third-party models through AWS Marketplace,
    as e.g. "Claude Haiku 4.5 (Amazon Bedrock Edition)".
    """
    span = _checked(span)
    with explained(_("list the services with cost (ce:GetDimensionValues)")):
        values = conn.ce.get_dimension_values(
            TimePeriod=span.time_period(hourly=False),
            Dimension="SERVICE",
            Context="COST_AND_USAGE",
        )["DimensionValues"]
    return sorted(v["Value"] for v in values if "Bedrock" in v["Value"])


def cost_request(
    span: Period,
    tag_key: str,
    *,
    services: list[str] | None = None,
    second_group: str | None = None,
    metrics: tuple[str, ...] = ("UnblendedCost", "UsageQuantity"),
) -> dict[str, Any]:
    """The GetCostAndUsage request: cost grouped by the cost allocation tag.

    ``services`` limits it to those SERVICE values (see ``bedrock_services``); ``second_group``
    adds a DIMENSION such as "SERVICE" or "USAGE_TYPE" as a second grouping.
    """
    span = _checked(span)
    request: dict[str, Any] = {
        "TimePeriod": span.time_period(),
        "Granularity": span.granularity,
        "Metrics": list(metrics),
        "GroupBy": [{"Type": "TAG", "Key": tag_key}],
    }
    if second_group:
        request["GroupBy"].append({"Type": "DIMENSION", "Key": second_group})
    if services:
        request["Filter"] = {"Dimensions": {"Key": "SERVICE", "Values": list(services)}}
    return request


def fetch_pages(conn: Connection, request: dict[str, Any]) -> list[dict]:
    """Every page of a GetCostAndUsage request (each page is one billed API call)."""
    pages = []
    token = None
    with explained(_("read costs from Cost Explorer (ce:GetCostAndUsage)")):
        while True:
            page = conn.ce.get_cost_and_usage(
                **request, **({"NextPageToken": token} if token else {})
            )
            pages.append(page)
            token = page.get("NextPageToken")
            if not token:
                return pages


def _bound(value: str) -> date:
    """A period bound: a date, or a UTC datetime for HOURLY periods (yyyy-MM-ddThh:mm:ssZ)."""
    if len(value) > 10:
        return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return date.fromisoformat(value)


def parse_pages(pages: list[dict]) -> pd.DataFrame:
    """Tidy rows from GetCostAndUsage pages: one per period and group, tags parsed.

    A TAG group key ``dept$claims`` becomes department "claims"; ``dept$`` (cost without the
    tag, or before it was activated) becomes "(untagged)".
    """
    import pandas as pd

    rows = []
    for page in pages:
        definitions = page.get("GroupDefinitions") or []
        for result in page["ResultsByTime"]:
            base = {
                "start": _bound(result["TimePeriod"]["Start"]),
                "end": _bound(result["TimePeriod"]["End"]),
                "estimated": bool(result.get("Estimated")),
            }
            groups = result.get("Groups") or []
            if not definitions:
                groups = [{"Keys": [], "Metrics": result.get("Total") or {}}]
            for group in groups:
                row = dict(base)
                for definition, key in zip(definitions, group["Keys"], strict=True):
                    name = definition["Key"].lower()
                    if definition["Type"] == "TAG":
                        value = key.split("$", 1)[1] if "$" in key else key
                        row["tag_key"] = definition["Key"]
                        row["department"] = value or UNTAGGED
                    else:
                        row[name] = key
                for metric, amount in group["Metrics"].items():
                    column = {"UnblendedCost": "cost", "UsageQuantity": "usage_quantity"}.get(
                        metric, metric
                    )
                    row[column] = float(amount["Amount"])
                    if metric.endswith("Cost"):
                        row["currency"] = amount["Unit"]
                rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:  # the columns of an answer to ``cost_request``'s default metrics
        return pd.DataFrame(columns=EMPTY_COLUMNS)
    order = [c for c in ("start", "end", "department", "tag_key") if c in frame]
    rest = [c for c in frame.columns if c not in order]
    frame = frame[order + rest]
    return frame.sort_values(
        [c for c in ("start", "department") if c in frame], kind="stable"
    ).reset_index(drop=True)


def cost_by_tag(conn: Connection, request: dict[str, Any]) -> pd.DataFrame:
    """Send a ``cost_request`` (or your edit of it) and return tidy rows."""
    return parse_pages(fetch_pages(conn, request))


@dataclass(frozen=True)
class TagActivation:
    key: str
    status: str  # Active | Inactive | NotFound
    remedy: str | None
    note: str | None = None  # what stays ungrouped when the backfill could not be made
    activated_at: datetime | None = None  # LastUpdatedDate of an Active tag (None: unknown)

    @property
    def active(self) -> bool:
        return self.status == "Active"


def activation_remedy(key: str, today: date | None = None) -> str:
    start = dates.month_start(_today_or(today))
    return _(
        "Activate '{key}' as a cost allocation tag (in the management/payer account of an "
        "Organization): Billing console > Cost allocation tags > select '{key}' > "
        "Activate, or\n  aws ce update-cost-allocation-tags-status "
        "--cost-allocation-tags-status TagKey={key},Status=Active\nIt takes up to 24 hours "
        "and applies to later costs only; to apply it to earlier months too:\n  aws ce "
        "start-cost-allocation-tag-backfill --backfill-from {start}T00:00:00Z"
    ).format(key=key, start=start)


def tag_activation(conn: Connection, key: str) -> TagActivation:
    """Whether Cost Explorer groups cost by ``key`` yet, and what to do if not."""
    with explained(_("read cost allocation tags (ce:ListCostAllocationTags)")):
        found = conn.ce.list_cost_allocation_tags(TagKeys=[key])["CostAllocationTags"]
    if not found:
        return TagActivation(
            key,
            "NotFound",
            _(
                "AWS has not seen the tag '{key}' on any billed resource yet: tag a profile, "
                "use it, and check again within a day.\n"
            ).format(key=key)
            + activation_remedy(key),
        )
    status = found[0]["Status"]
    updated = found[0].get("LastUpdatedDate") if status == "Active" else None
    try:
        activated_at = dates.as_utc(updated, "LastUpdatedDate") if updated else None
    except InputError:  # an unreadable date: unknown, as when AWS gives none
        activated_at = None
    return TagActivation(
        key, status, None if status == "Active" else activation_remedy(key), None, activated_at
    )


def last_backfill(conn: Connection) -> datetime | None:
    """When the account's latest cost allocation tag backfill was requested (None: unknown).

    Reads ListCostAllocationTagBackfillHistory; without permission for it, None.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    latest: datetime | None = None
    token = None
    try:
        while True:
            page = conn.ce.list_cost_allocation_tag_backfill_history(
                **({"NextToken": token} if token else {})
            )
            for request in page.get("BackfillRequests") or []:
                requested = request.get("RequestedAt")
                if not requested:
                    continue
                when = dates.as_utc(requested, "RequestedAt")
                latest = when if latest is None or when > latest else latest
            token = page.get("NextToken")
            if not token:
                return latest
    except (ClientError, BotoCoreError, InputError):
        return latest


def _backfill(conn: Connection, key: str, start: date) -> str | None:
    """Request a backfill from ``start``; when AWS allows none yet, say what stays ungrouped."""
    with explained(
        _("backfill the cost allocation tag (ce:StartCostAllocationTagBackfill)"),
        tolerate=("BackfillLimitExceededException",),
    ) as limited:
        conn.ce.start_cost_allocation_tag_backfill(BackfillFrom=f"{start}T00:00:00Z")
    if not limited:
        return None
    previous = last_backfill(conn)
    if previous is not None:
        when = _(
            "The last backfill was requested at {previous:%Y-%m-%d %H:%M} UTC; the next is "
            "possible from {previous2:%Y-%m-%d %H:%M} UTC."
        ).format(previous=previous, previous2=previous + timedelta(hours=24))
    else:
        when = _("The last one was requested less than 24 hours ago; try again within a day.")
    today = dates.utc_today()
    return _(
        "Backfill not possible yet: Cost Explorer allows one cost allocation tag backfill "
        "every 24 hours (BackfillLimitExceededException). '{key}' is active, but costs "
        "from {start} until it was activated (today, {today}) stay under {untagged} until "
        "a backfill covers them. {when} Then run:\n  aws ce "
        "start-cost-allocation-tag-backfill --backfill-from {start}T00:00:00Z"
    ).format(key=key, start=start, today=today, untagged=UNTAGGED, when=when)


def activate_tag(
    conn: Connection, key: str, backfill_from: date | str | None = None
) -> TagActivation:
    """Activate a cost allocation tag; optionally backfill it from the 1st of a month.

    AWS allows one backfill every 24 hours: when the last one is more recent, the tag is still
    activated and ``note`` says which costs stay ungrouped, and from when a backfill is possible.
    """
    with explained(
        _("activate the cost allocation tag {key} (ce:UpdateCostAllocationTagsStatus)").format(
            key=key
        )
    ):
        result = conn.ce.update_cost_allocation_tags_status(
            CostAllocationTagsStatus=[{"TagKey": key, "Status": "Active"}]
        )
    if result.get("Errors"):
        error = result["Errors"][0]
        raise InputError(
            _("AWS did not activate '{key}': {error}: {error2}").format(
                key=key, error=error["Code"], error2=error["Message"]
            ),
            _("tag a profile with it and use the profile, then try again."),
        )
    note = None
    if backfill_from is not None:
        # BackfillFrom is the 1st of a month, at most 12 months back
        start = max(
            dates.month_start(dates.as_date(backfill_from, "backfill_from")),
            dates.backfill_oldest(dates.utc_today()),
        )
        note = _backfill(conn, key, start)
    return replace(tag_activation(conn, key), note=note)


@dataclass(frozen=True)
class Forecast:
    """Cost Explorer's forecast for the rest of the month (today included)."""

    mean: float
    low: float
    high: float


def forecast_rest_of_month(
    conn: Connection,
    tag_key: str,
    value: str,
    services: list[str] | None = None,
    today: date | None = None,
) -> Forecast | None:
    """GetCostForecast for one value of the tag, from today to the month's end.

    None when Cost Explorer has too little history to forecast (``DataUnavailableException``,
    common in new accounts); the caller then falls back to ``analysis.project_month_end``.
    """
    today = _today_or(today)
    month_end = dates.next_month_start(today)
    expression: dict[str, Any] = {"Tags": {"Key": tag_key, "Values": [value]}}
    if services:
        expression = {
            "And": [expression, {"Dimensions": {"Key": "SERVICE", "Values": list(services)}}]
        }
    with explained(
        _("forecast the cost of {tag_key}={value} (ce:GetCostForecast)").format(
            tag_key=tag_key, value=value
        ),
        tolerate=("DataUnavailableException",),
    ) as unavailable:
        response = conn.ce.get_cost_forecast(
            TimePeriod={"Start": today.isoformat(), "End": month_end.isoformat()},
            Metric="UNBLENDED_COST",
            Granularity="MONTHLY",
            Filter=expression,
            PredictionIntervalLevel=80,
        )
    if unavailable:
        return None
    periods = response["ForecastResultsByTime"]
    return Forecast(
        mean=float(response["Total"]["Amount"]),
        low=sum(float(p["PredictionIntervalLowerBound"]) for p in periods),
        high=sum(float(p["PredictionIntervalUpperBound"]) for p in periods),
    )
