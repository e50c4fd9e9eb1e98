"""Status and progress changes reach open consoles, and only once they are committed."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client

from chatassist.asgi import application
from knowledge import services
from knowledge.models import Document, DocumentStatus

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("embedding_model")]


def _session_headers(user):
    client = Client()
    client.force_login(user)
    return [
        (b"origin", b"http://localhost:8000"),
        (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
    ]


def test_every_indexing_step_is_broadcast_after_commit(workspace, owner):
    headers = _session_headers(owner)

    def create_in_a_transaction_then_ingest(communicator_check):
        with transaction.atomic():
            document = services.document_create(
                workspace=workspace, created_by=owner, content=b"# A\n\nText.", file_name="a.md", queue_ingestion=False
            )
            communicator_check()
        return services.document_ingest(document_id=document.pk)

    async def scenario():
        communicator = WebsocketCommunicator(application, f"/ws/w/{workspace.slug}/", headers=headers)
        connected, _ = await communicator.connect(timeout=5)
        assert connected
        pending = []

        def nothing_before_commit():
            pending.append(True)

        document = await sync_to_async(create_in_a_transaction_then_ingest)(nothing_before_commit)
        assert document.status == DocumentStatus.READY
        events = []
        while not await communicator.receive_nothing(timeout=0.5):
            events.append(await communicator.receive_json_from(timeout=1))
        await communicator.disconnect()
        return events

    events = async_to_sync(scenario)()
    # Created, processing at 0, 10, 20, 95, ready: one event each, nothing else.
    assert events == [{"type": "knowledge.updated"}] * 6


def test_nothing_is_broadcast_for_a_change_that_is_rolled_back(workspace, owner):
    headers = _session_headers(owner)

    def create_and_roll_back():
        try:
            with transaction.atomic():
                services.document_create(
                    workspace=workspace, created_by=owner, content=b"Text", file_name="a.txt", queue_ingestion=False
                )
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    async def scenario():
        communicator = WebsocketCommunicator(application, f"/ws/w/{workspace.slug}/", headers=headers)
        assert (await communicator.connect(timeout=5))[0]
        await sync_to_async(create_and_roll_back)()
        assert await communicator.receive_nothing(timeout=0.5)
        await communicator.disconnect()

    async_to_sync(scenario)()
    assert not Document.objects.exists()
