"""The workshop's settings, read from config.json and checked before anything reaches AWS.

``load()`` reads ``config.json`` at the project root, or the file named by ``WORKSHOP_CONFIG``;
``WORKSHOP_MODE`` overrides the mode. The Japanese edition's notebooks (run from ``notebooks/ja``)
read ``config.tokyo.json`` instead, unless a path or ``WORKSHOP_CONFIG`` says otherwise. Every
mistake (missing file, bad JSON, unknown key, wrong type, a profile name AWS would refuse) is one
ConfigError naming the file, the key and the fix.
"""

from __future__ import annotations

import codecs
import difflib
import json
import math
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import i18n
from .catalog import GEOGRAPHY_PREFIXES
from .errors import ConfigError
from .i18n import N_, _

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATH = PROJECT_ROOT / "config.json"
# The Japanese edition's notebooks run in this folder, and default to the Tokyo config.
JAPANESE_DEFAULT_PATH = PROJECT_ROOT / "config.tokyo.json"
MODES = ("offline", "aws")
DEFAULT_PORT = 4599  # the stand-in's (config.json's offline.port and `python -m helpers.offline`)
DEFAULT_SPEND_CAP_USD = 1.0  # aws mode: the most one load may cost (loadgen.generate_load)

# AWS's own constraints (botocore's Bedrock service model), checked here so a typo fails early.
# Every pattern here sees what people type, so each must run in linear time: the two below are
# AWS's own, and each repetition takes exactly one letter or digit, so they cannot backtrack.
NAME_PATTERN = re.compile(r"([0-9a-zA-Z][ _-]?)+")
DESCRIPTION_PATTERN = re.compile(r"([0-9a-zA-Z:.][ _-]?)+")
TAG_PATTERN = re.compile(r"[a-zA-Z0-9\s._:/=+@-]*")
# Model IDs: a provider, '.', then parts joined by '.' or ':'. Each repetition starts with its
# separator, so a near-miss fails in one pass (a form with optional separators backtracked for
# minutes on "...-v1:0 ").
MODEL_ID_PATTERN = re.compile(r"[a-z0-9-]{1,63}[.][a-z0-9-]+(?:[.:][a-z0-9-]+)*")
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
# The longest pause the stand-in makes between streamed chunks: a reply of a few hundred chunks
# then still streams within minutes, where a typo such as 1e12 would stall every stream.
MAX_STREAM_DELAY_MS = 1000.0


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
    # aws mode: the most a load run may cost at list price, worst case (see loadgen.generate_load)
    spend_cap_usd: float = DEFAULT_SPEND_CAP_USD
    # tag value -> the department's name in reports and plots (tags themselves stay ASCII)
    display_names: dict[str, str] = field(default_factory=dict)
    # the language of the helpers' messages ("en" or "ja"); None: WORKSHOP_LANG or the edition's
    language: str | None = None

    @property
    def analysed_names(self) -> tuple[str, ...]:
        return self.profile_names or tuple(p.name for p in self.profiles)

    def display_names_for(self, key: str) -> dict[str, str]:
        """The names for the values of tag ``key``: ``display_names`` name ``tag_key``'s values
        only, so a report grouped by another key shows its values as they are."""
        return dict(self.display_names) if key == self.tag_key else {}

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
    "display_names",
    "language",
}
PROFILE_KEYS = {"name", "copy_from", "description", "tags"}
OFFLINE_KEYS = {"port", "stream_delay_ms"}
OWNER_KEYS = {"key", "value"}


def shown(value: Any) -> str:
    """A value as JSON for a message: non-ASCII letters as themselves, invisible ones escaped."""
    text = json.dumps(value, ensure_ascii=False)
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)


def _whitespace(text: str) -> str:
    """Where ``text`` has whitespace at its ends, in words ('' if none)."""
    ends = [
        side
        for side, edge in (("starts", text[:1]), ("ends", text[-1:]))
        if edge and (edge.isspace() or not edge.isprintable())
    ]
    return f"{' and '.join(ends)} with whitespace" if ends else ""


def _trimmed(text: str) -> str:
    """``text`` without whitespace or invisible characters (a zero-width space) at its ends."""
    invisible = {c for c in text[:1] + text[-1:] if c.isspace() or not c.isprintable()}
    while invisible:
        text = text.strip("".join(invisible))
        invisible = {c for c in text[:1] + text[-1:] if c.isspace() or not c.isprintable()}
    return text


