"""Domain errors of escalations: a stable ``code`` for APIs and frames, a sentence for people."""

from accounts.errors import DomainError


class EscalationError(DomainError):
    pass


class RuleInvalid(EscalationError):
    """``errors`` maps a field (``name``, ``priority``, ``keywords``, ``patterns``…) to sentences."""

    code = "rule_invalid"
    status = 422

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.errors = errors or {"__all__": [message]}


class EscalationAlreadyClaimed(EscalationError):
    code = "escalation_already_claimed"
    status = 409


class EscalationClosed(EscalationError):
    """Resolved or handed back already: nothing more to do with it."""

    code = "escalation_closed"
    status = 409
