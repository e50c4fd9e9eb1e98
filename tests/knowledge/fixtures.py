"""Fixtures shared beyond the knowledge tests (imported by tests/conftest.py)."""

import pytest

from knowledge import embeddings


@pytest.fixture(scope="session")
def embedding_model():
    """all-MiniLM-L6-v2, loaded once for the whole run (about 5 s) and shared by every test
    and by Celery workers started in this process."""
    return embeddings.load_local_model()


_vectors_by_text: dict = {}


@pytest.fixture
def help_centre(workspace, embedding_model, monkeypatch):
    """The demo's Pulsar help centre, indexed in ``workspace``. Vectors are remembered across
    tests (same model, same text, same vector), so each test pays only for the database."""
    import numpy as np

    from chatassist.management.commands.seed_demo import HELP_CENTRE_DIR, article_title
    from knowledge import services
    from tests.knowledge.factories import ingest

    real_embed = embeddings.embed_documents

    def remembered(texts):
        missing = [text for text in texts if text not in _vectors_by_text]
        if missing:
            _vectors_by_text.update(zip(missing, real_embed(missing), strict=True))
        return np.stack([_vectors_by_text[text] for text in texts])

    monkeypatch.setattr(services.embeddings, "embed_documents", remembered)
    documents = {}
    for path in sorted(HELP_CENTRE_DIR.glob("*.md")):
        content = path.read_bytes()
        document = ingest(workspace=workspace, content=content, file_name=path.name, title=article_title(content))
        documents[document.title] = document
    monkeypatch.setattr(services.embeddings, "embed_documents", real_embed)
    return documents
