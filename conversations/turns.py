"""One turn: after the customer's message is stored (services.message_receive), the assistant
answers through the same pipeline as the prompt sandbox, with the active prompt version and
the conversation's last N messages, and every reply is stored with its accounting.

``turn_run`` yields the assistant's ``Delta`` and ``Interrupted`` events for the socket that
asked, and a ``ReplyStored`` for each stored message: one at an interruption (the partial
text), one for the final answer."""

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from concurrent.futures import Future
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from assistant.backoff import retry_delay
from assistant.types import CompletionResult, Delta, Interrupted, Turn
from chatassist.db_threads import DATABASE_UNREACHABLE, run_db
from conversations import services
from conversations.chat.payloads import message_payload
from conversations.models import Conversation, Message, Sender
from knowledge.query_vectors import query_vector_submit
from prompts.models import UsageSource
from prompts.pipeline import RunInputs, prompt_version_run, run_inputs_read
from prompts.selectors import active_prompt_version
from prompts.services import model_usage_record

logger = logging.getLogger(__name__)

STORE_RETRY_FIRST_DELAY = 0.5
STORE_RETRY_MAX_DELAY = 5.0


@dataclass(frozen=True)
class ReplyStored:
    message: Message
    stream_id: str
    payload: dict


def stream_id_for(*, customer_seq: int, index: int) -> str:
    """Names one streamed bubble: the customer's message it answers, and which attempt (a
    reply cut off mid-stream is followed by the fallback's answer in a new bubble)."""
    return f"{customer_seq}.{index}"


def conversation_history(*, conversation: Conversation, before_seq: int, turns: int) -> list[Turn]:
    """The last ``turns`` customer, AI and agent messages before ``before_seq``, oldest first.
    System messages never reach a model."""
    if turns <= 0:
        return []
    messages = (
        # Agents' internal notes never reach a model: it could repeat them to the customer.
        Message.objects.filter(conversation=conversation, seq__lt=before_seq, internal=False)
        .exclude(sender=Sender.SYSTEM)
        .order_by("-seq")[:turns]
    )
    return [
        Turn(role="customer" if message.sender == Sender.CUSTOMER else "assistant", text=message.text)
        for message in reversed(messages)
    ]


@dataclass(frozen=True)
class _TurnInputs:
    workspace: object
    prompt_version: object
    history: list[Turn]
    run_inputs: RunInputs


def _turn_inputs(conversation: Conversation, message: Message, query_vector) -> _TurnInputs:
    """Everything the turn reads before the model, in one trip to a database thread."""
    workspace = conversation.workspace
    prompt_version = active_prompt_version(workspace=workspace)
    if prompt_version is None:
        raise LookupError(f"Workspace {workspace.pk} has no active prompt version.")
    history = conversation_history(
        conversation=conversation, before_seq=message.seq, turns=prompt_version.history_turns
    )
    run_inputs = run_inputs_read(workspace=workspace, question=message.text, query_vector=query_vector)
    return _TurnInputs(workspace, prompt_version, history, run_inputs)


def _reply_store(*, conversation, prompt_version, stream_id: str, result=None, **fields) -> ReplyStored:
    """The reply and, for a finished answer, the model usage it cost: one transaction, and
    the reply's frame payload built in the same trip to the database thread. Stored once:
    a second call for the same ``stream_id`` returns the first's reply and records no usage."""
    with transaction.atomic():
        message, created = services.message_store_ai_reply(
            conversation=conversation, result=result, stream_id=stream_id, **fields
        )
        if created and result is not None:
            model_usage_record(
                workspace=conversation.workspace,
                result=result,
                source=UsageSource.CONVERSATION,
                prompt_version=prompt_version,
            )
    return ReplyStored(message, stream_id, message_payload(message))


async def reply_store_kept(**fields) -> ReplyStored:
    """``_reply_store``, tried again while the database cannot be reached, for up to
    ``CHAT_REPLY_STORE_RETRY_SECONDS``: the customer has seen the text stream by, so it is kept
    in this process's memory meanwhile (waits with full jitter up to 0.5 s, doubling to 5 s, so
    that every process holding replies does not hit the recovering database at one instant) and
    stored when the database returns; clients that reconnected get it by its sequence number. A commit whose
    answer was lost with the connection is not stored twice (``_reply_store`` is idempotent)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.CHAT_REPLY_STORE_RETRY_SECONDS
    attempts = 0
    while True:
        try:
            stored = await run_db(_reply_store, **fields)
        except DATABASE_UNREACHABLE:
            delay = retry_delay(
                retry_number=attempts,
                base=STORE_RETRY_FIRST_DELAY,
                cap=STORE_RETRY_MAX_DELAY,
                jitter_fraction=random.random,
            )
            attempts += 1
            if loop.time() + delay > deadline:
                logger.error(
                    "The database stayed unreachable for %s s: a reply of %s characters to conversation %s is lost",
                    settings.CHAT_REPLY_STORE_RETRY_SECONDS,
                    len(fields.get("text", "")),
                    fields["conversation"].pk,
                )
                raise
            if attempts == 1:
                logger.warning(
                    "The database is unreachable; the reply to conversation %s is kept and stored when it returns",
                    fields["conversation"].pk,
                )
            await asyncio.sleep(delay)
            continue
        if attempts:
            logger.warning(
                "The reply to conversation %s is stored after %s attempts", fields["conversation"].pk, attempts + 1
            )
        return stored


async def turn_run(
    *,
    conversation: Conversation,
    message: Message,
    config=None,
    origin: str = "",
    query_vector: "Future | None" = None,
) -> AsyncIterator[Delta | Interrupted | ReplyStored]:
    """``origin``: the channel of the socket that asked, which gets the replies itself.
    ``query_vector``: the question's vector, if the caller started it already
    (knowledge/query_vectors.py); otherwise it is started here."""
    if query_vector is None:
        query_vector = query_vector_submit(message.text)
    inputs = await run_db(_turn_inputs, conversation, message, query_vector)
    index = 0
    async for event in prompt_version_run(
        workspace=inputs.workspace,
        prompt_version=inputs.prompt_version,
        question=message.text,
        history=inputs.history,
        source=UsageSource.CONVERSATION,
        config=config,
        inputs=inputs.run_inputs,
        record_usage=False,
    ):
        if isinstance(event, Delta):
            yield event
        elif isinstance(event, Interrupted):
            yield event
            if event.text_so_far.strip():
                stream_id = stream_id_for(customer_seq=message.seq, index=index)
                yield await reply_store_kept(
                    conversation=conversation,
                    prompt_version=inputs.prompt_version,
                    text=event.text_so_far,
                    partial=True,
                    stream_id=stream_id,
                    origin=origin,
                )
                index += 1
        elif isinstance(event, CompletionResult):
            stream_id = stream_id_for(customer_seq=message.seq, index=index)
            yield await reply_store_kept(
                conversation=conversation,
                prompt_version=inputs.prompt_version,
                text=event.text,
                result=event,
                stream_id=stream_id,
                origin=origin,
            )
