"""The chat's HTTP endpoints in the OpenAPI schema (docs/protocol.md, "HTTP fallback").

They are plain async Django views, which drf-spectacular does not see, so this post-processing
hook adds them by hand: what each takes, what it answers, and every error it can return, with
the shared ``Error`` body. ``tests/faults/test_schema_conformance.py`` sends each of them
requests that fail in each documented way and checks the answer is listed here."""

from chatassist.api_schema import ERROR_REF, NO_NUL_NOT_BLANK
from conversations.attachments import ALLOWED_TYPES
from conversations.chat.frames import MAX_ATTACHMENTS_PER_MESSAGE, MAX_EXTERNAL_ID, MAX_FRAME_BYTES, MAX_ID
from conversations.services import MAX_CSAT_COMMENT, MAX_MESSAGE_CHARACTERS

TAG = "chat"
# What conversations/attachments.py recognises by content.
ATTACHMENT_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain")
ERRORS = {
    400: "The body or a parameter is not valid: `invalid_json`, `invalid_frame`, `unknown_frame`, "
    "`invalid_client_id`, `empty_message`, `invalid_text`, `invalid_contact` (with an API key, no contact), "
    "`invalid_form`, `file_required`, `invalid_after_seq`, …",
    401: "`unknown_key` (the public key, or one that is not the API key's workspace's when both are sent), "
    "`not_authenticated` (the API key), `visitor_required` (no valid visitor token), `identity_invalid`, "
    "`identity_expired`.",
    403: "`origin_not_allowed` (the page's origin is not one of the workspace's), or `permission_denied` "
    "(an API key whose role cannot reply).",
    404: "`conversation_not_found` (not this visitor's or contact's), `attachment_not_found`.",
    409: (
        "`conversation_closed`, `conversation_not_resolved` (a rating before the conversation is resolved), "
        "or `rating_final` (a change of rating after `CSAT_EDIT_MINUTES`)."
    ),
    413: f"`frame_too_large` (a body over {MAX_FRAME_BYTES // 1024} KiB), `message_too_long`, `attachment_too_large`.",
    415: "`attachment_type`: a kind of file that cannot be sent, or an empty one.",
    429: "`rate_limited`: too many requests; `retry_after` and the Retry-After header say when to try again. "
    "Nothing already accepted is lost.",
}
WIDGET = {"WidgetKey": [], "VisitorToken": []}
API_KEY = {"WorkspaceApiKey": []}
SECURITY_SCHEMES = {
    "WidgetKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-ChatAssist-Key",
        "description": "The workspace's public key (pk_…), as the widget sends it.",
    },
    "VisitorToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-ChatAssist-Visitor",
        "description": "The visitor token that `POST /api/chat/hello` answered.",
    },
}
INTEGER_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
# Text may be blank but never hold a NUL (docs/protocol.md, "Text that cannot be stored").
NO_NUL_MAY_BE_BLANK = "^[^\\u0000]*$"
# A field read only when it is a string (“Kept if a string”): anything, but not a string with a NUL.
STRING_IF_ANY = {"not": {"type": "string", "pattern": "\\u0000"}}
EXTERNAL_ID = {"type": "string", "maxLength": MAX_EXTERNAL_ID, "pattern": NO_NUL_NOT_BLANK}
MESSAGE = {
    "type": "object",
    "description": "A stored message, as the socket's `message.created` frame carries it.",
    "properties": {
        "id": {"type": "integer"},
        "seq": {"type": "integer"},
        "sender": {"type": "string", "enum": ["customer", "ai", "agent", "system"]},
        "text": {"type": "string"},
        "client_id": {"type": "string"},
        "status": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "author_name": {"type": "string"},
        "partial": {"type": "boolean"},
        "confidence": {"type": "number", "nullable": True},
        "citations": {"type": "array", "items": {"type": "object"}},
        "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/ChatAttachment"}},
    },
}


def _frame(kind: str, *, optional: tuple[str, ...] = (), **fields) -> dict:
    properties = {"type": {"type": "string", "enum": [kind]}}
    if kind != "ping":
        properties["conversation_id"] = INTEGER_ID
    properties.update(
        {name: {**schema, "nullable": True} if name in optional else schema for name, schema in fields.items()}
    )
    return {
        "type": "object",
        "title": kind,
        "required": [name for name in properties if name not in optional],
        "properties": properties,
    }


