"""Writes for the knowledge base: add documents, index them, re-index, delete.

Indexing runs in Celery turns (``knowledge.tasks.document_ingest_next``) that call
``document_ingest_next`` here, which takes the next document of the fair queue across
workspaces (``knowledge/queue.py``); the demo seed calls ``document_ingest`` directly. Every change of a
document's status or progress is committed on its own, so pages see it, and broadcasts
``{"type": "knowledge.updated"}`` to the workspace once committed. The new chunks replace the
old ones in one transaction: retrieval sees the previous complete set or the new one, never
a mix, and a failure leaves no chunks behind."""

import logging
import math
from datetime import timedelta
from pathlib import PurePath

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User, Workspace
from accounts.realtime import broadcast_on_commit, workspace_group
from knowledge import chunking, embeddings, extraction, limits, queue
from knowledge.errors import TRANSIENT_ERRORS, ExtractionError, KnowledgeError
from knowledge.models import Chunk, Document, DocumentKind, DocumentStatus

logger = logging.getLogger(__name__)

# Chunks embedded between two progress updates.
EMBED_BATCH_SIZE = 64
# Progress milestones of one run, in percent.
EXTRACTED, CHUNKED, EMBEDDED = 10, 20, 95
UNEXPECTED_FAILURE = (
    "Something went wrong while indexing this document; the error was logged for the operator. "
    "Try re-indexing it, and contact support if it keeps failing."
)
GAVE_UP_FAILURE = (
    "Indexing could not finish because the database or the embeddings service stayed unavailable. "
    "Re-index the document to try again."
)
# A transient error queues the document again after this many seconds, doubled per attempt.
RETRY_DELAY, RETRY_DELAY_MAX = 10, 300


def knowledge_changed(*, workspace_id: int) -> None:
    """Tell the workspace's open consoles, after commit, that documents changed."""
    broadcast_on_commit(workspace_group(workspace_id), {"type": "knowledge.updated"})


def title_from_file_name(file_name: str) -> str:
    """ "refunds-policy.md" → "Refunds policy"."""
    stem = PurePath(file_name).stem.replace("_", " ").replace("-", " ")
    stem = " ".join(stem.split())
    return (stem[:1].upper() + stem[1:])[:200] or "Untitled document"


@transaction.atomic
def document_create(
    *,
    workspace: Workspace,
    created_by: User | None,
    content: bytes,
    file_name: str = "",
    title: str = "",
    kind: str = "",
    queue_ingestion: bool = True,
) -> Document:
    """Store a document as queued and, unless told otherwise, queue its indexing on commit.

    ``kind`` may be "faq" for pasted FAQs; otherwise it is detected from the content (a file
    that cannot be read is still stored, and its indexing fails with the reason). Without a
    ``title``, the document's own (first Markdown heading, HTML title) or its file name."""
    if kind != DocumentKind.FAQ:
        try:
            kind = extraction.detect_kind(content, file_name=file_name)
        except ExtractionError:
            kind = DocumentKind.PDF if file_name.lower().endswith(".pdf") else DocumentKind.TEXT
    document = Document.objects.create(
        workspace=workspace,
        created_by=created_by,
        title=title.strip()[:200] or extraction.guess_title(content, kind=kind) or title_from_file_name(file_name),
        kind=kind,
        file_name=file_name[:255],
        original=content,
        byte_size=len(content),
        status=DocumentStatus.QUEUED,
    )
    if queue_ingestion:
        _queue_ingestion(document)
    knowledge_changed(workspace_id=workspace.pk)
    return document


@transaction.atomic
def document_reindex(*, document: Document) -> Document:
    """Index again from the stored original (e.g. after the chunking or the embeddings model
    changed). The current chunks keep answering until the new ones replace them."""
    now = timezone.now()
    Document.objects.filter(pk=document.pk).update(
        status=DocumentStatus.QUEUED, progress=0, failure_reason="", attempts=0, available_at=now, updated_at=now
    )
    document.refresh_from_db(fields=["status", "progress", "failure_reason", "updated_at"])
    _queue_ingestion(document)
    knowledge_changed(workspace_id=document.workspace_id)
    return document


