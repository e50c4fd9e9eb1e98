"""The sandbox runs a draft through the real pipeline — retrieval over the indexed help
centre, then the provider — streams it as server-sent events, records the usage, and leaves
no conversation (nor any version) behind."""

import json

import pytest
from asgiref.sync import async_to_sync
from django.urls import reverse

from assistant.testing.vendor_formats import MESSAGES
from assistant.testing.vendor_server import ScriptedResponse
from prompts.models import ModelUsage, PromptVersion
from tests.prompts.test_versions import EDITOR_FORM

pytestmark = pytest.mark.django_db

DRAFT_SYSTEM_PROMPT = "You are Pulsar's support assistant (draft under test)."


def run_sandbox(client, workspace, question: str) -> list[tuple[str, dict]]:
    response = client.post(
        reverse("prompt_sandbox", args=[workspace.slug]),
        {**EDITOR_FORM, "system_prompt": DRAFT_SYSTEM_PROMPT, "question": question},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    body = async_to_sync(_read_stream)(response).decode()
    events = []
    for frame in body.strip().split("\n\n"):
        name = next(line[7:] for line in frame.splitlines() if line.startswith("event: "))
        data = json.loads(next(line[6:] for line in frame.splitlines() if line.startswith("data: ")))
        events.append((name, data))
    return events


async def _read_stream(response) -> bytes:
    # Served over ASGI in production; the test client hands us the same async iterator.
    return b"".join([chunk async for chunk in response.streaming_content])


def test_offline_sandbox_answers_from_the_right_article(owner_client, workspace, help_centre, offline_only):
    events = run_sandbox(owner_client, workspace, "I lost my secret API key. How do I get a new one?")
    names = [name for name, _ in events]
    assert names[0] == "passages" and names[-1] == "done" and "delta" in names
    assert events[0][1]["passages"][0]["title"] == "API keys"
    done = events[-1][1]
    assert done["provider"] == "offline"
    assert done["citations"][0]["document_title"] == "API keys"
    assert done["text"] == "".join(data["text"] for name, data in events if name == "delta").strip()
    assert done["text"].startswith("This is an automatic answer from our help centre")
    assert done["confidence"] > 0.4


def test_offline_sandbox_admits_ignorance(owner_client, workspace, help_centre, offline_only):
    done = run_sandbox(owner_client, workspace, "What is the best recipe for sourdough bread?")[-1][1]
    assert "couldn't find this in our help centre" in done["text"]
    assert done["citations"] == []
    assert done["confidence"] < 0.4


def test_sandbox_leaves_no_conversation_or_version_behind(owner_client, workspace, help_centre, offline_only):
    from django.apps import apps

    counts_before = {model: model.objects.count() for model in apps.get_models()}
    run_sandbox(owner_client, workspace, "Where do I download invoices?")
    changed = {model.__name__ for model in apps.get_models() if model.objects.count() != counts_before[model]}
    # Only the usage ledger grows (and the session of the logged-in client).
    assert changed <= {"ModelUsage", "Session"}
    usage = ModelUsage.objects.get()
    assert (usage.source, usage.prompt_version, usage.provider) == ("sandbox", None, "offline")
    assert PromptVersion.objects.filter(workspace=workspace).count() == 1


def test_sandbox_sends_the_draft_and_the_passages_to_the_provider(
    owner_client, workspace, help_centre, anthropic_on_vendor_server
):
    anthropic_on_vendor_server.enqueue(
        MESSAGES, ScriptedResponse(text="Create a new key under Settings → API keys [1]. ⟦confidence=0.9⟧")
    )
    events = run_sandbox(owner_client, workspace, "How do I rotate an API key?")
    sent = anthropic_on_vendor_server.requests_to(MESSAGES)[0].body
    system = sent["system"] if isinstance(sent["system"], str) else " ".join(block["text"] for block in sent["system"])
    assert DRAFT_SYSTEM_PROMPT in system
    last = sent["messages"][-1]["content"]
    last = last if isinstance(last, str) else " ".join(block["text"] for block in last)
    # The passages are data in the customer's turn, not instructions in the system prompt.
    assert "[1] API keys" in last and "[1] API keys" not in system
    assert "\nHow do I rotate an API key?\n<<<END CUSTOMER MESSAGE " in last
    done = events[-1][1]
    assert done["provider"] == "anthropic"
    assert "⟦" not in done["text"]
    assert done["input_tokens"] > 0 and done["output_tokens"] > 0 and float(done["cost_usd"]) > 0
    assert done["citations"][0]["document_title"] == "API keys"
    usage = ModelUsage.objects.get()
    assert (usage.provider, usage.input_tokens) == ("anthropic", done["input_tokens"])


def test_over_budget_the_provider_is_never_called(owner_client, workspace, help_centre, anthropic_on_vendor_server):
    from decimal import Decimal

    workspace.monthly_token_budget = 100
    workspace.save()
    ModelUsage.objects.create(
        workspace=workspace,
        source="conversation",
        provider="anthropic",
        model="claude-sonnet-4-6",
        input_tokens=90,
        output_tokens=20,
        cost_usd=Decimal("0.001"),
    )
    done = run_sandbox(owner_client, workspace, "How do I rotate an API key?")[-1][1]
    assert anthropic_on_vendor_server.requests_to(MESSAGES) == []
    assert done["provider"] == "offline"
    assert "monthly AI token budget" in done["notice"]
    assert ModelUsage.objects.filter(budget_exceeded=True).count() == 1


def test_a_provider_outage_falls_back_and_says_so(owner_client, workspace, help_centre, anthropic_on_vendor_server):
    anthropic_on_vendor_server.enqueue(MESSAGES, ScriptedResponse.error(500))
    done = run_sandbox(owner_client, workspace, "How do I rotate an API key?")[-1][1]
    assert done["provider"] == "offline"
    assert done["fallback_used"] is True
    assert ModelUsage.objects.get().fallback_used is True
