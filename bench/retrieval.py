"""Hybrid retrieval at 10k and 100k chunks, and ingestion with the real embedder.

Runs in a test database of its own (created and destroyed here) on the configured PostgreSQL
(the embedded one unless DATABASE_URL is set).

Data: 384-d unit vectors clustered like sentence embeddings (200 topics, 10 subtopics each,
noise on top: a chunk's cosine to its topic centre is about 0.6), and texts of 170 words drawn
from a vocabulary (30% from the 60 words of the chunk's topic, the rest from a Zipf-distributed
common vocabulary of 3,000), so that full text has something to match: a three-word question
matches a few dozen to a few hundred chunks at 100k (the median is printed). Loaded with binary
COPY, then the HNSW and GIN indexes are built. Queries are vectors near a subtopic and three
words of its topic.

Measured: recall@10 of the vector side against exact search (numpy brute force) and its
latency, for several ``hnsw.ef_search`` values; the latency of the whole hybrid top-5 query
(what ``passages_for`` runs after embedding the question); and ingestion throughput in
chunks/s through the real pipeline (extract, chunk, embed with all-MiniLM-L6-v2, store) on
the demo help centre."""

import os
import time

import django
import numpy as np

from bench._stats import percentile, summary_ms

SIZES = (10_000, 100_000)
QUERIES = 200
TOPICS, SUBTOPICS = 200, 10
TOPIC_WORDS = 60
CHUNKS_PER_DOCUMENT = 20
WORDS_PER_CHUNK = 170
EF_SEARCH_VALUES = (40, 64, 100, 200)
SMALL_WORKSPACE_CHUNKS = 1_000
SEED = 20241121


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatassist.settings")
    os.environ.setdefault("HTTPS", "0")
    os.environ.setdefault("STATIC_MANIFEST", "0")
    django.setup()
    from django.db import connection

    # A database of its own: never the test suite's, which may be in use at the same time.
    connection.settings_dict["TEST"]["NAME"] = "bench_chatassist_retrieval"
    # Ours alone, so a copy left by an interrupted run may be dropped without asking.
    test_database = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        _run()
    finally:
        connection.close()
        connection.creation.destroy_test_db(test_database, verbosity=0)


def _run() -> None:
    from accounts.models import Workspace

    # First, on an empty table: a new install's first upload. HNSW inserts get dearer as the
    # index grows (and once it no longer fits in shared_buffers).
    _measure_ingestion()
    rng = np.random.default_rng(SEED)
    corpus = _Corpus(rng)
    workspace = Workspace.objects.create(name="Bench", slug="bench")
    small = Workspace.objects.create(name="Small tenant", slug="small-tenant")
    loaded = 0
    for size in SIZES:
        started = time.perf_counter()
        _load(workspace, corpus, start=loaded, count=size - loaded)
        loaded = size
        load_seconds = time.perf_counter() - started
        if size == SIZES[-1]:
            _load(small, corpus, start=size, count=SMALL_WORKSPACE_CHUNKS)
        index_seconds = _build_indexes()
        print(f"\n-- {size:,} chunks (+{SMALL_WORKSPACE_CHUNKS:,} of another workspace at the largest size)")
        print(f"load (binary COPY): {load_seconds:.1f} s; HNSW (m=16, ef_construction=128), GIN: {index_seconds:.1f} s")
        _measure(workspace, corpus, size, rng, small if size == SIZES[-1] else None)


