"""Monthly AWS Budgets per department, filtered on the cost allocation tag.

Each budget alerts when the month's *forecast* passes one threshold and when the *actual* spend
passes another, through the workshop's SNS topic (``alerts.ensure_topic``), an e-mail address,
or both. The workshop tags its budgets with its ownership tag and deletes only those. Budgets
lives in us-east-1 and is addressed by account ID.

A budget filtered on ``dept=claims`` counts *every* cost tagged ``dept=claims``, Bedrock or not
(an EC2 instance, an S3 bucket with the same tag): add a ``Service`` filter (``services=``) to
count Bedrock only, listing the Marketplace service names too (Anthropic and OpenAI models bill
under them, not under "Amazon Bedrock").
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import numbers
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import ownership
from .errors import InputError, explained
from .i18n import _

if TYPE_CHECKING:
    import pandas as pd

    from .aws import Connection
    from .config import WorkshopConfig
    from .profiles import Profile

# Budgets refuses ':' and '\\' in a name (and "/action/", "<script>"): those characters are
# written %XX, and so is '%' itself, so that two departments never share one budget name.
ESCAPED = re.compile(r"[%:\\/<>]")
MAX_NAME = 100


def budget_name(cfg: WorkshopConfig, department: str) -> str:
    """The workshop's name for a department's budget: one name per department, never shared.

    Characters Budgets refuses are escaped as ``%XX``; a name longer than Budgets' 100
    characters is cut and ends in a digest of the department, so it stays its own.
    """
    name = ownership.NAME_PREFIX + ESCAPED.sub(
        lambda found: f"%{ord(found[0]):02X}", f"{cfg.tag_key}-{department}"
    )
    if len(name) > MAX_NAME:
        digest = hashlib.sha256(department.encode("utf-8")).hexdigest()[:12]
        name = f"{name[: MAX_NAME - len(digest) - 1]}-{digest}"
    return name


def departments(found: list[Profile], tag_key: str) -> list[str]:
    """The departments to budget: the values of the cost allocation tag on these profiles."""
    values = sorted({p.tags.get(tag_key, "") for p in found} - {""})
    if not values:
        names = ", ".join(p.name for p in found) or "none"
        raise InputError(
            _(
                "None of the profiles to analyse ({names}) carries the cost allocation tag "
                "{tag_key!r}, so there is no department to budget."
            ).format(names=names, tag_key=tag_key),
            _(
                'set "tag_key" in config.json to the key these profiles carry, or tag them '
                "with {tag_key} (TagResource, as in 02_inspect_profiles Step 5)."
            ).format(tag_key=tag_key),
        )
    return values


def positive_number(value: object, what: str, unit: str, fix: str) -> float:
    """A number above 0 as a person types it: 10, 10.5, "10.5", a numpy number.

    Words, NaN, infinity and True/False are refused, as are 0 and less.
    """
    number = None
    if isinstance(value, bool):  # True is 1 to Python, never an amount
        pass
    elif isinstance(value, (numbers.Real, Decimal)):
        number = float(value)
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):  # a word stays None, and is refused below
            number = float(value.strip())
    if number is None or not math.isfinite(number):
        raise InputError(
            _("{what} must be a number, not {value!r}.").format(what=what, value=value), fix
        )
    if number <= 0:
        raise InputError(
            _("{what} must be above 0{unit}, not {value!r}.").format(
                what=what, unit=unit, value=value
            ),
            fix,
        )
    return number


def subscribers_of(email: str | None, topic_arn: str | None) -> list[dict[str, str]]:
    """A budget alert's subscribers: the SNS topic and/or the e-mail address."""
    subscribers = []
    if topic_arn:
        subscribers.append({"SubscriptionType": "SNS", "Address": topic_arn})
    if email is not None:
        if not isinstance(email, str) or "@" not in email:
            raise InputError(
                _("{email!r} is not an e-mail address.").format(email=email),
                _("give the address to alert."),
            )
        subscribers.append({"SubscriptionType": "EMAIL", "Address": email})
    if not subscribers:
        raise InputError(
            _("A budget alert needs someone to tell: no SNS topic and no e-mail address given."),
            _("pass topic_arn= (alerts.ensure_topic(...).arn) or an e-mail address."),
        )
    return subscribers


