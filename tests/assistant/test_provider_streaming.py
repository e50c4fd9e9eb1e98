"""Each provider streams through its real SDK (or, offline, through no SDK at all): text in
order, usage from the vendor's own fields, and the request the vendor received."""

from decimal import Decimal

from assistant import Example, Turn
from assistant.prompting import passage_heading
from assistant.providers.offline import WORDS_PER_DELTA
from assistant.testing.vendor_server import CHAT_COMPLETIONS, MESSAGES, ScriptedResponse
from assistant.token_count import count_tokens
from tests.assistant.conftest import ANTHROPIC_KEY, ANTHROPIC_MODEL, OPENAI_KEY
from tests.assistant.streaming import (
    BILLING_PASSAGE,
    PASSWORD_PASSAGE,
    collect,
    deltas,
    make_request,
    result_of,
)

TOKENS = ("Open ", "the sign-in page ", "and click ", "“Forgot password” [1].", "\n⟦confidence=0.9⟧")


def test_anthropic_streams_text_in_order_with_usage_from_the_stream(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(tokens=TOKENS, input_tokens=412, output_tokens=23))

    events = collect(make_request(), make_config(provider="anthropic"))

    assert deltas(events) == [*TOKENS[:-1], "\n"]
    result = result_of(events)
    assert result.text == "Open the sign-in page and click “Forgot password” [1]."
    assert (result.provider, result.model) == ("anthropic", ANTHROPIC_MODEL)
    assert (result.input_tokens, result.output_tokens) == (412, 23)
    assert result.cost_usd == Decimal("0.001581")  # 412 * $3/M + 23 * $15/M
    assert result.stop_reason == "end_turn"
    assert result.first_token_ms is not None
    assert not result.fallback_used and not result.partial and result.notice == ""


def test_anthropic_request_has_system_passages_and_alternating_messages(vendor_server, make_config):
    request = make_request(
        examples=(Example(customer="Hi", assistant="Hello! How can I help?"),),
        history=(
            Turn(role="customer", text="I can't log in."),
            Turn(role="customer", text="It says my password is wrong."),
            Turn(role="assistant", text="Sorry to hear that."),
        ),
        max_output_tokens=321,
    )

    collect(request, make_config(provider="anthropic"))

    (received,) = vendor_server.requests_to(MESSAGES)
    # This SDK version sends the key as a bearer token; older ones used x-api-key.
    assert ANTHROPIC_KEY in (received.headers.get("x-api-key"), received.headers.get("authorization", "")[7:])
    assert received.body["model"] == ANTHROPIC_MODEL
    assert received.body["max_tokens"] == 321
    assert received.body["stream"] is True
    system = received.body["system"]
    assert system.startswith("You are the support assistant of Acme.")
    assert "⟦confidence=X⟧" in system
    assert "To reset your password" not in system  # knowledge text is data, not instructions
    assert [message["role"] for message in received.body["messages"]] == ["user", "assistant", "user"]
    last = received.body["messages"][-1]["content"]
    fence = request.boundary
    assert (
        f"<<<HELP-CENTRE PASSAGES {fence}>>>\n[1] {passage_heading(PASSWORD_PASSAGE)}\nTo reset your password" in last
    )
    assert f"[2] {passage_heading(BILLING_PASSAGE)}\n" in last
    assert (
        "Customer: I can't log in.\n\nCustomer: It says my password is wrong.\n\nSupport: Sorry to hear that." in last
    )
    assert last.endswith(
        f"<<<CUSTOMER MESSAGE {fence}>>>\nHow do I reset my password?\n<<<END CUSTOMER MESSAGE {fence}>>>"
    )


def test_anthropic_history_starting_with_the_assistant_is_sent_inside_the_users_turn(vendor_server, make_config):
    request = make_request(history=(Turn(role="assistant", text="Hi! I'm the Acme assistant."),))

    result = result_of(collect(request, make_config(provider="anthropic")))

    # The vendor server refuses a first message from the assistant, as Anthropic does.
    assert result.provider == "anthropic" and not result.attempts[0].error
    messages = vendor_server.requests_to(MESSAGES)[0].body["messages"]
    assert [message["role"] for message in messages] == ["user"]
    assert "Support: Hi! I'm the Acme assistant." in messages[0]["content"]


def test_anthropic_max_tokens_stop_reason_is_reported(vendor_server, make_config):
    vendor_server.enqueue(MESSAGES, ScriptedResponse(text="A long answer that was cut", stop_reason="max_tokens"))

    result = result_of(collect(make_request(), make_config(provider="anthropic")))

    assert result.stop_reason == "max_tokens"
    assert result.text == "A long answer that was cut"


