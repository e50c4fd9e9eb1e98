"""Indexing in the background. A message is a turn of the fair queue, not a document: the
worker that runs it indexes whichever document is next across workspaces (knowledge/queue.py).

Turns are acknowledged late and re-delivered when their worker is lost
(``reject_on_worker_lost``), and they are interchangeable, so a re-delivered or duplicated turn
is harmless. The whole job has Celery time limits that kill: the soft limit fails the document
with a sentence, the hard one ends a run that ignores it (the document is then an orphan, which
the next turn or the sweep picks up, its attempts counting on)."""

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from knowledge import services

INGEST_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    # The database being away: the turn comes back later. Other transient errors queue the
    # document again inside the service.
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 6,
    "soft_time_limit": settings.KNOWLEDGE_INGEST_TIME_LIMIT,
    "time_limit": settings.KNOWLEDGE_INGEST_TIME_LIMIT + 30,
}


@shared_task(**INGEST_OPTIONS)
def document_ingest_next() -> None:
    """Index the next document of the fair queue; nothing to do when none waits."""
    services.document_ingest_next()


@shared_task(**INGEST_OPTIONS)
def document_ingest(document_id: int | None = None) -> None:
    """A turn queued by a version before the fair queue (a rolling upgrade): the same as
    ``document_ingest_next``; the id it carries is not needed to find the document."""
    services.document_ingest_next()


@shared_task(acks_late=True, autoretry_for=(OperationalError, InterfaceError), max_retries=2)
def documents_sweep() -> None:
    """Queue again the documents whose run died with its worker, and send turns for documents
    that wait while nothing runs (beat, every KNOWLEDGE_SWEEP_INTERVAL seconds)."""
    services.document_sweep()
