"""The SNS topic the workshop's alarms and budgets notify, and its optional e-mail subscription.

One topic, named ``workshop-...`` and tagged with the ownership tag, in the workshop's region
(CloudWatch alarms notify topics of their own region). Budgets may publish to it too: the topic
policy lets ``budgets.amazonaws.com`` publish, limited to this account's budgets, as AWS's
"Creating an Amazon SNS topic for budget notifications" shows. A topic of the same name that
the workshop did not create is never changed, subscribed to or deleted.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import ownership
from .errors import InputError, explained
from .i18n import _

if TYPE_CHECKING:
    import pandas as pd

    from .aws import Connection
    from .config import WorkshopConfig

DEFAULT_TOPIC = "workshop-bedrock-alerts"
TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")  # SNS's rule for a standard topic's name
BUDGETS_SID = "WorkshopBudgetsPublish"  # the statement the workshop adds to the topic policy


@dataclass(frozen=True)
class Topic:
    name: str
    arn: str
    action: str  # created | updated (the Budgets statement added) | unchanged
    subscription: str  # what happened to the e-mail subscription, in words


def topic_arn(conn: Connection, name: str) -> str:
    """The ARN a standard topic of this name has in the connection's account and region."""
    from .catalog import load

    return f"arn:{load().partition(conn.region)}:sns:{conn.region}:{conn.account}:{name}"


def check_name(name: object) -> str:
    """A topic name the workshop may create: SNS's rule, and the ``workshop-`` start that
    99_cleanup looks for."""
    if not isinstance(name, str) or not TOPIC_NAME.fullmatch(name):
        raise InputError(
            _("{name!r} is not an SNS topic name (1-256 letters, digits, '-' or '_').").format(
                name=name
            ),
            _("use e.g. alert_topic={default_topic!r}.").format(default_topic=DEFAULT_TOPIC),
        )
    ownership.require_workshop_name(name, "alert topic", f"alert_topic={DEFAULT_TOPIC!r}")
    return name


def budgets_statement(arn: str, account: str, partition: str = "aws") -> dict[str, Any]:
    """The topic-policy statement that lets this account's budgets publish to the topic."""
    return {
        "Sid": BUDGETS_SID,
        "Effect": "Allow",
        "Principal": {"Service": "budgets.amazonaws.com"},
        "Action": "SNS:Publish",
        "Resource": arn,
        "Condition": {
            "StringEquals": {"aws:SourceAccount": account},
            "ArnLike": {"aws:SourceArn": f"arn:{partition}:budgets::{account}:*"},
        },
    }


def _tags(conn: Connection, arn: str) -> dict[str, str] | None:
    """The topic's tags, or None when no topic has this ARN."""
    sns = conn.client("sns")
    with explained(
        _("read the tags of the SNS topic {arn} (sns:ListTagsForResource)").format(arn=arn),
        tolerate=("NotFound", "ResourceNotFound"),
    ) as gone:
        listed = sns.list_tags_for_resource(ResourceArn=arn)["Tags"]
    if gone:
        return None
    return {t["Key"]: t["Value"] for t in listed}


def _refuse_foreign(arn: str, owner_tag: tuple[str, str]) -> InputError:
    key, value = owner_tag
    return InputError(
        _(
            "The SNS topic {arn} exists but is not the workshop's (no {key}={value} tag): it "
            "belongs to someone else, so the workshop neither subscribes to it nor points "
            "alarms and budgets at it."
        ).format(arn=arn, key=key, value=value),
        _(
            "give the workshop's topic another name (alert_topic in 07_budgets_and_alerts, "
            "starting with workshop-); the workshop never changes or deletes a topic it did "
            "not create."
        ),
    )


