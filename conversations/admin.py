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
    search_fields = ["contact__email", "contact__name", "topic"]
    readonly_fields = ["last_seq", "started_at", "last_message_at", "resolved_at"]
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["conversation", "seq", "sender", "status", "provider", "model", "confidence", "created_at"]
    list_filter = ["sender", "status", "provider"]
    search_fields = ["text"]
    readonly_fields = [field.name for field in Message._meta.fields]


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["file_name", "content_type", "size", "message", "created_at"]
    exclude = ["content"]


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