def budget_request(
    account: str,
    cfg: WorkshopConfig,
    department: str,
    limit_usd: float,
    email: str | None,
    forecast_pct: float = 80.0,
    actual_pct: float = 100.0,
    topic_arn: str | None = None,
    services: list[str] | None = None,
) -> dict[str, Any]:
    """The CreateBudget request: a monthly cost budget on one value of the tag, two alerts.

    The alerts go to ``topic_arn`` (an SNS topic Budgets may publish to) and/or ``email``; at
    least one is needed. ``services`` adds a Service filter (without it, non-Bedrock resources
    with the same tag count too). Amounts and percentages may be numbers or text such as "10.5".
    """
    limit_usd = positive_number(
        limit_usd,
        _("The budget for {department} (budgets_usd or default_budget_usd)").format(
            department=department
        ),
        " USD",
        _("set a positive amount in US dollars, e.g. budgets_usd={{{department!r}: 10.0}}.").format(
            department=department
        ),
    )
    forecast_pct, actual_pct = (
        positive_number(
            pct,
            _("{name} ({parameter} in 07_budgets_and_alerts)").format(
                name=name, parameter=parameter
            ),
            "%",
            _("set a percentage of the budget above 0, e.g. {parameter}={example}.").format(
                parameter=parameter, example=example
            ),
        )
        for pct, name, parameter, example in (
            (forecast_pct, "forecast_pct", "forecast_threshold_pct", 80.0),
            (actual_pct, "actual_pct", "actual_threshold_pct", 100.0),
        )
    )
    subscribers = subscribers_of(email, topic_arn)
    # Budgets names a cost allocation tag "user:<key>" and its value after "$"
    filters: dict[str, list[str]] = {"TagKeyValue": [f"user:{cfg.tag_key}${department}"]}
    if services:
        filters["Service"] = list(services)
    return {
        "AccountId": account,
        "Budget": {
            "BudgetName": budget_name(cfg, department),
            "BudgetLimit": {"Amount": f"{limit_usd:.2f}", "Unit": "USD"},
            "TimeUnit": "MONTHLY",
            "BudgetType": "COST",
            "CostFilters": filters,
        },
        "NotificationsWithSubscribers": [
            {
                "Notification": {
                    "NotificationType": kind,
                    "ComparisonOperator": "GREATER_THAN",
                    "Threshold": threshold,
                    "ThresholdType": "PERCENTAGE",
                },
                "Subscribers": subscribers,
            }
            for kind, threshold in (("FORECASTED", forecast_pct), ("ACTUAL", actual_pct))
        ],
        "ResourceTags": [
            {"Key": cfg.owner_tag[0], "Value": cfg.owner_tag[1]},
            {"Key": cfg.tag_key, "Value": department},
        ],
    }


def limits(
    departments: list[str], budgets_usd: dict[str, object], default_budget_usd: object
) -> dict[str, float]:
    """Department -> monthly limit in USD: its entry in ``budgets_usd``, else the default.

    Amounts may be numbers or text such as "10.5"; anything else is refused by name.
    """
    if not isinstance(budgets_usd, dict):
        raise InputError(
            _("budgets_usd must be a dict of department -> USD, not {budgets_usd!r}.").format(
                budgets_usd=budgets_usd
            ),
            _("set e.g. budgets_usd={'claims': 10.0} ({} for the default everywhere)."),
        )
    chosen = {}
    for department in departments:
        given = department in budgets_usd
        chosen[department] = positive_number(
            budgets_usd[department] if given else default_budget_usd,
            _("The budget for {department} (").format(department=department)
            + (f"budgets_usd[{department!r}]" if given else "default_budget_usd")
            + ")",
            " USD",
            _("set a positive amount in US dollars, e.g. ")
            + (f"budgets_usd={{{department!r}: 10.0}}." if given else "default_budget_usd=5.0."),
        )
    return chosen


