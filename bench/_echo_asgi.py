"""The ASGI application for the echo baseline: ``daphne bench._echo_asgi:application``.

Django is set up with ChatAssist's settings (so the consumer gets the same Redis channel
layer as the widget's), but no view, middleware or URLconf of ours runs: HTTP answers 200
to anything (the readiness probe), ``/ws/echo/`` echoes."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatassist.settings")

import django

django.setup()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

from bench._echo_consumer import EchoConsumer  # noqa: E402


async def _ok(scope, receive, send):
    await receive()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


application = ProtocolTypeRouter(
    {
        "http": _ok,
        "websocket": URLRouter([path("ws/echo/", EchoConsumer.as_asgi())]),
    }
)
