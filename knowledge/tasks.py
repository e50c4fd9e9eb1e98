"""Indexing in the background: the task takes an id, re-fetches, and calls one service."""

import logging

from celery import Task, shared_task

from knowledge import services
from knowledge.errors import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


class IngestionTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Retries are spent (or the error was not one we retry): the document must not stay
        # "processing" for ever. Bad input never gets here; the service fails it with a reason.
        document_id = kwargs.get("document_id", args[0] if args else None)
        if document_id is None:
            return
        try:
            services.document_fail(document_id=document_id, reason=services.GAVE_UP_FAILURE)
        except Exception:  # the database may be the thing that is down
            logger.exception("Could not mark document %s as failed", document_id)


@shared_task(
    base=IngestionTask,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
)
def document_ingest(document_id: int) -> None:
    """Index one document; nothing to do if it was deleted meanwhile."""
    services.document_ingest(document_id=document_id)
