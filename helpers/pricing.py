"""List prices per model, read from data (helpers/data/prices.json, dated and sourced)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class PriceTable:
    currency: str
    as_of: str
    source: str
    per_million: dict[str, tuple[float, float]]  # model ID -> (input, output) per 1M tokens

    def price(self, model_id: str) -> tuple[float, float]:
        """(input, output) USD per 1M tokens; cross-region profile IDs map to their model."""
        key = model_id
        if key not in self.per_million and key.split(".", 1)[0] in ("us", "eu", "apac", "global"):
            key = key.split(".", 1)[1]
        if key not in self.per_million:
            raise InputError(
                f"No list price for {model_id} in helpers/data/prices.json "
                f"(prices as of {self.as_of}).",
                "add the model's input and output price per 1M tokens there, from "
                "the Amazon Bedrock pricing page.",
            )
        return self.per_million[key]

    def cost(self, model_id: str, input_tokens: float, output_tokens: float) -> float:
        """USD for a number of input and output tokens at list price."""
        price_in, price_out = self.price(model_id)
        return (input_tokens * price_in + output_tokens * price_out) / 1_000_000

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(
            [
                {"model_id": m, "input_per_1m_usd": i, "output_per_1m_usd": o}
                for m, (i, o) in sorted(self.per_million.items())
            ]
        )


@cache
def load() -> PriceTable:
    raw = json.loads(resources.files("helpers").joinpath("data", "prices.json").read_text("utf-8"))
    return PriceTable(
        currency=raw["currency"],
        as_of=raw["as_of"],
        source=raw["source"],
        per_million={m: (float(p["input"]), float(p["output"])) for m, p in raw["models"].items()},
    )
