"""The statements of every stored message, in SQL written once, their rows turned into model
instances as the ORM would build them.

The ORM compiles a query each time it runs: about 0.8 ms of CPU for a SELECT with related
models, several times what PostgreSQL spent answering it, and storing a customer's message
took six such statements. Here it takes three: lock the visitor's conversation and read it
with its workspace and assignee (``conversation_lock``), look for a re-sent client id
(``message_id_with_client_id``), then number, store and log the message in one statement
(``message_insert``). Column lists and defaults come from the models, and each value read
goes through the field's and the backend's converters (the same ``get_db_converters`` the
ORM's compiler applies), so the instances are the ORM's own."""

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection

from accounts.models import Workspace
from conversations.models import Conversation, Event, Message


@cache
def _layout(model) -> tuple[list[str], list[str], list]:
    """Attribute names, column names and (column expression, converters) per concrete field."""
    fields = model._meta.concrete_fields
    columns = [field.get_col(model._meta.db_table) for field in fields]
    converters = [
        (column, connection.ops.get_db_converters(column) + column.get_db_converters(connection)) for column in columns
    ]
    return [field.attname for field in fields], [field.column for field in fields], converters


def select_list(model, alias: str) -> str:
    return ", ".join(f'{alias}."{column}"' for column in _layout(model)[1])


def instance_from(model, row, start: int):
    """The instance made of ``row[start:]``, and the index after its columns."""
    attnames, _, converters = _layout(model)
    end = start + len(attnames)
    values = list(row[start:end])
    for position, (column, functions) in enumerate(converters):
        for function in functions:
            values[position] = function(values[position], column, connection)
    return model.from_db(connection.alias, attnames, values), end


@cache
def _lock_sql(owner_filter: bool) -> str:
    user = get_user_model()
    owner = ' AND c."workspace_id" = %s AND c."contact_id" = %s' if owner_filter else ""
    # FOR UPDATE OF c: only the conversation's row (an outer join's nullable side cannot be
    # locked, and the workspace must not be).
    columns = f"{select_list(Conversation, 'c')}, {select_list(Workspace, 'w')}, {select_list(user, 'u')}"
    return (
        f"SELECT {columns}"  # noqa: S608 - names come from the models; values are parameters
        f' FROM "{Conversation._meta.db_table}" c'
        f' JOIN "{Workspace._meta.db_table}" w ON w."id" = c."workspace_id"'
        f' LEFT JOIN "{user._meta.db_table}" u ON u."id" = c."assignee_id"'
        f' WHERE c."id" = %s{owner} FOR UPDATE OF c'
    )


def conversation_lock(pk: int, *, workspace_id: int | None = None, contact_id: int | None = None):
    """Lock the conversation's row until the transaction ends and read it with its workspace
    and assignee; with ``workspace_id`` and ``contact_id`` only if it is theirs. None when
    there is no such conversation."""
    owner_filter = workspace_id is not None or contact_id is not None
    with connection.cursor() as cursor:
        cursor.execute(_lock_sql(owner_filter), [pk, *((workspace_id, contact_id) if owner_filter else ())])
        row = cursor.fetchone()
    if row is None:
        return None
    conversation, after = instance_from(Conversation, row, 0)
    workspace, after = instance_from(Workspace, row, after)
    assignee, _ = instance_from(get_user_model(), row, after)
    Conversation.workspace.field.set_cached_value(conversation, workspace)
    # The joined rows are read before the wait for the lock; the locked row after it. If the
    # sender it waited for assigned someone else, the joined person is stale: left to load.
    if assignee.pk == conversation.assignee_id:
        Conversation.assignee.field.set_cached_value(conversation, assignee if conversation.assignee_id else None)
    return conversation


def message_id_with_client_id(conversation_id: int, client_id: str) -> int | None:
    """Asked after the lock, in a statement of its own: a subquery of the locking statement
    reads from before the wait for the lock, and would miss the message that the sender it
    waited for has just stored."""
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "id" FROM "{Message._meta.db_table}" WHERE "conversation_id" = %s AND "client_id" = %s LIMIT 1',  # noqa: S608 - the table name is ours; values are parameters
            [conversation_id, client_id],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _insert_columns(model, fields: dict, now, *, computed: dict[str, str]) -> tuple[list[str], list[str], list, dict]:
    """Columns, their SQL (a placeholder, or ``computed``'s expression), the parameters, and
    the instance's attribute values: what ``Model.objects.create(**fields)`` would write,
    defaults and ``auto_now_add`` included."""
    columns, expressions, params, values = [], [], [], {}
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f'"{field.column}"')
        if field.attname in computed:
            expressions.append(computed[field.attname])
            continue
        if field.attname in fields:
            value = fields[field.attname]
        elif getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
            value = now
        else:
            value = field.get_default()
        values[field.attname] = value
        expressions.append("%s")
        params.append(field.get_db_prep_save(value, connection))
    return columns, expressions, params, values


def message_insert(
    locked: Conversation,
    *,
    now,
    event_type: str,
    event_fields: tuple[str, ...] = ("seq", "sender"),
    event_extra: dict | None = None,
    **fields,
) -> Message:
    """The locked conversation's next message, numbered, with its event, whose payload is
    ``message_id``, the message's ``event_fields`` and ``event_extra``: one statement instead
    of the ORM's three, each of which compiled its SQL anew. The caller holds the row lock
    (``conversation_lock``)."""
    fields = {"workspace_id": locked.workspace_id, "conversation_id": locked.pk, **fields}
    columns, expressions, params, values = _insert_columns(Message, fields, now, computed={"seq": 'c."last_seq"'})
    conversations, messages, events = (Conversation._meta.db_table, Message._meta.db_table, Event._meta.db_table)
    payload_columns = [Message._meta.get_field(name).column for name in event_fields]
    payload = ", ".join(
        [
            "'message_id', m.\"id\"",
            *(f"'{name}', m.\"{column}\"" for name, column in zip(event_fields, payload_columns, strict=True)),
        ]
    )
    sql = (
        f'WITH c AS (UPDATE "{conversations}" SET "last_seq" = "last_seq" + 1, "last_message_at" = %s'  # noqa: S608 - names come from the models; values are parameters
        f' WHERE "id" = %s RETURNING "last_seq"),'
        f' m AS (INSERT INTO "{messages}" ({", ".join(columns)}) SELECT {", ".join(expressions)} FROM c RETURNING *)'
        f' INSERT INTO "{events}" ("workspace_id", "conversation_id", "type", "payload", "created_at")'
        f" SELECT %s, %s, %s, jsonb_build_object({payload}) || %s, %s"
        f' FROM m RETURNING (SELECT m."id" FROM m), (SELECT m."seq" FROM m)'
    )
    with connection.cursor() as cursor:
        extra = Event._meta.get_field("payload").get_db_prep_save(event_extra or {}, connection)
        cursor.execute(sql, [now, locked.pk, *params, locked.workspace_id, locked.pk, event_type, extra, now])
        message_id, seq = cursor.fetchone()
    locked.last_seq, locked.last_message_at = seq, now
    message = Message(id=message_id, seq=seq, **values)
    message._state.adding, message._state.db = False, connection.alias
    Message.conversation.field.set_cached_value(message, locked)
    return message
