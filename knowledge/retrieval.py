"""Hybrid retrieval: what the assistant reads before it answers.

Two candidate lists, both always restricted to the workspace's searchable documents:
the nearest chunks by cosine distance (pgvector's HNSW index) and the best full-text
matches (``websearch_to_tsquery`` + ``ts_rank_cd`` on the GIN index). They are fused with
reciprocal rank fusion (RRF, k = 60): each list adds 1 / (60 + rank) to a chunk's score, so
a chunk found by both wins, and an exact error code that only full text finds still comes
through.

The score contract (the offline provider and answer confidence rely on it): ``score`` is the
cosine similarity between the query's and the chunk's embeddings, clipped to [0, 1],
computed for every returned passage, including those that only full text found.
``rrf_score`` is the fused score that ordered the results."""

from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from django.db import connection, transaction

from accounts.models import Workspace
from knowledge import embeddings
from knowledge.models import SEARCHABLE_STATUSES, Chunk, Document

CANDIDATES = 40
RRF_K = 60
# HNSW's search breadth; at least CANDIDATES, or fewer come back. 64 gave recall@10 of 1.000
# on 100k chunks with the index's ef_construction of 128; 100 costs ~1.5 ms more per query
# (docs/knowledge.md, bench/retrieval.py).
EF_SEARCH = 64
# Up to this many chunks in a workspace, the exact scan is cheap and perfect. Above it the
# HNSW index is used; pgvector 0.6 filters *after* the index scan, so when the workspace is a
# small share of a big shared table and the index yields too few of its rows, the query is
# answered exactly instead.
EXACT_SEARCH_MAX_CHUNKS = 5000
# Longer questions add nothing: the model reads 256 tokens and full text would AND every word.
MAX_QUERY_CHARACTERS = 2000


@dataclass(frozen=True)
class RetrievedPassage:
    text: str
    document_id: int
    document_title: str
    section: str
    chunk_id: int
    # Cosine similarity of query and chunk embeddings, clipped to [0, 1].
    score: float
    # Reciprocal rank fusion score (sum of 1 / (60 + rank) over the two candidate lists).
    rrf_score: float


def query_normalise(query: str) -> str:
    return " ".join(query.split())[:MAX_QUERY_CHARACTERS]


def passages_for(
    *, workspace: Workspace, query: str, limit: int = 5, query_vector: "Future[np.ndarray] | None" = None
) -> list[RetrievedPassage]:
    """The ``limit`` passages of ``workspace``'s knowledge base most relevant to ``query``,
    best first. Empty for an empty question or a workspace with nothing indexed.

    ``query_vector``: the question's vector already on its way (knowledge/query_vectors.py);
    without it the question is embedded here."""
    query = query_normalise(query)
    if not query or limit <= 0:
        return []
    scope = search_scope(workspace_id=workspace.pk)
    if not scope.chunks:
        return []
    vector = query_vector.result() if query_vector is not None else embeddings.embed_query(query)
    return hybrid_search(workspace_id=workspace.pk, query=query, query_vector=vector, limit=limit, scope=scope)


@dataclass(frozen=True)
class SearchScope:
    # Chunks retrieval may use in the workspace.
    chunks: int
    # Documents of the workspace whose chunks it must not use: failed, or embedded with
    # another model than the one that embeds questions now. Usually none.
    excluded_document_ids: list[int]


