"""The rules page: admins only (agents and viewers 403, other workspaces 404), the rules in
order with their conditions, the editor with clear errors, enable/move/delete over htmx,
each rule's history, and the dry-run box."""

import pytest
from django.urls import reverse

from accounts.models import Role
from escalations import selectors
from escalations.models import EscalationDecision, EscalationRule
from tests.conftest import logged_in
from tests.factories import make_member

pytestmark = pytest.mark.django_db
ADMIN, AGENT, VIEWER = Role.ADMIN, Role.AGENT, Role.VIEWER
HTMX = {"HTTP_HX_REQUEST": "true"}

RULE_FORM = {
    "name": "Chargebacks",
    "priority": "1",
    "action": "stop",
    "team": "",
    "holding_message": "",
    "enabled": "on",
    "keywords": "chargeback\ndispute the charge",
    "patterns": "",
    "amount_over": "",
    "amount_currency": "$",
    "amount_topics": "",
    "topics": "",
    "turns_at_least": "",
    "confidence_mode": "",
    "confidence_below": "",
}


def _first_rule(workspace):
    return selectors.rules_of(workspace=workspace).first()


# (method, url name, needs a rule id, data)
ENDPOINTS = [
    ("get", "rules", False, None),
    ("get", "rule_new", False, None),
    ("post", "rule_new", False, RULE_FORM),
    ("get", "rule_edit", True, None),
    ("post", "rule_edit", True, RULE_FORM),
    ("get", "rule_history", True, None),
    ("post", "rule_set_enabled", True, {"enabled": "off"}),
    ("post", "rule_move", True, {"direction": "down"}),
    ("post", "rule_delete", True, {}),
    ("post", "rules_dry_run", False, {"text": "my lawyer", "turns": "1"}),
]


def _url(name, workspace, needs_rule, rule_workspace=None):
    kwargs = {"workspace_slug": workspace.slug}
    if needs_rule:
        kwargs["rule_id"] = _first_rule(rule_workspace or workspace).pk
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("role", [ADMIN, AGENT, VIEWER])
@pytest.mark.parametrize(("method", "name", "needs_rule", "data"), ENDPOINTS)
def test_only_admins_may_open_and_change_rules(workspace, role, method, name, needs_rule, data):
    client = logged_in(make_member(workspace=workspace, role=role).user)
    response = getattr(client, method)(_url(name, workspace, needs_rule), data or {})
    if role == ADMIN:
        assert response.status_code in (200, 302), response.content[:300]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(("method", "name", "needs_rule", "data"), ENDPOINTS)
def test_rules_of_another_workspace_are_404(workspace, outsider, other_workspace, method, name, needs_rule, data):
    client = logged_in(outsider)
    assert getattr(client, method)(_url(name, workspace, needs_rule), data or {}).status_code == 404
    if needs_rule:
        # Under the outsider's own workspace, with an id of ours: 404 as well, and nothing changes.
        url = _url(name, other_workspace, True, rule_workspace=workspace)
        assert getattr(client, method)(url, data or {}).status_code == 404
    rule = _first_rule(workspace)
    assert (rule.name, rule.enabled, rule.position, rule.deleted_at) == ("Legal or compliance mention", True, 1, None)


def test_anonymous_visitors_are_sent_to_log_in(client, workspace):
    response = client.get(reverse("rules", args=[workspace.slug]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_navigation_links_the_rules_page_for_admins_only(workspace, owner, agent):
    url = reverse("rules", args=[workspace.slug])
    page = logged_in(owner).get(reverse("dashboard", args=[workspace.slug])).content.decode()
    assert f'href="{url}"' in page
    assert "Escalation rules" in page
    page = logged_in(agent).get(reverse("dashboard", args=[workspace.slug])).content.decode()
    assert f'href="{url}"' not in page


def test_the_page_lists_rules_in_order_with_priority_action_and_conditions(owner_client, workspace):
    page = owner_client.get(reverse("rules", args=[workspace.slug])).content.decode()
    assert "<h1>Escalation rules</h1>" in page
    positions = [page.index(name) for name in ("Legal or compliance", "Refund over $200", "Customer asks for")]
    assert positions == sorted(positions)
    assert "When amount over $200 with refund, money back, reimburse and 4 more" in page
    assert "route to billing" in page
    assert "When asks for a person" in page
    assert "No rule matches" not in page


def test_create_a_rule(owner_client, workspace, owner):
    response = owner_client.post(reverse("rule_new", args=[workspace.slug]), RULE_FORM)
    assert response.status_code == 302
    rule = EscalationRule.objects.get(workspace=workspace, name="Chargebacks")
    assert (rule.priority, rule.action, rule.enabled, rule.created_by) == (1, "stop", True, owner)
    assert rule.conditions == {"keywords": ["chargeback", "dispute the charge"]}
    assert rule.versions.get().changed_by == owner


def test_a_bad_regular_expression_is_refused_with_a_sentence_naming_it(owner_client, workspace):
    data = {**RULE_FORM, "patterns": r"\bchargeback\b" + "\n(unclosed"}
    response = owner_client.post(reverse("rule_new", args=[workspace.slug]), data)
    assert response.status_code == 422
    page = response.content.decode()
    assert "The pattern “(unclosed” is not a valid regular expression: missing ), unterminated subpattern" in page
    assert not EscalationRule.objects.filter(name="Chargebacks").exists()


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        ({"keywords": ""}, "Give the rule at least one condition."),
        ({"name": ""}, "This field is required."),
        ({"patterns": "(a+)+"}, "repeats something that itself repeats without a bound"),
        ({"amount_over": "200"}, "Name the topic words an amount must come with"),
        ({"confidence_mode": "number"}, "Give the confidence, from 0 to 1."),
        ({"turns_at_least": "0"}, "Ensure this value is greater than or equal to 1."),
    ],
)
def test_other_mistakes_are_explained(owner_client, workspace, changes, sentence):
    response = owner_client.post(reverse("rule_new", args=[workspace.slug]), {**RULE_FORM, **changes})
    assert response.status_code == 422
    assert sentence in response.content.decode()


