"""The HTTP form of the chat protocol (docs/protocol.md): the widget's fallback when
WebSockets fail, and the chat API for companies' backends. Same frames, same session, same
errors (as ``{code, detail}`` with a 4xx status); SSE carries what the socket would."""

import json
from urllib.parse import quote

from channels.layers import get_channel_layer
from django.conf import settings
from django.core import signing
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.api_auth import ApiKeyAuthentication
from chatassist.api import json_error
from chatassist.client_ip import client_ip_for_request
from chatassist.db_threads import DATABASE_UNREACHABLE, run_db
from conversations.attachments import attachment_upload
from conversations.chat import identity, limits, sse
from conversations.chat.frames import (
    MAX_FRAME_BYTES,
    FrameError,
    contact_check,
    error_frame,
    frame_parse,
    unstorable_text_refuse,
)
from conversations.chat.limits import RateLimited
from conversations.chat.payloads import ATTACHMENT_URL_SALT, attachment_payload, message_payload
from conversations.chat.replies import reply_start
from conversations.chat.session import ChatSession
from conversations.errors import ConversationError
from conversations.models import Attachment, Channel, Message, Sender
from conversations.realtime import chat_message, conversation_group

ATTACHMENT_LINK_AGE = 7 * 24 * 3600
CORS_HEADERS = "Content-Type, Last-Event-ID, X-ChatAssist-Key, X-ChatAssist-Visitor"


class ChatHttpError(ConversationError):
    pass


class MethodNotAllowed(ChatHttpError):
    def __init__(self, *allowed: str):
        super().__init__(f"Use {allowed[0]}.", code="method_not_allowed", status=405)
        self.allowed = allowed


READING = ("GET", "HEAD")


def _error_response(error: ConversationError, *, client_id: str = "") -> JsonResponse:
    body = error_frame(error, client_id=client_id, retry_after=getattr(error, "retry_after", None))
    body.pop("type")
    response = JsonResponse(body, status=error.status)
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(max(1, round(error.retry_after)))
    if isinstance(error, MethodNotAllowed):
        response["Allow"] = ", ".join((*error.allowed, "OPTIONS"))  # HTTP requires it with a 405
    return response


def _cors(request: HttpRequest, response: HttpResponse, workspace=None) -> HttpResponse:
    origin = request.headers.get("Origin")
    if origin and workspace is not None and identity.origin_allowed(workspace, origin):
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Headers"] = CORS_HEADERS
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Max-Age"] = "600"
    response["Vary"] = "Origin"
    return response


def _public_workspace(request: HttpRequest):
    key = request.headers.get("X-ChatAssist-Key") or request.GET.get("key", "")
    workspace = identity.workspace_for_public_key(key)
    if workspace is None:
        raise ChatHttpError("Unknown or missing public key (pk_…).", code="unknown_key", status=401)
    if not identity.origin_allowed(workspace, request.headers.get("Origin")):
        raise ChatHttpError(
            "This page's origin is not allowed to use this workspace's widget.", code="origin_not_allowed", status=403
        )
    return workspace


def _session(request: HttpRequest, *, hello: bool = False) -> ChatSession:
    """The session a request speaks for: a workspace API key (a company's backend) or the
    public key plus, after ``hello``, the visitor token."""
    if "Authorization" in request.headers:
        try:
            authenticated = ApiKeyAuthentication().authenticate(Request(request))
        except AuthenticationFailed as error:
            raise ChatHttpError(str(error.detail), code="not_authenticated", status=401) from error
        if authenticated is None:  # a blank or non-Bearer header: not a key, and not to be ignored
            raise ChatHttpError(
                "The Authorization header is not “Bearer <API key>”.", code="not_authenticated", status=401
            )
        api_key = authenticated[1]
        public_key = request.headers.get("X-ChatAssist-Key", request.GET.get("key"))
        if public_key is not None and public_key != api_key.workspace.public_key:
            # Two credentials that disagree: neither is taken on trust.
            raise ChatHttpError(
                "The public key is not this API key's workspace's: send one or the other.",
                code="unknown_key",
                status=401,
            )
        if not api_key.can_reply:
            raise ChatHttpError("This API key's role cannot send chat messages.", code="permission_denied", status=403)
        request.chat_workspace = api_key.workspace
        return ChatSession(workspace=api_key.workspace, channel=Channel.API)
    workspace = _public_workspace(request)
    request.chat_workspace = workspace
    session = ChatSession(workspace=workspace, client_ip=client_ip_for_request(request))
    if not hello:
        token = request.headers.get("X-ChatAssist-Visitor", "")
        if not session.resume_token(token):
            raise ChatHttpError(
                "Send hello first and pass its visitor token as X-ChatAssist-Visitor.",
                code="visitor_required",
                status=401,
            )
    return session


def _json_body(request: HttpRequest) -> dict:
    if len(request.body) > MAX_FRAME_BYTES:
        raise FrameError("The body is larger than 64 KiB.", code="frame_too_large", status=413)
    try:
        content = json.loads(request.body or b"{}")
    except (ValueError, RecursionError) as error:  # RecursionError: nested deeper than Python goes
        raise FrameError("The body must be JSON.", code="invalid_json") from error
    if not isinstance(content, dict):
        raise FrameError("The body must be a JSON object.")
    return content


