"""Input that once killed a socket (close 1011), dropped its TCP connection or answered 500
(issue 12, items 3 and 11). Each now gets an error frame or a 4xx with a ``code`` and a
sentence, and the socket or the visitor can go on.

Text PostgreSQL cannot store (NUL) or UTF-8 cannot encode (half a surrogate pair: half an
emoji) is refused where frames and bodies are parsed, with ``invalid_text``."""

import hashlib
import hmac
import json
import time

import pytest
from asgiref.sync import async_to_sync
from django.test import Client
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as websocket_connect

from accounts.models import Role
from conversations.models import Attachment, Contact, Message
from tests.conftest import bearer
from tests.conversations.widget_client import (
    ORIGIN,
    client_id,
    frames_within,
    receive_type,
    widget_connect,
    widget_hello,
)
from tests.factories import make_api_key
from tests.live_servers import live_daphne  # noqa: F401  (the fixture)
from tests.monitor.conftest import console_headers, customer_conversation, monitor_connect

pytestmark = pytest.mark.django_db(transaction=True)

HALF_AN_EMOJI = "\ud83d"  # the first half of 😀 (U+1F600), as a browser's JSON.stringify sends it
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6364f8cf500f0003860180"
    "5a347d6b0000000049454e44ae426082"
)


def run(scenario):
    async_to_sync(scenario)()


async def send_raw(communicator, frame: dict) -> None:
    # json.dumps writes a lone surrogate as the escape \ud83d, as browsers do.
    await communicator.send_to(text_data=json.dumps(frame))


# --- the widget's socket -----------------------------------------------------------------------


def test_lone_surrogate_in_text_gets_an_error_frame(shop, offline_only):
    async def scenario():
        communicator = await widget_connect(shop)
        await widget_hello(communicator)
        refused = client_id()
        await send_raw(communicator, {"type": "message.send", "client_id": refused, "text": f"Hi {HALF_AN_EMOJI}"})
        error = await receive_type(communicator, "error", "message.created")
        assert error["type"] == "error"
        assert error["code"] == "invalid_text"
        assert error["client_id"] == refused  # the widget marks that message as not sent
        assert "emoji" in error["detail"]
        # The socket is still open and the next message goes through.
        await send_raw(communicator, {"type": "message.send", "client_id": client_id(), "text": "Hi 😀"})
        created = await receive_type(communicator, "message.created")
        assert created["message"]["text"] == "Hi 😀"
        await communicator.disconnect()

    run(scenario)
    assert list(Message.objects.filter(sender="customer").values_list("text", flat=True)) == ["Hi 😀"]


@pytest.mark.parametrize("field", ["name", "email"])
@pytest.mark.parametrize("bad", ["\x00", HALF_AN_EMOJI])
def test_nul_or_lone_surrogate_in_the_visitors_name_or_email_gets_an_error_frame(shop, offline_only, field, bad):
    async def scenario():
        communicator = await widget_connect(shop)
        await send_raw(communicator, {"type": "hello", field: f"Ada{bad}"})
        error = await receive_type(communicator, "error", "ready")
        assert (error["type"], error["code"]) == ("error", "invalid_text")
        assert field in error["detail"]
        # Nothing was opened with that name: a clean hello works on the same socket.
        ready = await widget_hello(communicator, **{field: "ada@example.com" if field == "email" else "Ada"})
        await send_raw(communicator, {"type": "message.send", "client_id": client_id(), "text": "Hello"})
        assert (await receive_type(communicator, "message.created"))["message"]["text"] == "Hello"
        assert ready["visitor_token"]
        await communicator.disconnect()

    run(scenario)


