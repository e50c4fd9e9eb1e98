"""Retries with back-off at one provider, then the fallback. Back-off delays are read from the
injected sleep (jitter pinned to 1.0), never measured."""

import email.utils
import logging
import socket
import time

from assistant.notices import NOTHING_ANSWERED
from assistant.providers.anthropic_messages import AnthropicProvider
from assistant.providers.offline import OfflineProvider
from assistant.testing.vendor_server import CHAT_COMPLETIONS, MESSAGES, ScriptedResponse
from tests.assistant.conftest import ANTHROPIC_KEY, ANTHROPIC_MODEL, OPENAI_KEY
from tests.assistant.streaming import collect, make_request, result_of


def test_rate_limited_three_times_falls_back_to_openai(vendor_server, make_config, sleeps):
    vendor_server.enqueue(MESSAGES, *[ScriptedResponse.error(429)] * 3)

    result = result_of(collect(make_request(), make_config()))

    assert result.provider == "openai"
    assert result.fallback_used
    assert [(attempt.provider, attempt.status_code) for attempt in result.attempts] == [
        ("anthropic", 429),
        ("anthropic", 429),
        ("anthropic", 429),
        ("openai", None),
    ]
    assert result.attempts[0].error.startswith("rate_limited 429 rate_limit_error")
    assert result.attempts[-1].error == ""
    assert len(vendor_server.requests_to(MESSAGES)) == 3
    # Full jitter at its maximum: base 0.5 s, doubling.
    assert sleeps == [0.5, 1.0]
    assert "Anthropic was rate-limiting us, so OpenAI answered instead." in result.notice


def test_one_rate_limit_then_success_stays_with_the_primary(vendor_server, make_config, sleeps):
    vendor_server.enqueue(MESSAGES, ScriptedResponse.error(429), ScriptedResponse(text="Fine now."))

    result = result_of(collect(make_request(), make_config()))

    assert (result.provider, result.text) == ("anthropic", "Fine now.")
    assert not result.fallback_used
    assert [attempt.status_code for attempt in result.attempts] == [429, None]
    assert sleeps == [0.5]
    assert vendor_server.requests_to(CHAT_COMPLETIONS) == []


def test_server_errors_and_overloaded_are_retried_then_fall_back(vendor_server, make_config, sleeps):
    vendor_server.enqueue(
        MESSAGES, ScriptedResponse.error(500), ScriptedResponse.error(529), ScriptedResponse.error(529)
    )

    result = result_of(collect(make_request(), make_config()))

    assert result.provider == "openai"
    assert [attempt.status_code for attempt in result.attempts[:3]] == [500, 529, 529]
    assert result.attempts[0].error.startswith("server_error 500 api_error")
    assert result.attempts[1].error.startswith("overloaded 529 overloaded_error")
    assert len(sleeps) == 2


def test_openai_server_errors_are_retried_too(vendor_server, make_config, sleeps):
    vendor_server.enqueue(CHAT_COMPLETIONS, ScriptedResponse.error(503), ScriptedResponse(text="Recovered."))

    result = result_of(collect(make_request(), make_config(provider="openai", fallback_provider="offline")))

    assert (result.provider, result.text) == ("openai", "Recovered.")
    assert result.attempts[0].error.startswith("server_error 503 server_error")
    assert sleeps == [0.5]


def test_no_first_token_in_time_is_retried_then_falls_back(vendor_server, make_config, sleeps):
    vendor_server.enqueue(MESSAGES, *[ScriptedResponse(first_token_delay=30)] * 3)

    result = result_of(collect(make_request(), make_config(first_token_timeout=0.5)))

    assert result.provider == "openai"
    assert [attempt.error for attempt in result.attempts[:3]] == ["first_token_timeout: no answer within 0.5 s"] * 3
    assert len(sleeps) == 2
    # Each abandoned attempt hung up on the vendor rather than leaving it generating.
    assert vendor_server.wait_for_disconnect(count=3)


