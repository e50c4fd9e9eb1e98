"""Issue 12, item 4: limits a new visitor can't dodge.

The attack run found the 20 messages/minute limit counted per visitor only, while a new
visitor costs one ``hello``: 3 fresh visitors sent 60 AI-answered messages in 3.3 s; 1,000
typing frames in 0.02 s all reached the agent; uploads had no quota and never went away;
the monthly token budget was unlimited by default. Real sockets (the ASGI application),
real HTTP requests, real Redis."""

import asyncio
import json
import socket
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from chatassist.asgi import application
from chatassist.client_ip import client_ip_for_scope, client_network
from conversations import services
from conversations.models import Attachment, Contact, Message
from conversations.realtime import conversation_group
from conversations.tasks import attachments_unattached_purge
from tests.conftest import bearer
from tests.conversations.widget_client import ORIGIN, receive_type
from tests.factories import make_api_key, make_workspace

pytestmark = pytest.mark.django_db(transaction=True)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 52


@pytest.fixture
def behind_proxy(settings):
    """Deployed behind deploy/nginx.conf, which sets X-Real-IP to the client's address."""
    settings.CLIENT_IP_HEADER = "X-Real-IP"


def run(scenario):
    async_to_sync(scenario)()


async def connect(workspace, *, ip: str | None = None) -> WebsocketCommunicator:
    headers = [(b"origin", ORIGIN.encode())]
    if ip:
        headers.append((b"x-real-ip", ip.encode()))
    communicator = WebsocketCommunicator(application, f"/ws/widget/?key={workspace.public_key}", headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator


async def answer_to(communicator, client_id: str) -> dict:
    """The acknowledgement or the refusal of the message ``client_id`` (AI frames skipped)."""
    while True:
        frame = await receive_type(communicator, "message.created", "error")
        if frame["type"] == "error" or frame["message"]["client_id"] == client_id:
            return frame


async def fresh_visitor(workspace, *, ip: str | None = None) -> WebsocketCommunicator:
    communicator = await connect(workspace, ip=ip)
    await communicator.send_json_to({"type": "hello"})
    assert (await receive_type(communicator, "ready", "error"))["type"] == "ready"
    return communicator


def http_headers(workspace, *, ip: str | None = None, token: str | None = None) -> dict:
    headers = {"HTTP_X_CHATASSIST_KEY": workspace.public_key, "HTTP_ORIGIN": ORIGIN}
    if ip:
        headers["HTTP_X_REAL_IP"] = ip
    if token:
        headers["HTTP_X_CHATASSIST_VISITOR"] = token
    return headers


def http_hello(workspace, *, ip: str | None = None):
    return Client().post("/api/chat/hello", "{}", content_type="application/json", **http_headers(workspace, ip=ip))


def http_send(workspace, token: str, client_id: str, *, ip: str | None = None):
    body = json.dumps({"client_id": client_id, "text": "Where is my parcel?"})
    headers = http_headers(workspace, ip=ip, token=token)
    return Client().post("/api/chat", body, content_type="application/json", HTTP_ACCEPT="application/json", **headers)


def assert_refused_with_retry_after(response) -> None:
    body = response.json()
    assert response.status_code == 429, body
    assert body["code"] == "rate_limited" and body["detail"]
    assert 0 < body["retry_after"] <= 60
    assert 1 <= int(response["Retry-After"]) <= 60


# --- messages -------------------------------------------------------------------------------------


def test_fresh_visitors_from_one_address_share_its_message_limit(shop, offline_only, settings):
    settings.CHAT_MESSAGES_PER_MINUTE_PER_IP = 5

    async def scenario():
        answers = []
        for visitor in range(3):
            communicator = await fresh_visitor(shop)
            for number in range(2):
                client_id = f"v{visitor}-{number}"
                await communicator.send_json_to({"type": "message.send", "client_id": client_id, "text": "Hi?"})
                answers.append(await answer_to(communicator, client_id))
            await communicator.disconnect()
        assert [answer["type"] for answer in answers] == ["message.created"] * 5 + ["error"]
        refused = answers[-1]
        assert (refused["code"], refused["client_id"]) == ("rate_limited", "v2-1")
        assert 0 < refused["retry_after"] <= 60

    run(scenario)
    assert Message.objects.filter(sender="customer").count() == 5


def test_the_socket_and_the_http_fallback_count_against_one_address_limit(shop, settings, behind_proxy):
    settings.CHAT_MESSAGES_PER_MINUTE_PER_IP = 3

    async def scenario():
        communicator = await fresh_visitor(shop, ip="198.51.100.7")
        for client_id in ("s1", "s2"):
            await communicator.send_json_to({"type": "message.send", "client_id": client_id, "text": "Hi?"})
            assert (await answer_to(communicator, client_id))["type"] == "message.created"
        await communicator.disconnect()

    run(scenario)
    token = http_hello(shop, ip="198.51.100.7").json()["visitor_token"]
    assert http_send(shop, token, "h1", ip="198.51.100.7").status_code == 201
    assert_refused_with_retry_after(http_send(shop, token, "h2", ip="198.51.100.7"))
    # Another address is not held back by this one.
    other = http_hello(shop, ip="203.0.113.9").json()["visitor_token"]
    assert http_send(shop, other, "o1", ip="203.0.113.9").status_code == 201


def test_a_workspace_limit_holds_across_addresses_and_spares_other_workspaces(shop, settings, behind_proxy):
    settings.CHAT_MESSAGES_PER_MINUTE_PER_WORKSPACE = 4
    other = make_workspace(name="Globex", allowed_origins=[ORIGIN])
    statuses = []
    for number in range(6):
        ip = f"192.0.2.{number + 1}"
        token = http_hello(shop, ip=ip).json()["visitor_token"]
        statuses.append(http_send(shop, token, f"w{number}", ip=ip))
    assert [response.status_code for response in statuses[:4]] == [201] * 4
    assert_refused_with_retry_after(statuses[4])
    assert "too many messages" in statuses[4].json()["detail"]
    token = http_hello(other, ip="192.0.2.99").json()["visitor_token"]
    assert http_send(other, token, "g1", ip="192.0.2.99").status_code == 201


def test_a_companys_backend_is_held_to_the_contact_and_workspace_limits_but_not_the_address_one(workspace, settings):
    """POST /api/chat with an API key speaks for all the company's users from one address."""
    settings.CHAT_MESSAGES_PER_MINUTE_PER_IP = 2
    settings.CHAT_MESSAGES_PER_MINUTE_PER_WORKSPACE = 4
    _key, raw = make_api_key(workspace=workspace, role=Role.AGENT)

    def send(number: int):
        contact = {"external_id": f"user-{number}"}
        body = json.dumps({"client_id": f"api-{number}", "text": "Hi?", "contact": contact})
        return Client().post("/api/chat", body, content_type="application/json", **bearer(raw))

    answers = [send(number) for number in range(5)]
    assert [response.status_code for response in answers[:4]] == [201] * 4
    assert_refused_with_retry_after(answers[4])


# --- hello ----------------------------------------------------------------------------------------


def test_hellos_from_one_address_are_limited_on_the_socket_and_over_http(shop, settings, behind_proxy):
    settings.CHAT_HELLOS_PER_MINUTE_PER_IP = 3

    async def scenario():
        for _ in range(2):
            await (await fresh_visitor(shop, ip="198.51.100.20")).disconnect()
        communicator = await connect(shop, ip="198.51.100.20")
        await communicator.send_json_to({"type": "hello"})
        assert (await receive_type(communicator, "ready"))["type"] == "ready"
        await communicator.disconnect()
        refused_socket = await connect(shop, ip="198.51.100.20")
        await refused_socket.send_json_to({"type": "hello"})
        refused = await receive_type(refused_socket, "ready", "error")
        assert refused["type"] == "error" and refused["code"] == "rate_limited"
        assert 0 < refused["retry_after"] <= 60 and "network" in refused["detail"]
        # Closed with a reason, so the widget reconnects later instead of waiting forever.
        assert await refused_socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4429}

    run(scenario)
    assert_refused_with_retry_after(http_hello(shop, ip="198.51.100.20"))
    assert http_hello(shop, ip="198.51.100.21").status_code == 200


