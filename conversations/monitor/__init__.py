"""The agent side of conversations: the agent monitor's pages and its conversation socket.
``conversations/chat/`` is the customer side."""
