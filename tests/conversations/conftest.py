# The indexed Pulsar help centre and the shared embedding model, for turn tests.
from tests.knowledge.conftest import _local_embeddings, embedding_model, help_centre  # noqa: F401
