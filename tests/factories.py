"""Small builders for test data; each returns a saved object."""

import itertools

from accounts import services
from accounts.models import ApiKey, Invitation, Membership, Role, User, Workspace

_counter = itertools.count(1)
PASSWORD = "correct horse battery staple"


def make_user(*, email: str | None = None, name: str = "", password: str = PASSWORD) -> User:
    number = next(_counter)
    return User.objects.create_user(
        email=email or f"person{number}@example.com", password=password, name=name or f"Person {number}"
    )


def make_workspace(*, name: str | None = None, seat_limit: int = 10, **fields) -> Workspace:
    number = next(_counter)
    return Workspace.objects.create(
        name=name or f"Company {number}", slug=f"company-{number}", seat_limit=seat_limit, **fields
    )


def make_member(*, workspace: Workspace, role: str = Role.AGENT, user: User | None = None) -> Membership:
    return Membership.objects.create(workspace=workspace, user=user or make_user(), role=role)


def make_api_key(*, workspace: Workspace, role: str = Role.ADMIN, name: str = "Backend") -> tuple[ApiKey, str]:
    return services.api_key_create(workspace=workspace, created_by=None, name=name, role=role)


def make_invitation(*, workspace: Workspace, email: str | None = None, role: str = Role.AGENT) -> Invitation:
    return services.invitation_create(
        workspace=workspace, invited_by=None, email=email or f"invitee{next(_counter)}@example.com", role=role
    )
