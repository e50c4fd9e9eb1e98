"""Documents of a workspace's knowledge base and the chunks the assistant retrieves.

A document keeps its original bytes in the database (not MEDIA_ROOT: every web server and
worker must see the same data) so that it can be re-indexed at any time. Its chunks exist
only as a complete set from one successful indexing run: they are swapped in, in one
transaction, and deleted when the document fails or goes away."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.utils import timezone
from pgvector.django import HnswIndex, VectorField

from accounts.models import Workspace

EMBEDDING_DIMENSIONS = 384


class DocumentKind(models.TextChoices):
    MARKDOWN = "markdown", "Markdown"
    TEXT = "text", "Plain text"
    HTML = "html", "HTML"
    PDF = "pdf", "PDF"
    FAQ = "faq", "FAQ"


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


# Statuses whose chunks retrieval may use. A document being re-indexed (queued again, then
# processing) keeps answering from its previous complete set of chunks until the new set
# replaces it in one transaction; a new document has no chunks until it is ready, and a
# failed one has none at all.
SEARCHABLE_STATUSES = (DocumentStatus.READY, DocumentStatus.QUEUED, DocumentStatus.PROCESSING)


class DocumentManager(models.Manager):
    def get_queryset(self):
        # The original may be megabytes and the extracted text nearly as much: lists and
        # lookups never need them, the ingestion asks for them explicitly.
        return super().get_queryset().defer("original", "extracted_text")


class Document(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    file_name = models.CharField(max_length=255, blank=True, help_text="As uploaded; empty for a pasted FAQ.")
    original = models.BinaryField(editable=False)
    byte_size = models.PositiveIntegerField(default=0, editable=False)
    extracted_text = models.TextField(blank=True, editable=False)
    status = models.CharField(max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED)
    failure_reason = models.TextField(blank=True, help_text="Why indexing failed, in a sentence for people.")
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent of the current indexing run.")
    chunk_count = models.PositiveIntegerField(default=0)
    # Which embeddings model made the chunks' vectors ("local:all-MiniLM-L6-v2", "openai:…").
    # Vectors of two models live in different spaces: retrieval uses only the current one's.
    embedding_model = models.CharField(max_length=100, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    indexed_at = models.DateTimeField(null=True, blank=True, help_text="When the current chunks were stored.")
    # The fair queue (knowledge/queue.py): when the document may next be picked (later than
    # now after a transient error) and its place in its workspace's line; when its current or
    # last run started; how many runs started since it was queued (a crash loop ends there).
    available_at = models.DateTimeField(default=timezone.now, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = DocumentManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["workspace", "status"]), models.Index(fields=["status", "available_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="document_progress_at_most_100")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_busy(self) -> bool:
        return self.status in (DocumentStatus.QUEUED, DocumentStatus.PROCESSING)


class Chunk(models.Model):
    # Denormalised from the document so that every retrieval query filters on it directly.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks")
    ordinal = models.PositiveIntegerField()
    # The heading path, e.g. "Billing › Refunds"; the question of an FAQ pair.  # noqa: RUF003
    section = models.CharField(max_length=500, blank=True)
    text = models.TextField()
    token_count = models.PositiveIntegerField()
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS)
    # Maintained by PostgreSQL itself; the section weighs more than the body (weight A vs B).
    search_vector = models.GeneratedField(
        expression=SearchVector("section", weight="A", config="english")
        + SearchVector("text", weight="B", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["document_id", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["document", "ordinal"], name="chunk_ordinal_unique")]
        indexes = [
            models.Index(fields=["workspace", "document"]),
            # ef_construction 128 rather than pgvector's 64: on clustered data (embeddings of a
            # help centre are) the default left a few queries in unreachable islands of the
            # graph, with no right answer at all; 128 removed them (bench/retrieval.py).
            HnswIndex(
                name="chunk_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=128,
                opclasses=["vector_cosine_ops"],
            ),
            GinIndex(fields=["search_vector"], name="chunk_search_vector_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id}#{self.ordinal} {self.section}"
