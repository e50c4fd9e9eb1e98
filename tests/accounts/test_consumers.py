"""The console socket, against the real ASGI application and the real Redis channel layer."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts import services
from accounts.models import Membership, Role
from chatassist.asgi import application
from tests.factories import make_member

pytestmark = pytest.mark.django_db(transaction=True)


def _headers(user=None, origin="http://localhost:8000"):
    # The origin validator reads ALLOWED_HOSTS when asgi.py is imported, before the test
    # runner adds "testserver"; localhost is in the default ALLOWED_HOSTS.
    headers = [(b"origin", origin.encode())] if origin else []
    if user is not None:
        client = Client()
        client.force_login(user)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    return headers


async def _connect(path, headers):
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    if not connected:
        # As a browser does after the close (see tests/monitor/conftest.py: monitor_connect).
        await communicator.disconnect()
    return communicator, connected, code


def test_member_hears_team_changes_after_commit(workspace, owner, agent):
    headers = _headers(owner)

    async def scenario():
        communicator, connected, _ = await _connect(f"/ws/w/{workspace.slug}/", headers)
        assert connected
        membership = await sync_to_async(Membership.objects.get)(user=agent)
        await sync_to_async(services.membership_change_role)(membership=membership, role=Role.VIEWER)
        assert await communicator.receive_json_from(timeout=5) == {"type": "team.updated"}
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
        await communicator.disconnect()

    async_to_sync(scenario)()


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_strangers_are_refused(workspace, outsider, who):
    headers = _headers(outsider if who == "outsider" else None)

    async def scenario():
        _communicator, connected, code = await _connect(f"/ws/w/{workspace.slug}/", headers)
        assert not connected
        assert code == 4403

    async_to_sync(scenario)()


def test_foreign_origin_is_refused(workspace, owner):
    headers = _headers(owner, origin="https://evil.example")

    async def scenario():
        _communicator, connected, _ = await _connect(f"/ws/w/{workspace.slug}/", headers)
        assert not connected

    async_to_sync(scenario)()


def test_removed_member_is_disconnected_at_the_next_event(workspace, owner):
    removed = make_member(workspace=workspace, role=Role.AGENT)

    headers = _headers(removed.user)

    async def scenario():
        communicator, connected, _ = await _connect(f"/ws/w/{workspace.slug}/", headers)
        assert connected
        await sync_to_async(services.membership_remove)(membership=removed)
        output = await communicator.receive_output(timeout=5)
        assert output == {"type": "websocket.close", "code": 4403}

    async_to_sync(scenario)()


def test_unknown_frames_get_an_error_frame(workspace, owner):
    headers = _headers(owner)

    async def scenario():
        communicator, connected, _ = await _connect(f"/ws/w/{workspace.slug}/", headers)
        assert connected
        for frame in ({"type": "launch"}, ["not", "an", "object"]):
            await communicator.send_json_to(frame)
            reply = await communicator.receive_json_from(timeout=5)
            assert reply["type"] == "error"
            assert reply["code"] == "unknown_frame"
        await communicator.send_to(text_data="{broken json")
        assert (await communicator.receive_json_from(timeout=5))["code"] == "invalid_json"
        await communicator.send_to(bytes_data=b"\x00binary")
        assert (await communicator.receive_json_from(timeout=5))["code"] == "invalid_json"
        await communicator.send_json_to({"type": "ping"})  # the socket is still alive
        assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_viewers_hear_that_a_conversation_changed_but_never_what_was_written(workspace, viewer):
    from conversations.models import Contact
    from conversations.services import conversation_start, message_receive

    contact = Contact.objects.create(workspace=workspace, name="Ada")
    conversation = conversation_start(workspace=workspace, contact=contact)
    headers = _headers(viewer)

    async def scenario():
        communicator, connected, _ = await _connect(f"/ws/w/{workspace.slug}/", headers)
        assert connected
        await sync_to_async(message_receive)(conversation=conversation, text="my secret card ends 4242", client_id="v1")
        event = await communicator.receive_json_from(timeout=5)
        assert event == {"type": "conversation.activity", "conversation_id": conversation.pk}
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_an_agent_made_a_viewer_mid_session_stops_hearing_what_customers_write(workspace, owner):
    """The membership is not read before every event (a trip to the database per live update),
    but a role change announces itself and is heard at once."""
    from conversations.models import Contact
    from conversations.services import conversation_start, message_receive

    agent = make_member(workspace=workspace, role=Role.AGENT)
    contact = Contact.objects.create(workspace=workspace, name="Ada")
    conversation = conversation_start(workspace=workspace, contact=contact)
    headers = _headers(agent.user)

    async def scenario():
        communicator, connected, _ = await _connect(f"/ws/w/{workspace.slug}/", headers)
        assert connected
        await sync_to_async(message_receive)(conversation=conversation, text="hello there", client_id="a1")
        heard = await communicator.receive_json_from(timeout=5)
        assert heard["type"] == "conversation.activity" and "frame" in heard
        await sync_to_async(services.membership_change_role)(membership=agent, role=Role.VIEWER)
        assert await communicator.receive_json_from(timeout=5) == {"type": "team.updated"}
        await sync_to_async(message_receive)(conversation=conversation, text="my card ends 4242", client_id="a2")
        event = await communicator.receive_json_from(timeout=5)
        assert event == {"type": "conversation.activity", "conversation_id": conversation.pk}
        await communicator.disconnect()

    async_to_sync(scenario)()
