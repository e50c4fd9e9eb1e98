"""Operator views of documents and chunks. The original bytes and the vectors are never
loaded or shown here: they can be megabytes, and mean nothing on screen."""

from django.contrib import admin, messages
from django.template.defaultfilters import filesizeformat

from knowledge import services
from knowledge.models import Chunk, Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "workspace", "kind", "status", "progress", "chunk_count", "size", "created_at"]
    list_filter = ["status", "kind", "embedding_model", "workspace"]
    search_fields = ["title", "file_name", "workspace__name"]
    list_select_related = ["workspace"]
    # The default manager already defers "original" and "extracted_text"; the form must not
    # ask for them either.
    exclude = ["original", "extracted_text"]
    readonly_fields = [
        "workspace",
        "kind",
        "file_name",
        "size",
        "status",
        "failure_reason",
        "progress",
        "chunk_count",
        "embedding_model",
        "created_by",
        "created_at",
        "updated_at",
        "indexed_at",
    ]
    actions = ["reindex"]

    @admin.display(description="Size", ordering="byte_size")
    def size(self, document):
        return filesizeformat(document.byte_size)

    @admin.action(description="Re-index the selected documents")
    def reindex(self, request, queryset):
        for document in queryset:
            services.document_reindex(document=document)
        messages.success(request, f"{queryset.count()} document(s) queued for re-indexing.")

    def delete_model(self, request, obj):
        services.document_delete(document=obj)

    def delete_queryset(self, request, queryset):
        for document in queryset:
            services.document_delete(document=document)


@admin.register(Chunk)
class ChunkAdmin(admin.ModelAdmin):
    list_display = ["__str__", "document", "workspace", "ordinal", "section", "token_count"]
    list_filter = ["workspace"]
    search_fields = ["section", "text", "document__title"]
    list_select_related = ["document", "workspace"]
    raw_id_fields = ["document", "workspace"]
    exclude = ["embedding"]
    readonly_fields = ["workspace", "document", "ordinal", "section", "text", "token_count"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("embedding", "search_vector")

    def has_add_permission(self, request):
        # Chunks come from indexing a document, never from a form.
        return False