SCHEMAS = {
    "ChatAttachment": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "file_name": {"type": "string"},
            "content_type": {"type": "string"},
            "size": {"type": "integer"},
            "url": {"type": "string", "description": "A signed link, valid for 7 days."},
        },
    },
    "ChatMessage": MESSAGE,
    "ChatHello": {
        "type": "object",
        "properties": {
            "visitor_token": {
                "type": "string",
                "maxLength": 500,
                "pattern": NO_NUL_MAY_BE_BLANK,
                "nullable": True,
                "description": "The token of an earlier visit.",
            },
            "identity": {
                "type": "object",
                "nullable": True,
                "description": "Identity verification: the user's id signed by your backend (docs/widget.md): "
                "`token` (a JWT), or `user_id`, `user_hash` and `timestamp`. One that does not verify is 401.",
                "properties": {
                    name: STRING_IF_ANY for name in ("token", "user_id", "user_hash", "timestamp", "email", "name")
                },
            },
            "name": {"type": "string", "maxLength": 200, "nullable": True, "pattern": NO_NUL_MAY_BE_BLANK},
            "email": {"type": "string", "maxLength": 254, "nullable": True, "pattern": NO_NUL_MAY_BE_BLANK},
            "locale": {"type": "string", "maxLength": 20, "nullable": True, "pattern": NO_NUL_MAY_BE_BLANK},
        },
    },
    "ChatMessageSend": {
        "type": "object",
        "required": ["client_id"],
        # Text, or attachments with text that may be blank.
        "anyOf": [
            {"required": ["text"], "properties": {"text": {"type": "string", "pattern": NO_NUL_NOT_BLANK}}},
            {
                "required": ["attachment_ids"],
                "properties": {"attachment_ids": {"type": "array", "minItems": 1}},
            },
        ],
        "properties": {
            "client_id": {
                "type": "string",
                "pattern": "^[A-Za-z0-9_.:-]{1,64}$",
                "description": "Yours; the same id again, with a valid body, returns the message already stored "
                "(200) and stores nothing new: a re-send after a lost connection repeats the body.",
            },
            "text": {
                "type": "string",
                "maxLength": MAX_MESSAGE_CHARACTERS,
                "pattern": NO_NUL_MAY_BE_BLANK,
                "description": "Blank (or left out) only in a message of attachments.",
            },
            "conversation_id": {**INTEGER_ID, "nullable": True, "description": "None starts a new conversation."},
            "attachment_ids": {
                "type": "array",
                "nullable": True,
                "maxItems": MAX_ATTACHMENTS_PER_MESSAGE,
                "items": INTEGER_ID,
            },
            "contact": {
                "type": "object",
                "nullable": True,
                "description": "Your user, trusted as verified: required with an API key (400 `invalid_contact` "
                "without it; OpenAPI cannot make a field depend on the credentials). A widget's visitor is known "
                "from its token: a contact it sends is checked the same way, then ignored.",
                "required": ["external_id"],
                "properties": {
                    "external_id": EXTERNAL_ID,
                    "email": {**STRING_IF_ANY, "description": "Kept if a string."},
                    "name": {**STRING_IF_ANY, "description": "Kept if a string."},
                },
            },
        },
    },
    "ChatFrame": {
        "description": "A client frame other than `hello` and `message.send` (docs/protocol.md).",
        "oneOf": [
            _frame("ping"),
            _frame("typing", on={"type": "boolean"}),
            _frame("read", seq={**INTEGER_ID, "description": "Read up to this message."}),
            _frame("resolve"),
            _frame(
                "csat",
                score={"type": "integer", "minimum": 1, "maximum": 5},
                comment={"type": "string", "maxLength": MAX_CSAT_COMMENT, "pattern": NO_NUL_MAY_BE_BLANK},
                optional=("comment",),
            ),
            _frame("resume", after_seq={"type": "integer", "minimum": 0, "maximum": MAX_ID}, optional=("after_seq",)),
        ],
    },
}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _operation(
    operation_id: str,
    summary: str,
    *,
    ok: dict,
    errors: tuple[int, ...],
    security=(API_KEY, WIDGET),
    body=None,
    body_required=True,
    **extra,
):
    responses = dict(ok)
    for status in errors:
        responses[str(status)] = {"description": ERRORS[status], "content": _json(ERROR_REF)}
    operation = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [TAG],
        "security": list(security),
        "responses": dict(sorted(responses.items())),
        **extra,
    }
    if body is not None:
        # An empty body reads as {}: required only where {} is not a valid request.
        operation["requestBody"] = {"required": body_required, "content": body}
    return operation


def _ok(description: str, schema: dict, status: str = "200") -> dict:
    return {status: {"description": description, "content": _json(schema)}}


def _conversation_id() -> dict:
    return {"name": "conversation_id", "in": "path", "required": True, "schema": INTEGER_ID}


def _after_seq(description: str) -> dict:
    return {
        "name": "after_seq",
        "in": "query",
        "description": description,
        "schema": {"type": "integer", "minimum": 0, "maximum": 9_999_999_999},
    }


SEND_RESULT = {
    "type": "object",
    "properties": {
        "conversation_id": {"type": "integer"},
        "message": {"$ref": "#/components/schemas/ChatMessage"},
        "reply": {"allOf": [{"$ref": "#/components/schemas/ChatMessage"}], "nullable": True},
        "replies": {"type": "array", "items": {"$ref": "#/components/schemas/ChatMessage"}},
    },
}
EVENT_STREAM = {"text/event-stream": {"schema": {"type": "string"}}}