def chat_endpoint(view):
    """CORS (preflight included) and the protocol's errors for every chat endpoint."""

    async def wrapper(request: HttpRequest, *args, **kwargs):
        request.chat_workspace = None
        if request.method == "OPTIONS":
            try:
                workspace = await run_db(
                    identity.workspace_for_public_key,
                    request.GET.get("key") or request.headers.get("X-ChatAssist-Key", ""),
                )
            except Exception:
                workspace = None
            origin = request.headers.get("Origin")
            response = HttpResponse(status=204)
            if origin and (workspace is None or identity.origin_allowed(workspace, origin)):
                # The key is often only in a header the preflight cannot show us: answer
                # permissively here, the real request checks the origin against the key.
                response["Access-Control-Allow-Origin"] = origin
                response["Access-Control-Allow-Headers"] = CORS_HEADERS
                response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
                response["Access-Control-Max-Age"] = "600"
            return response
        try:
            response = await view(request, *args, **kwargs)
        except ConversationError as error:
            response = _error_response(error)
        except DATABASE_UNREACHABLE:
            # PostgreSQL is restarting or cut off: a status the widget retries, not a 500.
            response = json_error("service_unavailable", "The chat is briefly unavailable. Please try again.", 503)
            response["Retry-After"] = "5"
        return _cors(request, response, request.chat_workspace)

    return csrf_exempt(wrapper)


# --- endpoints ---------------------------------------------------------------------------------


@chat_endpoint
async def config(request: HttpRequest):
    if request.method not in READING:
        raise MethodNotAllowed(*READING)
    workspace = await run_db(_public_workspace, request)
    request.chat_workspace = workspace
    scheme = "wss" if request.is_secure() else "ws"
    return JsonResponse(
        {
            "name": workspace.name,
            "color": workspace.widget_color,
            "language": workspace.widget_language,
            "welcome_message": workspace.widget_welcome_message,
            "suggestions": workspace.widget_suggestions,
            "show_branding": workspace.widget_show_branding,
            "socket_url": f"{scheme}://{request.get_host()}/ws/widget/?key={workspace.public_key}",
        }
    )


@chat_endpoint
async def hello(request: HttpRequest):
    if request.method != "POST":
        raise MethodNotAllowed("POST")
    session = await run_db(_session, request, hello=True)
    content = _json_body(request)
    frame = frame_parse({**content, "type": "hello"})
    return JsonResponse(await run_db(session.hello, frame))


def _contact_from_body(session: ChatSession, content: dict) -> None:
    contact = content.get("contact")
    if not isinstance(contact, dict):
        raise FrameError("With an API key, name the contact: “contact”: {“external_id”: …}.", code="invalid_contact")
    session.trusted_contact(
        external_id=contact.get("external_id"),
        email=contact.get("email") if isinstance(contact.get("email"), str) else "",
        name=contact.get("name") if isinstance(contact.get("name"), str) else "",
    )


def _replies_after(message: Message) -> list[dict]:
    """The AI's replies to ``message`` already stored (a re-sent message gets them back)."""
    following = Message.objects.filter(conversation_id=message.conversation_id, seq__gt=message.seq).order_by("seq")
    replies = []
    for later in following.prefetch_related("attachments")[:10]:
        if later.sender == Sender.CUSTOMER:
            break
        if later.sender in (Sender.AI, Sender.SYSTEM) and not later.internal:
            replies.append(message_payload(later))
    return replies


@chat_endpoint
async def send(request: HttpRequest):
    if request.method != "POST":
        raise MethodNotAllowed("POST")
    session = await run_db(_session, request)
    content = _json_body(request)
    client_id = content.get("client_id") if isinstance(content.get("client_id"), str) else ""
    try:
        frame = frame_parse({**content, "type": "message.send"})
        if session.channel == Channel.API:
            await run_db(_contact_from_body, session, content)
        accepted = await run_db(session.message_accept, frame)
    except ConversationError as error:
        return _error_response(error, client_id=client_id)
    created, payload, replies_expected = accepted.frame, accepted.frame["message"], accepted.ai_replies
    if "text/event-stream" in request.headers.get("Accept", ""):
        return sse.event_stream_response(sse.send_stream(accepted, created, replies_expected))
    replies = []
    if replies_expected:
        stored = await reply_start(
            conversation=accepted.conversation, message=accepted.message, sink=_discard, decision=accepted.decision
        )
        replies = [await run_db(message_payload, message) for message in stored]
    else:
        # A re-send gets the answer it had; a hand-off gets the holding message.
        replies = await run_db(_replies_after, accepted.message)
    return JsonResponse(
        {
            "conversation_id": accepted.conversation.pk,
            "message": payload,
            "reply": replies[-1] if replies else None,
            "replies": replies,
        },
        status=201 if accepted.created else 200,
    )


async def _discard(frame: dict) -> bool:
    return True


