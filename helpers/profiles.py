"""Application inference profiles: create the workshop's, find, inspect, tag and delete them.

Each function makes its AWS call in plain sight (``conn.bedrock.create_inference_profile(...)``)
so a notebook reader can see what is sent; the helpers add what the raw API leaves to the
caller: pagination, idempotence, the ownership rule, tags in bulk, and DataFrames to look at.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from . import ownership
from .catalog import scope_of_model_arns, scope_of_prefix, split_profile_id
from .config import SYSTEM_PROFILE_PATTERN, ProfileSpec, WorkshopConfig
from .errors import ConfigError, InputError, explained
from .i18n import N_, _

if TYPE_CHECKING:
    import pandas as pd

    from .aws import Connection

RESOURCE_TYPE = "bedrock:application-inference-profile"
# A global profile's region-less model ARN (arn:aws:bedrock:::foundation-model/...) means this.
ANY_REGION = N_("any commercial region")  # translated where shown (regions)
TAG_COLUMN_PREFIX = "tag:"


@dataclass(frozen=True)
class Profile:
    """An inference profile as AWS describes it."""

    name: str
    profile_id: str
    arn: str
    type: str  # APPLICATION | SYSTEM_DEFINED
    status: str
    model_arns: tuple[str, ...]
    description: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def model_id(self) -> str:
        """The foundation model it runs (profile ARNs are opaque; the model ARN is not)."""
        return self.model_arns[0].rsplit("/", 1)[1]

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions it routes requests to; a global profile adds "any commercial region"."""
        return tuple(arn.split(":")[3] or _(ANY_REGION) for arn in self.model_arns)

    @property
    def scope(self) -> str:
        """in-region, geo or global: which price its calls are billed at."""
        return scope_of_model_arns(self.model_arns)

    @classmethod
    def from_aws(cls, item: dict[str, Any], tags: dict[str, str] | None = None) -> Profile:
        return cls(
            name=item["inferenceProfileName"],
            profile_id=item["inferenceProfileId"],
            arn=item["inferenceProfileArn"],
            type=item["type"],
            status=item["status"],
            model_arns=tuple(m["modelArn"] for m in item["models"]),
            description=item.get("description"),
            created_at=item.get("createdAt"),
            updated_at=item.get("updatedAt"),
            tags=dict(tags or {}),
        )


def model_of(copy_from: str) -> str:
    """The foundation model ID inside a model ID, a system profile ID, or either's ARN."""
    return split_profile_id(copy_from)[1]


def source_arn(conn: Connection, copy_from: str) -> str:
    """The ARN ``modelSource.copyFrom`` needs, for a model ID, a system profile ID or an ARN."""
    if copy_from.startswith("arn:"):
        return copy_from
    if SYSTEM_PROFILE_PATTERN.fullmatch(copy_from):
        # system profile ARNs carry the account ID: ask AWS rather than guess it
        with explained(
            _("look up the system-defined inference profile {copy_from}").format(
                copy_from=copy_from
            ),
            region=conn.region,
            model=copy_from,
        ):
            found = conn.bedrock.get_inference_profile(inferenceProfileIdentifier=copy_from)
        return found["inferenceProfileArn"]
    from .catalog import load

    return (
        f"arn:{load().partition(conn.region)}:bedrock:{conn.region}::foundation-model/{copy_from}"
    )


def create_request(conn: Connection, spec: ProfileSpec, owner_tag: tuple[str, str]) -> dict:
    """The CreateInferenceProfile request for a spec: its tags plus the ownership tag."""
    request: dict[str, Any] = {
        "inferenceProfileName": spec.name,
        "modelSource": {"copyFrom": source_arn(conn, spec.copy_from)},
        "tags": [
            {"key": k, "value": v} for k, v in {**spec.tags, owner_tag[0]: owner_tag[1]}.items()
        ],
    }
    if spec.description:
        request["description"] = spec.description
    return request


