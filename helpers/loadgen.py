"""A load of Converse calls across profiles: bounded concurrency, retries, a spend cap.

    loadgen.generate_load(conn, profiles, prompts, requests=40, concurrency=4)

Each call is ``invoke.converse_request``'s request, sent as ``invoke.converse`` sends it; this
module adds only what a load needs: who gets which prompt (``LoadPlan``), throttling retried with
back-off and jitter, the worst-case cost refused above ``spend_cap_usd`` (its input counted
with CountTokens where the model supports it, estimated otherwise), and the check of the load's
counts against CloudWatch (``cloudwatch_check``).
"""

from __future__ import annotations

import numbers
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, cast

from .errors import (
    InputError,
    WorkshopError,
    explain,
    from_parser,
    network_errors,
    unreadable_answer,
)
from .i18n import _
from .invoke import (
    CONVERSE_MEMBERS,
    checked_max_tokens,
    converse_request,
    require_members,
    token_fields,
)
from .masking import mask_account_ids

if TYPE_CHECKING:
    import pandas as pd

    from .aws import Connection
    from .profiles import Profile

# Codes worth retrying with back-off: the call may succeed a moment later.
RETRIABLE = {
    "ThrottlingException",
    "ServiceUnavailableException",
    "ModelNotReadyException",
    "InternalServerException",
    "TooManyRequestsException",
}