class _Corpus:
    """Vectors and texts for chunk number n, reproducible from the seed."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.topics = _unit(rng.normal(size=(TOPICS, 384)))
        self.subtopics = _unit(rng.normal(size=(TOPICS, SUBTOPICS, 384)))
        syllables = ["ba", "ko", "ri", "tel", "mun", "sa", "dor", "vi", "pek", "lu", "zan", "fi", "gor", "ne", "tas"]
        words = set()
        while len(words) < 3000 + TOPICS * TOPIC_WORDS:
            words.add("".join(rng.choice(syllables, size=rng.integers(2, 5))))
        words = sorted(words)
        self.common = words[:3000]
        # Zipf-like: the n-th common word is n times rarer than the first.
        weights = 1 / np.arange(1, len(self.common) + 1)
        self.common_weights = weights / weights.sum()
        self.topic_words = [
            words[3000 + TOPIC_WORDS * topic : 3000 + TOPIC_WORDS * (topic + 1)] for topic in range(TOPICS)
        ]

    def vectors(self, topics: np.ndarray, subtopics: np.ndarray, noise: float = 0.95) -> np.ndarray:
        base = _unit(self.topics[topics] + 0.7 * self.subtopics[topics, subtopics])
        return _unit(base + noise * _unit(self.rng.normal(size=(len(topics), 384))))

    def texts(self, topics: np.ndarray) -> list[str]:
        own_count = int(WORDS_PER_CHUNK * 0.3)
        own = self.rng.integers(TOPIC_WORDS, size=(len(topics), own_count))
        shape = (len(topics), WORDS_PER_CHUNK - own_count)
        common = self.rng.choice(len(self.common), size=shape, p=self.common_weights)
        texts = []
        for topic, own_row, common_row in zip(topics, own, common, strict=True):
            words = [self.topic_words[topic][index] for index in own_row] + [self.common[index] for index in common_row]
            self.rng.shuffle(words)
            texts.append(" ".join(words))
        return texts

    def query(self) -> tuple[str, np.ndarray]:
        topic, subtopic = int(self.rng.integers(TOPICS)), int(self.rng.integers(SUBTOPICS))
        text = " ".join(self.rng.choice(self.topic_words[topic], size=3, replace=False))
        return text, self.vectors(np.array([topic]), np.array([subtopic]), noise=0.8)[0]


def _unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)).astype(np.float32)


def _load(workspace, corpus: _Corpus, *, start: int, count: int) -> None:
    from django.db import connection
    from django.utils import timezone
    from pgvector.psycopg import register_vector

    from knowledge import embeddings
    from knowledge.models import Chunk, Document, DocumentKind, DocumentStatus

    connection.ensure_connection()
    register_vector(connection.connection)
    documents = Document.objects.bulk_create(
        [
            Document(
                workspace=workspace,
                title=f"Article {number}",
                kind=DocumentKind.MARKDOWN,
                file_name=f"article-{number}.md",
                original=b"",
                status=DocumentStatus.READY,
                progress=100,
                chunk_count=CHUNKS_PER_DOCUMENT,
                embedding_model=embeddings.model_name(),
                indexed_at=timezone.now(),
            )
            for number in range(start // CHUNKS_PER_DOCUMENT, (start + count) // CHUNKS_PER_DOCUMENT)
        ]
    )
    columns = "workspace_id, document_id, ordinal, section, text, token_count, embedding"
    statement = f"COPY {Chunk._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT BINARY)"
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types(["int8", "int8", "int4", "varchar", "text", "int4", "vector"])
        for batch_start in range(0, count, 5000):
            size = min(5000, count - batch_start)
            topics, subtopics = corpus.rng.integers(TOPICS, size=size), corpus.rng.integers(SUBTOPICS, size=size)
            rows = zip(topics, subtopics, corpus.vectors(topics, subtopics), corpus.texts(topics), strict=True)
            for offset, (topic, subtopic, vector, text) in enumerate(rows, start=batch_start):
                document = documents[offset // CHUNKS_PER_DOCUMENT]
                section, ordinal = f"Section {topic}.{subtopic}", offset % CHUNKS_PER_DOCUMENT
                copy.write_row([workspace.pk, document.pk, ordinal, section, text, 230, vector])
    connection.connection.commit()


def _build_indexes() -> float:
    """Rebuild the indexes as the migration defines them, after the bulk load (faster)."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("DROP INDEX IF EXISTS chunk_embedding_hnsw")
        cursor.execute("DROP INDEX IF EXISTS chunk_search_vector_gin")
        cursor.execute(
            "CREATE INDEX chunk_embedding_hnsw ON knowledge_chunk USING hnsw (embedding vector_cosine_ops) "
            "WITH (m = 16, ef_construction = 128)"
        )
        cursor.execute("CREATE INDEX chunk_search_vector_gin ON knowledge_chunk USING gin (search_vector)")
        cursor.execute("VACUUM ANALYZE knowledge_chunk")
        cursor.execute("ANALYZE knowledge_document")
    return time.perf_counter() - started


def _all_vectors(workspace_id: int) -> tuple[np.ndarray, np.ndarray]:
    from django.db import connection
    from pgvector.psycopg import register_vector

    connection.ensure_connection()
    register_vector(connection.connection)
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT id, embedding FROM knowledge_chunk WHERE workspace_id = %s ORDER BY id", [workspace_id])
        rows = cursor.fetchall()
    return np.array([row[0] for row in rows]), np.stack([row[1].to_numpy() for row in rows])


