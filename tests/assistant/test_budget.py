"""A workspace over its monthly token budget is answered offline, with no paid call."""

from decimal import Decimal

from assistant.notices import BUDGET_EXCEEDED
from tests.assistant.streaming import collect, make_request, result_of


def test_exhausted_budget_answers_offline_without_calling_any_vendor(vendor_server, make_config):
    result = result_of(collect(make_request(budget_tokens_remaining=0), make_config()))

    assert vendor_server.requests == []
    assert result.provider == "offline"
    assert result.budget_exceeded
    assert result.notice == BUDGET_EXCEEDED
    assert result.stop_reason == "end_turn"
    assert result.cost_usd == Decimal(0)
    assert not result.fallback_used
    assert result.text.startswith("This is an automatic answer from our help centre")
    assert [citation.index for citation in result.citations] == [1]


def test_overdrawn_budget_is_exhausted_too(vendor_server, make_config):
    result = result_of(collect(make_request(budget_tokens_remaining=-250), make_config()))

    assert vendor_server.requests == []
    assert result.budget_exceeded


def test_remaining_budget_calls_the_provider(vendor_server, make_config):
    result = result_of(collect(make_request(budget_tokens_remaining=1), make_config()))

    assert result.provider == "anthropic"
    assert not result.budget_exceeded
    assert len(vendor_server.requests) == 1


def test_no_budget_limit_calls_the_provider(vendor_server, make_config):
    result = result_of(collect(make_request(budget_tokens_remaining=None), make_config()))

    assert result.provider == "anthropic"
    assert result.notice == ""