def test_no_response_headers_in_time_counts_as_a_first_token_timeout(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(hang_before_response=30), ScriptedResponse(text="Hello."))

    result = result_of(collect(make_request(), make_config(first_token_timeout=0.5)))

    assert result.text == "Hello."
    assert result.attempts[0].error.startswith("first_token_timeout")


def test_unreachable_vendor_is_retried_then_falls_back(make_config, sleeps):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    config = make_config(anthropic_base_url=f"http://127.0.0.1:{closed_port}")

    result = result_of(collect(make_request(), config))

    assert result.provider == "openai"
    assert [attempt.error.split(":")[0] for attempt in result.attempts[:3]] == ["connection_error"] * 3
    assert len(sleeps) == 2


def test_retry_after_seconds_is_honoured(vendor_server, make_config, sleeps):
    vendor_server.enqueue(MESSAGES, ScriptedResponse.error(429, retry_after="7"), ScriptedResponse(text="Ok."))

    result = result_of(collect(make_request(), make_config()))

    assert result.text == "Ok."
    assert sleeps == [7.0]


def test_retry_after_ms_is_honoured(vendor_server, make_config, sleeps):
    vendor_server.enqueue(
        CHAT_COMPLETIONS, ScriptedResponse.error(429, retry_after_ms="2500"), ScriptedResponse(text="Ok.")
    )

    collect(make_request(), make_config(provider="openai"))

    assert sleeps == [2.5]


def test_retry_after_as_an_http_date_is_honoured(vendor_server, make_config, sleeps):
    in_twenty_seconds = email.utils.formatdate(time.time() + 20, usegmt=True)
    vendor_server.enqueue(MESSAGES, ScriptedResponse.error(529, retry_after=in_twenty_seconds))

    collect(make_request(), make_config())

    # The date has one-second resolution and the clock moved on a little.
    assert 18.0 <= sleeps[0] <= 20.0


def test_back_off_wins_over_a_shorter_retry_after(vendor_server, make_config, sleeps):
    vendor_server.enqueue(MESSAGES, *[ScriptedResponse.error(429, retry_after="0.1")] * 3)

    collect(make_request(), make_config())

    assert sleeps == [0.5, 1.0]


def test_retry_after_is_capped(vendor_server, make_config, sleeps):
    vendor_server.enqueue(MESSAGES, ScriptedResponse.error(429, retry_after="120"), ScriptedResponse(text="Ok."))

    collect(make_request(), make_config(total_timeout=90))

    assert sleeps == [30.0]


def test_retry_after_beyond_the_time_budget_falls_back_without_waiting(vendor_server, make_config, sleeps):
    vendor_server.enqueue(MESSAGES, ScriptedResponse.error(429, retry_after="25"))

    result = result_of(collect(make_request(), make_config(total_timeout=20)))

    assert result.provider == "openai"
    assert sleeps == []
    assert len(vendor_server.requests_to(MESSAGES)) == 1


def test_jitter_spreads_the_back_off_below_its_ceiling(vendor_server, make_config, sleeps):
    vendor_server.enqueue(MESSAGES, *[ScriptedResponse.error(500)] * 3)

    collect(make_request(), make_config(jitter_fraction=lambda: 0.25))

    assert sleeps == [0.125, 0.25]


def test_back_off_is_capped(vendor_server, make_config, sleeps):
    vendor_server.enqueue(MESSAGES, *[ScriptedResponse.error(500)] * 6)

    collect(make_request(), make_config(max_attempts=7, fallback_provider="offline", total_timeout=600))

    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_bad_request_is_not_retried(vendor_server, make_config, sleeps):
    vendor_server.enqueue(MESSAGES, ScriptedResponse.error(400, message="messages: too long"))

    result = result_of(collect(make_request(), make_config()))

    assert result.provider == "openai"
    assert len(vendor_server.requests_to(MESSAGES)) == 1
    assert result.attempts[0].status_code == 400
    assert result.attempts[0].error == "bad_request 400 invalid_request_error: messages: too long"
    assert sleeps == []