def all_budgets(conn: Connection) -> list[dict[str, Any]]:
    budgets = []
    with explained(_("list budgets (budgets:ViewBudget)")):
        for page in conn.budgets.get_paginator("describe_budgets").paginate(AccountId=conn.account):
            budgets.extend(page.get("Budgets", []))
    return budgets


def _owned(conn: Connection, cfg: WorkshopConfig, name: str) -> bool:
    arn = f"arn:aws:budgets::{conn.account}:budget/{name}"
    with explained(
        _("read the tags of the budget {name} (budgets:ListTagsForResource)").format(name=name)
    ):
        tags = conn.budgets.list_tags_for_resource(ResourceARN=arn)["ResourceTags"]
    return ownership.owns({t["Key"]: t["Value"] for t in tags}, cfg.owner_tag)


def ensure(
    conn: Connection,
    cfg: WorkshopConfig,
    limits: dict[str, float],
    email: str | None,
    forecast_pct: float = 80.0,
    actual_pct: float = 100.0,
    topic_arn: str | None = None,
    services: list[str] | None = None,
) -> pd.DataFrame:
    """Create each department's budget, or bring the workshop's existing one up to date.

    An existing budget of the workshop's gets any alert it lacks, and UpdateBudget when its
    amount or filters changed; an existing alert keeps the subscribers it was created with
    (delete the budget with 99_cleanup to change them).
    """
    import pandas as pd

    existing = {b["BudgetName"]: b for b in all_budgets(conn)}
    rows = []
    for department, limit in sorted(limits.items()):
        request = budget_request(
            conn.account,
            cfg,
            department,
            limit,
            email,
            forecast_pct,
            actual_pct,
            topic_arn=topic_arn,
            services=services,
        )
        name = request["Budget"]["BudgetName"]
        found = existing.get(name)
        if found is None:
            with explained(_("create the budget {name} (budgets:ModifyBudget)").format(name=name)):
                conn.budgets.create_budget(**request)
            action = "created"
        elif not _owned(conn, cfg, name):
            action = f"{ownership.NOT_OURS} (a budget of this name exists, without the tag)"
        else:
            action = "unchanged"
            if (
                float(found["BudgetLimit"]["Amount"])
                != float(request["Budget"]["BudgetLimit"]["Amount"])
                or (found.get("CostFilters") or {}) != request["Budget"]["CostFilters"]
            ):
                with explained(
                    _("update the budget {name} (budgets:ModifyBudget)").format(name=name)
                ):
                    conn.budgets.update_budget(AccountId=conn.account, NewBudget=request["Budget"])
                action = "updated"
            _ensure_notifications(conn, name, request["NotificationsWithSubscribers"])
        rows.append(
            {
                "department": department,
                "budget": name,
                "limit_usd": float(request["Budget"]["BudgetLimit"]["Amount"]),
                "alerts": "forecast > {:g}%, actual > {:g}%".format(
                    *(
                        n["Notification"]["Threshold"]
                        for n in request["NotificationsWithSubscribers"]
                    )
                ),
                "notifies": ", ".join(
                    s["Address"] for s in request["NotificationsWithSubscribers"][0]["Subscribers"]
                ),
                "counts": _("tag and service") if services else _("tag only (any service)"),
                "action": action,
            }
        )
    return pd.DataFrame(rows)


def limits_in_force(ensured: pd.DataFrame) -> dict[str, float | None]:
    """Department -> the limit of its budget (from ``ensure``), None where it has none.

    A department whose budget name is taken by someone else's budget has no budget of ours.
    """
    return {
        row.department: None
        if str(row.action).startswith(ownership.NOT_OURS)
        else float(row.limit_usd)
        for row in ensured.itertuples()
    }


