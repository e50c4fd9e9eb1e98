"""Errors of the knowledge base. Each carries a sentence for people: it becomes a document's
failure reason or a form error, never a 500."""

from django.db import InterfaceError, OperationalError

from accounts.errors import DomainError


class KnowledgeError(DomainError):
    pass


class ExtractionError(KnowledgeError):
    """The file cannot be read as any supported format: bad input, retrying will not help."""

    code = "unreadable_file"


class EmbeddingsError(KnowledgeError):
    """The embeddings backend refused the request (wrong key, unknown model): retrying will not help."""

    code = "embeddings_refused"


class EmbeddingsUnavailable(KnowledgeError):
    """The embeddings backend could not be reached or was overloaded: worth retrying."""

    code = "embeddings_unavailable"


# What ingestion retries: the database or the embeddings service being away for a moment.
# Bad input is never among them; it fails the document at once with a reason.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, EmbeddingsUnavailable)
