"""Outages of PostgreSQL and Redis under a live daphne (issue 12, items 6 and 7).

Real outages, never mocks, and never of the suite's shared servers: PostgreSQL is cut with a
TCP proxy between the daphne process and the suite's database, Redis is a dedicated
``redis-server`` that the test stops and starts again (tests/faults/outage_servers.py)."""

import asyncio
import json
import urllib.error
import urllib.request
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import redis
import websockets
from django.conf import settings
from django.db import OperationalError, connection

from assistant.testing.vendor_server import MESSAGES, ScriptedResponse
from assistant.types import CompletionResult
from chatassist.channel_layer import RedisChannelLayer
from conversations import services, turns
from conversations.models import Message, Sender
from conversations.turns import _reply_store
from prompts.models import ModelUsage
from prompts.selectors import active_prompt_version
from tests.factories import make_contact
from tests.faults.outage_servers import DedicatedRedis, TcpCut
from tests.live_servers import live_daphne, receive_until  # noqa: F401 - the fixture

pytestmark = [pytest.mark.slow]

ANSWER = (
    "Refunds are paid back to the card you used within five working days of the return "
    "reaching our warehouse, and you get an e-mail with the amount when it is on its way. "
    "If you paid by bank transfer, we ask for your account details first."
)


def run_within(scenario, seconds: float = 120):
    """``asyncio.run`` that fails instead of hanging when a server never answers."""

    async def bounded():
        async with asyncio.timeout(seconds):
            return await scenario

    return asyncio.run(bounded())


async def wait_for(condition, timeout=30) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


@pytest.fixture
def database_cut():
    database = settings.DATABASES["default"]
    proxy = TcpCut(database["HOST"], int(database["PORT"]))
    yield proxy
    proxy.close()


