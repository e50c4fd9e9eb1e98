"""REST API of accounts, mounted under /api/v1/."""

from django.urls import path

from accounts import apis

urlpatterns = [
    path("workspace/", apis.WorkspaceApi.as_view(), name="api_workspace"),
    path("members/", apis.MemberListApi.as_view(), name="api_members"),
    path("members/<int:member_id>/", apis.MemberDetailApi.as_view(), name="api_member"),
    path("invitations/", apis.InvitationListApi.as_view(), name="api_invitations"),
    path("invitations/<int:invitation_id>/", apis.InvitationDetailApi.as_view(), name="api_invitation"),
]
