"""AWS Budgets with spend computed from usage, tags, and paging, on moto's Budgets backend.

moto keeps budgets but reports every budget's spend as 0, ignores ResourceTags and has no
UpdateBudget or tag operations. Here ``CalculatedSpend`` is computed from the same usage ledger
as Cost Explorer (month to date, and the stand-in's forecast for the month's end), so budgets,
Cost Explorer and the cost notebook agree; budgets carry tags, so the workshop can tell its own
from others. Notifications are stored, never sent, and nothing is evaluated in the background.
"""

from __future__ import annotations

from typing import Any

from helpers import dates

from . import paging, validation
from .costexplorer import FORECAST_MIN_DAYS, fmt_amount
from .errors import ServiceException, ValidationException
from .moto_glue import (
    ActionResult,
    BudgetsBackend,
    BudgetsResponse,
    StandinBackend,
    ce_backend,
    has_budget,
    replace_budget,
)


class NotFoundException(ServiceException):
    code = "NotFoundException"


class InvalidParameterException(ServiceException):
    code = "InvalidParameterException"


def budget_arn(account: str, name: str) -> str:
    return f"arn:aws:budgets::{account}:budget/{name}"


def filter_expression(budget: dict[str, Any]) -> dict[str, Any] | None:
    """The Cost Explorer expression a budget's filters amount to."""
    parts = []
    for key, values in (budget.get("CostFilters") or {}).items():
        if key == "TagKeyValue":  # values like "user:dept$claims"
            by_key: dict[str, list[str]] = {}
            for item in values:
                tag, _, value = item.removeprefix("user:").partition("$")
                by_key.setdefault(tag, []).append(value)
            parts += [{"Tags": {"Key": k, "Values": v}} for k, v in by_key.items()]
        elif key == "Service":
            parts.append({"Dimensions": {"Key": "SERVICE", "Values": list(values)}})
        elif key == "Region":
            parts.append({"Dimensions": {"Key": "REGION", "Values": list(values)}})
        else:
            raise InvalidParameterException(
                f"The offline stand-in filters budgets by TagKeyValue, Service and Region, not "
                f"{key}."
            )
    if budget.get("FilterExpression"):
        parts.append(budget["FilterExpression"])
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"And": parts}


class StandinBudgetsBackend(StandinBackend, BudgetsBackend):
    MOTO_SERVICE = "budgets"

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.tags: dict[str, dict[str, str]] = {}  # budget ARN -> tags


class StandinBudgetsResponse(BudgetsResponse):
    @property
    def backend(self) -> StandinBudgetsBackend:
        return super().backend

    def _params(self) -> dict[str, Any]:
        return validation.request_params(self, "budgets")

    def _spend(self, budget: dict[str, Any]) -> dict[str, Any]:
        ce = ce_backend(self.current_account)
        today = dates.utc_midnight(dates.utc_today())
        month = dates.month_start(today)
        next_month = dates.next_month_start(today)
        expression = filter_expression(budget)
        actual = ce.cost(expression, month, next_month)
        spend = {"ActualSpend": {"Amount": fmt_amount(actual), "Unit": "USD"}}
        # the month's end: cost before today, plus the stand-in's daily forecast from today on
        # (today at no less than its cost so far)
        # (the same figures GetCostForecast gives). With too little history there is no
        # forecast, as GetCostForecast has none (DataUnavailableException): AWS Budgets leaves
        # ForecastedSpend out until it has enough usage to forecast.
        history = ce.daily_history(expression, today)
        if sum(1 for day in history if day > 0) >= FORECAST_MIN_DAYS:
            mean = sum(history) / len(history)
            forecast = (
                ce.cost(expression, month, today)
                + mean * (next_month - today).days
                + ce.today_beyond_mean(expression, today, mean)
            )
            spend["ForecastedSpend"] = {"Amount": fmt_amount(forecast), "Unit": "USD"}
        return spend

    def _describe(self, budget: dict[str, Any]) -> dict[str, Any]:
        return {**budget, "CalculatedSpend": self._spend(budget)}

    def create_budget(self) -> ActionResult:
        params = self._params()
        budget = params["Budget"]
        if budget.get("BudgetType") == "COST":
            filter_expression(budget)  # refuse filters the stand-in cannot compute, up front
        self.backend.create_budget(
            account_id=params["AccountId"],
            budget=budget,
            notifications=params.get("NotificationsWithSubscribers") or [],
        )
        tags = {t["Key"]: t["Value"] for t in params.get("ResourceTags") or []}
        with self.backend.lock:
            self.backend.tags[budget_arn(params["AccountId"], budget["BudgetName"])] = tags
        return ActionResult({})

    def update_budget(self) -> ActionResult:
        params = self._params()
        new = params["NewBudget"]
        if not has_budget(self.backend, params["AccountId"], new["BudgetName"]):
            raise NotFoundException(
                f"Unable to update budget: {new['BudgetName']} - the budget doesn't exist."
            )
        filter_expression(new)
        replace_budget(self.backend, params["AccountId"], new)
        return ActionResult({})

    def describe_budget(self) -> ActionResult:
        params = self._params()
        budget = self.backend.describe_budget(
            account_id=params["AccountId"], budget_name=params["BudgetName"]
        )
        return ActionResult({"Budget": self._describe(budget)})

    def describe_budgets(self) -> ActionResult:
        params = self._params()
        everything = [
            self._describe(b) for b in self.backend.describe_budgets(account_id=params["AccountId"])
        ]
        return ActionResult(
            paging.listing(
                "Budgets",
                everything,
                params.get("MaxResults") or 100,
                params.get("NextToken"),
                invalid=ValidationException("The nextToken provided is invalid."),
            )
        )

    def delete_budget(self) -> ActionResult:
        params = self._params()
        self.backend.delete_budget(account_id=params["AccountId"], budget_name=params["BudgetName"])
        with self.backend.lock:
            self.backend.tags.pop(budget_arn(params["AccountId"], params["BudgetName"]), None)
        return ActionResult({})

    def _tags_of(self, arn: str) -> dict[str, str]:
        if arn not in self.backend.tags:
            raise NotFoundException(f"The budget {arn} does not exist.")
        return self.backend.tags[arn]

    def list_tags_for_resource(self) -> ActionResult:
        params = self._params()
        tags = self._tags_of(params["ResourceARN"])
        return ActionResult({"ResourceTags": [{"Key": k, "Value": v} for k, v in tags.items()]})

    def tag_resource(self) -> ActionResult:
        params = self._params()
        with self.backend.lock:
            self._tags_of(params["ResourceARN"]).update(
                {t["Key"]: t["Value"] for t in params["ResourceTags"]}
            )
        return ActionResult({})

    def untag_resource(self) -> ActionResult:
        params = self._params()
        with self.backend.lock:
            tags = self._tags_of(params["ResourceARN"])
            for key in params["ResourceTagKeys"]:
                tags.pop(key, None)
        return ActionResult({})
