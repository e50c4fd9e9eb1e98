from django.contrib import admin

from escalations.models import Escalation, EscalationDecision, EscalationRule, EscalationRuleVersion


class EscalationRuleVersionInline(admin.TabularInline):
    model = EscalationRuleVersion
    extra = 0
    fields = ["number", "change", "summary", "changed_by", "changed_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(EscalationRule)
class EscalationRuleAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "workspace",
        "position",
        "priority",
        "action",
        "team",
        "enabled",
        "deleted_at",
        "updated_at",
    ]
    list_filter = ["action", "priority", "enabled", "workspace"]
    search_fields = ["name", "workspace__name"]
    inlines = [EscalationRuleVersionInline]

    def get_readonly_fields(self, request, obj=None):
        # Changes go through the rules page, which versions them; here they are read only.
        return [field.name for field in EscalationRule._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EscalationRuleVersion)
class EscalationRuleVersionAdmin(admin.ModelAdmin):
    list_display = ["rule", "number", "change", "summary", "changed_by", "changed_at"]
    list_filter = ["change"]
    search_fields = ["rule__name", "summary"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in EscalationRuleVersion._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EscalationDecision)
class EscalationDecisionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "workspace", "conversation", "rule_name", "rule_priority", "rule_action", "stage"]
    list_filter = ["stage", "rule_action", "rule_priority"]
    search_fields = ["rule_name", "reason", "matched_text"]
    date_hierarchy = "created_at"
    raw_id_fields = ["conversation", "message", "rule"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in EscalationDecision._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    list_display = [
        "queued_at",
        "workspace",
        "conversation",
        "priority",
        "status",
        "outcome",
        "team",
        "claimed_by",
        "summary_source",
        "summary_model",
    ]
    list_filter = ["status", "outcome", "priority", "summary_source"]
    search_fields = ["reason", "summary", "extractive_summary", "team"]
    date_hierarchy = "queued_at"

    def get_readonly_fields(self, request, obj=None):
        # Claims, resolutions and hand-backs go through services, which append their events.
        return [field.name for field in Escalation._meta.fields]

    def has_add_permission(self, request):
        return False
