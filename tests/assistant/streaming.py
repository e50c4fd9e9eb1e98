"""Running ``assistant.stream`` to the end from a sync test, and taking its events apart."""

import asyncio

from assistant import CompletionRequest, CompletionResult, Delta, Interrupted, Passage, stream

PASSWORD_PASSAGE = Passage(
    text="To reset your password, open the sign-in page and click “Forgot password”. "
    "We email you a link that is valid for one hour.",
    document_title="Account",
    section="Password",
    document_id=7,
    chunk_id=71,
    url="https://help.example.com/account#password",
    score=0.78,
)
BILLING_PASSAGE = Passage(
    text="Invoices are sent by e-mail on the first day of each billing period.",
    document_title="Billing",
    section="Invoices",
    document_id=8,
    chunk_id=81,
    score=0.21,
)


def make_request(**overrides) -> CompletionRequest:
    values = {
        "system_prompt": "You are the support assistant of Acme.",
        "question": "How do I reset my password?",
        "passages": (PASSWORD_PASSAGE, BILLING_PASSAGE),
    }
    values.update(overrides)
    return CompletionRequest(**values)


def collect(request: CompletionRequest, config) -> list:
    async def run() -> list:
        return [event async for event in stream(request, config=config)]

    return asyncio.run(run())


def deltas(events: list) -> list[str]:
    return [event.text for event in events if isinstance(event, Delta)]


def result_of(events: list) -> CompletionResult:
    assert isinstance(events[-1], CompletionResult)
    assert sum(isinstance(event, CompletionResult) for event in events) == 1
    return events[-1]


def bubbles(events: list) -> list[str]:
    """The text of each bubble the caller would render: a new one after each Interrupted."""
    texts = [""]
    for event in events:
        if isinstance(event, Delta):
            texts[-1] += event.text
        elif isinstance(event, Interrupted):
            texts.append("")
    return texts
