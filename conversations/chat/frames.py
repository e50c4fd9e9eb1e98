"""Client frames, validated before anything acts on them (docs/protocol.md).

``frame_parse`` turns a decoded JSON value into a ``Frame`` or raises ``FrameError`` with
the protocol's code and a sentence; the socket stays open and answers with ``error``."""

from dataclasses import dataclass

from chatassist.storable_text import unstorable_field
from conversations.errors import ConversationError
from conversations.services import CLIENT_ID, MAX_CSAT_COMMENT, MAX_MESSAGE_CHARACTERS

MAX_FRAME_BYTES = 64 * 1024
MAX_ATTACHMENTS_PER_MESSAGE = 5
MAX_ID = 2**63 - 1
MAX_EXTERNAL_ID = 255


class FrameError(ConversationError):
    code = "invalid_frame"


@dataclass(frozen=True)
class Frame:
    type: str
    conversation_id: int | None = None
    client_id: str = ""
    text: str = ""
    attachment_ids: tuple[int, ...] = ()
    after_seq: int = 0
    seq: int = 0
    on: bool = False
    score: int = 0
    comment: str = ""
    visitor_token: str = ""
    identity: dict | None = None
    name: str = ""
    email: str = ""
    locale: str = ""


def _integer(content: dict, name: str, *, required: bool = True, minimum: int = 0) -> int | None:
    value = content.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_ID:
        raise FrameError(f"“{name}” must be a whole number of at least {minimum}.")
    return value


def _string(content: dict, name: str, *, limit: int, required: bool = False) -> str:
    value = content.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise FrameError(f"“{name}” must be a string.")
    if len(value) > limit:
        raise FrameError(f"“{name}” is longer than {limit:,} characters.")
    return value


def _message_send(content: dict) -> Frame:
    client_id = content.get("client_id")
    if not isinstance(client_id, str) or not CLIENT_ID.fullmatch(client_id):
        raise FrameError("Each message needs a client_id of 1–64 letters, digits or _ . : -.", code="invalid_client_id")
    text = content.get("text", "")
    if not isinstance(text, str):
        raise FrameError("“text” must be a string.")
    attachment_ids = content.get("attachment_ids")
    attachment_ids = [] if attachment_ids is None else attachment_ids
    if (
        not isinstance(attachment_ids, list)
        or len(attachment_ids) > MAX_ATTACHMENTS_PER_MESSAGE
        or not all(isinstance(i, int) and not isinstance(i, bool) and 0 < i <= MAX_ID for i in attachment_ids)
    ):
        raise FrameError(f"“attachment_ids” must be a list of at most {MAX_ATTACHMENTS_PER_MESSAGE} attachment ids.")
    # Checked here, not only where a new message is stored: a client id already used does not
    # make an invalid message valid (a re-send repeats the body that was accepted).
    if len(text) > MAX_MESSAGE_CHARACTERS:
        raise FrameError(
            f"The message is too long: at most {MAX_MESSAGE_CHARACTERS:,} characters.",
            code="message_too_long",
            status=413,
        )
    if not text.strip() and not attachment_ids:
        raise FrameError("The message is empty.", code="empty_message")
    contact_check(content.get("contact"))
    return Frame(
        type="message.send",
        conversation_id=_integer(content, "conversation_id", required=False, minimum=1),
        client_id=client_id,
        text=text,
        attachment_ids=tuple(attachment_ids),
    )


def contact_check(contact) -> None:
    """``contact`` (POST /api/chat): required with an API key; from a widget it is ignored, but
    one that is there must still be well formed, for every caller alike."""
    if contact is None:
        return
    external_id = contact.get("external_id") if isinstance(contact, dict) else None
    if not isinstance(external_id, str) or not external_id.strip() or len(external_id) > MAX_EXTERNAL_ID:
        raise FrameError("“contact.external_id” is required: your user's id, as a string.", code="invalid_contact")


