"""Indexing through a real Celery worker on the real Redis broker."""

import time

import pytest
from celery.contrib.testing.worker import start_worker

from chatassist.celery import app
from knowledge import retrieval, services
from knowledge.models import Document, DocumentStatus
from tests.knowledge.factories import make_pdf


def _wait_until_settled(document_id: int, timeout: float = 60) -> Document:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document = Document.objects.get(pk=document_id)
        if document.status in (DocumentStatus.READY, DocumentStatus.FAILED):
            return document
        time.sleep(0.1)
    raise AssertionError(f"document {document_id} is still {document.status}")


@pytest.mark.django_db(transaction=True)
def test_uploaded_documents_are_indexed_by_a_worker(workspace, owner, embedding_model):
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        good = services.document_create(
            workspace=workspace,
            created_by=owner,
            content=b"# Invoices\n\nDownload invoices from Settings, Billing, Invoices.",
            file_name="invoices.md",
        )
        bad = services.document_create(
            workspace=workspace, created_by=owner, content=make_pdf([["x"]])[:120], file_name="broken.pdf"
        )
        assert good.status == DocumentStatus.QUEUED  # as stored; the worker picks it up on commit
        good, bad = _wait_until_settled(good.pk), _wait_until_settled(bad.pk)
    assert (good.status, good.progress, good.chunk_count) == (DocumentStatus.READY, 100, 1)
    assert bad.status == DocumentStatus.FAILED and "could not be read" in bad.failure_reason
    passages = retrieval.passages_for(workspace=workspace, query="where can I download an invoice")
    assert [passage.document_id for passage in passages] == [good.pk]
