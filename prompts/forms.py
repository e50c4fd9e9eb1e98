from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from prompts.examples import examples_from_text, examples_to_text
from prompts.models import PromptVersion

MAX_SYSTEM_PROMPT_CHARACTERS = 20_000


class PromptVersionForm(forms.ModelForm):
    """The editor. Few-shot examples are edited as "Customer:" / "Assistant:" text."""

    examples_text = forms.CharField(
        label="Few-shot examples",
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "true"}),
        help_text="Pairs of “Customer: …” then “Assistant: …”, separated by a blank line.",
    )

    class Meta:
        model = PromptVersion
        # The version's content, with the examples edited as text, then the note.
        fields = [*("examples_text" if name == "examples" else name for name in PromptVersion.CONTENT_FIELDS), "note"]
        widgets = {
            "system_prompt": forms.Textarea(attrs={"rows": 14, "spellcheck": "true"}),
            "primary_model": forms.TextInput(attrs={"list": "known-models"}),
            "fallback_model": forms.TextInput(attrs={"list": "known-models"}),
        }

    def __init__(self, *args, base: PromptVersion | None = None, **kwargs):
        if base is not None and "initial" not in kwargs and not args:
            kwargs["initial"] = {field: getattr(base, field) for field in PromptVersion.CONTENT_FIELDS}
            kwargs["initial"]["examples_text"] = examples_to_text(base.examples)
        super().__init__(*args, **kwargs)
        self.fields["note"].required = False

    def clean_system_prompt(self):
        text = self.cleaned_data["system_prompt"].strip()
        if len(text) > MAX_SYSTEM_PROMPT_CHARACTERS:
            raise ValidationError(f"Keep the system prompt under {MAX_SYSTEM_PROMPT_CHARACTERS:,} characters.")
        return text

    def clean_examples_text(self):
        return examples_from_text(self.cleaned_data.get("examples_text") or "")

    def version_fields(self) -> dict:
        """The cleaned data as PromptVersion fields."""
        data = dict(self.cleaned_data)
        data["examples"] = data.pop("examples_text")
        return data

    def draft(self, workspace) -> PromptVersion:
        """An unsaved version for the preview and the sandbox."""
        return PromptVersion(workspace=workspace, number=0, **self.version_fields())

    @staticmethod
    def known_models() -> list[str]:
        return sorted(model for model in settings.MODEL_PRICES if model != "offline")


class SandboxForm(PromptVersionForm):
    question = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    class Meta(PromptVersionForm.Meta):
        fields = [*PromptVersionForm.Meta.fields, "question"]

    def version_fields(self) -> dict:
        data = super().version_fields()
        data.pop("question", None)
        return data


class CompareForm(forms.Form):
    old = forms.IntegerField(min_value=1)
    new = forms.IntegerField(min_value=1)
