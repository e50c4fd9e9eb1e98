from django.apps import AppConfig


class PromptsConfig(AppConfig):
    name = "prompts"
    verbose_name = "Prompt versions"

    def ready(self) -> None:
        from prompts import signals  # noqa: F401  (connects the receivers)