def _measure(workspace, corpus: _Corpus, size: int, rng: np.random.Generator, small_workspace) -> None:
    from django.db import connection, transaction

    from knowledge import retrieval

    ids, matrix = _all_vectors(workspace.pk)
    queries = [corpus.query() for _ in range(QUERIES)]
    # Warm the caches as a running server's would be: the first queries after a bulk load and
    # an index build read everything from disk.
    for text, vector in [corpus.query() for _ in range(100)]:
        retrieval.hybrid_search(workspace_id=workspace.pk, query=text, query_vector=vector)
    exact_top10 = [set(ids[np.argsort(-(matrix @ vector))[:10]]) for _, vector in queries]
    scope = retrieval.search_scope(workspace_id=workspace.pk)
    assert scope.chunks == size, (scope.chunks, size)

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL hnsw.ef_search = {retrieval.EF_SEARCH}")
        cursor.execute(
            "EXPLAIN SELECT id FROM knowledge_chunk WHERE workspace_id = %s AND NOT (document_id = ANY(%s)) "
            "ORDER BY embedding <=> %s::vector LIMIT 40",
            [workspace.pk, [], retrieval._vector_literal(queries[0][1])],
        )
        plan = " / ".join(row[0].strip().split("  (cost")[0] for row in cursor.fetchall()[:2])
    print(f"vector query plan: {plan}")

    print(f"vector side, top-{retrieval.CANDIDATES} by HNSW (recall@10 against exact search, {QUERIES} queries):")
    for ef_search in EF_SEARCH_VALUES:
        recalls, samples = [], []
        for (_, vector), exact in zip(queries, exact_top10, strict=True):
            literal = retrieval._vector_literal(vector)
            started = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                found = retrieval._vector_candidates(
                    cursor, workspace.pk, [], literal, retrieval.CANDIDATES, ef_search=ef_search
                )
            samples.append(time.perf_counter() - started)
            recalls.append(len(exact & set(found[:10])) / 10)
        recall = f"recall@10 {np.mean(recalls):.3f} (min {min(recalls):.1f})"
        print(f"  ef_search={ef_search:<4} {recall}  {summary_ms(samples)}")

    with connection.cursor() as cursor:
        matches = []
        for text, _ in queries:
            cursor.execute(
                "SELECT count(*) FROM knowledge_chunk WHERE workspace_id = %s "
                "AND search_vector @@ websearch_to_tsquery('english', %s)",
                [workspace.pk, text],
            )
            matches.append(cursor.fetchone()[0])
    median, most = int(np.median(matches)), max(matches)
    print(f"full-text matches per question (each ranked by ts_rank_cd): median {median}, max {most}")
    for ef_search in sorted({64, 100, retrieval.EF_SEARCH}):
        samples, both = [], 0
        for text, vector in queries:
            started = time.perf_counter()
            passages = retrieval.hybrid_search(
                workspace_id=workspace.pk, query=text, query_vector=vector, limit=5, ef_search=ef_search
            )
            samples.append(time.perf_counter() - started)
            both += any(passage.rrf_score > 1 / (retrieval.RRF_K + 1) for passage in passages)
        print(f"hybrid top-5, ef_search={ef_search} (question already embedded): {summary_ms(samples)}")
    print(f"  (a passage found by both lists was in the top 5 for {both} of {QUERIES} questions)")
    if small_workspace is not None:
        samples = []
        for text, vector in queries[:100]:
            started = time.perf_counter()
            passages = retrieval.hybrid_search(workspace_id=small_workspace.pk, query=text, query_vector=vector)
            samples.append(time.perf_counter() - started)
            assert all(passage.document_title.startswith("Article") for passage in passages)
        label = f"hybrid top-5 in a {SMALL_WORKSPACE_CHUNKS:,}-chunk workspace beside the big one (exact)"
        print(f"{label}: {summary_ms(samples)}")


def _measure_ingestion() -> None:
    from accounts.models import Workspace
    from chatassist.management.commands.seed_demo import HELP_CENTRE_DIR, article_title
    from knowledge import chunking, embeddings, extraction, services
    from knowledge.models import Chunk

    print("\n-- ingestion: the demo help centre through extract → chunk → embed → store (empty table)")
    started = time.perf_counter()
    embeddings.load_local_model()
    print(f"model load (once per process): {time.perf_counter() - started:.1f} s")
    embeddings.embed_documents(["warm-up"] * 16)
    workspace = Workspace.objects.create(name="Ingestion", slug="ingestion")
    articles = [path.read_bytes() for path in sorted(HELP_CENTRE_DIR.glob("*.md"))]
    documents = [
        services.document_create(
            workspace=workspace,
            created_by=None,
            content=content,
            file_name="a.md",
            title=article_title(content),
            queue_ingestion=False,
        )
        for content in articles
    ]
    rates = []
    for _ in range(3):
        started = time.perf_counter()
        for document in documents:
            services.document_ingest(document_id=document.pk)
        rates.append(Chunk.objects.filter(workspace=workspace).count() / (time.perf_counter() - started))
    chunks = Chunk.objects.filter(workspace=workspace)
    tokens = [chunk.token_count for chunk in chunks]
    print(
        f"{len(documents)} articles → {len(tokens)} chunks, {np.mean(tokens):.0f} tokens on average "
        f"(p50 {percentile(tokens, 0.5)}, max {max(tokens)})"
    )
    runs = ", ".join(f"{rate:.0f}" for rate in rates)
    print(f"full pipeline: {np.median(rates):.0f} chunks/s (median of 3 runs: {runs})")
    inputs = []
    for content, document in zip(articles, documents, strict=True):
        sections = extraction.extract(content, file_name="a.md").sections
        inputs += [draft.embedding_input for draft in chunking.chunk_sections(sections, title=document.title)]
    started = time.perf_counter()
    embeddings.embed_documents(inputs)
    print(f"embedding alone: {len(inputs) / (time.perf_counter() - started):.0f} chunks/s ({os.cpu_count()} CPUs)")
    for text in ("How do I download my invoice?",):
        samples = []
        for _ in range(50):
            started = time.perf_counter()
            embeddings.embed_query(text)
            samples.append(time.perf_counter() - started)
        print(f"embedding a question: {summary_ms(samples)}")


if __name__ == "__main__":
    main()
