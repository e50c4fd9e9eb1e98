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

from accounts.routing import websocket_urlpatterns as workspace_websocket_urlpatterns  # noqa: E402
from conversations.routing import console_websocket_urlpatterns as monitor_websocket_urlpatterns  # noqa: E402
from conversations.routing import websocket_urlpatterns as widget_websocket_urlpatterns  # noqa: E402

console_websocket_urlpatterns = [*workspace_websocket_urlpatterns, *monitor_websocket_urlpatterns]

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
    """Start the process that embeds customers' questions now (it loads the model, about
    5 s), rather than inside the first customer's turn."""
    from knowledge.query_vectors import warm_up

    warm_up()


_warm_up_embeddings()
