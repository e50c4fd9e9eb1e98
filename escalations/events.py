"""Event types this app appends to the conversations event log that ``conversations.models.
EventType`` does not list yet. ``Event.type`` is a plain character field, so these strings are
stored as they are; once EventType gains them, these constants point at its members."""

# An agent took a queued escalation: the customer is with a person now.
ESCALATION_CLAIMED = "escalation_claimed"
# An agent gave the conversation back to the AI without resolving it.
CONVERSATION_HANDED_BACK = "conversation_handed_back"
