"""Indexing survives hostile files and dying workers (issue 12, items 1, 2 and 11).

Real Celery workers (prefork pool, ``celery -A chatassist worker``) on the real Redis broker
and PostgreSQL; embeddings from the local vendor server, which can hold a request open so that
a worker is caught mid-ingestion for certain; processes killed with real SIGKILLs."""

import os
import signal

import pytest

from assistant.testing.vendor_server import EMBEDDINGS, ScriptedResponse
from knowledge import services
from knowledge.models import Chunk, Document, DocumentStatus
from tests.knowledge.factories import make_pdf, make_pdf_bomb
from tests.waiting import wait_until

SETTLED = (DocumentStatus.READY, DocumentStatus.FAILED)
LONG_ARTICLE = "\n\n".join(
    f"## Question {number}\n\nRefunds for plan {number} are paid back within {number} days of the request."
    for number in range(1, 40)
).encode()


def _settled(document: Document, *, timeout: float = 60) -> Document:
    def reload():
        fresh = Document.objects.get(pk=document.pk)
        return fresh if fresh.status in SETTLED else None

    return wait_until(reload, timeout=timeout, what=f"document {document.pk} to be indexed or failed")


def _worker_env(vendor_server, **extra) -> dict:
    return {
        "EMBEDDINGS_BACKEND": "openai",
        "OPENAI_API_KEY": "sk-test-key",
        "OPENAI_BASE_URL": vendor_server.openai_base_url,
        **extra,
    }


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_pdf_bomb_from_one_tenant_does_not_hold_back_another_tenants_document(
    workspace, other_workspace, vendor_server, live_worker, settings
):
    settings.EMBEDDINGS_BACKEND = "openai"
    # One pool process: whatever runs is the only thing running. Small limits keep this quick.
    live_worker(concurrency=1, extra_env=_worker_env(vendor_server, KNOWLEDGE_EXTRACTION_TIMEOUT="2"))
    # Tenant B's backlog: 80 MB of page content behind 13 KB (the decompressed-bytes limit),
    # and 20 MB that pypdf would chew on for about a minute (the wall-time limit).
    bombs = [
        services.document_create(
            workspace=other_workspace, created_by=None, content=content, file_name=f"bomb-{index}.pdf"
        )
        for index, content in enumerate(
            [make_pdf_bomb(pages=40), make_pdf_bomb(pages=10), make_pdf_bomb(pages=40), make_pdf_bomb(pages=10)]
        )
    ]
    # Tenant A's first document, queued behind all of them.
    first = services.document_create(
        workspace=workspace, created_by=None, content=b"Refunds are paid within 14 days.", file_name="refunds.txt"
    )

    first = _settled(first, timeout=90)

    assert first.status == DocumentStatus.READY, first.failure_reason
    bombs = [_settled(bomb, timeout=90) for bomb in bombs]
    # Fair: at most one of B's jobs ran before A's first document.
    assert sum(bomb.updated_at < first.indexed_at for bomb in bombs) <= 1
    assert [bomb.status for bomb in bombs] == [DocumentStatus.FAILED] * 4
    assert "uncompressed" in bombs[0].failure_reason and "80 MB" in bombs[0].failure_reason
    assert "took longer than 2 seconds" in bombs[1].failure_reason
    assert not Chunk.objects.filter(document__in=bombs).exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_pool_process_killed_mid_ingestion_loses_no_document(workspace, vendor_server, live_worker, settings):
    settings.EMBEDDINGS_BACKEND = "openai"
    # The first embeddings request hangs: the worker is caught mid-ingestion, for certain.
    vendor_server.enqueue(EMBEDDINGS, ScriptedResponse(hang_before_response=120))
    worker = live_worker(concurrency=1, extra_env=_worker_env(vendor_server))
    document = services.document_create(workspace=workspace, created_by=None, content=LONG_ARTICLE, file_name="r.md")
    wait_until(lambda: vendor_server.requests_to(EMBEDDINGS), timeout=60, what="the worker to start embedding")
    assert Document.objects.get(pk=document.pk).status == DocumentStatus.PROCESSING

    [pool_process] = worker.pool_pids()
    os.kill(pool_process, signal.SIGKILL)

    document = _settled(document, timeout=60)
    assert document.status == DocumentStatus.READY, document.failure_reason
    assert len(vendor_server.requests_to(EMBEDDINGS)) >= 2  # indexed again after the kill
    ordinals = list(Chunk.objects.filter(document=document).values_list("ordinal", flat=True))
    assert sorted(ordinals) == list(range(document.chunk_count)) and document.chunk_count > 1


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_outright_mid_ingestion_is_noticed_and_the_document_indexed(
    workspace, vendor_server, live_worker, settings
):
    settings.EMBEDDINGS_BACKEND = "openai"
    vendor_server.enqueue(EMBEDDINGS, ScriptedResponse(hang_before_response=120))
    env = _worker_env(vendor_server, KNOWLEDGE_SWEEP_INTERVAL="1")
    first_worker = live_worker(concurrency=1, extra_env=env)
    document = services.document_create(workspace=workspace, created_by=None, content=LONG_ARTICLE, file_name="r.md")
    wait_until(lambda: vendor_server.requests_to(EMBEDDINGS), timeout=60, what="the worker to start embedding")

    # The whole worker, main process and pool, as a crashed host: its message stays unacked
    # in Redis until the broker's visibility timeout.
    first_worker.kill()
    # A replacement worker, with beat as in `make run`: the stale-document sweep finds the run
    # that no longer exists and queues the document again.
    live_worker(concurrency=1, beat=True, extra_env=env)

    document = _settled(document, timeout=60)
    assert document.status == DocumentStatus.READY, document.failure_reason
    assert Chunk.objects.filter(document=document).count() == document.chunk_count > 1


@pytest.mark.django_db
@pytest.mark.usefixtures("embedding_model")
def test_a_pdf_with_nul_characters_is_indexed_without_them(workspace):
    pdf = make_pdf([["Refunds\x00 are paid within 14 days."], ["Invoices\x00 come as PDF."]])
    document = services.document_create(
        workspace=workspace, created_by=None, content=pdf, file_name="nul.pdf", queue_ingestion=False
    )

    document = services.document_ingest(document_id=document.pk)

    assert document.status == DocumentStatus.READY, document.failure_reason
    texts = list(Chunk.objects.filter(document=document).values_list("text", flat=True))
    assert texts == ["Refunds are paid within 14 days.", "Invoices come as PDF."]
