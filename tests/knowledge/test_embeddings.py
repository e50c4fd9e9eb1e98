"""Both embeddings backends behind one interface: the local model, and OpenAI's API (spoken by
a local server, through the official SDK)."""

import numpy as np
import pytest

from assistant.testing.vendor_server import EMBEDDINGS, ScriptedResponse, VendorServer, embedding_vector
from knowledge import embeddings, retrieval
from knowledge.errors import EmbeddingsError, EmbeddingsUnavailable
from knowledge.models import DocumentStatus
from tests.knowledge.factories import ingest


def test_local_vectors_are_unit_length_and_batched(embedding_model):
    vectors = embeddings.embed_documents(["How do I get a refund?", "Refunds within 14 days.", "Pizza recipes"] * 7)
    assert vectors.shape == (21, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    # Similar meaning, closer vectors.
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert np.allclose(embeddings.embed_query("How do I get a refund?"), vectors[0], atol=1e-3)


def test_local_model_is_loaded_once_per_process(embedding_model):
    assert embeddings.load_local_model() is embedding_model
    assert embeddings.model_name() == "local:all-MiniLM-L6-v2"


def test_nothing_is_downloaded_at_run_time(embedding_model):
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_empty_input_gives_an_empty_array():
    assert embeddings.embed_documents([]).shape == (0, 384)


@pytest.fixture
def openai_server(settings):
    with VendorServer() as server:
        settings.EMBEDDINGS_BACKEND = "openai"
        settings.OPENAI_API_KEY = "sk-test"
        settings.OPENAI_BASE_URL = server.openai_base_url
        settings.OPENAI_EMBEDDINGS_MODEL = "text-embedding-3-small"
        yield server


def test_openai_backend_asks_for_384_dimensions_and_normalises(openai_server):
    vectors = embeddings.embed_documents(["first text", "second text"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[0], embedding_vector("first text", dimensions=384), atol=1e-5)
    [request] = openai_server.requests_to(EMBEDDINGS)
    assert request.body["model"] == "text-embedding-3-small"
    assert request.body["dimensions"] == 384
    assert request.body["input"] == ["first text", "second text"]
    assert request.headers["authorization"] == "Bearer sk-test"
    assert embeddings.model_name() == "openai:text-embedding-3-small"


def test_openai_backend_batches_long_lists(openai_server):
    vectors = embeddings.embed_documents([f"text {number}" for number in range(300)])
    assert vectors.shape == (300, 384)
    assert [len(request.body["input"]) for request in openai_server.requests_to(EMBEDDINGS)] == [128, 128, 44]


@pytest.mark.django_db
def test_documents_are_indexed_and_searched_with_the_openai_backend(openai_server, workspace):
    document = ingest(workspace=workspace, content=b"# Refunds\n\nWithin 14 days.", file_name="refunds.md")
    assert document.status == DocumentStatus.READY
    assert document.embedding_model == "openai:text-embedding-3-small"
    passages = retrieval.passages_for(workspace=workspace, query="refunds")
    assert [passage.document_id for passage in passages] == [document.pk]


def test_refused_request_is_a_permanent_error_with_the_vendors_message(openai_server):
    openai_server.enqueue(EMBEDDINGS, ScriptedResponse.error(401, message="Incorrect API key provided"))
    with pytest.raises(EmbeddingsError, match=r"HTTP 401.*Incorrect API key provided"):
        embeddings.embed_documents(["text"])


def test_server_errors_are_transient(openai_server):
    for _ in range(3):  # the SDK's own two retries, then ours to make
        openai_server.enqueue(EMBEDDINGS, ScriptedResponse.error(503, retry_after="0"))
    with pytest.raises(EmbeddingsUnavailable):
        embeddings.embed_documents(["text"])


def test_missing_api_key_is_explained(settings):
    settings.EMBEDDINGS_BACKEND = "openai"
    settings.OPENAI_API_KEY = ""
    with pytest.raises(EmbeddingsError, match="OPENAI_API_KEY is not set"):
        embeddings.embed_documents(["text"])


@pytest.mark.django_db
def test_a_refused_embeddings_request_fails_the_document_with_the_reason(openai_server, workspace):
    openai_server.enqueue(EMBEDDINGS, ScriptedResponse.error(404, message="The model does not exist"))
    document = ingest(workspace=workspace, content=b"Some text.", file_name="a.txt")
    assert document.status == DocumentStatus.FAILED
    assert "The model does not exist" in document.failure_reason
