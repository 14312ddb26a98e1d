"""The workshop's own callers: IAM roles that call a department's profile, each tagged with a team.

Bedrock records the IAM principal of every inference request (CUR 2.0 ``line_item_iam_principal``)
and turns principal and session tags into cost allocation tags (``iamPrincipal/<key>``). To show
that, the workshop makes its own roles, e.g. ``claims-app`` and ``claims-batch``:

- under the path ``/bedrock-workshop/`` (iam-policy.json allows IAM changes there only), with
  the ownership tag and a team tag;
- trusting this account to assume them with session tags (``sts:AssumeRole``, ``sts:TagSession``);
- with one inline policy that allows Converse / InvokeModel (``bedrock:InvokeModel``, and
  ``...WithResponseStream``) and ``bedrock:CountTokens`` on the given profiles only.

A role of the same name the workshop did not create is never changed: ``ensure_caller`` refuses.
``assume`` returns a ``Connection`` whose calls are made as the role. ``delete_plan`` and
``delete`` (for 99_cleanup) remove the workshop's roles, and users should one ever be made,
with their policies and access keys. IAM is global and eventually consistent: on AWS a new
role can be refused for some seconds, so ``assume`` retries AccessDenied briefly there.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import ownership
from .errors import InputError, WorkshopError, explained
from .i18n import _, ngettext

if TYPE_CHECKING:
    import pandas as pd

    from .aws import Connection
    from .config import WorkshopConfig
    from .profiles import Profile

ROLE_PATH = "/bedrock-workshop/"  # every IAM principal the workshop makes lives under this path
INVOKE_POLICY = "workshop-invoke-profiles"  # the caller roles' one inline policy
TEAM_KEY = "team"  # the principal tag that becomes the cost allocation tag iamPrincipal/team
IAM_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)  # IAM's rule for role and user names
SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)  # STS's rule for RoleSessionName
# On AWS a role just created (or its trust policy just changed) can be refused for a while.
IAM_ATTEMPTS = 8
IAM_DELAY_S = 2.0
MISSING = "NoSuchEntity"  # IAM's code for a role, user, policy or key that is not there


@dataclass(frozen=True)
class Role:
    """An IAM role of the workshop's, as ``ensure_role`` left it."""

    name: str
    arn: str
    tags: dict[str, str] = field(default_factory=dict)
    action: str = "unchanged"  # created | updated | unchanged


def check_name(name: object, what: str = "role") -> str:
    if not isinstance(name, str) or not IAM_NAME.fullmatch(name):
        raise InputError(
            _("{name!r} is not an IAM {what} name (1-64 letters, digits or + = , . @ _ -).").format(
                name=name, what=what
            ),
            _('use e.g. "claims-app".'),
        )
    return name


