"""Every API error is JSON with a ``code`` and a sentence, never an HTML page or a 500."""

import pytest
from django.urls import reverse

from accounts.models import Role
from conversations.errors import ConversationError
from knowledge.errors import ExtractionError
from tests.conftest import bearer
from tests.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_key(api_key_for_role):
    return api_key_for_role(Role.ADMIN)


def test_unknown_api_path_is_json_404(client, settings):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_malformed_json_is_a_parse_error(client, admin_key):
    response = client.post(
        reverse("api_invitations"), data="{not json", content_type="application/json", **bearer(admin_key)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert "JSON parse error" in response.json()["detail"]


def test_form_encoded_body_is_refused_with_415(client, admin_key):
    response = client.post(reverse("api_invitations"), data={"email": "a@example.com"}, **bearer(admin_key))
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_wrong_method_is_405(client, admin_key):
    response = client.put(reverse("api_workspace"), data={}, content_type="application/json", **bearer(admin_key))
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_lists_are_paginated(client, workspace, admin_key):
    for _ in range(3):
        make_member(workspace=workspace)
    page = client.get(reverse("api_members") + "?page_size=2", **bearer(admin_key)).json()
    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"]
    response = client.get(reverse("api_members") + "?page=99", **bearer(admin_key))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_non_numeric_id_is_404_json(client, admin_key):
    response = client.get("/api/v1/members/abc/", **bearer(admin_key))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_schema_and_docs_are_served(client):
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/members/{member_id}/" in paths
    assert client.get(reverse("api_docs")).status_code == 200


@pytest.mark.parametrize(
    "error",
    [
        ConversationError("The message is too long.", code="message_too_long", status=413),
        ExtractionError("The file is empty."),
    ],
)
def test_every_apps_domain_errors_answer_as_json(error):
    from chatassist.api import exception_handler

    response = exception_handler(error, context={})
    assert response.status_code == error.status
    assert response.data == {"code": error.code, "detail": error.message}
