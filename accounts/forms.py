from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts.business_hours import WEEKDAYS, format_day, parse_day, timezone_choices
from accounts.models import Role, WidgetLanguage, hex_colour, normalize_email
from accounts.origins import parse_origins


class EmailAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That e-mail address and password do not match an account. Passwords are case-sensitive.",
    }
    username = forms.EmailField(
        label="E-mail", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean_username(self):
        return normalize_email(self.cleaned_data["username"])


PASSWORD_RULES_HELP = "At least 10 characters; not a common password, not only digits, not like your name or e-mail."  # noqa: S105 - help text, not a password


class NewPasswordMixin:
    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class SignUpForm(NewPasswordMixin, forms.Form):
    name = forms.CharField(max_length=150, label="Your name")
    email = forms.EmailField(label="Work e-mail", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False, help_text=PASSWORD_RULES_HELP
    )
    workspace_name = forms.CharField(max_length=120, label="Company or workspace name")

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])


class AcceptWithSignUpForm(NewPasswordMixin, forms.Form):
    name = forms.CharField(max_length=150, label="Your name")
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False, help_text=PASSWORD_RULES_HELP
    )


class WorkspaceCreateForm(forms.Form):
    name = forms.CharField(max_length=120, label="Workspace name")


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.AGENT)

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class WorkspaceSettingsForm(forms.Form):
    name = forms.CharField(max_length=120, label="Workspace name")
    allowed_origins = forms.CharField(
        required=False,
        label="Allowed widget origins",
        help_text="One per line, e.g. https://app.example.com. The widget refuses to load anywhere else.",
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )

    def clean_allowed_origins(self):
        try:
            origins = parse_origins(self.cleaned_data["allowed_origins"])
        except ValidationError:
            raise
        if len(origins) > 50:
            raise ValidationError("At most 50 origins; use fewer, broader ones.")
        return origins


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=80, label="Name", help_text="What uses this key, e.g. “Billing backend”.")
    role = forms.ChoiceField(
        choices=Role.choices,
        initial=Role.AGENT,
        help_text="The key can do what a member with this role can do.",
    )


MAX_SUGGESTIONS = 4
MAX_SUGGESTION_LENGTH = 80


class WidgetSettingsForm(forms.Form):
    """How the widget looks and greets customers (served by GET /api/chat/config)."""

    widget_color = forms.CharField(
        label="Colour",
        max_length=7,
        validators=[hex_colour],
        help_text="The launcher, header and your customers' bubbles; text on it turns dark or light to stay readable.",
        widget=forms.TextInput(attrs={"type": "color", "class": "input-colour"}),
    )
    widget_language = forms.ChoiceField(
        label="Language",
        choices=WidgetLanguage.choices,
        help_text="Of the widget's own buttons and messages. The assistant answers in the customer's language.",
    )
    widget_welcome_message = forms.CharField(
        label="Welcome message",
        max_length=300,
        required=False,
        help_text="Shown at the top of every new conversation. Markdown links and **bold** work.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    widget_suggestions = forms.CharField(
        label="Suggested questions",
        required=False,
        help_text=f"One per line, at most {MAX_SUGGESTIONS}, each up to {MAX_SUGGESTION_LENGTH} characters. "
        "Offered as buttons before the first message.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    widget_show_branding = forms.BooleanField(label="Show “Powered by ChatAssist”", required=False)

    def clean_widget_color(self):
        return self.cleaned_data["widget_color"].lower()

    def clean_widget_suggestions(self):
        suggestions = [line.strip() for line in self.cleaned_data["widget_suggestions"].splitlines() if line.strip()]
        if len(suggestions) > MAX_SUGGESTIONS:
            raise ValidationError(
                f"At most {MAX_SUGGESTIONS} suggestions; you wrote {len(suggestions)}. Keep the ones asked most."
            )
        for number, suggestion in enumerate(suggestions, start=1):
            if len(suggestion) > MAX_SUGGESTION_LENGTH:
                raise ValidationError(
                    f"Suggestion {number} is {len(suggestion)} characters long; "
                    f"keep each to {MAX_SUGGESTION_LENGTH} at most."
                )
        return suggestions


class BusinessHoursForm(forms.Form):
    """When a person can answer, one text field per weekday (``hours_0`` is Monday), and what
    customers are told outside those hours. ``cleaned_data`` holds exactly the arguments of
    ``services.workspace_update_business_hours``."""

    business_hours_enabled = forms.BooleanField(
        label="Use business hours",
        required=False,
        help_text="Off: the team always counts as in, and customers are told the usual reply time.",
    )
    timezone = forms.ChoiceField(label="Time zone", help_text="The hours below are wall-clock times in this zone.")
    after_hours_message = forms.CharField(
        label="After-hours message",
        max_length=1000,
        help_text="Sent to a customer who asks for a person outside business hours.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    human_reply_expectation_minutes = forms.IntegerField(
        label="Typical reply time (minutes)",
        min_value=1,
        max_value=1440,
        help_text="Inside business hours customers read “A person usually replies within 5 minutes.”",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(name, name) for name in timezone_choices()]
        # Declared here, after the fields above, so that the days render as rows of their own.
        for weekday, day in enumerate(WEEKDAYS):
            self.fields[f"open_{weekday}"] = forms.BooleanField(label=f"Open on {day}", required=False)
            self.fields[f"hours_{weekday}"] = forms.CharField(
                label=f"{day} hours",
                required=False,
                max_length=200,
                widget=forms.TextInput(attrs={"placeholder": "09:00-12:00, 13:00-17:00", "spellcheck": "false"}),
            )

    @classmethod
    def for_workspace(cls, workspace) -> "BusinessHoursForm":
        initial = {
            "business_hours_enabled": workspace.business_hours_enabled,
            "timezone": workspace.timezone,
            "after_hours_message": workspace.after_hours_message,
            "human_reply_expectation_minutes": workspace.human_reply_expectation_minutes,
        }
        for weekday, intervals in enumerate(workspace.business_hours):
            initial[f"open_{weekday}"] = bool(intervals)
            initial[f"hours_{weekday}"] = format_day(intervals)
        return cls(initial=initial)

    def days(self) -> list[dict]:
        """One row per weekday for the template: its name and its two fields."""
        return [
            {"name": day, "open": self[f"open_{weekday}"], "hours": self[f"hours_{weekday}"]}
            for weekday, day in enumerate(WEEKDAYS)
        ]

    def clean(self):
        cleaned = super().clean()
        week = []
        for weekday, day in enumerate(WEEKDAYS):
            is_open, text = cleaned.pop(f"open_{weekday}", False), cleaned.pop(f"hours_{weekday}", None)
            if text is None:  # the field's own error is already shown
                continue
            if not is_open:
                week.append([])  # closed: whatever is written beside it is not kept
                continue
            if not text.strip():
                self.add_error(
                    f"hours_{weekday}",
                    f"{day} is ticked open but has no hours; write them like 09:00-17:00, or untick it.",
                )
                continue
            try:
                week.append(parse_day(text, weekday=weekday))
            except ValidationError as error:
                self.add_error(f"hours_{weekday}", error)
        if len(week) == len(WEEKDAYS):
            if cleaned.get("business_hours_enabled") and not any(week):
                raise ValidationError(
                    "Business hours are on, but every day is closed: customers would always be told the team is "
                    "away. Open at least one day, or turn business hours off."
                )
            cleaned["business_hours"] = week
        return cleaned
