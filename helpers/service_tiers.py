"""Service tiers and prompt caching in money: pure functions over the price table and the bill.

A Priority or Flex call costs the tier's multiple of the on-demand (Standard) price, from
helpers/data/prices.json (``PriceTable.tier_multiple``). On the bill a tier shows as a suffix of
the usage type, before any scope suffix: ``USE1-Nova2.0Lite-output-tokens-flex-cross-region-global``
(seen in third-party code only: low confidence). A prompt cache writes its prefix once at the
write price and reads it afterwards at the read price, instead of the input price every time.
No AWS calls here: the callers fetch the frames (costs, cur) and pass them in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import InputError
from .i18n import _
from .pricing import DEFAULT_TIER, MILLION, TIERS, PriceTable

if TYPE_CHECKING:
    import pandas as pd

# Suffixes after the token kind that are not a tier: the scope (global profiles) and batch.
SCOPE_SUFFIXES = ("-cross-region-global", "-batch")
BILLED_TIERS = ("priority", "flex")  # the tiers a usage type names; Standard names none


def tier_costs(
    prices: PriceTable,
    identifier: str,
    input_tokens: float,
    output_tokens: float,
    *,
    scope: str | None = None,
    region: str | None = None,
) -> pd.DataFrame:
    """The same request priced in every tier the model offers on demand, Priority first.

    Columns: tier, multiple (of Standard), input_usd, output_usd, cost_usd, vs_default_usd.
    """
    import pandas as pd

    price_in, price_out = prices.price(identifier, scope, region)
    standard = (input_tokens * price_in + output_tokens * price_out) / MILLION
    rows = []
    for tier in prices.tiers(identifier):
        multiple = prices.tier_multiple(identifier, tier)
        cost = standard * multiple
        rows.append(
            {
                "tier": tier,
                "multiple": multiple,
                "input_usd": input_tokens * price_in * multiple / MILLION,
                "output_usd": output_tokens * price_out * multiple / MILLION,
                "cost_usd": cost,
                "vs_default_usd": cost - standard,
            }
        )
    return pd.DataFrame(rows)


def tier_of_usage_type(usage_type: str) -> str:
    """The service tier a usage type was billed in: priority, flex, or default (no suffix)."""
    if not isinstance(usage_type, str):
        raise InputError(
            _("A usage type is a string, not {usage_type!r}.").format(usage_type=usage_type),
            _('pass one such as "USE1-Nova2.0Lite-output-tokens-flex-cross-region-global".'),
        )
    rest = usage_type
    stripped = True
    while stripped:  # the scope and batch suffixes come after the tier
        stripped = False
        for suffix in SCOPE_SUFFIXES:
            if rest.endswith(suffix):
                rest, stripped = rest[: -len(suffix)], True
    return next((tier for tier in BILLED_TIERS if rest.endswith(f"-{tier}")), DEFAULT_TIER)


def cost_by_tier(frame: pd.DataFrame, cost_column: str = "cost") -> pd.DataFrame:
    """Cost (and tokens, where the frame has them) per service tier, from usage-type rows.

    ``frame`` is a Cost Explorer frame grouped by USAGE_TYPE (``costs.parse_pages``: columns
    usage_type, cost, usage_quantity) or a CUR query's (usage_type, cost, tokens). Sorted by
    tier in the order priority, default, flex; every tier present in the frame has a row.
    """
    import pandas as pd

    missing = {"usage_type", cost_column} - set(frame.columns)
    if missing:
        raise InputError(
            _("The frame has no {missing} column.").format(missing=", ".join(sorted(missing))),
            _(
                "group Cost Explorer by USAGE_TYPE (costs.parse_pages) or use the CUR's "
                "cost_by_model query, which both give usage_type and cost."
            ),
        )
    quantity = next((c for c in ("usage_quantity", "tokens") if c in frame.columns), None)
    tiered = frame.assign(tier=frame["usage_type"].map(tier_of_usage_type))
    sums = {"cost": (cost_column, "sum")}
    if quantity:
        sums["tokens"] = (quantity, "sum")
    out = tiered.groupby("tier").agg(**sums).reset_index()
    out["tier"] = pd.Categorical(out["tier"], categories=list(TIERS), ordered=True)
    out = out.sort_values("tier").reset_index(drop=True)
    out["tier"] = out["tier"].astype(str)
    total = out["cost"].sum()
    out["share"] = out["cost"] / total if total else 0.0
    return out


@dataclass(frozen=True)
class CacheSavings:
    """What a prompt cache saved over ``requests`` requests, in USD at list price."""

    requests: int
    tokens_written: float
    tokens_read: float
    with_cache_usd: float  # the cached tokens at the write and read prices
    without_cache_usd: float  # the same tokens, each time at the input price
    saved_usd: float
    saved_per_request_usd: float
    saved_share: float  # of the cached tokens' cost without the cache


def cache_savings(
    prices: PriceTable,
    identifier: str,
    tokens_written: float,
    tokens_read: float,
    requests: int,
    *,
    scope: str | None = None,
    region: str | None = None,
    ttl: str = "5m",
    tier: str = DEFAULT_TIER,
) -> CacheSavings:
    """The money a cache point saved: cached tokens at cache prices vs at the input price.

    ``tokens_written`` and ``tokens_read`` are the totals of ``cacheWriteInputTokens`` and
    ``cacheReadInputTokens`` over ``requests`` requests (Converse usage, CloudWatch or the bill).
    A write above the input price (Claude: 1.25x) makes a cache that is never read cost more:
    then ``saved_usd`` is negative.
    """
    if not isinstance(requests, int) or isinstance(requests, bool) or requests < 1:
        raise InputError(
            _("requests must be a whole number of at least 1, not {requests!r}.").format(
                requests=requests
            ),
            _("pass how many requests the cached tokens were counted over."),
        )
    if min(tokens_written, tokens_read) < 0:
        raise InputError(_("Token counts cannot be negative."), _("pass the totals from usage."))
    price_in, _price_out = prices.price(identifier, scope, region)
    read, write = prices.cache_multiples(identifier, ttl)
    multiple = prices.tier_multiple(identifier, tier)
    unit = price_in * multiple / MILLION
    with_cache = (tokens_written * write + tokens_read * read) * unit
    without_cache = (tokens_written + tokens_read) * unit
    saved = without_cache - with_cache
    return CacheSavings(
        requests=requests,
        tokens_written=tokens_written,
        tokens_read=tokens_read,
        with_cache_usd=with_cache,
        without_cache_usd=without_cache,
        saved_usd=saved,
        saved_per_request_usd=saved / requests,
        saved_share=saved / without_cache if without_cache else 0.0,
    )
