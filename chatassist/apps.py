from django.apps import AppConfig


class ChatAssistConfig(AppConfig):
    name = "chatassist"
    verbose_name = "ChatAssist"

    def ready(self) -> None:
        from chatassist import checks  # noqa: F401  (registers the system checks)
