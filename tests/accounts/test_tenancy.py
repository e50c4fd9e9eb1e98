"""Another workspace's ids give 404 everywhere: pages, actions and API, whichever workspace
the URL names, and whatever the outsider's role in their own workspace."""

import pytest
from django.urls import reverse

from accounts.models import ApiKey, Invitation, Membership, Role
from conversations.models import Conversation
from knowledge.models import Chunk, Document
from tests.conftest import bearer, logged_in
from tests.factories import make_api_key, make_conversation, make_invitation, make_member, make_message
from tests.knowledge.factories import make_document

CONSOLE_ID_ACTIONS = [
    ("member_change_role", "membership_id", {"role": Role.VIEWER}),
    ("member_remove", "membership_id", {}),
    ("invitation_revoke", "invitation_id", {}),
    ("invitation_resend", "invitation_id", {}),
    ("api_key_revoke", "api_key_id", {}),
    ("knowledge_document_reindex", "document_id", {}),
    ("knowledge_document_delete", "document_id", {}),
]

CONSOLE_ID_PAGES = [
    ("knowledge_document", "document_id"),
    ("knowledge_document_original", "document_id"),
    ("conversation", "conversation_id"),
    ("conversation_export_markdown", "conversation_id"),
    ("conversation_export_pdf", "conversation_id"),
]

API_ID_ENDPOINTS = [
    ("get", "api_member", "member_id", None),
    ("patch", "api_member", "member_id", {"role": Role.VIEWER}),
    ("delete", "api_member", "member_id", None),
    ("get", "api_invitation", "invitation_id", None),
    ("delete", "api_invitation", "invitation_id", None),
    ("get", "api_conversation", "conversation_id", None),
    ("patch", "api_conversation", "conversation_id", {"priority": 1, "tags": ["stolen"]}),
    ("get", "api_conversation_messages", "conversation_id", None),
    ("get", "api_conversation_export", "conversation_id", None),
]


@pytest.fixture
def victims(workspace, owner):
    """Objects of ``workspace`` that an admin of another workspace tries to reach."""
    return {
        "membership_id": make_member(workspace=workspace, role=Role.AGENT).pk,
        "member_id": make_member(workspace=workspace, role=Role.AGENT).pk,
        "invitation_id": make_invitation(workspace=workspace).pk,
        "api_key_id": make_api_key(workspace=workspace)[0].pk,
        "document_id": make_document(workspace=workspace).pk,
        "conversation_id": _conversation(workspace).pk,
    }


def _conversation(workspace):
    conversation = make_conversation(workspace=workspace, priority=3, tags=["ours"])
    make_message(conversation=conversation, text="Our customer's private question")
    return conversation


def _unchanged(workspace, victims):
    assert Membership.objects.filter(workspace=workspace, pk=victims["membership_id"], role=Role.AGENT).exists()
    assert Invitation.objects.get(pk=victims["invitation_id"]).is_pending
    assert ApiKey.objects.get(pk=victims["api_key_id"]).is_active
    assert Document.objects.filter(pk=victims["document_id"], status="ready").exists()
    assert Chunk.objects.filter(document_id=victims["document_id"]).count() == 1
    assert Conversation.objects.filter(pk=victims["conversation_id"], priority=3, tags=["ours"]).exists()


@pytest.mark.parametrize(("name", "id_name", "data"), CONSOLE_ID_ACTIONS)
def test_console_ids_of_another_workspace_are_404_under_own_slug(
    workspace, other_workspace, outsider, victims, name, id_name, data
):
    url = reverse(name, kwargs={"workspace_slug": other_workspace.slug, id_name: victims[id_name]})
    assert logged_in(outsider).post(url, data).status_code == 404
    _unchanged(workspace, victims)


@pytest.mark.parametrize(("name", "id_name", "data"), CONSOLE_ID_ACTIONS)
def test_console_ids_of_another_workspace_are_404_under_its_slug(workspace, outsider, victims, name, id_name, data):
    url = reverse(name, kwargs={"workspace_slug": workspace.slug, id_name: victims[id_name]})
    assert logged_in(outsider).post(url, data).status_code == 404
    _unchanged(workspace, victims)


@pytest.mark.parametrize(("name", "id_name"), CONSOLE_ID_PAGES)
def test_console_pages_of_another_workspaces_objects_are_404(
    workspace, other_workspace, outsider, victims, name, id_name
):
    for slug in (other_workspace.slug, workspace.slug):
        url = reverse(name, kwargs={"workspace_slug": slug, id_name: victims[id_name]})
        assert logged_in(outsider).get(url).status_code == 404


@pytest.mark.parametrize(("method", "name", "id_name", "body"), API_ID_ENDPOINTS)
def test_api_ids_of_another_workspace_are_404(client, workspace, other_workspace, victims, method, name, id_name, body):
    raw = make_api_key(workspace=other_workspace, role=Role.ADMIN)[1]
    url = reverse(name, kwargs={id_name: victims[id_name]})
    kwargs = {"content_type": "application/json", "data": body} if body is not None else {}
    response = getattr(client, method)(url, **kwargs, **bearer(raw))
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}
    _unchanged(workspace, victims)


def test_api_lists_show_only_the_keys_workspace(client, workspace, other_workspace, owner, outsider):
    make_invitation(workspace=workspace, email="ours@example.com")
    make_invitation(workspace=other_workspace, email="theirs@example.com")
    raw = make_api_key(workspace=other_workspace, role=Role.ADMIN)[1]
    members = client.get(reverse("api_members"), **bearer(raw)).json()["results"]
    invitations = client.get(reverse("api_invitations"), **bearer(raw)).json()["results"]
    assert [member["email"] for member in members] == [outsider.email]
    assert [invitation["email"] for invitation in invitations] == ["theirs@example.com"]
    assert client.get(reverse("api_workspace"), **bearer(raw)).json()["slug"] == other_workspace.slug


def test_workspace_slug_that_does_not_exist_is_the_same_404(owner_client):
    assert owner_client.get(reverse("team", args=["no-such-workspace"])).status_code == 404


def test_team_page_lists_only_own_members(owner_client, workspace, owner, outsider):
    page = owner_client.get(reverse("team", args=[workspace.slug])).content.decode()
    assert owner.email in page
    assert outsider.email not in page