def cli_command(request: dict, region: str) -> str:
    """The AWS CLI command equivalent to a CreateInferenceProfile request."""
    import json

    parts = [
        "aws bedrock create-inference-profile",
        f"  --region {region}",
        f"  --inference-profile-name '{request['inferenceProfileName']}'",
    ]
    if request.get("description"):
        parts.append(f"  --description '{request['description']}'")
    parts.append(f"  --model-source '{json.dumps(request['modelSource'], ensure_ascii=False)}'")
    parts.append(f"  --tags '{json.dumps(request['tags'], ensure_ascii=False)}'")
    return " \\\n".join(parts)


def list_profiles(conn: Connection, type_equals: str = "APPLICATION") -> list[Profile]:
    """Every profile of a type, across all pages (AWS lists SYSTEM_DEFINED when no type is set)."""
    if type_equals not in ("APPLICATION", "SYSTEM_DEFINED"):
        raise InputError(
            _("type_equals must be APPLICATION or SYSTEM_DEFINED, not {type_equals!r}").format(
                type_equals=type_equals
            )
        )
    out: list[Profile] = []
    with explained(_("list inference profiles")):
        for page in conn.bedrock.get_paginator("list_inference_profiles").paginate(
            typeEquals=type_equals, PaginationConfig={"PageSize": 1000}
        ):
            out.extend(Profile.from_aws(item) for item in page["inferenceProfileSummaries"])
    return out


def tags_of(conn: Connection, arn: str) -> dict[str, str]:
    with explained(_("read the tags of {arn}").format(arn=arn)):
        listed = conn.bedrock.list_tags_for_resource(resourceARN=arn)["tags"]
    return {t["key"]: t["value"] for t in listed}


def _require_owned(arn: str, tags: dict[str, str], owner_tag: tuple[str, str], doing: str) -> None:
    if not ownership.owns(tags, owner_tag):
        key, value = owner_tag
        raise InputError(
            _(
                "The workshop does not {doing} {arn}: it is not the workshop's profile (no "
                "{key}={value} tag), so it belongs to someone else."
            ).format(doing=doing, arn=arn, key=key, value=value),
            _(
                "change tags only on the workshop's own profiles (those 01_create_profiles "
                "made); ask the profile's owner to change theirs."
            ),
        )


def tag(
    conn: Connection, arn: str, tags: dict[str, str], owner_tag: tuple[str, str]
) -> dict[str, str]:
    """Add new tags to one of the workshop's profiles; returns its tags afterwards.

    A key the profile already has is never overwritten, and a profile without the ownership
    tag is never tagged (call ``conn.bedrock.tag_resource`` yourself to change a tag on purpose).
    """
    if not isinstance(tags, dict):
        raise InputError(
            _("Tags are a dict of key and value, not {name} {tags!r}.").format(
                name=type(tags).__name__, tags=tags
            ),
            _('pass a dict such as {"reviewed_by": "finops"}.'),
        )
    if not tags:
        raise InputError(_("No tags given."), _('pass a dict such as {"reviewed_by": "finops"}.'))
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise InputError(
            _("Tag keys and values must be strings: {tags!r}.").format(tags=tags),
            _('pass a dict such as {"reviewed_by": "finops"}.'),
        )
    before = tags_of(conn, arn)
    _require_owned(arn, before, owner_tag, _("tag"))
    taken = sorted(set(tags) & set(before))
    if taken:
        raise InputError(
            _(
                "{arn} already has the tag(s) {value}; tagging would overwrite them (and "
                "untagging afterwards would remove them)."
            ).format(arn=arn, value=", ".join(f"{k}={before[k]}" for k in taken)),
            _("choose a key the profile does not have yet (it has {before}).").format(
                before=", ".join(sorted(before))
            ),
        )
    with explained(_("tag {arn}").format(arn=arn)):
        conn.bedrock.tag_resource(
            resourceARN=arn, tags=[{"key": k, "value": v} for k, v in tags.items()]
        )
    return tags_of(conn, arn)