def test_hellos_are_limited_per_workspace(shop, settings, behind_proxy):
    settings.CHAT_HELLOS_PER_MINUTE_PER_WORKSPACE = 3
    other = make_workspace(name="Globex", allowed_origins=[ORIGIN])
    answers = [http_hello(shop, ip=f"192.0.2.{number}").status_code for number in range(1, 5)]
    assert answers == [200, 200, 200, 429]
    assert http_hello(other, ip="192.0.2.50").status_code == 200


def test_the_proxy_header_names_the_client_only_when_it_is_configured(shop, settings):
    settings.CHAT_HELLOS_PER_MINUTE_PER_IP = 2
    # Not configured: a client's own X-Real-IP is ignored, so new values buy nothing.
    assert [http_hello(shop, ip=f"10.9.9.{n}").status_code for n in range(3)] == [200, 200, 429]
    settings.CLIENT_IP_HEADER = "X-Real-IP"
    assert [http_hello(shop, ip=f"10.9.8.{n}").status_code for n in range(3)] == [200, 200, 200]
    # X-Forwarded-For: the right-most address is the one our proxy appended; the client wrote the rest.
    settings.CLIENT_IP_HEADER = "X-Forwarded-For"
    scope = {"headers": [(b"x-forwarded-for", b"1.2.3.4, 203.0.113.5")], "client": ("10.0.0.2", 5555)}
    assert client_ip_for_scope(scope) == "203.0.113.5"
    assert client_ip_for_scope({"headers": [], "client": ("10.0.0.2", 5555)}) == "10.0.0.2"
    # One IPv6 customer line is a /64: its addresses share one allowance.
    assert client_network("2001:db8::1") == client_network("2001:db8::ffff") == "2001:db8::/64"


