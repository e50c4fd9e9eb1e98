"""Turning a ``CompletionRequest`` into what a chat model reads: one system prompt and a list
of alternating user/assistant messages. Shared by the Anthropic and OpenAI providers so both
vendors see the same instructions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from assistant import trailer
from assistant.types import CompletionRequest, Passage

Role = Literal["user", "assistant"]

# Anthropic requires the first message to be the user's. When the history we are given starts
# with the assistant (a greeting, or an agent's reply that survived the history cut), this
# stands in front of it rather than dropping what the assistant said.
LEADING_USER_PLACEHOLDER = "(The conversation so far.)"

# Between a passage's title and section, like the help centre's breadcrumbs.
SECTION_SEPARATOR = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "


def passage_heading(passage: Passage) -> str:
    """The title and section joined by SECTION_SEPARATOR, or just the title."""
    if passage.section:
        return f"{passage.document_title}{SECTION_SEPARATOR}{passage.section}"
    return passage.document_title


def passages_block(passages: Sequence[Passage]) -> str:
    """The numbered passages, fenced so the model can tell them from instructions."""
    if not passages:
        return "<passages>\n(No help-centre passages matched this question.)\n</passages>"
    entries = []
    for number, passage in enumerate(passages, start=1):
        entries.append(f"[{number}] {_clean(passage_heading(passage))}\n{_clean(passage.text.strip())}")
    return "<passages>\n" + "\n\n".join(entries) + "\n</passages>"


def system_prompt(*, request: CompletionRequest) -> str:
    """The workspace's own system prompt, then our rules: style, grounding and citations,
    the passages, and the hidden confidence trailer. A request that does not answer a
    customer (``answers_customer=False``) brings its own instructions, sent as they are."""
    if not request.answers_customer:
        return request.system_prompt.strip()
    rules = []
    if request.tone:
        rules.append(f"- Tone: {request.tone}.")
    if request.language:
        rules.append(f"- Answer in this language: {request.language}.")
    else:
        rules.append("- Answer in the language the customer writes in.")
    if request.max_words:
        rules.append(f"- Keep the answer under {request.max_words} words.")
    rules.append(
        "- Take facts about the product only from the help-centre passages below. After each "
        "sentence that uses a passage, cite it by its number in square brackets, e.g. [1] or [1][3]."
    )
    rules.append(
        "- If the passages do not answer the question, say so plainly and offer to connect the "
        "customer with a person. Never invent policies, prices, dates or steps."
    )
    sections = [
        request.system_prompt.strip(),
        "# How to answer\n" + "\n".join(rules),
        "# Help-centre passages\n" + passages_block(request.passages),
        "# Confidence\n" + trailer.trailer_instruction(),
    ]
    return "\n\n".join(section for section in sections if section)


def conversation(*, request: CompletionRequest) -> list[tuple[Role, str]]:
    """Few-shot examples, the history, then the question, as strictly alternating turns that
    start with the user: consecutive turns of one role are joined (a customer who sent three
    messages in a row), empty ones skipped."""
    turns: list[tuple[Role, str]] = []
    for example in request.examples:
        turns.append(("user", example.customer))
        turns.append(("assistant", example.assistant))
    for turn in request.history:
        turns.append(("user" if turn.role == "customer" else "assistant", turn.text))
    turns.append(("user", request.question))

    merged: list[tuple[Role, str]] = []
    for role, text in turns:
        text = text.strip()
        if not text:
            continue
        if merged and merged[-1][0] == role:
            merged[-1] = (role, f"{merged[-1][1]}\n\n{text}")
        else:
            merged.append((role, text))
    if not merged or merged[0][0] != "user":
        merged.insert(0, ("user", LEADING_USER_PLACEHOLDER))
    return merged


def _clean(text: str) -> str:
    # A passage must not close the fence early or put a fake trailer in the model's mouth.
    return (
        text.replace("</passages>", "</ passages>")
        .replace("<passages>", "< passages>")
        .replace(trailer.OPEN, "[")
        .replace(trailer.CLOSE, "]")
    )
