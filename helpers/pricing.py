"""List prices per model and scope, read from data (helpers/data/prices.json, dated and sourced).

A call costs the price of the scope it went through: ``in-region`` (a bare model ID, or an
application profile copied from one), ``geo`` (a geographic profile: us., eu., jp., ...) or
``global`` (a global. profile). For Claude 4.5 and later the geographic and in-region prices
are 10% above global. Prompt-cache reads and writes, batch and the Priority / Flex tiers are
priced where the sources publish them. Each model carries its source and confidence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from .catalog import SCOPES, scope_of_prefix, split_profile_id
from .errors import InputError
from .i18n import _

if TYPE_CHECKING:
    import pandas as pd

MILLION = 1_000_000
CACHE_TTLS = ("5m", "1h")
# Bedrock's service tiers (ServiceTierType). "default" is Standard, on every model; priority and
# flex only where prices.json gives the model their multiple; reserved only with a reservation.
TIERS = ("priority", "default", "flex", "reserved")
DEFAULT_TIER = "default"


@dataclass(frozen=True)
class ModelPrice:
    """One model's prices: (input, output) USD per 1M tokens for each scope it has."""

    model_id: str
    scopes: dict[str, tuple[float, float]]
    regional: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)
    cache: dict[str, float] = field(default_factory=dict)  # multiples of the input price
    batch: float | None = None  # multiple of the on-demand price
    tiers: dict[str, float] = field(default_factory=dict)  # priority / flex multiples
    source: str = ""
    confidence: str = ""
    note: str = ""


