"""Domain errors raised by account services. Each has a stable ``code`` for APIs and a
sentence for people; views and APIs turn them into 4xx responses, never a 500."""


class AccountsError(Exception):
    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


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
