"""Bedrock's models as the workshop knows them: lifecycle, geographies, successors.

The data is ``helpers/data/models.json`` (dated, every fact with its source and confidence). The
offline stand-in serves exactly this catalog; the helpers use it to judge a model's lifecycle,
to name a current model in place of a retired one, and to name the cross-region profile
prefixes a region can call. On AWS, the account's own answers (``GetFoundationModel``'s
``modelLifecycle``, ``ListInferenceProfiles``) come first; this data fills in what AWS no longer
says once a model is gone (its end-of-life date, a successor).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from importlib import resources

from .i18n import N_, _

# The one list of cross-region profile prefixes (geographies). "global." routes to any
# commercial region; the others stay inside their geography. There is no "ca." geography:
# Canada calls "us." and "global." profiles. models.json must list the same geographies.
GEOGRAPHY_PREFIXES = ("us", "eu", "apac", "jp", "au", "us-gov", "global")
GLOBAL = "global"
SCOPES = ("in-region", "geo", "global")
# a source's confidence, as words a reader sees (the data keeps the English key)
CONFIDENCE_WORDS = {"low": N_("low"), "medium": N_("medium"), "high": N_("high")}

ACTIVE, LEGACY, END_OF_LIFE, NOT_RELEASED = "ACTIVE", "LEGACY", "END_OF_LIFE", "NOT_RELEASED"
END_OF_LIFE_MESSAGE = (
    "This model version has reached the end of its life. Please refer to the AWS documentation "
    "for more details."
)


def split_profile_id(identifier: str) -> tuple[str | None, str]:
    """("jp", "anthropic.claude-...") for a system profile ID; (None, ID) for a model ID.

    Either's ARN works too (its last part is the ID), and pasted whitespace is ignored.
    """
    identifier = identifier.strip()
    if identifier.startswith("arn:"):
        identifier = identifier.rsplit("/", 1)[-1]
    head, dot, rest = identifier.partition(".")
    if dot and head in GEOGRAPHY_PREFIXES and "." in rest:
        return head, rest
    return None, identifier


def scope_of_prefix(prefix: str | None) -> str:
    """The price scope of a call through a prefix: global, geo, or in-region (no prefix)."""
    if prefix is None:
        return "in-region"
    return "global" if prefix == GLOBAL else "geo"


def scope_of_model_arns(model_arns: tuple[str, ...] | list[str]) -> str:
    """The scope of a profile from the model ARNs AWS lists for it.

    A global profile lists a region-less ARN (``arn:aws:bedrock:::foundation-model/...``); a
    geographic one lists a model in each region it routes to; an application profile copied
    from a foundation model lists that one model.
    """
    regions = [arn.split(":")[3] for arn in model_arns]
    if any(not r for r in regions):
        return "global"
    return "geo" if len(set(regions)) > 1 else "in-region"


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class Notice:
    """A Legacy / end-of-life notice for some regions (all regions when ``regions`` is None)."""

    regions: frozenset[str] | None
    legacy: date | None
    public_extended_access: date | None
    end_of_life: date | None
    source: str
    note: str = ""

    def covers(self, region: str) -> bool:
        return self.regions is None or region in self.regions


@dataclass(frozen=True)
class Lifecycle:
    """A model's state in one region on one day."""

    status: str  # ACTIVE | LEGACY | END_OF_LIFE | NOT_RELEASED
    released: date | None = None
    legacy: date | None = None
    public_extended_access: date | None = None
    end_of_life: date | None = None
    source: str = ""

    @property
    def callable(self) -> bool:
        return self.status in (ACTIVE, LEGACY)

    def api_shape(self) -> dict:
        """``FoundationModelLifecycle`` as Bedrock returns it (dates once the model is Legacy)."""
        from .dates import utc_midnight  # here: dates -> errors -> catalog at import time

        out: dict = {"status": self.status}
        if self.released:
            out["startOfLifeTime"] = utc_midnight(self.released)
        if self.status == LEGACY:
            for key, value in (
                ("legacyTime", self.legacy),
                ("publicExtendedAccessTime", self.public_extended_access),
                ("endOfLifeTime", self.end_of_life),
            ):
                if value:
                    out[key] = utc_midnight(value)
        return out


