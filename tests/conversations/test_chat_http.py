"""The HTTP form of the protocol: the widget's fallback and the chat API for backends."""

import json

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient, Client

from accounts.models import Role
from conversations.models import Attachment, Conversation, Message
from tests.conftest import bearer
from tests.factories import make_api_key

ORIGIN = "https://shop.example.com"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(workspace):
    workspace.allowed_origins = [ORIGIN]
    workspace.save(update_fields=["allowed_origins"])
    return workspace


def widget_headers(workspace, token=None, origin=ORIGIN) -> dict:
    headers = {"HTTP_X_CHATASSIST_KEY": workspace.public_key, "HTTP_ORIGIN": origin}
    if token:
        headers["HTTP_X_CHATASSIST_VISITOR"] = token
    return headers


def async_headers(workspace, token=None) -> dict:
    """The same headers for AsyncClient, which takes them by name."""
    return {key[5:].replace("_", "-").title(): value for key, value in widget_headers(workspace, token).items()}


def hello(client, workspace, **body) -> dict:
    response = client.post(
        "/api/chat/hello", json.dumps(body), content_type="application/json", **widget_headers(workspace)
    )
    assert response.status_code == 200, response.content
    return response.json()


def send(client, workspace, token, **body):
    return client.post(
        "/api/chat", json.dumps(body), content_type="application/json", **widget_headers(workspace, token)
    )


def sse_events(body: str) -> list[tuple[str, dict, str]]:
    events = []
    for block in body.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
        if "event" in fields:
            events.append((fields["event"], json.loads(fields["data"]), fields.get("id", "")))
    return events


