"""Headless Chromium (Debian's package, not Playwright's download) driving the widget.

Without chromium the tests are skipped locally, with the reason; in CI (``CI`` set) they
fail instead, so that a machine without a browser cannot pass for a green run."""

import json
import os
import urllib.request
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import expect

from tests.factories import make_workspace
from tests.live_servers import live_daphne  # noqa: F401  (the fixture, for the tests here)

# Waiting for something to appear is not timing it: on a loaded two-core CI machine an
# upload and a streamed reply can take longer than Playwright's 5 s default.
expect.set_options(timeout=15_000)

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_HINT = "run `make test` as root, or `apt-get install -y chromium`"
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"Browser tests cannot run in CI: {reason} ({INSTALL_HINT}).", pytrace=False)
    pytest.skip(f"{reason}; {INSTALL_HINT}")


@pytest.fixture
def browser():
    """A Chromium per test, started after the test's data and servers (list them before
    ``page`` in the test's arguments) and stopped before the database is flushed.

    Playwright's sync API keeps an asyncio loop running in this thread while it is started:
    Django would take the test's own ORM calls for ones made from async code, and
    ``async_to_sync`` (broadcasts on commit) refuses to run at all. So nothing that writes
    happens while the browser runs, except through the servers under test; the test's plain
    reads are allowed by lifting the check for this process meanwhile, and the servers keep
    it (``daphne`` below). A browser starts in about a second."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]')")
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM))
            yield browser
            browser.close()
            # With the loop running, Django keeps the test's connection per async context:
            # the reads made meanwhile opened one of their own, which would outlive the test
            # and keep the test database from being dropped.
            connections.close_all()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def daphne(live_daphne):  # noqa: F811
    """``live_daphne`` whose processes keep Django's async-safety checks (see ``browser``),
    answering with ``provider`` and falling back to the offline one."""

    def start(*, provider: str = "offline", **env):
        return live_daphne(
            **{ASYNC_UNSAFE: "", "ASSISTANT_PROVIDER": provider, "ASSISTANT_FALLBACK_PROVIDER": "offline", **env}
        )

    return start


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # So is anything our Content-Security-Policy blocked: the page would be missing a part.
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.errors = errors
    yield page
    # An exception inside the widget is a bug even when the test's assertions passed.
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def workspace(transactional_db):
    """Like ``seed_demo``'s: slug "demo" (the /demo/ page), Pulsar's widget settings. The
    shared ``help_centre`` fixture indexes Pulsar's articles into it."""
    from chatassist.management.commands.seed_demo import seed_demo_widget

    workspace = make_workspace(name="Demo")
    workspace.slug = "demo"
    workspace.save()
    return seed_demo_widget(workspace)


@pytest.fixture
def demo(workspace, help_centre, daphne):
    """A real daphne process serving /demo/, answering with the offline provider."""
    server = daphne(provider="offline")
    warm_up(server, workspace)
    return server


def warm_up(server, workspace) -> None:
    """One chat turn over HTTP, then forgotten.

    A fresh daphne process loads the embedding model in a background thread at start-up
    (chatassist/asgi.py); a first turn that arrives before it is ready waits for it. The
    tests here are about the widget, not the model's loading time, so they start warm."""
    from conversations.models import Contact

    def post(path, body, token=""):
        request = urllib.request.Request(  # noqa: S310 - our own server, over http
            server.url + path,
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "X-ChatAssist-Key": workspace.public_key,
                "X-ChatAssist-Visitor": token,
            },
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our own server
            return json.loads(response.read())

    token = post("/api/chat/hello", {})["visitor_token"]
    post("/api/chat", {"client_id": "warm-up", "text": "How do I download my invoice?"}, token)
    Contact.objects.filter(workspace=workspace).delete()
