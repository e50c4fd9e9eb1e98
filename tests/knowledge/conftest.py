import pytest


@pytest.fixture(autouse=True)
def _local_embeddings(settings):
    settings.EMBEDDINGS_BACKEND = "local"
