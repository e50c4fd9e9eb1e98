"""Shared pieces of the agent monitor's tests: a customer's conversation the widget can
resume (a verified identity, so no AI turn is needed to make it), an escalation made by the
default rules, and console sockets for members."""

import hashlib
import hmac
import time

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

from chatassist.asgi import application
from conversations import services
from conversations.models import Contact
from escalations import services as escalation_services
from tests.conversations.widget_client import ORIGIN, receive_type, widget_connect, widget_hello

CUSTOMER_ID = "customer-7"


@pytest.fixture
def shop(workspace):
    workspace.allowed_origins = [ORIGIN]
    workspace.save(update_fields=["allowed_origins"])
    return workspace


def identity(workspace, user_id: str = CUSTOMER_ID) -> dict:
    timestamp = int(time.time())
    payload = f"{user_id}:{timestamp}".encode()
    user_hash = hmac.new(workspace.identity_secret.encode(), payload, hashlib.sha256).hexdigest()
    return {"user_id": user_id, "timestamp": timestamp, "user_hash": user_hash}


def customer_conversation(workspace, *, text: str = "Where is my invoice?", name: str = "Ada Customer"):
    """A conversation of the verified contact ``CUSTOMER_ID`` with one customer message."""
    contact, _ = Contact.objects.get_or_create(
        workspace=workspace, external_id=CUSTOMER_ID, defaults={"verified": True, "name": name}
    )
    conversation = services.conversation_start(workspace=workspace, contact=contact)
    message, _ = services.message_receive(conversation=conversation, text=text, client_id="c1")
    return message.conversation


@pytest.fixture
def conversation(shop):
    return customer_conversation(shop)


def escalate(conversation, text: str = "Refund my $900 now or I'll call my lawyer"):
    """A queued P1 escalation through the default rules (the legal mention)."""
    message, _ = services.message_receive(conversation=conversation, text=text)
    decision = escalation_services.rules_evaluate(conversation=conversation, message=message, stage="before")
    return escalation_services.escalation_open(conversation=conversation, decision=decision)


def console_headers(user=None, origin: str = "http://localhost:8000") -> list:
    # The origin validator reads ALLOWED_HOSTS when asgi.py is imported; localhost is in it.
    headers = [(b"origin", origin.encode())] if origin else []
    if user is not None:
        client = Client()
        client.force_login(user)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return headers


async def monitor_connect(workspace, conversation_id: int, headers: list):
    """(communicator, connected, close code) for the console's conversation socket. A refused
    socket is then disconnected, as a browser's is after the close: otherwise its consumer is
    left to be cancelled when the test's event loop ends, mid-wait on the channel layer, which
    now and then never finished (redis-py), and the test hung."""
    path = f"/ws/w/{workspace.slug}/conversations/{conversation_id}/"
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    if not connected:
        await communicator.disconnect()
    return communicator, connected, code


async def widget_watching(workspace, conversation_id: int, *, after_seq: int = 0):
    """The customer's widget, subscribed to the conversation (resume answered), and the
    frames resume sent."""
    communicator = await widget_connect(workspace)
    await widget_hello(communicator, identity=identity(workspace))
    await communicator.send_json_to({"type": "resume", "conversation_id": conversation_id, "after_seq": after_seq})
    frames = []
    while True:
        frame = await receive_type(communicator, "message.created", "conversation.updated")
        frames.append(frame)
        if frame["type"] == "conversation.updated":
            return communicator, frames