def test_config_answers_the_widgets_settings_with_cors_for_allowed_origins_only(shop):
    response = Client().get(f"/api/chat/config?key={shop.public_key}", HTTP_ORIGIN=ORIGIN)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    body = response.json()
    assert body["color"] == shop.widget_color and body["socket_url"].endswith(f"/ws/widget/?key={shop.public_key}")
    refused = Client().get(f"/api/chat/config?key={shop.public_key}", HTTP_ORIGIN="https://evil.example.net")
    assert (refused.status_code, refused.json()["code"]) == (403, "origin_not_allowed")
    assert "Access-Control-Allow-Origin" not in refused
    unknown = Client().get("/api/chat/config?key=pk_nope", HTTP_ORIGIN=ORIGIN)
    assert (unknown.status_code, unknown.json()["code"]) == (401, "unknown_key")
    preflight = Client().options("/api/chat", HTTP_ORIGIN=ORIGIN, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == ORIGIN


def test_json_send_stores_the_message_and_answers_with_the_stored_reply(shop, help_centre, offline_only):
    client = Client()
    token = hello(client, shop)["visitor_token"]
    response = send(client, shop, token, client_id="h1", text="How do refunds work?")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["message"]["seq"] == 1 and body["message"]["sender"] == "customer"
    assert body["reply"]["seq"] == 2 and body["reply"]["sender"] == "ai" and body["reply"]["citations"]
    # The same client id again: stored once, answered with what was stored.
    again = send(client, shop, token, client_id="h1", text="How do refunds work?")
    assert again.status_code == 200
    assert again.json()["message"]["id"] == body["message"]["id"]
    assert again.json()["reply"]["id"] == body["reply"]["id"]
    assert Message.objects.count() == 2
    history = client.get(
        f"/api/chat/conversations/{body['conversation_id']}/messages?after_seq=1", **widget_headers(shop, token)
    )
    assert [m["seq"] for m in history.json()["messages"]] == [2]


def test_sse_send_streams_the_same_frames_as_the_socket(shop, help_centre, offline_only):
    async def scenario():
        client = AsyncClient()
        hello_response = await client.post(
            "/api/chat/hello", "{}", content_type="application/json", headers=async_headers(shop)
        )
        token = hello_response.json()["visitor_token"]
        response = await client.post(
            "/api/chat",
            json.dumps({"client_id": "s1", "text": "How do I reset my API key?"}),
            content_type="application/json",
            headers={**async_headers(shop, token), "Accept": "text/event-stream"},
        )
        assert response["Content-Type"] == "text/event-stream"
        return "".join([chunk.decode() if isinstance(chunk, bytes) else chunk async for chunk in response])

    events = sse_events(async_to_sync(scenario)())
    kinds = [kind for kind, _data, _id in events]
    assert kinds[0] == "message.created" and events[0][2] == "1"
    assert "delta" in kinds
    assert kinds.index("completed") > kinds.index("delta")
    completed = next(data for kind, data, _id in events if kind == "completed")
    streamed = "".join(data["text"] for kind, data, _id in events if kind == "delta")
    assert completed["message"]["text"] == streamed.strip()


def test_event_stream_resumes_after_last_event_id(shop, help_centre, offline_only, monkeypatch):
    from conversations.chat import sse

    monkeypatch.setattr(sse, "EVENT_STREAM_SECONDS", 0.5)
    monkeypatch.setattr(sse, "KEEPALIVE_SECONDS", 0.2)
    client = Client()
    token = hello(client, shop)["visitor_token"]
    first = send(client, shop, token, client_id="e1", text="How do refunds work?").json()
    conversation_id = first["conversation_id"]
    send(client, shop, token, client_id="e2", text="And invoices?", conversation_id=conversation_id)

    async def scenario():
        response = await AsyncClient().get(
            f"/api/chat/conversations/{conversation_id}/events",
            headers={**async_headers(shop, token), "Last-Event-ID": "2"},
        )
        return "".join([chunk.decode() if isinstance(chunk, bytes) else chunk async for chunk in response])

    body = async_to_sync(scenario)()
    events = sse_events(body)
    assert [data["message"]["seq"] for kind, data, _ in events if kind == "message.created"] == [3, 4]
    assert [event_id for kind, _, event_id in events if kind == "message.created"] == ["3", "4"]
    assert ": keep-alive" in body
    bad = client.get(
        f"/api/chat/conversations/{conversation_id}/events", HTTP_LAST_EVENT_ID="x", **widget_headers(shop, token)
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_after_seq")


def test_bad_requests_get_a_code_and_a_sentence(shop):
    client = Client()
    token = hello(client, shop)["visitor_token"]
    no_token = send(client, shop, None, client_id="x1", text="hi")
    assert (no_token.status_code, no_token.json()["code"]) == (401, "visitor_required")
    forged = send(client, shop, token[:-3] + "abc", client_id="x1", text="hi")
    assert forged.status_code == 401
    not_json = client.post("/api/chat", "{nope", content_type="application/json", **widget_headers(shop, token))
    assert (not_json.status_code, not_json.json()["code"]) == (400, "invalid_json")
    too_long = send(client, shop, token, client_id="x2", text="a" * 4001)
    assert (too_long.status_code, too_long.json()["code"], too_long.json()["client_id"]) == (
        413,
        "message_too_long",
        "x2",
    )
    forged_identity = client.post(
        "/api/chat/hello",
        json.dumps({"identity": {"user_id": "user-42", "user_hash": "0" * 64}}),
        content_type="application/json",
        **widget_headers(shop),
    )
    assert (forged_identity.status_code, forged_identity.json()["code"]) == (401, "identity_invalid")
    unknown_frame = client.post(
        "/api/chat/frame", json.dumps({"type": "shout"}), content_type="application/json", **widget_headers(shop, token)
    )
    assert unknown_frame.json()["code"] == "unknown_frame"
    assert Message.objects.count() == 0


def test_a_token_from_another_workspace_or_another_visitor_reads_nothing(shop, other_workspace, offline_only):
    other_workspace.allowed_origins = [ORIGIN]
    other_workspace.save()
    client = Client()
    token = hello(client, shop)["visitor_token"]
    conversation_id = send(client, shop, token, client_id="t1", text="hello").json()["conversation_id"]
    other_token = hello(client, other_workspace)["visitor_token"]
    cross = client.get(f"/api/chat/conversations/{conversation_id}/messages", **widget_headers(shop, other_token))
    assert cross.status_code == 401  # a token signed for another workspace names nobody here
    stranger_token = hello(client, shop)["visitor_token"]
    stranger = client.get(f"/api/chat/conversations/{conversation_id}/messages", **widget_headers(shop, stranger_token))
    assert (stranger.status_code, stranger.json()["code"]) == (404, "conversation_not_found")


def test_a_backend_with_an_api_key_chats_for_its_user(workspace, help_centre, offline_only):
    _key, raw = make_api_key(workspace=workspace, role=Role.AGENT)
    body = {"client_id": "b1", "text": "How do refunds work?", "contact": {"external_id": "user-42", "name": "Ada"}}
    response = Client().post("/api/chat", json.dumps(body), content_type="application/json", **bearer(raw))
    assert response.status_code == 201, response.content
    conversation = Conversation.objects.get(pk=response.json()["conversation_id"])
    assert (conversation.channel, conversation.contact.external_id, conversation.contact.verified) == (
        "api",
        "user-42",
        True,
    )
    _viewer_key, viewer_raw = make_api_key(workspace=workspace, role=Role.VIEWER, name="read only")
    refused = Client().post("/api/chat", json.dumps(body), content_type="application/json", **bearer(viewer_raw))
    assert refused.status_code == 403
    no_contact = Client().post(
        "/api/chat", json.dumps({"client_id": "b2", "text": "hi"}), content_type="application/json", **bearer(raw)
    )
    assert (no_contact.status_code, no_contact.json()["code"]) == (400, "invalid_contact")


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_attachments_are_typed_by_content_and_sent_with_a_message(shop, offline_only, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = Client()
    token = hello(client, shop)["visitor_token"]
    headers = widget_headers(shop, token)
    disguised = client.post(
        "/api/chat/attachments", {"file": SimpleUploadedFile("photo.png", b"MZ\x90\x00\x03binary")}, **headers
    )
    assert (disguised.status_code, disguised.json()["code"]) == (415, "attachment_type")
    settings.CHAT_ATTACHMENT_MAX_BYTES = 20
    too_big = client.post("/api/chat/attachments", {"file": SimpleUploadedFile("a.png", PNG)}, **headers)
    assert (too_big.status_code, too_big.json()["code"]) == (413, "attachment_too_large")
    settings.CHAT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    name = '<img src=x onerror="alert(1)">.txt'
    uploaded = client.post("/api/chat/attachments", {"file": SimpleUploadedFile(name, PNG)}, **headers)
    assert uploaded.status_code == 201, uploaded.content
    attachment = uploaded.json()["attachment"]
    assert attachment["content_type"] == "image/png"  # from the bytes, not the name
    sent = send(client, shop, token, client_id="a1", text="", attachment_ids=[attachment["id"]])
    assert sent.status_code == 201
    assert sent.json()["message"]["attachments"][0]["id"] == attachment["id"]
    download = client.get(attachment["url"])
    assert download.status_code == 200 and download.content == PNG
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    forged = client.get(attachment["url"].rsplit("/", 1)[0] + "/forged")
    assert forged.status_code == 404
    # Someone else's upload cannot be attached.
    other_token = hello(client, shop)["visitor_token"]
    stolen = send(client, shop, other_token, client_id="a2", text="mine now", attachment_ids=[attachment["id"]])
    assert (stolen.status_code, stolen.json()["code"]) == (404, "attachment_not_found")
    assert Attachment.objects.get().message.client_id == "a1"
