import logging
from decimal import Decimal

from assistant.pricing import cost_usd
from assistant.testing.vendor_server import CHAT_COMPLETIONS, MESSAGES, ScriptedResponse
from tests.assistant.conftest import PRICES
from tests.assistant.streaming import collect, make_request, result_of


def test_cost_is_tokens_times_price_per_million_as_an_exact_decimal():
    cost = cost_usd(model="claude-sonnet-4-6", input_tokens=1000, output_tokens=500, prices=PRICES)

    assert cost == Decimal("0.0105")  # 1000 * 3 / 1e6 + 500 * 15 / 1e6
    assert isinstance(cost, Decimal)


def test_fractional_prices_do_not_pick_up_binary_float_noise():
    assert cost_usd(model="gpt-4.1-mini", input_tokens=1, output_tokens=1, prices=PRICES) == Decimal("0.000002")


def test_dated_model_names_use_the_longest_priced_prefix():
    prices = {"gpt-4.1": (2.0, 8.0), "gpt-4.1-mini": (0.4, 1.6)}

    cost = cost_usd(model="gpt-4.1-mini-2025-04-14", input_tokens=1_000_000, output_tokens=0, prices=prices)

    assert cost == Decimal("0.4")


def test_unknown_model_costs_nothing_and_is_logged_once(caplog):
    caplog.set_level(logging.WARNING, logger="assistant.pricing")

    first = cost_usd(model="mystery-model-7b", input_tokens=100, output_tokens=100, prices=PRICES)
    second = cost_usd(model="mystery-model-7b", input_tokens=100, output_tokens=100, prices=PRICES)

    assert first == second == Decimal(0)
    warnings = [record for record in caplog.records if "mystery-model-7b" in record.getMessage()]
    assert len(warnings) == 1


def test_result_cost_adds_up_every_attempt_at_its_own_models_price(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(text="one two three", drop_after_tokens=1, input_tokens=2000))
    vendor_server.enqueue(CHAT_COMPLETIONS, ScriptedResponse(text="Fresh.", input_tokens=1000, output_tokens=100))

    result = result_of(collect(make_request(), make_config()))

    broken = result.attempts[0]
    expected = (
        Decimal(broken.input_tokens * 3 + broken.output_tokens * 15) / Decimal(1_000_000)
        + Decimal("0.00056")  # 1000 * 0.4 / 1e6 + 100 * 1.6 / 1e6
    )
    assert result.cost_usd == expected
