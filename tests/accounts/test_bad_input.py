"""Hostile and malformed input gets a 4xx with a clear message, never a 500."""

import pytest
from django.urls import reverse

from accounts.models import Invitation, Role, User, Workspace
from tests.conftest import bearer

pytestmark = pytest.mark.django_db

HUGE_ID = "9" * 30


def test_ids_beyond_any_integer_are_404(owner_client, client, workspace, api_key_for_role):
    assert owner_client.post(f"/w/{workspace.slug}/team/members/{HUGE_ID}/role/", {"role": "agent"}).status_code == 404
    response = client.get(f"/api/v1/members/{HUGE_ID}/", **bearer(api_key_for_role(Role.ADMIN)))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "header", ["Bearer ca_\x00bcdefgh_" + "x" * 40, "Bearer ca_zzzzzzzz_" + "x" * 40, "Bearer \xe2\x98\x83"]
)
def test_malformed_keys_are_401_not_500(client, header):
    response = client.get(reverse("api_workspace"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["detail"] == "This API key is not valid."


def test_nul_bytes_in_forms_are_refused(client, owner_client, workspace, settings):
    settings.ALLOW_SIGN_UP = True
    response = owner_client.post(reverse("settings", args=[workspace.slug]), {"name": "x\x00y", "allowed_origins": ""})
    assert response.status_code == 422
    response = client.post(
        reverse("sign_up"),
        {"name": "N", "email": "n@example.com", "password": "long enough pass", "workspace_name": "\x00"},
    )
    assert response.status_code == 422
    assert not User.objects.filter(email="n@example.com").exists()
    assert client.post(reverse("login"), {"username": "a\x00@example.com", "password": "x"}).status_code == 200


def test_nul_bytes_and_wrong_shapes_in_api_bodies_are_400(client, api_key_for_role):
    raw = api_key_for_role(Role.ADMIN)
    for body in ({"email": "a\x00@example.com", "role": "agent"}, [1, 2], '"a JSON string"', {"email": ["a@b.c"]}):
        response = client.post(reverse("api_invitations"), data=body, content_type="application/json", **bearer(raw))
        assert response.status_code == 400, body
        assert response.json()["code"] == "invalid"
        assert response.json()["detail"]
    assert not Invitation.objects.exists()


def test_over_long_origins_are_refused(owner_client, workspace):
    response = owner_client.post(
        reverse("settings", args=[workspace.slug]), {"name": "Acme", "allowed_origins": "https://" + "a" * 300 + ".com"}
    )
    assert response.status_code == 422
    assert "at most 255 characters" in response.content.decode()
    assert Workspace.objects.get(pk=workspace.pk).allowed_origins == []


def test_too_many_origins_are_refused(owner_client, workspace):
    origins = "\n".join(f"https://site{number}.example.com" for number in range(51))
    response = owner_client.post(
        reverse("settings", args=[workspace.slug]), {"name": "Acme", "allowed_origins": origins}
    )
    assert response.status_code == 422
    assert "At most 50 origins" in response.content.decode()


def test_workspace_names_without_letters_still_get_a_slug(owner_client, settings):
    settings.ALLOW_SIGN_UP = True
    response = owner_client.post(reverse("workspace_create"), {"name": "日本語 ✓"})
    assert response.status_code == 302
    workspace = Workspace.objects.get(name="日本語 ✓")
    assert workspace.slug.startswith("workspace")
