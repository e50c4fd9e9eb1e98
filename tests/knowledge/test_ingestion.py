"""Indexing documents of every kind, failing clearly on bad input, re-indexing and deleting."""

import pytest
from django.db import OperationalError
from django.utils import timezone

from knowledge import embeddings, queue, retrieval, services
from knowledge.errors import EmbeddingsUnavailable
from knowledge.models import Chunk, Document, DocumentKind, DocumentStatus
from knowledge.tasks import document_ingest as ingest_task
from tests.knowledge.factories import ingest, make_pdf

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("embedding_model")]

MARKDOWN = b"""# Refunds policy

Annual plans can be refunded within 14 days of the charge.

## Monthly plans

Monthly plans are not refunded; cancel any time.
"""


@pytest.mark.parametrize(
    ("content", "file_name", "kind", "expected_kind", "sections"),
    [
        (MARKDOWN, "refunds.md", "", DocumentKind.MARKDOWN, ["", "Monthly plans"]),
        (b"Refunds are possible within 14 days.\n\nAsk support.", "refunds.txt", "", DocumentKind.TEXT, [""]),
        (
            b"<html><body><h1>Refunds</h1><p>Within 14 days.</p><script>x()</script></body></html>",
            "refunds.html",
            "",
            DocumentKind.HTML,
            ["Refunds"],
        ),
        (make_pdf([["Refunds within 14 days."], ["Invoices as PDF."]]), "refunds.pdf", "", DocumentKind.PDF, None),
        (b"Q: Refunds?\nA: Within 14 days.\n\nQ: Invoices?\nA: As PDF.", "", DocumentKind.FAQ, DocumentKind.FAQ, None),
    ],
    ids=["markdown", "text", "html", "pdf", "faq"],
)
def test_each_kind_is_indexed_into_searchable_chunks(workspace, content, file_name, kind, expected_kind, sections):
    document = ingest(workspace=workspace, content=content, file_name=file_name, title="Refunds policy", kind=kind)
    assert document.status == DocumentStatus.READY, document.failure_reason
    assert (document.kind, document.progress, document.failure_reason) == (expected_kind, 100, "")
    assert document.embedding_model == embeddings.model_name()
    assert document.indexed_at is not None
    chunks = list(Chunk.objects.filter(document=document).order_by("ordinal"))
    assert document.chunk_count == len(chunks) >= 1
    assert all(chunk.workspace_id == workspace.pk and len(chunk.embedding) == 384 for chunk in chunks)
    if sections is not None:
        assert [chunk.section for chunk in chunks] == sections
    if kind == DocumentKind.FAQ:
        assert [chunk.section for chunk in chunks] == ["Refunds?", "Invoices?"]
    if file_name.endswith(".pdf"):
        assert [chunk.section for chunk in chunks] == ["Page 1", "Page 2"]
    assert retrieval.passages_for(workspace=workspace, query="refund within 14 days")[0].document_id == document.pk


@pytest.mark.parametrize(
    ("content", "file_name", "reason"),
    [
        (b"", "empty.md", "The file is empty."),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog broken", "broken.pdf", "This PDF could not be read"),
        (b"Plain words, not a PDF at all.", "fake.pdf", "named .pdf but is not a PDF"),
        (bytes(range(256)) * 4, "blob.txt", "binary data"),
        (b"# Only a heading\n\n## And another\n", "headings.md", "headings but no text"),
    ],
    ids=["empty", "malformed-pdf", "not-a-pdf", "binary", "no-text"],
)
def test_bad_input_fails_the_document_with_a_reason_and_spares_the_others(workspace, content, file_name, reason):
    good = ingest(workspace=workspace, content=MARKDOWN, file_name="refunds.md")
    bad = ingest(workspace=workspace, content=content, file_name=file_name)
    assert bad.status == DocumentStatus.FAILED
    assert reason in bad.failure_reason
    assert (bad.progress, bad.chunk_count) == (0, 0)
    assert not Chunk.objects.filter(document=bad).exists()
    good.refresh_from_db()
    assert good.status == DocumentStatus.READY
    assert Chunk.objects.filter(document=good).count() == good.chunk_count


def test_reindex_replaces_the_chunks_from_the_stored_original(workspace, django_capture_on_commit_callbacks):
    document = ingest(workspace=workspace, content=MARKDOWN, file_name="refunds.md")
    old_ids = set(Chunk.objects.filter(document=document).values_list("pk", flat=True))
    with django_capture_on_commit_callbacks() as callbacks:
        services.document_reindex(document=document)
    document.refresh_from_db()
    assert (document.status, document.progress) == (DocumentStatus.QUEUED, 0)
    assert len(callbacks) == 2  # the task, queued on commit, and the broadcast
    # Until the new chunks are in, retrieval keeps answering from the old ones.
    assert retrieval.passages_for(workspace=workspace, query="monthly plans refund")[0].chunk_id in old_ids
    document = services.document_ingest(document_id=document.pk)
    new_ids = set(Chunk.objects.filter(document=document).values_list("pk", flat=True))
    assert document.status == DocumentStatus.READY
    assert len(new_ids) == len(old_ids) and not new_ids & old_ids


