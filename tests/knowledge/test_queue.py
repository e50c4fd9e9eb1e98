"""The fair queue: turns take the next document across workspaces, orphans of dead runs are
found again, and the sweep sends turns for documents nobody is coming for (issue 12)."""

import pytest
from celery.exceptions import SoftTimeLimitExceeded

from knowledge import queue, services
from knowledge.models import Document, DocumentStatus

pytestmark = pytest.mark.django_db

TEXT = b"Refunds are paid within 14 days."


def _queued(workspace, name: str) -> Document:
    return services.document_create(
        workspace=workspace, created_by=None, content=TEXT, file_name=f"{name}.txt", queue_ingestion=False
    )


def _take_next() -> Document | None:
    """Claim the next document as a turn would, and finish it at once."""
    with queue.claimed_next() as document:
        if document is not None:
            Document.objects.filter(pk=document.pk).update(status=DocumentStatus.READY)
        return document


def test_turns_alternate_between_workspaces_whatever_the_order_of_upload(workspace, other_workspace):
    backlog = [_queued(other_workspace, f"b{index}") for index in range(3)]
    first = _queued(workspace, "a")
    order = [_take_next() for _ in range(4)]
    assert order == [backlog[0], first, backlog[1], backlog[2]]
    assert _take_next() is None


def test_a_workspace_with_a_run_in_progress_goes_after_one_without(workspace, other_workspace):
    backlog = [_queued(other_workspace, f"b{index}") for index in range(2)]
    first = _queued(workspace, "a")
    with queue.claimed_next() as running:
        assert running == backlog[0]
        # B is busy and A is not: A's first document goes next, ahead of B's older one.
        with queue.claimed_next() as second:
            assert second == first


def test_an_orphaned_run_is_claimed_again_before_new_documents(workspace):
    orphan = _queued(workspace, "orphan")
    newer = _queued(workspace, "newer")
    Document.objects.filter(pk=orphan.pk).update(status=DocumentStatus.PROCESSING, attempts=1)
    Document.objects.filter(pk=newer.pk).update(available_at=orphan.available_at)
    with queue.claimed_next() as document:
        assert (document, document.attempts, document.status) == (orphan, 2, DocumentStatus.PROCESSING)


def test_a_document_queued_for_later_is_not_taken_before_its_time(workspace):
    document = _queued(workspace, "later")
    Document.objects.filter(pk=document.pk).update(available_at=document.available_at.replace(year=3000))
    assert _take_next() is None


def test_a_document_whose_runs_keep_dying_fails_with_a_reason(workspace, settings):
    settings.KNOWLEDGE_INGEST_MAX_ATTEMPTS = 3
    document = _queued(workspace, "poison")
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.PROCESSING, attempts=3)
    document = services.document_ingest_next()
    assert document.status == DocumentStatus.FAILED
    assert "was interrupted 3 times because the worker running it stopped" in document.failure_reason


def test_a_run_over_the_job_time_limit_fails_with_a_sentence(workspace, monkeypatch, settings):
    settings.KNOWLEDGE_INGEST_TIME_LIMIT = 600
    document = _queued(workspace, "slow")

    def too_slow(*args, **kwargs):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr(services.extraction, "extract", too_slow)
    document = services.document_ingest_next()
    assert document.status == DocumentStatus.FAILED
    assert "took longer than 10 minutes, the limit for one document" in document.failure_reason


def test_the_sweep_queues_orphans_again_and_sends_their_turns(workspace, other_workspace, monkeypatch):
    turns = []
    monkeypatch.setattr(services, "_send_turns", lambda count, countdown=0: turns.append(count))
    orphan = _queued(workspace, "orphan")
    _queued(other_workspace, "waiting")
    Document.objects.filter(pk=orphan.pk).update(status=DocumentStatus.PROCESSING, progress=40, attempts=1)

    assert services.document_sweep() == 2

    orphan.refresh_from_db()
    assert (orphan.status, orphan.progress, orphan.attempts) == (DocumentStatus.QUEUED, 0, 1)
    assert turns == [2]


def test_the_sweep_leaves_live_runs_alone_and_sends_no_turns_while_one_runs(workspace, monkeypatch):
    turns = []
    monkeypatch.setattr(services, "_send_turns", lambda count, countdown=0: turns.append(count))
    _queued(workspace, "waiting")
    _queued(workspace, "live")
    with queue.claimed_next() as running:
        assert running is not None
        assert services.document_sweep() == 0
        running.refresh_from_db()
        assert running.status == DocumentStatus.PROCESSING
    assert turns == []