def _non_finite(value: Any, where: str) -> str | None:
    """The key path of the first NaN or infinite number in ``value``, if any."""
    if isinstance(value, float) and not math.isfinite(value):
        return where
    if isinstance(value, dict):
        inner = ((f"{where}.{key}".lstrip("."), item) for key, item in value.items())
    elif isinstance(value, list):
        inner = ((f"{where}[{i}]", item) for i, item in enumerate(value))
    else:
        return None
    return next((found for path, item in inner if (found := _non_finite(item, path))), None)


class _Reader:
    """Type-checks values, raising one ConfigError that names the file and the key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, problem: str, fix: str) -> ConfigError:
        where = f"{self.path}: " + (_("key '{key}' ").format(key=key) if key else "")
        return ConfigError(where + problem, fix)

    def typed(self, value: Any, kind: type | tuple[type, ...], key: str, example: str) -> Any:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kind):
            fix = _("write it like {example}.").format(example=example)
            if int in kinds and isinstance(value, str) and value.strip().isdecimal():
                # "４５９９" or "4599": digits, but typed as text (full-width by a Japanese IME)
                fix = _(
                    "write it like {example}: a number in ASCII digits, without quotes."
                ).format(example=example)
            raise self.fail(
                key,
                _("must be {example}, not {value}").format(example=example, value=shown(value)),
                fix,
            )
        return value

    def number(
        self, value: Any, key: str, example: str, unit: str, low: float, high: float
    ) -> float:
        """A finite number from ``low`` to ``high`` (NaN and Infinity are refused)."""
        self.typed(value, (int, float), key, example)
        if not (isinstance(value, int) or math.isfinite(value)) or not low <= value <= high:
            span = (
                _("{low:g} or more").format(low=low)
                if math.isinf(high)
                else _("from {low:g} to {high:g}").format(low=low, high=high)
            )
            raise self.fail(
                key,
                _("is {value}").format(value=value),
                _("use a number of {unit}, {span}, e.g. {example}.").format(
                    unit=unit, span=span, example=example
                ),
            )
        return float(value)

    def known_keys(self, given: dict, allowed: set[str], where: str) -> None:
        for key in given:
            if key not in allowed:
                loose = {re.sub(r"[\s-]+", "_", k.strip().lower()): k for k in allowed}
                near = loose.get(re.sub(r"[\s-]+", "_", key.strip().lower()))
                if near is None:
                    close = difflib.get_close_matches(key.strip().lower(), sorted(allowed), n=1)
                    near = close[0] if close else None
                hint = _("did you mean '{near}'? ").format(near=near) if near else ""
                spaces = _whitespace(key)
                raise self.fail(
                    f"{where}{key}",
                    _("is not a setting the workshop knows")
                    + (
                        _(" (the key {spaces}: {key})").format(spaces=spaces, key=shown(key))
                        if spaces
                        else ""
                    ),
                    _("{hint}Known keys: {allowed}.").format(
                        hint=hint, allowed=", ".join(sorted(allowed))
                    ),
                )

    def no_whitespace(self, value: str, key: str, why: str) -> str:
        """Refuse a value with whitespace at its ends (a paste), showing where it is."""
        spaces = _whitespace(value)
        if spaces:
            raise self.fail(
                key,
                f"{spaces}: {shown(value)}",
                _("remove it: write {trimmed} ({why}).").format(
                    trimmed=shown(_trimmed(value)), why=why
                ),
            )
        return value

    def text(
        self, value: Any, key: str, pattern: re.Pattern[str], max_len: int, what: str, example: str
    ) -> str:
        self.typed(value, str, key, _('a string such as "{example}"').format(example=example))
        if not 1 <= len(value) <= max_len or not pattern.fullmatch(value):
            raise self.fail(
                key,
                _("holds {what} AWS would refuse: {value}").format(what=what, value=shown(value)),
                _(
                    "use 1-{max_len} characters matching {pattern} (letters, digits, single "
                    "spaces, '_' or '-' between them), e.g. \"{example}\"."
                ).format(max_len=max_len, pattern=pattern.pattern, example=example),
            )
        return value

    def name(self, value: Any, key: str) -> str:
        """A profile name: AWS's rule, and no whitespace at the ends."""
        self.typed(value, str, key, _('a string such as "claims_dept_haiku"'))
        self.no_whitespace(
            value, key, _("AWS would take a trailing space as part of another profile's name")
        )
        return self.text(value, key, NAME_PATTERN, 64, "a profile name", "claims_dept_haiku")


