from django.urls import path

from conversations.consumers import WidgetConsumer
from conversations.monitor.consumers import ConversationMonitorConsumer

websocket_urlpatterns = [
    path("ws/widget/", WidgetConsumer.as_asgi()),
]

# The console's sockets: session cookie, so asgi.py checks the origin and loads the user.
console_websocket_urlpatterns = [
    path("ws/w/<slug:workspace_slug>/conversations/<int:conversation_id>/", ConversationMonitorConsumer.as_asgi()),
]