def _ensure_notifications(conn: Connection, name: str, wanted: list[dict[str, Any]]) -> None:
    with explained(
        _("read the alerts of the budget {name} (budgets:ViewBudget)").format(name=name)
    ):
        have = conn.budgets.describe_notifications_for_budget(
            AccountId=conn.account, BudgetName=name
        ).get("Notifications", [])
    present = {(n["NotificationType"], float(n["Threshold"])) for n in have}
    for item in wanted:
        notification = item["Notification"]
        if (notification["NotificationType"], float(notification["Threshold"])) not in present:
            with explained(
                _("add an alert to the budget {name} (budgets:ModifyBudget)").format(name=name)
            ):
                conn.budgets.create_notification(
                    AccountId=conn.account,
                    BudgetName=name,
                    Notification=notification,
                    Subscribers=item["Subscribers"],
                )


def table(conn: Connection, cfg: WorkshopConfig) -> pd.DataFrame:
    """Every budget of the account, with the spend Budgets reports and whether it is ours."""
    import pandas as pd

    rows = []
    for budget in all_budgets(conn):
        spend = budget.get("CalculatedSpend", {})
        rows.append(
            {
                "budget": budget["BudgetName"],
                "limit_usd": float(budget["BudgetLimit"]["Amount"]),
                "actual_usd": float(spend.get("ActualSpend", {}).get("Amount", 0)),
                # no ForecastedSpend (too little history): no forecast, not a forecast of 0
                "forecast_usd": float(spend["ForecastedSpend"]["Amount"])
                if "ForecastedSpend" in spend
                else math.nan,
                "owned_by_workshop": _owned(conn, cfg, budget["BudgetName"]),
            }
        )
    return pd.DataFrame(
        rows, columns=["budget", "limit_usd", "actual_usd", "forecast_usd", "owned_by_workshop"]
    )


def delete_plan(conn: Connection, cfg: WorkshopConfig) -> pd.DataFrame:
    """Budgets to delete (the workshop's names, carrying the ownership tag) and to keep."""
    import pandas as pd

    rows = []
    naming = _("its name does not start with {name_prefix}").format(
        name_prefix=ownership.NAME_PREFIX
    )
    for row in table(conn, cfg).itertuples():
        named = row.budget.startswith(ownership.NAME_PREFIX)
        decision, reason = ownership.decision(row.owned_by_workshop, cfg.owner_tag, named, naming)
        rows.append({"budget": row.budget, "decision": decision, "reason": reason})
    return pd.DataFrame(rows, columns=["budget", "decision", "reason"])


def delete(conn: Connection, plan: pd.DataFrame) -> pd.DataFrame:
    """Carry out a ``delete_plan``; returns it with a ``result`` column."""
    return ownership.delete_planned(
        plan,
        lambda row: conn.budgets.delete_budget(AccountId=conn.account, BudgetName=row.budget),
        "NotFoundException",
        lambda row: _("delete the budget {budget} (budgets:ModifyBudget)").format(
            budget=row.budget
        ),
    )


# How each month-end figure in 07_budgets_and_alerts is made, in the words its table shows.
FORECAST_WINDOW_DAYS = 30  # the stand-in's GetCostForecast window (helpers/offline/costexplorer)


def forecast_label(offline: bool, from_forecast_api: bool, window_days: int = 14) -> str:
    """Say truthfully where a month-end forecast came from.

    On AWS, GetCostForecast answers with Cost Explorer's forecast (its model is not public);
    offline, the same call answers with the stand-in's projection, whose method is stated.
    Without a forecast, ``analysis.project_month_end`` projects the mean of a window of days.
    """
    if not from_forecast_api:
        return _(
            "projection: cost so far + mean daily cost of the last {window_days} complete days "
            "x days left (analysis.project_month_end)"
        ).format(window_days=window_days)
    if offline:
        return _(
            "stand-in's projection (offline, not Cost Explorer): mean daily cost of the "
            "last {forecast_window_days} complete days (from the first day with cost) x "
            "days left"
        ).format(forecast_window_days=FORECAST_WINDOW_DAYS)
    return _("Cost Explorer forecast (GetCostForecast; AWS does not publish its model)")


