"""Hybrid retrieval over the demo help centre: right article first, exact terms through full
text, the score contract, and never another workspace's passages."""

import numpy as np
import pytest

from knowledge import embeddings, retrieval
from knowledge.models import Chunk, DocumentStatus
from knowledge.retrieval import RRF_K, RetrievedPassage, fuse, hybrid_search, passages_for
from tests.knowledge.factories import ingest, make_document, unit_vector

pytestmark = pytest.mark.django_db

REFUNDS = "Refunds and credits"
INVOICES = "Invoices and payments"
API_KEYS = "API keys"
SIGN_IN = "Passwords, two-factor authentication and single sign-on"
RETENTION = "Data retention, deletion and privacy"


@pytest.mark.parametrize(
    ("question", "article"),
    [
        ("How do I download my invoice?", INVOICES),
        ("Can I get a refund on my annual plan?", REFUNDS),
        ("Who approves a refund over $500?", REFUNDS),
        ("I lost my API key, how do I get a new one?", API_KEYS),
        ("How do I set up SSO with Okta?", SIGN_IN),
        ("I lost my phone with the authenticator app", SIGN_IN),
        ("How long do you keep my event data?", RETENTION),
        ("How do I send alerts to a Slack channel?", "Slack alerts"),
        ("How do I install the JavaScript snippet?", "Getting started with Pulsar"),
        ("How do I verify webhook signatures?", "Webhooks and Segment"),
        ("Do viewers count as seats?", "Team seats and roles"),
        ("Can I pay by bank transfer?", INVOICES),
        ("What is the conversion window of a funnel?", "Funnels and dashboards"),
    ],
)
def test_realistic_questions_find_the_right_article_first(help_centre, question, article):
    passages = passages_for(workspace=help_centre[article].workspace, query=question)
    assert passages, question
    assert passages[0].document_title == article, [(p.document_title, p.section) for p in passages]


def test_passages_carry_their_source_and_are_best_first(help_centre):
    passages = passages_for(workspace=help_centre[INVOICES].workspace, query="Where do I download invoices?", limit=3)
    assert len(passages) == 3
    top = passages[0]
    assert isinstance(top, RetrievedPassage)
    assert (top.document_id, top.document_title, top.section) == (
        help_centre[INVOICES].pk,
        INVOICES,
        "Download an invoice",
    )
    assert "Settings → Billing → Invoices" in top.text
    assert Chunk.objects.get(pk=top.chunk_id).text == top.text
    assert [passage.rrf_score for passage in passages] == sorted((p.rrf_score for p in passages), reverse=True)


def test_an_exact_error_code_that_only_full_text_finds_is_fused_in(help_centre):
    workspace = help_centre[INVOICES].workspace
    query = "PLS-4020"
    # A narrow vector list, so that the passage defining the code is certainly not in it.
    passages = hybrid_search(
        workspace_id=workspace.pk, query=query, query_vector=embeddings.embed_query(query), candidates=3
    )
    defining = next(passage for passage in passages if "PLS-4020 Payment required" in passage.text)
    assert (defining.document_title, defining.section) == (INVOICES, "When a payment fails")
    assert defining.rrf_score == pytest.approx(1 / (RRF_K + 1))  # full text's first, absent from the vector list
    # Its score is still the cosine similarity: lower than that of what the vector side preferred.
    assert 0 < defining.score < max(passage.score for passage in passages)
    # With the default breadth it is in both lists, and first.
    top = passages_for(workspace=workspace, query=query)[0]
    assert top.chunk_id == defining.chunk_id
    assert top.rrf_score > 1 / (RRF_K + 1)


def test_score_is_the_cosine_similarity_clipped_to_zero_one(help_centre):
    workspace = help_centre[REFUNDS].workspace
    query = "refund within 14 days"
    query_vector = embeddings.embed_query(query)
    passages = passages_for(workspace=workspace, query=query, limit=5)
    for passage in passages:
        chunk_vector = np.asarray(Chunk.objects.get(pk=passage.chunk_id).embedding)
        assert passage.score == pytest.approx(float(np.clip(query_vector @ chunk_vector, 0, 1)), abs=1e-5)
        assert 0.0 <= passage.score <= 1.0


