"""One turn: after the customer's message is stored (services.message_receive), the assistant
answers through the same pipeline as the prompt sandbox, with the active prompt version and
the conversation's last N messages, and every reply is stored with its accounting.

``turn_run`` yields the assistant's ``Delta`` and ``Interrupted`` events for the socket that
asked, and a ``ReplyStored`` for each stored message: one at an interruption (the partial
text), one for the final answer."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

from asgiref.sync import sync_to_async

from assistant.types import CompletionResult, Delta, Interrupted, Turn
from conversations import services
from conversations.models import Conversation, Message, Sender
from prompts.models import UsageSource
from prompts.pipeline import prompt_version_run
from prompts.selectors import active_prompt_version


@dataclass(frozen=True)
class ReplyStored:
    message: Message
    stream_id: str


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
        Message.objects.filter(conversation=conversation, seq__lt=before_seq)
        .exclude(sender=Sender.SYSTEM)
        .order_by("-seq")[:turns]
    )
    return [
        Turn(role="customer" if message.sender == Sender.CUSTOMER else "assistant", text=message.text)
        for message in reversed(messages)
    ]


def _turn_inputs(conversation: Conversation, message: Message):
    workspace = conversation.workspace
    prompt_version = active_prompt_version(workspace=workspace)
    if prompt_version is None:
        raise LookupError(f"Workspace {workspace.pk} has no active prompt version.")
    history = conversation_history(
        conversation=conversation, before_seq=message.seq, turns=prompt_version.history_turns
    )
    return workspace, prompt_version, history


async def turn_run(
    *, conversation: Conversation, message: Message, config=None, origin: str = ""
) -> AsyncIterator[Delta | Interrupted | ReplyStored]:
    """``origin``: the channel of the socket that asked, which gets the replies itself."""
    workspace, prompt_version, history = await sync_to_async(_turn_inputs)(conversation, message)
    index = 0
    async for event in prompt_version_run(
        workspace=workspace,
        prompt_version=prompt_version,
        question=message.text,
        history=history,
        source=UsageSource.CONVERSATION,
        config=config,
    ):
        if isinstance(event, Delta):
            yield event
        elif isinstance(event, Interrupted):
            yield event
            if event.text_so_far.strip():
                stream_id = stream_id_for(customer_seq=message.seq, index=index)
                stored = await sync_to_async(services.message_store_ai_reply)(
                    conversation=conversation, text=event.text_so_far, partial=True, stream_id=stream_id, origin=origin
                )
                index += 1
                yield ReplyStored(stored, stream_id)
        elif isinstance(event, CompletionResult):
            stream_id = stream_id_for(customer_seq=message.seq, index=index)
            stored = await sync_to_async(services.message_store_ai_reply)(
                conversation=conversation, text=event.text, result=event, stream_id=stream_id, origin=origin
            )
            yield ReplyStored(stored, stream_id)
