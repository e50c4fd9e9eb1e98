"""The rule editor and the dry-run box. The conditions are edited as plain fields (one keyword
per line, an amount and its topic words, a turn limit…) and validated by the engine, whose
sentences land on the field they are about."""

from django import forms

from escalations import engine
from escalations.defaults import default_holding_message
from escalations.errors import RuleInvalid
from escalations.models import PRIORITY_CHOICES, EscalationRule, RuleAction

ONE_PER_LINE = "One per line."
CONFIDENCE_CHOICES = [
    ("", "No confidence condition"),
    ("prompt", "Below the active prompt version's threshold"),
    ("number", "Below this number:"),
]
# Where the engine's and the services' errors are shown.
ERROR_FIELDS = {
    "keywords": "keywords",
    "patterns": "patterns",
    "amount": "amount_over",
    "turns_at_least": "turns_at_least",
    "confidence_below": "confidence_below",
    "negative_sentiment": "negative_sentiment",
    "topics": "topics",
    "name": "name",
    "priority": "priority",
    "action": "action",
    "team": "team",
    "holding_message": "holding_message",
}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _words(text: str) -> list[str]:
    return [word.strip() for line in _lines(text) for word in line.split(",") if word.strip()]


def _textarea(rows: int = 3, **attrs):
    return forms.Textarea(attrs={"rows": rows, "spellcheck": "false", **attrs})


