from django.urls import path

from conversations.chat import http

urlpatterns = [
    path("config", http.config, name="chat_config"),
    path("hello", http.hello, name="chat_hello"),
    path("frame", http.frame, name="chat_frame"),
    path("attachments", http.attachments, name="chat_attachments"),
    path("attachments/<int:attachment_id>/<str:signature>", http.attachment_download, name="chat_attachment"),
    path("conversations/<int:conversation_id>/messages", http.messages, name="chat_messages"),
    path("conversations/<int:conversation_id>/events", http.events, name="chat_events"),
]
