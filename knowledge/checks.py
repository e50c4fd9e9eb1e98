"""System checks for the knowledge base's settings: a typo must not silently fall back."""

from django.conf import settings
from django.core.checks import Error, register

EMBEDDINGS_BACKENDS = ("local", "openai")


@register()
def embeddings_backend_is_known(app_configs, **kwargs):
    if settings.EMBEDDINGS_BACKEND not in EMBEDDINGS_BACKENDS:
        return [
            Error(
                f"EMBEDDINGS_BACKEND is {settings.EMBEDDINGS_BACKEND!r}.",
                hint="Use “local” (all-MiniLM-L6-v2 on the CPU) or “openai”.",
                id="knowledge.E001",
            )
        ]
    if settings.EMBEDDINGS_BACKEND == "openai" and not settings.OPENAI_API_KEY:
        return [
            Error(
                "EMBEDDINGS_BACKEND is “openai” but OPENAI_API_KEY is not set: no document could be indexed.",
                hint="Set OPENAI_API_KEY (or OPENAI_API_KEY_FILE), or use EMBEDDINGS_BACKEND=local.",
                id="knowledge.E002",
            )
        ]
    return []
