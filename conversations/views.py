"""The Conversations pages: the history with filters and full-text search, one
conversation's read-only transcript with the AI's provenance, and its exports.

For members whose role can view conversations (admins and agents); the live agent monitor
is the "Chat monitor" section."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import workspace_view
from conversations import access, export, selectors
from conversations.forms import ConversationFilterForm

CONVERSATIONS_PER_PAGE = 25
MESSAGES_PER_PAGE = 100


@require_GET
@workspace_view("can_view_conversations")
def conversations(request):
    form = ConversationFilterForm(request.GET)
    page, snippets = None, {}
    if form.is_valid():
        filters = form.filters()
        found = selectors.conversations_of(workspace=request.workspace, filters=filters)
        page = Paginator(found, CONVERSATIONS_PER_PAGE).get_page(request.GET.get("page"))
        if filters.search:
            ids = [conversation.pk for conversation in page]
            snippets = selectors.search_snippets(
                workspace=request.workspace, conversation_ids=ids, search=filters.search
            )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter_form": form,
        "page": page,
        "rows": [(conversation, snippets.get(conversation.pk)) for conversation in page or []],
        "query_string": query.urlencode(),
        "tags": selectors.tags_in_use(workspace=request.workspace),
        "topics": selectors.topics_in_use(workspace=request.workspace),
    }
    template = "conversations/partials/history_section.html" if request.htmx else "conversations/list.html"
    return render(request, template, context, status=422 if form.errors else 200)


@require_GET
@workspace_view("can_view_conversations")
def conversation_detail(request, conversation_id: int):
    conversation = access.conversation_for(request.workspace, conversation_id)
    messages = selectors.messages_of(conversation=conversation)
    context = {
        "conversation": conversation,
        "transcript": Paginator(messages, MESSAGES_PER_PAGE).get_page(request.GET.get("page")),
        "escalation": selectors.escalation_of(conversation=conversation),
    }
    return render(request, "conversations/detail.html", context)


@require_GET
@workspace_view("can_view_conversations")
def conversation_export(request, conversation_id: int, file_format: str):
    """A download: Markdown or PDF (the format comes from the URL pattern)."""
    return export.export_download(access.conversation_for(request.workspace, conversation_id), file_format)
