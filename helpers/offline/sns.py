"""SNS e-mail subscriptions that stay pending, as on AWS, on moto's SNS.

moto confirms every subscription at once. On AWS an ``email`` or ``email-json`` subscription
stays *pending confirmation* until its owner follows the link AWS e-mails, and until then
``Subscribe`` and ``ListSubscriptions(ByTopic)`` show ``PendingConfirmation`` where the
subscription ARN would be (``Subscribe`` shows the ARN when ``ReturnSubscriptionArn`` is true).
The stand-in sends no e-mail, so such a subscription is never confirmed: it is recorded, and
nothing is delivered.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.sns.responses import SNSResponse

PENDING = "PendingConfirmation"
CONFIRMED_BY_LINK = ("email", "email-json")  # the protocols whose owner must confirm


def pending(subscription: Any) -> bool:
    return subscription.protocol in CONFIRMED_BY_LINK and not subscription.confirmed


class StandinSNSResponse(SNSResponse):
    def subscribe(self) -> ActionResult:
        answer = super().subscribe()
        subscription = self.backend.subscriptions.get(answer.result["SubscriptionArn"])
        if subscription is not None and pending(subscription):
            subscription.attributes["PendingConfirmation"] = "true"
            subscription.attributes["ConfirmationWasAuthenticated"] = "false"
            if not self._get_bool_param("ReturnSubscriptionArn", False):
                return ActionResult({"SubscriptionArn": PENDING})
        return answer

    def _listed(self, subscriptions: list[Any], next_token: Any) -> ActionResult:
        rows = [
            {
                "SubscriptionArn": PENDING if pending(s) else s.arn,
                "Owner": s.owner,
                "Protocol": s.protocol,
                "Endpoint": s.endpoint,
                "TopicArn": s.topic.arn,
            }
            for s in subscriptions
        ]
        return ActionResult({"Subscriptions": rows, "NextToken": next_token})

    def list_subscriptions(self) -> ActionResult:
        found, token = self.backend.list_subscriptions(next_token=self._get_param("NextToken"))
        return self._listed(found, token)

    def list_subscriptions_by_topic(self) -> ActionResult:
        found, token = self.backend.list_subscriptions_by_topic(
            self._get_param("TopicArn"), next_token=self._get_param("NextToken")
        )
        return self._listed(found, token)
