"""Pure pricing of service tiers and prompt caching (helpers.service_tiers, helpers.pricing)."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import pricing, service_tiers
from helpers.errors import InputError

NOVA_PRO = "amazon.nova-pro-v1:0"  # priority 1.75x, flex 0.5x in prices.json
HAIKU_45 = "anthropic.claude-haiku-4-5-20251001-v1:0"  # no tiers; cache write 1.25x, read 0.1x


def test_a_tier_costs_its_multiple_of_the_standard_price():
    prices = pricing.load()
    standard = prices.cost(NOVA_PRO, 1_000, 500)
    assert prices.cost(NOVA_PRO, 1_000, 500, tier="priority") == pytest.approx(standard * 1.75)
    assert prices.cost(NOVA_PRO, 1_000, 500, tier="flex") == pytest.approx(standard * 0.5)
    assert prices.cost(NOVA_PRO, 1_000, 500, tier="default") == standard


def test_tiers_come_from_the_price_table_and_others_are_refused():
    prices = pricing.load()
    assert prices.tiers(NOVA_PRO) == ("priority", "default", "flex")
    assert prices.tiers(HAIKU_45) == ("default",)
    with pytest.raises(InputError, match="no flex tier price"):
        prices.tier_multiple(HAIKU_45, "flex")
    with pytest.raises(InputError, match="Unknown service tier"):
        prices.tier_multiple(NOVA_PRO, "gold")


def test_tier_costs_lists_every_tier_the_model_offers():
    frame = service_tiers.tier_costs(pricing.load(), NOVA_PRO, 1_000_000, 1_000_000)
    assert list(frame["tier"]) == ["priority", "default", "flex"]
    # Nova Pro in-region: $0.80 in, $3.20 out per 1M
    assert list(frame["cost_usd"]) == pytest.approx([4.0 * 1.75, 4.0, 2.0])
    assert list(frame["vs_default_usd"]) == pytest.approx([3.0, 0.0, -2.0])
    only = service_tiers.tier_costs(pricing.load(), HAIKU_45, 10, 10)
    assert list(only["tier"]) == ["default"]


@pytest.mark.parametrize(
    ("usage_type", "tier"),
    [
        ("USE1-Nova2.0Lite-output-tokens-flex-cross-region-global", "flex"),
        ("USE1-NovaPro-input-tokens-priority", "priority"),
        ("USE1-NovaPro-cache-read-input-token-count-priority", "priority"),
        ("USE1-Claude4.5Haiku-input-tokens", "default"),
        ("USE1-Claude4.5Haiku-input-tokens-cross-region-global", "default"),
        ("USE1-NovaPro-input-tokens-flex-batch", "flex"),
    ],
)
def test_the_tier_is_read_from_the_usage_type_before_the_scope(usage_type, tier):
    assert service_tiers.tier_of_usage_type(usage_type) == tier


def test_cost_by_tier_sums_a_cost_explorer_frame_per_tier():
    frame = pd.DataFrame(
        {
            "usage_type": [
                "USE1-NovaPro-input-tokens",
                "USE1-NovaPro-output-tokens-priority",
                "USE1-NovaPro-input-tokens-priority",
                "USE1-Nova2.0Lite-output-tokens-flex-cross-region-global",
            ],
            "cost": [1.0, 2.0, 1.5, 0.5],
            "usage_quantity": [10.0, 20.0, 30.0, 40.0],
        }
    )
    out = service_tiers.cost_by_tier(frame)
    assert list(out["tier"]) == ["priority", "default", "flex"]
    assert list(out["cost"]) == [3.5, 1.0, 0.5]
    assert list(out["tokens"]) == [50.0, 10.0, 40.0]
    assert out["share"].sum() == pytest.approx(1.0)
    with pytest.raises(InputError, match="no usage_type column"):
        service_tiers.cost_by_tier(pd.DataFrame({"cost": [1.0]}))


def test_cache_savings_are_what_the_price_table_predicts():
    prices = pricing.load()
    # Haiku 4.5 in-region input $1.10 per 1M; one 5,000-token write, then 9 reads
    saved = service_tiers.cache_savings(prices, HAIKU_45, 5_000, 45_000, 10)
    without = 50_000 * 1.10 / 1e6
    with_cache = (5_000 * 1.25 + 45_000 * 0.1) * 1.10 / 1e6
    assert saved.without_cache_usd == pytest.approx(without)
    assert saved.with_cache_usd == pytest.approx(with_cache)
    assert saved.saved_usd == pytest.approx(without - with_cache)
    assert saved.saved_per_request_usd == pytest.approx((without - with_cache) / 10)
    assert 0 < saved.saved_share < 1
    # a cache that is written and never read costs more than no cache
    assert service_tiers.cache_savings(prices, HAIKU_45, 5_000, 0, 1).saved_usd < 0
    with pytest.raises(InputError, match="requests must be"):
        service_tiers.cache_savings(prices, HAIKU_45, 1, 1, 0)
