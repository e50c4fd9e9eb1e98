"""Faults in how an operator configures ChatAssist (issue 12): sign-up of new tenants, a wrong
FIELD_ENCRYPTION_KEYS, and the embedded PostgreSQL on SIGTERM."""

import contextlib
import json
import os
import subprocess
import sys
import time

import pytest
from django.test import Client
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


# --- SIGTERM and the embedded PostgreSQL ----------------------------------------------------


@pytest.fixture
def own_embedded_services(tmp_path):
    """Embedded servers of their own, in tmp: the suite's servers are never touched."""
    from chatassist import embedded

    yield tmp_path
    embedded.stop(tmp_path)


@pytest.mark.slow
def test_a_postgres_sent_sigterm_stops_even_while_the_app_holds_connections(own_embedded_services):
    """A service manager stopping the machine sends SIGTERM to every process: PostgreSQL then
    waits ("smart" shutdown) for clients that never leave. Stopping ChatAssist (the runner's
    last step, `make stop`) must still end it, and at once."""
    import signal

    import psutil
    import psycopg

    from chatassist import embedded

    data_dir = own_embedded_services
    services = embedded.ensure_running(data_dir)
    held = psycopg.connect(services.database_url)
    held.execute("SELECT 1")  # idle in a transaction, like a pooled connection of the app
    postmaster = int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])
    os.kill(postmaster, signal.SIGTERM)

    stopped = embedded.stop(data_dir)

    assert "postgres" in stopped
    # pg_ctl returns when the pid file is gone, a moment before the process has exited.
    with contextlib.suppress(psutil.NoSuchProcess):
        _gone, alive = psutil.wait_procs([psutil.Process(postmaster)], timeout=10)
        assert not alive
    assert embedded.status(data_dir) == {"postgres": None, "redis": None}
    with pytest.raises(psycopg.OperationalError):
        held.execute("SELECT 1")
    held.close()


# --- A wrong FIELD_ENCRYPTION_KEYS ------------------------------------------------------------


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


@pytest.fixture
def secrets_under_another_key(transactional_db, settings):
    """A workspace with an admin, a pending invitation and an allowed origin, stored under one
    key; then the operator deploys with another key."""
    from tests.factories import make_invitation, make_member, make_workspace

    settings.FIELD_ENCRYPTION_KEYS = [_fernet_key()]
    workspace = make_workspace(name="Acme", allowed_origins=["https://shop.example.com"])
    owner = make_member(workspace=workspace, role="admin").user
    make_invitation(workspace=workspace, email="new@example.com")
    original_keys = settings.FIELD_ENCRYPTION_KEYS
    settings.FIELD_ENCRYPTION_KEYS = [_fernet_key()]
    return workspace, owner, original_keys


def test_a_wrong_key_fails_only_the_features_that_need_the_secret(secrets_under_another_key):
    workspace, owner, _original_keys = secrets_under_another_key
    console = logged_in(owner)
    for name in ("dashboard", "team", "settings", "knowledge", "conversations"):
        response = console.get(reverse(name, args=[workspace.slug]))
        assert response.status_code == 200, name
    assert "cannot be decrypted" in console.get(reverse("settings", args=[workspace.slug])).content.decode()
    assert console.get("/no-such-page/").status_code == 404
    config = Client().get("/api/chat/config", {"key": workspace.public_key}, HTTP_ORIGIN="https://shop.example.com")
    assert config.status_code == 200

    # The feature that needs the secret says so, with a code, instead of a 500.
    hello = Client().post(
        "/api/chat/hello",
        json.dumps({"identity": {"user_id": "42", "timestamp": int(time.time()), "user_hash": "0" * 64}}),
        content_type="application/json",
        HTTP_ORIGIN="https://shop.example.com",
        HTTP_X_CHATASSIST_KEY=workspace.public_key,
    )
    assert (hello.status_code, hello.json()["code"]) == (503, "identity_unavailable")
    reveal = console.post(reverse("identity_secret_reveal", args=[workspace.slug]))
    assert reveal.status_code == 200 and "cannot be decrypted" in reveal.content.decode()


def test_saving_a_workspace_under_a_wrong_key_keeps_its_secret(secrets_under_another_key, settings):
    workspace, owner, original_keys = secrets_under_another_key
    console = logged_in(owner)
    saved = console.post(
        reverse("settings", args=[workspace.slug]), {"name": "Acme Inc", "allowed_origins": "https://shop.example.com"}
    )
    assert saved.status_code == 302
    Workspace.objects.get(pk=workspace.pk).save()  # a save of every field, too
    settings.FIELD_ENCRYPTION_KEYS = original_keys
    assert Workspace.objects.get(pk=workspace.pk).identity_secret == workspace.identity_secret


def test_rotating_the_secret_recovers_identity_verification(secrets_under_another_key):
    workspace, owner, _original_keys = secrets_under_another_key
    rotated = logged_in(owner).post(reverse("identity_secret_rotate", args=[workspace.slug]))
    assert rotated.status_code == 200
    assert Workspace.objects.get(pk=workspace.pk).identity_secret.startswith("whsec_")


def _database_url() -> str:
    from django.db import connection

    database = connection.settings_dict
    return (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    )


def _check_deploy(**env_changes) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBUG": "0", "DATABASE_URL": _database_url(), **env_changes}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_check_deploy_fails_with_a_sentence_when_stored_secrets_cannot_be_decrypted(secrets_under_another_key):
    _workspace, _owner, original_keys = secrets_under_another_key
    wrong = _check_deploy(FIELD_ENCRYPTION_KEYS=_fernet_key())
    assert wrong.returncode != 0
    assert "chatassist.E002" in wrong.stderr
    assert "2 of 2 stored secrets" in wrong.stderr and "cannot be decrypted" in wrong.stderr

    # Rotation: a new key first, the one they were stored under after it.
    rotated = _check_deploy(FIELD_ENCRYPTION_KEYS=f"{_fernet_key()},{original_keys[0]}")
    assert "chatassist.E00" not in rotated.stdout + rotated.stderr


@pytest.mark.slow
def test_check_deploy_fails_on_a_key_that_is_not_a_fernet_key(secrets_under_another_key):
    result = _check_deploy(FIELD_ENCRYPTION_KEYS="not-a-key")
    assert result.returncode != 0
    assert "chatassist.E001" in result.stderr
    assert "key 1 of 1 is not a Fernet key" in result.stderr
    assert "not-a-key" not in result.stdout + result.stderr  # a key is never printed