@pytest.mark.parametrize("bad", ["\x00", HALF_AN_EMOJI])
def test_nul_or_lone_surrogate_in_a_verified_identity_gets_an_error_frame(shop, bad):
    user_id, timestamp = f"user{bad}42", int(time.time())
    signed = f"{user_id}:{timestamp}".encode("utf-8", "surrogatepass")
    user_hash = hmac.new(shop.identity_secret.encode(), signed, hashlib.sha256)

    async def scenario():
        communicator = await widget_connect(shop)
        identity = {"user_id": user_id, "timestamp": timestamp, "user_hash": user_hash.hexdigest(), "name": f"Ada{bad}"}
        await send_raw(communicator, {"type": "hello", "identity": identity})
        error = await receive_type(communicator, "error", "ready")
        assert (error["type"], error["code"]) == ("error", "invalid_text")
        await widget_hello(communicator)
        await communicator.disconnect()

    run(scenario)
    assert not Contact.objects.filter(workspace=shop).exclude(external_id="").exists()


@pytest.mark.parametrize("user_hash", ["é" * 64, "０" * 64, "ab\u00a0cd"])
def test_a_non_ascii_user_hash_gets_identity_invalid(shop, user_hash):
    async def scenario():
        communicator = await widget_connect(shop)
        await send_raw(communicator, {"type": "hello", "identity": {"user_id": "42", "user_hash": user_hash}})
        error = await receive_type(communicator, "error", "ready")
        assert (error["type"], error["code"]) == ("error", "identity_invalid")
        await widget_hello(communicator)
        await communicator.disconnect()

    run(scenario)


def test_a_public_key_with_a_nul_is_refused_with_a_close_code(shop):
    async def scenario():
        from channels.testing import WebsocketCommunicator

        from chatassist.asgi import application

        path = "/ws/widget/?key=pk_%00abc"
        communicator = WebsocketCommunicator(application, path, headers=[(b"origin", ORIGIN.encode())])
        await communicator.connect(timeout=5)
        assert await communicator.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
        await communicator.disconnect()

    run(scenario)


def test_json_nested_deeper_than_python_recurses_gets_invalid_json(shop):
    deep = "[" * 30_000 + "]" * 30_000  # under the 64 KiB a frame may have, far past Python's recursion limit

    async def scenario():
        communicator = await widget_connect(shop)
        await communicator.send_to(text_data=deep)
        assert (await receive_type(communicator, "error"))["code"] == "invalid_json"
        await widget_hello(communicator)
        await communicator.disconnect()

    run(scenario)
    response = Client().post(
        "/api/chat/hello",
        deep,
        content_type="application/json",
        HTTP_X_CHATASSIST_KEY=shop.public_key,
    )
    assert (response.status_code, response.json()["code"]) == (400, "invalid_json")


