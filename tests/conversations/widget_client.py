"""A widget socket for tests: the real ASGI application, the real Redis channel layer."""

import asyncio
import uuid

from channels.testing import WebsocketCommunicator

from chatassist.asgi import application

ORIGIN = "https://shop.example.com"


async def widget_connect(workspace, *, origin: str | None = ORIGIN, key: str | None = None):
    headers = [(b"origin", origin.encode())] if origin else []
    communicator = WebsocketCommunicator(application, f"/ws/widget/?key={key or workspace.public_key}", headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    assert connected
    return communicator


async def widget_hello(communicator, **fields) -> dict:
    await communicator.send_json_to({"type": "hello", **fields})
    return await receive_type(communicator, "ready")


def client_id() -> str:
    return uuid.uuid4().hex


async def receive_type(communicator, *types: str, timeout: float = 10) -> dict:
    """The next frame of one of ``types``, skipping others (typing, status...)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        frame = await communicator.receive_json_from(timeout=max(0.01, deadline - loop.time()))
        if frame["type"] in types:
            return frame


async def collect_until(communicator, predicate, *, timeout: float = 15) -> list[dict]:
    """Frames up to and including the first for which ``predicate`` is true."""
    frames = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        frame = await communicator.receive_json_from(timeout=max(0.01, deadline - loop.time()))
        frames.append(frame)
        if predicate(frame):
            return frames


def is_final_reply(frame: dict) -> bool:
    return frame["type"] == "completed" and not frame["message"]["partial"]


async def frames_within(communicator, seconds: float) -> list[dict]:
    """Every frame that arrives in the next ``seconds``."""
    frames = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not await communicator.receive_nothing(timeout=max(0.01, deadline - loop.time())):
        frames.append(await communicator.receive_json_from())
    return frames
