"""The operator admin lists documents and chunks, never showing originals or vectors."""

import pytest
from django.urls import reverse

from accounts.models import User
from knowledge.models import Chunk, Document
from tests.conftest import logged_in
from tests.knowledge.factories import make_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return User.objects.create_superuser(email="operator@example.com", password="x" * 12)


def test_document_and_chunk_admin_pages_load_without_the_binary(operator, workspace):
    document = make_document(workspace=workspace, title="Refunds policy", text="Within 14 days.")
    Document.objects.filter(pk=document.pk).update(original=b"SECRET-ORIGINAL-BYTES")
    client = logged_in(operator)
    chunk = Chunk.objects.get(document=document)
    for url in (
        reverse("admin:knowledge_document_changelist") + "?status__exact=ready",
        reverse("admin:knowledge_document_change", args=[document.pk]),
        reverse("admin:knowledge_chunk_changelist") + f"?workspace__id__exact={workspace.pk}",
        reverse("admin:knowledge_chunk_change", args=[chunk.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "SECRET-ORIGINAL-BYTES" not in body
        assert "Refunds policy" in body or "Within 14 days." in body


def test_admin_delete_goes_through_the_service(operator, workspace):
    document = make_document(workspace=workspace)
    response = logged_in(operator).post(reverse("admin:knowledge_document_delete", args=[document.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Document.objects.exists() and not Chunk.objects.exists()