def trust_policy(account: str, partition: str = "aws") -> dict[str, Any]:
    """The caller roles' trust policy: this account may assume them and tag the session."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ThisAccountAssumesWithSessionTags",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ],
    }


def invoke_policy(found: list[Profile], region: str, partition: str = "aws") -> dict[str, Any]:
    """The caller roles' inline policy: call the given profiles, and nothing else.

    Bedrock authorises a call through an application profile on the profile *and* on the
    models it routes to; the models are allowed only when reached through these profiles
    (``bedrock:InferenceProfileArn``). CountTokens (free) takes the profile or its model ID.
    """
    if not found:
        raise InputError(
            _("A caller role needs at least one profile to call."),
            _("pass the profiles: [profiles.resolve(conn, name) for name in names]."),
        )
    profile_arns = sorted({p.arn for p in found})
    model_arns = sorted({arn for p in found for arn in p.model_arns})
    own_region = {f"arn:{partition}:bedrock:{region}::foundation-model/{p.model_id}" for p in found}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "InvokeTheseProfiles",
                "Effect": "Allow",
                "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                "Resource": profile_arns,
            },
            {
                "Sid": "TheirModelsThroughTheseProfilesOnly",
                "Effect": "Allow",
                "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                "Resource": model_arns,
                "Condition": {"StringEquals": {"bedrock:InferenceProfileArn": profile_arns}},
            },
            {
                "Sid": "CountTokensBeforeSending",
                "Effect": "Allow",
                "Action": ["bedrock:CountTokens"],
                "Resource": sorted(set(profile_arns) | set(model_arns) | own_region),
            },
        ],
    }


def _tags(pairs: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in pairs or []}


def _refuse(name: str, found: dict[str, Any], owner_tag: tuple[str, str]) -> WorkshopError:
    key, value = owner_tag
    where = found.get("Path", "/")
    if ownership.owns(_tags(found.get("Tags")), owner_tag):
        why = _("carries {key}={value} but lies under the path {where}, not {role_path}").format(
            key=key, value=value, where=where, role_path=ROLE_PATH
        )
    else:
        why = _("has no {key}={value} tag (path {where}): someone else made it").format(
            key=key, value=value, where=where
        )
    return InputError(
        _(
            "The IAM role {name} exists and is not the workshop's: it {why}. The workshop "
            "neither changes nor deletes it."
        ).format(name=name, why=why),
        _(
            "give the workshop's role another name (the role names in the notebook's "
            "parameters); role names are unique in an account, whatever their path."
        ),
    )


def get_role(conn: Connection, name: str) -> dict[str, Any] | None:
    """The role as GetRole describes it (tags included), or None when there is none."""
    iam = conn.client("iam")
    with explained(
        _("look up the IAM role {name} (iam:GetRole)").format(name=name), tolerate=MISSING
    ) as gone:
        found = iam.get_role(RoleName=name)["Role"]
    return None if gone else found


def ensure_role(
    conn: Connection,
    cfg: WorkshopConfig,
    name: str,
    trust: dict[str, Any],
    policy_name: str,
    policy: dict[str, Any],
    tags: dict[str, str],
    description: str,
) -> Role:
    """Create a role under ``ROLE_PATH`` with the ownership tag, ``tags`` and one inline policy,
    or bring the workshop's existing one up to date. A role of that name without the ownership
    tag (or outside the path) is refused and left as it is."""
    name = check_name(name)
    iam = conn.client("iam")
    wanted_tags = {**tags, cfg.owner_tag[0]: cfg.owner_tag[1]}
    found = get_role(conn, name)
    if found is not None and (
        found.get("Path") != ROLE_PATH
        or not ownership.owns(_tags(found.get("Tags")), cfg.owner_tag)
    ):
        raise _refuse(name, found, cfg.owner_tag)
    changed = False
    if found is None:
        with explained(_("create the IAM role {name} (iam:CreateRole)").format(name=name)):
            found = iam.create_role(
                Path=ROLE_PATH,
                RoleName=name,
                AssumeRolePolicyDocument=json.dumps(trust),
                Description=description,
                Tags=[{"Key": k, "Value": v} for k, v in wanted_tags.items()],
            )["Role"]
        action = "created"
    else:
        action = "unchanged"
        if found.get("AssumeRolePolicyDocument") != trust:
            with explained(
                _("update the trust policy of {name} (iam:UpdateAssumeRolePolicy)").format(
                    name=name
                )
            ):
                iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
            changed = True
        have = _tags(found.get("Tags"))
        missing = {k: v for k, v in wanted_tags.items() if have.get(k) != v}
        if missing:
            with explained(_("tag the IAM role {name} (iam:TagRole)").format(name=name)):
                iam.tag_role(
                    RoleName=name, Tags=[{"Key": k, "Value": v} for k, v in missing.items()]
                )
            changed = True
    with explained(
        _("read the inline policy {policy_name} of {name} (iam:GetRolePolicy)").format(
            policy_name=policy_name, name=name
        ),
        tolerate=MISSING,
    ) as absent:
        current = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
    if absent or current != policy:
        with explained(
            _("put the inline policy {policy_name} on {name} (iam:PutRolePolicy)").format(
                policy_name=policy_name, name=name
            )
        ):
            iam.put_role_policy(
                RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(policy)
            )
        changed = True
    if changed and action == "unchanged":
        action = "updated"
    return Role(name=name, arn=found["Arn"], tags=wanted_tags, action=action)


def ensure_caller(
    conn: Connection,
    cfg: WorkshopConfig,
    name: str,
    team: str,
    found: list[Profile],
    team_key: str = TEAM_KEY,
) -> Role:
    """The workshop's caller role ``name``, tagged ``team_key=team``, allowed to call ``found``
    (``profiles.resolve`` results) only. Running it again changes nothing."""
    from .catalog import load

    if not isinstance(team, str) or not team.strip():
        raise InputError(
            _("The team of {name} must be a non-empty string, not {team!r}.").format(
                name=name, team=team
            ),
            _('name the team the role calls for, e.g. {"claims-app": "claims-online"}.'),
        )
    partition = load().partition(conn.region)
    profile_names = ", ".join(sorted(p.name for p in found)) or "none"
    return ensure_role(
        conn,
        cfg,
        name,
        trust_policy(conn.account, partition),
        INVOKE_POLICY,
        invoke_policy(found, conn.region, partition),
        {team_key: team},
        f"Bedrock workshop caller ({team_key}={team}): calls {profile_names}"[:1000],
    )


def ensure_callers(
    conn: Connection,
    cfg: WorkshopConfig,
    teams: dict[str, str],
    found: list[Profile],
    team_key: str = TEAM_KEY,
) -> pd.DataFrame:
    """``ensure_caller`` for each role name -> team in ``teams``; one row per role."""
    import pandas as pd

    if not isinstance(teams, dict) or not teams:
        raise InputError(
            _("teams must be a dict of role name -> team, not {teams!r}.").format(teams=teams),
            _('pass e.g. {"claims-app": "claims-online", "claims-batch": "claims-batch"}.'),
        )
    rows = []
    for name, team in teams.items():
        role = ensure_caller(conn, cfg, name, team, found, team_key)
        rows.append({"role": role.name, team_key: team, "arn": role.arn, "action": role.action})
    return pd.DataFrame(rows, columns=["role", team_key, "arn", "action"])


def assume_request(
    role_arn: str, session_name: str, session_tags: dict[str, str] | None = None
) -> dict[str, Any]:
    """The AssumeRole request: a named session, with session tags (they override the role's
    tags of the same key, and become ``iamPrincipal/<key>`` cost allocation tags)."""
    if not isinstance(session_name, str) or not SESSION_NAME.fullmatch(session_name):
        raise InputError(
            _(
                "{session_name!r} is not an STS session name (2-64 letters, digits or + = , . "
                "@ _ -)."
            ).format(session_name=session_name),
            _('use e.g. "claims-app-08"; CUR shows it in assumed-role/ROLE/SESSION.'),
        )
    request: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name}
    if session_tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in session_tags.items()]
    return request


def while_iam_settles(
    conn: Connection,
    doing: str,
    call: Callable[[], Any],
    transient: Callable[[str, str], bool],
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """``call()``, repeated while AWS refuses it for a reason IAM's delay explains (``transient``
    of the error code and message), for up to ~15 s; offline, or at the last try, the error
    stands (explained as usual)."""
    for attempt in range(IAM_ATTEMPTS):
        last = attempt == IAM_ATTEMPTS - 1

        def tolerable(code: str, message: str, last: bool = last) -> bool:
            return conn.mode == "aws" and not last and transient(code, message)

        with explained(doing, tolerate=tolerable) as refused:
            result = call()
        if not refused:
            return result
        sleep(IAM_DELAY_S)
    raise AssertionError("unreachable: the last attempt raises rather than tolerates")


def assume(
    conn: Connection,
    role_arn: str,
    session_name: str,
    session_tags: dict[str, str] | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Connection:
    """A connection whose calls are made as the role (same mode, region and endpoint).

    On AWS, a role created moments ago may be refused (AccessDenied) until IAM has spread it:
    retried for up to ~15 s there; offline the first answer is final. The credentials last
    one hour, AWS's default.
    """
    request = assume_request(role_arn, session_name, session_tags)
    sts = conn.client("sts")
    answer = while_iam_settles(
        conn,
        _("assume the role {role_arn} (sts:AssumeRole").format(role_arn=role_arn)
        + (", sts:TagSession)" if session_tags else ")"),
        lambda: sts.assume_role(**request),
        lambda code, _message: code in ("AccessDenied", "AccessDeniedException"),
        sleep=sleep,
    )
    return conn.signed_as(answer["Credentials"])


# --- clean-up (99_cleanup) ------------------------------------------------------------------


def _principals(conn: Connection, kind: str) -> list[dict[str, Any]]:
    """The roles or users under ROLE_PATH (ListRoles / ListUsers omit tags)."""
    iam = conn.client("iam")
    listing, key = ("list_roles", "Roles") if kind == "role" else ("list_users", "Users")
    action = "iam:ListRoles" if kind == "role" else "iam:ListUsers"
    with explained(
        _("list the IAM {kind}s under {role_path} ({action})").format(
            kind=kind, role_path=ROLE_PATH, action=action
        )
    ):
        return [
            item
            for page in iam.get_paginator(listing).paginate(PathPrefix=ROLE_PATH)
            for item in page.get(key, [])
        ]


def _described(conn: Connection, kind: str, name: str) -> dict[str, Any] | None:
    """GetRole / GetUser (which carry the tags), or None when it is gone."""
    iam = conn.client("iam")
    if kind == "role":
        return get_role(conn, name)
    with explained(
        _("look up the IAM user {name} (iam:GetUser)").format(name=name), tolerate=MISSING
    ) as gone:
        found = iam.get_user(UserName=name)["User"]
    return None if gone else found


def _attachments(conn: Connection, kind: str, name: str) -> dict[str, list[str]]:
    """What must go before the principal: inline policy names, attached policy ARNs, keys.

    Unexplained on purpose: a principal gone meanwhile answers NoSuchEntity, which the caller
    tolerates ("already gone") or explains.
    """
    iam = conn.client("iam")
    who = {"RoleName": name} if kind == "role" else {"UserName": name}
    inline = [
        n
        for page in iam.get_paginator(f"list_{kind}_policies").paginate(**who)
        for n in page["PolicyNames"]
    ]
    attached = [
        p["PolicyArn"]
        for page in iam.get_paginator(f"list_attached_{kind}_policies").paginate(**who)
        for p in page["AttachedPolicies"]
    ]
    keys: list[str] = []
    if kind == "user":
        keys = [
            k["AccessKeyId"]
            for page in iam.get_paginator("list_access_keys").paginate(UserName=name)
            for k in page["AccessKeyMetadata"]
        ]
    return {"inline": sorted(inline), "attached": sorted(attached), "keys": sorted(keys)}


def _with_it(parts: dict[str, list[str]]) -> str:
    """What goes with a principal, in words (access key IDs are not shown)."""
    said = []
    if parts["inline"]:
        said.append(_("inline policy {names}").format(names=", ".join(parts["inline"])))
    if parts["attached"]:
        names = ", ".join(p.rsplit("/", 1)[-1] for p in parts["attached"])
        said.append(_("managed policy {names}").format(names=names))
    if parts["keys"]:
        count = len(parts["keys"])
        said.append(
            ngettext("{count} access key", "{count} access keys", count).format(count=count)
        )
    return _("; with it: {what}").format(what=", ".join(said)) if said else ""


def delete_plan(
    conn: Connection, cfg: WorkshopConfig, names: list[str] | str | tuple[()] = ()
) -> pd.DataFrame:
    """IAM roles and users under ``ROLE_PATH``: delete those carrying the ownership tag (with
    their policies and access keys), keep the others. Roles named in ``names`` (the ones the
    notebook creates) found elsewhere are listed too, and kept: someone else's."""
    import pandas as pd

    wanted = ownership.text_list(list(names) if names else [], "names", '["claims-app"]')
    rows = []
    key, value = cfg.owner_tag
    for kind in ("role", "user"):
        listed = {item[f"{kind.capitalize()}Name"]: item for item in _principals(conn, kind)}
        extra = [n for n in wanted if n not in listed] if kind == "role" else []
        for name in sorted(listed) + sorted(extra):
            found = _described(conn, kind, name)
            if found is None:
                continue  # gone since it was listed, or a named role that does not exist
            owned = ownership.owns(_tags(found.get("Tags")), cfg.owner_tag)
            inside = found.get("Path", "/").startswith(ROLE_PATH)
            decision, reason = ownership.decision(owned and inside, cfg.owner_tag)
            if owned and not inside:
                reason = _(
                    "carries {key}={value}, but lies outside {role_path}, where the "
                    "workshop makes all its principals: not the workshop's; delete it "
                    "yourself if yours"
                ).format(key=key, value=value, role_path=ROLE_PATH)
            if decision == "delete":
                noun = kind.capitalize()
                with explained(
                    _(
                        "list the policies and keys of {name} (iam:List{noun}Policies, "
                        "iam:ListAttached{noun}Policies"
                    ).format(name=name, noun=noun)
                    + (_(", iam:ListAccessKeys)") if kind == "user" else ")"),
                    tolerate=MISSING,
                ) as gone:
                    reason += _with_it(_attachments(conn, kind, name))
                if gone:
                    continue
            rows.append(
                {
                    "kind": f"IAM {kind}",
                    "name": name,
                    "arn": found["Arn"],
                    "decision": decision,
                    "reason": reason,
                }
            )
    return pd.DataFrame(rows, columns=["kind", "name", "arn", "decision", "reason"])