# --- typing and other frames ------------------------------------------------------------------------


def test_a_typing_flood_is_throttled_before_it_reaches_the_agent(shop, settings):
    settings.CHAT_FRAMES_PER_MINUTE = 120
    flood = 400

    async def scenario():
        communicator = await fresh_visitor(shop)
        await communicator.send_json_to({"type": "message.send", "client_id": "t0", "text": "Hello?"})
        conversation_id = (await answer_to(communicator, "t0"))["conversation_id"]
        # The agent's side: a member of the conversation's group, as the agent monitor is.
        layer = get_channel_layer()
        agent = await layer.new_channel()
        await layer.group_add(conversation_group(conversation_id), agent)
        for number in range(flood):
            await communicator.send_json_to(
                {"type": "typing", "conversation_id": conversation_id, "on": number % 2 == 0}
            )
        # The socket handles its frames in order: once the last refusal is here, every allowed
        # typing frame has been sent on. A loaded machine may take seconds to get there.
        refusals = 0
        while refusals < flood - 120:
            frame = await communicator.receive_json_from(timeout=30)
            if frame["type"] == "error":
                assert frame["code"] == "rate_limited" and frame["retry_after"] > 0
                refusals += 1
        while not await communicator.receive_nothing(timeout=1):
            frame = await communicator.receive_json_from()
            refusals += frame["type"] == "error"
        typing_seen = 0
        while True:
            try:
                message = await asyncio.wait_for(layer.receive(agent), timeout=1)
            except TimeoutError:
                break
            frame = message.get("frame", {})
            typing_seen += frame.get("type") == "typing" and frame.get("sender") == "customer"
        await communicator.disconnect()
        assert typing_seen <= 120
        assert refusals == flood - 120

    run(scenario)


# --- uploads -------------------------------------------------------------------------------------


def upload(workspace, token: str, *, ip: str | None = None, content: bytes = PNG):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("photo.png", content, content_type="image/png")
    return Client().post("/api/chat/attachments", {"file": file}, **http_headers(workspace, ip=ip, token=token))


def test_anonymous_uploads_have_a_quota_per_visitor_and_per_address(shop, settings, behind_proxy):
    settings.CHAT_UPLOADS_PER_HOUR = 2
    settings.CHAT_UPLOADS_PER_HOUR_PER_IP = 3
    first = http_hello(shop, ip="198.51.100.30").json()["visitor_token"]
    assert [upload(shop, first, ip="198.51.100.30").status_code for _ in range(2)] == [201, 201]
    refused = upload(shop, first, ip="198.51.100.30")
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert refused.json()["retry_after"] > 60  # an hourly quota
    # A new visitor from the same address gets only what is left of the address's quota.
    second = http_hello(shop, ip="198.51.100.30").json()["visitor_token"]
    assert [upload(shop, second, ip="198.51.100.30").status_code for _ in range(2)] == [201, 429]
    assert Attachment.objects.count() == 3