def search_scope(*, workspace_id: int) -> SearchScope:
    """What retrieval may search in the workspace. Chunks exist only for documents indexed
    successfully, so excluding the few unusable documents is cheaper than listing the usable
    ones (a help centre can have thousands)."""
    searchable = "status = ANY(%(statuses)s) AND embedding_model = %(model)s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT COALESCE(SUM(chunk_count) FILTER (WHERE {searchable}), 0),
                   COALESCE(ARRAY_AGG(id) FILTER (WHERE NOT ({searchable})), '{{}}')
            FROM {Document._meta.db_table}
            WHERE workspace_id = %(workspace_id)s AND chunk_count > 0
            """,  # noqa: S608 - the table name is ours; values are parameters
            {"statuses": list(SEARCHABLE_STATUSES), "model": embeddings.model_name(), "workspace_id": workspace_id},
        )
        chunks, excluded = cursor.fetchone()
    return SearchScope(chunks=int(chunks), excluded_document_ids=list(excluded))


def hybrid_search(
    *,
    workspace_id: int,
    query: str,
    query_vector: np.ndarray | Sequence[float],
    limit: int = 5,
    scope: SearchScope | None = None,
    candidates: int = CANDIDATES,
    ef_search: int = EF_SEARCH,
) -> list[RetrievedPassage]:
    """``passages_for`` with the question's vector already computed (the benchmark and tests
    call this to measure or steer the two candidate lists)."""
    scope = scope or search_scope(workspace_id=workspace_id)
    if not scope.chunks or limit <= 0:
        return []
    vector = _vector_literal(query_vector)
    # SET LOCAL lasts until the end of the transaction: the settings stay with this query.
    with transaction.atomic(), connection.cursor() as cursor:
        search = (cursor, workspace_id, scope.excluded_document_ids, vector, candidates)
        small = scope.chunks <= EXACT_SEARCH_MAX_CHUNKS
        vector_ids = _vector_candidates(*search, ef_search=None if small else ef_search)
        text_ids = _text_candidates(cursor, workspace_id, scope.excluded_document_ids, query, candidates)
        if not small and len(vector_ids) < min(candidates, scope.chunks):
            vector_ids = _vector_candidates(*search, ef_search=None)
        fused = fuse(vector_ids, text_ids)[:limit]
        rows = _chunk_rows(cursor, [chunk_id for chunk_id, _ in fused], vector)
    return [
        RetrievedPassage(
            text=rows[chunk_id].text,
            document_id=rows[chunk_id].document_id,
            document_title=rows[chunk_id].document_title,
            section=rows[chunk_id].section,
            chunk_id=chunk_id,
            score=min(1.0, max(0.0, rows[chunk_id].similarity)),
            rrf_score=rrf_score,
        )
        for chunk_id, rrf_score in fused
        if chunk_id in rows
    ]


def fuse(*rankings: list[int], k: int = RRF_K) -> list[tuple[int, float]]:
    """Reciprocal rank fusion of ranked id lists → [(id, score)], best first. Ties go to the
    better rank in the first list (the vector side), then to the lower id."""
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (k + rank)
    first = {chunk_id: rank for rank, chunk_id in enumerate(rankings[0] if rankings else [])}
    return sorted(scores.items(), key=lambda item: (-item[1], first.get(item[0], len(first)), item[0]))


def _vector_candidates(cursor, workspace_id, excluded_ids, vector, candidates, *, ef_search) -> list[int]:
    """The nearest chunks by cosine distance: through the HNSW index with ``ef_search``, or
    exactly when ``ef_search`` is None."""
    if ef_search is None:
        # Without index scans the planner reads the workspace's rows through its btree
        # (a bitmap scan) and sorts them by exact distance.
        cursor.execute("SET LOCAL enable_indexscan = off")
    else:
        cursor.execute(f"SET LOCAL hnsw.ef_search = {max(int(ef_search), int(candidates))}")
    cursor.execute(
        f"""
        SELECT id FROM {Chunk._meta.db_table}
        WHERE workspace_id = %s AND NOT (document_id = ANY(%s))
        ORDER BY embedding <=> %s::vector
        LIMIT %s
        """,  # noqa: S608 - the table name is ours; values are parameters
        [workspace_id, excluded_ids, vector, candidates],
    )
    ids = [row[0] for row in cursor.fetchall()]
    if ef_search is None:
        cursor.execute("SET LOCAL enable_indexscan = on")
    return ids


def _text_candidates(cursor, workspace_id, excluded_ids, query, candidates) -> list[int]:
    # websearch_to_tsquery ANDs the words (quotes make phrases, "-word" excludes): a precise
    # signal that complements the vector side, e.g. for error codes such as "PLS-4031".
    cursor.execute(
        f"""
        SELECT id FROM {Chunk._meta.db_table}, websearch_to_tsquery('english', %s) AS query
        WHERE workspace_id = %s AND NOT (document_id = ANY(%s)) AND search_vector @@ query
        ORDER BY ts_rank_cd(search_vector, query) DESC, id
        LIMIT %s
        """,  # noqa: S608 - the table name is ours; values are parameters
        [query, workspace_id, excluded_ids, candidates],
    )
    return [row[0] for row in cursor.fetchall()]


class _ChunkRow(NamedTuple):
    document_id: int
    document_title: str
    section: str
    text: str
    similarity: float


def _chunk_rows(cursor, chunk_ids, vector) -> dict[int, _ChunkRow]:
    """The chunks to return, with their document's title and their cosine similarity to the
    query, whichever list found them."""
    if not chunk_ids:
        return {}
    cursor.execute(
        f"""
        SELECT chunk.id, chunk.document_id, document.title, chunk.section, chunk.text,
               1 - (chunk.embedding <=> %s::vector)
        FROM {Chunk._meta.db_table} AS chunk JOIN {Document._meta.db_table} AS document
            ON document.id = chunk.document_id
        WHERE chunk.id = ANY(%s)
        """,  # noqa: S608 - the table names are ours; values are parameters
        [vector, chunk_ids],
    )
    return {row[0]: _ChunkRow(row[1], row[2], row[3], row[4], float(row[5])) for row in cursor.fetchall()}


def _vector_literal(vector) -> str:
    values = np.asarray(vector, dtype=np.float32).ravel()
    return "[" + ",".join(repr(float(value)) for value in values) + "]"