def _delete_principal(conn: Connection, kind: str, name: str) -> None:
    """Inline and managed policies, access keys, then the principal; each "already gone" is done.

    A principal already gone raises NoSuchEntity from the first listing, which
    ``ownership.delete_planned`` counts as "already gone".
    """
    iam = conn.client("iam")
    noun = "Role" if kind == "role" else "User"
    who = {"RoleName": name} if kind == "role" else {"UserName": name}
    parts = _attachments(conn, kind, name)
    for policy in parts["inline"]:
        with explained(
            _("delete the inline policy {policy} of {name} (iam:Delete{noun}Policy)").format(
                policy=policy, name=name, noun=noun
            ),
            tolerate=MISSING,
        ):
            getattr(iam, f"delete_{kind}_policy")(**who, PolicyName=policy)
    for arn in parts["attached"]:
        with explained(
            _("detach {arn} from {name} (iam:Detach{noun}Policy)").format(
                arn=arn, name=name, noun=noun
            ),
            tolerate=MISSING,
        ):
            getattr(iam, f"detach_{kind}_policy")(**who, PolicyArn=arn)
    for key_id in parts["keys"]:
        with explained(
            _("delete an access key of {name} (iam:DeleteAccessKey)").format(name=name),
            tolerate=MISSING,
        ):
            iam.delete_access_key(UserName=name, AccessKeyId=key_id)
    getattr(iam, f"delete_{kind}")(**who)


def delete(conn: Connection, plan: pd.DataFrame) -> pd.DataFrame:
    """Carry out a ``delete_plan``; returns it with a ``result`` column."""
    return ownership.delete_planned(
        plan,
        lambda row: _delete_principal(conn, row.kind.split()[-1], row.name),
        MISSING,
        lambda row: _("delete the {kind} {name} (iam:Delete{title})").format(
            kind=row.kind, name=row.name, title=row.kind.split()[-1].title()
        ),
    )
