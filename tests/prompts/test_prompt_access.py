"""Role matrix and tenancy for the prompt pages: admins edit, everyone reads, outsiders 404."""

import pytest
from django.urls import reverse

from accounts.models import Role
from prompts.models import PromptVersion
from tests.conftest import logged_in
from tests.factories import make_member
from tests.prompts.test_versions import EDITOR_FORM

pytestmark = pytest.mark.django_db
ADMIN, AGENT, VIEWER = Role.ADMIN, Role.AGENT, Role.VIEWER
EVERYONE = {ADMIN, AGENT, VIEWER}


def _version_id(workspace):
    return PromptVersion.objects.get(workspace=workspace, number=1).pk


# (method, url name, needs the version id, data, roles allowed)
PROMPT_ENDPOINTS = [
    ("get", "prompts", False, None, EVERYONE),
    ("get", "prompt_version_detail", True, None, EVERYONE),
    ("get", "prompt_version_new", False, None, {ADMIN}),
    ("post", "prompt_version_new", False, EDITOR_FORM, {ADMIN}),
    ("post", "prompt_version_activate", True, {}, {ADMIN}),
    ("post", "prompt_preview", False, EDITOR_FORM, {ADMIN}),
    ("post", "prompt_sandbox", False, {**EDITOR_FORM, "question": ""}, {ADMIN}),
]


def _url(workspace, name, needs_id, id_workspace=None):
    kwargs = {"workspace_slug": workspace.slug}
    if needs_id:
        kwargs["version_id"] = _version_id(id_workspace or workspace)
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("role", [ADMIN, AGENT, VIEWER])
@pytest.mark.parametrize(("method", "name", "needs_id", "data", "allowed"), PROMPT_ENDPOINTS)
def test_prompt_pages_by_role(workspace, role, method, name, needs_id, data, allowed):
    client = logged_in(make_member(workspace=workspace, role=role).user)
    response = getattr(client, method)(_url(workspace, name, needs_id), data or {})
    if role in allowed:
        # The sandbox with an empty question is refused by validation, not by role.
        assert response.status_code in (200, 302, 422), response.content[:300]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(("method", "name", "needs_id", "data", "allowed"), PROMPT_ENDPOINTS)
def test_prompt_pages_are_404_for_outsiders(workspace, outsider, method, name, needs_id, data, allowed):
    response = getattr(logged_in(outsider), method)(_url(workspace, name, needs_id), data or {})
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["prompt_version_detail", "prompt_version_activate"])
def test_another_workspaces_version_id_is_404_under_own_slug(workspace, other_workspace, outsider, name):
    url = _url(other_workspace, name, True, id_workspace=workspace)
    method = "post" if name.endswith("activate") else "get"
    assert getattr(logged_in(outsider), method)(url).status_code == 404
    assert PromptVersion.objects.get(workspace=workspace, number=1).is_active


def test_sandbox_refuses_bad_input_as_json(owner_client, workspace):
    response = owner_client.post(reverse("prompt_sandbox", args=[workspace.slug]), {**EDITOR_FORM, "question": ""})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"] == "question: This field is required."