def _tags(reader: _Reader, value: Any, key: str, required: str | None = None) -> dict[str, str]:
    """Tags as AWS takes them; the ``required`` key must also hold a value."""
    reader.typed(value, dict, key, '{"dept": "claims"}')
    if len(value) > MAX_TAGS:
        raise reader.fail(
            key,
            _("has {value} tags").format(value=len(value)),
            _(
                "keep at most {max_tags} tags per profile (AWS allows 200, one goes to the "
                "workshop's ownership tag)."
            ).format(max_tags=MAX_TAGS),
        )
    for tag_key, tag_value in value.items():
        where = f"{key}.{tag_key}"
        reader.typed(tag_value, str, where, '"claims"')
        if not 1 <= len(tag_key) <= 128 or not TAG_PATTERN.fullmatch(tag_key):
            raise reader.fail(
                where,
                _("is not a valid tag key: {tag_key}").format(tag_key=shown(tag_key)),
                _("use 1-128 letters, digits, spaces or . _ : / = + @ -"),
            )
        reader.no_whitespace(tag_key, where, _("AWS would keep it as a different tag key"))
        if tag_key.lower().startswith("aws:"):
            raise reader.fail(where, _("uses the reserved prefix 'aws:'"), _("choose another key."))
        if len(tag_value) > 256 or not TAG_PATTERN.fullmatch(tag_value):
            raise reader.fail(
                where,
                _("has a value AWS would refuse: {tag_value}").format(tag_value=shown(tag_value)),
                _("use at most 256 letters, digits, spaces or . _ : / = + @ -"),
            )
        if tag_key == required and not tag_value.strip():
            raise reader.fail(
                where,
                _("is empty: {tag_value}").format(tag_value=shown(tag_value)),
                _(
                    'name the department, e.g. "{tag_key}": "claims": Cost Explorer groups a '
                    "blank value's cost under no department, and no budget covers it."
                ).format(tag_key=tag_key),
            )
        reader.no_whitespace(
            tag_value, where, _("Cost Explorer would count it as a department of its own")
        )
    return dict(value)


def _copy_from(reader: _Reader, value: Any, key: str) -> str:
    reader.typed(value, str, key, '"anthropic.claude-haiku-4-5-20251001-v1:0"')
    value = value.strip()  # an ID never holds whitespace: a pasted space is dropped
    if ":application-inference-profile/" in value:
        raise reader.fail(
            key,
            _("names an application inference profile"),
            _(
                'copy from a foundation model ID (e.g. "openai.gpt-oss-120b-1:0") or a '
                "system-defined profile ID (e.g. "
                '"global.anthropic.claude-haiku-4-5-20251001-v1:0"); AWS does not copy '
                "application profiles."
            ),
        )
    if value.startswith("arn:"):
        if not re.fullmatch(
            r"arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d{0,12}:"
            r"(foundation-model|inference-profile)/[a-zA-Z0-9-:.]+",
            value,
        ):
            raise reader.fail(
                key,
                _("is not a model or inference profile ARN: {value}").format(value=shown(value)),
                _("use a model ID or a system-defined profile ID instead."),
            )
        if ":inference-profile/" in value:
            if value.split(":")[4] == "":
                raise reader.fail(
                    key,
                    _("is a system-defined profile ARN without an account ID: {value}").format(
                        value=value
                    ),
                    _(
                        "such ARNs carry your account ID; write the profile ID instead, e.g. "
                        '"{rsplit}" (the workshop looks the ARN up).'
                    ).format(rsplit=value.rsplit("/", 1)[1]),
                )
            _geography(reader, value.rsplit("/", 1)[1], key, value)
        return value
    _geography(reader, value, key, value)
    if not MODEL_ID_PATTERN.fullmatch(value):
        raise reader.fail(
            key,
            _("is not a model or profile ID: {value}").format(value=shown(value)),
            _(
                'use an ID such as "openai.gpt-oss-120b-1:0" or "us.amazon.nova-2-lite-v1:0" '
                "(list them with `aws bedrock list-foundation-models` and `aws bedrock "
                "list-inference-profiles`)."
            ),
        )
    return value