def test_negative_similarity_is_clipped_to_zero(workspace):
    document = make_document(workspace=workspace, text="zzz")
    chunk = Chunk.objects.get(document=document)
    opposite = -np.asarray(chunk.embedding)
    [passage] = hybrid_search(workspace_id=workspace.pk, query="zzz", query_vector=opposite)
    assert passage.score == 0.0


def test_reciprocal_rank_fusion_adds_one_over_k_plus_rank():
    fused = dict(fuse([10, 20, 30], [30, 40]))
    assert fused[10] == pytest.approx(1 / 61)
    assert fused[30] == pytest.approx(1 / 63 + 1 / 61)
    assert fused[40] == pytest.approx(1 / 62)
    assert [chunk_id for chunk_id, _ in fuse([10, 20, 30], [30, 40])] == [30, 10, 20, 40]


def test_cross_workspace_retrieval_returns_nothing(help_centre, other_workspace):
    question = "How do I download my invoice?"
    assert passages_for(workspace=other_workspace, query=question) == []
    theirs = make_document(workspace=other_workspace, title="Globex invoices", text="Invoices are downloaded by fax.")
    passages = passages_for(workspace=other_workspace, query=question)
    assert {passage.document_id for passage in passages} == {theirs.pk}
    ours = passages_for(workspace=help_centre[INVOICES].workspace, query="download invoices by fax", limit=50)
    assert theirs.pk not in {passage.document_id for passage in ours}


def test_cross_workspace_retrieval_returns_nothing_through_the_hnsw_index_too(
    help_centre, other_workspace, monkeypatch
):
    monkeypatch.setattr(retrieval, "EXACT_SEARCH_MAX_CHUNKS", 0)
    theirs = make_document(workspace=other_workspace, title="Globex", text="Invoices by fax.")
    query = "How do I download my invoice?"
    vector = embeddings.embed_query(query)
    passages = hybrid_search(workspace_id=other_workspace.pk, query=query, query_vector=vector, ef_search=40)
    assert [passage.document_id for passage in passages] == [theirs.pk]


def test_a_small_workspace_in_a_big_table_still_gets_its_nearest_chunks(workspace, other_workspace, monkeypatch):
    """pgvector filters after the HNSW scan: when the index yields too few of the workspace's
    rows, the query is answered exactly instead of coming back short."""
    monkeypatch.setattr(retrieval, "EXACT_SEARCH_MAX_CHUNKS", 0)
    for number in range(60):
        make_document(workspace=other_workspace, title=f"Big {number}", text=f"big text {number}")
    small = [make_document(workspace=workspace, title=f"Small {number}", text=f"small {number}") for number in range(5)]
    query_vector = unit_vector("big text 7")  # right next to the other workspace's chunks
    passages = hybrid_search(workspace_id=workspace.pk, query="nothing", query_vector=query_vector, ef_search=10)
    assert {passage.document_id for passage in passages} == {document.pk for document in small}


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_empty_or_blank_question_returns_nothing(help_centre, query):
    assert passages_for(workspace=help_centre[REFUNDS].workspace, query=query) == []


def test_only_searchable_documents_are_used(workspace, embedding_model):
    ready = ingest(workspace=workspace, content=b"Refunds within 14 days.", file_name="ready.txt")
    failed = make_document(workspace=workspace, title="Failed", text="Refunds within 14 days, failed copy.")
    failed.__class__.objects.filter(pk=failed.pk).update(status=DocumentStatus.FAILED)
    other_model = make_document(workspace=workspace, title="Old model", text="Refunds within 14 days, old model.")
    other_model.__class__.objects.filter(pk=other_model.pk).update(embedding_model="openai:text-embedding-3-small")
    passages = passages_for(workspace=workspace, query="refunds within 14 days", limit=10)
    assert {passage.document_id for passage in passages} == {ready.pk}


def test_limit_caps_the_number_of_passages(help_centre):
    workspace = help_centre[REFUNDS].workspace
    assert len(passages_for(workspace=workspace, query="refund", limit=2)) == 2
    assert passages_for(workspace=workspace, query="refund", limit=0) == []
