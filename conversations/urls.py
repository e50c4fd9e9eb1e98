"""Conversation pages, mounted under /w/<workspace_slug>/conversations/."""

from django.urls import path

from conversations import views

urlpatterns = [
    path("", views.conversations, name="conversations"),
    path("<int:conversation_id>/", views.conversation_detail, name="conversation"),
    path(
        "<int:conversation_id>/export.md",
        views.conversation_export,
        {"file_format": "md"},
        name="conversation_export_markdown",
    ),
    path(
        "<int:conversation_id>/export.pdf",
        views.conversation_export,
        {"file_format": "pdf"},
        name="conversation_export_pdf",
    ),
]
