from datetime import date, datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from conversations.models import Channel, ConversationStatus
from conversations.selectors import ConversationFilters


class DateInput(forms.DateInput):
    input_type = "date"


class ConversationFilterForm(forms.Form):
    """The history list's filters, read from the query string; every field may be empty."""

    q = forms.CharField(
        label="Search messages",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": 'e.g. refund "annual plan" -trial'}),
    )
    status = forms.ChoiceField(choices=[("", "Any status"), *ConversationStatus.choices], required=False)
    channel = forms.ChoiceField(choices=[("", "Any channel"), *Channel.choices], required=False)
    tag = forms.CharField(max_length=50, required=False, widget=forms.TextInput(attrs={"list": "conversation-tags"}))
    topic = forms.CharField(
        max_length=100, required=False, widget=forms.TextInput(attrs={"list": "conversation-topics"})
    )
    dates = forms.ChoiceField(
        label="Date of",
        choices=[("started", "Start"), ("last_message", "Last message")],
        required=False,
    )
    since = forms.DateField(label="From", required=False, widget=DateInput)
    until = forms.DateField(label="To", required=False, widget=DateInput)

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise ValidationError("The “From” date is after the “To” date.")
        return cleaned

    def filters(self) -> ConversationFilters:
        """The filters for the selector; the dates are whole days in the server's time zone."""
        data = self.cleaned_data
        after = _day_start(data["since"]) if data.get("since") else None
        # The end of the "To" day; the last representable day has no next one.
        until = data.get("until")
        before = _day_start(until + timedelta(days=1)) if until and until < date.max else None
        by_last_message = data.get("dates") == "last_message"
        return ConversationFilters(
            status=data["status"],
            channel=data["channel"],
            tag=data["tag"].strip(),
            topic=data["topic"].strip(),
            started_after=None if by_last_message else after,
            started_before=None if by_last_message else before,
            last_message_after=after if by_last_message else None,
            last_message_before=before if by_last_message else None,
            search=data["q"].strip(),
        )


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
