"""The widget against a fake server (mock_chat.py): rendering, streaming by the offset rule,
safety of everything it shows, the outbox, and the move to HTTP when sockets fail."""

import json

from playwright.sync_api import expect

from tests.browser.mock_chat import CHAT, MockChat, message


def reply_to_each_message(chat, *, reply_text="Thanks!"):
    """For every message.send: its message.created, then an AI reply streamed in two deltas."""
    state = {"seq": 0}

    def on_frame(frame):
        if frame["type"] != "message.send":
            return
        state["seq"] += 1
        conversation_id = frame.get("conversation_id") or 7
        chat.send(
            {
                "type": "message.created",
                "conversation_id": conversation_id,
                "message": message(state["seq"], "customer", frame["text"], client_id=frame["client_id"]),
            }
        )
        stream = f"s{state['seq']}"
        half = len(reply_text) // 2
        chat.send(
            {
                "type": "delta",
                "conversation_id": conversation_id,
                "stream_id": stream,
                "offset": 0,
                "text": reply_text[:half],
            }
        )
        chat.send(
            {
                "type": "delta",
                "conversation_id": conversation_id,
                "stream_id": stream,
                "offset": half,
                "text": reply_text[half:],
            }
        )
        state["seq"] += 1
        chat.send(
            {
                "type": "completed",
                "conversation_id": conversation_id,
                "stream_id": stream,
                "message": message(state["seq"], "ai", reply_text),
            }
        )

    chat.on_frame = on_frame
    return state


def send(widget, text):
    widget.locator("textarea.input").fill(text)
    widget.locator("textarea.input").press("Enter")


def test_the_host_pages_css_does_not_reach_the_widget(page):
    chat = MockChat(page)
    widget = chat.open()
    launcher_color = widget.locator(".launcher").evaluate("node => getComputedStyle(node).backgroundColor")
    assert launcher_color == "rgb(15, 118, 110)"  # the workspace's colour, not the page's red
    expect(widget.locator(".panel")).to_be_visible()
    font = widget.locator(".panel").evaluate("node => getComputedStyle(node).fontFamily")
    assert font != "serif" and "system-ui" in font
    expect(widget.locator(".welcome")).to_contain_text("Hi! Ask me anything.")
    expect(widget.locator(".branding")).to_contain_text("Powered by ChatAssist")


def test_a_message_is_sent_and_the_reply_streams_in(page):
    chat = MockChat(page)
    reply_to_each_message(chat, reply_text="Go to **Billing** and click `Download`.")
    widget = chat.open()
    send(widget, "Where is my invoice?")
    ai = widget.locator(".row.ai[data-seq='2']")
    expect(ai.locator("strong")).to_have_text("Billing")
    expect(ai.locator("code")).to_have_text("Download")
    hello = chat.sent("hello")[0]
    assert "visitor_token" not in hello
    assert chat.sent("message.send")[0]["text"] == "Where is my invoice?"
    assert "conversation_id" not in chat.sent("message.send")[0]
    expect(widget.locator(".helped")).to_be_visible()
    assert page.evaluate("localStorage.getItem('chatassist:pk_test_widget:visitor')") == '"vt_test"'


def test_deltas_follow_the_offset_rule_and_a_lost_update_waits_for_the_stored_reply(page):
    chat = MockChat(page)
    widget = chat.open()
    frames = [
        {"offset": 0, "text": "Hello"},
        {"offset": 5, "text": " there"},
        {"offset": 0, "text": "Hello"},  # a watcher's stale snapshot: shorter, ignored
        {"offset": 40, "text": "lost in between"},  # an update was lost: ignored
        {"offset": 11, "text": ", friend"},
    ]
    for frame in frames:
        chat.send({"type": "delta", "conversation_id": 7, "stream_id": "s1", **frame})
    streaming = widget.locator(".row.ai.streaming .bubble")
    expect(streaming).to_have_text("Hello there, friend")
    chat.send(
        {
            "type": "completed",
            "conversation_id": 7,
            "stream_id": "s1",
            "message": message(2, "ai", "Hello there, friend!"),
        }
    )
    chat.send({"type": "delta", "conversation_id": 7, "stream_id": "s1", "offset": 0, "text": "late"})
    expect(widget.locator(".row.ai[data-seq='2'] .bubble")).to_have_text("Hello there, friend!")
    expect(widget.locator(".row.ai:not(.welcome)")).to_have_count(1)
    # The same stored message twice renders once (keyed by seq).
    chat.send({"type": "message.created", "conversation_id": 7, "message": message(2, "ai", "Hello there, friend!")})
    expect(widget.locator(".row.ai:not(.welcome)")).to_have_count(1)


