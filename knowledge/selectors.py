"""Reads for the knowledge pages, always scoped to a workspace. Retrieval for the assistant
is ``knowledge.retrieval.passages_for``."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from accounts.models import Workspace
from knowledge import embeddings
from knowledge.models import Chunk, Document, DocumentStatus


def documents_of(*, workspace: Workspace) -> QuerySet[Document]:
    return Document.objects.filter(workspace=workspace).select_related("created_by").order_by("-created_at", "-pk")


def chunks_of(*, document: Document) -> QuerySet[Chunk]:
    # Neither the vector nor the search column is shown; leave them in the database.
    return Chunk.objects.filter(document=document).defer("embedding", "search_vector").order_by("ordinal")


@dataclass(frozen=True)
class KnowledgeSummary:
    documents: int
    ready: int
    busy: int
    failed: int
    chunks: int
    # Ready documents embedded with another model than the current one: unused until re-indexed.
    stale: int


def knowledge_summary(*, workspace: Workspace) -> KnowledgeSummary:
    ready = Q(status=DocumentStatus.READY)
    counts = Document.objects.filter(workspace=workspace).aggregate(
        documents=Count("pk"),
        ready=Count("pk", filter=ready),
        busy=Count("pk", filter=Q(status__in=[DocumentStatus.QUEUED, DocumentStatus.PROCESSING])),
        failed=Count("pk", filter=Q(status=DocumentStatus.FAILED)),
        stale=Count("pk", filter=ready & ~Q(embedding_model=embeddings.model_name())),
    )
    chunks = Chunk.objects.filter(workspace=workspace).count()
    return KnowledgeSummary(chunks=chunks, **counts)


def document_original(*, document: Document) -> bytes:
    """The uploaded bytes, which the default manager leaves in the database."""
    original = Document.objects.filter(pk=document.pk).values_list("original", flat=True).first()
    return bytes(original or b"")