@transaction.atomic
def document_delete(*, document: Document) -> None:
    """Delete the document and its chunks. A run indexing it stops at its next step."""
    workspace_id = document.workspace_id
    Document.objects.filter(pk=document.pk).delete()
    knowledge_changed(workspace_id=workspace_id)


def _queue_ingestion(document: Document) -> None:
    transaction.on_commit(lambda: _send_turns(1))


def _send_turns(count: int, *, countdown: float = 0) -> None:
    """Give the workers ``count`` turns of the fair queue (knowledge/queue.py)."""
    from knowledge.tasks import document_ingest_next

    for _ in range(count):
        document_ingest_next.apply_async(countdown=countdown or None)


class _DocumentGone(Exception):
    """The document was deleted while it was being indexed: stop quietly."""


def document_ingest(*, document_id: int) -> Document | None:
    """Index this document now, from its stored original: extract, chunk, embed, store.

    Returns the document (ready, failed, or queued again after a transient error), or None when
    it no longer exists or another run is indexing it right now (that run's result is the
    same: the original never changes). Running it again is harmless: the new chunks replace
    the old ones. Workers go through ``document_ingest_next`` instead; the demo seed and tests
    call this directly."""
    document = queue.claim(document_id)
    if document is None:
        return None
    try:
        return _run(document)
    finally:
        queue.unlock(document_id)


def document_ingest_next() -> Document | None:
    """One turn of the fair queue: index the next document, chosen across workspaces
    (knowledge/queue.py). None when nothing waits."""
    with queue.claimed_next() as document:
        if document is None:
            return None
        return _run(document)


def _run(document: Document) -> Document | None:
    """Bad input fails the document with a reason; a transient error (database, embeddings
    service) queues it again a little later; a run over its time limit fails it."""
    if document.attempts > settings.KNOWLEDGE_INGEST_MAX_ATTEMPTS:
        # Every earlier run died with its worker (a run that ends, ends the document).
        return document_fail(document_id=document.pk, reason=limits.interrupted(document.attempts - 1))
    try:
        return _ingest(document)
    except _DocumentGone:
        return None
    except TRANSIENT_ERRORS as error:
        return _retry_later(document, error)
    except SoftTimeLimitExceeded:
        return document_fail(document_id=document.pk, reason=limits.job_too_slow())
    except KnowledgeError as error:
        return document_fail(document_id=document.pk, reason=error.message)
    except Exception:
        logger.exception("Indexing document %s failed unexpectedly", document.pk)
        return document_fail(document_id=document.pk, reason=UNEXPECTED_FAILURE)


def _retry_later(document: Document, error: Exception) -> Document | None:
    if document.attempts >= settings.KNOWLEDGE_INGEST_MAX_ATTEMPTS:
        return document_fail(document_id=document.pk, reason=GAVE_UP_FAILURE)
    delay = min(RETRY_DELAY_MAX, RETRY_DELAY * 2 ** (document.attempts - 1))
    logger.warning("Indexing document %s will be retried in %s s: %s", document.pk, delay, error)
    # If the database is what failed, this fails too: the task retries, and the sweep
    # finds the document without its run once the database is back.
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(
            status=DocumentStatus.QUEUED,
            progress=0,
            available_at=timezone.now() + timedelta(seconds=delay),
            updated_at=timezone.now(),
        )
        knowledge_changed(workspace_id=document.workspace_id)
        transaction.on_commit(lambda: _send_turns(1, countdown=delay))
    document.refresh_from_db()
    return document


