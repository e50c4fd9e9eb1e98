"""The fair queue of documents waiting to be indexed, kept in PostgreSQL.

Why not one Celery message per document, first in, first out: a workspace that uploads fifty
large files puts fifty jobs ahead of another workspace's first one, and both worker processes
spend the next hour on the first workspace (issue 12). Here a Celery message is only a *turn*
(``knowledge.tasks.document_ingest_next``); the worker that runs one asks ``claim_next`` for the
document to index, chosen across workspaces:

1. the workspace with the fewest documents being indexed right now goes first;
2. among equals, the workspace served longest ago (round robin);
3. within a workspace, the document queued first (orphans of a dead run before new ones).

So while every worker is busy with one workspace's backlog, the next worker to finish takes
another workspace's first document: it waits for one job at most, and every job is bounded by
the limits in ``knowledge/limits.py``. Turns are interchangeable, so a turn delivered twice (a
worker lost mid-task) or late (the broker's visibility timeout) is harmless: it claims whatever
is next, or nothing.

A run holds a session-level advisory lock on its document from claim to finish. The lock, not
the status, says whether a run is alive: it goes away with the database connection of a worker
that dies, so a document "processing" without its lock is an orphan. The next turn claims it
again; when no turn comes, the sweep (``services.document_sweep``) queues it again and sends
turns. Each claim counts an attempt, so a document that kills its worker every time stops after
``KNOWLEDGE_INGEST_MAX_ATTEMPTS``."""

import contextlib
from collections import Counter
from collections.abc import Iterator

from django.db import DatabaseError, connection, transaction
from django.db.models import Case, F, IntegerField, Max, Q, Value, When
from django.utils import timezone

from knowledge.models import Document, DocumentStatus

# Session-level advisory locks are one bigint space shared by every user of the database:
# ours live at this offset plus the document id.
LOCK_BASE = 0x4B4E_0000_0000_0000


def try_lock(document_id: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_BASE + document_id])
        return cursor.fetchone()[0]


def unlock(document_id: int) -> None:
    # The connection may be the thing that broke; its locks went with it.
    with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_BASE + document_id])


def running_document_ids() -> set[int]:
    """Documents whose run is alive: their advisory lock is held by some session. pg_locks
    shows a bigint key as its high half in classid and its low half in objid."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (classid::bigint << 32) | objid::bigint
            FROM pg_locks
            WHERE locktype = 'advisory' AND objsubid = 1 AND granted
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND classid::bigint >= %s
            """,
            [LOCK_BASE >> 32],
        )
        return {key - LOCK_BASE for (key,) in cursor.fetchall() if key > LOCK_BASE}


def _claimable(running: set[int]) -> Q:
    orphan = Q(status=DocumentStatus.PROCESSING) & ~Q(pk__in=running)
    return (Q(status=DocumentStatus.QUEUED) | orphan) & Q(available_at__lte=timezone.now())


def claim(document_id: int, *, waiting_only: bool = False) -> Document | None:
    """Lock the document and mark it processing, counting an attempt. None when another run
    holds it, when it is gone, or (``waiting_only``) when it no longer waits. The caller runs
    it and then calls ``unlock``."""
    if not try_lock(document_id):
        return None
    now = timezone.now()
    documents = Document.objects.filter(pk=document_id)
    if waiting_only:
        # With the lock held no run of this document is alive, so "processing" means orphan.
        statuses = (DocumentStatus.QUEUED, DocumentStatus.PROCESSING)
        documents = documents.filter(status__in=statuses, available_at__lte=now)
    with transaction.atomic():
        claimed = documents.update(
            status=DocumentStatus.PROCESSING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
        )
    if not claimed:
        unlock(document_id)
        return None
    return Document.objects.get(pk=document_id)


@contextlib.contextmanager
def claimed_next() -> Iterator[Document | None]:
    """The next document to index, fairly across workspaces (see the module's docstring),
    locked and marked processing for the duration of the block; None when nothing waits."""
    document = _claim_next()
    try:
        yield document
    finally:
        if document is not None:
            unlock(document.pk)


def _claim_next() -> Document | None:
    running = running_document_ids()
    orphans_first = Case(When(status=DocumentStatus.PROCESSING, then=Value(0)), default=1, output_field=IntegerField())
    heads = list(
        Document.objects.filter(_claimable(running))
        .order_by("workspace_id", orphans_first, "available_at", "pk")
        .distinct("workspace_id")
        .values_list("pk", "workspace_id", "available_at")
    )
    if not heads:
        return None
    workspace_ids = [workspace_id for _, workspace_id, _ in heads]
    busy = Counter(Document.objects.filter(pk__in=running).values_list("workspace_id", flat=True))
    last_served = dict(
        Document.objects.filter(workspace_id__in=workspace_ids, claimed_at__isnull=False)
        .values("workspace_id")
        .annotate(last=Max("claimed_at"))
        .values_list("workspace_id", "last")
    )
    never = timezone.now().replace(year=1)
    heads.sort(key=lambda head: (busy[head[1]], last_served.get(head[1], never), head[2], head[0]))
    for document_id, _, _ in heads:
        document = claim(document_id, waiting_only=True)  # None: another turn took it meanwhile
        if document is not None:
            return document
    return None