# --- HTTP ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["external_id", "name", "email"])
@pytest.mark.parametrize("bad", ["\x00", HALF_AN_EMOJI])
def test_nul_or_lone_surrogate_in_an_api_contact_gets_400_with_a_code(workspace, offline_only, field, bad):
    _key, raw = make_api_key(workspace=workspace, role=Role.AGENT)
    contact = {"external_id": "user-42", field: f"x{bad}y"}
    body = {"client_id": "b1", "text": "Where is my invoice?", "contact": contact}
    response = Client().post(
        "/api/chat", json.dumps(body), content_type="application/json", HTTP_ACCEPT="application/json", **bearer(raw)
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_text"
    assert f"contact.{field}" in response.json()["detail"]
    assert not Contact.objects.filter(workspace=workspace).exists()


def test_nul_in_a_public_key_or_after_seq_over_http_gets_4xx(shop):
    config = Client().get("/api/chat/config", {"key": "pk_\x00"}, HTTP_ORIGIN=ORIGIN)
    assert config.status_code == 401
    assert config.json()["code"] == "unknown_key"
    hello = Client().post(
        "/api/chat/hello", "{}", content_type="application/json", HTTP_X_CHATASSIST_KEY=shop.public_key
    )
    token = hello.json()["visitor_token"]
    headers = {"HTTP_X_CHATASSIST_KEY": shop.public_key, "HTTP_X_CHATASSIST_VISITOR": token}
    # "²" is a digit to str.isdigit, and not to int().
    messages = Client().get("/api/chat/conversations/1/messages", {"after_seq": "²"}, **headers)
    assert messages.status_code == 400
    assert messages.json()["code"] == "invalid_after_seq"


def test_an_api_key_on_attachment_upload_names_its_contact_or_gets_400(workspace, offline_only):
    _key, raw = make_api_key(workspace=workspace, role=Role.AGENT)
    anonymous = Client().post("/api/chat/attachments", {"file": _png_upload()}, **bearer(raw))
    assert anonymous.status_code == 400, anonymous.content
    assert anonymous.json()["code"] == "invalid_contact"
    assert "external_id" in anonymous.json()["detail"]
    assert not Attachment.objects.exists()

    uploaded = Client().post("/api/chat/attachments", {"file": _png_upload(), "external_id": "user-42"}, **bearer(raw))
    assert uploaded.status_code == 201, uploaded.content
    attachment_id = uploaded.json()["attachment"]["id"]
    body = {"client_id": "b1", "text": "", "attachment_ids": [attachment_id], "contact": {"external_id": "user-42"}}
    sent = Client().post(
        "/api/chat", json.dumps(body), content_type="application/json", HTTP_ACCEPT="application/json", **bearer(raw)
    )
    assert sent.status_code == 201, sent.content
    assert [a["id"] for a in sent.json()["message"]["attachments"]] == [attachment_id]
    # Another of the company's users cannot send it.
    body = {**body, "client_id": "b2", "contact": {"external_id": "user-43"}}
    stolen = Client().post(
        "/api/chat", json.dumps(body), content_type="application/json", HTTP_ACCEPT="application/json", **bearer(raw)
    )
    assert stolen.status_code == 404
    assert stolen.json()["code"] == "attachment_not_found"


def _png_upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("dot.png", PNG, content_type="image/png")


# --- a frame over daphne's limit ----------------------------------------------------------------


def test_a_frame_over_1_mib_gets_a_close_frame_not_a_dropped_connection(shop, live_daphne):  # noqa: F811
    server = live_daphne()
    url = f"{server.ws_url}/ws/widget/?key={shop.public_key}"
    with websocket_connect(url, compression=None, open_timeout=10, close_timeout=10) as socket:
        socket.send(json.dumps({"type": "hello"}))
        assert json.loads(socket.recv(timeout=10))["type"] == "ready"
        # Over the app's 64 KiB: an error frame, and the socket stays open.
        socket.send(json.dumps({"type": "message.send", "client_id": "big", "text": "x" * (100 * 1024)}))
        error = json.loads(socket.recv(timeout=10))
        assert (error["type"], error["code"]) == ("error", "frame_too_large")
        socket.send(json.dumps({"type": "ping"}))
        assert json.loads(socket.recv(timeout=10)) == {"type": "pong"}
        # Over daphne's 1 MiB: a close frame with 1009 (message too big) and a reason.
        socket.send(json.dumps({"type": "message.send", "client_id": "huge", "text": "x" * (1024 * 1024)}))
        with pytest.raises(ConnectionClosed) as closed:
            socket.recv(timeout=10)
    assert closed.value.rcvd is not None, "the TCP connection was dropped without a close frame"
    assert closed.value.rcvd.code == 1009
    assert closed.value.rcvd.reason  # autobahn says which limit
    assert server.process.poll() is None


# --- the agent monitor ---------------------------------------------------------------------------


def test_an_agents_note_and_reply_arrive_once_on_their_socket(shop, agent):
    conversation = customer_conversation(shop)
    headers = console_headers(agent)

    async def scenario():
        monitor, connected, _ = await monitor_connect(shop, conversation.pk, headers)
        assert connected
        await monitor.send_json_to({"type": "note", "client_id": "n1", "text": "Refund blocklist"})
        await monitor.send_json_to({"type": "reply", "client_id": "r1", "text": "Let me check."})
        frames = await frames_within(monitor, 1.5)
        notes = [f for f in frames if f["type"] == "note.created"]
        replies = [f for f in frames if f["type"] == "message.created" and f["message"]["sender"] == "agent"]
        assert len(notes) == 1, frames
        assert len(replies) == 1, frames
        await monitor.disconnect()

    run(scenario)
