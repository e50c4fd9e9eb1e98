"""The Knowledge pages: live list, adding files and FAQs (and refusing bad ones with a
sentence), re-index, delete, a document's passages, its original, and the search box."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from knowledge.models import Document, DocumentKind, DocumentStatus
from tests.conftest import logged_in
from tests.knowledge.factories import make_document, make_pdf

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(name, workspace, *args):
    return reverse(name, args=[workspace.slug, *args])


def test_list_shows_status_progress_and_failure_reasons(owner_client, workspace):
    make_document(workspace=workspace, title="Ready article")
    busy = make_document(workspace=workspace, title="Busy article")
    Document.objects.filter(pk=busy.pk).update(status=DocumentStatus.PROCESSING, progress=42)
    failed = make_document(workspace=workspace, title="Broken PDF")
    Document.objects.filter(pk=failed.pk).update(status=DocumentStatus.FAILED, failure_reason="This PDF is damaged.")
    page = owner_client.get(_url("knowledge", workspace)).content.decode()
    assert "Ready article" in page and "Busy article" in page
    assert 'value="42"' in page and "42%" in page
    assert "This PDF is damaged." in page
    # Live: the socket's "knowledge.updated", and a poll while something is being indexed.
    assert 'hx-trigger="knowledge-updated from:body, every 2s"' in page


def test_list_stops_polling_when_nothing_is_being_indexed(owner_client, workspace):
    make_document(workspace=workspace)
    response = owner_client.get(_url("knowledge", workspace), **HTMX)
    assert response.templates[0].name == "knowledge/partials/documents_section.html"
    assert 'hx-trigger="knowledge-updated from:body"' in response.content.decode()


def test_viewers_see_documents_but_no_forms_or_actions(workspace, viewer):
    make_document(workspace=workspace, title="Refunds policy")
    page = logged_in(viewer).get(_url("knowledge", workspace)).content.decode()
    assert "Refunds policy" in page
    assert "Upload a file" not in page and "Re-index" not in page and "Delete" not in page
    assert "Try a question" in page


def test_upload_stores_the_document_and_queues_indexing_on_commit(
    owner_client, owner, workspace, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("refunds-policy.md", b"# Refunds policy\n\nWithin 14 days.")
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner_client.post(_url("knowledge_upload", workspace), {"file": upload, "title": ""}, **HTMX)
    assert response.status_code == 200
    document = Document.objects.get(workspace=workspace)
    assert (document.title, document.kind, document.status) == ("Refunds policy", "markdown", "queued")
    assert (document.file_name, document.created_by) == ("refunds-policy.md", owner)
    assert len(callbacks) == 2  # the indexing task and the broadcast
    body = response.content.decode()
    assert "“Refunds policy” was added and is being indexed." in body
    assert 'id="knowledge-documents"' in body and 'hx-swap-oob="true"' in body


def test_plain_upload_redirects_to_the_list(owner_client, workspace):
    upload = SimpleUploadedFile("guide.pdf", make_pdf([["Guide"]]))
    response = owner_client.post(_url("knowledge_upload", workspace), {"file": upload, "title": "Pulsar guide"})
    assert response.status_code == 302 and response.url == _url("knowledge", workspace)
    assert Document.objects.get().kind == DocumentKind.PDF


@pytest.mark.parametrize(
    ("name", "content", "title", "sentence"),
    [
        ("big.md", b"x" * 2048, "", "the limit is 1.0"),
        ("empty.md", b"", "", "The file is empty."),
        ("fake.pdf", b"Just text.", "", "named .pdf but is not a PDF"),
        ("data.bin", bytes(range(256)) * 4, "", "binary data"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "", "PNG image"),
        ("a.md", b"# Fine", "Bad\x00title", "Null characters are not allowed."),
    ],
    ids=["oversize", "empty", "not-a-pdf", "binary", "image", "nul-title"],
)
def test_bad_uploads_are_refused_with_a_sentence_and_nothing_is_created(
    owner_client, workspace, settings, name, content, title, sentence
):
    settings.KNOWLEDGE_MAX_UPLOAD_BYTES = 1024
    make_document(workspace=workspace, title="Existing")
    upload = SimpleUploadedFile(name, content)
    for headers in (HTMX, {}):
        upload.seek(0)
        response = owner_client.post(_url("knowledge_upload", workspace), {"file": upload, "title": title}, **headers)
        assert response.status_code == 422
        assert sentence in response.content.decode().replace("\xa0", " ")
    assert list(Document.objects.values_list("title", flat=True)) == ["Existing"]


def test_upload_without_a_file_is_refused(owner_client, workspace):
    response = owner_client.post(_url("knowledge_upload", workspace), {"title": "No file"}, **HTMX)
    assert response.status_code == 422
    assert "Choose a file to upload." in response.content.decode()
    assert not Document.objects.exists()


def test_pasted_faq_becomes_a_document(owner_client, workspace):
    text = "Q: How do I reset my password?\nA: Click “Forgot password?” on the sign-in page."
    response = owner_client.post(
        _url("knowledge_faq_create", workspace), {"title": "Account FAQ", "text": text}, **HTMX
    )
    assert response.status_code == 200
    document = Document.objects.get()
    assert (document.title, document.kind, document.file_name) == ("Account FAQ", DocumentKind.FAQ, "")


@pytest.mark.parametrize(
    ("data", "sentence"),
    [
        ({"title": "FAQ", "text": "Just some prose."}, "comes before the first question"),
        ({"title": "FAQ", "text": "Q: Unanswered?"}, "has no answer"),
        ({"title": "FAQ", "text": ""}, "This field is required."),
        ({"title": "", "text": "Q: Fine?\nA: Yes."}, "This field is required."),
        ({"title": "FAQ", "text": "Q: Nul\x00?\nA: Yes."}, "Null characters are not allowed."),
    ],
    ids=["prose", "no-answer", "no-text", "no-title", "nul"],
)
def test_bad_faqs_are_refused_with_a_sentence_and_nothing_is_created(owner_client, workspace, data, sentence):
    response = owner_client.post(_url("knowledge_faq_create", workspace), data, **HTMX)
    assert response.status_code == 422
    assert sentence in response.content.decode().replace("&quot;", '"')
    assert not Document.objects.exists()


def test_reindex_queues_the_document_again(owner_client, workspace, django_capture_on_commit_callbacks):
    document = make_document(workspace=workspace, title="Refunds policy")
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner_client.post(_url("knowledge_document_reindex", workspace, document.pk), **HTMX)
    assert response.status_code == 200
    assert "“Refunds policy” is being re-indexed." in response.content.decode()
    document.refresh_from_db()
    assert (document.status, document.progress) == (DocumentStatus.QUEUED, 0)
    assert len(callbacks) == 2


def test_delete_removes_the_row(owner_client, workspace):
    document = make_document(workspace=workspace, title="Old article")
    response = owner_client.post(_url("knowledge_document_delete", workspace, document.pk), **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "“Old article” was deleted." in body and f'data-document-id="{document.pk}"' not in body
    assert not Document.objects.exists()
    response = owner_client.post(_url("knowledge_document_delete", workspace, document.pk))
    assert response.status_code == 404


def test_document_page_lists_its_passages(owner_client, workspace):
    document = make_document(workspace=workspace, title="Refunds policy", text="Annual plans: 14 days.")
    document.chunks.update(section="Annual plans", token_count=7)
    page = owner_client.get(_url("knowledge_document", workspace, document.pk)).content.decode()
    assert "<h1>Refunds policy</h1>" in page
    assert "Annual plans" in page and "7 tokens" in page and "Annual plans: 14 days." in page
    assert 'href="/w/' in page and 'aria-current="page"' in page  # Knowledge stays current in the nav


def test_original_is_always_a_download(owner_client, workspace):
    document = make_document(workspace=workspace, title="Page", text="<script>alert(1)</script>")
    Document.objects.filter(pk=document.pk).update(file_name="page.html", original=b"<script>alert(1)</script>")
    response = owner_client.get(_url("knowledge_document_original", workspace, document.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="page.html"'
    assert response.content == b"<script>alert(1)</script>"


def test_search_shows_what_the_assistant_would_retrieve(owner_client, workspace, embedding_model):
    from tests.knowledge.factories import ingest

    ingest(workspace=workspace, content=b"# Billing\n\n## Refunds\n\nAnnual plans: 14 days.", file_name="billing.md")
    response = owner_client.get(_url("knowledge_search", workspace), {"q": "annual refund"}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Billing</a>" in body and "Refunds" in body and "Annual plans: 14 days." in body
    assert "score 0." in body and "rrf 0.0" in body
    full_page = owner_client.get(_url("knowledge_search", workspace), {"q": "annual refund"}).content.decode()
    assert "<h1>Knowledge</h1>" in full_page and "Annual plans: 14 days." in full_page


def test_search_with_nothing_indexed_says_so(owner_client, workspace):
    body = owner_client.get(_url("knowledge_search", workspace), {"q": "refund"}, **HTMX).content.decode()
    assert "Nothing in the knowledge base matches this question yet." in body


@pytest.mark.parametrize(
    ("query", "sentence"),
    [("", "Type a question, as a customer would ask it."), ("x" * 501, "at most 500 characters")],
)
def test_bad_search_is_refused_with_a_sentence(owner_client, workspace, query, sentence):
    response = owner_client.get(_url("knowledge_search", workspace), {"q": query}, **HTMX)
    assert response.status_code == 422
    assert sentence in response.content.decode()


def test_search_page_without_a_question_is_just_the_page(owner_client, workspace):
    assert owner_client.get(_url("knowledge_search", workspace)).status_code == 200