def test_openai_streams_text_in_order_with_usage_from_the_final_chunk(vendor_server, make_config):
    vendor_server.enqueue(CHAT_COMPLETIONS, ScriptedResponse(tokens=TOKENS, input_tokens=500, output_tokens=25))

    events = collect(make_request(), make_config(provider="openai"))

    assert deltas(events) == [*TOKENS[:-1], "\n"]
    result = result_of(events)
    assert result.text == "Open the sign-in page and click “Forgot password” [1]."
    assert (result.provider, result.model) == ("openai", "gpt-4.1-mini")
    assert (result.input_tokens, result.output_tokens) == (500, 25)
    assert result.cost_usd == Decimal("0.00024")  # 500 * $0.4/M + 25 * $1.6/M
    assert result.stop_reason == "end_turn"
    assert not result.usage_estimated


def test_openai_request_asks_for_usage_and_puts_the_system_prompt_first(vendor_server, make_config):
    request = make_request(max_output_tokens=222)
    collect(request, make_config(provider="openai"))

    (received,) = vendor_server.requests_to(CHAT_COMPLETIONS)
    assert received.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert received.body["stream"] is True
    assert received.body["stream_options"] == {"include_usage": True}
    assert received.body["max_completion_tokens"] == 222
    assert received.body["messages"][0]["role"] == "system"
    assert "# What is data" in received.body["messages"][0]["content"]
    last = received.body["messages"][-1]
    assert last["role"] == "user"
    assert f"[1] {passage_heading(PASSWORD_PASSAGE)}" in last["content"]
    assert last["content"].endswith(f"How do I reset my password?\n<<<END CUSTOMER MESSAGE {request.boundary}>>>")


def test_openai_length_finish_reason_becomes_max_tokens(vendor_server, make_config):
    vendor_server.enqueue(CHAT_COMPLETIONS, ScriptedResponse(text="Cut short", stop_reason="max_tokens"))

    assert result_of(collect(make_request(), make_config(provider="openai"))).stop_reason == "max_tokens"


def test_openai_compatible_uses_its_own_base_url_model_and_max_tokens(vendor_server, make_config):
    vendor_server.enqueue(CHAT_COMPLETIONS, ScriptedResponse(tokens=TOKENS, input_tokens=300, output_tokens=20))
    config = make_config(
        provider="openai_compatible",
        openai_api_key="",
        openai_compatible_model="llama3.1:8b",
        openai_compatible_api_key="local-key",
    )

    result = result_of(collect(make_request(max_output_tokens=111), config))

    assert (result.provider, result.model) == ("openai_compatible", "llama3.1:8b")
    assert (result.input_tokens, result.output_tokens) == (300, 20)
    assert not result.usage_estimated
    (received,) = vendor_server.requests_to(CHAT_COMPLETIONS)
    assert received.body["model"] == "llama3.1:8b"
    assert received.body["max_tokens"] == 111
    assert "max_completion_tokens" not in received.body
    assert received.headers["authorization"] == "Bearer local-key"


def test_openai_compatible_server_without_usage_gets_tokens_counted_locally(vendor_server, make_config):
    vendor_server.enqueue(CHAT_COMPLETIONS, ScriptedResponse(tokens=TOKENS, send_usage=False))

    result = result_of(collect(make_request(), make_config(provider="openai_compatible")))

    assert result.usage_estimated
    assert result.output_tokens == count_tokens("".join(TOKENS))
    # The prompt was counted too: system prompt with passages, plus the question.
    assert result.input_tokens > count_tokens("How do I reset my password?") + count_tokens(
        make_request().passages[0].text
    )
    assert result.text.endswith("[1].")


def test_offline_streams_a_few_words_per_delta_with_real_token_counts(vendor_server, make_config):
    request = make_request()

    events = collect(request, make_config(provider="offline"))

    result = result_of(events)
    pieces = deltas(events)
    assert len(pieces) > 3
    assert all(1 <= len(piece.split()) <= WORDS_PER_DELTA for piece in pieces)
    assert "".join(pieces) == result.text
    assert (result.provider, result.model, result.cost_usd) == ("offline", "offline", Decimal(0))
    assert result.output_tokens == count_tokens(result.text)
    assert result.input_tokens == count_tokens(request.question) + sum(
        count_tokens(passage.text) for passage in request.passages
    )
    assert vendor_server.requests == []