class RuleForm(forms.Form):
    name = forms.CharField(max_length=120)
    priority = forms.TypedChoiceField(choices=PRIORITY_CHOICES, coerce=int, initial=3, help_text="P1 is most urgent.")
    action = forms.ChoiceField(choices=RuleAction.choices, initial=RuleAction.ROUTE)
    team = forms.CharField(max_length=50, required=False, help_text="For route: the team, e.g. billing.")
    holding_message = forms.CharField(
        required=False,
        widget=_textarea(3, spellcheck="true"),
        help_text="What the customer is told while a person takes over. Empty: the default for the action.",
    )
    enabled = forms.BooleanField(required=False, initial=True)
    keywords = forms.CharField(
        label="Words or phrases",
        required=False,
        widget=_textarea(4),
        help_text="Any of them, as whole words; case is ignored. " + ONE_PER_LINE,
    )
    patterns = forms.CharField(
        label="Regular expressions",
        required=False,
        widget=_textarea(2),
        help_text="Python syntax, case is ignored, at most 500 characters each. A phrase or a pattern is enough. "
        + ONE_PER_LINE,
    )
    amount_over = forms.DecimalField(label="Amount over", required=False, min_value=0, decimal_places=2, max_digits=14)
    amount_currency = forms.CharField(
        label="Shown as", required=False, max_length=3, initial="$", help_text="Amounts in any currency count."
    )
    amount_topics = forms.CharField(
        label="Mentioned with", required=False, widget=_textarea(2), help_text="e.g. refund, money back."
    )
    human_request = forms.BooleanField(label="The customer asks for a person", required=False)
    negative_sentiment = forms.BooleanField(label="The message reads as angry or frustrated", required=False)
    topics = forms.CharField(
        label="Topic",
        required=False,
        widget=_textarea(2),
        help_text="The conversation's topic, its first message or this message mentions one of them.",
    )
    turns_at_least = forms.IntegerField(
        label="Customer messages without a resolution, at least", required=False, min_value=1, max_value=1000
    )
    confidence_mode = forms.ChoiceField(label="AI confidence", choices=CONFIDENCE_CHOICES, required=False)
    confidence_below = forms.DecimalField(
        label="Confidence below", required=False, min_value=0, max_value=1, decimal_places=2, max_digits=3
    )

    CONDITION_FIELDS = (
        "keywords",
        "patterns",
        "amount_over",
        "amount_currency",
        "amount_topics",
        "human_request",
        "negative_sentiment",
        "topics",
        "turns_at_least",
        "confidence_mode",
        "confidence_below",
    )

    @classmethod
    def for_rule(cls, rule: EscalationRule) -> "RuleForm":
        conditions = rule.conditions
        amount = conditions.get("amount") or {}
        confidence = conditions.get("confidence_below")
        initial = {
            "name": rule.name,
            "priority": rule.priority,
            "action": rule.action,
            "team": rule.team,
            "holding_message": rule.holding_message,
            "enabled": rule.enabled,
            "keywords": "\n".join(conditions.get("keywords", [])),
            "patterns": "\n".join(conditions.get("patterns", [])),
            "amount_over": amount.get("over"),
            "amount_currency": amount.get("currency", "$"),
            "amount_topics": ", ".join(amount.get("topics", [])),
            "human_request": bool(conditions.get("human_request")),
            "negative_sentiment": bool(conditions.get("negative_sentiment")),
            "topics": "\n".join(conditions.get("topics", [])),
            "turns_at_least": conditions.get("turns_at_least"),
            "confidence_mode": "" if confidence is None else ("prompt" if confidence == "prompt" else "number"),
            "confidence_below": None if confidence in (None, "prompt") else confidence,
        }
        return cls(initial=initial)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        action = self.data.get("action") or self.initial.get("action") or RuleAction.ROUTE
        self.fields["holding_message"].widget.attrs["placeholder"] = default_holding_message(action)

    def _conditions(self, data: dict) -> dict:
        conditions: dict = {}
        if _lines(data.get("keywords")):
            conditions["keywords"] = _lines(data["keywords"])
        if _lines(data.get("patterns")):
            conditions["patterns"] = _lines(data["patterns"])
        if data.get("amount_over") is not None or _words(data.get("amount_topics")):
            conditions["amount"] = {
                "over": data.get("amount_over"),
                "topics": _words(data.get("amount_topics")),
                "currency": data.get("amount_currency") or "$",
            }
        if data.get("human_request"):
            conditions["human_request"] = True
        if data.get("negative_sentiment"):
            conditions["negative_sentiment"] = True
        if _words(data.get("topics")):
            conditions["topics"] = _words(data["topics"])
        if data.get("turns_at_least") is not None:
            conditions["turns_at_least"] = data["turns_at_least"]
        if data.get("confidence_mode") == "prompt":
            conditions["confidence_below"] = "prompt"
        elif data.get("confidence_mode") == "number":
            conditions["confidence_below"] = data.get("confidence_below")
        return conditions

    def clean(self):
        data = super().clean()
        if data.get("confidence_mode") == "number" and data.get("confidence_below") is None:
            self.add_error("confidence_below", "Give the confidence, from 0 to 1.")
            return data
        try:
            data["conditions"] = engine.conditions_validate(self._conditions(data))
        except engine.ConditionsInvalid as error:
            self.errors_from(error.errors)
        return data

    def errors_from(self, errors: dict[str, list[str]]) -> None:
        """Sentences from the engine or a service, each on its field (or above the form)."""
        for key, sentences in errors.items():
            field = ERROR_FIELDS.get(key)
            for sentence in sentences:
                if field is not None and sentence in self.errors.get(field, []):
                    continue
                self.add_error(field, sentence)

    def add_rule_invalid(self, error: RuleInvalid) -> None:
        self.errors_from(error.errors)

    def rule_fields(self) -> dict:
        data = self.cleaned_data
        fields = ("name", "priority", "action", "team", "holding_message", "enabled", "conditions")
        return {field: data[field] for field in fields}

    def condition_fields(self):
        return [self[name] for name in self.CONDITION_FIELDS]

    def rule_setting_fields(self):
        return [self[name] for name in ("name", "priority", "action", "team", "holding_message", "enabled")]


class DryRunForm(forms.Form):
    text = forms.CharField(
        label="Sample message", max_length=4000, widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "true"})
    )
    turns = forms.IntegerField(label="Customer messages so far", required=False, min_value=0, max_value=1000, initial=1)
    confidence = forms.DecimalField(
        label="AI confidence",
        required=False,
        min_value=0,
        max_value=1,
        decimal_places=2,
        max_digits=3,
        help_text="Optional: also tries the rules that run after the AI replies.",
    )
    topic = forms.CharField(label="Conversation topic", required=False, max_length=100)

    def run_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data["text"],
            "turns": data["turns"] if data["turns"] is not None else 1,
            "confidence": float(data["confidence"]) if data["confidence"] is not None else None,
            "topic": data["topic"],
        }
