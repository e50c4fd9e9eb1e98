"""Outages of PostgreSQL and Redis under a live daphne (issue 12, items 6 and 7).

Real outages, never mocks, and never of the suite's shared servers: PostgreSQL is cut with a
TCP proxy between the daphne process and the suite's database, Redis is a dedicated
``redis-server`` that the test stops and starts again (tests/faults/outage_servers.py)."""

import asyncio
import json
from decimal import Decimal

import pytest
import websockets
from django.conf import settings
from django.db import connection

from assistant.testing.vendor_server import MESSAGES, ScriptedResponse
from assistant.types import CompletionResult
from conversations import services
from conversations.models import Message, Sender
from conversations.turns import _reply_store
from prompts.models import ModelUsage
from prompts.selectors import active_prompt_version
from tests.factories import make_contact
from tests.faults.outage_servers import TcpCut
from tests.live_servers import live_daphne  # noqa: F401 - the fixture

pytestmark = [pytest.mark.slow]

ANSWER = (
    "Refunds are paid back to the card you used within five working days of the return "
    "reaching our warehouse, and you get an e-mail with the amount when it is on its way. "
    "If you paid by bank transfer, we ask for your account details first."
)


async def receive_until(socket, predicate, timeout=30) -> list[dict]:
    async with asyncio.timeout(timeout):
        frames = []
        while True:
            frame = json.loads(await socket.recv())
            frames.append(frame)
            if predicate(frame):
                return frames


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
        return question, streamed, frames, resumed

    try:
        question, streamed, frames, resumed = asyncio.run(scenario())
    except Exception:
        print(server.output()[-6000:])
        raise
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