@dataclass(frozen=True)
class ModelInfo:
    model_id: str
    name: str
    provider: str
    family: str  # InvokeModel body format, e.g. anthropic-messages; converse-only if not public
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    streaming: bool
    customizations: tuple[str, ...]
    max_output_tokens: int
    in_region: frozenset[str]  # the bare model ID works on demand here
    geographies: dict[str, tuple[str, ...] | None]  # prefix -> destinations (None: the default)
    released: date | None
    released_source: str
    notices: tuple[Notice, ...]
    successor: str | None
    cache_min_tokens: int | None  # None: no prompt caching
    quota_burndown: int
    marketplace: bool
    billing_service: str
    usage_name: str
    latency_base_ms: int
    latency_per_output_token_ms: float
    sources: tuple[str, ...]
    note: str = ""
    context_window: int | None = None  # tokens a prompt may hold (models.json contextWindow)

    @property
    def label(self) -> str:
        return f"{self.provider} {self.name}"


@dataclass(frozen=True)
class Geography:
    prefix: str
    label: str
    sources: frozenset[str] | None  # None: every commercial region (global)
    destinations: tuple[str, ...]  # empty for global: any commercial region


@dataclass(frozen=True)
class Catalog:
    as_of: str
    models: dict[str, ModelInfo]
    geographies: dict[str, Geography]
    billing_codes: dict[str, str]  # region -> billing code (us-east-1 -> USE1)
    partitions: dict[str, str]  # region -> aws | aws-us-gov
    sources: dict[str, dict] = field(repr=False)

    # --- regions and routing ----------------------------------------------------------------
    def partition(self, region: str) -> str:
        return self.partitions.get(region, "aws-us-gov" if region.startswith("us-gov-") else "aws")

    def commercial(self, region: str) -> bool:
        return self.partition(region) == "aws"

    def geography_serves(self, prefix: str, region: str) -> bool:
        """Whether a profile of this geography can be called from ``region``."""
        geo = self.geographies[prefix]
        return self.commercial(region) if geo.sources is None else region in geo.sources

    def destinations(self, model: ModelInfo, prefix: str, region: str) -> tuple[str, ...]:
        """Regions a system profile sends requests to ("" = any commercial region)."""
        if prefix == GLOBAL:
            return (region, "")
        return model.geographies.get(prefix) or self.geographies[prefix].destinations

    def offered_in(self, model: ModelInfo, region: str) -> bool:
        """Served in the region at all (on demand or through a profile), whatever the date."""
        return region in model.in_region or any(
            self.geography_serves(prefix, region) for prefix in model.geographies
        )

    def prefixes_in(self, region: str, model_id: str | None = None) -> list[str]:
        """Profile prefixes callable from ``region`` (for one model, if given), geographic first."""
        if model_id is not None and model_id in self.models:
            candidates = list(self.models[model_id].geographies)
        else:
            candidates = list(GEOGRAPHY_PREFIXES)
        ordered = [p for p in GEOGRAPHY_PREFIXES if p in candidates and p != GLOBAL]
        ordered += [GLOBAL] if GLOBAL in candidates else []
        return [p for p in ordered if self.geography_serves(p, region)]

    def callable_ids(self, model_id: str, region: str) -> list[str]:
        """IDs that call ``model_id`` on demand from ``region``: the bare ID, then profiles."""
        model = self.models.get(model_id)
        if model is None:
            return []
        ids = [model_id] if region in model.in_region else []
        return ids + [f"{p}.{model_id}" for p in self.prefixes_in(region, model_id)]

    # --- lifecycle --------------------------------------------------------------------------
    def lifecycle(self, model_id: str, region: str, day: date) -> Lifecycle:
        model = self.models[model_id]
        notice = next((n for n in model.notices if n.covers(region)), None)
        if model.released and day < model.released:
            status = NOT_RELEASED
        elif notice and notice.end_of_life and day >= notice.end_of_life:
            status = END_OF_LIFE
        elif notice and notice.legacy and day >= notice.legacy:
            status = LEGACY
        else:
            status = ACTIVE
        return Lifecycle(
            status,
            released=model.released,
            legacy=notice.legacy if notice else None,
            public_extended_access=notice.public_extended_access if notice else None,
            end_of_life=notice.end_of_life if notice else None,
            source=notice.source if notice else "",
        )

    def current_alternative(self, model_id: str, region: str, day: date) -> str | None:
        """A callable ID of a current (ACTIVE) model to use instead, following successors."""
        seen = set()
        candidate = self.models.get(model_id)
        while candidate is not None and candidate.model_id not in seen:
            seen.add(candidate.model_id)
            if candidate.model_id != model_id:
                state = self.lifecycle(candidate.model_id, region, day)
                ids = self.callable_ids(candidate.model_id, region)
                if state.status == ACTIVE and ids:
                    return ids[0]
            candidate = self.models.get(candidate.successor or "")
        return None

    def hedge(self, key: str) -> str:
        """What to put after a date whose source is not an AWS document: (confidence: source)."""
        entry = self.sources.get(key, {})
        if not key or entry.get("confidence") == "high":
            return ""
        where = entry.get("url") or entry.get("what") or _("no public source")
        level = entry.get("confidence", "unknown")
        word = CONFIDENCE_WORDS.get(level)
        return _(" ({confidence} confidence: {where})").format(
            confidence=_(word) if word else level, where=where
        )


