"""The stand-in's per-account state: usage, metrics and synthetic days, owned by no moto backend."""

from __future__ import annotations

from helpers.offline import accounts, moto_glue
from helpers.offline.metricstore import MetricStore
from helpers.offline.usage import UsageLedger
from tests.conftest import ACCOUNT, control

NOVA = "amazon.nova-lite-v1:0"


def test_one_state_per_account_and_one_metric_store_per_region():
    first = accounts.account_state("111122223333")
    assert accounts.account_state("111122223333") is first
    assert accounts.account_state("444455556666") is not first
    assert first.metrics("us-east-1") is first.metrics("us-east-1")
    assert first.metrics("us-east-1") is not first.metrics("eu-west-1")


def test_reset_forgets_every_account():
    before = accounts.account_state("111122223333")
    before.synthetic_days["us-east-1/p"] = set()
    accounts.reset()
    after = accounts.account_state("111122223333")
    assert after is not before and after.synthetic_days == {}


def _converse(client) -> None:
    client("bedrock-runtime").converse(
        modelId=NOVA, messages=[{"role": "user", "content": [{"text": "hello"}]}]
    )


def test_a_call_is_kept_in_the_account_state_not_in_a_moto_backend(client):
    _converse(client)
    state = accounts.account_state(ACCOUNT)
    assert state.ledger.by_day  # the billing lines
    assert state.metrics("us-east-1").metrics()  # the AWS/Bedrock datapoints
    # moto's backends hold no ledger or metric store of their own
    ce = moto_glue.ce_backend(ACCOUNT)
    cloudwatch = moto_glue.cloudwatch_backends[ACCOUNT]["us-east-1"]
    for backend in (ce, cloudwatch):
        kept = [type(v).__name__ for v in vars(backend).values()]
        assert "UsageLedger" not in kept and "MetricStore" not in kept
    assert ce.ledger is state.ledger  # Cost Explorer reads the account's ledger


def test_moto_api_reset_clears_the_account_state(client, endpoint):
    _converse(client)
    client("bedrock").create_inference_profile(
        inferenceProfileName="p",
        modelSource={"copyFrom": f"arn:aws:bedrock:us-east-1::foundation-model/{NOVA}"},
    )
    control(endpoint, "POST", "/_standin/backfill", {"days": 2})
    assert accounts.account_state(ACCOUNT).synthetic_days  # something to clear
    control(endpoint, "POST", "/moto-api/reset")
    state = accounts.account_state(ACCOUNT)
    assert isinstance(state.ledger, UsageLedger) and state.ledger.by_day == {}
    assert state.synthetic_days == {}
    assert isinstance(state.metrics("us-east-1"), MetricStore)
    assert state.metrics("us-east-1").metrics() == []