def test_edit_a_rule_and_see_the_change_in_its_history(owner_client, workspace):
    rule = selectors.rules_of(workspace=workspace)[1]
    edit = reverse("rule_edit", args=[workspace.slug, rule.pk])
    form = owner_client.get(edit).content.decode()
    assert "refund, money back, reimburse" in form
    data = {
        **RULE_FORM,
        "name": rule.name,
        "priority": "2",
        "action": "route",
        "team": "billing",
        "keywords": "",
        "amount_over": "300",
        "amount_topics": "refund, money back",
    }
    assert owner_client.post(edit, data).status_code == 302
    rule.refresh_from_db()
    assert rule.conditions["amount"] == {"over": 300.0, "topics": ["refund", "money back"], "currency": "$"}
    history = owner_client.get(reverse("rule_history", args=[workspace.slug, rule.pk])).content.decode()
    assert "amount over $200 → $300; amount topics removed: reimburse" in history
    assert "created: P2 route to billing" in history


def test_enable_toggle_over_htmx_returns_the_list(owner_client, workspace):
    rule = _first_rule(workspace)
    url = reverse("rule_set_enabled", args=[workspace.slug, rule.pk])
    response = owner_client.post(url, {"enabled": "off"}, **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.startswith('<section class="card" id="rules-list"')
    assert "“Legal or compliance mention” disabled." in page
    assert 'aria-pressed="false"' in page
    rule.refresh_from_db()
    assert rule.enabled is False
    owner_client.post(url, {"enabled": "on"}, **HTMX)
    rule.refresh_from_db()
    assert rule.enabled is True
    assert list(rule.versions.values_list("change", flat=True).order_by("number")) == ["created", "disabled", "enabled"]


def test_move_up_and_down_over_htmx(owner_client, workspace):
    legal, refund, *_ = selectors.rules_of(workspace=workspace)
    url = reverse("rule_move", args=[workspace.slug, refund.pk])
    response = owner_client.post(url, {"direction": "up"}, **HTMX)
    assert response.status_code == 200
    assert "“Refund over $200” moved up." in response.content.decode()
    assert [rule.pk for rule in selectors.rules_of(workspace=workspace)][:2] == [refund.pk, legal.pk]
    refused = owner_client.post(url, {"direction": "sideways"}, **HTMX)
    assert refused.status_code == 422
    assert "Move a rule up or down." in refused.content.decode()


def test_a_plain_post_redirects_with_a_notice(owner_client, workspace):
    rule = _first_rule(workspace)
    response = owner_client.post(reverse("rule_move", args=[workspace.slug, rule.pk]), {"direction": "down"})
    assert response.status_code == 302
    page = owner_client.get(response.url).content.decode()
    assert "“Legal or compliance mention” moved down." in page


def test_delete_hides_the_rule_but_keeps_its_history(owner_client, workspace):
    rule = _first_rule(workspace)
    response = owner_client.post(reverse("rule_delete", args=[workspace.slug, rule.pk]), **HTMX)
    assert "deleted. Its history is kept." in response.content.decode()
    assert (
        "Legal or compliance mention" not in owner_client.get(reverse("rules", args=[workspace.slug])).content.decode()
    )
    assert owner_client.get(reverse("rule_history", args=[workspace.slug, rule.pk])).status_code == 404
    assert rule.versions.count() == 2


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"text": "I'm calling my lawyer"}, ["<strong>Legal or compliance mention</strong> would trigger", "stop"]),
        ({"text": "Refund my $250 please"}, ["Refund of $250 is over the $200 limit.", "<mark>$250</mark>"]),
        ({"text": "refund my $150 please"}, ["No rule matches: the AI answers."]),
        ({"text": "The API errors again", "turns": "6"}, ["Technical question unresolved after 6 turns"]),
        ({"text": "The API errors again", "turns": "2"}, ["No rule matches: the AI answers."]),
    ],
)
def test_dry_run_says_which_rule_would_trigger_and_why(owner_client, workspace, data, expected):
    response = owner_client.post(reverse("rules_dry_run", args=[workspace.slug]), data, **HTMX)
    assert response.status_code == 200
    page = response.content.decode()
    for text in expected:
        assert text in page
    assert not EscalationDecision.objects.exists()


def test_dry_run_with_a_confidence_tries_the_after_reply_rules(owner_client, workspace, owner):
    owner_client.post(
        reverse("rule_new", args=[workspace.slug]),
        {**RULE_FORM, "name": "Unsure", "keywords": "", "action": "offer", "confidence_mode": "prompt"},
    )
    url = reverse("rules_dry_run", args=[workspace.slug])
    page = owner_client.post(url, {"text": "How do I export?", "confidence": "0.2"}, **HTMX).content.decode()
    assert "<strong>Unsure</strong> would trigger" in page
    assert "after the AI replies" in page
    assert "The AI&#x27;s confidence 0.20 is below the threshold of the active prompt version (0.40)." in page


def test_dry_run_without_a_message_is_a_422_with_the_form(owner_client, workspace):
    response = owner_client.post(reverse("rules_dry_run", args=[workspace.slug]), {"text": ""}, **HTMX)
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    full = owner_client.post(reverse("rules_dry_run", args=[workspace.slug]), {"text": ""})
    assert full.status_code == 422
    assert "<h1>Escalation rules</h1>" in full.content.decode()
