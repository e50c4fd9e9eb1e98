"""Monitor update latency: a customer's message on daphne A to the agent's monitor page (its
workspace socket's ``conversation.activity``, which updates the row live) on daphne B, across
Redis to another process, and on A itself; target p99 ≤ 20 ms. It is bench/chat.py's
"monitor delivery" phase on its own, with the same set-up (PostgreSQL, Redis, the 10k-chunk
workspace, daphne A and B, the vendor server), and no chat phases.

Run ``.venv/bin/python -m bench monitor`` (about a minute); ``--delivery-messages 500`` for
more samples, and bench/chat.py's other options apply."""

import sys

from bench import chat


def main(argv: list[str] | None = None) -> None:
    chat.main(["--sizes", "", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