def test_markdown_links_are_safe_and_html_is_text(page):
    chat = MockChat(page)
    widget = chat.open()
    text = (
        "[docs](https://example.com/docs) [mail](mailto:help@example.com) "
        "[bad](javascript:alert(1)) [worse](javascript:void0) "
        "[data](data:text/html,hi) [relative](/account) <b>not bold</b>\n\n- one\n- two\n\n```\n<script>x</script>\n```"
    )
    chat.send(
        {"type": "message.created", "conversation_id": 7, "message": message(1, "agent", text, author_name="Alex")}
    )
    bubble = widget.locator(".row.agent .bubble")
    links = bubble.locator("a")
    expect(links).to_have_count(2)
    assert links.nth(0).get_attribute("href") == "https://example.com/docs"
    assert links.nth(0).get_attribute("rel") == "noopener noreferrer nofollow"
    assert links.nth(0).get_attribute("target") == "_blank"
    assert links.nth(1).get_attribute("href") == "mailto:help@example.com"
    expect(bubble).to_contain_text("[bad](javascript:alert(1)) worse data relative <b>not bold</b>")
    expect(bubble.locator("li")).to_have_text(["one", "two"])
    expect(bubble.locator("pre code")).to_have_text("<script>x</script>")
    assert bubble.locator("b, script").count() == 0
    expect(widget.locator(".row.agent .author")).to_have_text("Alex")


def test_a_rate_limited_message_stays_in_the_outbox_and_is_sent_again(page):
    chat = MockChat(page)
    attempts = []

    def on_frame(frame):
        if frame["type"] != "message.send":
            return
        attempts.append(frame)
        if len(attempts) == 1:
            chat.send(
                {
                    "type": "error",
                    "code": "rate_limited",
                    "detail": "Slow down.",
                    "client_id": frame["client_id"],
                    "retry_after": 1,
                }
            )
        else:
            chat.send(
                {
                    "type": "message.created",
                    "conversation_id": 7,
                    "message": message(1, "customer", frame["text"], client_id=frame["client_id"]),
                }
            )

    chat.on_frame = on_frame
    widget = chat.open()
    send(widget, "Hello?")
    expect(widget.locator(".row.pending .receipt")).to_have_text("Waiting for the connection…")
    expect(widget.locator(".row.customer[data-seq='1']")).to_be_visible(timeout=5000)
    assert [frame["client_id"] for frame in attempts] == [attempts[0]["client_id"]] * 2
    assert page.evaluate("localStorage.getItem('chatassist:pk_test_widget:outbox')") is None


def test_a_refused_message_is_marked_failed_with_the_reason_and_can_be_retried(page):
    chat = MockChat(page)
    attempts = []

    def on_frame(frame):
        if frame["type"] != "message.send":
            return
        attempts.append(frame)
        if len(attempts) == 1:
            chat.send(
                {
                    "type": "error",
                    "code": "conversation_closed",
                    "detail": "This conversation takes no more messages.",
                    "client_id": frame["client_id"],
                }
            )
        else:
            chat.send(
                {
                    "type": "message.created",
                    "conversation_id": 7,
                    "message": message(1, "customer", frame["text"], client_id=frame["client_id"]),
                }
            )

    chat.on_frame = on_frame
    widget = chat.open()
    send(widget, "One more thing")
    failed = widget.locator(".row.failed")
    expect(failed.locator(".error")).to_have_text("Not sent · This conversation takes no more messages.")
    failed.locator("button.retry").click()
    expect(widget.locator(".row.customer[data-seq='1']")).to_contain_text("One more thing")
    expect(widget.locator(".row.failed")).to_have_count(0)
    assert len(attempts) == 2


def test_messages_typed_offline_are_kept_across_a_reload_and_sent_on_reconnect(page):
    chat = MockChat(page, refuse_sockets=True)
    page.route(f"{CHAT}/api/**", lambda route: route.abort() if "config" not in route.request.url else route.fallback())
    widget = chat.open()
    send(widget, "Typed while offline")
    expect(widget.locator(".row.pending .receipt")).to_have_text("Waiting for the connection…")
    stored = json.loads(page.evaluate("localStorage.getItem('chatassist:pk_test_widget:outbox')"))
    assert [item["text"] for item in stored] == ["Typed while offline"]

    # Back online: the page is reloaded, the socket accepted, and the queued message goes out.
    page.unroute(f"{CHAT}/api/**")
    chat.refuse_sockets = False
    reply_to_each_message(chat)
    page.reload()
    page.locator("chatassist-widget .launcher").click()
    expect(widget.locator(".row.ai[data-seq='2']")).to_have_text("AI assistantThanks!")
    assert [frame["client_id"] for frame in chat.sent("message.send")] == [stored[0]["client_id"]]


