"""The test vendor server (assistant/testing/vendor_server.py) as a process of its own for
bench/chat.py: every streamed answer goes at a fixed pace (``--token-delay``), and every
request's timing is kept so that the provider's own time can be subtracted from what the
client measures.

Run as ``python -m bench._vendor --token-delay 0.02 --default-text "…"``; the first line of
output is the base URL. ``GET /bench/timings`` answers (and forgets) the records, one per
streamed request that has sent its first token, as JSON: ``{"tag", "received",
"first_token", "finished", "tokens"}`` (``finished`` is null while the stream runs).
Times are ``time.monotonic()`` (CLOCK_MONOTONIC, shared by every process on the machine).
``tag`` is the last ``bq…`` word of the request's last message (the customer's question).
"""

import argparse
import json
import re
import threading
import time

from assistant.testing import vendor_server
from assistant.testing.vendor_server import ScriptedResponse, VendorServer

TAG = re.compile(r"\bbq[0-9x]+\b")


class TimedVendorServer(VendorServer):
    def __init__(self, *, token_delay: float, **kwargs) -> None:
        # socketserver listens with a backlog of 5: a burst of hundreds of connections from
        # one daphne process would wait for SYN retransmits (1 s, 3 s...) before reaching
        # us, and that would be counted as the server's overhead.
        vendor_server._HTTPServer.request_queue_size = 4096
        super().__init__(**kwargs)
        self._httpd.RequestHandlerClass = _TimedHandler
        self.token_delay = token_delay
        self.timings: list[dict] = []
        self._timings_lock = threading.Lock()

    def _next_script(self, endpoint: str) -> ScriptedResponse:
        return ScriptedResponse(token_delay=self.token_delay)

    def take_timings(self) -> list[dict]:
        with self._timings_lock:
            taken = [dict(record) for record in self.timings]
            self.timings = []
        with self._lock:
            self.requests.clear()  # every request's body is kept otherwise
        return taken


class _TimedHandler(vendor_server._Handler):
    def do_POST(self) -> None:
        # The request line and headers are read; what follows is the vendor's time.
        self._received = time.monotonic()
        self._record = None
        super().do_POST()
        if self._record is not None:
            vendor = self.server.vendor
            with vendor._timings_lock:
                self._record["finished"] = time.monotonic()

    def _stream_anthropic(self, body: dict, script: ScriptedResponse) -> None:
        last = (body.get("messages") or [{}])[-1].get("content")
        tags = TAG.findall(json.dumps(last))
        self._record = {
            "tag": tags[-1] if tags else "",
            "received": self._received,
            "first_token": None,
            "finished": None,
            "tokens": 0,
        }
        super()._stream_anthropic(body, script)

    def _chunk(self, data: bytes, tokens_sent: int = 0) -> None:
        super()._chunk(data, tokens_sent)
        if self._record is not None and data.startswith(b"event: content_block_delta"):
            vendor = self.server.vendor
            with vendor._timings_lock:
                self._record["tokens"] += 1
                if self._record["first_token"] is None:
                    # Kept from the first token on: a stream still running when the
                    # benchmark asks is reported too.
                    self._record["first_token"] = time.monotonic()
                    vendor.timings.append(self._record)

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/bench/timings":
            self._respond_json(200, self.server.vendor.take_timings())
            return
        super().do_GET()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--token-delay", type=float, default=0.02)
    parser.add_argument("--default-text", required=True)
    arguments = parser.parse_args()
    server = TimedVendorServer(token_delay=arguments.token_delay, default_text=arguments.default_text).start()
    print(server.base_url, flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