def document_sweep() -> int:
    """Notice documents whose run no longer exists and give the workers turns for them.

    A document "processing" without its run's advisory lock lost its worker (killed, out of
    memory, its host gone): it is queued again (its attempts count on). Documents that wait
    while nothing is running lost their turns (a worker killed outright leaves its message
    parked in Redis until the visibility timeout): one turn each is sent. Beat runs this every
    ``KNOWLEDGE_SWEEP_INTERVAL`` seconds. Returns the number of turns sent."""
    running = queue.running_document_ids()
    stale = Document.objects.filter(status=DocumentStatus.PROCESSING).exclude(pk__in=running)
    for document_id, workspace_id in stale.values_list("pk", "workspace_id"):
        if not queue.try_lock(document_id):
            continue  # a run started after the look at pg_locks
        try:
            with transaction.atomic():
                Document.objects.filter(pk=document_id, status=DocumentStatus.PROCESSING).update(
                    status=DocumentStatus.QUEUED, progress=0, updated_at=timezone.now()
                )
                knowledge_changed(workspace_id=workspace_id)
        finally:
            queue.unlock(document_id)
        logger.warning("Document %s lost its indexing run (its worker stopped); queued again", document_id)
    if Document.objects.filter(pk__in=queue.running_document_ids(), status=DocumentStatus.PROCESSING).exists():
        return 0  # a worker is on the queue: its turns go on, and the next sweep looks again
    waiting = Document.objects.filter(status=DocumentStatus.QUEUED, available_at__lte=timezone.now()).count()
    _send_turns(waiting)
    return waiting


def _ingest(document: Document) -> Document:
    _set_progress(document, 0, status=DocumentStatus.PROCESSING, failure_reason="")
    original = Document.objects.filter(pk=document.pk).values_list("original", flat=True).first()
    if original is None:
        raise _DocumentGone
    extracted = extraction.extract(bytes(original), file_name=document.file_name, kind=document.kind)
    _set_progress(document, EXTRACTED)
    drafts = chunking.chunk_sections(extracted.sections, title=document.title)
    _set_progress(document, CHUNKED)
    vectors = []
    for start in range(0, len(drafts), EMBED_BATCH_SIZE):
        batch = drafts[start : start + EMBED_BATCH_SIZE]
        vectors.extend(embeddings.embed_documents([draft.embedding_input for draft in batch]))
        done = start + len(batch)
        _set_progress(document, CHUNKED + math.floor((EMBEDDED - CHUNKED) * done / len(drafts)))
    return _store(document, extracted, drafts, vectors)


@transaction.atomic
def _store(document, extracted, drafts, vectors) -> Document:
    # The row lock orders this swap against a delete of the same document.
    document = Document.objects.select_for_update().filter(pk=document.pk).first()
    if document is None:
        raise _DocumentGone
    Chunk.objects.filter(document=document).delete()
    Chunk.objects.bulk_create(
        [
            Chunk(
                workspace_id=document.workspace_id,
                document=document,
                ordinal=draft.ordinal,
                section=draft.section,
                text=draft.text,
                token_count=draft.token_count,
                embedding=vector,
            )
            for draft, vector in zip(drafts, vectors, strict=True)
        ],
        batch_size=500,
    )
    now = timezone.now()
    fields = {
        "kind": extracted.kind,
        "extracted_text": extracted.text,
        "status": DocumentStatus.READY,
        "progress": 100,
        "failure_reason": "",
        "chunk_count": len(drafts),
        "embedding_model": embeddings.model_name(),
        "indexed_at": now,
        "updated_at": now,
    }
    Document.objects.filter(pk=document.pk).update(**fields)
    knowledge_changed(workspace_id=document.workspace_id)
    document.refresh_from_db()
    return document


@transaction.atomic
def document_fail(*, document_id: int, reason: str) -> Document | None:
    """Mark the document failed with ``reason`` and drop its chunks: a failed document is
    never used for answers, and nothing of a half-finished run remains."""
    document = Document.objects.select_for_update().filter(pk=document_id).first()
    if document is None:
        return None
    Chunk.objects.filter(document=document).delete()
    Document.objects.filter(pk=document_id).update(
        status=DocumentStatus.FAILED, failure_reason=reason, progress=0, chunk_count=0, updated_at=timezone.now()
    )
    knowledge_changed(workspace_id=document.workspace_id)
    document.refresh_from_db()
    return document


def _set_progress(document: Document, progress: int, **fields) -> None:
    # Committed on its own (when not inside a caller's transaction) so that pages polling
    # the list, and the broadcast after commit, show the run moving.
    with transaction.atomic():
        updated = Document.objects.filter(pk=document.pk).update(progress=progress, updated_at=timezone.now(), **fields)
        if not updated:
            raise _DocumentGone
        knowledge_changed(workspace_id=document.workspace_id)