def _geography(reader: _Reader, identifier: str, key: str, shown_id: str) -> None:
    """Refuse a profile ID whose first part looks like a geography but is not one."""
    head, _dot, rest = identifier.partition(".")
    if head in GEOGRAPHY_PREFIXES or len(head) > 6:
        return
    if rest.partition(".")[0].lower() not in MODEL_PROVIDERS:
        return
    if head.lower() in GEOGRAPHY_PREFIXES:
        raise reader.fail(
            key,
            _("starts with '{head}.': profile and model IDs are lower case: {shown_id}").format(
                head=head, shown_id=shown_id
            ),
            _("write {lower}.").format(lower=identifier.lower()),
        )
    raise reader.fail(
        key,
        _("starts with '{head}.', which is not a cross-region profile prefix: {shown_id}").format(
            head=head, shown_id=shown_id
        ),
        _("use one of {p} (Canada calls us. and global. profiles), or the bare model ID.").format(
            p=", ".join(p + "." for p in GEOGRAPHY_PREFIXES)
        ),
    )


def bedrock_regions() -> set[str]:
    """The regions the installed botocore knows Bedrock in, in every partition."""
    from .aws import new_session  # at call time: aws imports this module

    # botocore's endpoint data only: an AWS_PROFILE typo or a broken ~/.aws/config is for
    # aws.connect to explain, not a reason for the config check to fail
    session = new_session(offline=True)
    return {
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("bedrock", partition)
    }


def _duplicates(names: list[str]) -> list[str]:
    return sorted({n for n in names if names.count(n) > 1})


