"""The question's vector, computed in the embedding process while the message is stored."""

import logging

import numpy as np

from knowledge import embeddings, query_vectors


def test_the_vector_is_the_one_retrieval_would_compute_and_is_remembered():
    question = "How do I rotate an API key for the billing export?"
    vector = query_vectors.query_vector_submit(question).result(timeout=120)
    assert np.allclose(vector, embeddings.embed_query(question), atol=1e-5)
    again = query_vectors.query_vector_submit("  How do I rotate an API key\n for the billing export? ")
    assert again.done() and again.result() is vector


def test_a_cancelled_vector_is_never_delivered_and_breaks_nothing(caplog):
    query_vectors.query_vector_submit("warm the embedding process").result(timeout=120)
    question = "Where is the invoice for March, please?"
    with caplog.at_level(logging.ERROR):
        answer = query_vectors.query_vector_submit(question)
        assert answer.cancel()
        # Computed anyway if it had started (then remembered), or never computed: either way
        # the cancelled answer stays cancelled and nothing is logged as an error.
        later = query_vectors.query_vector_submit(question)
        # The one embedding process answers in order: the cancelled one is settled by now.
        vector = later.result(timeout=120)
    assert answer.cancelled()
    assert np.allclose(vector, embeddings.embed_query(question), atol=1e-5)
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
