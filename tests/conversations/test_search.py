"""Full-text search of message text: web-search syntax, per workspace, answered from the GIN
index, and never an error whatever the customer or agent types."""

import pytest
from django.db import connection

from conversations import selectors
from conversations.models import Message
from conversations.selectors import ConversationFilters
from tests.factories import make_conversation, make_message

pytestmark = pytest.mark.django_db


def _found(workspace, search: str) -> list[int]:
    filters = ConversationFilters(search=search)
    return [conversation.pk for conversation in selectors.conversations_of(workspace=workspace, filters=filters)]


def _fill(workspace, conversation, count: int) -> None:
    """``count`` ordinary messages, written by PostgreSQL itself, then fresh statistics."""
    table = Message._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (workspace_id, conversation_id, seq, sender, text, client_id, status, created_at,
                provider, model, input_tokens, output_tokens, cost_usd, citations, partial)
            SELECT %s, %s, 1000 + n, 'customer', 'How do I change the password of account ' || n || ', please?',
                '', 'sent', now(), '', '', 0, 0, 0, '[]', false
            FROM generate_series(1, %s) AS n
            """,  # noqa: S608 - the table name is ours; values are parameters
            [workspace.pk, conversation.pk, count],
        )
        cursor.execute(f"ANALYZE {table}")


def test_the_conversation_search_reads_the_gin_index(workspace):
    conversation = make_conversation(workspace=workspace)
    make_message(conversation=conversation, text="My refund never arrived.")
    _fill(workspace, conversation, 20_000)
    plan = selectors.conversations_of(workspace=workspace, filters=ConversationFilters(search="refund")).explain()
    assert "Bitmap Index Scan on message_text_search_gin" in plan, plan
    assert _found(workspace, "refund") == [conversation.pk]


def test_the_snippet_query_reads_the_gin_index(workspace):
    conversation = make_conversation(workspace=workspace)
    _fill(workspace, conversation, 20_000)
    plan = selectors.messages_matching(workspace=workspace, search="refund").explain()
    assert "message_text_search_gin" in plan, plan


def test_words_are_stemmed_and_all_must_match(workspace):
    conversation = make_conversation(workspace=workspace)
    make_message(conversation=conversation, text="I was charged twice for the annual plans")
    assert _found(workspace, "charge plan") == [conversation.pk]
    assert _found(workspace, "charge refund") == []


def test_quotes_make_a_phrase_and_minus_excludes(workspace):
    phrase = make_conversation(workspace=workspace)
    make_message(conversation=phrase, text="The annual plan renews in March")
    scattered = make_conversation(workspace=workspace)
    make_message(conversation=scattered, text="Plan for an annual review")
    assert _found(workspace, '"annual plan"') == [phrase.pk]
    assert _found(workspace, "annual -review") == [phrase.pk]


def test_a_conversation_matching_in_several_messages_is_listed_once(workspace):
    conversation = make_conversation(workspace=workspace)
    make_message(conversation=conversation, text="refund please")
    make_message(conversation=conversation, text="still waiting for the refund")
    assert _found(workspace, "refund") == [conversation.pk]


def test_another_workspaces_messages_are_never_found(workspace, other_workspace):
    theirs = make_conversation(workspace=other_workspace)
    make_message(conversation=theirs, text="zeppelin")
    assert _found(workspace, "zeppelin") == []
    assert _found(other_workspace, "zeppelin") == [theirs.pk]
    snippets = selectors.search_snippets(workspace=workspace, conversation_ids=[theirs.pk], search="zeppelin")
    assert snippets == {}


@pytest.mark.parametrize("search", ['"unbalanced', "-", "&|!():*", "'", "the", "\\", "a" * 200, "<script>"])
def test_any_input_is_a_valid_query(workspace, search):
    conversation = make_conversation(workspace=workspace)
    make_message(conversation=conversation, text="hello there")
    assert _found(workspace, search) == []


def test_snippet_shows_the_best_matching_message(workspace):
    conversation = make_conversation(workspace=workspace)
    make_message(conversation=conversation, text="Refund?")
    make_message(conversation=conversation, text="I need a refund, a refund for the refund of my refunds.")
    snippets = selectors.search_snippets(workspace=workspace, conversation_ids=[conversation.pk], search="refund")
    assert snippets[conversation.pk].count("<mark>") == 4
