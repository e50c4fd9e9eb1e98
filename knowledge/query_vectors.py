"""Question vectors for live turns, computed beside the rest of the turn.

A chat turn starts embedding the customer's question as soon as the frame arrives, while the
message is being stored; retrieval then waits for the vector (``Future.result()``) only if it
is not ready yet.

With the local model the vectors come from a process of its own, started once per server
process: all-MiniLM-L6-v2 spends 8 to 10 ms per question, much of it Python code in
transformers that holds the GIL. In a thread it took the GIL from the event loop that sends
every token (bench/chat.py measured per-stream rates falling from 50 to 16 tokens/s); in its
own process it costs the loop nothing but a pipe write and read. A remote embeddings API
waits on the network, so a few threads suffice for it.

Recent questions are remembered (suggestion chips and "hi" repeat a lot), per embedding
model, so a changed backend never reuses another model's vector."""

import logging
import multiprocessing
import threading
from collections import OrderedDict
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor

import numpy as np
from django.conf import settings

from knowledge import embeddings, minilm
from knowledge.retrieval import query_normalise

logger = logging.getLogger(__name__)

CACHE_SIZE = 2048

# One per backend: settings may change under tests, and a process pool is for "local" only.
_executors: dict[str, Executor] = {}
_executor_lock = threading.Lock()
_cache: "OrderedDict[tuple[str, str], np.ndarray]" = OrderedDict()
_cache_lock = threading.Lock()


def query_vector_submit(query: str) -> "Future[np.ndarray]":
    """The vector of ``query`` as retrieval will search it (normalised), as a future."""
    key = (embeddings.model_name(), query_normalise(query))
    with _cache_lock:
        vector = _cache.get(key)
        if vector is not None:
            _cache.move_to_end(key)
    result: Future[np.ndarray] = Future()
    if vector is not None:
        result.set_result(vector)
        return result
    try:
        computing = _pool().submit(*_job(key[1]))
    except (BrokenProcessPool, RuntimeError):
        # The embedding process died (killed, out of memory): start another next time, and
        # answer this question in this process meanwhile.
        logger.warning("The question-embedding process is gone; starting a new one", exc_info=True)
        _pool_discard()
        computing = _local_fallback(key[1])
    computing.add_done_callback(lambda done: _settle(result, done, key))
    # Cancelling the answer (the AI will not reply after all) cancels the work if it has not
    # started: a busy process's queue is not spent on vectors nobody reads.
    result.add_done_callback(lambda answer: computing.cancel() if answer.cancelled() else None)
    return result


def warm_up() -> None:
    """Start the embedding process (it loads the model) before the first question."""
    if settings.EMBEDDINGS_BACKEND == "local":
        _pool()


def _job(query: str):
    if settings.EMBEDDINGS_BACKEND == "local":
        return (minilm.query_vector, query)
    return (embeddings.embed_query, query)


def _local_fallback(query: str) -> "Future[np.ndarray]":
    done: Future[np.ndarray] = Future()
    try:
        done.set_result(embeddings.embed_query(query))
    except Exception as error:
        done.set_exception(error)
    return done


def _settle(result: Future, done: Future, key: tuple[str, str]) -> None:
    if done.cancelled():
        return  # because ``result`` was
    error = done.exception()
    if isinstance(error, BrokenProcessPool):
        _pool_discard()
        done = _local_fallback(key[1])
        error = done.exception()
    if error is not None:
        if not result.cancelled():
            result.set_exception(error)
        return
    vector = done.result()
    vector.setflags(write=False)  # shared by every caller that hits the cache
    with _cache_lock:
        _cache[key] = vector
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    if not result.cancelled():
        result.set_result(vector)


def _pool() -> Executor:
    backend = settings.EMBEDDINGS_BACKEND
    executor = _executors.get(backend)
    if executor is None:
        with _executor_lock:
            executor = _executors.get(backend)
            if executor is None:
                if backend == "local":
                    # spawn, not fork: the server process has threads and an event loop that
                    # a forked child must not inherit.
                    executor = ProcessPoolExecutor(
                        max_workers=1,
                        mp_context=multiprocessing.get_context("spawn"),
                        initializer=minilm.process_start,
                    )
                else:
                    executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="query-vector")
                _executors[backend] = executor
    return executor


def _pool_discard() -> None:
    with _executor_lock:
        executor = _executors.pop(settings.EMBEDDINGS_BACKEND, None)
    if executor is not None:
        executor.shutdown(wait=False, cancel_futures=True)