def test_a_socket_that_drops_mid_reply_resumes_after_the_last_seq(page):
    chat = MockChat(page, conversations=[])

    def on_frame(frame):
        if frame["type"] == "message.send":
            chat.send(
                {
                    "type": "message.created",
                    "conversation_id": 7,
                    "message": message(1, "customer", frame["text"], client_id=frame["client_id"]),
                }
            )
            chat.send({"type": "delta", "conversation_id": 7, "stream_id": "s1", "offset": 0, "text": "Half an ans"})
            chat.sockets[-1].close(code=1011)
        elif frame["type"] == "resume":
            chat.send(
                {
                    "type": "message.created",
                    "conversation_id": 7,
                    "message": message(2, "ai", "Half an answer, then the rest."),
                }
            )
            chat.send(
                {
                    "type": "conversation.updated",
                    "conversation": {
                        "id": 7,
                        "status": "open",
                        "last_seq": 2,
                        "csat_score": None,
                        "assignee_name": "",
                        "resolved_by": "",
                    },
                }
            )

    chat.on_frame = on_frame
    widget = chat.open()
    chat.conversations = [{"id": 7, "status": "open", "last_seq": 1, "preview": "Hi", "last_message_at": None}]
    send(widget, "Hi")
    expect(widget.locator(".row.ai[data-seq='2'] .bubble")).to_have_text("Half an answer, then the rest.")
    expect(widget.locator(".row.ai:not(.welcome)")).to_have_count(1)
    assert chat.sent("resume") == [{"type": "resume", "conversation_id": 7, "after_seq": 1}]
    assert len(chat.sockets) == 2


def test_an_agent_typing_is_shown_with_their_name_and_replies_are_announced_once(page):
    chat = MockChat(page)
    widget = chat.open()
    chat.send({"type": "message.created", "conversation_id": 7, "message": message(1, "customer", "Hi", client_id="x")})
    chat.send({"type": "typing", "conversation_id": 7, "sender": "agent", "name": "Alex", "on": True})
    expect(widget.locator(".typing")).to_have_text("Alex is typing…")
    reply = message(2, "agent", "I'm **on it**.", author_name="Alex")
    chat.send({"type": "message.created", "conversation_id": 7, "message": reply})
    expect(widget.locator(".typing")).to_have_count(0)
    live = widget.locator("[aria-live=polite]")
    expect(live).to_have_text("New reply from Alex: I'm **on it**.")
    assert chat.sent("read") == [{"type": "read", "conversation_id": 7, "seq": 2}]
    chat.send({"type": "status", "conversation_id": 7, "up_to_seq": 2, "status": "read"})
    expect(widget.locator(".row.customer[data-seq='1'] .receipt")).to_have_text("Seen")


def conversation_updated(chat, **fields):
    """A ``conversation.updated`` for conversation 7; by default the AI has it."""
    conversation = {
        "id": 7,
        "status": "open",
        "state": "ai",
        "last_seq": 1,
        "csat_score": None,
        "assignee_name": "",
        "resolved_by": "",
        "wait_expectation": "",
        "handed_back": False,
        **fields,
    }
    chat.send({"type": "conversation.updated", "conversation": conversation})


def wait_for_hello(page, chat):
    for _ in range(100):
        if chat.sent("hello"):
            return
        page.wait_for_timeout(50)


def test_the_header_says_who_handles_the_conversation_and_announces_each_change(page):
    chat = MockChat(page)
    widget = chat.open()
    state, wait, live = widget.locator("header .state"), widget.locator("header .wait"), widget.locator("[aria-live]")
    expect(state).to_have_text("AI assistant")
    expect(wait).to_be_hidden()
    wait_for_hello(page, chat)
    chat.send({"type": "message.created", "conversation_id": 7, "message": message(1, "customer", "Hi", client_id="x")})
    expect(widget.locator(".row.customer[data-seq='1']")).to_be_visible()

    expected = "A person usually replies within 5 minutes."
    conversation_updated(chat, status="escalated", state="waiting", wait_expectation=expected)
    expect(state).to_have_text("Waiting for a person")
    expect(state).to_have_attribute("data-state", "waiting")
    expect(wait).to_have_text(expected)
    expect(live).to_have_text(f"Waiting for a person. {expected}")

    # A name is text, whatever it contains.
    name = '<img src=x onerror="window.__xss=1">'
    conversation_updated(chat, status="escalated", state="human", assignee_name=name)
    expect(state).to_have_text(f"{name} joined")
    expect(wait).to_be_hidden()
    expect(live).to_have_text(f"{name} joined")
    # Said once: the same state again (another tab's copy) is not announced again.
    conversation_updated(chat, status="escalated", state="human", assignee_name=name)
    reply = message(2, "agent", "Hello!", author_name=name)
    chat.send({"type": "message.created", "conversation_id": 7, "message": reply})
    expect(live).to_have_text(f"New reply from {name}: Hello!")

    conversation_updated(chat, handed_back=True)
    expect(state).to_have_text("Back to the AI assistant")
    expect(live).to_have_text("Back to the AI assistant")
    conversation_updated(chat, status="resolved", state="resolved")
    expect(state).to_have_text("Resolved")
    assert page.evaluate("window.__xss") is None
    assert widget.locator("header img").count() == 0