def test_reply_finished_while_postgresql_is_down_is_stored_when_it_returns(
    live_daphne,  # noqa: F811
    workspace,
    vendor_server,
    database_cut,
):
    database = settings.DATABASES["default"]
    name = connection.settings_dict["NAME"]
    server = live_daphne(
        DATABASE_URL=f"postgres://{database['USER']}:{database['PASSWORD']}@127.0.0.1:{database_cut.port}/{name}",
        ASSISTANT_PROVIDER="anthropic",
        ASSISTANT_FALLBACK_PROVIDER="offline",
        ASSISTANT_MAX_ATTEMPTS="1",
        ANTHROPIC_API_KEY="sk-ant-test-key",
        ANTHROPIC_BASE_URL=vendor_server.anthropic_base_url,
    )
    # Slow enough that the database is cut while the customer watches the reply stream in.
    vendor_server.enqueue(MESSAGES, ScriptedResponse(text=ANSWER, token_delay=0.08))
    url = f"{server.ws_url}/ws/widget/?key={workspace.public_key}"

    async def scenario():
        customer = await websockets.connect(url, origin=server.url)
        await customer.send(json.dumps({"type": "hello"}))
        ready = json.loads(await customer.recv())
        await customer.send(json.dumps({"type": "message.send", "client_id": "q1", "text": "How do refunds work?"}))
        frames = await receive_until(customer, lambda f: f["type"] == "delta")
        created = next(f for f in frames if f["type"] == "message.created")
        question = {**created["message"], "conversation_id": created["conversation_id"]}
        database_cut.cut()
        streamed = "".join(f["text"] for f in frames if f["type"] == "delta")
        # The rest of the reply streams in while PostgreSQL is unreachable; then it is stored:
        # the error the customer got before, or the store tried again (a second connection reset).
        while "account details first" not in streamed:
            frame = json.loads(await customer.recv())
            frames.append(frame)
            streamed += frame["text"] if frame["type"] == "delta" else ""
        outcome = asyncio.ensure_future(receive_until(customer, lambda f: f["type"] in ("completed", "error")))
        retried = asyncio.ensure_future(wait_for(lambda: database_cut.refused >= 2))
        await asyncio.wait([outcome, retried], return_when=asyncio.FIRST_COMPLETED)
        retried.cancel()
        # Meanwhile a page that opens the chat is told to try again later, not failed with 1011
        # or 500: a socket closes with 4503 (the widget reconnects), HTTP answers 503.
        newcomer = await websockets.connect(url, origin=server.url)
        await newcomer.send(json.dumps({"type": "hello"}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await receive_until(newcomer, lambda f: False)
        over_http = await asyncio.to_thread(
            _post, server, "/api/chat/hello", {}, {"X-ChatAssist-Key": workspace.public_key}
        )
        database_cut.restore()
        frames += await outcome
        # A second tab (or the page after a reload) resumes after the question: the reply is there.
        tab = await websockets.connect(url, origin=server.url)
        await tab.send(json.dumps({"type": "hello", "visitor_token": ready["visitor_token"]}))
        await receive_until(tab, lambda f: f["type"] == "ready")
        await tab.send(
            json.dumps({"type": "resume", "conversation_id": question["conversation_id"], "after_seq": question["seq"]})
        )
        resumed = await receive_until(tab, lambda f: f["type"] == "conversation.updated")
        for socket in (customer, tab):
            await socket.close()
        return question, streamed, frames, resumed, closed.value.rcvd.code, over_http

    try:
        question, streamed, frames, resumed, newcomer_code, over_http = run_within(scenario())
    except Exception:
        print(server.output()[-6000:])
        raise
    assert newcomer_code == 4503
    assert (over_http[0], over_http[1].get("code")) == (503, "service_unavailable")
    last = frames[-1]
    assert last["type"] == "completed", last
    assert last["message"]["text"] == streamed.strip()
    replies = [f["message"] for f in resumed if f["type"] == "message.created" and f["message"]["sender"] == "ai"]
    assert [reply["text"] for reply in replies] == [streamed.strip()]
    assert replies[0]["seq"] == question["seq"] + 1
    # Stored once: the question and its one reply.
    stored = list(Message.objects.filter(conversation_id=question["conversation_id"]).order_by("seq"))
    assert [(m.sender, m.text) for m in stored] == [
        (Sender.CUSTOMER, "How do refunds work?"),
        (Sender.AI, streamed.strip()),
    ]


@pytest.mark.django_db
def test_a_reply_stored_again_after_its_commit_answer_was_lost_is_stored_once(workspace):
    """The store is tried again when the connection drops, which may be after PostgreSQL
    committed: the second try finds the reply by its key and records no second usage."""
    conversation = services.conversation_start(workspace=workspace, contact=make_contact(workspace=workspace))
    question, _ = services.message_receive(conversation=conversation, text="How do refunds work?")
    result = CompletionResult(
        text=ANSWER,
        provider="anthropic",
        model="claude-sonnet-4-6",
        input_tokens=120,
        output_tokens=40,
        cost_usd=Decimal("0.00096"),
        first_token_ms=300.0,
        total_ms=2000.0,
        stop_reason="end_turn",
    )
    fields = {
        "conversation": conversation,
        "prompt_version": active_prompt_version(workspace=workspace),
        "stream_id": f"{question.seq}.0",
        "text": ANSWER,
        "result": result,
    }
    first, again = _reply_store(**fields), _reply_store(**fields)
    assert again.message.pk == first.message.pk
    assert again.payload == first.payload
    assert list(Message.objects.filter(conversation=conversation).values_list("seq", "sender")) == [
        (1, Sender.CUSTOMER),
        (2, Sender.AI),
    ]
    assert ModelUsage.objects.filter(workspace=workspace).count() == 1


def test_a_reply_is_given_up_only_after_the_configured_wait(settings, monkeypatch):
    """Bounded: the text is not kept forever; the last failure reaches the turn (reply_failed)."""
    settings.CHAT_REPLY_STORE_RETRY_SECONDS = 0.5
    monkeypatch.setattr(turns, "STORE_RETRY_FIRST_DELAY", 0.05)
    attempts = []

    async def unreachable(function, /, *args, **kwargs):
        attempts.append(function)
        raise OperationalError("connection refused")

    monkeypatch.setattr(turns, "run_db", unreachable)
    conversation = type("Conversation", (), {"pk": 7})()
    with pytest.raises(OperationalError):
        asyncio.run(turns.reply_store_kept(conversation=conversation, text=ANSWER, stream_id="1.0"))
    assert len(attempts) >= 3
    assert set(attempts) == {turns._reply_store}


# --- Redis ---------------------------------------------------------------------------------


@pytest.fixture
def dedicated_redis():
    server = DedicatedRedis().start()
    yield server
    server.stop()


def _hello(socket_url: str, origin: str, **fields):
    async def connect():
        socket = await websockets.connect(socket_url, origin=origin)
        await socket.send(json.dumps({"type": "hello", **fields}))
        ready = (await receive_until(socket, lambda f: f["type"] == "ready"))[-1]
        return socket, ready

    return connect()


def _is_reply(frame: dict) -> bool:
    return frame["type"] in ("message.created", "completed") and frame["message"]["sender"] == "ai"


def test_widget_sockets_survive_a_redis_outage_and_the_first_after_it_works(
    live_daphne,  # noqa: F811
    workspace,
    dedicated_redis,
):
    server = live_daphne(REDIS_URL=dedicated_redis.url, ASSISTANT_PROVIDER="offline")
    url = f"{server.ws_url}/ws/widget/?key={workspace.public_key}"

    async def scenario():
        customer, ready = await _hello(url, server.url)
        await customer.send(json.dumps({"type": "message.send", "client_id": "m1", "text": "Hello"}))
        first = await receive_until(customer, lambda f: f["type"] == "completed")
        conversation_id = first[-1]["conversation_id"]
        # The same visitor's second tab follows the conversation.
        tab, _ = await _hello(url, server.url, visitor_token=ready["visitor_token"])
        await tab.send(json.dumps({"type": "resume", "conversation_id": conversation_id, "after_seq": 0}))
        await receive_until(tab, lambda f: f["type"] == "conversation.updated")

        dedicated_redis.stop()
        # Both sockets stay open and answer; a message sent meanwhile is answered, and the other
        # tab sees the question and the reply (from the database while Redis is away).
        await customer.send(json.dumps({"type": "ping"}))
        await receive_until(customer, lambda f: f["type"] == "pong")
        await customer.send(
            json.dumps({"type": "message.send", "client_id": "m2", "conversation_id": conversation_id, "text": "Hi?"})
        )
        during = await receive_until(customer, lambda f: f["type"] == "completed")
        seen_by_tab = await receive_until(tab, _is_reply)

        dedicated_redis.start()  # empty: every group membership is gone with the old server
        # The first socket after recovery works, and the surviving tab hears it live again.
        late, _ = await _hello(url, server.url, visitor_token=ready["visitor_token"])
        await late.send(
            json.dumps({"type": "message.send", "client_id": "m3", "conversation_id": conversation_id, "text": "Ok"})
        )
        after = await receive_until(late, lambda f: f["type"] == "completed")
        heard_after = await receive_until(
            tab, lambda f: _is_reply(f) and f["message"]["seq"] == after[-1]["message"]["seq"]
        )
        for socket in (customer, tab, late):
            await socket.close()
        return during, seen_by_tab, after, heard_after

    try:
        during, seen_by_tab, after, heard_after = run_within(scenario())
    except Exception:
        print(server.output()[-6000:])
        raise
    reply = during[-1]["message"]
    assert [f["message"]["text"] for f in seen_by_tab if f["type"] == "message.created"][-2:] == ["Hi?", reply["text"]]
    assert after[-1]["message"]["seq"] == reply["seq"] + 2
    assert heard_after[-1]["message"]["text"] == after[-1]["message"]["text"]
    assert "Traceback" not in server.output()


def _post(server, path: str, body: dict, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - the live server's http:// URL
        server.url + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Origin": server.url, **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - as above
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = error.read().decode(errors="replace")
        try:
            return error.code, json.loads(body)
        except ValueError:
            return error.code, {"body": body}


async def _event_stream(server, path: str, headers: dict):
    """A raw HTTP/1.1 GET of an event stream: the status and an iterator of its frames."""
    address = urlsplit(server.url)
    reader, writer = await asyncio.open_connection("127.0.0.1", address.port)
    lines = [f"GET {path} HTTP/1.1", f"Host: {address.netloc}", f"Origin: {server.url}", "Accept: text/event-stream"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    status = int((await reader.readline()).split()[1])

    async def frames():
        while True:
            line = (await reader.readline()).decode().strip()
            if line.startswith("data: "):
                yield json.loads(line[len("data: ") :])

    return status, frames(), writer


def test_the_http_fallback_answers_without_redis(live_daphne, workspace, dedicated_redis):  # noqa: F811
    server = live_daphne(REDIS_URL=dedicated_redis.url, ASSISTANT_PROVIDER="offline")
    key = {"X-ChatAssist-Key": workspace.public_key}
    status, ready = _post(server, "/api/chat/hello", {}, key)
    assert status == 200
    visitor = {**key, "X-ChatAssist-Visitor": ready["visitor_token"]}
    status, sent = _post(server, "/api/chat", {"client_id": "h1", "text": "Hello"}, visitor)
    assert status == 201
    conversation_id = sent["conversation_id"]

    dedicated_redis.stop()

    async def scenario():
        status, frames, writer = await _event_stream(
            server, f"/api/chat/conversations/{conversation_id}/events?after_seq={sent['reply']['seq']}", visitor
        )
        # A reply finished during the outage (here sent over HTTP from another tab) appears on
        # the stream, read from the database.
        status_sent, later = await asyncio.to_thread(
            _post, server, "/api/chat", {"client_id": "h2", "conversation_id": conversation_id, "text": "Hi?"}, visitor
        )
        streamed = [frame async for frame in _until(frames, later["reply"]["seq"])]
        writer.close()
        return status, status_sent, later, streamed

    try:
        status, status_sent, later, streamed = run_within(scenario(), 60)
    except Exception:
        print(server.output()[-6000:])
        raise
    assert (status, status_sent) == (200, 201)
    assert [f["message"]["seq"] for f in streamed if f["type"] == "message.created"] == [
        later["message"]["seq"],
        later["reply"]["seq"],
    ]
    # Typing goes nowhere without Redis, and says so with no error.
    status, typing = _post(
        server, "/api/chat/frame", {"type": "typing", "conversation_id": conversation_id, "on": True}, visitor
    )
    assert (status, typing) == (200, {"frames": []})
    assert "Traceback" not in server.output()


async def _until(frames, seq: int):
    async for frame in frames:
        yield frame
        if frame.get("type") == "message.created" and frame["message"]["seq"] >= seq:
            return


def test_the_first_group_add_after_redis_restarts_reaches_it(dedicated_redis):
    """Every pooled connection died with the old server: the first command on each was refused
    once more after Redis came back."""
    config = {**settings.CHANNEL_LAYERS["default"]["CONFIG"], "prefix": "outage"}
    config["hosts"] = [{**config["hosts"][0], "address": dedicated_redis.url}]
    layer = RedisChannelLayer(**config)

    async def scenario():
        channels = [await layer.new_channel() for _ in range(4)]
        # Four connections in the pool, all open when Redis stops.
        await asyncio.gather(*(layer.group_add(f"room{n}", channel) for n, channel in enumerate(channels)))
        dedicated_redis.stop()
        dedicated_redis.start()
        await layer.group_add("after", channels[0])
        return channels[0]

    channel = run_within(scenario())
    members = redis.Redis.from_url(dedicated_redis.url).zrange("outage:group:after", 0, -1)
    assert members == [channel.encode()]
