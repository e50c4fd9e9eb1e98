"""Console pages of accounts, mounted under /w/<workspace_slug>/."""

from django.urls import path

from accounts.views import team, workspace_settings

urlpatterns = [
    path("team/", team.team, name="team"),
    path("team/invite/", team.team_invite, name="team_invite"),
    path("team/members/<int:membership_id>/role/", team.member_change_role, name="member_change_role"),
    path("team/members/<int:membership_id>/remove/", team.member_remove, name="member_remove"),
    path("team/invitations/<int:invitation_id>/revoke/", team.invitation_revoke, name="invitation_revoke"),
    path("team/invitations/<int:invitation_id>/resend/", team.invitation_resend, name="invitation_resend"),
    path("settings/", workspace_settings.workspace_settings, name="settings"),
    path("settings/widget/", workspace_settings.widget_settings, name="widget_settings"),
    path("settings/business-hours/", workspace_settings.business_hours_settings, name="business_hours_settings"),
    path("settings/identity-secret/reveal/", workspace_settings.identity_secret_reveal, name="identity_secret_reveal"),
    path("settings/identity-secret/rotate/", workspace_settings.identity_secret_rotate, name="identity_secret_rotate"),
    path("settings/api-keys/", workspace_settings.api_key_create, name="api_key_create"),
    path("settings/api-keys/<int:api_key_id>/revoke/", workspace_settings.api_key_revoke, name="api_key_revoke"),
]