def test_the_header_state_speaks_the_workspace_language_and_reads_older_servers(page):
    from tests.browser.mock_chat import CONFIG

    chat = MockChat(page, config={**CONFIG, "language": "fr"})
    widget = chat.open()
    state = widget.locator("header .state")
    expect(state).to_have_text("Assistant IA")
    wait_for_hello(page, chat)
    chat.send(
        {"type": "message.created", "conversation_id": 7, "message": message(1, "customer", "Salut", client_id="x")}
    )
    # A server that sends no ``state`` yet: the status says it.
    chat.send({"type": "conversation.updated", "conversation": {"id": 7, "status": "escalated", "last_seq": 1}})
    expect(state).to_have_text("En attente d\u2019une personne")
    expect(state).to_have_attribute("data-state", "waiting")
    conversation_updated(chat, status="escalated", state="human", assignee_name="Camille")
    expect(state).to_have_text("Camille a rejoint la conversation")
    conversation_updated(chat, handed_back=True)
    expect(state).to_have_text("De retour avec l\u2019assistant IA")


def test_the_widget_speaks_the_workspace_language(page):
    from tests.browser.mock_chat import CONFIG

    chat = MockChat(page, config={**CONFIG, "language": "fr", "show_branding": False, "suggestions": []})
    widget = chat.open()
    expect(widget.locator("textarea.input")).to_have_attribute("placeholder", "Écrivez un message…")
    expect(widget.locator("header button[aria-label='Fermer le chat']")).to_be_visible()
    expect(widget.locator(".branding")).to_have_count(0)
    expect(widget.locator(".suggestions")).to_be_hidden()


def test_the_page_api_queues_calls_made_before_the_script_and_reports_events(page):
    chat = MockChat(page)
    page.add_init_script(
        """
        window.__events = [];
        window.ChatAssist = {q: []};
        for (const name of ["identify", "on", "open"]) {
          window.ChatAssist[name] = function () { window.ChatAssist.q.push([name, arguments]); };
        }
        ChatAssist.identify(
          {user_id: 42, timestamp: 1767225600, user_hash: "abc123", email: "ada@example.com", name: "Ada"}
        );
        ChatAssist.on("ready", () => window.__events.push("ready"));
        ChatAssist.on("open", () => window.__events.push("open"));
        ChatAssist.on("close", () => window.__events.push("close"));
        ChatAssist.on("message", (message) => window.__events.push("message:" + message.sender));
        ChatAssist.open();
        """
    )
    reply_to_each_message(chat)
    page.goto("http://shop.test/")
    widget = page.locator("chatassist-widget")
    expect(widget.locator(".panel")).to_be_visible()
    expect(widget.locator("textarea.input")).to_be_focused()
    assert chat.sent_eventually("hello")[0]["identity"] == {
        "user_id": "42",
        "timestamp": 1767225600,
        "user_hash": "abc123",
        "email": "ada@example.com",
        "name": "Ada",
    }
    send(widget, "Hi")
    expect(widget.locator(".row.ai[data-seq='2']")).to_be_visible()
    page.evaluate("ChatAssist.close()")
    assert page.evaluate("window.__events") == ["open", "ready", "message:customer", "message:ai", "close"]

    # A new identity (the user logged in as someone else) reconnects with it.
    page.evaluate("ChatAssist.identify({token: 'jwt.token.here'})")
    chat.sent_eventually("hello", lambda frame: frame.get("identity") == {"token": "jwt.token.here"})
    assert chat.sent("hello")[-1]["identity"] == {"token": "jwt.token.here"}
    assert chat.sent("hello")[-1]["visitor_token"] == "vt_test"


def test_the_widget_is_small_and_pure_ascii():
    import gzip

    from tests.browser.mock_chat import WIDGET

    source = WIDGET.read_bytes()
    assert len(gzip.compress(source, compresslevel=9)) <= 25 * 1024
    source.decode("ascii")  # no charset surprises on host pages in legacy encodings
    assert b"innerHTML" not in source and b"insertAdjacentHTML" not in source and b"outerHTML" not in source
