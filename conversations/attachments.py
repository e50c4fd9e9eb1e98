"""Attachments: the type is read from the content (magic numbers), never from the name or
what the client claims, and only types the widget can show safely are accepted."""

import re

from django.conf import settings

from accounts.models import Workspace
from conversations.errors import ConversationError
from conversations.models import Attachment, Contact

ALLOWED_TYPES = "PNG, JPEG, GIF and WebP images, PDF files and plain text"
MAX_FILE_NAME = 255
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\\\]")


def content_type_sniff(content: bytes) -> str | None:
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if b"\x00" not in content:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text/plain"
    return None


def file_name_clean(name: str) -> str:
    """Path parts and control characters removed; the name is shown as text, never markup."""
    name = _UNSAFE_NAME.sub("_", (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip()
    return name[-MAX_FILE_NAME:] or "attachment"


def attachment_upload(*, workspace: Workspace, contact: Contact, file_name: str, content: bytes) -> Attachment:
    """Store an upload for ``contact``; it joins a message when the message is sent."""
    limit = settings.CHAT_ATTACHMENT_MAX_BYTES
    if len(content) > limit:
        raise ConversationError(
            f"The file is too large: at most {limit // (1024 * 1024)} MB.", code="attachment_too_large", status=413
        )
    if not content:
        raise ConversationError("The file is empty.", code="attachment_type", status=415)
    content_type = content_type_sniff(content)
    if content_type is None:
        raise ConversationError(
            f"This kind of file cannot be sent. Allowed: {ALLOWED_TYPES}.", code="attachment_type", status=415
        )
    return Attachment.objects.create(
        workspace=workspace,
        contact=contact,
        file_name=file_name_clean(file_name),
        content_type=content_type,
        size=len(content),
        content=content,
    )
