"""The workshop's settings, read from config.json and checked before anything reaches AWS.

``load()`` reads ``config.json`` at the project root, or the file named by ``WORKSHOP_CONFIG``;
``WORKSHOP_MODE`` overrides the mode. Every mistake (missing file, bad JSON, unknown key, wrong
type, a profile name AWS would refuse) is one ConfigError naming the file, the key and the fix.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import GEOGRAPHY_PREFIXES
from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATH = PROJECT_ROOT / "config.json"
MODES = ("offline", "aws")
DEFAULT_PORT = 4599
DEFAULT_SPEND_CAP_USD = 1.0

# AWS's own constraints (botocore's Bedrock service model), checked here so a typo fails early.
NAME_PATTERN = re.compile(r"([0-9a-zA-Z][ _-]?)+")
DESCRIPTION_PATTERN = re.compile(r"([0-9a-zA-Z:.][ _-]?)+")
TAG_PATTERN = re.compile(r"[a-zA-Z0-9\s._:/=+@-]*")
MODEL_ID_PATTERN = re.compile(r"[a-z0-9-]{1,63}[.][a-z0-9-]{1,63}([.:]?[a-z0-9-]{1,63})*")
# a system-defined (cross-region) profile ID: a geography prefix, then a model ID
SYSTEM_PROFILE_PATTERN = re.compile(
    "(" + "|".join(re.escape(p) for p in GEOGRAPHY_PREFIXES) + r")\.[a-z0-9-]+\..+"
)
MAX_TAGS = 199
# The first part of Bedrock model IDs (anthropic.claude-..., amazon.nova-...): a prefix before
# one of these is meant as a geography.
MODEL_PROVIDERS = (
    "ai21",
    "amazon",
    "anthropic",
    "cohere",
    "deepseek",
    "google",
    "meta",
    "minimax",
    "mistral",
    "moonshotai",
    "nvidia",
    "openai",
    "qwen",
    "stability",
    "writer",
    "zai",
)
REGION_PATTERN = re.compile(r"[a-z]{2}(-gov)?-[a-z]+-\d")


@dataclass(frozen=True)
class ProfileSpec:
    """One application inference profile the workshop creates."""

    name: str
    copy_from: str  # a foundation model ID or a system-defined profile ID (or either's ARN)
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def copies_system_profile(self) -> bool:
        return ":inference-profile/" in self.copy_from or bool(
            SYSTEM_PROFILE_PATTERN.fullmatch(self.copy_from)
        )


@dataclass(frozen=True)
class OfflineSettings:
    port: int = DEFAULT_PORT
    stream_delay_ms: float = 15.0


@dataclass(frozen=True)
class WorkshopConfig:
    path: Path
    mode: str = "offline"
    region: str = "us-east-1"
    tag_key: str = "dept"
    owner_tag: tuple[str, str] = ("workshop", "bedrock-inference-profiles")
    profiles: tuple[ProfileSpec, ...] = ()
    profile_names: tuple[str, ...] = ()  # the profiles to analyse (default: all of ``profiles``)
    offline: OfflineSettings = field(default_factory=OfflineSettings)
    # aws mode: the most a load run may cost at list price, worst case (see invoke.generate_load)
    spend_cap_usd: float = DEFAULT_SPEND_CAP_USD

    @property
    def analysed_names(self) -> tuple[str, ...]:
        return self.profile_names or tuple(p.name for p in self.profiles)

    @property
    def departments(self) -> dict[str, str]:
        """Profile name -> value of the cost allocation tag, for the configured profiles."""
        return {p.name: p.tags.get(self.tag_key, "") for p in self.profiles}


KEYS = {
    "mode",
    "region",
    "tag_key",
    "owner_tag",
    "profiles",
    "profile_names",
    "offline",
    "spend_cap_usd",
}
DEFAULT_SPEND_CAP_USD = 1.0
PROFILE_KEYS = {"name", "copy_from", "description", "tags"}
OFFLINE_KEYS = {"port", "stream_delay_ms"}
OWNER_KEYS = {"key", "value"}


class _Reader:
    """Type-checks values, raising one ConfigError that names the file and the key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str, fix: str) -> ConfigError:
        where = f"{self.path}: " + (f"key '{key}' " if key else "")
        return ConfigError(where + problem, fix)

    def typed(self, value: Any, kind: type | tuple[type, ...], key: str, example: str) -> Any:
        if (
            isinstance(value, bool)
            and kind is not bool
            and bool not in (kind if isinstance(kind, tuple) else (kind,))
        ):
            raise self.fail(
                key, f"must be {example}, not {json.dumps(value)}", f"write it like {example}."
            )
        if not isinstance(value, kind):
            raise self.fail(
                key, f"must be {example}, not {json.dumps(value)}", f"write it like {example}."
            )
        return value

    def known_keys(self, given: dict, allowed: set[str], where: str) -> None:
        for key in given:
            if key not in allowed:
                near = difflib.get_close_matches(key, sorted(allowed), n=1)
                hint = f"did you mean '{near[0]}'? " if near else ""
                raise self.fail(
                    f"{where}{key}",
                    "is not a setting the workshop knows",
                    f"{hint}Known keys: {', '.join(sorted(allowed))}.",
                )

    def text(
        self, value: Any, key: str, pattern: re.Pattern[str], max_len: int, what: str, example: str
    ) -> str:
        self.typed(value, str, key, f'a string such as "{example}"')
        if not 1 <= len(value) <= max_len or not pattern.fullmatch(value):
            raise self.fail(
                key,
                f"holds {what} AWS would refuse: {json.dumps(value)}",
                f"use 1-{max_len} characters matching {pattern.pattern} (letters, "
                f"digits, single spaces, '_' or '-' between them), e.g. \"{example}\".",
            )
        return value


