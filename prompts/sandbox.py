"""The sandbox: a draft version answers a test question through the real pipeline (retrieval
and provider), streamed to the page as server-sent events. No conversation is created; the
usage is recorded as sandbox usage, because it spends real tokens."""

import json
import logging

from django.http import StreamingHttpResponse

from accounts.models import Workspace
from assistant.types import CompletionResult, Delta, Interrupted
from prompts.models import PromptVersion, UsageSource
from prompts.pipeline import Retrieved, prompt_version_run

logger = logging.getLogger(__name__)


def _event(name: str, data: dict) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def _result_data(result: CompletionResult) -> dict:
    return {
        "text": result.text,
        "provider": result.provider,
        "model": result.model,
        "input_tokens": result.input_tokens,
        "output_tokens": result.output_tokens,
        "cost_usd": str(result.cost_usd),
        "confidence": round(result.confidence, 3),
        "first_token_ms": result.first_token_ms,
        "total_ms": result.total_ms,
        "stop_reason": result.stop_reason,
        "fallback_used": result.fallback_used,
        "partial": result.partial,
        "notice": result.notice,
        "citations": [
            {"index": citation.index, "document_title": citation.document_title, "section": citation.section}
            for citation in result.citations
        ],
    }


async def _sandbox_events(*, workspace: Workspace, prompt_version: PromptVersion, question: str):
    try:
        async for event in prompt_version_run(
            workspace=workspace, prompt_version=prompt_version, question=question, source=UsageSource.SANDBOX
        ):
            if isinstance(event, Retrieved):
                passages = [
                    {"title": passage.document_title, "section": passage.section, "score": round(passage.score, 3)}
                    for passage in event.passages
                ]
                yield _event("passages", {"passages": passages})
            elif isinstance(event, Delta):
                yield _event("delta", {"text": event.text})
            elif isinstance(event, Interrupted):
                yield _event("interrupted", {"reason": event.reason})
            elif isinstance(event, CompletionResult):
                yield _event("done", _result_data(event))
    except Exception:
        # The stream has started: the status line is sent, so the error travels as an event.
        logger.exception("Sandbox run failed for workspace %s", workspace.pk)
        yield _event(
            "error", {"code": "sandbox_failed", "detail": "The sandbox run failed; the error has been logged."}
        )


def sandbox_response(*, workspace: Workspace, prompt_version: PromptVersion, question: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        _sandbox_events(workspace=workspace, prompt_version=prompt_version, question=question),
        content_type="text/event-stream",
    )
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass events through as they come
    return response
