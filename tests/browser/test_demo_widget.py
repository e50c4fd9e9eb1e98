"""The widget on /demo/ against real daphne processes, the real database and Redis, and the
offline provider answering from Pulsar's help centre (or Anthropic's protocol on the vendor
test server, where the model's exact words matter)."""

import base64
import json
import re

import pytest
from playwright.sync_api import expect

from assistant.testing.vendor_server import ScriptedResponse
from conversations.models import Conversation, Message

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPLY_TIMEOUT = 45_000  # the daphne process loads the embedding model on its first question
# A 1x1 PNG: the server detects types from content, never from names.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def open_widget(page, url):
    page.goto(url)
    widget = page.locator("chatassist-widget")
    widget.locator(".launcher").click()
    expect(widget.locator(".panel")).to_be_visible()
    return widget


def send(widget, text):
    widget.locator("textarea.input").fill(text)
    widget.locator("textarea.input").press("Enter")


def last_ai_reply(widget):
    return widget.locator(".row.ai[data-seq]").last


def record_socket_frames(page) -> list[dict]:
    frames: list[dict] = []

    def on_socket(socket):
        socket.on("framereceived", lambda payload: frames.append(json.loads(payload)))

    page.on("websocket", on_socket)
    return frames


def assert_inert(page):
    """Nothing a customer, the model or a file name said became markup or ran."""
    assert page.evaluate("window.__xss") is None
    assert (
        page.evaluate(
            """() => {
            const root = document.querySelector('chatassist-widget').shadowRoot;
            const hostile = 'img[src="x"], script, iframe, [onerror], [onclick], a[href^="javascript"]';
            return root.querySelectorAll(hostile).length;
        }"""
        )
        == 0
    )
    assert page.locator("img[src='x']").count() == 0


def test_a_customer_asks_watches_the_reply_stream_reloads_resolves_and_rates(demo, page):
    frames = record_socket_frames(page)
    widget = open_widget(page, f"{demo.url}/demo/")
    expect(widget.locator(".welcome")).to_contain_text("Pulsar's assistant")
    expect(widget.locator(".suggestion")).to_have_count(3)
    expect(widget.locator("header h2")).to_have_text("Pulsar support")

    send(widget, "How do I download my invoice?")
    expect(widget.locator(".row.customer[data-seq='1']")).to_contain_text("How do I download my invoice?")
    reply = last_ai_reply(widget)
    expect(reply).to_contain_text("Download an invoice", timeout=REPLY_TIMEOUT)
    expect(reply).to_contain_text("Invoices and payments")
    expect(widget.locator(".suggestion")).to_have_count(0)

    # It streamed: the first token at once, then what arrived in each 50 ms (the offline
    # provider is fast: one frame or more), at growing offsets, then the stored reply.
    deltas = [frame for frame in frames if frame["type"] == "delta"]
    assert len(deltas) >= 2
    assert [frame["offset"] for frame in deltas] == sorted(frame["offset"] for frame in deltas)
    completed = next(frame for frame in frames if frame["type"] == "completed")
    assert "".join(frame["text"] for frame in deltas) == completed["message"]["text"]
    assert "Download an invoice" in reply.inner_text()
    # The visitor saw it: `read` went out, and the server marked the reply read.
    expect(widget.locator(".receipt.seen")).to_have_text("Seen")
    conversation = Conversation.objects.get(workspace=demo_workspace_id(page))
    assert Message.objects.get(conversation=conversation, sender="ai").status == "read"

    # After a reload the conversation is still there, resumed from the server.
    page.reload()
    widget = page.locator("chatassist-widget")
    widget.locator(".launcher").click()
    expect(widget.locator(".row.customer[data-seq='1']")).to_contain_text("How do I download my invoice?")
    expect(last_ai_reply(widget)).to_contain_text("Download an invoice")
    expect(widget.locator(".row[data-seq]")).to_have_count(2)

    # "That helped" resolves it; the stars rate it, from the keyboard.
    widget.locator(".helped").click()
    expect(widget.locator(".csat .question")).to_be_visible()
    widget.locator(".star").first.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(widget.locator(".star[aria-checked='true']")).to_have_attribute("aria-label", "4 of 5 stars")
    widget.locator(".csat textarea").fill("Quick and to the point.")
    widget.locator(".csat button[type=submit]").click()
    expect(widget.locator(".csat")).to_contain_text("Thanks for your feedback!")
    conversation.refresh_from_db()
    assert (conversation.status, conversation.resolved_by) == ("resolved", "ai")
    assert (conversation.csat_score, conversation.csat_comment) == (4, "Quick and to the point.")

    # The past conversation is listed, and a new one can be started.
    widget.locator("header button[aria-label='Your conversations']").click()
    expect(widget.locator(".past")).to_have_count(1)
    expect(widget.locator(".past .meta")).to_contain_text("Resolved")
    widget.locator(".history .new").click()
    expect(widget.locator(".row[data-seq]")).to_have_count(0)
    expect(widget.locator(".suggestion")).to_have_count(3)