def test_rejected_api_key_is_not_retried(vendor_server, make_config, sleeps):
    vendor_server.enqueue(MESSAGES, ScriptedResponse.error(401, message="invalid x-api-key"))
    vendor_server.enqueue(CHAT_COMPLETIONS, ScriptedResponse.error(401, message="Incorrect API key provided"))

    result = result_of(collect(make_request(), make_config()))

    assert result.provider == "offline"
    assert [(attempt.provider, attempt.status_code) for attempt in result.attempts] == [
        ("anthropic", 401),
        ("openai", 401),
        ("offline", None),
    ]
    assert sleeps == []
    assert result.notice == (
        "Anthropic refused our API key; OpenAI refused our API key, so this answer comes straight from the help centre."
    )


def test_fallback_uses_the_requests_fallback_model(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, ScriptedResponse.error(401))

    result = result_of(collect(make_request(fallback_model="gpt-4o-mini"), make_config()))

    assert (result.provider, result.model) == ("openai", "gpt-4o-mini")
    assert vendor_server.requests_to(CHAT_COMPLETIONS)[0].body["model"] == "gpt-4o-mini"


def test_fallback_to_a_smaller_model_of_the_same_vendor(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, *[ScriptedResponse.error(529)] * 3)

    result = result_of(
        collect(make_request(fallback_model="claude-haiku-4-5"), make_config(fallback_provider="anthropic"))
    )

    assert (result.provider, result.model) == ("anthropic", "claude-haiku-4-5")
    assert result.fallback_used
    assert [request.body["model"] for request in vendor_server.requests_to(MESSAGES)] == [ANTHROPIC_MODEL] * 3 + [
        "claude-haiku-4-5"
    ]


def test_everything_failing_still_answers_from_the_help_centre(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, *[ScriptedResponse.error(500)] * 3)
    vendor_server.enqueue(CHAT_COMPLETIONS, *[ScriptedResponse.error(500)] * 3)

    result = result_of(collect(make_request(), make_config()))

    assert result.provider == "offline"
    assert result.text.startswith("This is an automatic answer from our help centre")
    assert len(result.attempts) == 7
    assert not result.partial


def test_failures_are_logged_with_provider_model_status_and_type_but_no_key(vendor_server, make_config, caplog):
    vendor_server.enqueue(MESSAGES, ScriptedResponse.error(429))
    caplog.set_level(logging.DEBUG)

    collect(make_request(question="My secret question about invoices"), make_config())

    failure_lines = [record.getMessage() for record in caplog.records if record.name == "assistant.reliability"]
    assert any(
        f"anthropic (model {ANTHROPIC_MODEL}) failed, attempt 1/3: status=429 error_type=rate_limit_error" in line
        for line in failure_lines
    )
    everything = "\n".join(record.getMessage() for record in caplog.records)
    assert ANTHROPIC_KEY not in everything and OPENAI_KEY not in everything
    info_and_above = "\n".join(record.getMessage() for record in caplog.records if record.levelno >= logging.INFO)
    assert "My secret question" not in info_and_above


def test_an_unexpected_error_is_not_retried_and_logged_with_its_traceback(
    vendor_server, make_config, caplog, monkeypatch
):
    def broken_events(self, **kwargs):
        raise RuntimeError("a bug in our provider code")

    monkeypatch.setattr(AnthropicProvider, "_events", broken_events)

    result = result_of(collect(make_request(), make_config()))

    assert result.provider == "openai"
    assert result.attempts[0].error == "internal_error: RuntimeError: a bug in our provider code"
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert errors and errors[0].exc_info is not None


def test_even_a_broken_offline_provider_ends_with_a_result_not_an_exception(make_config, monkeypatch):
    def broken_events(self, **kwargs):
        raise RuntimeError("a bug in the offline provider")

    monkeypatch.setattr(OfflineProvider, "_events", broken_events)

    result = result_of(collect(make_request(), make_config(provider="offline", fallback_provider="offline")))

    assert result.stop_reason == "error"
    assert result.text == ""
    assert result.notice == NOTHING_ANSWERED