def parse(raw: Any, path: Path, mode_override: str | None = None) -> WorkshopConfig:
    """A validated WorkshopConfig from already-decoded JSON."""
    reader = _Reader(path)
    reader.typed(raw, dict, "", _('an object: {"mode": "offline", ...}'))
    reader.known_keys(raw, KEYS, "")
    non_finite = _non_finite(raw, "")
    if non_finite is not None:
        raise reader.fail(
            non_finite,
            _("is NaN or Infinity (JSON reads 1e400 and larger as Infinity)"),
            _(
                "write a plain number there: JSON has no NaN or Infinity (and a NaN would slip "
                "past every range check, such as the spend cap's)."
            ),
        )
    language = raw.get("language")
    if language is not None and i18n.normalise(language) is None:
        raise reader.fail("language", *i18n.problem_with(language))
    mode = mode_override or raw.get("mode", "offline")
    mode_key = "WORKSHOP_MODE (environment)" if mode_override else "mode"
    if isinstance(mode, str):
        mode = mode.strip()  # one of two words: a pasted space is dropped
    if mode not in MODES:
        raise reader.fail(
            mode_key,
            _("is {mode}").format(mode=shown(mode)),
            _('use "offline" (the local stand-in, the default) or "aws".'),
        )
    region = raw.get("region", "us-east-1")
    reader.typed(region, str, "region", '"us-east-1"')
    region = region.strip()  # region codes never hold whitespace
    if not REGION_PATTERN.fullmatch(region):
        raise reader.fail(
            "region",
            _("is not an AWS region: {region}").format(region=shown(region)),
            _('use a region code such as "us-east-1" or "ap-northeast-1".'),
        )
    known_regions = bedrock_regions()
    if region not in known_regions:
        near = difflib.get_close_matches(region, sorted(known_regions), n=1)
        raise reader.fail(
            "region",
            _("is not a region where Bedrock runs: {region}").format(region=shown(region)),
            (_('did you mean "{near}"? ').format(near=near[0]) if near else "")
            + _(
                "Bedrock's regions are those botocore lists for it (upgrade boto3 if AWS "
                "added one recently)."
            ),
        )
    tag_key = raw.get("tag_key", "dept")
    reader.typed(tag_key, str, "tag_key", '"dept"')
    if not tag_key.strip() or not TAG_PATTERN.fullmatch(tag_key) or len(tag_key) > 128:
        raise reader.fail(
            "tag_key",
            _("is not a valid tag key: {tag_key}").format(tag_key=shown(tag_key)),
            _('use a key such as "dept", "team" or "cost_center".'),
        )
    reader.no_whitespace(tag_key, "tag_key", _("AWS would keep it as a different tag key"))
    owner = raw.get("owner_tag", {"key": "workshop", "value": "bedrock-inference-profiles"})
    reader.typed(owner, dict, "owner_tag", '{"key": "workshop", "value": "..."}')
    reader.known_keys(owner, OWNER_KEYS, "owner_tag.")
    owner_pair = _tags(reader, {owner.get("key", ""): owner.get("value", "")}, "owner_tag")
    owner_key, owner_value = next(iter(owner_pair.items()))
    if not owner_value.strip():
        raise reader.fail(
            "owner_tag.value",
            _("is empty"),
            _(
                'give the ownership tag a value, e.g. "bedrock-inference-profiles": clean-up '
                "deletes only what carries it."
            ),
        )
    if owner_key == tag_key:
        raise reader.fail(
            "owner_tag",
            _("uses the tag key {owner_key}, which is also tag_key").format(
                owner_key=shown(owner_key)
            ),
            _owner_fix(owner_key),
        )
    offline_raw = raw.get("offline", {})
    reader.typed(offline_raw, dict, "offline", f'{{"port": {DEFAULT_PORT}}}')
    reader.known_keys(offline_raw, OFFLINE_KEYS, "offline.")
    port = reader.typed(
        offline_raw.get("port", DEFAULT_PORT), int, "offline.port", str(DEFAULT_PORT)
    )
    if not 1024 <= port <= 65535:
        raise reader.fail(
            "offline.port",
            _("is {port}").format(port=port),
            _("use a free port between 1024 and 65535."),
        )
    delay = reader.number(
        offline_raw.get("stream_delay_ms", 15.0),
        "offline.stream_delay_ms",
        "15",
        _("milliseconds between streamed chunks"),
        0,
        MAX_STREAM_DELAY_MS,
    )
    cap = reader.number(
        raw.get("spend_cap_usd", DEFAULT_SPEND_CAP_USD),
        "spend_cap_usd",
        str(DEFAULT_SPEND_CAP_USD),
        "US dollars",
        0,
        math.inf,
    )
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
                    f"{where}.{required}",
                    _("is missing"),
                    _("give each profile a {required}.").format(required=required),
                )
        name = reader.name(item["name"], f"{where}.name")
        description = item.get("description")
        if description is not None:
            reader.typed(description, str, f"{where}.description", '"Claims summaries"')
            description = reader.text(
                description.strip(),  # free text that names nothing: pasted spaces are dropped
                f"{where}.description",
                DESCRIPTION_PATTERN,
                200,
                "a description",
                "Claims department summaries",
            )
        tags = _tags(reader, item.get("tags", {}), f"{where}.tags", tag_key)
        if tag_key not in tags:
            raise reader.fail(
                f"{where}.tags",
                _("has no '{tag_key}' tag (the cost allocation tag key)").format(tag_key=tag_key),
                _('add "{tag_key}": "<department>" so its cost can be charged back.').format(
                    tag_key=tag_key
                ),
            )
        if owner_key in tags:
            raise reader.fail(
                "owner_tag",
                _("uses the tag key {owner_key}, which {where}.tags also sets").format(
                    owner_key=shown(owner_key), where=where
                ),
                _owner_fix(owner_key),
            )
        profiles.append(
            ProfileSpec(
                name, _copy_from(reader, item["copy_from"], f"{where}.copy_from"), description, tags
            )
        )
    duplicates = _duplicates([p.name for p in profiles])
    if duplicates:
        raise reader.fail(
            "profiles",
            _("names {duplicates} more than once").format(duplicates=", ".join(duplicates)),
            _(
                "give every profile its own name (each would be created, called and charged "
                "once per entry)."
            ),
        )
    display_names = _display_names(reader, raw.get("display_names", {}), profiles, tag_key)
    analysed = raw.get("profile_names", [])
    reader.typed(analysed, list, "profile_names", '["claims_dept_haiku"]')
    for i, name in enumerate(analysed):
        reader.name(name, f"profile_names[{i}]")
    duplicates = _duplicates(analysed)
    if duplicates:
        raise reader.fail(
            "profile_names",
            _("names {n} more than once").format(n=", ".join(shown(n) for n in duplicates)),
            _("list each profile once: a repeated name counts its usage and cost twice."),
        )
    if not profiles and not analysed:
        raise reader.fail(
            "profiles",
            _("is empty and there is no profile_names list"),
            _(
                'list the profiles to create under "profiles" (see README), or the names of '
                'existing ones under "profile_names".'
            ),
        )
    return WorkshopConfig(
        path=path,
        mode=mode,
        region=region,
        tag_key=tag_key,
        owner_tag=(owner_key, owner_value),
        profiles=tuple(profiles),
        profile_names=tuple(analysed),
        offline=OfflineSettings(port=port, stream_delay_ms=delay),
        spend_cap_usd=cap,
        display_names=display_names,
        language=i18n.normalise(language),
    )


