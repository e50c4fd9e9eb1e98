"""Two people in two browsers: a customer in the /demo/ widget and an agent in the monitor, each
in their own browser context (their own cookies and storage), against a real daphne process.
The agent sees an escalation arrive in the queue without reloading, claims it and replies while
the customer watches; and, on a conversation the AI has, watches the AI's reply stream in."""

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from accounts.models import Role
from assistant.testing.vendor_server import ScriptedResponse
from conversations.models import Conversation
from tests.browser.test_demo_widget import REPLY_TIMEOUT, open_widget, send
from tests.factories import make_member, make_user

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

AGENT_NAME = "Dana Reyes"


@pytest.fixture
def agent_session(workspace) -> str:
    """An agent of the demo workspace, logged in: the session key for their browser's cookie.
    Made before the browser starts (see conftest's ``browser``: nothing writes meanwhile)."""
    agent = make_member(workspace=workspace, role=Role.AGENT, user=make_user(name=AGENT_NAME)).user
    client = Client()
    client.force_login(agent)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def agent_browser(browser, agent_session):
    """``open(server, path)``: a page of the agent's own browser context, logged in."""
    contexts = []
    errors: list[str] = []

    def open_page(server, path: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": agent_session, "url": server.url}])
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(server.url + path)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the agent's page: {errors}"


def test_an_agent_claims_an_escalated_chat_and_replies_while_the_customer_watches(
    workspace, agent_session, daphne, page, agent_browser
):
    server = daphne(provider="offline")
    agent = agent_browser(server, f"/w/{workspace.slug}/monitor/?tab=queue")
    expect(agent.locator("body[data-live=on]")).to_have_count(1)  # the workspace socket is open
    expect(agent.locator("#monitor-section")).to_contain_text("Nobody is waiting for a person.")
    agent.evaluate("window.__notReloaded = true")

    # The customer: the AI first; a refund over $200 goes to the billing team (the P2 route rule).
    widget = open_widget(page, f"{server.url}/demo/")
    state, wait, live = widget.locator("header .state"), widget.locator("header .wait"), widget.locator("[aria-live]")
    expect(state).to_have_text("AI assistant")
    expect(wait).to_be_hidden()
    send(widget, "I want a refund of $250 for last month, the app was down.")
    expect(widget.locator(".row.system")).to_contain_text("billing team")
    expect(state).to_have_text("Waiting for a person")
    expect(wait).to_have_text("A person usually replies within 5 minutes.")
    expect(live).to_have_text("Waiting for a person. A person usually replies within 5 minutes.")

    # The agent's queue shows it without a reload.
    row = agent.locator("#monitor-section tr[data-escalation-status=queued]")
    expect(row).to_have_count(1)
    expect(row.locator("td[data-label=Priority]")).to_have_text("P2")
    assert agent.evaluate("window.__notReloaded") is True

    # The agent opens it and claims it: the customer sees who joined, and hears it.
    row.locator("a").first.click()
    expect(agent.locator("[data-live-status]")).to_have_text("live")
    expect(agent.locator("#monitor-panel .state")).to_have_text("Waiting for a person")
    agent.locator("#monitor-panel").get_by_role("button", name="Claim").click()
    expect(agent.locator("#monitor-panel .state")).to_have_text("With you")
    expect(state).to_have_text(f"{AGENT_NAME} joined")
    expect(wait).to_be_hidden()
    expect(widget.locator(".row.system").last).to_have_text(f"{AGENT_NAME} joined the conversation")
    expect(live).to_have_text(f"{AGENT_NAME} joined")

    # The agent writes: the customer sees them typing, then the reply, live.
    text = "Hi, I'm Dana from billing. I'm looking at your refund now."
    agent.locator("#composer-text").fill(text)
    expect(widget.locator(".typing")).to_have_text(f"{AGENT_NAME} is typing…")
    agent.locator("#composer-text").press("Control+Enter")
    reply = widget.locator(".row.agent[data-seq]")
    expect(reply.locator(".bubble")).to_have_text(text)
    expect(reply.locator(".author")).to_have_text(AGENT_NAME)
    expect(widget.locator(".typing")).to_have_count(0)
    expect(live).to_have_text(f"New reply from {AGENT_NAME}: {text}")
    expect(agent.locator("#transcript .message--agent")).to_contain_text(text)

    # Back to the AI: the customer's header says so, and so does a reload.
    agent.locator("#monitor-panel").get_by_role("button", name="Hand back to the AI").click()
    expect(agent.locator("#monitor-panel .state")).to_have_text("The AI is answering")
    expect(state).to_have_text("Back to the AI assistant")
    expect(widget.locator(".row.system").last).to_have_text("You're chatting with the AI assistant again")
    expect(live).to_have_text("Back to the AI assistant")

    page.reload()
    widget = page.locator("chatassist-widget")
    widget.locator(".launcher").click()
    expect(widget.locator(".row.agent[data-seq] .bubble")).to_have_text(text)
    expect(widget.locator("header .state")).to_have_text("Back to the AI assistant")


STREAMED = (
    "You can download any invoice as a PDF: open Billing, choose Invoices, then click Download "
    "next to the month you need. Invoices from the last seven years are kept there, and each one "
    "shows the amount, the tax and the card it was charged to."
)


def test_the_agent_watches_the_ais_reply_stream_in(
    workspace, help_centre, agent_session, daphne, vendor_server, page, agent_browser
):
    vendor_server.enqueue(
        "messages",
        ScriptedResponse(text="Open Billing, then Invoices. ⟦confidence=0.90⟧"),
        # Slow enough that the agent's page sees it grow (watchers get it five times a second).
        ScriptedResponse(text=STREAMED + " ⟦confidence=0.90⟧", token_delay=0.08),
    )
    server = daphne(
        provider="anthropic",
        ANTHROPIC_API_KEY="sk-ant-test-key",
        ANTHROPIC_BASE_URL=vendor_server.anthropic_base_url,
        ASSISTANT_MAX_ATTEMPTS="1",
    )
    widget = open_widget(page, f"{server.url}/demo/")
    send(widget, "Where are my invoices?")
    expect(widget.locator(".row.ai[data-seq]").last).to_contain_text("Open Billing", timeout=REPLY_TIMEOUT)
    conversation = Conversation.objects.get(workspace=workspace)

    agent = agent_browser(server, f"/w/{workspace.slug}/monitor/{conversation.pk}/")
    expect(agent.locator("[data-live-status]")).to_have_text("live")
    expect(agent.locator("#monitor-panel .state")).to_have_text("The AI is answering")
    # Every text the streaming bubble shows, as it changes.
    agent.evaluate(
        """() => {
        window.__partials = [];
        const transcript = document.getElementById("transcript");
        new MutationObserver(() => {
            const text = transcript.querySelector(".message--streaming .message__text");
            if (text && text.textContent) window.__partials.push(text.textContent);
        }).observe(transcript, {childList: true, subtree: true, characterData: true});
    }"""
    )

    send(widget, "Can I get them as PDF files?")
    expect(agent.locator(".message--streaming")).to_have_count(1)
    final = agent.locator("#transcript .message--ai[data-message-id]").last
    expect(final).to_contain_text("shows the amount, the tax and the card it was charged to.")
    expect(agent.locator(".message--streaming")).to_have_count(0)
    expect(widget.locator(".row.ai[data-seq]").last).to_contain_text("the card it was charged to.")

    partials = agent.evaluate("window.__partials")
    assert partials, "the agent's page never showed the reply while it was being written"
    # Shorter than the reply, and each the beginning of it: it grew in place.
    assert all(STREAMED.startswith(partial) for partial in partials), partials
    assert min(len(partial) for partial in partials) < len(STREAMED)
    assert [len(partial) for partial in partials] == sorted(len(partial) for partial in partials)


def test_the_monitor_shows_a_change_at_once_and_a_burst_costs_one_fetch_a_second(
    workspace, agent_session, daphne, agent_browser
):
    server = daphne(provider="offline")
    agent = agent_browser(server, f"/w/{workspace.slug}/monitor/")
    expect(agent.locator("body[data-live=on]")).to_have_count(1)
    # Every re-fetch of the tab, timed: htmx sends it with HX-Request.
    agent.evaluate(
        """() => {
            window.__fetches = [];
            document.body.addEventListener("htmx:beforeRequest", (event) => {
                if (event.detail.elt.id === "monitor-section") window.__fetches.push(performance.now());
            });
        }"""
    )

    def activity() -> float:
        return agent.evaluate(
            """() => { htmx.trigger(document.body, "conversation-activity", {}); return performance.now(); }"""
        )

    # A change after a quiet spell: fetched at once, not after a debounce.
    first = activity()
    # A function, not an expression: the page's policy forbids eval, which an expression needs.
    agent.wait_for_function("() => window.__fetches.length === 1", timeout=5_000)
    assert agent.evaluate("window.__fetches[0]") - first < 100
    # A burst right after: one more fetch, a second after the first, and no more.
    for _ in range(8):
        activity()
        agent.wait_for_timeout(60)
    agent.wait_for_function("() => window.__fetches.length === 2", timeout=5_000)
    agent.wait_for_timeout(1_500)
    fetches = agent.evaluate("window.__fetches")
    assert len(fetches) == 2
    assert 950 <= fetches[1] - fetches[0] < 1_500
