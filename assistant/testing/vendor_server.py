"""A local HTTP server that speaks the Anthropic Messages and OpenAI Chat Completions /
Embeddings APIs closely enough that the official SDKs talk to it without complaint.

Why a real server: the SDKs use ``httpx2``, which HTTP-mocking libraries do not intercept,
and the behaviours that matter here (streaming, dropped connections, a client that hangs up)
only exist on a real socket.

Usage::

    with VendorServer() as server:
        server.enqueue(MESSAGES, ScriptedResponse.error(429, retry_after="2"))
        server.enqueue(MESSAGES, ScriptedResponse(text="Hello there"))
        client = AsyncAnthropic(api_key="test", base_url=server.anthropic_base_url)
        ...
        assert len(server.requests_to(MESSAGES)) == 2

Each endpoint has a queue of scripted responses; when it is empty the server answers
successfully with ``default_text``. Every request is recorded (path, headers, JSON body), and
so is every client that hung up before its response was complete. The wire formats are in
vendor_formats.py.

Run it on its own with ``python -m assistant.testing.vendor_server --port 8765``.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import http.server
import json
import select
import socket
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.testing import vendor_formats as formats
from assistant.testing.vendor_formats import (  # re-exported: tests script with these
    CHAT_COMPLETIONS,
    EMBEDDINGS,
    MESSAGES,
    embedding_vector,
    split_words,
)

__all__ = [
    "CHAT_COMPLETIONS",
    "EMBEDDINGS",
    "MESSAGES",
    "Disconnect",
    "ReceivedRequest",
    "ScriptedResponse",
    "VendorServer",
    "embedding_vector",
    "split_words",
]

DEFAULT_TEXT = "You can reset your password from the sign-in page [1]. ⟦confidence=0.90⟧"


@dataclass(frozen=True)
class ScriptedResponse:
    """What the server does with the next request to one endpoint.

    Text comes from ``tokens`` (sent as given) or ``text`` (split into words, each with the
    whitespace that follows it). Delays are in seconds and end early if the client hangs up.
    """

    text: str | None = None
    tokens: tuple[str, ...] | None = None
    # Nothing at all (not even headers) is sent for this long.
    hang_before_response: float = 0.0
    # The stream opens (headers, message_start...), then waits this long before the first token.
    first_token_delay: float = 0.0
    token_delay: float = 0.0
    status: int = 200
    # The vendor's error type, e.g. "overloaded_error"; "" = the usual one for ``status``.
    error_type: str = ""
    error_message: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    # Close the connection abruptly after this many text tokens.
    drop_after_tokens: int | None = None
    # Send the vendor's in-stream error event after this many text tokens, then end the stream.
    error_after_tokens: int | None = None
    # Streamed usage (Anthropic always sends it; OpenAI only when asked with include_usage).
    send_usage: bool = True
    stop_reason: str = "end_turn"  # Anthropic's names; mapped to OpenAI's finish_reason
    input_tokens: int | None = None
    output_tokens: int | None = None

    @classmethod
    def error(
        cls,
        status: int,
        *,
        error_type: str = "",
        message: str = "",
        retry_after: str | None = None,
        retry_after_ms: str | None = None,
    ) -> ScriptedResponse:
        headers = {}
        if retry_after is not None:
            headers["retry-after"] = retry_after
        if retry_after_ms is not None:
            headers["retry-after-ms"] = retry_after_ms
        return cls(status=status, error_type=error_type, error_message=message, headers=headers)

    def pieces(self, default_text: str) -> list[str]:
        if self.tokens is not None:
            return list(self.tokens)
        return split_words(self.text if self.text is not None else default_text)

    def stops_after(self, sent: int) -> bool:
        """Whether a drop or an error event is due once ``sent`` tokens are out."""
        return (self.drop_after_tokens is not None and sent >= self.drop_after_tokens) or (
            self.error_after_tokens is not None and sent >= self.error_after_tokens
        )


@dataclass(frozen=True)
class ReceivedRequest:
    endpoint: str
    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    body: Any


@dataclass(frozen=True)
class Disconnect:
    """A client hung up before its response was complete."""

    endpoint: str
    tokens_sent: int


class _ClientGone(Exception):
    """The client closed the connection while we were waiting or writing."""


class VendorServer:
    def __init__(self, *, default_text: str = DEFAULT_TEXT, host: str = "127.0.0.1", port: int = 0) -> None:
        self.default_text = default_text
        self._lock = threading.Lock()
        self._queues: dict[str, collections.deque[ScriptedResponse]] = collections.defaultdict(collections.deque)
        self.requests: list[ReceivedRequest] = []
        self.disconnects: list[Disconnect] = []
        self._disconnected = threading.Condition(self._lock)
        self._connections: set[socket.socket] = set()
        self._httpd = _HTTPServer((host, port), _Handler)
        self._httpd.vendor = self

    # --- life cycle ---------------------------------------------------------------------------
    def start(self) -> VendorServer:
        threading.Thread(
            # A short poll interval keeps stop() (and so each test's teardown) quick.
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="vendor-server",
            daemon=True,
        ).start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        # Keep-alive connections would otherwise keep their handler threads waiting.
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()

    def __enter__(self) -> VendorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- addresses ----------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def anthropic_base_url(self) -> str:
        # Anthropic's SDK adds /v1/messages itself.
        return self.base_url

    @property
    def openai_base_url(self) -> str:
        # OpenAI's SDK expects the /v1 in the base URL and adds /chat/completions.
        return f"{self.base_url}/v1"

    # --- scripting and records ----------------------------------------------------------------
    def enqueue(self, endpoint: str, *responses: ScriptedResponse) -> None:
        if endpoint not in formats.PATHS.values():
            raise ValueError(f"unknown endpoint {endpoint!r}")
        with self._lock:
            self._queues[endpoint].extend(responses)

    def pending(self, endpoint: str) -> int:
        """Scripted responses not used yet."""
        with self._lock:
            return len(self._queues[endpoint])

    def requests_to(self, endpoint: str) -> list[ReceivedRequest]:
        with self._lock:
            return [request for request in self.requests if request.endpoint == endpoint]

    def wait_for_disconnect(self, *, count: int = 1, timeout: float = 5.0) -> bool:
        """Block until ``count`` client disconnects were seen; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._disconnected:
            while len(self.disconnects) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._disconnected.wait(remaining)
            return True

    def reset(self) -> None:
        with self._lock:
            self._queues.clear()
            self.requests.clear()
            self.disconnects.clear()

    # --- used by the handler ------------------------------------------------------------------
    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_script(self, endpoint: str) -> ScriptedResponse:
        with self._lock:
            queue = self._queues[endpoint]
            return queue.popleft() if queue else ScriptedResponse()

    def _record_disconnect(self, disconnect: Disconnect) -> None:
        with self._disconnected:
            self.disconnects.append(disconnect)
            self._disconnected.notify_all()

    def _track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    vendor: VendorServer

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients hanging up between keep-alive requests is normal here, not worth a traceback.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked streaming, like the real APIs
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # Without this, Nagle's algorithm holds small SSE writes back for tens of milliseconds.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.vendor._track(self.connection, open_=True)

    def finish(self) -> None:
        self.server.vendor._track(self.connection, open_=False)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: object) -> None:
        pass  # the tests' output stays readable

    def do_GET(self) -> None:
        self._respond_json(404, formats.anthropic_error(status=404, error_type="", message="Not found"))

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            body = raw_body.decode("utf-8", "replace")
        path = self.path.split("?", 1)[0]
        endpoint = formats.PATHS.get(path, "")
        headers = {name.lower(): value for name, value in self.headers.items()}
        vendor = self.server.vendor
        vendor._record(ReceivedRequest(endpoint=endpoint, method="POST", path=self.path, headers=headers, body=body))
        if not endpoint:
            self._respond_json(404, formats.openai_error(status=404, error_type="", message=f"Unknown path {path}"))
            return
        # A request the real vendor would refuse is refused here too, whatever the script says.
        problem = formats.validate_request(endpoint, headers, body)
        if problem is not None:
            status, message = problem
            self._respond_error(endpoint, ScriptedResponse(status=status, error_message=message))
            return
        script = vendor._next_script(endpoint)
        try:
            if script.hang_before_response:
                self._wait(script.hang_before_response)
            if script.status >= 400:
                self._respond_error(endpoint, script)
            elif endpoint == EMBEDDINGS:
                self._respond_json(200, formats.openai_embeddings(body), script.headers)
            elif body.get("stream"):
                if endpoint == MESSAGES:
                    self._stream_anthropic(body, script)
                else:
                    self._stream_openai(body, script)
            else:
                self._respond_completion(endpoint, body, script)
        except _ClientGone as gone:
            vendor._record_disconnect(Disconnect(endpoint=endpoint, tokens_sent=int(gone.args[0])))
            self.close_connection = True

    # --- low-level output ---------------------------------------------------------------------
    def _wait(self, seconds: float, tokens_sent: int = 0) -> None:
        """Sleep, but notice at once when the client hangs up (the socket turns readable at EOF)."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([self.connection], [], [], remaining)
            if readable:
                try:
                    peeked = self.connection.recv(1, socket.MSG_PEEK)
                except OSError:
                    peeked = b""
                if not peeked:
                    raise _ClientGone(tokens_sent)
                # Unexpected bytes from the client: keep waiting without spinning.
                time.sleep(min(remaining, 0.01))

    def _write(self, data: bytes, tokens_sent: int = 0) -> None:
        try:
            self.wfile.write(data)
        except OSError as error:
            raise _ClientGone(tokens_sent) from error

    def _send_headers(self, status: int, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        try:
            self.end_headers()
        except OSError as error:
            raise _ClientGone(0) from error

    def _start_stream(self, extra_headers: Mapping[str, str]) -> None:
        headers = {"content-type": "text/event-stream", "cache-control": "no-cache", "transfer-encoding": "chunked"}
        self._send_headers(200, {**headers, **extra_headers})

    def _chunk(self, data: bytes, tokens_sent: int = 0) -> None:
        self._write(b"%x\r\n%s\r\n" % (len(data), data), tokens_sent)

    def _end_stream(self, tokens_sent: int) -> None:
        self._write(b"0\r\n\r\n", tokens_sent)

    def _drop(self) -> None:
        """Hang up mid-response, as a crashing proxy or vendor would."""
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def _respond_json(self, status: int, payload: object, headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self._send_headers(
            status, {"content-type": "application/json", "content-length": str(len(data)), **(headers or {})}
        )
        self._write(data)

    def _respond_error(self, endpoint: str, script: ScriptedResponse) -> None:
        status = script.status
        message = script.error_message or self.responses.get(status, ("Error",))[0]
        if endpoint == MESSAGES:
            payload = formats.anthropic_error(status=status, error_type=script.error_type, message=message)
            headers = {"request-id": formats.request_id(), **script.headers}
        else:
            payload = formats.openai_error(status=status, error_type=script.error_type, message=message)
            headers = {"x-request-id": formats.request_id(), **script.headers}
        self._respond_json(status, payload, headers)

    # --- streams ------------------------------------------------------------------------------
    def _stream_anthropic(self, body: dict, script: ScriptedResponse) -> None:
        pieces = script.pieces(self.server.vendor.default_text)
        input_tokens = script.input_tokens if script.input_tokens is not None else formats.count_prompt_tokens(body)
        self._start_stream({"request-id": formats.request_id(), **script.headers})
        message = formats.anthropic_message(
            model=body.get("model"), text=None, stop_reason=None, input_tokens=input_tokens, output_tokens=1
        )
        self._chunk(formats.anthropic_event("message_start", {"type": "message_start", "message": message}))
        block_start = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
        self._chunk(formats.anthropic_event("content_block_start", block_start))
        self._chunk(formats.anthropic_event("ping", {"type": "ping"}))
        if script.first_token_delay:
            self._wait(script.first_token_delay)
        sent = 0
        for piece in pieces:
            if script.stops_after(sent):
                break
            if sent and script.token_delay:
                self._wait(script.token_delay, sent)
            self._chunk(formats.anthropic_event("content_block_delta", formats.anthropic_text_delta(piece)), sent)
            sent += 1
        if script.drop_after_tokens is not None and sent >= script.drop_after_tokens:
            self._drop()
            return
        if script.error_after_tokens is not None and sent >= script.error_after_tokens:
            error = formats.anthropic_error(
                status=529, error_type=script.error_type, message=script.error_message or "Overloaded"
            )
            self._chunk(formats.anthropic_event("error", error), sent)
            self._end_stream(sent)
            return
        output_tokens = script.output_tokens if script.output_tokens is not None else sent
        self._chunk(formats.anthropic_event("content_block_stop", {"type": "content_block_stop", "index": 0}), sent)
        message_delta = formats.anthropic_message_delta(stop_reason=script.stop_reason, output_tokens=output_tokens)
        self._chunk(formats.anthropic_event("message_delta", message_delta), sent)
        self._chunk(formats.anthropic_event("message_stop", {"type": "message_stop"}), sent)
        self._end_stream(sent)

    def _stream_openai(self, body: dict, script: ScriptedResponse) -> None:
        pieces = script.pieces(self.server.vendor.default_text)
        with_usage = bool((body.get("stream_options") or {}).get("include_usage")) and script.send_usage
        identity = {
            "completion_id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "created": int(time.time()),
            "model": body.get("model"),
            "with_usage": with_usage,
        }
        self._start_stream({"x-request-id": formats.request_id(), **script.headers})
        role = formats.openai_choice({"role": "assistant", "content": "", "refusal": None})
        self._chunk(formats.openai_chunk(choices=[role], **identity))
        if script.first_token_delay:
            self._wait(script.first_token_delay)
        sent = 0
        for piece in pieces:
            if script.stops_after(sent):
                break
            if sent and script.token_delay:
                self._wait(script.token_delay, sent)
            self._chunk(formats.openai_chunk(choices=[formats.openai_choice({"content": piece})], **identity), sent)
            sent += 1
        if script.drop_after_tokens is not None and sent >= script.drop_after_tokens:
            self._drop()
            return
        if script.error_after_tokens is not None and sent >= script.error_after_tokens:
            message = script.error_message or "The server had an error while processing your request."
            error = formats.openai_error(status=500, error_type=script.error_type, message=message)
            self._chunk(formats.openai_data(error), sent)
            self._end_stream(sent)
            return
        finish = formats.openai_choice({}, formats.finish_reason(script.stop_reason))
        self._chunk(formats.openai_chunk(choices=[finish], **identity), sent)
        if with_usage:
            prompt_tokens = (
                script.input_tokens if script.input_tokens is not None else formats.count_prompt_tokens(body)
            )
            completion_tokens = script.output_tokens if script.output_tokens is not None else sent
            usage = formats.openai_usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
            self._chunk(formats.openai_chunk(choices=[], usage=usage, **identity), sent)
        self._chunk(formats.openai_data("[DONE]"), sent)
        self._end_stream(sent)

    def _respond_completion(self, endpoint: str, body: dict, script: ScriptedResponse) -> None:
        """The non-streaming JSON answer of either vendor."""
        pieces = script.pieces(self.server.vendor.default_text)
        if script.first_token_delay:
            self._wait(script.first_token_delay)
        if script.drop_after_tokens is not None:
            self._drop()
            return
        text = "".join(pieces)
        input_tokens = script.input_tokens if script.input_tokens is not None else formats.count_prompt_tokens(body)
        output_tokens = script.output_tokens if script.output_tokens is not None else len(pieces)
        if endpoint == MESSAGES:
            payload = formats.anthropic_message(
                model=body.get("model"),
                text=text,
                stop_reason=script.stop_reason,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
            )
        else:
            payload = formats.openai_completion(
                model=body.get("model"),
                text=text,
                finish=formats.finish_reason(script.stop_reason),
                prompt_tokens=input_tokens,
                completion_tokens=output_tokens,
            )
        self._respond_json(200, payload, script.headers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--default-text", default=DEFAULT_TEXT)
    arguments = parser.parse_args()
    server = VendorServer(default_text=arguments.default_text, port=arguments.port).start()
    # The first line tells a parent process (bench/provider_overhead.py) where to connect.
    print(server.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