@dataclass(frozen=True)
class PriceTable:
    currency: str
    as_of: str
    sources: dict[str, dict]
    models: dict[str, ModelPrice]

    @property
    def source(self) -> str:
        """One line naming where the figures come from, for a notebook's caption."""
        cited = sorted({m.source for m in self.models.values()})
        parts = [
            f"{self.sources[key].get('url') or self.sources[key]['what']} "
            f"({self.sources[key]['confidence']} confidence)"
            for key in cited
        ]
        return _("list prices from ") + _("; ").join(parts)

    def entry(self, identifier: str) -> tuple[ModelPrice, str]:
        """The model's prices and the scope an ID implies (a profile ID's prefix, or in-region).

        ``identifier`` is a model ID, a system profile ID, or either's ARN (as AWS lists them
        in a profile's models or in the CUR).
        """
        if not isinstance(identifier, str):
            raise InputError(
                _("A model ID is a string, not {identifier!r}.").format(identifier=identifier),
                _('pass an ID such as "anthropic.claude-haiku-4-5-20251001-v1:0".'),
            )
        if ":application-inference-profile/" in identifier:
            raise InputError(
                _(
                    "{identifier} is an application profile: its ARN does not name its model."
                ).format(identifier=identifier),
                _("price its model: profiles.resolve(conn, arn).model_id, and its .scope."),
            )
        prefix, model_id = split_profile_id(identifier)
        if model_id not in self.models:
            shown = f"{prefix}.{model_id}" if prefix else model_id
            hint = (
                _("model and profile IDs are lower case: use ") + shown.lower() + "."
                if shown.lower() != shown
                else _(
                    "add the model's input and output price per 1M tokens there, with its "
                    "source, from the Amazon Bedrock pricing page."
                )
            )
            raise InputError(
                _(
                    "No list price for {identifier!r} in helpers/data/prices.json (prices as "
                    "of {as_of})."
                ).format(identifier=identifier, as_of=self.as_of),
                hint,
            )
        return self.models[model_id], scope_of_prefix(prefix)

    @staticmethod
    def region_of(identifier: str) -> str | None:
        """The region in an ARN (None for IDs, and for a global profile's region-less ARN)."""
        cleaned = identifier.strip()
        parts = cleaned.split(":") if cleaned.startswith("arn:") else []
        return (parts[3] or None) if len(parts) > 3 else None

    def price(
        self, identifier: str, scope: str | None = None, region: str | None = None
    ) -> tuple[float, float]:
        """(input, output) USD per 1M tokens for a model or system profile ID (or ARN) in a scope.

        ``scope`` defaults to the one the ID implies; ``region`` to the ARN's region, if any.
        """
        model, implied = self.entry(identifier)
        region = region or self.region_of(identifier)
        chosen = scope or implied
        if chosen not in SCOPES:
            raise InputError(
                _("Unknown price scope {chosen!r}.").format(chosen=chosen),
                _("use one of {scopes}.").format(scopes=", ".join(SCOPES)),
            )
        regional = model.regional.get(region or "", {})
        if chosen in regional:
            return regional[chosen]
        if chosen not in model.scopes:
            raise InputError(
                _(
                    "{model_id} has no {chosen} price in helpers/data/prices.json (it is "
                    "priced {scopes})."
                ).format(model_id=model.model_id, chosen=chosen, scopes=", ".join(model.scopes)),
                _("call it through a scope it is offered in, or add that price with its source."),
            )
        return model.scopes[chosen]

    def cost(
        self,
        identifier: str,
        input_tokens: float,
        output_tokens: float,
        *,
        scope: str | None = None,
        region: str | None = None,
        cache_read_tokens: float = 0,
        cache_write_tokens: float = 0,
        cache_ttl: str = "5m",
        tier: str = DEFAULT_TIER,
    ) -> float:
        """USD at list price: input, output, and prompt-cache reads and writes, in a tier.

        A Priority or Flex call costs the tier's multiple of every token's on-demand price.
        """
        price_in, price_out = self.price(identifier, scope, region)
        total = input_tokens * price_in + output_tokens * price_out
        if cache_read_tokens or cache_write_tokens:
            read, write = self.cache_multiples(identifier, cache_ttl)
            total += price_in * (cache_read_tokens * read + cache_write_tokens * write)
        return total * self.tier_multiple(identifier, tier) / MILLION

    def tiers(self, identifier: str) -> tuple[str, ...]:
        """The service tiers a model can be called in on demand: default, and those priced."""
        model, _prices = self.entry(identifier)
        return tuple(t for t in TIERS if t == DEFAULT_TIER or t in model.tiers)

    def tier_multiple(self, identifier: str, tier: str = DEFAULT_TIER) -> float:
        """A tier's price as a multiple of the on-demand (Standard) price."""
        if tier not in TIERS:
            raise InputError(
                _("Unknown service tier {tier!r}.").format(tier=tier),
                _("use one of {tiers}.").format(tiers=", ".join(TIERS)),
            )
        if tier == DEFAULT_TIER:
            return 1.0
        model, _prices = self.entry(identifier)
        if tier not in model.tiers:
            offered = ", ".join(self.tiers(identifier))
            raise InputError(
                _(
                    "{model_id} has no {tier} tier price in helpers/data/prices.json (its "
                    "tiers: {offered})."
                ).format(model_id=model.model_id, tier=tier, offered=offered),
                _("call it in a tier it offers; the reserved tier is priced per reservation."),
            )
        return model.tiers[tier]

    def cache_multiples(self, identifier: str, ttl: str = "5m") -> tuple[float, float]:
        """(read, write) prices of cached input as multiples of the input price."""
        model, _prices = self.entry(identifier)
        if not model.cache:
            raise InputError(
                _("No prompt-cache price for {model_id} in helpers/data/prices.json.").format(
                    model_id=model.model_id
                ),
                _("prompt caching is priced only for models that support it."),
            )
        if ttl not in CACHE_TTLS:
            raise InputError(
                _("Unknown cache TTL {ttl!r}.").format(ttl=ttl), _("use '5m' or '1h'.")
            )
        write = model.cache.get("write_1h" if ttl == "1h" else "write", model.cache["write"])
        return model.cache["read"], write

    def confidence(self, identifier: str) -> str:
        return self.entry(identifier)[0].confidence

    def label(self, identifier: str) -> str:
        """How sure a price is, its date and source, and its caveat, to show beside it."""
        model, _prices = self.entry(identifier)
        source = self.sources.get(model.source, {})
        where = source.get("url") or source.get("what") or _("no public source")
        text = f"{model.confidence} confidence, as of {source.get('as_of', self.as_of)}: {where}"
        return f"{text}. {model.note}" if model.note else text

    def frame(self) -> pd.DataFrame:
        """One row per model and scope, with cache, batch and tier prices and confidence."""
        import pandas as pd

        rows = []
        for model_id, model in sorted(self.models.items()):
            for scope in SCOPES:
                if scope not in model.scopes:
                    continue
                price_in, price_out = model.scopes[scope]
                row = {
                    "model_id": model_id,
                    "scope": scope,
                    "input_per_1m_usd": price_in,
                    "output_per_1m_usd": price_out,
                    "cache_read_per_1m_usd": round(price_in * model.cache["read"], 6)
                    if model.cache
                    else None,
                    "cache_write_per_1m_usd": round(price_in * model.cache["write"], 6)
                    if model.cache
                    else None,
                    "batch_multiple": model.batch,
                    "priority_multiple": model.tiers.get("priority"),
                    "flex_multiple": model.tiers.get("flex"),
                    "confidence": model.confidence,
                    "source": model.source,
                }
                rows.append(row)
        return pd.DataFrame(rows)


def _pair(value: dict) -> tuple[float, float]:
    return float(value["input"]), float(value["output"])


@cache
def load() -> PriceTable:
    raw = json.loads((resources.files("helpers") / "data" / "prices.json").read_text("utf-8"))
    models = {}
    for model_id, p in raw["models"].items():
        models[model_id] = ModelPrice(
            model_id=model_id,
            scopes={scope: _pair(p[scope]) for scope in SCOPES if scope in p},
            regional={
                region: {scope: _pair(v) for scope, v in scopes.items()}
                for region, scopes in (p.get("regions") or {}).items()
            },
            cache={k: float(v) for k, v in (p.get("cache") or {}).items()},
            batch=p.get("batch"),
            tiers={k: float(v) for k, v in (p.get("tiers") or {}).items()},
            source=p["source"],
            confidence=p["confidence"],
            note=p.get("note", ""),
        )
    return PriceTable(
        currency=raw["currency"], as_of=raw["as_of"], sources=raw["sources"], models=models
    )