@chat_endpoint
async def messages(request: HttpRequest, conversation_id: int):
    if request.method not in READING:
        raise MethodNotAllowed(*READING)
    session = await run_db(_session, request)
    after_seq = _after_seq(request.GET.get("after_seq", "0"))
    conversation = await run_db(session.conversation_get, conversation_id)
    page = await run_db(session.messages_after, conversation, after_seq)
    return JsonResponse(
        {
            "conversation_id": conversation.pk,
            "messages": page,
            "next_after_seq": page[-1]["seq"] if page else after_seq,
        }
    )


def _after_seq(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or len(value) > 10:  # "²".isdigit() is True
        raise FrameError("“after_seq” must be a whole number of at least 0.", code="invalid_after_seq")
    return int(value)


@chat_endpoint
async def events(request: HttpRequest, conversation_id: int):
    if request.method not in READING:
        raise MethodNotAllowed(*READING)
    session = await run_db(_session, request)
    after_seq = _after_seq(request.headers.get("Last-Event-ID") or request.GET.get("after_seq", "0"))
    conversation = await run_db(session.conversation_get, conversation_id)
    return sse.event_stream_response(sse.conversation_stream(session, conversation, after_seq))


@chat_endpoint
async def frame(request: HttpRequest):
    if request.method != "POST":
        raise MethodNotAllowed("POST")
    session = await run_db(_session, request)
    parsed = frame_parse(_json_body(request))
    if parsed.type in ("hello", "message.send"):
        raise FrameError("Use POST /api/chat/hello or POST /api/chat for this frame.", code="unknown_frame")
    await limits.frame_check(workspace_id=session.workspace.pk, visitor_key=session.visitor_key)
    if parsed.type == "ping":
        return JsonResponse({"frames": [{"type": "pong"}]})
    if parsed.type == "resume":
        conversation = await run_db(session.conversation_get, parsed.conversation_id)
        return JsonResponse({"frames": await run_db(session.resume_frames, conversation, parsed.after_seq)})
    if parsed.type == "typing":
        typing = await run_db(session.typing_frame, parsed)
        await get_channel_layer().group_send(conversation_group(typing["conversation_id"]), chat_message(typing))
        return JsonResponse({"frames": []})
    if parsed.type == "read":
        await run_db(session.read, parsed)
        return JsonResponse({"frames": []})
    handler = {"resolve": session.resolve, "csat": session.csat}[parsed.type]
    return JsonResponse({"frames": [await run_db(handler, parsed)]})


@chat_endpoint
async def attachments(request: HttpRequest):
    if request.method != "POST":
        raise MethodNotAllowed("POST")
    session = await run_db(_session, request)
    try:
        form, files = request.POST, request.FILES
    except (MultiPartParserError, SuspiciousOperation) as error:
        raise ChatHttpError(
            "The body must be multipart form data with the file in “file”.", code="invalid_form"
        ) from error
    external_id = form.get("external_id")
    if external_id is not None:
        unstorable_text_refuse({"external_id": external_id})
        contact_check({"external_id": external_id})  # ignored from a widget, but well formed
    if session.channel == Channel.API:
        # A company's backend names its user, as “contact” does in POST /api/chat: the upload
        # is that contact's, and only a message for that contact can carry it.
        if external_id is None:
            raise ChatHttpError(
                "With an API key, name the contact: the form field “external_id” is your user's id.",
                code="invalid_contact",
            )
        await run_db(_contact_from_body, session, {"contact": {"external_id": external_id}})
    upload = files.get("file")
    if upload is None:
        raise ChatHttpError("Send the file as multipart form data in the field “file”.", code="file_required")
    if upload.size > settings.CHAT_ATTACHMENT_MAX_BYTES:
        raise ChatHttpError("The file is too large.", code="attachment_too_large", status=413)
    contact = await run_db(session.visitor.contact_ensure)
    await run_db(
        limits.upload_check,
        workspace_id=session.workspace.pk,
        visitor_key=session.visitor_key,
        client_ip=session.limited_ip,
        size=upload.size,
    )
    content = upload.read()
    attachment = await run_db(
        attachment_upload, workspace=session.workspace, contact=contact, file_name=upload.name or "", content=content
    )
    return JsonResponse({"attachment": await run_db(attachment_payload, attachment)}, status=201)


def attachment_download(request: HttpRequest, attachment_id: int, signature: str):
    """Signed links only: whoever was sent the message's payload may fetch its files."""
    try:
        signed_id = signing.loads(signature, salt=ATTACHMENT_URL_SALT, max_age=ATTACHMENT_LINK_AGE)
    except signing.BadSignature:
        signed_id = None
    attachment = Attachment.objects.filter(pk=attachment_id).first() if signed_id == attachment_id else None
    if attachment is None:
        return json_error("attachment_not_found", "This link is invalid or has expired.", 404)
    response = HttpResponse(bytes(attachment.content), content_type=attachment.content_type)
    inline = attachment.content_type.startswith("image/")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{_quote(attachment.file_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _quote(name: str) -> str:
    return quote(name, safe="")
