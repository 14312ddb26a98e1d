"""The stand-in's catalog: foundation models, system-defined profiles and prices, read from data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class FoundationModel:
    model_id: str
    name: str
    provider: str
    family: str  # anthropic | meta | nova | titan: decides the InvokeModel body format
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    streaming: bool
    customizations: tuple[str, ...]
    max_output_tokens: int
    latency_base_ms: int
    latency_per_output_token_ms: float
    on_demand_regions: frozenset[str]
    profile_only_regions: frozenset[str]
    billing_service: str
    marketplace: bool
    usage_name: str

    def available_in(self, region: str) -> bool:
        return region in self.on_demand_regions or region in self.profile_only_regions

    def on_demand_in(self, region: str) -> bool:
        return region in self.on_demand_regions

    def arn(self, region: str) -> str:
        return f"arn:aws:bedrock:{region}::foundation-model/{self.model_id}"


@dataclass(frozen=True)
class SystemProfile:
    profile_id: str  # e.g. us.anthropic.claude-3-haiku-20240307-v1:0
    name: str
    description: str
    model_id: str
    source_regions: frozenset[str]  # where the profile can be called from
    routes_to: tuple[str, ...]  # regions it sends requests to


@dataclass(frozen=True)
class Price:
    input_per_million: Decimal
    output_per_million: Decimal


@dataclass(frozen=True)
class Catalog:
    models: dict[str, FoundationModel]
    system_profiles: dict[str, SystemProfile]
    region_codes: dict[str, str]  # region -> billing prefix (us-east-1 -> USE1)
    prices: dict[str, Price]
    prices_as_of: str
    prices_source: str

    def regions(self) -> list[str]:
        return sorted(self.region_codes)

    def models_in(self, region: str) -> list[FoundationModel]:
        return [m for m in self.models.values() if m.available_in(region)]

    def system_profiles_in(self, region: str) -> list[SystemProfile]:
        return [p for p in self.system_profiles.values() if region in p.source_regions]


def _read_json(package: str, name: str) -> dict:
    return json.loads(resources.files(package).joinpath("data", name).read_text("utf-8"))


@cache
def load() -> Catalog:
    """Read and cross-check the shipped catalog and price table (once per process)."""
    raw = _read_json("helpers.offline", "catalog.json")
    price_raw = _read_json("helpers", "prices.json")
    models: dict[str, FoundationModel] = {}
    for m in raw["models"]:
        models[m["modelId"]] = FoundationModel(
            model_id=m["modelId"],
            name=m["modelName"],
            provider=m["providerName"],
            family=m["family"],
            input_modalities=tuple(m["inputModalities"]),
            output_modalities=tuple(m["outputModalities"]),
            streaming=m["responseStreamingSupported"],
            customizations=tuple(m["customizationsSupported"]),
            max_output_tokens=m["maxOutputTokens"],
            latency_base_ms=m["latency"]["baseMs"],
            latency_per_output_token_ms=m["latency"]["perOutputTokenMs"],
            on_demand_regions=frozenset(m["onDemandRegions"]),
            profile_only_regions=frozenset(m["profileOnlyRegions"]),
            billing_service=m["billing"]["service"],
            marketplace=m["billing"]["marketplace"],
            usage_name=m["billing"].get("usageName", ""),
        )
    geographies = raw["systemProfileGeographies"]
    profiles: dict[str, SystemProfile] = {}
    for p in raw["systemProfiles"]:
        geo = geographies[p["geography"]]
        model = models[p["modelId"]]
        routes = tuple(p["routesTo"])
        profile_id = f"{p['geography']}.{model.model_id}"
        where = ", ".join(routes[:-1]) + f" and {routes[-1]}" if len(routes) > 1 else routes[0]
        profiles[profile_id] = SystemProfile(
            profile_id=profile_id,
            name=f"{geo['label']} {model.provider} {model.name}".replace("Amazon Nova", "Nova"),
            description=f"Routes requests to {model.name} in {where}.",
            model_id=model.model_id,
            source_regions=frozenset(geo["regions"]),
            routes_to=routes,
        )
    prices = {
        model_id: Price(Decimal(str(p["input"])), Decimal(str(p["output"])))
        for model_id, p in price_raw["models"].items()
    }
    missing = sorted(set(models) - set(prices))
    if missing:
        raise ValueError(f"helpers/data/prices.json has no price for {', '.join(missing)}")
    return Catalog(
        models=models,
        system_profiles=profiles,
        region_codes=dict(raw["regions"]),
        prices=prices,
        prices_as_of=price_raw["as_of"],
        prices_source=price_raw["source"],
    )
