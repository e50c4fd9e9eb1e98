"""API keys: created by admins, shown once, stored hashed, listed masked, revocable, and
never written to a page or a log after the response that created them."""

import hashlib
import logging

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import ApiKey, Role
from tests.conftest import bearer, logged_in
from tests.factories import make_api_key, make_user


def _create_via_page(client, workspace, name="Billing backend", role=Role.AGENT):
    response = client.post(reverse("api_key_create", args=[workspace.slug]), {"name": name, "role": role})
    assert response.status_code == 200
    api_key = ApiKey.objects.get(workspace=workspace, name=name)
    raw = response.context["new_api_key"]["raw"]
    return response, api_key, raw


def test_key_is_shown_once_then_only_masked(owner_client, workspace):
    response, api_key, raw = _create_via_page(owner_client, workspace)
    assert raw in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    later = owner_client.get(reverse("settings", args=[workspace.slug])).content.decode()
    assert raw not in later
    assert api_key.masked in later
    assert api_key.masked == f"{raw[:11]}_…{raw[-4:]}"


def test_key_is_stored_only_as_a_hash(owner_client, workspace):
    _, api_key, raw = _create_via_page(owner_client, workspace)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apikey WHERE id = %s", [api_key.pk])
        row = cursor.fetchone()
    assert not any(isinstance(value, str) and raw in value for value in row)
    assert api_key.secret_hash == hashlib.sha256(raw.encode()).hexdigest()


def test_raw_key_never_reaches_a_log(owner_client, workspace, caplog, client):
    caplog.set_level(logging.DEBUG)
    _, api_key, raw = _create_via_page(owner_client, workspace)
    client.get(reverse("api_workspace"), **bearer(raw))
    client.get(reverse("api_workspace"), **bearer(raw + "tampered"))
    owner_client.post(reverse("api_key_revoke", args=[workspace.slug, api_key.pk]))
    client.get(reverse("api_workspace"), **bearer(raw))
    assert caplog.records, "expected the requests above to log something"
    assert all(raw not in record.getMessage() for record in caplog.records)
    assert raw not in caplog.text


def test_key_authenticates_and_records_last_use(client, workspace):
    api_key, raw = make_api_key(workspace=workspace, role=Role.VIEWER)
    response = client.get(reverse("api_workspace"), **bearer(raw))
    assert response.status_code == 200
    assert response.json()["slug"] == workspace.slug
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


def test_revoked_key_is_refused(owner_client, client, workspace):
    api_key, raw = make_api_key(workspace=workspace)
    response = owner_client.post(reverse("api_key_revoke", args=[workspace.slug, api_key.pk]))
    assert response.status_code == 302
    response = client.get(reverse("api_workspace"), **bearer(raw))
    assert response.status_code == 401
    assert response.json() == {"code": "authentication_failed", "detail": "This API key has been revoked."}


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Bearer ca_00000000_nonsense", "This API key is not valid."),
        ("Bearer something-else", "This API key is not valid."),
        ("Token abc", "Send the API key as `Authorization: Bearer <key>`."),
        ("Bearer ", "Send the API key as `Authorization: Bearer <key>`."),
    ],
)
def test_bad_authorization_headers_get_clear_401(client, workspace, header, detail):
    response = client.get(reverse("api_workspace"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"] == detail
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_tampered_secret_with_a_real_prefix_is_refused(client, workspace):
    _, raw = make_api_key(workspace=workspace)
    response = client.get(reverse("api_workspace"), **bearer(raw[:-1] + ("A" if raw[-1] != "A" else "B")))
    assert response.status_code == 401


def test_key_acts_with_its_own_role_not_its_creators(client, workspace, owner):
    _, raw = make_api_key(workspace=workspace, role=Role.VIEWER)
    response = client.post(
        reverse("api_invitations"),
        data={"email": "x@example.com", "role": "agent"},
        content_type="application/json",
        **bearer(raw),
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "role": Role.AGENT}, "This field is required."),
        ({"name": "ok", "role": "root"}, "Select a valid choice."),
    ],
)
def test_key_form_rejects_bad_input(owner_client, workspace, data, message):
    response = owner_client.post(reverse("api_key_create", args=[workspace.slug]), data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not ApiKey.objects.filter(workspace=workspace).exists()


def test_operator_admin_shows_only_the_masked_key(workspace):
    _, raw = make_api_key(workspace=workspace)
    operator = make_user(email="operator@example.com")
    operator.is_staff = operator.is_superuser = True
    operator.save()
    client = logged_in(operator)
    api_key = ApiKey.objects.get(workspace=workspace)
    for url in (
        reverse("admin:accounts_apikey_changelist"),
        reverse("admin:accounts_apikey_change", args=[api_key.pk]),
    ):
        page = client.get(url).content.decode()
        assert api_key.masked in page
        assert raw not in page
        assert api_key.secret_hash not in page
