"""REST API of conversation history, mounted under /api/v1/."""

from django.urls import path

from conversations import apis

urlpatterns = [
    path("conversations/", apis.ConversationListApi.as_view(), name="api_conversations"),
    path("conversations/<int:conversation_id>/", apis.ConversationDetailApi.as_view(), name="api_conversation"),
    path(
        "conversations/<int:conversation_id>/messages/",
        apis.MessageListApi.as_view(),
        name="api_conversation_messages",
    ),
    path(
        "conversations/<int:conversation_id>/export/",
        apis.ConversationExportApi.as_view(),
        name="api_conversation_export",
    ),
]
