"""What a schemathesis run over the chat endpoints needs to know that OpenAPI cannot say
(``schemathesis.toml`` loads this module for the CLI; tests/faults/test_schema_conformance.py
imports it).

- An attachment's type is read from its content (conversations/attachments.py): a file sent
  as ``image/png`` must be a PNG. Each type the upload schema lists gets a strategy that makes
  a real file of that type; where schemathesis's coverage phase ignores the listed types (it
  sends a ZIP file as a valid one), this hook sends a PNG instead.
- With an API key, POST /api/chat needs ``contact`` and an upload needs ``external_id``; from a
  widget neither is used. OpenAPI cannot make a field depend on the credentials, so the schema
  says it in words and this hook names a contact wherever an API-key request has none."""

import schemathesis
from hypothesis import strategies as st
from schemathesis.core.file_samples import FILE_SAMPLES

CONTACT_EXTERNAL_ID = "schemathesis-contact"

for media_type, sample in {
    "image/png": FILE_SAMPLES["png"],
    "image/jpeg": FILE_SAMPLES["jpg"],
    "image/gif": FILE_SAMPLES["gif"],
    "image/webp": FILE_SAMPLES["webp"],
    "application/pdf": FILE_SAMPLES["pdf"],
}.items():
    schemathesis.openapi.media_type(media_type, st.just(sample))
# Plain text: UTF-8 without NUL, not empty.
schemathesis.openapi.media_type(
    "text/plain",
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=200).map(str.encode),
)


def _has_api_key(context, case) -> bool:
    headers = dict(case.headers or {})
    config = getattr(context.operation.schema, "config", None)
    if config is not None:
        headers.update(config.headers_for(operation=context.operation))
    return any(name.lower() == "authorization" for name in headers)


SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"RIFF", b"%PDF-")


def _declared_type(content) -> bool:
    content = getattr(content, "data", content)  # schemathesis's Binary wraps the bytes
    if not isinstance(content, bytes) or content.startswith(SIGNATURES):
        return True
    try:
        return b"\x00" not in content and bool(content.decode("utf-8"))
    except UnicodeDecodeError:
        return False


@schemathesis.hook
def before_call(context, case, **kwargs):
    # Valid requests only: an invalid one is refused whatever its contact or file.
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if context.operation is None or not positive or not isinstance(case.body, dict):
        return
    if context.operation.path == "/api/chat/attachments" and not _declared_type(case.body.get("file")):
        case.body["file"] = FILE_SAMPLES["png"]
    if not _has_api_key(context, case):
        return
    if context.operation.path == "/api/chat" and case.body.get("contact") is None:
        case.body["contact"] = {"external_id": CONTACT_EXTERNAL_ID}
    elif context.operation.path == "/api/chat/attachments" and "external_id" not in case.body:
        case.body["external_id"] = CONTACT_EXTERNAL_ID
    # A valid request stays valid with a contact or a file of a listed type; schemathesis
    # re-checks an edited body, and cannot check one holding a file (it calls it invalid).
    case._sync_validated_hashes()
