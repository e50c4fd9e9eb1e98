"""The customer side of a conversation, whatever the transport: the widget's WebSocket, the
HTTP fallback with SSE, and the chat API for companies' backends (docs/protocol.md)."""
