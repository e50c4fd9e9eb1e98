"""Who may open what: every console page and action, every API endpoint, every role.

Allowed → 2xx/3xx; a member whose role lacks the right → 403; a user of another workspace
→ 404 (the same answer as for a workspace that does not exist); nobody logged in → log-in."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.conftest import bearer, logged_in
from tests.factories import make_api_key, make_conversation, make_invitation, make_member
from tests.knowledge.factories import make_document

ADMIN, AGENT, VIEWER = Role.ADMIN, Role.AGENT, Role.VIEWER
EVERYONE = {ADMIN, AGENT, VIEWER}

# (url name, allowed roles). Kept by hand on purpose: it is the product's access policy.
CONSOLE_PAGES = [
    ("dashboard", EVERYONE),
    ("conversations", {ADMIN, AGENT}),
    ("monitor", {ADMIN, AGENT}),
    ("knowledge", EVERYONE),
    ("prompts", EVERYONE),
    ("escalations", {ADMIN, AGENT}),
    ("analytics", EVERYONE),
    ("integrations", {ADMIN}),
    ("team", EVERYONE),
    ("settings", {ADMIN}),
    ("knowledge_search", EVERYONE),
]

# Pages about one object: (url name, kind of object, allowed roles).
CONSOLE_OBJECT_PAGES = [
    ("knowledge_document", "document", EVERYONE),
    ("knowledge_document_original", "document", EVERYONE),
    ("conversation", "conversation", {ADMIN, AGENT}),
    ("conversation_export_markdown", "conversation", {ADMIN, AGENT}),
    ("conversation_export_pdf", "conversation", {ADMIN, AGENT}),
]


class _Upload:
    """A file the test client can post again and again (an open file is read only once)."""

    def __init__(self, name: str, content: bytes):
        self.name, self.content = name, content

    def read(self) -> bytes:
        return self.content


# (url name, needs a target object, POST data, allowed roles)
CONSOLE_ACTIONS = [
    ("team_invite", None, {"email": "new@example.com", "role": AGENT}, {ADMIN}),
    ("member_change_role", "membership", {"role": VIEWER}, {ADMIN}),
    ("member_remove", "membership", {}, {ADMIN}),
    ("invitation_revoke", "invitation", {}, {ADMIN}),
    ("invitation_resend", "invitation", {}, {ADMIN}),
    ("settings", None, {"name": "Renamed", "allowed_origins": "https://example.com"}, {ADMIN}),
    ("identity_secret_reveal", None, {}, {ADMIN}),
    ("identity_secret_rotate", None, {}, {ADMIN}),
    ("api_key_create", None, {"name": "CI", "role": AGENT}, {ADMIN}),
    ("api_key_revoke", "api_key", {}, {ADMIN}),
    ("knowledge_upload", None, {"file": _Upload("guide.md", b"# Guide\n\nHello."), "title": ""}, {ADMIN}),
    ("knowledge_faq_create", None, {"title": "FAQ", "text": "Q: Refunds?\nA: Within 14 days."}, {ADMIN}),
    ("knowledge_document_reindex", "document", {}, {ADMIN}),
    ("knowledge_document_delete", "document", {}, {ADMIN}),
]


def _target(kind, workspace):
    if kind == "membership":
        return {"membership_id": make_member(workspace=workspace, role=AGENT).pk}
    if kind == "invitation":
        return {"invitation_id": make_invitation(workspace=workspace).pk}
    if kind == "api_key":
        return {"api_key_id": make_api_key(workspace=workspace)[0].pk}
    if kind == "document":
        return {"document_id": make_document(workspace=workspace).pk}
    if kind == "conversation":
        return {"conversation_id": make_conversation(workspace=workspace).pk}
    return {}


@pytest.mark.parametrize("role", [ADMIN, AGENT, VIEWER])
@pytest.mark.parametrize(("name", "allowed"), CONSOLE_PAGES)
def test_console_page_access_by_role(workspace, name, allowed, role):
    client = logged_in(make_member(workspace=workspace, role=role).user)
    # Followed: a section may be a shortcut to another's page (Escalations → the monitor's queue).
    response = client.get(reverse(name, args=[workspace.slug]), follow=True)
    assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize(("name", "allowed"), CONSOLE_PAGES)
def test_console_page_is_404_for_outsider_and_login_for_anonymous(client, workspace, outsider, name, allowed):
    url = reverse(name, args=[workspace.slug])
    assert logged_in(outsider).get(url).status_code == 404
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", [ADMIN, AGENT, VIEWER])
@pytest.mark.parametrize(("name", "target", "allowed"), CONSOLE_OBJECT_PAGES)
def test_console_object_page_access_by_role(workspace, name, target, allowed, role):
    client = logged_in(make_member(workspace=workspace, role=role).user)
    response = client.get(reverse(name, kwargs={"workspace_slug": workspace.slug, **_target(target, workspace)}))
    assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize(("name", "target", "allowed"), CONSOLE_OBJECT_PAGES)
def test_console_object_page_is_404_for_outsider_and_login_for_anonymous(
    client, workspace, outsider, name, target, allowed
):
    url = reverse(name, kwargs={"workspace_slug": workspace.slug, **_target(target, workspace)})
    assert logged_in(outsider).get(url).status_code == 404
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", [ADMIN, AGENT, VIEWER])
@pytest.mark.parametrize(("name", "target", "data", "allowed"), CONSOLE_ACTIONS)
def test_console_action_access_by_role(workspace, name, target, data, allowed, role):
    make_member(workspace=workspace, role=ADMIN)  # so that removing or demoting never hits "last admin"
    client = logged_in(make_member(workspace=workspace, role=role).user)
    url = reverse(name, kwargs={"workspace_slug": workspace.slug, **_target(target, workspace)})
    response = client.post(url, data)
    if role in allowed:
        assert response.status_code in (200, 302), response.content[:500]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(("name", "target", "data", "allowed"), CONSOLE_ACTIONS)
def test_console_action_is_404_for_outsider(workspace, outsider, name, target, data, allowed):
    url = reverse(name, kwargs={"workspace_slug": workspace.slug, **_target(target, workspace)})
    assert logged_in(outsider).post(url, data).status_code == 404


# (method, url name, needs a target object, JSON body, roles allowed, success status)
API_ENDPOINTS = [
    ("get", "api_workspace", None, None, EVERYONE, 200),
    ("get", "api_members", None, None, EVERYONE, 200),
    ("get", "api_member", "member", None, EVERYONE, 200),
    ("patch", "api_member", "member", {"role": VIEWER}, {ADMIN}, 200),
    ("delete", "api_member", "member", None, {ADMIN}, 204),
    ("get", "api_invitations", None, None, {ADMIN}, 200),
    ("post", "api_invitations", None, {"email": "api@example.com", "role": AGENT}, {ADMIN}, 201),
    ("get", "api_invitation", "invitation", None, {ADMIN}, 200),
    ("delete", "api_invitation", "invitation", None, {ADMIN}, 204),
    ("get", "api_conversations", None, None, {ADMIN, AGENT}, 200),
    ("get", "api_conversation", "conversation", None, {ADMIN, AGENT}, 200),
    ("patch", "api_conversation", "conversation", {"priority": 1}, {ADMIN, AGENT}, 200),
    ("get", "api_conversation_messages", "conversation", None, {ADMIN, AGENT}, 200),
    ("get", "api_conversation_export", "conversation", None, {ADMIN, AGENT}, 200),
]


def _api_target(kind, workspace):
    if kind == "member":
        return {"member_id": make_member(workspace=workspace, role=AGENT).pk}
    if kind == "invitation":
        return {"invitation_id": make_invitation(workspace=workspace).pk}
    if kind == "conversation":
        return {"conversation_id": make_conversation(workspace=workspace).pk}
    return {}


def _call(client, method, url, body, headers):
    if body is None:
        return getattr(client, method)(url, **headers)
    return getattr(client, method)(url, data=body, content_type="application/json", **headers)


@pytest.mark.parametrize("role", [ADMIN, AGENT, VIEWER])
@pytest.mark.parametrize(("method", "name", "target", "body", "allowed", "success"), API_ENDPOINTS)
def test_api_access_by_key_role(client, workspace, method, name, target, body, allowed, success, role):
    make_member(workspace=workspace, role=ADMIN)
    raw = make_api_key(workspace=workspace, role=role)[1]
    url = reverse(name, kwargs=_api_target(target, workspace))
    response = _call(client, method, url, body, bearer(raw))
    expected = success if role in allowed else 403
    assert response.status_code == expected, response.content[:300]
    if expected == 403:
        assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize(("method", "name", "target", "body", "allowed", "success"), API_ENDPOINTS)
def test_api_without_key_is_401_with_json(client, workspace, method, name, target, body, allowed, success):
    url = reverse(name, kwargs=_api_target(target, workspace))
    response = _call(client, method, url, body, {})
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["detail"]
