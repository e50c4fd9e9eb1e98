"""ASGI entry point for daphne: HTTP through Django, WebSockets through Channels.

Console sockets use the session cookie, so they only accept pages served from our own hosts
(origin checked against ALLOWED_HOSTS). The widget's socket, which lives on customers'
sites, checks origins against each workspace's allowed origins instead."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatassist.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (Django must be set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from accounts.routing import websocket_urlpatterns as console_websocket_urlpatterns  # noqa: E402
from conversations.routing import websocket_urlpatterns as widget_websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": URLRouter(
            [
                # The widget checks its own origins (per workspace) and uses no cookies.
                *widget_websocket_urlpatterns,
                *[
                    path(str(route.pattern), AllowedHostsOriginValidator(AuthMiddlewareStack(route.callback)))
                    for route in console_websocket_urlpatterns
                ],
            ]
        ),
    }
)


def _warm_up_embeddings() -> None:
    """Load the local embedding model now, in a thread, rather than inside the first
    customer's turn: loading takes seconds and holds the GIL, which would stall every socket
    of this process (and keep the first customer waiting)."""
    from django.conf import settings

    if settings.EMBEDDINGS_BACKEND == "local":
        import threading

        from knowledge.embeddings import load_local_model

        threading.Thread(target=load_local_model, name="embeddings-warm-up", daemon=True).start()


_warm_up_embeddings()