def test_failed_reindex_leaves_no_chunks_behind(workspace, monkeypatch):
    document = ingest(workspace=workspace, content=MARKDOWN, file_name="refunds.md")
    monkeypatch.setattr(services.chunking, "chunk_sections", _explode)
    document = services.document_ingest(document_id=document.pk)
    assert document.status == DocumentStatus.FAILED
    assert "Something went wrong while indexing" in document.failure_reason
    assert not Chunk.objects.filter(document=document).exists()
    assert retrieval.passages_for(workspace=workspace, query="refund") == []


def _explode(*args, **kwargs):
    raise RuntimeError("a bug")


def test_delete_removes_the_document_and_its_chunks(workspace):
    document = ingest(workspace=workspace, content=MARKDOWN, file_name="refunds.md")
    services.document_delete(document=document)
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not Chunk.objects.filter(document_id=document.pk).exists()
    assert retrieval.passages_for(workspace=workspace, query="refund") == []


def test_a_document_deleted_while_indexing_stops_quietly(workspace, monkeypatch):
    document = services.document_create(
        workspace=workspace, created_by=None, content=MARKDOWN, file_name="a.md", queue_ingestion=False
    )
    real_embed = embeddings.embed_documents

    def delete_then_embed(texts):
        Document.objects.filter(pk=document.pk).delete()
        return real_embed(texts)

    monkeypatch.setattr(services.embeddings, "embed_documents", delete_then_embed)
    assert services.document_ingest(document_id=document.pk) is None
    assert not Chunk.objects.exists()


def test_progress_moves_through_the_stages(workspace, monkeypatch):
    document = services.document_create(
        workspace=workspace, created_by=None, content=MARKDOWN, file_name="a.md", queue_ingestion=False
    )
    seen = []
    real_set_progress = services._set_progress

    def record(document, progress, **fields):
        seen.append((fields.get("status"), progress))
        real_set_progress(document, progress, **fields)

    monkeypatch.setattr(services, "_set_progress", record)
    services.document_ingest(document_id=document.pk)
    assert seen == [(DocumentStatus.PROCESSING, 0), (None, 10), (None, 20), (None, 95)]
    document.refresh_from_db()
    assert (document.status, document.progress) == (DocumentStatus.READY, 100)


def test_a_transient_error_queues_the_document_again_and_the_last_attempt_fails_it(
    workspace, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.KNOWLEDGE_INGEST_MAX_ATTEMPTS = 2
    document = services.document_create(
        workspace=workspace, created_by=None, content=MARKDOWN, file_name="a.md", queue_ingestion=False
    )

    def embeddings_gone(texts):
        raise EmbeddingsUnavailable("The embeddings service could not be reached.")

    monkeypatch.setattr(services.embeddings, "embed_documents", embeddings_gone)
    turns = []
    monkeypatch.setattr(services, "_send_turns", lambda count, countdown=0: turns.append((count, countdown)))
    with django_capture_on_commit_callbacks(execute=True):
        document = services.document_ingest(document_id=document.pk)
    # Not failed: queued again, with a turn a little later; its old chunks (if any) kept.
    assert (document.status, document.attempts) == (DocumentStatus.QUEUED, 1)
    assert document.available_at > timezone.now()
    assert turns == [(1, services.RETRY_DELAY)]
    document = services.document_ingest(document_id=document.pk)
    assert document.status == DocumentStatus.FAILED
    assert "stayed unavailable" in document.failure_reason


def test_turns_retry_only_when_the_database_is_away():
    assert OperationalError in ingest_task.autoretry_for
    assert ValueError not in ingest_task.autoretry_for
    assert ingest_task.acks_late and ingest_task.reject_on_worker_lost


def test_ingesting_the_same_document_twice_keeps_one_set_of_chunks(workspace):
    document = ingest(workspace=workspace, content=MARKDOWN, file_name="refunds.md")
    again = services.document_ingest(document_id=document.pk)
    assert again.status == DocumentStatus.READY
    ordinals = list(Chunk.objects.filter(document=document).values_list("ordinal", flat=True))
    assert sorted(ordinals) == list(range(again.chunk_count)) and again.chunk_count == document.chunk_count


def test_one_run_per_document_at_a_time(workspace):
    document = services.document_create(
        workspace=workspace, created_by=None, content=MARKDOWN, file_name="a.md", queue_ingestion=False
    )
    from django.db import connections

    other = connections.create_connection("default")
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [queue.LOCK_BASE + document.pk])
        assert cursor.fetchone()[0] is True
    try:
        # Another session (another worker) is indexing it: this run leaves at once.
        assert services.document_ingest(document_id=document.pk) is None
        assert document.pk in queue.running_document_ids()
    finally:
        other.close()


def test_task_for_a_missing_document_returns_quietly():
    ingest_task(999_999)


@pytest.mark.parametrize(
    ("content", "file_name", "title"),
    [
        (MARKDOWN, "policy.md", "Refunds policy"),
        (b"<html><head><title>Billing &amp; invoices</title></head></html>", "b.html", "Billing & invoices"),
        (b"<!doctype html><body><h1>Getting <em>started</em></h1><p>x</p></body>", "g.html", "Getting started"),
        (b"Plain words without a heading.", "refunds-policy_2024.txt", "Refunds policy 2024"),
        (make_pdf([["Scanned"]]), "annual-report.pdf", "Annual report"),
    ],
)
def test_document_title_defaults_to_its_own_heading_then_the_file_name(workspace, content, file_name, title):
    document = services.document_create(
        workspace=workspace, created_by=None, content=content, file_name=file_name, queue_ingestion=False
    )
    assert document.title == title
