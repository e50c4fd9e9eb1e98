"""Issue 12, item 5: log-in throttling.

The attack run sent 30 wrong passwords and then the right one, which logged in at once.
Failures are now counted per account name and per client address; at the limit log-in is
refused, even with the right password, with a sentence that reads the same whether or not
the account exists, until the lockout ends."""

import re
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
# The documented defaults of LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES.
LIMIT = 10
LOCKOUT_MINUTES = 15


def attempt(client: Client, email: str, password: str, **headers):
    return client.post(LOGIN, {"username": email, "password": password}, **headers)


def test_thirty_wrong_passwords_then_the_right_one_is_refused(settings):
    user = make_user(email="ann@example.com")
    client = Client()
    answers = [attempt(client, user.email, f"guess {n}").status_code for n in range(30)]
    right = attempt(client, user.email, PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    assert answers == [200] * (LIMIT - 1) + [429] * (30 - LIMIT + 1)
    page = right.content.decode()
    assert "Too many failed log-in attempts" in page and f"{LOCKOUT_MINUTES} minutes" in page
    assert int(right["Retry-After"]) == LOCKOUT_MINUTES * 60
    assert (settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_LOCKOUT_MINUTES) == (LIMIT, LOCKOUT_MINUTES)
    # The password a guesser typed is not what the throttle keeps.
    from axes.models import AccessAttempt

    assert not AccessAttempt.objects.filter(post_data__contains="guess").exists()


def page_without(response, email: str) -> str:
    """The page as any visitor would get it: without the e-mail typed and the CSRF token."""
    html = re.sub(r"\b[A-Za-z0-9]{64}\b", "CSRF", response.content.decode())
    return html.replace(email, "EMAIL")


def test_the_lockout_reads_the_same_for_an_account_that_does_not_exist(settings):
    make_user(email="ann@example.com")
    settings.AXES_FAILURE_LIMIT = 3
    pages = {}
    for email, address in (("ann@example.com", "192.0.2.1"), ("nobody@example.com", "192.0.2.2")):
        client = Client(REMOTE_ADDR=address)
        answers = [attempt(client, email, "wrong password").status_code for _ in range(4)]
        assert answers == [200, 200, 429, 429]
        pages[email] = attempt(client, email, PASSWORD)
        assert pages[email].status_code == 429
    assert page_without(pages["ann@example.com"], "ann@example.com") == page_without(
        pages["nobody@example.com"], "nobody@example.com"
    )


def test_wrong_passwords_for_many_accounts_from_one_address_lock_that_address(settings):
    victim = make_user(email="victim@example.com")
    client = Client(REMOTE_ADDR="198.51.100.4")
    # Password spraying: one guess per account, every account different.
    answers = [attempt(client, f"user{n}@example.com", "Summer2026!").status_code for n in range(12)]
    assert answers.count(429) >= 12 - LIMIT + 1
    assert attempt(client, victim.email, PASSWORD).status_code == 429
    # The account itself was never guessed at: from elsewhere its owner logs in.
    assert attempt(Client(REMOTE_ADDR="203.0.113.8"), victim.email, PASSWORD).status_code == 302


def test_an_account_locked_from_one_address_stays_locked_from_another(settings):
    user = make_user(email="ann@example.com")
    for n in range(LIMIT):
        attempt(Client(REMOTE_ADDR=f"192.0.2.{n + 1}"), "ANN@example.com", "wrong")
    # Failures for “ANN@” and “ann@” count as one account, as log-in treats them.
    assert attempt(Client(REMOTE_ADDR="203.0.113.77"), user.email, PASSWORD).status_code == 429


def test_the_lockout_ends_after_its_time(settings):
    user = make_user(email="ann@example.com")
    client = Client()
    for _ in range(LIMIT):
        attempt(client, user.email, "wrong")
    assert attempt(client, user.email, PASSWORD).status_code == 429
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=LOCKOUT_MINUTES, seconds=1))
    assert attempt(client, user.email, PASSWORD).status_code == 302


def test_the_proxy_header_is_the_address_the_throttle_counts(settings):
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    make_user(email="ann@example.com")
    for n in range(LIMIT):
        attempt(Client(), f"someone{n}@example.com", "wrong", HTTP_X_REAL_IP="198.51.100.9")
    assert attempt(Client(), "ann@example.com", PASSWORD, HTTP_X_REAL_IP="198.51.100.9").status_code == 429
    assert attempt(Client(), "ann@example.com", PASSWORD, HTTP_X_REAL_IP="198.51.100.10").status_code == 302


def test_the_lockout_holds_when_served_over_asgi_as_in_production():
    """daphne runs the middleware chain asynchronously, where django-axes answers differently."""
    user = make_user(email="ann@example.com")

    async def scenario():
        client = AsyncClient()
        for n in range(LIMIT):
            await client.post(LOGIN, {"username": user.email, "password": f"guess {n}"})
        return await client.post(LOGIN, {"username": user.email, "password": PASSWORD})

    right = async_to_sync(scenario)()
    assert right.status_code == 429
    assert "Too many failed log-in attempts" in right.content.decode()