@cache
def load() -> Catalog:
    """Read and cross-check helpers/data/models.json (once per process)."""
    raw = json.loads((resources.files("helpers") / "data" / "models.json").read_text("utf-8"))
    if tuple(raw["geographies"]) != GEOGRAPHY_PREFIXES:
        raise ValueError(
            "helpers/data/models.json lists the geographies "
            f"{list(raw['geographies'])}, but helpers.catalog.GEOGRAPHY_PREFIXES is "
            f"{list(GEOGRAPHY_PREFIXES)}: keep them the same."
        )
    geographies = {
        prefix: Geography(
            prefix=prefix,
            label=g["label"],
            sources=frozenset(g["sources"]) if isinstance(g["sources"], list) else None,
            destinations=tuple(g["destinations"]) if isinstance(g["destinations"], list) else (),
        )
        for prefix, g in raw["geographies"].items()
    }
    models = {}
    for m in raw["models"]:
        life = m["lifecycle"]
        notices = tuple(
            Notice(
                regions=None if n["regions"] == ["*"] else frozenset(n["regions"]),
                legacy=_day(n.get("legacy")),
                public_extended_access=_day(n.get("publicExtendedAccess")),
                end_of_life=_day(n.get("endOfLife")),
                source=n["source"],
                note=n.get("note", ""),
            )
            for n in life.get("notices", [])
        )
        models[m["modelId"]] = ModelInfo(
            model_id=m["modelId"],
            name=m["modelName"],
            provider=m["providerName"],
            family=m["bodyFormat"],
            input_modalities=tuple(m["inputModalities"]),
            output_modalities=tuple(m["outputModalities"]),
            streaming=m["responseStreamingSupported"],
            customizations=tuple(m["customizationsSupported"]),
            max_output_tokens=m["maxOutputTokens"],
            in_region=frozenset(m["inRegion"]),
            geographies={
                prefix: tuple(dest) if dest else None for prefix, dest in m["geographies"].items()
            },
            released=_day(life.get("released")),
            released_source=life.get("releasedSource", ""),
            notices=notices,
            successor=life.get("successor"),
            cache_min_tokens=(m.get("promptCache") or {}).get("minTokens"),
            quota_burndown=m.get("quotaBurndown", 1),
            marketplace=m["billing"]["marketplace"],
            billing_service=m["billing"]["service"],
            usage_name=m["billing"]["usageName"],
            latency_base_ms=m["latency"]["baseMs"],
            latency_per_output_token_ms=m["latency"]["perOutputTokenMs"],
            sources=tuple(m.get("sources", [])),
            note=m.get("note", ""),
            context_window=m.get("contextWindow"),
        )
    return Catalog(
        as_of=raw["as_of"],
        models=models,
        geographies=geographies,
        billing_codes={r: v["billingCode"] for r, v in raw["regions"].items()},
        partitions={r: v["partition"] for r, v in raw["regions"].items()},
        sources=raw["sources"],
    )


@dataclass(frozen=True)
class Verdict:
    """What 00_setup says about a configured model: ready is yes, warn or NO."""

    ready: str
    detail: str


def _on(value: object) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, date) else str(value)


