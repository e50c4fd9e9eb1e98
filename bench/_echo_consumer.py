"""A bare Channels consumer that sends every text frame straight back: the baseline that
bench/chat.py compares the widget socket with (same daphne, same Channels, same settings
and channel layer, no application code)."""

from channels.generic.websocket import AsyncWebsocketConsumer


class EchoConsumer(AsyncWebsocketConsumer):
    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data=text_data, bytes_data=bytes_data)
