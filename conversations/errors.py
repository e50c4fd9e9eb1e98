"""Domain errors of conversations: a stable ``code`` for frames and APIs, a sentence for people."""

from accounts.errors import DomainError


class ConversationError(DomainError):
    pass
