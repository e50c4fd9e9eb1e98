"""Settings → Widget: colour, language, welcome message, suggestions and branding, by admins
only; the snippet to copy; the identity secret stays masked."""

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.models import WidgetLanguage
from tests.conftest import logged_in

VALID = {
    "widget_color": "#0F766E",
    "widget_language": WidgetLanguage.FRENCH,
    "widget_welcome_message": "Bonjour ! Posez-nous vos questions.",
    "widget_suggestions": "Où est ma facture ?\n\n  Changer de mot de passe  \n",
    "widget_show_branding": "",
}


def post_widget(client, workspace, data, **headers):
    return client.post(reverse("widget_settings", args=[workspace.slug]), data, **headers)


def test_admin_saves_the_widget_settings(owner_client, workspace):
    response = post_widget(owner_client, workspace, VALID)
    assert response.status_code == 302
    assert response["Location"].endswith("/settings/#widget")
    workspace.refresh_from_db()
    assert workspace.widget_color == "#0f766e"
    assert workspace.widget_language == "fr"
    assert workspace.widget_welcome_message == "Bonjour ! Posez-nous vos questions."
    assert workspace.widget_suggestions == ["Où est ma facture ?", "Changer de mot de passe"]
    assert workspace.widget_show_branding is False


def test_saving_over_htmx_answers_the_section_with_a_notice(owner_client, workspace):
    response = post_widget(owner_client, workspace, {**VALID, "widget_show_branding": "on"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Widget settings saved" in response.content.decode()
    workspace.refresh_from_db()
    assert workspace.widget_show_branding is True


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("widget_color", "indigo", "Write the colour as #RRGGBB"),
        ("widget_color", "#12345g", "Write the colour as #RRGGBB"),
        ("widget_suggestions", "one\ntwo\nthree\nfour\nfive", "At most 4 suggestions; you wrote 5."),
        ("widget_suggestions", "short\n" + "x" * 81, "Suggestion 2 is 81 characters long; keep each to 80 at most."),
        ("widget_welcome_message", "w" * 301, "at most 300 characters"),
        ("widget_language", "klingon", "Select a valid choice"),
    ],
)
def test_invalid_widget_settings_are_refused_with_a_clear_error(owner_client, workspace, field, value, message):
    response = post_widget(owner_client, workspace, {**VALID, field: value})
    assert response.status_code == 422
    assert message in response.content.decode()
    workspace.refresh_from_db()
    assert (workspace.widget_color, workspace.widget_language, workspace.widget_suggestions) == ("#4f46e5", "en", [])


def test_four_suggestions_of_eighty_characters_are_fine(owner_client, workspace):
    suggestions = ["a" * 80, "b" * 80, "c", "d"]
    assert (
        post_widget(owner_client, workspace, {**VALID, "widget_suggestions": "\n".join(suggestions)}).status_code == 302
    )
    workspace.refresh_from_db()
    assert workspace.widget_suggestions == suggestions


@pytest.mark.parametrize("role_user", ["agent", "viewer"])
def test_agents_and_viewers_cannot_change_the_widget(request, workspace, role_user):
    client = logged_in(request.getfixturevalue(role_user))
    assert post_widget(client, workspace, VALID).status_code == 403
    assert client.get(reverse("settings", args=[workspace.slug])).status_code == 403
    workspace.refresh_from_db()
    assert workspace.widget_language == "en"


def test_an_outsider_cannot_see_the_workspace(outsider, workspace):
    assert post_widget(logged_in(outsider), workspace, VALID).status_code == 404


@override_settings(PUBLIC_URL="https://chat.acme.example")
def test_the_page_shows_the_snippet_and_keeps_the_identity_secret_masked(owner_client, workspace):
    page = owner_client.get(reverse("settings", args=[workspace.slug])).content.decode()
    snippet = (
        f"&lt;script src=&quot;https://chat.acme.example/static/widget/chatassist.js&quot; "
        f"data-key=&quot;{workspace.public_key}&quot; async&gt;&lt;/script&gt;"
    )
    assert snippet in page
    assert "hmac.new(secret" in page and 'createHmac("sha256"' in page
    assert workspace.identity_secret not in page
    assert 'value="#4f46e5"' in page