def untag(
    conn: Connection, arn: str, keys: list[str] | str, owner_tag: tuple[str, str]
) -> dict[str, str]:
    """Remove tags from one of the workshop's profiles; returns its tags afterwards.

    ``keys`` is a list of keys, or one key. The ownership tag stays (without it, clean-up
    would take the profile for someone else's), and other teams' profiles are left alone.
    """
    keys = ownership.text_list(keys, "keys", '["reviewed_by"]')
    if not keys:
        raise InputError(
            _("No tag keys given."), _('pass the keys to remove, such as ["reviewed_by"].')
        )
    if owner_tag[0] in keys:
        raise InputError(
            _(
                "Removing {owner_tag} would take away the workshop's ownership tag; clean-up "
                "would then keep the profile as someone else's."
            ).format(owner_tag=owner_tag[0]),
            _("leave {owner_tag} out of the keys to remove.").format(owner_tag=owner_tag[0]),
        )
    _require_owned(arn, tags_of(conn, arn), owner_tag, _("untag"))
    with explained(_("untag {arn}").format(arn=arn)):
        conn.bedrock.untag_resource(resourceARN=arn, tagKeys=keys)
    return tags_of(conn, arn)


def tags_in_bulk(conn: Connection, tag_filters: list[dict] | None = None) -> dict[str, dict]:
    """ARN -> tags of every tagged application profile, 100 per tagging-API page."""
    request: dict[str, Any] = {"ResourceTypeFilters": [RESOURCE_TYPE], "ResourcesPerPage": 100}
    if tag_filters:
        request["TagFilters"] = tag_filters
    out: dict[str, dict] = {}
    with explained(
        _("read profile tags through the Resource Groups Tagging API (tag:GetResources)")
    ):
        for page in conn.tagging.get_paginator("get_resources").paginate(**request):
            for item in page["ResourceTagMappingList"]:
                out[item["ResourceARN"]] = {t["Key"]: t["Value"] for t in item["Tags"]}
    return out


def find_by_tag(conn: Connection, key: str, values: list[str] | str | None = None) -> list[str]:
    """ARNs of application profiles tagged ``key`` (with one of ``values``, if given).

    ``values`` is a list of values, or one value.
    """
    if not isinstance(key, str) or not key:
        raise InputError(
            _("The tag key must be a non-empty string, not {key!r}.").format(key=key),
            _('pass for example "dept".'),
        )
    tag_filter: dict[str, Any] = {"Key": key}
    if values is not None:
        values = ownership.text_list(values, "values", '["claims"] or "claims"')
    if values:
        tag_filter["Values"] = values
    return sorted(tags_in_bulk(conn, [tag_filter]))


def all_application_profiles(conn: Connection) -> list[Profile]:
    """Every application profile with its tags: listing pages plus one tagging page per 100."""
    tags = tags_in_bulk(conn)
    return [replace(p, tags=tags.get(p.arn, {})) for p in list_profiles(conn)]


def inventory(conn: Connection, found: list[Profile] | None = None) -> pd.DataFrame:
    """One row per application profile: model, status, dates, routing, one column per tag.

    Pass ``found`` (from ``all_application_profiles``) to reuse profiles already fetched.
    """
    import pandas as pd

    rows = []
    for p in found if found is not None else all_application_profiles(conn):
        row = {
            "name": p.name,
            "profile_id": p.profile_id,
            "model_id": p.model_id,
            "scope": p.scope,
            "regions": ", ".join(p.regions),
            "status": p.status,
            "created_at": p.created_at,
            "updated_at": p.updated_at,
            "arn": p.arn,
        }
        row.update({TAG_COLUMN_PREFIX + k: v for k, v in sorted(p.tags.items())})
        rows.append(row)
    columns = [
        "name",
        "profile_id",
        "model_id",
        "scope",
        "regions",
        "status",
        "created_at",
        "updated_at",
        "arn",
    ]
    frame = pd.DataFrame(
        rows,
        columns=columns + sorted({c for r in rows for c in r if c.startswith(TAG_COLUMN_PREFIX)}),
    )
    return frame.sort_values("name", kind="stable").reset_index(drop=True)


def _not_found_yet(code: str, message: str) -> bool:
    """Not found by ID: look for it by name next (a retired model's profile is not that)."""
    return code == "ResourceNotFoundException" and "end of its life" not in message