def _tags(reader: _Reader, value: Any, key: str) -> dict[str, str]:
    reader.typed(value, dict, key, '{"dept": "claims"}')
    if len(value) > MAX_TAGS:
        raise reader.fail(
            key,
            f"has {len(value)} tags",
            f"keep at most {MAX_TAGS} tags per "
            "profile (AWS allows 200, one goes to the workshop's ownership tag).",
        )
    for tag_key, tag_value in value.items():
        where = f"{key}.{tag_key}"
        reader.typed(tag_value, str, where, '"claims"')
        if not 1 <= len(tag_key) <= 128 or not TAG_PATTERN.fullmatch(tag_key):
            raise reader.fail(
                where,
                "is not a valid tag key",
                "use 1-128 letters, digits, spaces or . _ : / = + @ -",
            )
        if tag_key.lower().startswith("aws:"):
            raise reader.fail(where, "uses the reserved prefix 'aws:'", "choose another key.")
        if len(tag_value) > 256 or not TAG_PATTERN.fullmatch(tag_value):
            raise reader.fail(
                where,
                f"has a value AWS would refuse: {json.dumps(tag_value)}",
                "use at most 256 letters, digits, spaces or . _ : / = + @ -",
            )
    return dict(value)


def _copy_from(reader: _Reader, value: Any, key: str) -> str:
    reader.typed(value, str, key, '"anthropic.claude-haiku-4-5-20251001-v1:0"')
    if ":application-inference-profile/" in value:
        raise reader.fail(
            key,
            "names an application inference profile",
            "copy from a foundation model ID (e.g. "
            '"openai.gpt-oss-120b-1:0") or a system-defined profile ID (e.g. '
            '"global.anthropic.claude-haiku-4-5-20251001-v1:0"); AWS does not copy '
            "application profiles.",
        )
    if value.startswith("arn:"):
        if not re.fullmatch(
            r"arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d{0,12}:"
            r"(foundation-model|inference-profile)/[a-zA-Z0-9-:.]+",
            value,
        ):
            raise reader.fail(
                key,
                f"is not a model or inference profile ARN: {value}",
                "use a model ID or a system-defined profile ID instead.",
            )
        if ":inference-profile/" in value:
            if value.split(":")[4] == "":
                raise reader.fail(
                    key,
                    f"is a system-defined profile ARN without an account ID: {value}",
                    "such ARNs carry your account ID; write the profile ID instead, e.g. "
                    f'"{value.rsplit("/", 1)[1]}" (the workshop looks the ARN up).',
                )
            _geography(reader, value.rsplit("/", 1)[1], key, value)
        return value
    _geography(reader, value, key, value)
    if not MODEL_ID_PATTERN.fullmatch(value):
        raise reader.fail(
            key,
            f"is not a model or profile ID: {json.dumps(value)}",
            'use an ID such as "openai.gpt-oss-120b-1:0" or '
            '"us.amazon.nova-2-lite-v1:0" (list them with '
            "`aws bedrock list-foundation-models` and "
            "`aws bedrock list-inference-profiles`).",
        )
    return value