PATHS = {
    "/api/chat/config": {
        "get": _operation(
            "chat_config",
            "The widget's settings",
            parameters=[
                {
                    "name": "key",
                    "in": "query",
                    "description": "The public key, if not in X-ChatAssist-Key.",
                    "schema": {"type": "string"},
                },
            ],
            security=[{"WidgetKey": []}],
            ok=_ok("Name, colour, language, welcome message, suggestions, socket URL.", {"type": "object"}),
            errors=(401, 403),
        )
    },
    "/api/chat/hello": {
        "post": _operation(
            "chat_hello",
            "Open a visitor session (the `hello` frame)",
            security=[{"WidgetKey": []}, API_KEY],
            body=_json({"$ref": "#/components/schemas/ChatHello"}),
            body_required=False,
            ok=_ok("The `ready` frame's fields: `visitor_token`, `contact`, `conversations`.", {"type": "object"}),
            errors=(400, 401, 403, 413, 429),
        )
    },
    "/api/chat": {
        "post": _operation(
            "chat_send",
            "Send a customer's message (`message.send`)",
            description="With `Accept: text/event-stream`, the frames arrive as server-sent events as the "
            "reply is written; otherwise the answer comes once the reply is stored.",
            security=[API_KEY, WIDGET],
            body=_json({"$ref": "#/components/schemas/ChatMessageSend"}),
            ok={
                "201": {
                    "description": "The message is stored, with the replies to it.",
                    "content": {**_json(SEND_RESULT), **EVENT_STREAM},
                },
                "200": {
                    "description": "A message sent again: the one stored, and its replies.",
                    "content": _json(SEND_RESULT),
                },
            },
            errors=(400, 401, 403, 404, 409, 413, 429),
        )
    },
    "/api/chat/frame": {
        "post": _operation(
            "chat_frame",
            "Any other client frame: typing, read, resolve, csat, resume, ping",
            body=_json({"$ref": "#/components/schemas/ChatFrame"}),
            ok=_ok(
                "The frames the socket would answer.",
                {"type": "object", "properties": {"frames": {"type": "array", "items": {"type": "object"}}}},
            ),
            errors=(400, 401, 403, 404, 409, 413, 429),
        )
    },
    "/api/chat/attachments": {
        "post": _operation(
            "chat_attachment_upload",
            "Upload a file to send with a message",
            body={
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {
                                "type": "string",
                                "format": "binary",
                                "minLength": 1,
                                "description": f"{ALLOWED_TYPES}, known by its content (not its name or "
                                "Content-Type); anything else, or an empty file, is 415.",
                            },
                            "external_id": {
                                **EXTERNAL_ID,
                                "description": "With an API key, required: your user's id, as `contact.external_id`"
                                " in POST /api/chat. From a widget it is checked, then ignored.",
                            },
                        },
                    },
                    "encoding": {"file": {"contentType": ", ".join(ATTACHMENT_TYPES)}},
                }
            },
            ok=_ok(
                "The attachment, to name in `attachment_ids`.",
                {"type": "object", "properties": {"attachment": {"$ref": "#/components/schemas/ChatAttachment"}}},
                status="201",
            ),
            errors=(400, 401, 403, 413, 415, 429),
        )
    },
    "/api/chat/conversations/{conversation_id}/messages": {
        "get": _operation(
            "chat_messages",
            "The visitor's messages after `after_seq`, oldest first",
            parameters=[_conversation_id(), _after_seq("Only messages with a greater sequence number.")],
            ok=_ok(
                "At most 200 messages, and the `next_after_seq` to ask for the next page.",
                {
                    "type": "object",
                    "properties": {
                        "conversation_id": {"type": "integer"},
                        "messages": {"type": "array", "items": {"$ref": "#/components/schemas/ChatMessage"}},
                        "next_after_seq": {"type": "integer"},
                    },
                },
            ),
            errors=(400, 401, 403, 404),
        )
    },
    "/api/chat/conversations/{conversation_id}/events": {
        "get": _operation(
            "chat_events",
            "Server-sent events: the messages after Last-Event-ID, then live frames",
            parameters=[_conversation_id(), _after_seq("When there is no Last-Event-ID header.")],
            ok={"200": {"description": "An event stream; reconnect with Last-Event-ID.", "content": EVENT_STREAM}},
            errors=(400, 401, 403, 404),
        )
    },
}


def chat_paths(result, generator, request, public):
    """drf-spectacular post-processing hook: the chat endpoints join the schema."""
    result["paths"].update(PATHS)
    components = result.setdefault("components", {})
    components.setdefault("schemas", {}).update(SCHEMAS)
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    return result
