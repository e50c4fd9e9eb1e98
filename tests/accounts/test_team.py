"""The Team page's actions, through htmx partials and plain form posts alike."""

from django.urls import reverse

from accounts.models import Membership, Role
from tests.conftest import logged_in
from tests.factories import make_member

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_team_page_shows_members_roles_and_seats(owner_client, workspace, owner, agent, viewer):
    page = owner_client.get(reverse("team", args=[workspace.slug])).content.decode()
    for user in (owner, agent, viewer):
        assert user.email in page
    assert "<strong>3</strong> of 10 seats used" in page


def test_read_only_for_members_who_cannot_manage_the_team(workspace, agent, owner):
    page = logged_in(agent).get(reverse("team", args=[workspace.slug])).content.decode()
    assert owner.email in page
    assert "Invite someone" not in page
    assert 'name="role"' not in page


def test_change_role_returns_the_updated_section(owner_client, workspace, agent):
    membership = Membership.objects.get(user=agent)
    response = owner_client.post(
        reverse("member_change_role", args=[workspace.slug, membership.pk]), {"role": Role.VIEWER}, **HTMX
    )
    assert response.status_code == 200
    assert 'id="team-section"' in response.content.decode()
    assert "is now viewer." in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.VIEWER


def test_the_last_admin_cannot_be_demoted_or_removed(owner_client, workspace, owner):
    membership = Membership.objects.get(user=owner)
    for name, data in (("member_change_role", {"role": Role.AGENT}), ("member_remove", {})):
        response = owner_client.post(reverse(name, args=[workspace.slug, membership.pk]), data, **HTMX)
        assert response.status_code == 409
        assert "needs at least one admin" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_an_invalid_role_is_refused(owner_client, workspace, agent):
    membership = Membership.objects.get(user=agent)
    response = owner_client.post(
        reverse("member_change_role", args=[workspace.slug, membership.pk]), {"role": "god"}, **HTMX
    )
    assert response.status_code == 422
    assert Membership.objects.get(pk=membership.pk).role == Role.AGENT


def test_removing_a_member_ends_their_access(owner_client, workspace, agent):
    membership = Membership.objects.get(user=agent)
    response = owner_client.post(reverse("member_remove", args=[workspace.slug, membership.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert logged_in(agent).get(reverse("dashboard", args=[workspace.slug])).status_code == 404


def test_an_admin_can_leave_when_another_admin_remains(owner_client, workspace, owner):
    make_member(workspace=workspace, role=Role.ADMIN)
    membership = Membership.objects.get(user=owner)
    response = owner_client.post(reverse("member_remove", args=[workspace.slug, membership.pk]), **HTMX)
    assert response["HX-Redirect"] == reverse("home")
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_api_changes_and_removes_members_with_the_same_rules(client, workspace, owner, agent, api_key_for_role):
    from tests.conftest import bearer

    raw = api_key_for_role(Role.ADMIN)
    agent_membership = Membership.objects.get(user=agent)
    url = reverse("api_member", args=[agent_membership.pk])
    response = client.patch(url, data={"role": "viewer"}, content_type="application/json", **bearer(raw))
    assert response.json()["role"] == "viewer"
    owner_url = reverse("api_member", args=[Membership.objects.get(user=owner).pk])
    response = client.delete(owner_url, **bearer(raw))
    assert response.status_code == 409
    assert response.json()["code"] == "last_admin"
    assert client.delete(url, **bearer(raw)).status_code == 204