def resolve(conn: Connection, identifier: str) -> Profile:
    """A profile from its name, ID or ARN (application or system-defined), with its tags."""
    if not identifier or not identifier.strip():
        raise InputError(_("No profile given."), _("pass a profile name, ID or ARN."))
    looks_like_id = (
        identifier.startswith("arn:")
        or "." in identifier
        or (len(identifier) == 12 and identifier.isalnum() and identifier.islower())
    )
    if looks_like_id:
        with explained(
            _("look up the inference profile {identifier}").format(identifier=identifier),
            tolerate=_not_found_yet,
            region=conn.region,
            model=identifier,
        ) as not_found:
            item = conn.bedrock.get_inference_profile(inferenceProfileIdentifier=identifier)
        if not not_found:
            tags = (
                tags_of(conn, item["inferenceProfileArn"]) if item["type"] == "APPLICATION" else {}
            )
            return Profile.from_aws(item, tags)
    for profile in list_profiles(conn):
        if profile.name == identifier:
            return replace(profile, tags=tags_of(conn, profile.arn))
    prefix, model_id = split_profile_id(identifier)
    if prefix is not None:
        from .catalog import load

        data = load()
        listing = f"`aws bedrock list-inference-profiles --region {conn.region}`"
        if model_id not in data.models:
            raise InputError(
                _(
                    "There is no system-defined profile {identifier} in {region}, and "
                    "{model_id} is not a model the workshop's catalog knows."
                ).format(identifier=identifier, region=conn.region, model_id=model_id),
                _(
                    "check the model ID's spelling against {listing}; change copy_from in "
                    "config.json (or the profile you passed)."
                ).format(listing=listing),
            )
        here = data.callable_ids(model_id, conn.region)
        raise InputError(
            _("The system-defined profile {identifier} cannot be called from {region}.").format(
                identifier=identifier, region=conn.region
            ),
            _(
                "from {region} call {here} instead (change copy_from in config.json, or the "
                "profile you passed)."
            ).format(region=conn.region, here=" or ".join(here))
            if here
            else _(
                "{model_id} is not offered in {region}: change the region, or choose a "
                "model {listing} lists."
            ).format(model_id=model_id, region=conn.region, listing=listing),
        )
    raise InputError(
        _("No inference profile named or identified {identifier!r} in {region}.").format(
            identifier=identifier, region=conn.region
        ),
        _(
            "if it is one of config.json's profiles, run 01_create_profiles (it creates them; "
            "99_cleanup deletes them); otherwise check the spelling: profiles.inventory(conn) "
            "lists the application profiles."
        ),
    )


def to_create(cfg: WorkshopConfig) -> tuple[ProfileSpec, ...]:
    """The profiles config.json asks the workshop to create; a clear message when there are none."""
    if not cfg.profiles:
        raise ConfigError(
            _(
                "{name} lists no profiles to create: it names existing ones under "
                "profile_names only, so 01_create_profiles has nothing to do."
            ).format(name=cfg.path.name),
            _(
                'to create profiles, add a "profiles" list (README > Configuration shows one); '
                "to analyse the profiles in profile_names, go on with 02_inspect_profiles."
            ),
        )
    return cfg.profiles


def _scope_of_source(copy_from: str) -> str:
    return scope_of_prefix(split_profile_id(copy_from)[0])


# What mismatch() says of a profile that is someone else's; _refuse looks for it.
FOREIGN = N_("belongs to someone else")


def mismatch(profile: Profile, spec: ProfileSpec, owner_tag: tuple[str, str]) -> str | None:
    """Why an existing profile named as ``spec`` cannot serve as it (None when it can).

    A profile without the ownership tag is someone else's; one of the workshop's that runs
    another model, or routes otherwise, was made from an older config.json.
    """
    key, value = owner_tag
    if not ownership.owns(profile.tags, owner_tag):
        return _(
            "{name} exists but is not the workshop's (no {key}={value} tag): it {foreign}, "
            "and runs {model_id} ({scope})"
        ).format(
            name=profile.name,
            key=key,
            value=value,
            foreign=_(FOREIGN),
            model_id=profile.model_id,
            scope=profile.scope,
        )
    wanted_model, wanted_scope = model_of(spec.copy_from), _scope_of_source(spec.copy_from)
    if (profile.model_id, profile.scope) != (wanted_model, wanted_scope):
        return _(
            "the workshop's {name} runs {model_id} ({scope}), but config.json copies it from "
            "{copy_from} ({wanted_scope})"
        ).format(
            name=profile.name,
            model_id=profile.model_id,
            scope=profile.scope,
            copy_from=spec.copy_from,
            wanted_scope=wanted_scope,
        )
    return None


