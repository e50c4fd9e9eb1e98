"""REST API for the workspace and its team, authenticated by workspace API keys."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import access, selectors, services
from accounts.api_auth import key_can
from accounts.models import Invitation, Membership, Role, Workspace
from chatassist.api_schema import error_response

LAST_ADMIN = error_response("`last_admin`: the workspace would be left without an admin.")


class WorkspaceApi(APIView):
    @extend_schema_serializer(component_name="Workspace")
    class OutputSerializer(serializers.ModelSerializer):
        seats_used = serializers.SerializerMethodField()

        class Meta:
            model = Workspace
            fields = ["id", "name", "slug", "public_key", "allowed_origins", "seat_limit", "seats_used", "created_at"]

        def get_seats_used(self, workspace) -> int:
            return selectors.seats_used(workspace=workspace)

    @extend_schema(responses=OutputSerializer)
    def get(self, request):
        return Response(self.OutputSerializer(request.workspace).data)


class MemberOutputSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")

    class Meta:
        model = Membership
        fields = ["id", "email", "name", "role", "created_at"]


class MemberListApi(generics.ListAPIView):
    serializer_class = MemberOutputSerializer

    def get_queryset(self):
        return selectors.members_of(workspace=self.request.workspace)


class MemberDetailApi(APIView):
    permission_classes = [*APIView.permission_classes, key_can("can_manage_team")]

    @extend_schema_serializer(component_name="MemberRoleChange")
    class InputSerializer(serializers.Serializer):
        role = serializers.ChoiceField(choices=Role.choices)

    @extend_schema(responses=MemberOutputSerializer)
    def get(self, request, member_id: int):
        return Response(MemberOutputSerializer(access.member_for(request.workspace, member_id)).data)

    @extend_schema(request=InputSerializer, responses={200: MemberOutputSerializer, 409: LAST_ADMIN})
    def patch(self, request, member_id: int):
        membership = access.member_for(request.workspace, member_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_change_role(membership=membership, role=serializer.validated_data["role"])
        return Response(MemberOutputSerializer(membership).data)

    @extend_schema(responses={204: None, 409: LAST_ADMIN})
    def delete(self, request, member_id: int):
        services.membership_remove(membership=access.member_for(request.workspace, member_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationOutputSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "created_at", "expires_at"]


class InvitationListApi(generics.ListAPIView):
    permission_classes = [*APIView.permission_classes, key_can("can_manage_team", write_only=False)]

    @extend_schema_serializer(component_name="InvitationCreate")
    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        role = serializers.ChoiceField(choices=Role.choices)

    serializer_class = InvitationOutputSerializer

    def get_queryset(self):
        return selectors.invitations_pending(workspace=self.request.workspace).order_by("-created_at", "-pk")

    @extend_schema(
        request=InputSerializer,
        responses={
            201: InvitationOutputSerializer,
            409: error_response(
                "`already_member`, `already_invited`, or `seat_limit_reached` when members and pending "
                "invitations take every seat."
            ),
        },
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            workspace=request.workspace, invited_by=None, **serializer.validated_data
        )
        return Response(InvitationOutputSerializer(invitation).data, status=status.HTTP_201_CREATED)


def _pending_invitation(workspace: Workspace, invitation_id: int) -> Invitation:
    """The API's invitations are the pending ones, as in the list: once revoked (deleted),
    accepted or expired, one is gone from here."""
    invitation = access.invitation_for(workspace, invitation_id)
    if not invitation.is_pending:
        raise Http404("No such invitation.")
    return invitation


class InvitationDetailApi(APIView):
    permission_classes = [*APIView.permission_classes, key_can("can_manage_team", write_only=False)]

    @extend_schema(responses=InvitationOutputSerializer)
    def get(self, request, invitation_id: int):
        return Response(InvitationOutputSerializer(_pending_invitation(request.workspace, invitation_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, invitation_id: int):
        services.invitation_revoke(invitation=_pending_invitation(request.workspace, invitation_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
