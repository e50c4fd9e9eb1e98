"""Domain errors of conversations: a stable ``code`` for frames and APIs, a sentence for people."""


class ConversationError(Exception):
    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