def _hello(content: dict) -> Frame:
    identity = content.get("identity")
    if identity is not None and not isinstance(identity, dict):
        raise FrameError("“identity” must be an object.", code="identity_invalid")
    return Frame(
        type="hello",
        visitor_token=_string(content, "visitor_token", limit=500),
        identity=identity,
        name=_string(content, "name", limit=200),
        email=_string(content, "email", limit=254),
        locale=_string(content, "locale", limit=20),
    )


def _on(content: dict) -> bool:
    value = content.get("on")
    if not isinstance(value, bool):
        raise FrameError("“on” must be true or false.")
    return value


def _score(content: dict) -> int:
    score = content.get("score")
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise FrameError("“score” must be a whole number from 1 to 5.", code="invalid_score")
    return score


PARSERS = {
    "hello": _hello,
    "message.send": _message_send,
    "resume": lambda c: Frame(
        type="resume",
        conversation_id=_integer(c, "conversation_id", minimum=1),
        after_seq=_integer(c, "after_seq", required=False) or 0,
    ),
    "typing": lambda c: Frame(type="typing", conversation_id=_integer(c, "conversation_id", minimum=1), on=_on(c)),
    "read": lambda c: Frame(
        type="read", conversation_id=_integer(c, "conversation_id", minimum=1), seq=_integer(c, "seq", minimum=1)
    ),
    "resolve": lambda c: Frame(type="resolve", conversation_id=_integer(c, "conversation_id", minimum=1)),
    "csat": lambda c: Frame(
        type="csat",
        conversation_id=_integer(c, "conversation_id", minimum=1),
        score=_score(c),
        comment=_string(c, "comment", limit=MAX_CSAT_COMMENT).strip(),
    ),
    "ping": lambda c: Frame(type="ping"),
}


def unstorable_text_refuse(content) -> None:
    """Every string of a frame or HTTP body, once, before any field is read: NUL and half a
    surrogate pair cannot be stored (chatassist/storable_text.py). Refused rather than
    cleaned, whatever the field: the customer learns their message was not sent, and a name
    or an id is never silently changed into another."""
    field = unstorable_field(content)
    if field == "text":
        raise FrameError(
            "This message contains a character that cannot be sent (half of an emoji, or a NUL). "
            "Remove it and send the message again.",
            code="invalid_text",
        )
    if field is not None:
        raise FrameError(
            f"“{field}” contains a character that cannot be stored: a NUL, or half of an emoji (a lone surrogate).",
            code="invalid_text",
        )


# What the parsers (and ``contact`` in POST /api/chat) read; anything else in a frame is ignored,
# whatever it holds, so that a newer client's fields do not break an older server.
READ_FIELDS = {name for name in Frame.__dataclass_fields__} | {"type", "contact"}
READ_SUBFIELDS = {
    "contact": ("external_id", "email", "name"),
    "identity": ("token", "user_id", "user_hash", "timestamp", "email", "name"),
}


def _read_fields(content: dict) -> dict:
    read = {}
    for name in READ_FIELDS & content.keys():
        value = content[name]
        if name in READ_SUBFIELDS and isinstance(value, dict):
            # Only strings of these are read (a number as a user id is made one): others are ignored.
            value = {key: value[key] for key in READ_SUBFIELDS[name] if isinstance(value.get(key), str)}
        read[name] = value
    return read


def frame_parse(content) -> Frame:
    if not isinstance(content, dict):
        raise FrameError("A frame is a JSON object with a “type”.")
    unstorable_text_refuse(_read_fields(content))
    kind = content.get("type")
    parser = PARSERS.get(kind) if isinstance(kind, str) else None
    if parser is None:
        raise FrameError(f"Unknown frame type; expected one of: {', '.join(sorted(PARSERS))}.", code="unknown_frame")
    return parser(content)


def error_frame(error: ConversationError, *, client_id: str = "", retry_after: float | None = None) -> dict:
    frame = {"type": "error", "code": error.code, "detail": error.message}
    if client_id:
        frame["client_id"] = client_id
    if retry_after is not None:
        frame["retry_after"] = retry_after
    return frame
