"""What the customer's widget is told about who handles their conversation
(``conversation.updated``: ``state``, ``assignee_name``, ``wait_expectation``, ``handed_back``;
docs/protocol.md), live and when a reload resumes it."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from conversations import agent_actions, services
from conversations.chat.payloads import conversation_payload
from conversations.models import Conversation
from tests.conversations.widget_client import receive_type
from tests.monitor.conftest import escalate, widget_watching

ALWAYS_OPEN = [[["00:00", "24:00"]]] * 7
NEVER_OPEN = [[]] * 7


def _payload(conversation) -> dict:
    return conversation_payload(Conversation.objects.select_related("workspace", "assignee").get(pk=conversation.pk))


def _open_hours(workspace, hours, *, minutes: int = 5, language: str = "en") -> None:
    workspace.business_hours_enabled, workspace.business_hours, workspace.timezone = True, hours, "Europe/Berlin"
    workspace.human_reply_expectation_minutes, workspace.widget_language = minutes, language
    workspace.save()


@pytest.mark.django_db
def test_with_the_ai_there_is_nothing_to_wait_for(conversation):
    payload = _payload(conversation)
    assert (payload["state"], payload["assignee_name"]) == ("ai", "")
    assert (payload["wait_expectation"], payload["handed_back"]) == ("", False)


@pytest.mark.django_db
def test_waiting_for_a_person_says_when_one_usually_replies(conversation, shop):
    _open_hours(shop, ALWAYS_OPEN, minutes=7)
    escalate(conversation)
    payload = _payload(conversation)
    assert payload["state"] == "waiting"
    assert payload["wait_expectation"] == "A person usually replies within 7 minutes."
    assert payload["handed_back"] is False


@pytest.mark.django_db
def test_outside_business_hours_the_wait_is_said_in_the_widgets_language(conversation, shop):
    _open_hours(shop, NEVER_OPEN, language="fr")
    escalate(conversation)
    assert _payload(conversation)["wait_expectation"] == (
        "Notre équipe est absente pour le moment ; nous vous répondrons dès que possible."
    )


@pytest.mark.django_db
def test_an_agent_who_claims_it_is_named_and_nobody_is_waited_for(conversation, agent):
    escalate(conversation)
    agent_actions.conversation_take_over(conversation=conversation, user=agent)
    payload = _payload(conversation)
    assert (payload["state"], payload["assignee_name"]) == ("human", agent.display_name)
    assert (payload["wait_expectation"], payload["handed_back"]) == ("", False)


@pytest.mark.django_db
@pytest.mark.parametrize("escalated", [True, False], ids=["from the queue", "taken from the AI"])
def test_after_a_hand_back_the_ai_has_it_again_and_says_so(conversation, agent, escalated):
    if escalated:
        escalate(conversation)
    agent_actions.conversation_take_over(conversation=conversation, user=agent)
    agent_actions.conversation_hand_back(conversation=conversation, user=agent)
    payload = _payload(conversation)
    assert (payload["state"], payload["assignee_name"], payload["handed_back"]) == ("ai", "", True)


@pytest.mark.django_db
def test_once_resolved_the_hand_back_is_history(conversation, agent):
    agent_actions.conversation_take_over(conversation=conversation, user=agent)
    agent_actions.conversation_hand_back(conversation=conversation, user=agent)
    services.conversation_resolve_by_customer(conversation=conversation)
    payload = _payload(conversation)
    assert (payload["state"], payload["handed_back"]) == ("resolved", False)


@pytest.mark.django_db(transaction=True)
def test_the_widget_hears_each_change_live_and_a_reload_resumes_to_the_same_state(conversation, agent, shop):
    _open_hours(shop, ALWAYS_OPEN, minutes=7)
    seen: list[dict] = []

    async def watch_until(widget, predicate) -> dict:
        while True:
            frame = (await receive_type(widget, "conversation.updated"))["conversation"]
            if predicate(frame):
                return frame

    async def resumed() -> dict:
        widget, frames = await widget_watching(shop, conversation.pk)
        await widget.disconnect()
        return frames[-1]["conversation"]

    async def scenario():
        widget, _ = await widget_watching(shop, conversation.pk, after_seq=1)
        await sync_to_async(escalate)(conversation)
        seen.append(await watch_until(widget, lambda c: c["state"] == "waiting"))
        seen.append(await resumed())
        await sync_to_async(agent_actions.conversation_take_over)(conversation=conversation, user=agent)
        seen.append(await watch_until(widget, lambda c: c["state"] == "human"))
        seen.append(await resumed())
        await sync_to_async(agent_actions.conversation_hand_back)(conversation=conversation, user=agent)
        seen.append(await watch_until(widget, lambda c: c["state"] == "ai"))
        seen.append(await resumed())
        await widget.disconnect()

    async_to_sync(scenario)()
    expected = [
        ("waiting", "", "A person usually replies within 7 minutes.", False),
        ("human", agent.display_name, "", False),
        ("ai", "", "", True),
    ]
    said = [(c["state"], c["assignee_name"], c["wait_expectation"], c["handed_back"]) for c in seen]
    # Live, then the same again on a fresh socket's resume (a reload).
    assert said == [expected[0], expected[0], expected[1], expected[1], expected[2], expected[2]]
