"""A prompt version plus a question becomes a CompletionRequest for the assistant."""

from collections.abc import Iterable

from assistant.types import CompletionRequest, Example, Passage, Turn
from prompts.models import PromptVersion


def completion_request(
    *,
    prompt_version: PromptVersion,
    question: str,
    history: Iterable[Turn] = (),
    passages: Iterable[Passage] = (),
    budget_tokens_remaining: int | None = None,
    link_hosts: Iterable[str] = (),
) -> CompletionRequest:
    turns = tuple(history)
    turns = turns[-prompt_version.history_turns :] if prompt_version.history_turns else ()
    return CompletionRequest(
        system_prompt=prompt_version.system_prompt,
        question=question,
        history=turns,
        examples=tuple(
            Example(customer=pair["customer"], assistant=pair["assistant"]) for pair in prompt_version.examples
        ),
        passages=tuple(passages),
        model=prompt_version.primary_model,
        fallback_model=prompt_version.fallback_model,
        max_output_tokens=prompt_version.max_response_tokens,
        tone=prompt_version.tone,
        language=prompt_version.language,
        max_words=prompt_version.max_response_words,
        budget_tokens_remaining=budget_tokens_remaining,
        link_hosts=tuple(link_hosts),
    )
