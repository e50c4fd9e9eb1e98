"""daphne as every ChatAssist web process runs it: ``python -m chatassist.web_server``, with
daphne's own arguments (``-b 0.0.0.0 -p 8000 chatassist.asgi:application``).

One difference from ``daphne``: a WebSocket message over daphne's size limit
(``--websocket-max-message-size``, 1 MiB) is refused with a close frame, code 1009 (message
too big) and a reason, and the socket closes cleanly. autobahn, under daphne, fails such a
connection by dropping the TCP connection (its ``failByDrop`` option, on by default), which a
browser reports as close 1006 with no reason, and the widget cannot tell a refusal from a
network fault (issue 12). Messages under the limit reach the app, which answers anything over
64 KiB with a ``frame_too_large`` error frame (docs/protocol.md)."""

from daphne.cli import CommandLineInterface
from daphne.server import Server


class WebServer(Server):
    def __init__(self, *args, **kwargs):
        ready = kwargs.get("ready_callable")

        def configure_then_ready():
            # Called by run() once the WebSocket factory has daphne's options, before the
            # reactor accepts a connection; each connection copies the factory's options.
            self.ws_factory.setProtocolOptions(failByDrop=False)
            if ready is not None:
                ready()

        kwargs["ready_callable"] = configure_then_ready
        super().__init__(*args, **kwargs)


class WebServerCommandLine(CommandLineInterface):
    server_class = WebServer


if __name__ == "__main__":
    WebServerCommandLine.entrypoint()
