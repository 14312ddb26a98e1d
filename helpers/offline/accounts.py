"""What the stand-in keeps per account outside moto: usage, metrics and synthetic history.

The usage ledger feeds Cost Explorer, Budgets and the CUR export; the metric stores feed
CloudWatch's ``AWS/Bedrock`` namespace. The runtime and the synthetic history write both. No
moto backend owns them: ``reset()`` clears them, with the rest of the stand-in's state, on
``POST /moto-api/reset``.
"""

from __future__ import annotations

import threading
from datetime import date

from .metricstore import MetricStore
from .usage import UsageLedger


class AccountState:
    """One account's usage ledger, ``AWS/Bedrock`` metric stores and synthetic days."""

    def __init__(self) -> None:
        self.ledger = UsageLedger()
        # "region/profile name" -> backfilled days: the workload, whatever its current ARN
        self.synthetic_days: dict[str, set[date]] = {}
        self.history_lock = threading.Lock()  # held across a backfill's check-and-write
        self._metrics: dict[str, MetricStore] = {}
        self._lock = threading.Lock()

    def metrics(self, region: str) -> MetricStore:
        """The account's ``AWS/Bedrock`` metric store in ``region`` (made on first use)."""
        with self._lock:
            store = self._metrics.get(region)
            if store is None:
                store = self._metrics[region] = MetricStore()
            return store


_ACCOUNTS: dict[str, AccountState] = {}
_LOCK = threading.Lock()


def account_state(account_id: str) -> AccountState:
    """The stand-in's state for an account (made on first use)."""
    with _LOCK:
        found = _ACCOUNTS.get(account_id)
        if found is None:
            found = _ACCOUNTS[account_id] = AccountState()
        return found


def reset() -> None:
    """Forget every account's usage, metrics and synthetic history."""
    with _LOCK:
        _ACCOUNTS.clear()