def _display_names(
    reader: _Reader, value: Any, profiles: list[ProfileSpec], tag_key: str
) -> dict[str, str]:
    """``display_names``: tag value -> name shown for it, both trimmed; a key no profile's tag
    carries is warned about (it may name a department of profiles made elsewhere), not refused."""
    reader.typed(value, dict, "display_names", '{"keiri": "経理部"}')
    names: dict[str, str] = {}
    for raw_key, name in value.items():
        where = f"display_names.{raw_key}"
        reader.typed(name, str, where, '"経理部"')
        key, name = _trimmed(raw_key), _trimmed(name)
        if not key or len(key) > 256 or not TAG_PATTERN.fullmatch(key):
            raise reader.fail(
                where,
                _("is not a tag value: {key}").format(key=shown(raw_key)),
                _(
                    'the key is the department\'s "{tag_key}" tag value (ASCII, as AWS requires) '
                    'and the value its name, e.g. "keiri": "経理部".'
                ).format(tag_key=tag_key),
            )
        if not name:
            raise reader.fail(where, _("is empty"), _('give the name to show, e.g. "経理部".'))
        if key in names:
            raise reader.fail(
                where,
                _("names the tag value {key} twice").format(key=shown(key)),
                _("keep one of the two."),
            )
        names[key] = name
    carried = {p.tags.get(tag_key) for p in profiles}
    # a department without a name is shown as its tag value: two departments must not look alike
    shown_as: dict[str, str] = {}
    for tag_value in sorted({*names, *(c for c in carried if c)}):
        name = names.get(tag_value, tag_value)
        if name in shown_as:
            first = shown_as[name]
            raise reader.fail(
                f"display_names.{tag_value if tag_value in names else first}",
                _("would show {first} and {second} both as {name}").format(
                    first=shown(first), second=shown(tag_value), name=shown(name)
                ),
                _(
                    "give each department a name of its own (a department not named here is "
                    "shown as its tag value)."
                ),
            )
        shown_as[name] = tag_value
    unknown = sorted(k for k in names if profiles and k not in carried)
    if unknown:
        warnings.warn(
            _(
                "{path}: display_names has {keys}, which no profile's '{tag_key}' tag carries "
                "(a typo? it names nothing in these reports)"
            ).format(path=reader.path, keys=", ".join(shown(k) for k in unknown), tag_key=tag_key),
            UserWarning,
            stacklevel=4,
        )
    return names


def _owner_fix(owner_key: str) -> str:
    return _(
        "choose an owner_tag key that neither tag_key nor any profile's tags use (the "
        'default is {{"key": "workshop", "value": "bedrock-inference-profiles"}}): '
        "clean-up deletes every profile carrying the owner tag, so a shared key such as "
        "{owner_key} would make it take other teams' profiles for the workshop's."
    ).format(owner_key=shown(owner_key))


# Byte-order marks that name their encoding unambiguously; UTF-32 before UTF-16 (FF FE 00 00).
BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# What a file that is not UTF-8 was most likely saved as, tried in this order.
LEGACY_ENCODINGS = (("Shift-JIS (Japanese Windows)", "cp932"), ("Windows-1252 / Latin-1", "cp1252"))
RESAVE_FIX = N_(
    'save it as UTF-8: in the editor, "Save with Encoding" > UTF-8; in PowerShell, '
    "`(Get-Content config.json) | Set-Content -Encoding utf8 config.json` (or `Out-File "
    "-Encoding utf8`)."
)


