"""The stand-in's own state: process-wide settings, the fault injector and the prompt cache.

Per-account state (usage, metrics, synthetic history) is in ``accounts.py``; ``reset()`` clears
all of it on ``POST /moto-api/reset``, as moto clears its backends.
"""

from __future__ import annotations

import math
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import date

from helpers.config import MAX_STREAM_DELAY_MS

from .errors import INJECTABLE, ServiceException

RUNTIME_OPERATIONS = ("Converse", "ConverseStream", "InvokeModel", "InvokeModelWithResponseStream")
DEFAULT_MESSAGES = {
    "ThrottlingException": "Too many requests, please wait before trying again.",
    "ServiceUnavailableException": "Bedrock is unable to process your request.",
    "InternalServerException": "The server encountered an internal error while processing "
    "the request.",
    "ModelNotReadyException": "The model is not ready to serve inference requests. Retry the "
    "request after a short wait.",
    "ModelTimeoutException": "The request took too long to process.",
    "AccessDeniedException": "You don't have access to the model with the specified model ID.",
}


@dataclass
class Settings:
    stream_delay_ms: float = 0.0  # pause between streamed chunks, to make streaming visible
    ce_page_size: int | None = None  # Cost Explorer (period, group) entries per page
    # The date model lifecycles are evaluated on (ISO, UTC); None: the real date. Tests pin it.
    today: str | None = None

    def update(self, changes: dict) -> None:
        """Apply settings from the control API, refusing unknown names and bad values.

        All are checked before any is applied, so a refused request changes nothing.
        """
        if not isinstance(changes, dict):
            raise ValueError(f"settings are a JSON object, not {type(changes).__name__}")
        for key, value in changes.items():
            if key not in vars(self):
                raise ValueError(f"unknown setting {key!r}; known: {list(vars(self))}")
            if key == "today" and value is not None:
                try:
                    if not isinstance(value, str) or len(value) != 10:
                        raise ValueError(value)
                    date.fromisoformat(value)
                except ValueError:
                    raise ValueError(
                        f"today must be a date such as 2026-11-28 (or null), not {value!r}"
                    ) from None
            if key == "stream_delay_ms":
                _check_delay(value)
            whole = isinstance(value, int) and not isinstance(value, bool)
            if key == "ce_page_size" and value is not None and not (whole and value >= 1):
                raise ValueError(
                    f"ce_page_size must be a whole number from 1 (or null), not {value!r}"
                )
        for key, value in changes.items():
            setattr(self, key, float(value) if key == "stream_delay_ms" else value)


def _check_delay(value: object) -> None:
    """A pause the stand-in can make between streamed chunks without stalling the stream."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or not 0 <= value <= MAX_STREAM_DELAY_MS
    ):
        raise ValueError(
            f"stream_delay_ms must be a number of milliseconds from 0 to "
            f"{MAX_STREAM_DELAY_MS:g}, not {value!r}"
        )


@dataclass
class FaultPlan:
    rate: float
    error: str
    seed: int
    operations: tuple[str, ...]
    message: str


@dataclass
class Faults:
    """Fail a fraction of runtime calls, deterministically: call k fails iff draw k < rate."""

    plan: FaultPlan | None = None
    calls: int = 0
    injected: int = 0
    _rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def configure(
        self,
        rate: float,
        error: str = "ThrottlingException",
        seed: int = 0,
        operations: list[str] | None = None,
        message: str | None = None,
    ) -> FaultPlan:
        if not 0 <= rate <= 1:
            raise ValueError(f"fault rate must be between 0 and 1, not {rate}")
        if error not in INJECTABLE:
            raise ValueError(f"unknown error {error!r}; choose one of {', '.join(INJECTABLE)}")
        chosen = tuple(operations or RUNTIME_OPERATIONS)
        unknown = [op for op in chosen if op not in RUNTIME_OPERATIONS]
        if unknown:
            raise ValueError(f"faults apply to {', '.join(RUNTIME_OPERATIONS)}, not {unknown}")
        with self._lock:
            self.plan = FaultPlan(rate, error, seed, chosen, message or DEFAULT_MESSAGES[error])
            self._rng = random.Random(seed)
            self.calls = self.injected = 0
            return self.plan

    def clear(self) -> None:
        with self._lock:
            self.plan = None
            self.calls = self.injected = 0

    def draw(self, operation: str) -> ServiceException | None:
        """The error to answer this call with, or None to serve it."""
        with self._lock:
            plan = self.plan
            if plan is None or operation not in plan.operations:
                return None
            self.calls += 1
            if self._rng.random() >= plan.rate:
                return None
            self.injected += 1
            return INJECTABLE[plan.error](plan.message)

    def describe(self) -> dict:
        with self._lock:
            if self.plan is None:
                return {"active": False}
            return {
                "active": True,
                "rate": self.plan.rate,
                "error": self.plan.error,
                "seed": self.plan.seed,
                "operations": list(self.plan.operations),
                "calls": self.calls,
                "injected": self.injected,
            }


class PromptCache:
    """Prompt prefixes cached by cachePoint blocks, per account, region and model, until expiry.

    A hit renews the entry's time to live, as Bedrock does for a cache that is used.
    """

    def __init__(self) -> None:
        self._expiry: dict[tuple[str, ...], float] = {}
        self._lock = threading.Lock()

    def use(self, key: tuple[str, ...], ttl_seconds: float, now: float | None = None) -> bool:
        """True if ``key`` is cached (a read); otherwise cache it (a write) and return False."""
        now = time.time() if now is None else now
        with self._lock:
            hit = self._expiry.get(key, 0.0) > now
            self._expiry[key] = now + ttl_seconds
            return hit

    def clear(self) -> None:
        with self._lock:
            self._expiry.clear()


SETTINGS = Settings()
LAUNCH_SETTINGS = Settings()  # what `serve` was started with; a reset returns to it
FAULTS = Faults()
PROMPT_CACHE = PromptCache()


def reset() -> None:
    """Back to launch: settings, faults, prompt cache, and every account's usage and metrics."""
    from . import accounts  # accounts -> usage -> catalog -> this module: imported when used

    SETTINGS.stream_delay_ms = LAUNCH_SETTINGS.stream_delay_ms
    SETTINGS.ce_page_size = LAUNCH_SETTINGS.ce_page_size
    SETTINGS.today = LAUNCH_SETTINGS.today
    FAULTS.clear()
    PROMPT_CACHE.clear()
    accounts.reset()