def _refuse(problems: list[str], cfg: WorkshopConfig) -> ConfigError:
    foreign = any(_(FOREIGN) in p for p in problems)
    fix = (
        _(
            'give the workshop\'s profile another name in config.json ("profiles" > "name"); '
            "the workshop never uses, changes or deletes a profile it did not create"
        )
        if foreign
        else _(
            "a profile's model never changes: give the profile a new name in config.json, "
            "or delete the old one (99_cleanup) and run 01_create_profiles again"
        )
    )
    return ConfigError(
        _("Profile name(s) in {name} are taken in {region}: ").format(
            name=cfg.path.name, region=cfg.region
        )
        + "; ".join(problems)
        + ".",
        fix + ".",
    )


def ensure(conn: Connection, cfg: WorkshopConfig) -> pd.DataFrame:
    """Create the configured profiles that do not exist; reuse the workshop's own. Idempotent.

    A profile of the same name that is someone else's (no ownership tag), or the workshop's on
    another model, stops it before anything is created. Safe when two kernels run it at once:
    AWS refuses the second create of a name with ConflictException, and the loser then reuses
    the winner's profile.
    """
    import pandas as pd

    specs = to_create(cfg)
    existing = {p.name: p for p in list_profiles(conn)}
    bulk_tags = tags_in_bulk(conn) if existing else {}
    existing = {n: replace(p, tags=bulk_tags.get(p.arn, {})) for n, p in existing.items()}
    problems = [
        reason
        for spec in specs
        if spec.name in existing
        and (reason := mismatch(existing[spec.name], spec, cfg.owner_tag)) is not None
    ]
    if problems:
        raise _refuse(problems, cfg)
    rows = []
    for spec in specs:
        found = existing.get(spec.name)
        action = "reused"
        if found is None:
            request = create_request(conn, spec, cfg.owner_tag)
            with explained(
                _("create the inference profile {name}").format(name=spec.name),
                tolerate=("ConflictException",),
                region=conn.region,
                model=spec.copy_from,
            ) as taken:
                arn = conn.bedrock.create_inference_profile(**request)["inferenceProfileArn"]
                action = "created"
            if taken:
                arn = resolve(conn, spec.name).arn  # created meanwhile, by us or someone else
            found = resolve(conn, arn)
            if action == "reused" and (reason := mismatch(found, spec, cfg.owner_tag)):
                raise _refuse([reason], cfg)
        tags = found.tags
        rows.append(
            {
                "name": spec.name,
                "profile_id": found.profile_id,
                "action": action,
                "owned_by_workshop": ownership.owns(tags, cfg.owner_tag),
                "copied_from": spec.copy_from,
                "model_id": found.model_id,
                "scope": found.scope,
                "regions": ", ".join(found.regions),
                cfg.tag_key: tags.get(cfg.tag_key, ""),
                "arn": found.arn,
            }
        )
    return pd.DataFrame(rows)


def analysed(conn: Connection, cfg: WorkshopConfig) -> list[Profile]:
    """The profiles to analyse and call (``cfg.analysed_names``), with their tags.

    A name config.json asks the workshop to create must be the workshop's own profile on the
    configured model: otherwise calls through it would be billed to someone else. Names listed
    only under ``profile_names`` are existing profiles chosen on purpose and used as they are.
    """
    specs = {spec.name: spec for spec in cfg.profiles}
    named: list[tuple[str, Profile]] = []
    missing: list[InputError] = []
    for name in cfg.analysed_names:
        try:
            named.append((name, resolve(conn, name)))
        except InputError as error:
            missing.append(error)
    _refuse_repeats(named, cfg)
    found = [profile for _, profile in named]
    problems = [
        reason
        for profile in found
        if profile.name in specs
        and (reason := mismatch(profile, specs[profile.name], cfg.owner_tag)) is not None
    ]
    if problems:  # someone else's profile outweighs a missing one: say that first
        raise _refuse(problems, cfg)
    if missing:
        raise missing[0]
    return found


