from django.contrib import admin

from prompts.models import ModelUsage, PromptVersion


@admin.register(PromptVersion)
class PromptVersionAdmin(admin.ModelAdmin):
    list_display = [
        "workspace",
        "number",
        "is_active",
        "primary_model",
        "escalation_threshold",
        "author",
        "note",
        "created_at",
    ]
    list_filter = ["is_active", "workspace"]
    search_fields = ["workspace__name", "note", "system_prompt"]

    def get_readonly_fields(self, request, obj=None):
        # Saved versions are immutable; new ones are made in the console's editor.
        return [field.name for field in PromptVersion._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ModelUsage)
class ModelUsageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "workspace",
        "source",
        "provider",
        "model",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "confidence",
        "fallback_used",
        "budget_exceeded",
    ]
    list_filter = ["source", "provider", "fallback_used", "budget_exceeded", "workspace"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