def ensure_topic(
    conn: Connection, cfg: WorkshopConfig, name: str = DEFAULT_TOPIC, email: str | None = None
) -> Topic:
    """Create the workshop's topic (tagged), let Budgets publish to it, subscribe ``email``.

    Running it again changes nothing. A same-name topic without the ownership tag is refused.
    An e-mail subscription stays pending until its owner follows the link AWS e-mails.
    """
    from .catalog import load

    name = check_name(name)
    if email is not None and (not isinstance(email, str) or "@" not in email):
        raise InputError(
            _("{email!r} is not an e-mail address.").format(email=email),
            _("give the address to alert (alert_email='you@example.com'), or None for none."),
        )
    sns = conn.client("sns")
    arn = topic_arn(conn, name)
    tags = _tags(conn, arn)
    if tags is not None and not ownership.owns(tags, cfg.owner_tag):
        raise _refuse_foreign(arn, cfg.owner_tag)
    action = "unchanged"
    if tags is None:
        with explained(_("create the SNS topic {name} (sns:CreateTopic)").format(name=name)):
            arn = sns.create_topic(
                Name=name, Tags=[{"Key": cfg.owner_tag[0], "Value": cfg.owner_tag[1]}]
            )["TopicArn"]
        action = "created"
    with explained(
        _("read the policy of the SNS topic {name} (sns:GetTopicAttributes)").format(name=name)
    ):
        attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    policy = json.loads(attributes.get("Policy") or '{"Version": "2012-10-17", "Statement": []}')
    wanted = budgets_statement(arn, conn.account, load().partition(conn.region))
    others = [s for s in policy.get("Statement", []) if s.get("Sid") != BUDGETS_SID]
    if others + [wanted] != policy.get("Statement", []):
        policy["Statement"] = others + [wanted]
        with explained(
            _("let Budgets publish to the SNS topic {name} (sns:SetTopicAttributes)").format(
                name=name
            )
        ):
            sns.set_topic_attributes(
                TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps(policy)
            )
        if action == "unchanged":
            action = "updated"
    return Topic(name, arn, action, _subscribe(conn, arn, email))


def _subscribe(conn: Connection, arn: str, email: str | None) -> str:
    if email is None:
        return _("none (alert_email is None)")
    sns = conn.client("sns")
    with explained(
        _("list the subscriptions of {arn} (sns:ListSubscriptionsByTopic)").format(arn=arn)
    ):
        for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arn):
            for item in page.get("Subscriptions", []):
                if item["Protocol"] == "email" and item["Endpoint"].lower() == email.lower():
                    confirmed = item["SubscriptionArn"] != "PendingConfirmation"
                    return f"{email}: " + (
                        _("already subscribed") if confirmed else _("already pending confirmation")
                    )
    with explained(_("subscribe {email} to {arn} (sns:Subscribe)").format(email=email, arn=arn)):
        sns.subscribe(TopicArn=arn, Protocol="email", Endpoint=email)
    return _("{email}: pending confirmation (AWS e-mails a link that must be followed)").format(
        email=email
    )


def delete_plan(conn: Connection, cfg: WorkshopConfig) -> pd.DataFrame:
    """SNS topics named ``workshop-...``: delete those carrying the ownership tag, keep others."""
    import pandas as pd

    sns = conn.client("sns")
    rows = []
    with explained(_("list SNS topics (sns:ListTopics)")):
        arns = [
            t["TopicArn"]
            for page in sns.get_paginator("list_topics").paginate()
            for t in page.get("Topics", [])
        ]
    for arn in sorted(arns):
        name = arn.rsplit(":", 1)[-1]
        if not name.startswith(ownership.NAME_PREFIX):
            continue  # not a name the workshop gives: not listed, never touched
        tags = _tags(conn, arn) or {}
        decision, reason = ownership.decision(ownership.owns(tags, cfg.owner_tag), cfg.owner_tag)
        rows.append({"topic": name, "arn": arn, "decision": decision, "reason": reason})
    return pd.DataFrame(rows, columns=["topic", "arn", "decision", "reason"])


def delete(conn: Connection, plan: pd.DataFrame) -> pd.DataFrame:
    """Carry out a ``delete_plan`` (DeleteTopic also removes the topic's subscriptions)."""
    sns = conn.client("sns")
    return ownership.delete_planned(
        plan,
        lambda row: sns.delete_topic(TopicArn=row.arn),
        "NotFound",
        lambda row: _("delete the SNS topic {topic} (sns:DeleteTopic)").format(topic=row.topic),
    )
