from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

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
