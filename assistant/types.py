"""The contract between ChatAssist and language models: plain Python in, plain Python out.

A caller builds a ``CompletionRequest`` and iterates ``assistant.stream(request)``. It
receives ``Delta`` events as text arrives, possibly an ``Interrupted`` event when a stream
broke after text was sent (what follows belongs in a new bubble, never glued onto the broken
one), and always ends with exactly one ``CompletionResult``.

No Django here: knowledge, prompts and conversations convert their models to these types.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal


@dataclass(frozen=True)
class Passage:
    """A piece of the knowledge base the answer may draw on, as retrieval returned it."""

    text: str
    document_title: str
    section: str = ""
    document_id: int | None = None
    chunk_id: int | None = None
    url: str = ""
    # Retrieval's own relevance in [0, 1] (1 = certainly relevant).
    score: float = 0.0


@dataclass(frozen=True)
class Example:
    """A few-shot pair: what a customer wrote and what a good answer looks like."""

    customer: str
    assistant: str


@dataclass(frozen=True)
class Turn:
    """An earlier message of the conversation. Agents' replies count as ``assistant``;
    system notes and internal notes are never sent to a model."""

    role: Literal["customer", "assistant"]
    text: str


@dataclass(frozen=True)
class CompletionRequest:
    system_prompt: str
    # The customer's latest message: the thing to answer.
    question: str
    # Earlier turns, oldest first, already cut to the prompt version's history length.
    history: tuple[Turn, ...] = ()
    examples: tuple[Example, ...] = ()
    passages: tuple[Passage, ...] = ()
    # "" means the provider's configured default model.
    model: str = ""
    fallback_model: str = ""
    max_output_tokens: int = 600
    # Persona: e.g. "friendly, concise"; a language code, "" = the customer's own language.
    tone: str = ""
    language: str = ""
    max_words: int | None = None
    # Override the configured provider ("anthropic", "openai", "openai_compatible", "offline").
    provider: str = ""
    # Tokens the workspace may still spend this month; None = no limit. At or below zero the
    # request is answered by the offline provider and the result says so.
    budget_tokens_remaining: int | None = None
    # False for work done for the team rather than an answer to a customer (an escalation's
    # handoff summary): ``system_prompt`` is then the whole instruction, and none of the
    # answering rules, passages or confidence trailer are added (assistant/prompting.py).
    answers_customer: bool = True
    # Hosts (with their subdomains) that a link in an offline answer may point to, e.g. the
    # workspace's own sites; a URL quoted from a passage to any other host is shown as text.
    link_hosts: tuple[str, ...] = ()
    # Marks where knowledge passages and the conversation begin and end in the prompt
    # (assistant/prompting.py): random for each request, so no stored text can forge it.
    boundary: str = field(default_factory=lambda: secrets.token_hex(12))


@dataclass(frozen=True)
class Delta:
    text: str


@dataclass(frozen=True)
class Interrupted:
    """The stream broke after text had been sent. The text so far stays as it is (marked
    partial); anything after this event is a fresh answer that starts a new bubble."""

    reason: str
    text_so_far: str


@dataclass(frozen=True)
class Citation:
    """A passage the answer used, numbered as the passages were given (1-based)."""

    index: int
    document_title: str
    section: str = ""
    document_id: int | None = None
    chunk_id: int | None = None
    url: str = ""


@dataclass(frozen=True)
class Attempt:
    """One try at one provider, for the record: what failed and why."""

    provider: str
    model: str
    error: str = ""
    status_code: int | None = None
    # Added by assistant/: the stream broke after text had been shown (an Interrupted event).
    interrupted: bool = False
    # Tokens this attempt used as far as the vendor reported them (estimated when it broke off
    # before reporting output); counted in the result's totals.
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class CompletionResult:
    text: str
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal
    # Milliseconds from the call to the first text, and to the end.
    first_token_ms: float | None
    total_ms: float
    # "end_turn", "max_tokens", "stop_sequence", "error", "cancelled", "budget_exceeded", ...
    stop_reason: str
    citations: tuple[Citation, ...] = ()
    # How sure we are the answer is right and supported, in [0, 1] (see docs/assistant.md).
    confidence: float = 0.0
    attempts: tuple[Attempt, ...] = field(default_factory=tuple)
    fallback_used: bool = False
    # The text was cut short by a failure mid-stream.
    partial: bool = False
    # A sentence for people about anything unusual (budget exceeded, provider down, ...).
    notice: str = ""
    # Added by assistant/: the workspace's token budget was used up, so the offline provider
    # answered without calling any paid provider.
    budget_exceeded: bool = False
    # The vendor reported no usage (some OpenAI-compatible servers), so the token counts are
    # estimates from the local tokenizer.
    usage_estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


StreamEvent = Delta | Interrupted | CompletionResult
