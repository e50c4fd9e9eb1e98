"""The agent monitor's forms: the reply box (a reply to the customer, or an internal note) and
triage (priority, tags, topic)."""

import uuid

from django import forms
from django.core.exceptions import ValidationError

from conversations.services import CLIENT_ID, MAX_MESSAGE_CHARACTERS
from conversations.triage import MAX_TAGS

REPLY, NOTE = "reply", "note"


def new_client_id() -> str:
    return "console-" + uuid.uuid4().hex


class ComposerForm(forms.Form):
    """``client_id`` is chosen when the box is rendered: a double submit stores one message."""

    kind = forms.ChoiceField(choices=[(REPLY, "Reply to the customer"), (NOTE, "Internal note")], initial=REPLY)
    text = forms.CharField(
        label="Message",
        max_length=MAX_MESSAGE_CHARACTERS,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write something first."},
    )
    client_id = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def clean_client_id(self) -> str:
        value = self.cleaned_data["client_id"]
        if not CLIENT_ID.fullmatch(value):
            raise ValidationError("Reload the page and try again.")
        return value

    def message(self) -> dict:
        """The service's arguments: ``text`` and ``client_id``."""
        return {"text": self.cleaned_data["text"], "client_id": self.cleaned_data["client_id"]}


class TriageForm(forms.Form):
    priority = forms.TypedChoiceField(
        choices=[(number, f"P{number}") for number in range(1, 6)], coerce=int, help_text="P1 is the most urgent."
    )
    tags = forms.CharField(
        required=False, max_length=MAX_TAGS * 52, help_text="Separated by commas.", widget=forms.TextInput()
    )
    topic = forms.CharField(required=False, max_length=100)

    def clean_tags(self) -> list[str]:
        tags = list(dict.fromkeys(tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()))
        if len(tags) > MAX_TAGS:
            raise ValidationError(f"At most {MAX_TAGS} tags.")
        if any(len(tag) > 50 for tag in tags):
            raise ValidationError("Keep each tag under 50 characters.")
        return tags

    def clean_topic(self) -> str:
        return self.cleaned_data["topic"].strip()