def _decode(data: bytes, path: Path) -> str:
    """The text of config.json: UTF-8, or UTF-16/32 with a BOM; anything else is refused."""
    encoding = next((name for bom, name in BOMS if data.startswith(bom)), None)
    if encoding is None and b"\x00" in data[:4]:  # UTF-16/32 without a BOM: JSON starts ASCII
        encoding = json.detect_encoding(data)
    try:
        return data.decode(encoding or "utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        where = f"{path}: byte {exc.start} (line {line})"
        if encoding is not None:
            raise ConfigError(
                _(
                    "{where} is not {upper}, as the start of the file says: it is cut short or "
                    "damaged."
                ).format(where=where, upper=encoding.upper()),
                _(RESAVE_FIX),
            ) from None
        raise ConfigError(
            _("{where} is not UTF-8: the file looks saved as {legacy}.").format(
                where=where, legacy=_legacy(data, exc.start)
            ),
            _(RESAVE_FIX),
        ) from None


def _legacy(data: bytes, at: int) -> str:
    """The legacy encodings ``data`` decodes in, each with the text around byte ``at``."""
    start = data.rfind(b"\n", 0, at) + 1
    end = data.find(b"\n", at)
    readings = []
    for label, encoding in LEGACY_ENCODINGS:
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        before = data[start:at].decode(encoding, errors="replace")[-20:].lstrip()
        after = data[at : end if end >= 0 else len(data)].decode(encoding, errors="replace")
        text = before + after[:20].rstrip()
        visible = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)
        readings.append(
            _("{label}, where it reads: {visible}").format(label=label, visible=visible)
        )
    return _(" or as ").join(readings) or _("an encoding other than UTF-8")


def _pairs_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (JSON would silently keep the last)."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(key)
        seen[key] = value
    return seen


def _located(given: Path) -> Path:
    """A relative path from the working directory or, failing that, from the project root.

    ``WORKSHOP_CONFIG=config.tokyo.json make lab`` names it from the project root, while the
    notebooks' kernels run in ``notebooks/``: both must find the same file.
    """
    if given.is_absolute() or given.is_file():
        return given
    from_root = PROJECT_ROOT / given
    return from_root if from_root.is_file() else given


def default_path() -> Path:
    """config.json; config.tokyo.json when the working directory is the Japanese edition's."""
    return JAPANESE_DEFAULT_PATH if i18n.edition_here() == "ja" else DEFAULT_PATH


def load(path: str | os.PathLike[str] | None = None) -> WorkshopConfig:
    """Read and validate the workshop's config (``WORKSHOP_CONFIG`` / ``WORKSHOP_MODE`` apply).

    Without either, config.json; in a notebook of the Japanese edition (``notebooks/ja``),
    config.tokyo.json.
    """
    given = Path(path or os.environ.get("WORKSHOP_CONFIG") or default_path()).expanduser()
    chosen = _located(given)
    if not chosen.is_file():
        tried = f"{Path.cwd()}" if given.is_absolute() else f"{Path.cwd()} and {PROJECT_ROOT}"
        raise ConfigError(
            _("{given}: config file not found.").format(given=given),
            _(
                "create it (copy config.json from the repository) or point WORKSHOP_CONFIG at "
                "one; a relative path is looked for in {tried}."
            ).format(tried=tried),
        )
    text = _decode(chosen.read_bytes(), chosen)
    if not text.strip():
        raise ConfigError(
            _("{chosen}: the file is empty.").format(chosen=chosen),
            _("restore it from the repository (git checkout config.json)."),
        )
    try:
        raw = json.loads(text, object_pairs_hook=_pairs_once)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            _("{chosen}: line {lineno}, column {colno}: not valid JSON ({msg}).").format(
                chosen=chosen, lineno=exc.lineno, colno=exc.colno, msg=exc.msg
            ),
            _(
                "fix the JSON there: double quotes around keys and strings, no trailing "
                "commas, no comments."
            ),
        ) from None
    except ValueError as exc:
        raise ConfigError(
            _("{chosen}: the key {args} appears twice in one object.").format(
                chosen=chosen, args=shown(exc.args[0])
            ),
            _("keep one of them: JSON would silently use the last."),
        ) from None
    override = os.environ.get("WORKSHOP_MODE") or None
    # the language first, so the config's own errors are shown in it
    i18n.set_language(i18n.normalise(raw.get("language")) if isinstance(raw, dict) else None)
    i18n.check_environment()  # a WORKSHOP_LANG that names no language is reported here
    return parse(raw, chosen, override)
