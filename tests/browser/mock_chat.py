"""A fake ChatAssist server inside the browser's network layer (Playwright routes), for the
widget's own behaviour: what it renders for each frame, its outbox, its fallback. The real
server is exercised end to end in test_demo_widget.py; here each frame is chosen by hand so
that edge cases (a lost coalesced delta, a rate limit, hostile Markdown) are exact."""

import json
import re
from pathlib import Path

from django.conf import settings

WIDGET = Path(settings.BASE_DIR) / "static" / "widget" / "chatassist.js"
CHAT = "http://chat.test"
SHOP = "http://shop.test"
KEY = "pk_test_widget"

HOST_PAGE = f"""<!doctype html><html><head><meta name="viewport" content="width=device-width, initial-scale=1">
<style>* {{ color: red !important; font-family: serif !important; }} div {{ display: none !important; }}</style>
</head><body><h1>Shop</h1>
<script src="{CHAT}/static/widget/chatassist.js" data-key="{KEY}" async></script></body></html>"""

CONFIG = {
    "name": "Acme",
    "color": "#0f766e",
    "language": "en",
    "welcome_message": "Hi! Ask me anything.",
    "suggestions": ["Where is my invoice?", "Reset my password"],
    "show_branding": True,
    "socket_url": CHAT.replace("http", "ws") + "/ws/widget/",
}


def message(seq, sender, text, **fields):
    return {
        "id": seq,
        "seq": seq,
        "sender": sender,
        "text": text,
        "client_id": "",
        "status": "sent",
        "created_at": "2026-11-21T10:00:00Z",
        "author_name": "",
        "partial": False,
        "confidence": None,
        "citations": [],
        "attachments": [],
        **fields,
    }


class MockChat:
    """Answers ``hello`` with ``ready``; every other client frame is recorded in ``frames``
    and handed to ``on_frame(frame)``, which may call ``send``."""

    def __init__(self, page, *, config=None, conversations=(), on_frame=None, refuse_sockets=False):
        self.page = page
        self.frames: list[dict] = []
        self.sockets: list = []
        self.on_frame = on_frame
        self.refuse_sockets = refuse_sockets
        self.conversations = list(conversations)
        page.route(f"{CHAT}/static/widget/chatassist.js", lambda route: route.fulfill(path=WIDGET))
        page.route(f"{CHAT}/api/chat/config*", lambda route: route.fulfill(json=config or CONFIG))
        page.route(f"{SHOP}/", lambda route: route.fulfill(body=HOST_PAGE, content_type="text/html"))
        page.route_web_socket(re.compile(r"^ws://chat\.test/ws/widget/"), self._socket)

    def _socket(self, socket):
        self.sockets.append(socket)
        if self.refuse_sockets:
            socket.close(code=1011, reason="refused by the test")
            return
        socket.on_message(lambda raw: self._receive(socket, json.loads(raw)))

    def _receive(self, socket, frame):
        self.frames.append(frame)
        if frame["type"] == "hello":
            self.send(
                {
                    "type": "ready",
                    "visitor_token": "vt_test",
                    "contact": {"id": 1, "name": "", "email": "", "verified": False},
                    "conversations": self.conversations,
                },
                socket,
            )
        elif frame["type"] == "ping":
            self.send({"type": "pong"}, socket)
        elif self.on_frame:
            self.on_frame(frame)

    def send(self, frame, socket=None):
        (socket or self.sockets[-1]).send(json.dumps(frame))

    def sent(self, kind):
        return [frame for frame in self.frames if frame["type"] == kind]

    def sent_eventually(self, kind, accept=lambda frame: True, *, seconds: float = 15):
        """The frames of ``kind`` so far, once the last one sent is one ``accept`` takes: the
        widget's frames reach this handler while Playwright waits, not at once."""
        for _ in range(int(seconds * 10)):
            frames = self.sent(kind)
            if frames and accept(frames[-1]):
                return frames
            self.page.wait_for_timeout(100)
        raise AssertionError(f"the widget sent no {kind} frame like that: {self.sent(kind)}")

    def open(self):
        """The host page with the widget open and, unless sockets are refused, its socket ready
        (hello answered): frames sent before that would find no socket."""
        self.page.goto(f"{SHOP}/")
        widget = self.page.locator("chatassist-widget")
        widget.locator(".launcher").click()
        if not self.refuse_sockets:
            self.sent_eventually("hello")
        return widget
