"""A stream that breaks after text was shown is never restarted in the same bubble."""

from assistant import Delta, Interrupted
from assistant.notices import BOTH_FAILED
from assistant.testing.vendor_server import CHAT_COMPLETIONS, MESSAGES, ScriptedResponse
from tests.assistant.streaming import bubbles, collect, make_request, result_of

FRESH_ANSWER = "Open the sign-in page and click Forgot password [1]. ⟦confidence=0.85⟧"


def test_dropped_connection_mid_answer_yields_interrupted_then_the_fallback_in_a_new_bubble(
    vendor_server, make_config, sleeps
):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(text="To reset your password you need", drop_after_tokens=3))
    vendor_server.enqueue(CHAT_COMPLETIONS, ScriptedResponse(text=FRESH_ANSWER))

    events = collect(make_request(), make_config())

    kinds = [type(event).__name__ for event in events]
    assert kinds == ["Delta"] * 3 + ["Interrupted"] + ["Delta"] * 9 + ["CompletionResult"]
    interrupted = events[3]
    assert interrupted == Interrupted(
        reason="Anthropic dropped the connection in the middle of the answer.", text_so_far="To reset your "
    )
    assert bubbles(events) == ["To reset your ", "Open the sign-in page and click Forgot password [1]. "]
    result = result_of(events)
    assert result.text == "Open the sign-in page and click Forgot password [1]."
    assert (result.provider, result.partial, result.fallback_used) == ("openai", False, True)
    assert result.stop_reason == "end_turn"
    assert [attempt.interrupted for attempt in result.attempts] == [True, False]
    assert result.attempts[0].error.startswith("connection_lost")
    assert result.notice == (
        "The first answer was cut off (Anthropic dropped the connection); OpenAI answered again from the start."
    )
    # Not retried at the same provider: that would repeat what the customer already read.
    assert len(vendor_server.requests_to(MESSAGES)) == 1
    assert sleeps == []


def test_vendor_error_event_mid_answer_also_interrupts(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(text="Here is how", error_after_tokens=2))

    events = collect(make_request(), make_config())

    assert [type(event).__name__ for event in events[:3]] == ["Delta", "Delta", "Interrupted"]
    result = result_of(events)
    assert result.provider == "openai"
    assert result.attempts[0].error.startswith("overloaded 200 overloaded_error")


def test_too_slow_after_the_first_token_interrupts_on_the_total_timeout(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(text="Slow answer that stalls", token_delay=30))

    events = collect(make_request(), make_config(first_token_timeout=1.0, total_timeout=1.5))

    interrupted = next(event for event in events if isinstance(event, Interrupted))
    assert interrupted.text_so_far == "Slow "
    assert interrupted.reason == "Anthropic took too long to answer in the middle of the answer."
    assert result_of(events).attempts[0].error == "total_timeout: no answer within 1.5 s"
    assert vendor_server.wait_for_disconnect()


def test_interrupted_answer_without_a_paid_fallback_continues_from_the_help_centre(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(text="Partial words here", drop_after_tokens=1))

    events = collect(make_request(), make_config(fallback_provider="offline"))

    result = result_of(events)
    assert result.provider == "offline"
    assert bubbles(events)[0] == "Partial "
    assert bubbles(events)[1].startswith("This is an automatic answer from our help centre")
    assert result.notice == (
        "The first answer was cut off (Anthropic dropped the connection); "
        "the new one comes straight from the help centre."
    )


def test_fallback_failing_before_text_after_an_interruption_still_answers_offline(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(text="Partial words here", drop_after_tokens=2))
    vendor_server.enqueue(CHAT_COMPLETIONS, *[ScriptedResponse.error(500)] * 3)

    events = collect(make_request(), make_config())

    result = result_of(events)
    assert sum(isinstance(event, Interrupted) for event in events) == 1
    assert result.provider == "offline" and not result.partial
    assert len(result.attempts) == 5


def test_both_answers_breaking_ends_with_a_partial_result_and_a_polite_notice(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(text="First answer breaks here", drop_after_tokens=2))
    vendor_server.enqueue(CHAT_COMPLETIONS, ScriptedResponse(text="Second answer breaks too", drop_after_tokens=3))

    events = collect(make_request(), make_config())

    # One Interrupted (between the two bubbles); the second bubble is marked by the result.
    assert sum(isinstance(event, Interrupted) for event in events) == 1
    assert bubbles(events) == ["First answer ", "Second answer breaks "]
    result = result_of(events)
    assert result.partial
    assert result.stop_reason == "error"
    assert result.text == "Second answer breaks"
    assert result.provider == "openai"
    assert result.notice == BOTH_FAILED
    assert result.confidence == 0.0
    assert [attempt.interrupted for attempt in result.attempts] == [True, True]
    # No third bubble from the offline provider.
    assert not any(isinstance(event, Delta) and "help centre" in event.text for event in events)


def test_tokens_of_the_broken_attempt_are_counted_in_the_result(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(text="one two three four", drop_after_tokens=2, input_tokens=1000))
    vendor_server.enqueue(CHAT_COMPLETIONS, ScriptedResponse(text="Fresh answer.", input_tokens=900, output_tokens=4))

    result = result_of(collect(make_request(), make_config()))

    broken, fresh = result.attempts
    assert broken.input_tokens == 1000 and broken.output_tokens >= 2
    assert (fresh.input_tokens, fresh.output_tokens) == (900, 4)
    assert result.input_tokens == 1900
    assert result.output_tokens == broken.output_tokens + 4
