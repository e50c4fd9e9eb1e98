"""The agent monitor, mounted under /w/<workspace_slug>/monitor/."""

from django.urls import path

from conversations.monitor import views

urlpatterns = [
    path("", views.monitor, name="monitor"),
    path("<int:conversation_id>/", views.monitor_conversation, name="monitor_conversation"),
    path("<int:conversation_id>/messages/", views.monitor_messages, name="monitor_messages"),
    path("<int:conversation_id>/panel/", views.monitor_panel, name="monitor_panel"),
    path("<int:conversation_id>/send/", views.monitor_send, name="monitor_send"),
    path("<int:conversation_id>/take-over/", views.monitor_take_over, name="monitor_take_over"),
    path("<int:conversation_id>/hand-back/", views.monitor_hand_back, name="monitor_hand_back"),
    path("<int:conversation_id>/resolve/", views.monitor_resolve, name="monitor_resolve"),
    path("<int:conversation_id>/close/", views.monitor_close, name="monitor_close"),
    path("<int:conversation_id>/triage/", views.monitor_triage, name="monitor_triage"),
]