CENT = 0.005  # two amounts this close show the same to the cent


def _usd(value: float) -> str:
    from .tables import money

    return money(value)


def compare_with_budgets(
    cfg: WorkshopConfig,
    actual: pd.DataFrame,
    forecast: pd.DataFrame,
    reported: pd.DataFrame,
    offline: bool,
) -> pd.DataFrame:
    """Per department: this notebook's actual and forecast beside what Budgets reports, and why.

    ``actual`` has department and cost (Cost Explorer, month to date), ``forecast`` department,
    forecast and method (Step 6 of 07), ``reported`` is ``table``. ``reading`` says whether the
    figures agree, computed from them: "agree" only where they do to the cent, else why not
    (Budgets has no forecast yet; the projection's method differs from Budgets'; on AWS,
    Budgets' forecast is its own model).
    """
    import pandas as pd

    by_name = reported.set_index("budget")
    costs = dict(zip(actual["department"], actual["cost"], strict=True)) if len(actual) else {}
    rows = []
    for row in forecast.itertuples():
        name = budget_name(cfg, row.department)
        if name not in by_name.index:
            continue
        ours_actual = float(costs.get(row.department, 0.0))
        theirs_actual = float(by_name.at[name, "actual_usd"])
        theirs_forecast = by_name.at[name, "forecast_usd"]
        readings = []
        if abs(ours_actual - theirs_actual) < CENT:
            readings.append(
                _("actual agrees")
                + (_(" (by construction: one ledger offline)") if offline else "")
            )
        else:
            readings.append(
                _(
                    "actual differs by {usd} (Budgets refreshes up to three times a day; Cost "
                    "Explorer lags usage by up to 24 hours)"
                ).format(usd=_usd(abs(ours_actual - theirs_actual)))
            )
        # a projection's label carries its window; the API's labels are fixed (either language)
        from_api = str(row.method) == forecast_label(offline, True)
        if theirs_forecast is None or pd.isna(theirs_forecast):
            readings.append(_("Budgets reports no forecast yet (it needs history)"))
        elif abs(float(row.forecast) - float(theirs_forecast)) < CENT:
            readings.append(
                _("forecast agrees")
                + (
                    _(" (by construction: the stand-in answers both from the same daily mean)")
                    if offline and from_api
                    else ""
                )
            )
        elif not from_api:
            readings.append(
                _(
                    "forecast differs by {usd}: GetCostForecast had too little history, so "
                    "Step 6 projected (today's cost included, 14-day mean), while Budgets' "
                    "forecast "
                ).format(usd=_usd(abs(float(row.forecast) - float(theirs_forecast))))
                + (
                    _("(the stand-in's) counts cost before today plus its 30-day daily mean")
                    if offline
                    else _("is its own model")
                )
            )
        else:
            readings.append(
                _(
                    "forecast differs by {usd}: Budgets' forecast is its own model, not "
                    "GetCostForecast's"
                ).format(usd=_usd(abs(float(row.forecast) - float(theirs_forecast))))
            )
        rows.append(
            {
                "department": row.department,
                "actual_usd": ours_actual,
                "budgets_actual_usd": theirs_actual,
                "forecast_usd": float(row.forecast),
                "budgets_forecast_usd": theirs_forecast,
                "reading": "; ".join(readings),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "department",
            "actual_usd",
            "budgets_actual_usd",
            "forecast_usd",
            "budgets_forecast_usd",
            "reading",
        ],
    )
