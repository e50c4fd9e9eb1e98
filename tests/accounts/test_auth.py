"""Sign-up, log-in, log-out, password reset, the landing redirect and the workspace switcher."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Membership, Role, User, Workspace
from tests.conftest import logged_in
from tests.factories import PASSWORD, make_member, make_user, make_workspace

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sign_up_open(settings):
    # Sign-up is off by default outside DEBUG (tests/faults/test_config_faults.py covers that).
    settings.ALLOW_SIGN_UP = True


SIGN_UP = {
    "name": "Grace Hopper",
    "email": "Grace@Example.com",
    "password": "compilers are friends",
    "workspace_name": "Hopper Labs",
}


def test_sign_up_creates_user_workspace_and_admin_membership(client):
    response = client.post(reverse("sign_up"), SIGN_UP)
    workspace = Workspace.objects.get(name="Hopper Labs")
    assert response.status_code == 302
    assert response.url == reverse("dashboard", args=[workspace.slug])
    membership = Membership.objects.get(workspace=workspace)
    assert (membership.user.email, membership.role) == ("grace@example.com", Role.ADMIN)
    assert workspace.public_key.startswith("pk_")
    assert client.get(response.url).status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"password": "short"}, "This password is too short."),
        ({"password": "password123"}, "This password is too common."),
        ({"workspace_name": ""}, "This field is required."),
        ({"name": "x" * 151}, "Ensure this value has at most 150 characters"),
    ],
)
def test_sign_up_rejects_bad_input_and_creates_nothing(client, change, message):
    response = client.post(reverse("sign_up"), {**SIGN_UP, **change})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert not Workspace.objects.exists()


def test_sign_up_with_a_taken_address_says_log_in(client):
    make_user(email="grace@example.com")
    response = client.post(reverse("sign_up"), SIGN_UP)
    assert response.status_code == 422
    assert "already exists; log in instead" in response.content.decode()
    assert not Workspace.objects.exists()


def test_log_in_by_email_in_any_case(client, owner, workspace):
    response = client.post(reverse("login"), {"username": owner.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).url == reverse("dashboard", args=[workspace.slug])


def test_wrong_password_is_a_clear_error(client, owner):
    response = client.post(reverse("login"), {"username": owner.email, "password": "wrong"})
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()


def test_log_out_requires_post_and_ends_the_session(owner_client, workspace):
    assert owner_client.post(reverse("logout")).status_code == 302
    assert owner_client.get(reverse("dashboard", args=[workspace.slug])).status_code == 302


def test_password_reset_round_trip(client, owner):
    response = client.post(reverse("password_reset"), {"email": owner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/password-reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url  # Django swaps the token for a session-held one
    response = client.post(
        form_url, {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"}
    )
    assert response.status_code == 302
    # Through the log-in page: django-axes refuses authenticate() calls without a request.
    response = client.post(reverse("login"), {"username": owner.email, "password": "a brand new passphrase"})
    assert response.status_code == 302


def test_password_reset_for_unknown_address_reveals_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_home_goes_to_the_last_workspace_used(workspace, owner):
    second = make_workspace(name="Second")
    make_member(workspace=second, user=owner, role=Role.VIEWER)
    client = logged_in(owner)
    client.get(reverse("team", args=[second.slug]))
    assert client.get(reverse("home")).url == reverse("dashboard", args=[second.slug])


def test_home_without_a_workspace_offers_to_create_one(client):
    client.force_login(make_user())
    assert client.get(reverse("home")).url == reverse("workspace_create")
    response = client.post(reverse("workspace_create"), {"name": "Side Project"})
    workspace = Workspace.objects.get(name="Side Project")
    assert response.url == reverse("dashboard", args=[workspace.slug])


def test_workspace_create_rejects_an_empty_name(owner_client):
    response = owner_client.post(reverse("workspace_create"), {"name": "  "})
    assert response.status_code == 422


def test_switcher_lists_every_workspace_of_the_user(workspace, owner, other_workspace):
    make_member(workspace=other_workspace, user=owner, role=Role.AGENT)
    page = logged_in(owner).get(reverse("dashboard", args=[workspace.slug])).content.decode()
    assert reverse("dashboard", args=[other_workspace.slug]) in page
    assert other_workspace.name in page


def test_navigation_shows_only_sections_the_role_may_open(workspace, viewer):
    page = logged_in(viewer).get(reverse("dashboard", args=[workspace.slug])).content.decode()
    assert reverse("analytics", args=[workspace.slug]) in page
    for hidden in ("monitor", "settings", "integrations", "escalations"):
        assert reverse(hidden, args=[workspace.slug]) not in page
