"""Domain errors. Each has a stable ``code`` for APIs and frames, an HTTP ``status`` and a
sentence for people; views and APIs turn them into 4xx responses, never a 500.

``DomainError`` is the base every app's errors derive from (every app may import accounts),
so the API's exception handler answers all of them the same way."""


class DomainError(Exception):
    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status


class AccountsError(DomainError):
    pass


class SeatLimitReached(AccountsError):
    code = "seat_limit_reached"
    status = 409


class LastAdmin(AccountsError):
    code = "last_admin"
    status = 409


class AlreadyMember(AccountsError):
    code = "already_member"
    status = 409


class InvitationInvalid(AccountsError):
    """Expired, used, revoked, unknown, for another workspace or for another address."""

    code = "invitation_invalid"
    status = 410
