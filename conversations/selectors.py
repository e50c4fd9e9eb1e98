"""Reads for conversation history, always scoped to a workspace: the filtered and searched
list, a transcript, and what the pages and exports show about a conversation.

Full-text search matches message text with ``websearch_to_tsquery`` (quotes make phrases,
``-word`` excludes, ``or`` gives alternatives) on the GIN index over
``MESSAGE_SEARCH_VECTOR``; a conversation matches when any of its messages does."""

import html
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import CharField, F, Func, Prefetch, QuerySet, Value
from django.db.models.functions import Replace
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Workspace
from conversations.models import (
    MESSAGE_SEARCH_VECTOR,
    Attachment,
    Conversation,
    Event,
    EventType,
    Message,
)

SEARCH_CONFIG = "english"


@dataclass(frozen=True)
class ConversationFilters:
    """What the history list and the API narrow conversations by; empty means "any".
    ``*_after`` bounds are inclusive, ``*_before`` bounds exclusive."""

    status: str = ""
    channel: str = ""
    tag: str = ""
    topic: str = ""
    started_after: datetime | None = None
    started_before: datetime | None = None
    last_message_after: datetime | None = None
    last_message_before: datetime | None = None
    search: str = ""


def message_search_query(search: str) -> SearchQuery:
    return SearchQuery(search, search_type="websearch", config=SEARCH_CONFIG)


def messages_matching(*, workspace: Workspace, search: str) -> QuerySet[Message]:
    """The workspace's messages whose text matches ``search``. The filter is on the indexed
    expression itself, so PostgreSQL can read the matches from the GIN index."""
    return Message.objects.annotate(search_vector=MESSAGE_SEARCH_VECTOR).filter(
        workspace=workspace, search_vector=message_search_query(search)
    )


def conversations_of(*, workspace: Workspace, filters: ConversationFilters | None = None) -> QuerySet[Conversation]:
    """The workspace's conversations that pass ``filters``, the most recently active first."""
    filters = filters or ConversationFilters()
    conversations = Conversation.objects.filter(workspace=workspace).select_related("contact", "assignee")
    if filters.status:
        conversations = conversations.filter(status=filters.status)
    if filters.channel:
        conversations = conversations.filter(channel=filters.channel)
    if filters.tag:
        conversations = conversations.filter(tags__contains=[filters.tag])
    if filters.topic:
        conversations = conversations.filter(topic__iexact=filters.topic)
    bounds = {
        "started_at__gte": filters.started_after,
        "started_at__lt": filters.started_before,
        "last_message_at__gte": filters.last_message_after,
        "last_message_at__lt": filters.last_message_before,
    }
    conversations = conversations.filter(**{lookup: value for lookup, value in bounds.items() if value is not None})
    if filters.search:
        matching = messages_matching(workspace=workspace, search=filters.search)
        conversations = conversations.filter(pk__in=matching.values("conversation_id"))
    return conversations.order_by(F("last_message_at").desc(nulls_last=True), "-pk")


def search_snippets(*, workspace: Workspace, conversation_ids: list[int], search: str) -> dict[int, SafeString]:
    """For each conversation, its best-matching message's text around the matched words:
    HTML-escaped, with the matches in ``<mark>``. Only for the conversations on one page:
    ranking recomputes the vector of every matching message in them (the index stores no
    vectors to read back), a few milliseconds for conversations of usual length."""
    query = message_search_query(search)
    best = (
        messages_matching(workspace=workspace, search=search)
        .filter(conversation_id__in=conversation_ids)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("conversation_id", "-rank", "seq")
        .distinct("conversation_id")
        .values_list("pk", flat=True)
    )
    # ts_headline inserts these around each match in the raw text. They are random and made
    # of letters and digits: escaping leaves them as they are, and no customer can type them.
    marker = secrets.token_hex(8)
    start, stop = f"{marker}s", f"{marker}e"
    # ts_headline drops whatever looks like an HTML tag from the text it shows; escaped
    # first, the text keeps them (as text), and the escaping is undone in ``highlighted``.
    escaped_text = Replace(
        Replace(Replace("text", Value("&"), Value("&amp;")), Value("<"), Value("&lt;")), Value(">"), Value("&gt;")
    )
    headlines = (
        Message.objects.filter(pk__in=list(best))
        .annotate(
            headline=SearchHeadline(
                escaped_text,
                query,
                config=SEARCH_CONFIG,
                start_sel=start,
                stop_sel=stop,
                max_words=30,
                min_words=12,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
        .values_list("conversation_id", "headline")
    )
    return {conversation_id: highlighted(headline, start, stop) for conversation_id, headline in headlines}


def highlighted(headline: str, start: str, stop: str) -> SafeString:
    """``headline`` is HTML-escaped text with the markers around matches. It is unescaped to
    the plain text, escaped again whole, and only then are the markers turned into
    ``<mark>``: nothing the customer wrote can ever become markup."""
    escaped = escape(html.unescape(headline))
    return mark_safe(escaped.replace(start, "<mark>").replace(stop, "</mark>"))  # noqa: S308 - escaped above


def messages_of(*, conversation: Conversation, after_seq: int = 0) -> QuerySet[Message]:
    """The conversation's messages after ``after_seq``, oldest first, with their author and
    attachments (never the attachments' bytes). For the team: agents' internal notes
    included, each after the message it was written after."""
    attachments = Attachment.objects.defer("content").order_by("pk")
    return (
        Message.objects.filter(conversation=conversation, seq__gt=after_seq)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=attachments))
        .order_by("seq", "pk")
    )


@dataclass(frozen=True)
class EscalationSummary:
    reason: str
    rule: str
    at: datetime


def escalation_of(*, conversation: Conversation) -> EscalationSummary | None:
    """Why the conversation was last handed to a person, from its ``conversation_escalated``
    event; None if it never was."""
    event = (
        Event.objects.filter(conversation=conversation, type=EventType.CONVERSATION_ESCALATED).order_by("-pk").first()
    )
    if event is None:
        return None
    payload = event.payload if isinstance(event.payload, dict) else {}
    return EscalationSummary(
        reason=str(payload.get("reason") or ""), rule=str(payload.get("rule") or ""), at=event.created_at
    )


def tags_in_use(*, workspace: Workspace, limit: int = 200) -> list[str]:
    """Tags on the workspace's conversations, for the filter's suggestions."""
    tags = (
        Conversation.objects.filter(workspace=workspace)
        .annotate(tag=Func(F("tags"), function="unnest", output_field=CharField()))
        .values_list("tag", flat=True)
        .distinct()
        .order_by("tag")
    )
    return list(tags[:limit])


def topics_in_use(*, workspace: Workspace, limit: int = 200) -> list[str]:
    topics = (
        Conversation.objects.filter(workspace=workspace)
        .exclude(topic="")
        .values_list("topic", flat=True)
        .distinct()
        .order_by("topic")
    )
    return list(topics[:limit])