def test_anonymous_uploads_have_a_quota_per_workspace(shop, settings, behind_proxy):
    settings.CHAT_UPLOAD_BYTES_PER_HOUR_PER_WORKSPACE = 100
    other = make_workspace(name="Globex", allowed_origins=[ORIGIN])
    tokens = [http_hello(shop, ip=f"192.0.2.{n}").json()["visitor_token"] for n in (1, 2)]
    assert upload(shop, tokens[0], ip="192.0.2.1").status_code == 201
    refused = upload(shop, tokens[1], ip="192.0.2.2")
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    other_token = http_hello(other, ip="192.0.2.3").json()["visitor_token"]
    assert upload(other, other_token, ip="192.0.2.3").status_code == 201


def test_uploads_never_attached_to_a_message_are_deleted_after_a_day(shop, settings):
    contact = Contact.objects.create(workspace=shop, visitor_id="v-upload")
    conversation = services.conversation_start(workspace=shop, contact=contact)

    def stored(name: str, *, hours_ago: int) -> Attachment:
        attachment = Attachment.objects.create(
            workspace=shop, contact=contact, file_name=name, content_type="image/png", size=len(PNG), content=PNG
        )
        Attachment.objects.filter(pk=attachment.pk).update(created_at=timezone.now() - timedelta(hours=hours_ago))
        return attachment

    forgotten, recent, sent = (
        stored("old.png", hours_ago=25),
        stored("new.png", hours_ago=1),
        stored("sent.png", hours_ago=48),
    )
    services.message_receive(conversation=conversation, text="", client_id="m-sent", attachment_ids=[sent.pk])
    assert attachments_unattached_purge() == 1
    assert set(Attachment.objects.values_list("file_name", flat=True)) == {"new.png", "sent.png"}
    assert forgotten.pk not in Attachment.objects.values_list("pk", flat=True)
    scheduled = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled["conversations.tasks.attachments_unattached_purge"] <= 3600
    assert recent.pk


# --- the AI budget ---------------------------------------------------------------------------------


def test_new_workspaces_have_a_monthly_token_budget_by_default(settings):
    from prompts.selectors import tokens_remaining_this_month

    workspace = make_workspace(name="Initech")
    assert settings.DEFAULT_MONTHLY_TOKEN_BUDGET > 0
    assert workspace.monthly_token_budget is None  # no budget of its own: the server's default
    assert workspace.token_budget == settings.DEFAULT_MONTHLY_TOKEN_BUDGET
    assert tokens_remaining_this_month(workspace=workspace) == settings.DEFAULT_MONTHLY_TOKEN_BUDGET


# --- a Redis outage --------------------------------------------------------------------------------


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_with_the_limits_redis_unreachable_no_customer_is_refused(shop, settings):
    """The limits fail open: nothing listens where they look for Redis (the channel layer
    keeps its own, working connection, so replies and typing still travel)."""
    settings.REDIS_URL = f"redis://127.0.0.1:{unused_port()}/0"
    for name in ("CHAT_MESSAGES_PER_MINUTE", "CHAT_HELLOS_PER_MINUTE_PER_IP", "CHAT_FRAMES_PER_MINUTE"):
        setattr(settings, name, 1)

    async def scenario():
        communicator = await fresh_visitor(shop)
        await communicator.send_json_to({"type": "message.send", "client_id": "r1", "text": "Hi?"})
        conversation_id = (await answer_to(communicator, "r1"))["conversation_id"]
        frame = {"type": "message.send", "conversation_id": conversation_id, "client_id": "r2", "text": "And?"}
        await communicator.send_json_to(frame)
        assert (await answer_to(communicator, "r2"))["type"] == "message.created"
        for on in (True, False):
            await communicator.send_json_to({"type": "typing", "conversation_id": conversation_id, "on": on})
        await communicator.send_json_to({"type": "ping"})
        assert (await receive_type(communicator, "pong", "error"))["type"] == "pong"
        await communicator.disconnect()
        await (await fresh_visitor(shop)).disconnect()

    run(scenario)
    token = http_hello(shop).json()["visitor_token"]
    assert upload(shop, token).status_code == 201
