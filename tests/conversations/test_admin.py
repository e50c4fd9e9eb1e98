"""The operator admin lists conversations, messages and attachments with a fixed number of
queries, finds conversations by the contact's user id, and never loads attachment bytes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from tests.conftest import logged_in
from tests.factories import make_attachment, make_contact, make_conversation, make_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return User.objects.create_superuser(email="operator@example.com", password="x" * 12)


def _conversations(workspace, count, *, first=0):
    for number in range(first, first + count):
        contact = make_contact(workspace=workspace, external_id=f"user-{number}")
        message = make_message(conversation=make_conversation(workspace=workspace, contact=contact), text="hi")
        make_attachment(message=message, file_name=f"file-{number}.pdf")


@pytest.mark.parametrize("model", ["conversation", "message", "attachment"])
def test_changelists_take_the_same_queries_for_more_rows(operator, workspace, model):
    client = logged_in(operator)
    url = reverse(f"admin:conversations_{model}_changelist")
    _conversations(workspace, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _conversations(workspace, 5, first=2)
    with CaptureQueriesContext(connection) as more:
        assert client.get(url).status_code == 200
    assert len(more) == len(few)


def test_attachment_pages_never_read_the_bytes(operator, workspace):
    message = make_message(conversation=make_conversation(workspace=workspace), text="see file")
    attachment = make_attachment(message=message, content=b"%PDF-SECRET-BYTES")
    client = logged_in(operator)
    for url in (
        reverse("admin:conversations_attachment_changelist"),
        reverse("admin:conversations_attachment_change", args=[attachment.pk]),
    ):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert not any('"content"' in query["sql"] for query in queries.captured_queries), url


def test_conversations_are_found_by_the_contacts_user_id(operator, workspace):
    _conversations(workspace, 2)
    page = logged_in(operator).get(reverse("admin:conversations_conversation_changelist"), {"q": "user-1"})
    assert page.context["cl"].result_count == 1
