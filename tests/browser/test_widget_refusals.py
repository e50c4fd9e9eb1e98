"""A message the server refuses, or cannot take, is shown as not sent and the outbox moves on
(issue 12, item 3). Half an emoji typed in Chromium once cost 21 reconnects and 40 server
tracebacks in 45 s, and every later message waited behind it, even after a reload."""

import pytest
from playwright.sync_api import expect

from tests.browser.mock_chat import MockChat, message

pytestmark = pytest.mark.slow


def type_and_send(widget, text_expression: str) -> None:
    """Sets the message box to a JavaScript string (a lone surrogate cannot cross Playwright's
    protocol intact) and sends it with Enter, as a person would."""
    box = widget.locator("textarea.input")
    box.evaluate(f"box => {{ box.value = {text_expression}; box.dispatchEvent(new Event('input')); }}")
    box.press("Enter")


@pytest.mark.django_db(transaction=True)
def test_half_an_emoji_is_refused_shown_as_not_sent_and_the_next_message_goes_out(workspace, daphne, page):
    server = daphne(provider="offline")
    sockets = []
    page.on("websocket", lambda socket: sockets.append(socket))
    page.goto(f"{server.url}/demo/")
    widget = page.locator("chatassist-widget")
    widget.locator(".launcher").click()

    type_and_send(widget, "'Half an emoji: ' + String.fromCharCode(0xD83D)")
    failed = widget.locator(".row.failed")
    expect(failed.locator(".error")).to_contain_text("Not sent · This message contains a character that cannot be sent")
    expect(failed.locator(".retry")).to_be_visible()

    type_and_send(widget, "'A whole one: \\uD83D\\uDE00'")
    expect(widget.locator(".row.customer[data-seq='1']")).to_contain_text("A whole one: 😀")
    assert len(sockets) == 1, "the widget reconnected"
    # Nothing waits in the outbox, after a reload either.
    assert page.evaluate("Object.keys(localStorage).filter(k => k.endsWith(':outbox'))") == []
    page.reload()
    widget.locator(".launcher").click()
    expect(widget.locator(".row.customer[data-seq='1']")).to_contain_text("A whole one: 😀")
    expect(widget.locator(".row.pending")).to_have_count(0)
    assert "Traceback" not in server.output()


def test_a_message_that_costs_the_connection_three_times_is_set_aside_and_the_next_goes_out(page):
    """Whatever a server does wrong with a message (here: it closes the socket, as 1011 did),
    the widget tries it three times, then marks it not sent and sends the ones behind it."""
    chat = MockChat(page)
    acknowledged = []

    def on_frame(frame):
        if frame["type"] != "message.send":
            return
        if frame["text"] == "poison":
            chat.sockets[-1].close(code=1011, reason="internal error")
            return
        acknowledged.append(frame["text"])
        chat.send(
            {
                "type": "message.created",
                "conversation_id": 7,
                "message": message(len(acknowledged), "customer", frame["text"], client_id=frame["client_id"]),
            }
        )

    chat.on_frame = on_frame
    widget = chat.open()
    type_and_send(widget, "'poison'")
    type_and_send(widget, "'after the poison'")
    failed = widget.locator(".row.failed")
    expect(failed.locator(".error")).to_have_text("Not sent", timeout=30_000)
    expect(widget.locator(".row.customer[data-seq='1']")).to_contain_text("after the poison")
    assert [frame["text"] for frame in chat.sent("message.send")].count("poison") == 3
    assert acknowledged == ["after the poison"]
    assert page.evaluate("localStorage.getItem('chatassist:pk_test_widget:outbox')") is None

    # Retry puts it back, with three fresh tries.
    failed.locator(".retry").click()
    chat.sent_eventually("message.send", lambda frame: frame["text"] == "poison")
