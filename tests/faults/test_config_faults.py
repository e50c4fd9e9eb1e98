"""Faults in how an operator configures ChatAssist (issue 12): sign-up of new tenants, a wrong
FIELD_ENCRYPTION_KEYS, and the embedded PostgreSQL on SIGTERM."""

import os
import subprocess
import sys

import pytest
from django.urls import reverse

from accounts.models import User, Workspace
from tests.conftest import logged_in
from tests.factories import make_user

SIGN_UP = {
    "name": "Eve Stranger",
    "email": "eve@example.net",
    "password": "compilers are friends",
    "workspace_name": "Eve's tenant",
}


# --- Sign-up of new workspaces --------------------------------------------------------------


@pytest.mark.parametrize(("debug", "expected"), [("0", "False"), ("1", "True")])
def test_sign_up_is_off_by_default_outside_debug(debug, expected):
    code = "import django; django.setup(); from django.conf import settings; print(settings.ALLOW_SIGN_UP)"
    env = {**os.environ, "DEBUG": debug, "DJANGO_SETTINGS_MODULE": "chatassist.settings"}
    env.pop("ALLOW_SIGN_UP", None)
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == expected


@pytest.mark.django_db
def test_a_stranger_cannot_sign_up_when_sign_up_is_off(client, settings):
    settings.ALLOW_SIGN_UP = False
    page = client.get(reverse("sign_up"))
    assert page.status_code == 403
    assert "Sign-up is closed" in page.content.decode()
    response = client.post(reverse("sign_up"), SIGN_UP)
    assert response.status_code == 403
    assert not User.objects.exists()
    assert not Workspace.objects.exists()


@pytest.mark.django_db
def test_the_login_page_offers_sign_up_only_when_it_is_on(client, settings):
    settings.ALLOW_SIGN_UP = False
    assert reverse("sign_up") not in client.get(reverse("login")).content.decode()
    settings.ALLOW_SIGN_UP = True
    assert reverse("sign_up") in client.get(reverse("login")).content.decode()


@pytest.mark.django_db
def test_only_staff_create_workspaces_when_sign_up_is_off(settings):
    settings.ALLOW_SIGN_UP = False
    member = logged_in(make_user(email="member@example.com"))
    assert member.post(reverse("workspace_create"), {"name": "Side tenant"}).status_code == 403
    staff = make_user(email="operator@example.com")
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    operator = logged_in(staff)
    assert operator.post(reverse("workspace_create"), {"name": "New customer"}).status_code == 302
    assert list(Workspace.objects.values_list("name", flat=True)) == ["New customer"]


@pytest.mark.django_db
def test_sign_up_works_when_the_operator_turns_it_on(client, settings):
    settings.ALLOW_SIGN_UP = True
    assert client.post(reverse("sign_up"), SIGN_UP).status_code == 302
    assert Workspace.objects.filter(name="Eve's tenant").exists()