def _whole(value: Any, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    """A whole-number argument (numpy integers too), or the InputError that says what to pass."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        number = int(value)
        if number >= minimum and (maximum is None or number <= maximum):
            return number
    upper = _(" up to {maximum:,}").format(maximum=maximum) if maximum is not None else ""
    raise InputError(
        _("{name} must be a whole number from {minimum}{upper}, not {value!r}.").format(
            name=name, minimum=minimum, upper=upper, value=value
        ),
        _("pass {name} as a number such as {max}.").format(name=name, max=max(minimum, 4)),
    )


def estimated_input_tokens(prompt: str) -> float:
    """A generous estimate of a prompt's input tokens: one per three characters, plus 20."""
    return len(prompt) / 3 + 20


@dataclass(frozen=True)
class InputCounts:
    """Input tokens per (model ID, prompt), and how each was found."""

    tokens: dict[tuple[str, str], float]
    counted: frozenset[tuple[str, str]]  # with CountTokens; the others are estimates

    @property
    def method(self) -> str:
        """How the input was priced, in words, for the guard's message."""
        if len(self.counted) == len(self.tokens):
            return _("input counted with CountTokens")
        if not self.counted:
            return _("input estimated at one token per three characters (no CountTokens)")
        return _(
            "input counted with CountTokens for {counted} of {tokens} model and prompt "
            "pairs, estimated for the rest"
        ).format(counted=len(self.counted), tokens=len(self.tokens))


def count_input_tokens(
    runtime: Any, assignments: list[tuple[int, Any, str]], max_tokens: int
) -> InputCounts:
    """Each distinct (model, prompt) pair's input tokens from CountTokens, where it answers.

    CountTokens takes the bare model ID and the Converse request's messages and system prompt,
    and costs nothing. A model it refuses (ValidationException "The provided model doesn't
    support counting tokens.", a region without it, a role without bedrock:CountTokens, or no
    answer at all) is estimated instead (``estimated_input_tokens``), and not asked again.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    tokens: dict[tuple[str, str], float] = {}
    counted: set[tuple[str, str]] = set()
    refused: set[str] = set()  # models CountTokens refused: not asked again
    for _index, profile, prompt in assignments:
        key = (profile.model_id, prompt)
        if key in tokens:
            continue
        tokens[key] = estimated_input_tokens(prompt)
        if profile.model_id in refused:
            continue
        request = converse_request(profile.model_id, prompt, max_tokens)
        given = {k: request[k] for k in ("messages", "system") if k in request}
        try:
            answer = runtime.count_tokens(modelId=profile.model_id, input={"converse": given})
        except (ClientError, BotoCoreError):
            refused.add(profile.model_id)
            continue
        tokens[key] = float(answer["inputTokens"])
        counted.add(key)
    return InputCounts(tokens, frozenset(counted))


def worst_case_cost(
    assignments: list[tuple[int, Any, str]],
    max_tokens: int,
    prices: Any,
    region: str | None = None,
    inputs: InputCounts | None = None,
) -> float:
    """The most a load can cost at list price: every call answers with ``max_tokens``.

    Input tokens are ``inputs``' (CountTokens where it answered) or estimated generously, at
    one per three characters of the prompt; each profile is priced in its own scope
    (in-region, geographic or global).
    """
    total = 0.0
    for _index, profile, prompt in assignments:
        key = (profile.model_id, prompt)
        given = inputs.tokens.get(key) if inputs is not None else None
        total += prices.cost(
            profile.model_id,
            given if given is not None else estimated_input_tokens(prompt),
            max_tokens,
            scope=getattr(profile, "scope", None),
            region=region,
        )
    return total


def spend_check(
    runtime: Any,
    plan_assignments: list[tuple[int, Any, str]],
    max_tokens: int,
    spend_cap_usd: float,
    region: str | None = None,
) -> tuple[float, str]:
    """The load's worst-case cost and how its input was priced; InputError above the cap.

    The input of each call is priced before it is sent: with CountTokens where the model
    supports it, estimated otherwise (the message says which).
    """
    from . import pricing

    prices = pricing.load()
    keys = {(profile.model_id, prompt) for _, profile, prompt in plan_assignments}
    no_input = InputCounts(dict.fromkeys(keys, 0.0), frozenset())
    worst = worst_case_cost(plan_assignments, max_tokens, prices, region, no_input)
    method = _("the output alone is above the cap, so the input was not counted")
    if worst <= spend_cap_usd:  # only then is the input worth a CountTokens call
        inputs = count_input_tokens(runtime, plan_assignments, max_tokens)
        worst = worst_case_cost(plan_assignments, max_tokens, prices, region, inputs)
        method = inputs.method
    if worst > spend_cap_usd:
        raise InputError(
            _(
                "This load could cost up to ${worst:,.2f} at list price ({plan_assignments} "
                "calls, up to {max_tokens} output tokens each; {method}), above the spend cap "
                "of ${spend_cap_usd:,.2f}."
            ).format(
                worst=worst,
                plan_assignments=len(plan_assignments),
                max_tokens=max_tokens,
                method=method,
                spend_cap_usd=spend_cap_usd,
            ),
            _(
                "lower requests or max_tokens, or raise spend_cap_usd in config.json if you "
                "mean to spend it."
            ),
        )
    return worst, method


@dataclass(frozen=True)
class LoadPlan:
    """Who gets which prompt: request i goes to profiles[i % n] with a seeded prompt choice."""

    profiles: tuple
    prompts: tuple[str, ...]
    requests: int
    seed: int = 0

    def assignments(self) -> list[tuple[int, Any, str]]:
        rng = random.Random(self.seed)
        return [
            (i, self.profiles[i % len(self.profiles)], rng.choice(self.prompts))
            for i in range(self.requests)
        ]


def generate_load(
    conn: Connection,
    profiles: list[Profile] | Profile,
    prompts: list[str] | str,
    requests: int,
    *,
    concurrency: int = 4,
    max_tokens: int = 256,
    seed: int = 0,
    max_attempts: int = 8,
    backoff_seconds: float | None = None,
    progress: bool = True,
    department_tag: str = "dept",
    spend_cap_usd: float | None = None,
) -> pd.DataFrame:
    """Send ``requests`` Converse calls across ``profiles`` with bounded concurrency.

    Throttled calls are retried with exponential back-off and full jitter (up to
    ``max_attempts``), so nothing is lost and nothing is counted twice; the result has one row
    per request with its profile, latency, tokens, attempts, throttles, and the final error
    with its fix (what to change, as the workshop's messages say it). On AWS,
    a load whose worst-case cost at list price exceeds ``spend_cap_usd`` is refused up front
    (``spend_check``: input counted with CountTokens where the model supports it).
    """
    import pandas as pd
    from botocore.exceptions import BotoCoreError, ClientError
    from tqdm.auto import tqdm

    if hasattr(profiles, "arn"):  # one profile: a load through it alone
        profiles = [cast("Profile", profiles)]
    if isinstance(prompts, str):  # one prompt, not a list of its characters
        prompts = [prompts]
    if not profiles:
        raise InputError(
            _("No profiles to send load to."), _("create them first (01_create_profiles).")
        )
    if not isinstance(profiles, (list, tuple)) or not all(hasattr(p, "arn") for p in profiles):
        raise InputError(
            _("generate_load takes Profile objects, not names or ARNs."),
            _("resolve them first: [profiles.resolve(conn, name) for name in names]."),
        )
    if (
        not isinstance(prompts, (list, tuple))
        or not prompts
        or not all(isinstance(p, str) and p.strip() for p in prompts)
    ):
        raise InputError(
            _("The prompt list is empty or holds an empty prompt (or one that is not text)."),
            _("pass at least one non-empty prompt string."),
        )
    requests = _whole(requests, "requests")
    concurrency = _whole(concurrency, "concurrency")
    max_attempts = _whole(max_attempts, "max_attempts")
    max_tokens = checked_max_tokens(prompts[0], max_tokens)
    base = backoff_seconds if backoff_seconds is not None else (0.02 if conn.offline else 0.5)
    # Retries are ours (counted per request), so the client must not retry on its own.
    runtime = conn.client(
        "bedrock-runtime",
        retries={"mode": "standard", "total_max_attempts": 1},
        max_pool_connections=max(10, concurrency),
    )
    plan = LoadPlan(tuple(profiles), tuple(prompts), requests, seed)
    if not conn.offline and spend_cap_usd is not None:
        spend_check(runtime, plan.assignments(), max_tokens, spend_cap_usd, conn.region)
    jitter = random.Random(seed + 1)
    jitter_lock = threading.Lock()

    def one(item: tuple[int, Profile, str]) -> dict[str, Any]:
        index, profile, prompt = item
        request = converse_request(profile.arn, prompt, max_tokens)
        throttled = 0
        error = fix = latency = None  # a call that fails after its retries has no latency
        tokens = {"input_tokens": 0, "output_tokens": 0}  # nor tokens
        began = datetime.now(timezone.utc)
        for attempt in range(1, max_attempts + 1):
            try:
                response = runtime.converse(**request)
            except ClientError as exc:
                code = exc.response["Error"]["Code"]
                if code == "ThrottlingException":
                    throttled += 1
                if code in RETRIABLE and attempt < max_attempts:
                    with jitter_lock:
                        pause = jitter.uniform(0, min(20.0, base * 2 ** (attempt - 1)))
                    time.sleep(pause)
                    continue
                # AWS's text quotes ARNs: account IDs masked, as in every message shown
                error = mask_account_ids(f"{code}: {exc.response['Error'].get('Message', '')}")
                fix = explain(exc, "call Converse", region=conn.region, model=profile.model_id).fix
                break
            require_members(response, CONVERSE_MEMBERS, "call Converse", conn.endpoint_url)
            tokens = token_fields(response["usage"], "call Converse", conn.endpoint_url)
            latency = response["metrics"]["latencyMs"]
            break
        return {
            "request": index,
            "profile": profile.name,
            "profile_id": profile.profile_id,
            "department": profile.tags.get(department_tag, ""),
            "model_id": profile.model_id,
            "started_at": began,
            "latency_ms": latency,
            "input_tokens": tokens["input_tokens"],
            "output_tokens": tokens["output_tokens"],
            "attempts": attempt,
            "throttled": throttled,
            "error": error,
            "fix": fix,
        }

    rows: list[dict[str, Any]] = []
    bar = tqdm(total=requests, desc="Converse calls", unit="call", disable=not progress)
    try:
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            for row in pool.map(one, plan.assignments()):
                rows.append(row)
                bar.update(1)
    except (BotoCoreError, *network_errors()) as exc:  # e.g. the stand-in stopped mid-run
        raise explain(
            exc,
            _("finish the load: {rows} of {requests} calls completed").format(
                rows=len(rows), requests=requests
            ),
            endpoint=conn.endpoint_url,
        ) from exc
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        if not from_parser(exc):
            raise
        raise unreadable_answer(  # botocore could not read an answer: a JSON list, text for a count
            _("finish the load: {rows} of {requests} calls completed").format(
                rows=len(rows), requests=requests
            ),
            _("JSON in the shape of AWS's answer"),
            endpoint=conn.endpoint_url,
            received=f"{type(exc).__name__}: {exc}",
        ) from exc
    except WorkshopError as exc:  # an empty or cut-short answer
        raise type(exc)(
            _("{problem} The load stopped: {rows} of {requests} calls completed.").format(
                problem=exc.problem, rows=len(rows), requests=requests
            ),
            exc.fix,
        ) from None
    finally:
        bar.close()
    return pd.DataFrame(rows).sort_values("request").reset_index(drop=True)


# CloudWatch metric -> (column of analysis.usage_by_profile, column of generate_load's frame)
CHECKED_METRICS = {
    "Invocations": ("invocations", None),  # the load's successful calls
    "InputTokenCount": ("input_tokens", "input_tokens"),
    "OutputTokenCount": ("output_tokens", "output_tokens"),
}


def cloudwatch_check(before: pd.DataFrame, load: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Per profile and metric: CloudWatch before a load, what the load sent, CloudWatch after.

    ``before`` and ``after`` are ``analysis.usage_by_profile`` frames read over the same window;
    ``load`` is ``generate_load``'s frame. A call that failed after its retries is not an
    invocation (nor is a throttled attempt), so the load counts its successful calls.
    ``unexplained`` is after - before - this load: 0 when every number adds up.
    """
    import pandas as pd

    done = load[load["error"].isna()] if "error" in load.columns else load
    names = sorted(set(load["profile"]) | set(before["profile"]) | set(after["profile"]))
    ids = dict(zip(load["profile"], load["profile_id"], strict=False))
    rows = []
    for name in names:
        sent = done[done["profile"] == name]
        for metric, (column, load_column) in CHECKED_METRICS.items():
            was = int(before.loc[before["profile"] == name, column].sum())
            now = int(after.loc[after["profile"] == name, column].sum())
            added = int(sent[load_column].sum()) if load_column else len(sent)
            rows.append(
                {
                    "profile": name,
                    "profile_id": ids.get(name, ""),
                    "metric": metric,
                    "before": was,
                    "this load": added,
                    "after": now,
                    "unexplained": now - was - added,
                }
            )
    columns = ["profile", "profile_id", "metric", "before", "this load", "after", "unexplained"]
    return pd.DataFrame(rows, columns=columns)
