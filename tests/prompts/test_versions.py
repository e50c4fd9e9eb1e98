"""Prompt versions: immutable once saved, exactly one active, activation and rollback, the
editor's validation, the live preview and the diff."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from prompts import services
from prompts.defaults import DEFAULT_EXAMPLES
from prompts.examples import examples_from_text
from prompts.models import PromptVersion, PromptVersionIsImmutable
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db

EDITOR_FORM = {
    "system_prompt": "You are the support assistant of Acme.",
    "examples_text": "Customer: Hi\nAssistant: Hello! How can I help?",
    "tone": "warm",
    "language": "en",
    "max_response_words": "120",
    "max_response_tokens": "500",
    "primary_model": "claude-sonnet-4-6",
    "fallback_model": "gpt-4.1-mini",
    "history_turns": "8",
    "escalation_threshold": "0.35",
    "note": "Warmer tone",
}


def test_a_new_workspace_starts_with_the_default_version_active(workspace):
    version = PromptVersion.objects.get(workspace=workspace)
    assert (version.number, version.is_active) == (1, True)
    assert "support assistant of Acme" in version.system_prompt
    assert version.escalation_threshold == Decimal("0.40")
    assert version.history_turns == 10
    assert [pair["customer"] for pair in version.examples] == [pair["customer"] for pair in DEFAULT_EXAMPLES]


def test_a_saved_version_cannot_change(workspace):
    version = PromptVersion.objects.get(workspace=workspace)
    version.system_prompt = "Something else"
    with pytest.raises(PromptVersionIsImmutable):
        version.save()
    with pytest.raises(PromptVersionIsImmutable):
        version.save(update_fields=["system_prompt", "is_active"])
    assert PromptVersion.objects.get(pk=version.pk).system_prompt != "Something else"


def test_only_one_version_is_active_and_rollback_reactivates_an_older_one(workspace, owner):
    first = PromptVersion.objects.get(workspace=workspace)
    second = services.prompt_version_create(workspace=workspace, author=owner, system_prompt="v2", activate=True)
    assert list(PromptVersion.objects.filter(workspace=workspace, is_active=True)) == [second]
    services.prompt_version_activate(prompt_version=first)
    assert list(PromptVersion.objects.filter(workspace=workspace, is_active=True)) == [first]
    assert second.number == 2


def test_the_database_refuses_two_active_versions(workspace, owner):
    second = services.prompt_version_create(workspace=workspace, author=owner, system_prompt="v2")
    with pytest.raises(IntegrityError), transaction.atomic():
        PromptVersion.objects.filter(pk=second.pk).update(is_active=True)


def test_versions_are_numbered_per_workspace(workspace, other_workspace, owner):
    assert services.prompt_version_create(workspace=workspace, author=owner, system_prompt="x").number == 2
    assert services.prompt_version_create(workspace=other_workspace, author=None, system_prompt="y").number == 2


def test_editor_saves_a_new_version_with_author_and_note(owner_client, workspace, owner):
    response = owner_client.post(
        reverse("prompt_version_new", args=[workspace.slug]), {**EDITOR_FORM, "activate": "on"}
    )
    version = PromptVersion.objects.get(workspace=workspace, number=2)
    assert response.url == reverse("prompt_version_detail", args=[workspace.slug, version.pk])
    assert (version.author, version.note, version.is_active, version.tone) == (owner, "Warmer tone", True, "warm")
    assert version.examples == [{"customer": "Hi", "assistant": "Hello! How can I help?"}]
    assert version.escalation_threshold == Decimal("0.35")


def test_editor_without_activate_keeps_the_current_version_active(owner_client, workspace):
    owner_client.post(reverse("prompt_version_new", args=[workspace.slug]), EDITOR_FORM)
    assert PromptVersion.objects.get(workspace=workspace, is_active=True).number == 1


def test_editor_starts_from_the_chosen_version(owner_client, workspace, owner):
    older = services.prompt_version_create(workspace=workspace, author=owner, system_prompt="Start from me")
    page = owner_client.get(reverse("prompt_version_new", args=[workspace.slug]) + f"?from={older.pk}")
    assert "Start from me" in page.content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"system_prompt": ""}, "This field is required."),
        ({"escalation_threshold": "1.5"}, "less than or equal to 1"),
        ({"history_turns": "99"}, "less than or equal to 50"),
        ({"max_response_tokens": "10"}, "greater than or equal to 50"),
        ({"examples_text": "Assistant: no question first"}, "expected a “Customer:” line here"),
        ({"examples_text": "Customer: a question without answer"}, "has no “Assistant:” answer"),
        ({"examples_text": "hello"}, "start each example with “Customer:”"),
    ],
)
def test_editor_rejects_bad_input_and_saves_nothing(owner_client, workspace, change, message):
    response = owner_client.post(reverse("prompt_version_new", args=[workspace.slug]), {**EDITOR_FORM, **change})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert PromptVersion.objects.filter(workspace=workspace).count() == 1


def test_examples_round_trip_with_multiline_answers():
    text = (
        "Customer: Where are invoices?\nAssistant: Settings → Billing.\n1. Open it\n2. Download\n\n"
        "Customer: Thanks\nAssistant: Welcome!"
    )
    assert examples_from_text(text) == [
        {"customer": "Where are invoices?", "assistant": "Settings → Billing.\n1. Open it\n2. Download"},
        {"customer": "Thanks", "assistant": "Welcome!"},
    ]


def test_live_preview_renders_the_draft(owner_client, workspace):
    response = owner_client.post(reverse("prompt_preview", args=[workspace.slug]), EDITOR_FORM, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "You are the support assistant of Acme." in body
    assert "── Customer ──\nHi\n\n── Assistant ──\nHello! How can I help?" in body
    assert "Tone: warm." in body
    assert "[1] Article title › Section" in body  # where each question's passages go
    response = owner_client.post(
        reverse("prompt_preview", args=[workspace.slug]), {**EDITOR_FORM, "history_turns": "x"}
    )
    assert response.status_code == 422


def test_diff_shows_what_changed_line_by_line(owner_client, workspace, owner):
    first = PromptVersion.objects.get(workspace=workspace)
    fields = {field: getattr(first, field) for field in PromptVersion.CONTENT_FIELDS}
    fields["system_prompt"] = first.system_prompt.replace("concise and friendly", "brief and warm")
    fields["history_turns"] = 4
    second = services.prompt_version_create(workspace=workspace, author=owner, **fields)
    response = owner_client.get(
        reverse("prompt_version_compare", args=[workspace.slug]), {"old": first.pk, "new": second.pk}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert '<span class="diff__removed">- - Be concise and friendly' in body
    assert '<span class="diff__added">+ - Be brief and warm' in body
    assert '<span class="diff__added">+ 4</span>' in body
    assert 'Few-shot examples <span class="muted">— unchanged' in body


def test_diff_needs_two_versions_of_this_workspace(owner_client, workspace, other_workspace):
    url = reverse("prompt_version_compare", args=[workspace.slug])
    assert owner_client.get(url, {"old": "x"}).status_code == 400
    ours = PromptVersion.objects.get(workspace=workspace).pk
    theirs = PromptVersion.objects.get(workspace=other_workspace).pk
    assert owner_client.get(url, {"old": ours, "new": theirs}).status_code == 404


def test_rollback_from_the_history_page(owner_client, workspace, owner):
    first = PromptVersion.objects.get(workspace=workspace)
    services.prompt_version_create(workspace=workspace, author=owner, system_prompt="v2", activate=True)
    page = owner_client.get(reverse("prompts", args=[workspace.slug])).content.decode()
    assert "Roll back to this" in page
    response = owner_client.post(reverse("prompt_version_activate", args=[workspace.slug, first.pk]))
    assert response.status_code == 302
    assert PromptVersion.objects.get(workspace=workspace, is_active=True) == first


def test_agents_read_but_cannot_edit(workspace, agent):
    client = logged_in(agent)
    assert client.get(reverse("prompts", args=[workspace.slug])).status_code == 200
    assert client.get(reverse("prompt_version_new", args=[workspace.slug])).status_code == 403
