"""Running a prompt version: retrieve, render, stream from the assistant, record the usage.

The sandbox runs it for a draft version; conversations run it for the active version. Both
go through this one function, so the sandbox shows exactly what customers would get."""

import contextlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from asgiref.sync import sync_to_async

import assistant
from accounts.models import Workspace
from assistant.types import CompletionResult, Passage, StreamEvent, Turn
from prompts import rendering, selectors, services
from prompts.models import PromptVersion

PASSAGES_PER_ANSWER = 5


@dataclass(frozen=True)
class Retrieved:
    """Sent first, so that a page can show what the answer will draw on."""

    passages: tuple[Passage, ...]


@dataclass(frozen=True)
class RunInputs:
    """What a run reads from the database before it asks the model."""

    passages: tuple[Passage, ...]
    tokens_remaining: int | None


def retrieve_passages(
    *, workspace: Workspace, question: str, limit: int = PASSAGES_PER_ANSWER, query_vector=None
) -> tuple[Passage, ...]:
    from knowledge.retrieval import passages_for

    return tuple(
        Passage(
            text=passage.text,
            document_title=passage.document_title,
            section=passage.section,
            document_id=passage.document_id,
            chunk_id=passage.chunk_id,
            score=passage.score,
        )
        for passage in passages_for(workspace=workspace, query=question, limit=limit, query_vector=query_vector)
    )


def run_inputs_read(*, workspace: Workspace, question: str, query_vector=None) -> RunInputs:
    """Retrieval and the token budget, in one trip to the database thread.
    ``query_vector``: see ``knowledge.retrieval.passages_for``."""
    return RunInputs(
        passages=retrieve_passages(workspace=workspace, question=question, query_vector=query_vector),
        tokens_remaining=selectors.tokens_remaining_this_month(workspace=workspace),
    )


def link_hosts(*, workspace: Workspace) -> tuple[str, ...]:
    """The hosts of the sites the workspace embeds its widget on: its own, so links to them
    in an offline answer may stay links (assistant/links.py)."""
    return tuple(dict.fromkeys(urlsplit(origin).hostname or "" for origin in workspace.allowed_origins if origin))


async def prompt_version_run(
    *,
    workspace: Workspace,
    prompt_version: PromptVersion,
    question: str,
    history: Iterable[Turn] = (),
    source: str,
    config: "assistant.AssistantConfig | None" = None,
    inputs: RunInputs | None = None,
    record_usage: bool = True,
) -> AsyncIterator[Retrieved | StreamEvent]:
    """Yield ``Retrieved``, then the assistant's events; the usage is recorded at the end.

    ``prompt_version`` may be unsaved (a sandbox draft). A caller that read ``inputs``
    itself (``run_inputs_read``) passes them; one that stores the result in its own
    transaction records the usage there (``record_usage=False``)."""
    if inputs is None:
        inputs = await sync_to_async(run_inputs_read)(workspace=workspace, question=question)
    yield Retrieved(inputs.passages)
    request = rendering.completion_request(
        prompt_version=prompt_version,
        question=question,
        history=history,
        passages=inputs.passages,
        budget_tokens_remaining=inputs.tokens_remaining,
        link_hosts=link_hosts(workspace=workspace),
    )
    # aclosing: when our consumer stops early (the customer left, the page closed), the
    # assistant's stream is closed at once, and with it the connection to the vendor.
    async with contextlib.aclosing(assistant.stream(request, config=config)) as events:
        async for event in events:
            if isinstance(event, CompletionResult) and record_usage:
                await sync_to_async(services.model_usage_record)(
                    workspace=workspace, result=event, source=source, prompt_version=prompt_version
                )
            yield event
