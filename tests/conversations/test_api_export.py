"""GET /api/v1/conversations/<id>/export/?format=md|pdf: the transcript as a file; errors
stay JSON whatever ``format`` says."""

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.conftest import bearer
from tests.factories import make_conversation, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_key(api_key_for_role):
    return api_key_for_role(Role.AGENT)


@pytest.fixture
def conversation(workspace):
    conversation = make_conversation(workspace=workspace)
    make_message(conversation=conversation, text="Where is my invoice?")
    return conversation


def _export(client, key, conversation, **params):
    return client.get(reverse("api_conversation_export", args=[conversation.pk]), params, **bearer(key))


@pytest.mark.parametrize(
    ("file_format", "content_type", "start"),
    [("md", "text/markdown; charset=utf-8", b"# Conversation "), ("pdf", "application/pdf", b"%PDF-")],
)
def test_exports_as_a_file(client, conversation, agent_key, file_format, content_type, start):
    response = _export(client, agent_key, conversation, format=file_format)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="conversation-{conversation.pk}.{file_format}"'
    assert response.content.startswith(start)


def test_markdown_is_the_default(client, conversation, agent_key):
    response = _export(client, agent_key, conversation)
    assert "> Where is my invoice?" in response.content.decode()


def test_the_path_without_slash_redirects_to_it(client, conversation, agent_key):
    url = reverse("api_conversation_export", args=[conversation.pk]).rstrip("/") + "?format=pdf"
    response = client.get(url, **bearer(agent_key))
    assert response.status_code == 301
    assert response["Location"].endswith(f"/conversations/{conversation.pk}/export/?format=pdf")


def test_unknown_format_is_400_json(client, conversation, agent_key):
    response = _export(client, agent_key, conversation, format="docx")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": 'format: "docx" is not a valid choice.',
        "fields": {"format": ['"docx" is not a valid choice.']},
    }


def test_another_workspaces_conversation_is_404_json(client, other_workspace, agent_key):
    response = _export(client, agent_key, make_conversation(workspace=other_workspace), format="pdf")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


def test_viewer_key_is_403_json(client, conversation, api_key_for_role):
    response = _export(client, api_key_for_role(Role.VIEWER), conversation, format="md")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
