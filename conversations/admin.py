from django.contrib import admin

from conversations.models import Attachment, Contact, Conversation, Event, Message


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "workspace", "email", "external_id", "verified", "created_at", "last_seen_at"]
    list_filter = ["verified", "workspace"]
    search_fields = ["email", "name", "external_id"]


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["seq", "sender", "text", "status", "provider", "model", "confidence", "created_at"]
    readonly_fields = fields
    can_delete = False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "workspace",
        "contact",
        "status",
        "priority",
        "channel",
        "topic",
        "assignee",
        "last_message_at",
    ]
    list_filter = ["status", "channel", "priority", "workspace"]
    list_select_related = ["workspace", "contact", "assignee"]
    # A select of every contact or user in the database would not do.
    raw_id_fields = ["contact", "assignee"]
    search_fields = ["contact__email", "contact__name", "contact__external_id", "topic"]
    readonly_fields = ["last_seq", "started_at", "last_message_at", "resolved_at"]
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = [
        "conversation",
        "seq",
        "sender",
        "internal",
        "status",
        "provider",
        "model",
        "confidence",
        "created_at",
    ]
    list_filter = ["sender", "internal", "status", "provider"]
    list_select_related = ["conversation__contact"]
    search_fields = ["text"]
    readonly_fields = [field.name for field in Message._meta.fields]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["file_name", "content_type", "size", "message", "created_at"]
    list_select_related = ["message"]
    raw_id_fields = ["message", "contact"]
    exclude = ["content"]

    def get_queryset(self, request):
        # Up to megabytes each: the list and the form never need the bytes.
        return super().get_queryset(request).defer("content")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "type", "workspace", "conversation"]
    list_filter = ["type", "workspace"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # append-only