def test_a_rating_and_its_comment_survive_while_the_customer_takes_their_time(demo, page):
    """The widget redraws what is under the messages every 5 s (typing indicators expire):
    that used to wipe the chosen stars and the comment being typed (issue 13)."""
    widget = open_widget(page, f"{demo.url}/demo/")
    send(widget, "How do I download my invoice?")
    expect(last_ai_reply(widget)).to_contain_text("Download an invoice", timeout=REPLY_TIMEOUT)
    widget.locator(".helped").click()
    expect(widget.locator(".csat .question")).to_be_visible()
    widget.locator(".star").nth(4).click()
    comment = widget.locator(".csat textarea")
    comment.click()
    page.keyboard.type("Clear answer")

    page.wait_for_timeout(10_000)  # two redraws of the foot

    expect(widget.locator(".star[aria-checked='true']")).to_have_attribute("aria-label", "5 of 5 stars")
    expect(comment).to_be_focused()
    page.keyboard.type(", thanks.")
    expect(comment).to_have_value("Clear answer, thanks.")
    submit = widget.locator(".csat button[type=submit]")
    expect(submit).to_be_enabled()
    submit.click()
    expect(widget.locator(".csat")).to_contain_text("Thanks for your feedback!")
    conversation = Conversation.objects.get(workspace=demo_workspace_id(page))
    assert (conversation.csat_score, conversation.csat_comment) == (5, "Clear answer, thanks.")

    # Sent once; for a while it can be changed, starting from what was sent.
    widget.locator(".csat button.link").click()
    expect(widget.locator(".star[aria-checked='true']")).to_have_attribute("aria-label", "5 of 5 stars")
    expect(comment).to_have_value("Clear answer, thanks.")
    widget.locator(".star").nth(2).click()
    submit.click()
    expect(widget.locator(".csat .stars.done")).to_have_attribute("aria-label", "3 of 5 stars")
    conversation.refresh_from_db()
    assert (conversation.csat_score, conversation.csat_comment) == (3, "Clear answer, thanks.")


def demo_workspace_id(page):
    from accounts.models import Workspace

    return Workspace.objects.get(slug="demo").pk


