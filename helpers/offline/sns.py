"""SNS e-mail subscriptions that stay pending, as on AWS, on moto's SNS.

moto confirms every subscription at once. On AWS an ``email`` or ``email-json`` subscription
stays *pending confirmation* until its owner follows the link AWS e-mails, and until then
``Subscribe`` and ``ListSubscriptions(ByTopic)`` show ``PendingConfirmation`` where the
subscription ARN would be (``Subscribe`` shows the ARN when ``ReturnSubscriptionArn`` is true).
The stand-in sends no e-mail, so such a subscription is never confirmed: it is recorded, and
nothing is delivered.
"""

from __future__ import annotations

from .moto_glue import (
    ActionResult,
    SNSResponse,
    Subscription,
    action_result,
    mark_pending_confirmation,
    subscription,
    subscriptions,
)

PENDING = "PendingConfirmation"
CONFIRMED_BY_LINK = ("email", "email-json")  # the protocols whose owner must confirm


def pending(found: Subscription) -> bool:
    return found.protocol in CONFIRMED_BY_LINK and not found.confirmed


class StandinSNSResponse(SNSResponse):
    def subscribe(self) -> ActionResult:
        answer = super().subscribe()
        found = subscription(self.backend, action_result(answer)["SubscriptionArn"])
        if found is not None and pending(found):
            mark_pending_confirmation(self.backend, found.arn)
            if not self._get_bool_param("ReturnSubscriptionArn", False):
                return ActionResult({"SubscriptionArn": PENDING})
        return answer

    def _listed(self, found: list[Subscription], next_token: object) -> ActionResult:
        rows = [
            {
                "SubscriptionArn": PENDING if pending(s) else s.arn,
                "Owner": s.owner,
                "Protocol": s.protocol,
                "Endpoint": s.endpoint,
                "TopicArn": s.topic_arn,
            }
            for s in found
        ]
        return ActionResult({"Subscriptions": rows, "NextToken": next_token})

    def list_subscriptions(self) -> ActionResult:
        return self._listed(*subscriptions(self.backend, None, self._get_param("NextToken")))

    def list_subscriptions_by_topic(self) -> ActionResult:
        return self._listed(
            *subscriptions(self.backend, self._get_param("TopicArn"), self._get_param("NextToken"))
        )
