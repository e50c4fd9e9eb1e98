from django.urls import path

from accounts.consumers import WorkspaceConsumer

websocket_urlpatterns = [
    path("ws/w/<slug:workspace_slug>/", WorkspaceConsumer.as_asgi()),
]