def judge(
    model_id: str,
    region: str,
    details: dict | None,
    error: Exception | None = None,
    day: date | None = None,
    source: str | None = None,
) -> Verdict:
    """Judge a model from GetFoundationModel's answer (``details``) or the error it raised.

    ACTIVE is ready; LEGACY is a warning with its end-of-life date; end of life (AWS answers
    ResourceNotFoundException, or no longer knows the ID) is refused, naming a current model.
    The end-of-life date and the successor come from helpers/data/models.json, since AWS no
    longer describes a retired model. ``source`` is the configured ``copy_from``: a profile of
    a geography the region cannot call is refused, naming the ones it can.
    """
    data = load()
    from .dates import utc_today  # here: dates -> errors -> catalog at import time

    day = day or utc_today()
    known = data.models.get(model_id)
    prefix = split_profile_id(source)[0] if source else None
    if (
        known
        and prefix
        and not (prefix in known.geographies and data.geography_serves(prefix, region))
    ):
        callable_here = " or ".join(data.callable_ids(model_id, region)) or "none"
        return Verdict(
            "NO",
            _(
                "{prefix}. profiles of {label} cannot be called from {region}. From there: "
                "{callable_here} (change copy_from in config.json)."
            ).format(prefix=prefix, label=known.label, region=region, callable_here=callable_here),
        )
    alternative = data.current_alternative(model_id, region, day) if known else None
    instead = (
        _("use {alternative} instead").format(alternative=alternative)
        if alternative
        else _("choose a model listed as ACTIVE")
    )
    if details is not None:
        life = details.get("modelLifecycle") or {}
        name = f"{details.get('providerName', '')} {details.get('modelName', model_id)}".strip()
        if life.get("status") == LEGACY:
            ours = data.lifecycle(model_id, region, day) if known else None
            end = life.get("endOfLifeTime") or (ours.end_of_life if ours else None)
            extended = life.get("publicExtendedAccessTime") or (
                ours.public_extended_access if ours else None
            )
            when = (
                _("end of life on {on}").format(on=_on(end))
                if end
                else _("end of life not announced")
            )
            if (
                ours
                and end
                and (not life.get("endOfLifeTime") or _on(end) == _on(ours.end_of_life))
            ):
                when += data.hedge(ours.source)  # the catalog's date: say how sure it is
            dearer = ""
            if extended:
                started = _on(extended) <= day.isoformat()
                dearer = (
                    _("; since {on} it costs more than its list price (public extended access)")
                    if started
                    else _(
                        "; from {on} it will cost more than its list price (public extended access)"
                    )
                ).format(on=_on(extended))
            return Verdict(
                "warn",
                _(
                    "{name}: LEGACY in {region} since {on}, {when}{dearer}. New accounts "
                    "cannot use it; {instead}."
                ).format(
                    name=name,
                    region=region,
                    on=_on(life.get("legacyTime", "?")),
                    when=when,
                    dearer=dearer,
                    instead=instead,
                ),
            )
        if (
            source is not None
            and prefix is None
            and details.get("inferenceTypesSupported") == ["INFERENCE_PROFILE"]
        ):
            here = " or ".join(i for i in data.callable_ids(model_id, region) if i != model_id)
            return Verdict(
                "NO",
                _(
                    "{name} is served in {region} only through an inference profile: a profile "
                    "copied from the bare model ID cannot be called on demand. Copy from "
                    "{here} instead."
                ).format(
                    name=name, region=region, here=here or "a system-defined profile of this region"
                ),
            )
        released = life.get("startOfLifeTime")
        since = f" since {_on(released)}" if released else ""
        if released and known and known.released and _on(released) == _on(known.released):
            since += data.hedge(known.released_source)  # the catalog's date: say how sure
        return Verdict("yes", f"{name}: {life.get('status', 'ACTIVE')} in {region}{since}")
    message = str(error) if error is not None else "no answer"
    if known is not None:
        state = data.lifecycle(model_id, region, day)
        retired = state.status == END_OF_LIFE or "end of its life" in message
        if retired:
            on = _(" on {date}").format(date=_on(state.end_of_life)) if state.end_of_life else ""
            on += data.hedge(state.source)
            return Verdict(
                "NO",
                _(
                    "{label} reached its end of life in {region}{on}: AWS refuses every call "
                    "to it. {upper} (change copy_from in config.json)."
                ).format(
                    label=known.label, region=region, on=on, upper=instead[0].upper() + instead[1:]
                ),
            )
        if state.status == NOT_RELEASED and data.offered_in(known, region):
            return Verdict(
                "NO",
                _(
                    "{label} is not released yet on {isoformat} (it arrives {on}): choose a "
                    "model listed as ACTIVE."
                ).format(label=known.label, isoformat=day.isoformat(), on=_on(known.released)),
            )
        if not data.offered_in(known, region):
            return Verdict(
                "NO",
                _(
                    "{label} is not offered in {region}. Change region, or copy_from to a "
                    "model the region offers (`aws bedrock list-foundation-models`)."
                ).format(label=known.label, region=region),
            )
    return Verdict("NO", message)
