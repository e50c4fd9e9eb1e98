from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from knowledge import extraction
from knowledge.errors import ExtractionError
from knowledge.extraction.faq import FORMAT_HINT, parse_faq

FAQ_EXAMPLE = (
    "Q: How do I download an invoice?\nA: Go to Settings → Billing → Invoices and click Download.\n\nQ: …\nA: …"
)


class DocumentUploadForm(forms.Form):
    file = forms.FileField(
        label="File",
        error_messages={
            "required": "Choose a file to upload.",
            "empty": extraction.EMPTY_FILE,
        },
    )
    title = forms.CharField(
        max_length=200, required=False, help_text="Optional; otherwise the document's own heading or its file name."
    )

    def __init__(self, *args, **kwargs):
        # Two forms share the page: their fields need ids of their own.
        kwargs.setdefault("auto_id", "upload_%s")
        super().__init__(*args, **kwargs)
        limit = filesizeformat(settings.KNOWLEDGE_MAX_UPLOAD_BYTES)
        self.fields[
            "file"
        ].help_text = f"Markdown, plain text, HTML or PDF, up to {limit}. The type is read from the content."
        self.content = b""

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        limit = settings.KNOWLEDGE_MAX_UPLOAD_BYTES
        if uploaded.size > limit:
            raise ValidationError(
                f"This file is {filesizeformat(uploaded.size)}; the limit is {filesizeformat(limit)}. "
                "Split it into smaller documents, or export only the pages you need."
            )
        self.content = uploaded.read()
        try:
            extraction.detect_kind(self.content, file_name=uploaded.name)
        except ExtractionError as error:
            raise ValidationError(error.message) from error
        return uploaded


class FaqForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="E.g. “Billing FAQ”.")
    text = forms.CharField(
        label="Questions and answers",
        max_length=200_000,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "placeholder": FAQ_EXAMPLE}),
        help_text=FORMAT_HINT + " An answer may run over several lines; each pair becomes its own passage.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "faq_%s")
        super().__init__(*args, **kwargs)

    def clean_text(self):
        text = self.cleaned_data["text"]
        try:
            parse_faq(text)
        except ExtractionError as error:
            raise ValidationError(error.message) from error
        return text


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Question",
        max_length=500,
        error_messages={"required": "Type a question, as a customer would ask it."},
        widget=forms.TextInput(attrs={"placeholder": "e.g. How do I get a refund?", "type": "search"}),
    )
