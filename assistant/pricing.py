"""What an answer cost: tokens times the model's price per million tokens, as an exact Decimal."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal

logger = logging.getLogger(__name__)

_MILLION = Decimal(1_000_000)
_warned_models: set[str] = set()


def model_price(*, model: str, prices: Mapping[str, tuple[float, float]]) -> tuple[Decimal, Decimal] | None:
    """(input, output) dollars per million tokens. Vendors answer with dated names such as
    ``claude-sonnet-4-5-20250929``, so the longest priced name the model starts with counts."""
    price = prices.get(model)
    if price is None:
        candidates = [name for name in prices if model.startswith(f"{name}-")]
        if not candidates:
            return None
        price = prices[max(candidates, key=len)]
    # Through str() so that 0.4 stays 0.4 and does not become 0.40000000000000002220...
    return Decimal(str(price[0])), Decimal(str(price[1]))


def cost_usd(
    *, model: str, input_tokens: int, output_tokens: int, prices: Mapping[str, tuple[float, float]]
) -> Decimal:
    """Unrounded; storage quantizes. An unknown model costs 0 and is logged once."""
    price = model_price(model=model, prices=prices)
    if price is None:
        if model not in _warned_models:
            _warned_models.add(model)
            logger.warning("No price for model %r in MODEL_PRICES: its answers are recorded as costing 0", model)
        return Decimal(0)
    input_price, output_price = price
    return (input_tokens * input_price + output_tokens * output_price) / _MILLION