def test_customer_text_model_html_and_file_names_stay_text(workspace, help_centre, daphne, vendor_server, page):
    model_html = (
        'Try <img src=x onerror="window.__xss=2"> or <script>window.__xss=3</script>, '
        "[this link](javascript:window.__xss=4) and **bold** text."
    )
    vendor_server.enqueue("messages", ScriptedResponse(text=model_html))
    server = daphne(
        provider="anthropic",
        ANTHROPIC_API_KEY="sk-ant-test-key",
        ANTHROPIC_BASE_URL=vendor_server.anthropic_base_url,
        ASSISTANT_MAX_ATTEMPTS="1",
    )
    widget = open_widget(page, f"{server.url}/demo/")

    customer_html = '<img src=x onerror="window.__xss=1">'
    send(widget, customer_html)
    expect(widget.locator(".row.customer[data-seq='1'] .bubble")).to_have_text(customer_html)
    reply = last_ai_reply(widget)
    expect(reply.locator("strong")).to_have_text("bold", timeout=REPLY_TIMEOUT)
    expect(reply.locator(".bubble")).to_contain_text('Try <img src=x onerror="window.__xss=2"> or <script>')
    expect(reply.locator(".bubble")).to_contain_text("this link")
    assert reply.locator("a").count() == 0

    # Without quotes or slashes: browsers send " as %22 in a multipart file name, and the server
    # keeps only the part after the last slash (a path is not a name).
    names = ["<img src=x onerror=window.__xss=5>.png", "<img src=x onerror=window.__xss=6>.txt"]
    widget.locator("input[type=file]").set_input_files(
        [
            {"name": names[0], "mimeType": "image/png", "buffer": PNG},
            {"name": names[1], "mimeType": "text/plain", "buffer": b"plain notes"},
        ]
    )
    expect(widget.locator(".upload .name")).to_have_text(names)
    expect(widget.locator(".upload .meta")).not_to_contain_text(["Uploading…", "Uploading…"])
    widget.locator("button.send").click()
    sent = widget.locator(".row.customer[data-seq='3']")
    expect(sent.locator(".files img")).to_have_attribute("alt", names[0])
    expect(sent.locator(".files .chip .name")).to_have_text(names[1])
    assert re.search(r"/api/chat/attachments/\d+/", sent.locator(".files img").get_attribute("src"))
    page.wait_for_function(
        "() => document.querySelector('chatassist-widget').shadowRoot.querySelector('.files img').complete"
    )
    assert_inert(page)


def test_with_websockets_blocked_the_widget_talks_http_and_sse(demo, page):
    refused = []
    page.route_web_socket(re.compile(r"/ws/widget/"), lambda socket: (refused.append(socket), socket.close()))
    requests = []
    page.on("request", lambda request: requests.append((request.method, request.url, request.headers.get("accept"))))
    widget = open_widget(page, f"{demo.url}/demo/")

    send(widget, "Where can I download my invoices?")
    reply = last_ai_reply(widget)
    expect(reply).to_contain_text("Invoices and payments", timeout=REPLY_TIMEOUT)
    assert page.evaluate("window.ChatAssist.transport") == "http"
    assert len(refused) == 2  # two failed sockets, then HTTP for the rest of the page
    assert ("POST", f"{demo.url}/api/chat/hello", None) in [(m, u, None) for m, u, _ in requests]
    assert any(m == "POST" and u == f"{demo.url}/api/chat" and "text/event-stream" in (a or "") for m, u, a in requests)
    assert any("/events" in url for _, url, _ in requests)  # the conversation's live stream

    # The same behaviour: read receipts and "That helped" go through POST /api/chat/frame.
    expect(widget.locator(".receipt.seen")).to_be_visible()
    widget.locator(".helped").click()
    expect(widget.locator(".csat .question")).to_be_visible()
    conversation = Conversation.objects.get(workspace__slug="demo")
    assert conversation.status == "resolved"


def test_on_a_small_phone_the_panel_is_full_screen(demo, browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        widget = open_widget(page, f"{demo.url}/demo/")
        box = widget.locator(".panel").bounding_box()
        assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 360, 740)
        expect(widget.locator(".launcher")).to_be_hidden()
        widget.locator("header button[aria-label='Close chat']").click()
        expect(widget.locator(".panel")).to_be_hidden()
        expect(widget.locator(".launcher")).to_be_visible()
    finally:
        context.close()


def test_the_keyboard_opens_with_enter_and_escape_closes(demo, page):
    page.goto(f"{demo.url}/demo/")
    widget = page.locator("chatassist-widget")
    launcher = widget.locator(".launcher")
    expect(launcher).to_have_attribute("aria-label", "Open chat")
    launcher.focus()
    page.keyboard.press("Enter")
    expect(widget.locator(".panel")).to_be_visible()
    expect(widget.locator("textarea.input")).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Escape")
    expect(widget.locator(".panel")).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