def _refuse_repeats(named: list[tuple[str, Profile]], cfg: WorkshopConfig) -> None:
    """One profile listed twice (by name and by ID or ARN) would be counted and charged twice."""
    by_arn: dict[str, list[str]] = {}
    for name, profile in named:
        by_arn.setdefault(profile.arn, []).append(name)
    repeats = {arn: names for arn, names in by_arn.items() if len(names) > 1}
    if repeats:
        described = "; ".join(
            f"{next(p.name for _, p in named if p.arn == arn)} as "
            + " and ".join(repr(n) for n in names)
            for arn, names in repeats.items()
        )
        raise ConfigError(
            _(
                "{name} names one profile more than once (by its name, ID or ARN): "
                "{described}. Its usage and cost would be counted twice."
            ).format(name=cfg.path.name, described=described),
            _("list each profile once in profile_names (or profiles)."),
        )


def to_analyse(conn: Connection, cfg: WorkshopConfig) -> tuple[list[Profile], list[str]]:
    """The profiles to analyse that exist, and the names that do not (skipped, not fatal).

    Each profile counts once: one named twice (by name and by ID) is refused.
    """
    named: list[tuple[str, Profile]] = []
    missing: list[str] = []
    for name in cfg.analysed_names:
        try:
            named.append((name, resolve(conn, name)))
        except InputError:
            missing.append(name)
    _refuse_repeats(named, cfg)
    if not named:
        listed = ", ".join(missing)
        raise InputError(
            _("None of the profiles to analyse exists in {region} ({listed}).").format(
                region=cfg.region, listed=listed
            ),
            _("run 01_create_profiles first.")
            if cfg.profiles
            else _(
                "check the names in profile_names against profiles.inventory(conn), and "
                "the region; this config only names existing profiles, so "
                "01_create_profiles makes none."
            ),
        )
    return [profile for _, profile in named], missing


def delete_plan(
    conn: Connection, cfg: WorkshopConfig, names: list[str] | None = None, insist: bool = False
) -> pd.DataFrame:
    """What ``delete`` would do: delete the profiles config.json creates that carry the
    ownership tag, keep all others.

    ``names`` limits the plan to those profiles (which then need only the tag); ``insist=True``
    also deletes named profiles that lack the ownership tag (only by name, never in bulk).
    """
    import pandas as pd

    if names is not None:
        names = ownership.text_list(names, _("names (also_delete)"), '["old_profile"]')
    if insist and not names:
        raise InputError(
            _("insist=True needs explicit profile names."),
            _(
                "name the profiles to delete; the workshop never deletes in bulk what it did "
                "not create."
            ),
        )
    rows = []
    profiles = all_application_profiles(conn)
    wanted = set(names or [])
    unknown = wanted - {p.name for p in profiles}
    if unknown:
        raise InputError(
            _("No application profile named {unknown}.").format(unknown=", ".join(sorted(unknown))),
            _("check the names with profiles.inventory(conn)."),
        )
    ours_by_name = {spec.name for spec in cfg.profiles}  # what config.json has 01 create
    naming = _("{name} creates no profile of this name (also_delete in 99 deletes it)").format(
        name=cfg.path.name
    )
    for p in profiles:
        if wanted and p.name not in wanted:
            continue
        owned = ownership.owns(p.tags, cfg.owner_tag)
        named = p.name in wanted or p.name in ours_by_name
        decision, reason = ownership.decision(owned, cfg.owner_tag, named, naming)
        if not owned and insist:
            decision, reason = "delete", _("named explicitly with insist=True")
        rows.append({"name": p.name, "decision": decision, "reason": reason, "arn": p.arn})
    return pd.DataFrame(rows, columns=["name", "decision", "reason", "arn"])


def delete(conn: Connection, plan: pd.DataFrame) -> pd.DataFrame:
    """Carry out a plan from ``delete_plan``; returns it with a ``result`` column."""
    return ownership.delete_planned(
        plan,
        lambda row: conn.bedrock.delete_inference_profile(inferenceProfileIdentifier=row.arn),
        "ResourceNotFoundException",
        lambda row: _("delete the inference profile {name}").format(name=row.name),
    )
