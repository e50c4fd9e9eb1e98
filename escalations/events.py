"""Event types this app appends to the conversations event log beyond those
``conversations.models.EventType`` listed when this app was written. ``Event.type`` is a plain
character field, so the strings are stored as they are; the values are the ones EventType
uses (``ESCALATION_CLAIMED``, ``CONVERSATION_HANDED_BACK``), so these constants can become
its members without changing a stored row."""

# An agent took a queued escalation: the customer is with a person now.
ESCALATION_CLAIMED = "escalation_claimed"
# An agent gave the conversation back to the AI without resolving it.
CONVERSATION_HANDED_BACK = "conversation_handed_back"
# The model wrote the escalation's handoff summary (escalations/services/summaries.py); the
# payload names the provider and model, never the text.
ESCALATION_SUMMARIZED = "escalation_summarized"
