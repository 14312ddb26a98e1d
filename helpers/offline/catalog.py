"""The stand-in's catalog: the workshop's model data (helpers/data/models.json) seen on a date.

Which models exist, and whether each is ACTIVE, LEGACY or past its end of life, depends on the
day: ``today()`` is the real UTC date unless the stand-in's ``today`` setting pins one (tests
do, so that they do not depend on the day they run). System-defined profiles are one per model
and geography; a profile can be called from the geography's source regions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache

from helpers import catalog as shared
from helpers import dates, pricing

from .state import SETTINGS

FoundationModel = shared.ModelInfo
MILLION = Decimal(1_000_000)
# CountTokens: AWS's user guide (count-tokens.html, "Supported models and Regions for token
# counting") lists Anthropic Claude models from Claude 3.5 on, by their bare model ID; Claude 3
# Haiku, Amazon Nova and the other providers are refused (medium confidence).
COUNT_TOKENS_PROVIDER = "Anthropic"
COUNT_TOKENS_EXCLUDED = frozenset({"anthropic.claude-3-haiku-20240307-v1:0"})


@dataclass(frozen=True)
class SystemProfile:
    profile_id: str  # e.g. jp.anthropic.claude-haiku-4-5-20251001-v1:0
    prefix: str  # the geography: us, eu, apac, jp, au, us-gov, global
    name: str
    model_id: str

    @property
    def scope(self) -> str:
        return shared.scope_of_prefix(self.prefix)


def today() -> date:
    """The stand-in's idea of today (UTC): the pinned ``today`` setting, else the real date."""
    pinned = SETTINGS.today
    return date.fromisoformat(pinned) if pinned else dates.utc_today()


@dataclass(frozen=True)
class Catalog:
    data: shared.Catalog
    prices: pricing.PriceTable

    @property
    def models(self) -> dict[str, FoundationModel]:
        return self.data.models

    # --- models ---------------------------------------------------------------------------
    def lifecycle(self, model: FoundationModel, region: str) -> shared.Lifecycle:
        return self.data.lifecycle(model.model_id, region, today())

    def model_in(self, model_id: str, region: str) -> FoundationModel | None:
        """A model offered in the region (on demand or through a profile), whatever its state."""
        model = self.data.models.get(model_id)
        if model is None or not self.data.offered_in(model, region):
            return None
        return model

    def models_in(self, region: str) -> list[FoundationModel]:
        """Models ListFoundationModels shows today: offered here, released, not past end of life."""
        return [
            m
            for m in self.data.models.values()
            if self.data.offered_in(m, region) and self.lifecycle(m, region).callable
        ]

    def on_demand_in(self, model: FoundationModel, region: str) -> bool:
        return region in model.in_region

    def arn(self, model: FoundationModel, region: str) -> str:
        partition = self.data.partition(region)
        return f"arn:{partition}:bedrock:{region}::foundation-model/{model.model_id}"

    # --- system-defined profiles -------------------------------------------------------------
    def system_profile(self, profile_id: str, region: str) -> SystemProfile | None:
        """The system profile with this ID, if it can be called from ``region``."""
        prefix, model_id = shared.split_profile_id(profile_id)
        model = self.data.models.get(model_id)
        if prefix is None or model is None or prefix not in model.geographies:
            return None
        if not self.data.geography_serves(prefix, region):
            return None
        return SystemProfile(profile_id, prefix, _profile_name(self.data, prefix, model), model_id)

    def system_profiles_in(self, region: str) -> list[SystemProfile]:
        """System profiles listed today in ``region``: their models are not past end of life."""
        out = []
        for model in self.data.models.values():
            if not self.lifecycle(model, region).callable:
                continue
            for prefix in model.geographies:
                found = self.system_profile(f"{prefix}.{model.model_id}", region)
                if found is not None:
                    out.append(found)
        return out

    def describe_system(self, profile: SystemProfile, region: str, account: str) -> dict:
        model = self.data.models[profile.model_id]
        routes = self.data.destinations(model, profile.prefix, region)
        partition = self.data.partition(region)
        if profile.prefix == shared.GLOBAL:
            description = (
                f"Routes requests to {model.name} globally across all supported AWS Regions."
            )
        else:
            where = ", ".join(routes[:-1]) + f" and {routes[-1]}" if len(routes) > 1 else routes[0]
            description = f"Routes requests to {model.label} in {where}."
        return {
            "inferenceProfileName": profile.name,
            "description": description,
            "inferenceProfileArn": f"arn:{partition}:bedrock:{region}:{account}:inference-profile/"
            f"{profile.profile_id}",
            "inferenceProfileId": profile.profile_id,
            "models": [
                {"modelArn": f"arn:{partition}:bedrock:{r}::foundation-model/{profile.model_id}"}
                for r in routes
            ],
        }

    # --- billing -------------------------------------------------------------------------------
    def unit_prices(
        self, model: FoundationModel, scope: str, region: str
    ) -> tuple[Decimal, Decimal]:
        """USD per token (input, output) for a call in this scope and region."""
        price_in, price_out = self.prices.price(model.model_id, scope, region)
        return Decimal(str(price_in)) / MILLION, Decimal(str(price_out)) / MILLION

    def cache_multiples(self, model: FoundationModel, ttl: str) -> tuple[Decimal, Decimal]:
        read, write = self.prices.cache_multiples(model.model_id, ttl)
        return Decimal(str(read)), Decimal(str(write))

    def tiers(self, model: FoundationModel) -> tuple[str, ...]:
        """Service tiers the model serves on demand: default, plus those prices.json prices."""
        return self.prices.tiers(model.model_id)

    def tier_multiple(self, model: FoundationModel, tier: str) -> Decimal:
        return Decimal(str(self.prices.tier_multiple(model.model_id, tier)))

    @staticmethod
    def counts_tokens(model: FoundationModel) -> bool:
        """Whether CountTokens answers for this model (see COUNT_TOKENS_PROVIDER)."""
        return model.provider == COUNT_TOKENS_PROVIDER and model.model_id not in (
            COUNT_TOKENS_EXCLUDED
        )

    def billing_code(self, region: str) -> str:
        return self.data.billing_codes.get(region, region.upper())


def _profile_name(data: shared.Catalog, prefix: str, model: FoundationModel) -> str:
    label = data.geographies[prefix].label
    return f"{label} {model.label}".replace("Amazon Nova", "Nova")


@cache
def load() -> Catalog:
    """The catalog and price table, cross-checked (once per process)."""
    data = shared.load()
    prices = pricing.load()
    missing = sorted(set(data.models) - set(prices.models))
    if missing:
        raise ValueError(f"helpers/data/prices.json has no price for {', '.join(missing)}")
    return Catalog(data=data, prices=prices)