def _geography(reader: _Reader, identifier: str, key: str, shown: str) -> None:
    """Refuse a profile ID whose first part looks like a geography but is not one."""
    head, _, rest = identifier.partition(".")
    if head in GEOGRAPHY_PREFIXES or len(head) > 6:
        return
    if rest.partition(".")[0].lower() not in MODEL_PROVIDERS:
        return
    if head.lower() in GEOGRAPHY_PREFIXES:
        raise reader.fail(
            key,
            f"starts with '{head}.': profile and model IDs are lower case: {shown}",
            f"write {identifier.lower()}.",
        )
    raise reader.fail(
        key,
        f"starts with '{head}.', which is not a cross-region profile prefix: {shown}",
        f"use one of {', '.join(p + '.' for p in GEOGRAPHY_PREFIXES)} (Canada calls us. "
        "and global. profiles), or the bare model ID.",
    )


def bedrock_regions() -> set[str]:
    """The regions the installed botocore knows Bedrock in, in every partition."""
    import boto3

    session = boto3.session.Session()
    return {
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("bedrock", partition)
    }


def parse(raw: Any, path: Path, mode_override: str | None = None) -> WorkshopConfig:
    """A validated WorkshopConfig from already-decoded JSON."""
    reader = _Reader(path)
    reader.typed(raw, dict, "", 'an object: {"mode": "offline", ...}')
    reader.known_keys(raw, KEYS, "")
    mode = mode_override or raw.get("mode", "offline")
    mode_key = "WORKSHOP_MODE (environment)" if mode_override else "mode"
    if mode not in MODES:
        raise reader.fail(
            mode_key,
            f"is {json.dumps(mode)}",
            'use "offline" (the local stand-in, the default) or "aws".',
        )
    region = raw.get("region", "us-east-1")
    reader.typed(region, str, "region", '"us-east-1"')
    if not REGION_PATTERN.fullmatch(region):
        raise reader.fail(
            "region",
            f"is not an AWS region: {json.dumps(region)}",
            'use a region code such as "us-east-1" or "ap-northeast-1".',
        )
    known_regions = bedrock_regions()
    if region not in known_regions:
        near = difflib.get_close_matches(region, sorted(known_regions), n=1)
        raise reader.fail(
            "region",
            f"is not a region where Bedrock runs: {json.dumps(region)}",
            (f'did you mean "{near[0]}"? ' if near else "")
            + "Bedrock's regions are those botocore lists for it (upgrade boto3 if AWS added "
            "one recently).",
        )
    tag_key = raw.get("tag_key", "dept")
    reader.typed(tag_key, str, "tag_key", '"dept"')
    if not tag_key or not TAG_PATTERN.fullmatch(tag_key) or len(tag_key) > 128:
        raise reader.fail(
            "tag_key",
            f"is not a valid tag key: {json.dumps(tag_key)}",
            'use a key such as "dept", "team" or "cost_center".',
        )
    owner = raw.get("owner_tag", {"key": "workshop", "value": "bedrock-inference-profiles"})
    reader.typed(owner, dict, "owner_tag", '{"key": "workshop", "value": "..."}')
    reader.known_keys(owner, OWNER_KEYS, "owner_tag.")
    owner_pair = _tags(reader, {owner.get("key", ""): owner.get("value", "")}, "owner_tag")
    offline_raw = raw.get("offline", {})
    reader.typed(offline_raw, dict, "offline", '{"port": 4599}')
    reader.known_keys(offline_raw, OFFLINE_KEYS, "offline.")
    port = reader.typed(offline_raw.get("port", DEFAULT_PORT), int, "offline.port", "4599")
    if not 1024 <= port <= 65535:
        raise reader.fail("offline.port", f"is {port}", "use a free port between 1024 and 65535.")
    delay = reader.typed(
        offline_raw.get("stream_delay_ms", 15.0), (int, float), "offline.stream_delay_ms", "15"
    )
    cap = reader.typed(
        raw.get("spend_cap_usd", DEFAULT_SPEND_CAP_USD), (int, float), "spend_cap_usd", "1.0"
    )
    if cap < 0:
        raise reader.fail("spend_cap_usd", f"is {cap}", "use 0 or more US dollars.")
    profiles_raw = raw.get("profiles", [])
    reader.typed(profiles_raw, list, "profiles", '[{"name": ..., "copy_from": ...}]')
    profiles = []
    for i, item in enumerate(profiles_raw):
        where = f"profiles[{i}]"
        reader.typed(item, dict, where, '{"name": "claims_dept", "copy_from": "..."}')
        reader.known_keys(item, PROFILE_KEYS, f"{where}.")
        for required in ("name", "copy_from"):
            if required not in item:
                raise reader.fail(
                    f"{where}.{required}", "is missing", f"give each profile a {required}."
                )
        name = reader.text(
            item["name"],
            f"{where}.name",
            NAME_PATTERN,
            64,
            "a profile name",
            "claims_dept_haiku",
        )
        description = item.get("description")
        if description is not None:
            reader.text(
                description,
                f"{where}.description",
                DESCRIPTION_PATTERN,
                200,
                "a description",
                "Claims department summaries",
            )
        tags = _tags(reader, item.get("tags", {}), f"{where}.tags")
        if tag_key not in tags:
            raise reader.fail(
                f"{where}.tags",
                f"has no '{tag_key}' tag (the cost allocation tag key)",
                f'add "{tag_key}": "<department>" so its cost can be charged back.',
            )
        profiles.append(
            ProfileSpec(
                name, _copy_from(reader, item["copy_from"], f"{where}.copy_from"), description, tags
            )
        )
    names = [p.name for p in profiles]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise reader.fail(
            "profiles",
            f"names {', '.join(duplicates)} more than once",
            "give every profile its own name.",
        )
    analysed = raw.get("profile_names", [])
    reader.typed(analysed, list, "profile_names", '["claims_dept_haiku"]')
    for i, name in enumerate(analysed):
        reader.text(
            name,
            f"profile_names[{i}]",
            NAME_PATTERN,
            64,
            "a profile name",
            "claims_dept_haiku",
        )
    if not profiles and not analysed:
        raise reader.fail(
            "profiles",
            "is empty and there is no profile_names list",
            'list the profiles to create under "profiles" (see README), or the '
            'names of existing ones under "profile_names".',
        )
    return WorkshopConfig(
        path=path,
        mode=mode,
        region=region,
        tag_key=tag_key,
        owner_tag=next(iter(owner_pair.items())),
        profiles=tuple(profiles),
        profile_names=tuple(analysed),
        offline=OfflineSettings(port=port, stream_delay_ms=float(delay)),
        spend_cap_usd=float(cap),
    )


def load(path: str | os.PathLike[str] | None = None) -> WorkshopConfig:
    """Read and validate the workshop's config (``WORKSHOP_CONFIG`` / ``WORKSHOP_MODE`` apply)."""
    chosen = Path(path or os.environ.get("WORKSHOP_CONFIG") or DEFAULT_PATH).expanduser()
    if not chosen.is_file():
        raise ConfigError(
            f"{chosen}: config file not found.",
            f"create it (copy config.json from the repository) or point WORKSHOP_CONFIG at one; "
            f"working directory: {Path.cwd()}.",
        )
    text = chosen.read_text(encoding="utf-8")
    if not text.strip():
        raise ConfigError(
            f"{chosen}: the file is empty.",
            "restore it from the repository (git checkout config.json).",
        )
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{chosen}: line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg}).",
            "fix the JSON there: double quotes around keys and strings, no trailing commas, "
            "no comments.",
        ) from None
    override = os.environ.get("WORKSHOP_MODE") or None
    return parse(raw, chosen, override)
