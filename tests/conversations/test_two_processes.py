"""Two daphne processes share one Redis: a customer on one and an agent and a second tab on
the other hear the same conversation (DESIGN.md, "Many servers")."""

import asyncio
import json

import pytest
import websockets
from django.test import Client

from tests.live_servers import live_daphne, receive_until  # noqa: F401 - the fixture

pytestmark = [pytest.mark.slow]


def test_a_customer_on_one_process_is_seen_live_on_the_other(live_daphne, workspace, agent, help_centre):  # noqa: F811
    first, second = live_daphne(ASSISTANT_PROVIDER="offline"), live_daphne(ASSISTANT_PROVIDER="offline")
    client = Client()
    client.force_login(agent)
    session_cookie = f"sessionid={client.cookies['sessionid'].value}"
    origin = first.url  # ChatAssist's own host, like the /demo/ page

    async def scenario():
        console = await websockets.connect(
            f"{second.ws_url}/ws/w/{workspace.slug}/",
            additional_headers={"Cookie": session_cookie, "Origin": second.url},
        )
        customer = await websockets.connect(f"{first.ws_url}/ws/widget/?key={workspace.public_key}", origin=origin)
        await customer.send(json.dumps({"type": "hello"}))
        ready = json.loads(await customer.recv())
        await customer.send(json.dumps({"type": "message.send", "client_id": "x1", "text": "How do refunds work?"}))
        created = (await receive_until(customer, lambda f: f["type"] == "message.created"))[-1]
        conversation_id = created["conversation_id"]
        # A second tab of the same visitor, on the other process.
        tab = await websockets.connect(f"{second.ws_url}/ws/widget/?key={workspace.public_key}", origin=second.url)
        await tab.send(json.dumps({"type": "hello", "visitor_token": ready["visitor_token"]}))
        await receive_until(tab, lambda f: f["type"] == "ready")
        await tab.send(json.dumps({"type": "resume", "conversation_id": conversation_id, "after_seq": 0}))
        # The agent's console on the other process hears the customer's message and the reply.
        heard = await receive_until(
            console,
            lambda f: (
                f.get("type") == "conversation.activity"
                and f["frame"].get("type") == "message.created"
                and f["frame"]["message"]["sender"] == "ai"
            ),
        )
        customer_frames = await receive_until(customer, lambda f: f["type"] == "completed")
        tab_frames = await receive_until(
            tab, lambda f: f["type"] == "message.created" and f["message"]["sender"] == "ai"
        )
        for socket in (console, customer, tab):
            await socket.close()
        return conversation_id, heard, customer_frames, tab_frames

    try:
        conversation_id, heard, customer_frames, tab_frames = asyncio.run(scenario())
    except Exception:
        print(first.output()[-4000:], second.output()[-4000:])  # the servers' side of a failure
        raise
    activity = [f["frame"] for f in heard if f.get("type") == "conversation.activity"]
    assert activity[0]["message"]["text"] == "How do refunds work?"
    assert all(f["conversation_id"] == conversation_id for f in activity)
    assert tab_frames[-1]["message"]["text"] == customer_frames[-1]["message"]["text"]
