"""The live chat under load: N concurrent widget sockets streaming AI replies through the
Anthropic provider, the same N through a bare Channels echo consumer as a baseline, and the
agent monitor's delivery across two server processes. Prints numbers, asserts nothing.

Run ``.venv/bin/python -m bench chat`` (about 3 minutes); options follow the name, e.g.
``python -m bench chat --sizes 100,500 --messages 2``:

  --sizes 100,500      concurrent sockets, one phase each, smallest first
  --messages 2         messages per widget socket (the next one after the reply has ended)
  --tokens 100         tokens per reply, streamed at 50/s by the vendor server
  --ramp 2             seconds over which the sockets' first messages are spread
  --send-for 20        no new message after this many seconds of a phase ...
  --grace 20           ... and no reply awaited this many seconds later (the percentiles
                       then include what was still waiting, as lower bounds)
  --drain 20           seconds to let daphne A finish what the last phase left (turns run on
                       after their socket has gone) before restarting it for the next phase
  --echo-rounds 20     back-to-back round trips per echo socket
  --delivery-messages 200
  --env NAME=VALUE     an extra setting for daphne A and B, e.g. DATABASE_CONN_MAX_AGE=600
  --embeddings vendor  embed questions through the vendor server's OpenAI embeddings
                       endpoint instead of all-MiniLM-L6-v2 on the CPU (the default)
  --keep-logs DIR      write the daphne processes' logs there

Set-up, all made here and removed at the end: PostgreSQL and Redis of its own
(chatassist/embedded.py in a temporary folder, unless DATABASE_URL and REDIS_URL are set: the
shared embedded servers are stopped by whichever test suite started them), a database
``bench_chatassist_chat`` (migrated),
Redis db 9, a workspace with an allowed origin, its default prompt version and 10,000
knowledge chunks (bench/retrieval.py's synthetic corpus and loader, then its HNSW and GIN
indexes), and a second workspace with an agent and a session for the monitor. Processes, all
sharing the machine's 2 cores:

- the vendor server (bench/_vendor.py: assistant/testing/vendor_server.py in its own
  process) streaming Anthropic's protocol at ``token_delay=0.02``, which records for each
  request when it arrived and when its first token was written;
- daphne A and B: ``chatassist.asgi:application``, one Redis, ASSISTANT_PROVIDER=anthropic
  at the vendor server, ASSISTANT_FALLBACK_PROVIDER=offline, ASSISTANT_MAX_ATTEMPTS=1,
  CHAT_MESSAGES_PER_MINUTE=0, the other chat rate limits 0, no token budget; everything else as the settings' defaults;
- daphne E: ``bench._echo_asgi:application``, bench/_echo_consumer.py's consumer that sends
  every frame back (same settings and channel layer, none of our code on the path);
- this process: every client (``websockets``, one asyncio loop).

Phases, in this order:

1. Warm-up: three messages through daphne A (it loads the embedding model).
2. Monitor delivery, while A is idle: an agent console socket (``/ws/w/<slug>/``, session
   cookie, Origin the server's own host) on daphne B and one on A; a widget socket on A in a
   conversation assigned to the agent (so the AI stays quiet) sends the messages one at a
   time. Latency = send → the agent's ``conversation.activity`` carrying that message (by
   client id); B is the cross-process path (A → Redis → B). Also printed: the customer's own
   ``message.created``.
3. Echo baseline for each N: N sockets on daphne E send a 64-byte frame and wait for it,
   back to back (every socket busy at once, MEASURED.md's method), then paced like the chat.
4. Chat for each N on daphne A. Each question is three words of the corpus's topic
   vocabulary (full text matches chunks) and a tag ``bq…`` the vendor server finds.
   * OVERHEAD to first token = (client: send → first ``delta``) - (vendor: request received
     → first token written), per message. It is all but the provider: parsing, storing the
     message, retrieval over the 10k chunks (embedding the question, HNSW and full text),
     the prompt, the SDK, and SSE parsing and the socket send on the way back. Split into
     before the provider (send → vendor received) and after (vendor's first token →
     client), with CLOCK_MONOTONIC, which every process on one machine shares.
   * stored = send → the customer's own ``message.created``.
   * tokens delivered = ``delta`` frames / (first send → last frame), beside the ideal N x
     50/s (tokens = the vendor's words in the deltas; the server sends what arrived in each
     ``CHAT_DELTA_INTERVAL_MS`` as one frame); per-stream rate = tokens / (first delta →
     ``completed``); streams open at once =
     between first delta and ``completed``, as the client saw them.
   * lost = a ``completed`` whose stream's deltas, applied by the protocol's rule
     (``text[:offset] + text``), do not give its text (both stripped), or a reply that
     ended without ``completed``. Answers other than the vendor's text (the fallback), error
     frames, sockets that failed or closed, and replies unfinished at the deadline are
     counted apart.
   * overhead / echo: the ratio of the percentiles.
   * CPU: cores busy per process over the phase ("everything else" = PostgreSQL, Redis and
     whatever else the machine runs); PostgreSQL: connections opened and transactions in
     our database (pg_stat_database); client loop lag: how late a 10 ms timer fires here,
     a client-side delay inside every number (the echo's alike).

Numbers on this 2-core machine vary by ±30% between runs (MEASURED.md), more when other
work runs at the same time; the daphne logs' warnings and errors are summarised at the end.
"""

import argparse
import asyncio
import json
import os
import random
import re
import resource
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import django

from bench import _live
from bench._stats import percentile
from conversations.chat.limits import LIMIT_SETTINGS

REDIS_DB = 9
DATABASE_NAME = "bench_chatassist_chat"
CHUNKS = 10_000
TOKEN_DELAY = 0.02  # 50 tokens/s
ALLOWED_ORIGIN = "https://shop.example"
REPLY_TIMEOUT = 120.0
CONNECT_BATCH = 50
SEED = 20261121

TARGET_OVERHEAD_P50_MS = 15
TARGET_OVERHEAD_P99_MS = 40
TARGET_STREAMS = 500
TARGET_DELIVERY_P99_MS = 20
STORED = "customer's own message.created (A)"


def answer_text(tokens: int) -> tuple[str, str]:
    """What the vendor streams (``tokens`` words, then the hidden confidence trailer) and what
    the customer must end up with."""
    words = ["Open", "Settings,", "then", "Security,", "and", "choose", "Reset", "password", "[1]."]
    words += [f"word{number}" for number in range(max(0, tokens - len(words)))]
    visible = " ".join(words[:tokens])
    return f"{visible} ⟦confidence=0.90⟧", visible


# --- statistics and printing ---------------------------------------------------------------


def ms(samples: list[float]) -> str:
    if not samples:
        return "no samples"
    values = [sample * 1000 for sample in samples]
    return (
        f"p50 {percentile(values, 0.5):8.1f} ms  p99 {percentile(values, 0.99):8.1f} ms  "
        f"max {max(values):8.1f} ms  (n={len(values)})"
    )


def p_ms(samples: list[float], fraction: float) -> float:
    return percentile(samples, fraction) * 1000 if samples else float("nan")


def row(label: str, value: str) -> None:
    print(f"  {label:<38} {value}", flush=True)


class LoopLag:
    """How late a 10 ms timer fires on this process's event loop."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            started = time.monotonic()
            await asyncio.sleep(0.01)
            self.samples.append(time.monotonic() - started - 0.01)

    def __enter__(self) -> "LoopLag":
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *exc_info) -> None:
        self._task.cancel()


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


class CpuMeter:
    """CPU seconds used by each of our processes (with the processes they started: daphne A's
    embedding process, PostgreSQL's backends), and by the whole machine, over a phase. A
    process's CPU seconds per message hardly change with other load on the machine; its
    latencies do."""

    ticks = os.sysconf("SC_CLK_TCK")

    # Counted with the processes they started; this process is the parent of them all.
    TREES = ("A", "B", "E", "PostgreSQL")

    def __init__(self, processes: dict[str, int], sessions: "PgSessions | None" = None) -> None:
        self.processes = dict(processes)
        if sessions is not None and (postmaster := sessions.postmaster_pid()):
            self.processes["PostgreSQL"] = postmaster
        self.sessions = sessions
        self.sessions_opened = self.transactions = 0

    def _stat(self, pid: int, *, children_waited: bool) -> float:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        used = int(fields[11]) + int(fields[12])
        if children_waited:
            # Children that ended (a PostgreSQL backend) are counted in their parent.
            used += int(fields[13]) + int(fields[14])
        return used / self.ticks

    def _process(self, name: str, pid: int) -> float:
        if name not in self.TREES:
            return self._stat(pid, children_waited=False)
        return self._stat(pid, children_waited=True) + sum(
            self._stat(child, children_waited=False) for child in _descendants(pid)
        )

    def _machine(self) -> float:
        with open("/proc/stat") as stat:
            values = [int(value) for value in stat.readline().split()[1:]]
        idle = values[3] + values[4]
        return (sum(values[:8]) - idle) / self.ticks

    def __enter__(self) -> "CpuMeter":
        self.started = time.monotonic()
        self.before = {name: self._process(name, pid) for name, pid in self.processes.items()}
        self.machine_before = self._machine()
        self.sessions_before = self.sessions.count() if self.sessions else (0, 0)
        return self

    def __exit__(self, *exc_info) -> None:
        self.wall = time.monotonic() - self.started
        self.used = {name: self._process(name, pid) - self.before[name] for name, pid in self.processes.items()}
        self.machine = self._machine() - self.machine_before
        if self.sessions:
            time.sleep(1.1)  # backends report their statistics about once a second
            after = self.sessions.count()
            self.sessions_opened = after[0] - self.sessions_before[0]
            self.transactions = after[1] - self.sessions_before[1]

    def database_line(self, messages: int) -> str:
        per = max(1, messages)
        return (
            f"{self.sessions_opened} connections opened ({self.sessions_opened / per:.1f} per message), "
            f"{self.transactions} transactions ({self.transactions / per:.1f} per message)"
        )

    def line(self) -> str:
        ours = ", ".join(f"{name} {seconds / self.wall:.2f}" for name, seconds in self.used.items())
        rest = max(0.0, self.machine - sum(self.used.values())) / self.wall
        return f"{ours}, everything else {rest:.2f} (Redis, other work); of {os.cpu_count()} cores"

    def per_message_line(self, messages: int) -> str:
        per = max(1, messages)
        return ", ".join(f"{name} {1000 * seconds / per:.1f}" for name, seconds in self.used.items() if seconds)


class PgSessions:
    """How many PostgreSQL sessions (connections) were opened to our database: each costs a
    backend process and authentication."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        self.connection = psycopg.connect(url, autocommit=True)

    def postmaster_pid(self) -> int | None:
        """PostgreSQL's server process, when it runs on this machine."""
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        try:
            with open(f"/proc/{backend}/stat") as stat:
                return int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            return None

    def pending_turns(self, workspace_id: int) -> int:
        """Customer messages of the workspace without an AI reply (yet)."""
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FILTER (WHERE sender = 'customer') - count(*) FILTER (WHERE sender = 'ai' "
                "AND NOT partial) FROM conversations_message WHERE workspace_id = %s",
                [workspace_id],
            )
            return cursor.fetchone()[0]

    def count(self) -> tuple[int, int]:
        """Sessions opened, and transactions (each statement outside ``atomic`` is one) so far.
        The statistics are flushed by each backend about once a second."""
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT sessions, xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
            )
            return cursor.fetchone()

    def connect_cost(self, rounds: int = 20) -> list[float]:
        import psycopg

        samples = []
        for _ in range(rounds):
            started = time.monotonic()
            with psycopg.connect(self.url) as connection:
                connection.execute("SELECT 1")
            samples.append(time.monotonic() - started)
        return samples

    def close(self) -> None:
        self.connection.close()


# --- sockets -------------------------------------------------------------------------------


async def connect(url: str, *, origin: str | None = None, headers: dict | None = None):
    import websockets

    return await websockets.connect(
        url,
        origin=origin,
        additional_headers=headers,
        compression=None,
        max_size=None,
        # Keepalive pings would close a socket whose server is busy for 20 s: not what we measure.
        ping_interval=None,
        open_timeout=60,
        close_timeout=5,
    )


async def connect_many(count: int, opener) -> tuple[list, list[str]]:
    """``count`` sockets, opened ``CONNECT_BATCH`` at a time (daphne listens with a backlog
    of 50); returns the sockets and the errors of those that failed."""
    sockets, errors = [], []
    for start in range(0, count, CONNECT_BATCH):
        results = await asyncio.gather(
            *(opener(number) for number in range(start, min(count, start + CONNECT_BATCH))), return_exceptions=True
        )
        for result in results:
            if isinstance(result, BaseException):
                errors.append(f"{type(result).__name__}: {result}")
            else:
                sockets.append(result)
    return sockets, errors


async def close_all(sockets: list) -> None:
    await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)


# --- echo ----------------------------------------------------------------------------------


async def echo_phase(server, size: int, *, rounds: int, paced: tuple[float, float] | None) -> dict:
    """Round trips through the bare consumer; ``paced`` = (ramp, interval) or back to back."""
    payload = json.dumps({"type": "echo", "text": "x" * 36})  # 64 bytes
    sockets, connect_errors = await connect_many(size, lambda _: connect(f"{server.ws_url}/ws/echo/"))
    rng = random.Random(SEED + size)
    samples: list[float] = []
    errors: list[str] = list(connect_errors)

    async def client(socket, delay: float) -> None:
        await asyncio.sleep(delay)
        for _ in range(rounds):
            started = time.monotonic()
            try:
                await socket.send(payload)
                answer = await asyncio.wait_for(socket.recv(), 30)
            except Exception as error:
                errors.append(f"{type(error).__name__}: {error}")
                return
            samples.append(time.monotonic() - started)
            assert answer == payload
            if paced:
                await asyncio.sleep(paced[1] + rng.uniform(0, 0.1))

    # Warm-up: a round trip per socket, not counted.
    await asyncio.gather(*(s.send(payload) for s in sockets))
    await asyncio.gather(*(s.recv() for s in sockets))
    started = time.monotonic()
    with LoopLag() as lag:
        await asyncio.gather(*(client(s, rng.uniform(0, paced[0]) if paced else 0) for s in sockets))
    wall = time.monotonic() - started
    await close_all(sockets)
    return {"samples": samples, "errors": errors, "wall": wall, "lag": lag.samples}


# --- chat ----------------------------------------------------------------------------------


@dataclass
class Reply:
    socket: int
    index: int
    tag: str
    sent: float = 0.0
    stored: float | None = None
    first_delta: float | None = None
    completed_at: float | None = None
    last_delta: float | None = None
    ended: float | None = None
    deltas: int = 0
    # Tokens (the vendor's words) in the deltas: a frame carries what arrived in 50 ms.
    tokens: int = 0
    first_tokens: int = 0
    offset_gaps: int = 0
    streams: dict[str, str] = field(default_factory=dict)
    completed: list[tuple[str, str]] = field(default_factory=list)  # (stream id, stored text)
    errors: list[str] = field(default_factory=list)
    outcome: str = "ok"  # ok | timeout | closed | refused


async def chat_phase(server, workspace_key: str, size: int, args, questions: list[str], phase: int) -> dict:
    """N widget sockets sending; no new message after ``args.send_for`` seconds, and no reply
    awaited past ``args.send_for + args.grace`` (the server may still be busy with it)."""
    frame_counts: Counter = Counter()
    hello_errors: list[str] = []

    async def open_widget(number: int):
        socket = await connect(f"{server.ws_url}/ws/widget/?key={workspace_key}", origin=ALLOWED_ORIGIN)
        await socket.send(json.dumps({"type": "hello"}))
        ready = json.loads(await asyncio.wait_for(socket.recv(), 60))
        if ready.get("type") != "ready":
            hello_errors.append(str(ready))
        return socket

    sockets, connect_errors = await connect_many(size, open_widget)
    rng = random.Random(SEED + phase)
    replies: list[Reply] = []
    closed: list[str] = []
    not_sent = 0

    async def client(number: int, socket) -> None:
        nonlocal not_sent
        await asyncio.sleep(rng.uniform(0, args.ramp))
        conversation_id = None
        for index in range(args.messages):
            if time.monotonic() > send_until:
                not_sent += args.messages - index
                return
            tag = f"bq{phase}x{number}x{index}"
            question = questions[len(replies) % len(questions)]
            frame = {"type": "message.send", "client_id": tag, "text": f"{question} {tag}"}
            if conversation_id is not None:
                frame["conversation_id"] = conversation_id
            reply = Reply(socket=number, index=index, tag=tag)
            replies.append(reply)
            reply.sent = time.monotonic()
            try:
                await socket.send(json.dumps(frame))
                async with asyncio.timeout_at(min(reply.sent + REPLY_TIMEOUT, wait_until)):
                    while True:
                        raw = await socket.recv()
                        now = time.monotonic()
                        incoming = json.loads(raw)
                        kind = incoming.get("type")
                        frame_counts[kind] += 1
                        if kind == "delta":
                            reply.deltas += 1
                            reply.tokens += len(incoming["text"].split())
                            reply.last_delta = now
                            if reply.first_delta is None:
                                reply.first_delta = now
                                reply.first_tokens = reply.tokens
                            so_far = reply.streams.get(incoming["stream_id"], "")
                            if incoming["offset"] != len(so_far):
                                reply.offset_gaps += 1
                            if incoming["offset"] <= len(so_far):
                                reply.streams[incoming["stream_id"]] = so_far[: incoming["offset"]] + incoming["text"]
                        elif kind == "message.created":
                            message = incoming["message"]
                            if message["client_id"] == tag and reply.stored is None:
                                reply.stored = now
                                conversation_id = incoming["conversation_id"]
                            elif message["sender"] == "ai":
                                frame_counts["message.created (ai, duplicate of completed)"] += 1
                        elif kind == "completed":
                            reply.completed.append((incoming["stream_id"], incoming["message"]["text"]))
                            reply.completed_at = now
                        elif kind == "typing" and incoming.get("sender") == "ai" and incoming.get("on") is False:
                            reply.ended = now
                            break
                        elif kind == "error":
                            reply.errors.append(incoming.get("code", "?"))
                            if incoming.get("client_id") == tag:
                                reply.outcome = "refused"
                                break
            except TimeoutError:
                reply.outcome = "timeout"
                return
            except Exception as error:
                reply.outcome = "closed"
                closed.append(f"{type(error).__name__}: {error}")
                return
            if reply.outcome != "ok":
                return
            await asyncio.sleep(rng.uniform(0, 0.1))

    started = time.monotonic()
    send_until, wait_until = started + args.send_for, started + args.send_for + args.grace
    with LoopLag() as lag:
        await asyncio.gather(*(client(number, socket) for number, socket in enumerate(sockets)))
    wall_end = max((reply.ended or reply.last_delta or reply.sent for reply in replies), default=started)
    await close_all(sockets)
    return {
        "replies": replies,
        "frames": frame_counts,
        "connect_errors": connect_errors + hello_errors,
        "closed": closed,
        "not_sent": not_sent,
        "wait_until": wait_until,
        "started": started,
        "wall": wall_end - started,
        "lag": lag.samples,
    }


def vendor_timings(base_url: str) -> dict[str, dict]:
    with urllib.request.urlopen(f"{base_url}/bench/timings", timeout=30) as response:  # noqa: S310 - ours
        return {record["tag"]: record for record in json.load(response)}


def peak_concurrency(replies: list[Reply]) -> tuple[int, float]:
    """Most streams open at once, and the mean over the time any was open."""
    events = []
    for reply in replies:
        end = reply.completed_at or reply.last_delta
        if reply.first_delta is not None and end is not None:
            events += [(reply.first_delta, 1), (end, -1)]
    events.sort()
    current = peak = 0
    area = 0.0
    previous = events[0][0] if events else 0.0
    busy = 0.0
    for moment, change in events:
        if current:
            area += current * (moment - previous)
            busy += moment - previous
        current += change
        peak = max(peak, current)
        previous = moment
    return peak, (area / busy if busy else 0.0)


def chat_report(size: int, result: dict, vendor: dict[str, dict], expected: str) -> dict:
    replies: list[Reply] = result["replies"]
    overhead, before, after, provider, stored, to_first, rates = [], [], [], [], [], [], []
    unmatched = 0
    lost = fallback = no_completed = 0
    # A message still waiting for its acknowledgement or first token when the phase ended is
    # counted with the time it had waited: the percentiles are then lower bounds.
    censored_stored = censored_first = 0
    for reply in replies:
        if reply.stored is not None:
            stored.append(reply.stored - reply.sent)
        elif reply.outcome == "timeout":
            stored.append(result["wait_until"] - reply.sent)
            censored_stored += 1
        if reply.first_delta is None and reply.outcome == "timeout":
            waited = result["wait_until"] - reply.sent
            to_first.append(waited)
            overhead.append(waited)
            censored_first += 1
        if reply.outcome == "ok" and not reply.completed:
            no_completed += 1
        for stream_id, text in reply.completed:
            if reply.streams.get(stream_id, "").strip() != text.strip():
                lost += 1
            if text.strip() != expected:
                fallback += 1
        if reply.first_delta is None:
            continue
        to_first.append(reply.first_delta - reply.sent)
        if reply.completed_at is not None and reply.deltas > 1:
            rates.append((reply.tokens - reply.first_tokens) / (reply.completed_at - reply.first_delta))
        record = vendor.get(reply.tag)
        if record is None or record["first_token"] is None:
            unmatched += 1
            continue
        vendor_first = record["first_token"] - record["received"]
        provider.append(vendor_first)
        overhead.append(reply.first_delta - reply.sent - vendor_first)
        before.append(record["received"] - reply.sent)
        after.append(reply.first_delta - record["first_token"])
    deltas = sum(reply.deltas for reply in replies)
    tokens = sum(reply.tokens for reply in replies)
    outcomes = Counter(reply.outcome for reply in replies)
    errors = Counter(code for reply in replies for code in reply.errors)
    peak, mean = peak_concurrency(replies)
    lag = result["lag"]
    row(
        "messages sent / replies ended",
        f"{len(replies)} / {outcomes['ok']}   outcomes {dict(outcomes)}"
        + (f"; {result['not_sent']} not sent (phase deadline)" if result["not_sent"] else ""),
    )
    bound = " (≥: includes {} still waiting at the deadline)"
    row("stored (send → message.created)", ms(stored) + (bound.format(censored_stored) if censored_stored else ""))
    row("client: send → first delta", ms(to_first) + (bound.format(censored_first) if censored_first else ""))
    row("vendor: received → first token", ms(provider))
    row("OVERHEAD to first token", ms(overhead) + (bound.format(censored_first) if censored_first else ""))
    row("  of which before the provider", ms(before))
    row("  of which after the provider", ms(after))
    if unmatched:
        row("  (first deltas without a vendor record)", str(unmatched))
    ideal = size * (1 / TOKEN_DELAY)
    row(
        "tokens delivered",
        f"{tokens} in {deltas} delta frames in {result['wall']:.1f} s = {tokens / result['wall']:.0f}/s "
        f"(ideal while all {size} stream: {ideal:.0f}/s)",
    )
    row(
        "per-stream rate (first delta → completed)",
        f"p50 {percentile(rates, 0.5):.1f} tokens/s, p1 {percentile(rates, 0.01):.1f} tokens/s "
        f"(vendor pace {1 / TOKEN_DELAY:.0f}/s)"
        if rates
        else "no stream completed",
    )
    row("streams open at once", f"peak {peak}, mean {mean:.0f} (of {size} sockets)")
    row(
        "lost (deltas ≠ stored text)",
        f"{lost} replies; {no_completed} ended without completed; {sum(r.offset_gaps for r in replies)} offset gaps",
    )
    row("not the vendor's answer (fallback)", str(fallback))
    row(
        "errors",
        f"error frames {dict(errors) or 0}; sockets failed to open {len(result['connect_errors'])}; "
        f"closed {len(result['closed'])}",
    )
    for problem in (result["connect_errors"] + result["closed"])[:3]:
        row("", problem[:150])
    row("frames received", ", ".join(f"{kind} {count}" for kind, count in result["frames"].most_common()))
    row("client loop lag (10 ms timer)", ms(lag))
    return {
        "overhead": overhead,
        "lost": lost + no_completed,
        "timeouts": outcomes["timeout"],
        "censored": censored_first,
        "errors": sum(errors.values()) + len(result["connect_errors"]) + len(result["closed"]),
        "peak": peak,
        "tokens_per_second": tokens / result["wall"],
        "size": size,
    }


# --- monitor delivery ----------------------------------------------------------------------


async def delivery_phase(a, b, workspace, cookie: str, count: int, assign) -> dict:
    agents = {
        "A → B (cross-process)": await connect(
            f"{b.ws_url}/ws/w/{workspace.slug}/", origin=b.url, headers={"Cookie": cookie}
        ),
        "A → A (same process)": await connect(
            f"{a.ws_url}/ws/w/{workspace.slug}/", origin=a.url, headers={"Cookie": cookie}
        ),
    }
    customer = await connect(f"{a.ws_url}/ws/widget/?key={workspace.public_key}", origin=a.url)
    await customer.send(json.dumps({"type": "hello"}))
    assert json.loads(await customer.recv())["type"] == "ready"
    # The first message starts the conversation (the AI answers it once); then it is assigned.
    await customer.send(json.dumps({"type": "message.send", "client_id": "start", "text": "Hello bqstart"}))
    conversation_id = None
    while True:
        frame = json.loads(await asyncio.wait_for(customer.recv(), 60))
        if frame["type"] == "message.created" and conversation_id is None:
            conversation_id = frame["conversation_id"]
        if frame["type"] == "typing" and frame.get("sender") == "ai" and not frame["on"]:
            break
    await asyncio.to_thread(assign, conversation_id)

    listeners_of = {**agents, STORED: customer}
    waiting: dict[str, dict[str, asyncio.Future]] = {name: {} for name in listeners_of}
    extra: Counter = Counter()

    async def listen(name: str, socket) -> None:
        async for raw in socket:
            now = time.monotonic()
            event = json.loads(raw)
            # The agents get the message inside a conversation.activity, the customer directly.
            inner = event.get("frame") or event
            if inner.get("type") == "message.created":
                future = waiting[name].get(inner["message"]["client_id"])
                if future is not None and not future.done():
                    future.set_result(now)
                    continue
            if name != STORED:
                extra[f"{name}: {event.get('type')}/{inner.get('type')}"] += 1

    listeners = [asyncio.create_task(listen(name, socket)) for name, socket in listeners_of.items()]
    await asyncio.sleep(0.5)  # the AI's reply's own activity events, before measuring
    samples: dict[str, list[float]] = {name: [] for name in listeners_of}
    missed: Counter = Counter()
    loop = asyncio.get_running_loop()
    for number in range(count):
        client_id = f"d{number}"
        futures = {name: loop.create_future() for name in listeners_of}
        for name in listeners_of:
            waiting[name][client_id] = futures[name]
        frame = {
            "type": "message.send",
            "client_id": client_id,
            "text": f"Still there? {number}",
            "conversation_id": conversation_id,
        }
        sent = time.monotonic()
        await customer.send(json.dumps(frame))
        for name, future in futures.items():
            try:
                samples[name].append(await asyncio.wait_for(future, 5) - sent)
            except TimeoutError:
                missed[name] += 1
        await asyncio.sleep(0.01)
    for task in listeners:
        task.cancel()
    await close_all([*agents.values(), customer])
    return {"samples": samples, "missed": missed, "extra": extra}


# --- set-up --------------------------------------------------------------------------------


def redis_url_for(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


def database_url() -> str:
    from django.db import connection

    settings_dict = connection.settings_dict
    user, password = quote(settings_dict["USER"] or "", safe=""), quote(settings_dict["PASSWORD"] or "", safe="")
    return f"postgres://{user}:{password}@{settings_dict['HOST']}:{settings_dict['PORT']}/{settings_dict['NAME']}"


def populate() -> dict:
    import numpy as np
    from django.db import connection
    from django.test import Client

    from accounts import services
    from accounts.models import Role, User, Workspace
    from bench.retrieval import _build_indexes, _Corpus, _load
    from prompts.selectors import active_prompt_version

    owner = User.objects.create_user(email="bench-owner@example.com", password="bench password")
    workspace = services.workspace_create(name="Bench chat", owner=owner)
    Workspace.objects.filter(pk=workspace.pk).update(allowed_origins=[ALLOWED_ORIGIN])
    assert active_prompt_version(workspace=workspace) is not None
    rng = np.random.default_rng(SEED)
    corpus = _Corpus(rng)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Built once after the load (bench/retrieval.py's _build_indexes), not row by row.
        cursor.execute("DROP INDEX IF EXISTS chunk_embedding_hnsw")
        cursor.execute("DROP INDEX IF EXISTS chunk_search_vector_gin")
    _load(workspace, corpus, start=0, count=CHUNKS)
    index_seconds = _build_indexes()
    print(
        f"workspace with {CHUNKS:,} chunks: loaded in {time.perf_counter() - started - index_seconds:.1f} s, "
        f"indexes {index_seconds:.1f} s",
        flush=True,
    )
    questions = [corpus.query()[0] for _ in range(4000)]

    monitor = services.workspace_create(name="Bench monitor", owner=owner)
    agent = User.objects.create_user(email="bench-agent@example.com", password="bench password")
    monitor.memberships.create(user=agent, role=Role.AGENT)
    client = Client()
    client.force_login(agent)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return {
        "workspace": Workspace.objects.get(pk=workspace.pk),
        "monitor": monitor,
        "agent": agent,
        "cookie": cookie,
        "questions": questions,
    }


def assign_to(agent_id: int):
    def assign(conversation_id: int) -> None:
        from django.db import connection

        from conversations.models import Conversation

        try:
            Conversation.objects.filter(pk=conversation_id).update(assignee_id=agent_id)
        finally:
            connection.close()

    return assign


LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d \S+ (\S+) (.*)$")
ACCESS_LOG = re.compile(r"^\S+:\d+ - - \[")  # daphne's access log, between records


def log_summary(servers, keep_in: str | None) -> None:
    """Warnings and errors of each daphne log, grouped by their first line and, for a
    traceback, its last line (the exception); channels-redis's dropped messages are INFO."""
    print("\n-- server logs (warnings, errors, channel layer over capacity)")
    for server in servers:
        output = server.output()
        if keep_in:
            os.makedirs(keep_in, exist_ok=True)
            name = re.sub(r"[^a-z0-9]+", "-", server.name.lower()).strip("-")
            with open(os.path.join(keep_in, f"{name}.log"), "w") as log:
                log.write(output)
        records: list[list[str]] = []
        for line in output.splitlines():
            match = LOG_RECORD.match(line)
            if match:
                records.append([match.group(1), match.group(2)])
            elif records and not ACCESS_LOG.match(line):
                records[-1].append(line)
        heads: Counter = Counter()
        for level, first, *rest in records:
            if level in ("WARNING", "ERROR", "CRITICAL") or re.search(r"capacity|[Ff]ull", first):
                last = next((line.strip() for line in reversed(rest) if line.strip()), "")
                heads[f"{level} {first[:110]}" + (f" … {last[:110]}" if last else "")] += 1
        print(f"  {server.name}: {sum(heads.values())} records")
        for head, count in heads.most_common(6):
            print(f"    {count:>5} x {head}")
    if keep_in:
        print(f"  (full logs in {keep_in})")


# --- main ----------------------------------------------------------------------------------


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench chat", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,500", help="concurrent sockets, comma-separated")
    parser.add_argument("--messages", type=int, default=2, help="messages per socket")
    parser.add_argument("--tokens", type=int, default=100, help="tokens per reply (at 50/s)")
    parser.add_argument("--ramp", type=float, default=2.0, help="seconds over which first messages are spread")
    parser.add_argument("--echo-rounds", type=int, default=20)
    parser.add_argument("--send-for", type=float, default=20.0, help="seconds of a chat phase with new messages")
    parser.add_argument("--grace", type=float, default=20.0, help="seconds more to wait for replies")
    parser.add_argument(
        "--drain", type=float, default=20.0, help="seconds to let daphne A finish a phase's turns before a restart"
    )
    parser.add_argument("--delivery-messages", type=int, default=200)
    parser.add_argument("--keep-logs", metavar="DIR", help="write the daphne processes' logs into DIR")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an extra environment variable for daphne A and B (e.g. DATABASE_CONN_MAX_AGE=60); repeatable",
    )
    parser.add_argument(
        "--embeddings",
        choices=("local", "vendor"),
        default="local",
        help="how daphne embeds questions: all-MiniLM-L6-v2 on the CPU (the default setting), or the "
        "vendor server's OpenAI embeddings endpoint (EMBEDDINGS_BACKEND=openai), to see the rest without it",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_arguments(sys.argv[1:] if argv is None else argv)
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * max(sizes, default=0) + 1024
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(wanted, soft)), hard))

    # PostgreSQL and Redis of our own (chatassist/embedded.py in a temporary folder): the
    # shared embedded servers are started and stopped by whichever test suite runs meanwhile.
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        _run(args, sizes)
        return
    from chatassist import embedded

    with tempfile.TemporaryDirectory(prefix="chatassist-bench-chat-") as directory:
        data_dir = Path(directory)
        started = time.perf_counter()
        try:
            services = embedded.ensure_running(data_dir)
            os.environ["DATABASE_URL"], os.environ["REDIS_URL"] = services.database_url, services.redis_url
            print(f"PostgreSQL and Redis of this benchmark, new: {time.perf_counter() - started:.1f} s")
            _run(args, sizes)
        finally:
            embedded.stop(data_dir)


def _run(args, sizes: list[int]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatassist.settings")
    os.environ.setdefault("HTTPS", "0")
    os.environ.setdefault("STATIC_MANIFEST", "0")
    # The chunks are labelled with the model that embeds questions (knowledge/embeddings.py).
    os.environ["EMBEDDINGS_BACKEND"] = "openai" if args.embeddings == "vendor" else "local"
    django.setup()
    import redis
    from django.conf import settings
    from django.db import connection

    redis_url = redis_url_for(settings.REDIS_URL, REDIS_DB)
    redis.Redis.from_url(redis_url).flushdb()  # db 9 is this benchmark's alone
    connection.settings_dict["TEST"]["NAME"] = DATABASE_NAME
    started = time.perf_counter()
    test_database = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    print(f"database {DATABASE_NAME} created and migrated in {time.perf_counter() - started:.1f} s", flush=True)
    live: dict[str, _live.LiveServer] = {}
    retired: list[_live.LiveServer] = []  # a daphne A restarted between phases, kept for its log
    vendor = None
    try:
        data = populate()
        full_answer, expected = answer_text(args.tokens)
        vendor, vendor_url = _live.vendor_spawn(token_delay=TOKEN_DELAY, text=full_answer)
        chat_env = {
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis_url,
            "DEBUG": "0",
            "HTTPS": "0",
            "STATIC_MANIFEST": "0",
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "ASSISTANT_PROVIDER": "anthropic",
            "ANTHROPIC_API_KEY": "bench",
            "ANTHROPIC_BASE_URL": vendor_url,
            "ASSISTANT_FALLBACK_PROVIDER": "offline",
            "ASSISTANT_MAX_ATTEMPTS": "1",
            # Thousands of paid-provider replies into one workspace: no monthly budget.
            "DEFAULT_MONTHLY_TOKEN_BUDGET": "0",
            # Every simulated visitor comes from 127.0.0.1 into one workspace: no rate limits.
            **dict.fromkeys(LIMIT_SETTINGS, "0"),
        }
        if args.embeddings == "vendor":
            chat_env.update(EMBEDDINGS_BACKEND="openai", OPENAI_API_KEY="bench", OPENAI_BASE_URL=f"{vendor_url}/v1")
        for assignment in args.env:
            name, _, value = assignment.partition("=")
            chat_env[name] = value
        if args.env or args.embeddings != "local":
            print(f"daphne A and B with {', '.join([*args.env, f'embeddings={args.embeddings}'])}", flush=True)
        started = time.perf_counter()
        live["A"] = _live.daphne_spawn("daphne A (chat)", "chatassist.asgi:application", chat_env)
        live["B"] = _live.daphne_spawn("daphne B (chat)", "chatassist.asgi:application", chat_env)
        live["E"] = _live.daphne_spawn("daphne E (echo)", "bench._echo_asgi:application", chat_env)
        for server in live.values():
            _live.wait_ready(server)
        print(f"vendor server, daphne A, B and E up in {time.perf_counter() - started:.1f} s", flush=True)
        processes = {name: server.process.pid for name, server in live.items()}
        processes.update(vendor=vendor.pid, client=os.getpid())
        sessions = PgSessions(database_url())
        row("a new PostgreSQL connection (psycopg)", ms(sessions.connect_cost()))
        try:
            asyncio.run(_measure(args, sizes, data, live, retired, vendor_url, expected, processes, sessions))
        finally:
            sessions.close()
        log_summary([*retired, *live.values()], args.keep_logs)
    finally:
        for server in [*retired, *live.values()]:
            server.close()
        if vendor is not None:
            vendor.terminate()
            vendor.wait()
        connection.close()
        connection.creation.destroy_test_db(test_database, verbosity=0)


METHOD = """
How to read this (the module's docstring says more):
- OVERHEAD to first token = (client: send -> first delta) - (vendor: request received -> first
  token written), per message, matched by a tag in the question. It is everything but the
  provider: parsing, storing, retrieval over the chunks (embedding the question, HNSW + full
  text), prompt, SDK, and the way back. "before/after the provider" split it with
  CLOCK_MONOTONIC, which all processes on this machine share.
- tokens delivered = delta frames received / (first send -> last frame); lost = a completed
  message whose stream's deltas (applied by offset) do not give its text, or no completed.
- echo = the same socket round trip through a bare Channels consumer on daphne E, at the
  same N: back to back (every socket busy, MEASURED.md's method) and paced like the chat.
- monitor delivery = customer's send on daphne A -> the agent's conversation.activity with
  that message, agent on daphne B (across Redis to another process) and on A.
- CPU = cores busy per process during the phase, with the processes it started (daphne A's
  embedding process, PostgreSQL's backends); "everything else" is Redis and whatever else
  runs on the machine (other test suites inflate every latency). CPU ms per message hardly
  depends on other load: it is what to compare between runs on a busy machine.
"""


async def _warm_up(a, data, vendor_url) -> float:
    """daphne A loads the embedding model (seconds) and opens its vendor connection."""
    started = time.perf_counter()
    settings = argparse.Namespace(messages=3, ramp=0, send_for=REPLY_TIMEOUT, grace=REPLY_TIMEOUT)
    warm = await chat_phase(a, data["workspace"].public_key, 1, settings, data["questions"], phase=0)
    assert all(reply.outcome == "ok" for reply in warm["replies"]), warm
    await asyncio.to_thread(vendor_timings, vendor_url)
    return time.perf_counter() - started


async def _measure(args, sizes, data, servers, retired, vendor_url, expected, processes, sessions) -> None:
    workspace = data["workspace"]
    reply_seconds = args.tokens * TOKEN_DELAY
    print(METHOD, end="")
    print(
        f"replies of {args.tokens} tokens at {1 / TOKEN_DELAY:.0f} tokens/s ({reply_seconds:.1f} s each); "
        f"{args.messages} messages per socket, first ones spread over {args.ramp:.1f} s; no message sent after "
        f"{args.send_for:.0f} s and no reply awaited after {args.send_for + args.grace:.0f} s",
        flush=True,
    )
    print(f"warm-up (embedding model load, first replies): {await _warm_up(servers['A'], data, vendor_url):.1f} s")

    # First, while daphne A is idle.
    print(f"\n-- monitor delivery: customer on daphne A, agents on A and B ({args.delivery_messages} messages)")
    with CpuMeter(processes, sessions) as delivery_cpu:
        delivery = await delivery_phase(
            servers["A"],
            servers["B"],
            data["monitor"],
            data["cookie"],
            args.delivery_messages,
            assign_to(data["agent"].pk),
        )
    for name, samples in delivery["samples"].items():
        row(name, ms(samples) + (f"  missed {delivery['missed'][name]}" if delivery["missed"][name] else ""))
    row("CPU, cores busy", delivery_cpu.line())
    row("CPU ms per message", delivery_cpu.per_message_line(args.delivery_messages))
    row("PostgreSQL (our database)", delivery_cpu.database_line(args.delivery_messages))
    if delivery["extra"]:
        row("other events", ", ".join(f"{kind} {count}" for kind, count in delivery["extra"].most_common()))

    echoes = {}
    for size in sizes:
        print(f"\n-- echo baseline, N = {size} (daphne E)", flush=True)
        with CpuMeter(processes) as echo_cpu:
            back_to_back = await echo_phase(servers["E"], size, rounds=args.echo_rounds, paced=None)
        paced = await echo_phase(servers["E"], size, rounds=args.messages, paced=(args.ramp, reply_seconds))
        row(f"echo, back to back ({args.echo_rounds}/socket)", ms(back_to_back["samples"]))
        row("  CPU, cores busy", echo_cpu.line())
        row(f"echo, paced like the chat ({args.messages}/socket)", ms(paced["samples"]))
        if back_to_back["errors"] or paced["errors"]:
            row("echo errors", "; ".join((back_to_back["errors"] + paced["errors"])[:3]))
        echoes[size] = {"back to back": back_to_back["samples"], "paced": paced["samples"]}

    summary = []
    pending_before = sessions.pending_turns(workspace.pk)
    for phase, size in enumerate(sizes, start=1):
        print(f"\n-- chat, N = {size} concurrent widget sockets (daphne A)", flush=True)
        with CpuMeter(processes, sessions) as chat_cpu:
            result = await chat_phase(servers["A"], workspace.public_key, size, args, data["questions"], phase)
        await asyncio.sleep(0.5)
        vendor = await asyncio.to_thread(vendor_timings, vendor_url)
        report = chat_report(size, result, vendor, expected)
        row("CPU, cores busy", chat_cpu.line())
        row("CPU ms per message (100 tokens)", chat_cpu.per_message_line(len(result["replies"])))
        row("PostgreSQL (our database)", chat_cpu.database_line(len(result["replies"])))
        overhead = report["overhead"]
        for label, echo_samples in echoes[size].items():
            if overhead and echo_samples:
                row(
                    f"overhead / echo ({label})",
                    f"p50 x{p_ms(overhead, 0.5) / p_ms(echo_samples, 0.5):.1f}, "
                    f"p99 x{p_ms(overhead, 0.99) / p_ms(echo_samples, 0.99):.1f}",
                )
        pending = sessions.pending_turns(workspace.pk) - pending_before
        row("turns daphne A still had to run", str(pending))
        summary.append(report)
        if phase < len(sizes) and pending:
            pending_before = await _drain(args, data, servers, retired, processes, sessions, vendor_url, pending_before)

    print("\n-- targets")
    for report in summary:
        overhead = report["overhead"]
        p50, p99 = p_ms(overhead, 0.5), p_ms(overhead, 0.99)
        verdict = "met" if p50 <= TARGET_OVERHEAD_P50_MS and p99 <= TARGET_OVERHEAD_P99_MS else "NOT met"
        row(
            f"N={report['size']}: overhead p50 ≤ {TARGET_OVERHEAD_P50_MS} ms, p99 ≤ {TARGET_OVERHEAD_P99_MS} ms",
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms{' (lower bounds)' if report['censored'] else ''}: {verdict}",
        )
    for report in summary:
        if report["size"] >= TARGET_STREAMS:
            met = report["peak"] >= TARGET_STREAMS and not (report["lost"] or report["timeouts"] or report["errors"])
            row(
                f"N={report['size']}: {TARGET_STREAMS} streams at once, none lost",
                f"peak {report['peak']} streams at once; {report['lost']} lost, {report['timeouts']} unfinished, "
                f"{report['errors']} errors: {'met' if met else 'NOT met'}",
            )
    cross = delivery["samples"]["A → B (cross-process)"]
    p99 = p_ms(cross, 0.99)
    verdict = "met" if p99 <= TARGET_DELIVERY_P99_MS and not delivery["missed"] else "NOT met"
    row(f"cross-process delivery p99 ≤ {TARGET_DELIVERY_P99_MS} ms", f"p99 {p99:.1f} ms: {verdict}")


async def _drain(args, data, servers, retired, processes, sessions, vendor_url, pending_before: int) -> int:
    """Let daphne A finish the turns the last phase left (they run on after the client has
    gone), or restart it: the next phase must start on an idle server. Returns the new
    baseline of unanswered messages."""
    workspace_id = data["workspace"].pk
    started = time.monotonic()
    while time.monotonic() - started < args.drain:
        if sessions.pending_turns(workspace_id) <= pending_before:
            row("waited for daphne A to finish them", f"{time.monotonic() - started:.1f} s")
            return pending_before
        await asyncio.sleep(0.5)
    left = sessions.pending_turns(workspace_id) - pending_before
    old = servers["A"]
    old.stop()
    old.name = f"{old.name}, before a restart"
    retired.append(old)
    servers["A"] = _live.daphne_spawn("daphne A (restarted)", "chatassist.asgi:application", old.env)
    await asyncio.to_thread(_live.wait_ready, servers["A"])
    processes["A"] = servers["A"].process.pid
    warm = await _warm_up(servers["A"], data, vendor_url)
    row(
        "still busy after the drain timeout",
        f"{left} turns left after {args.drain:.0f} s: daphne A restarted (and warmed up in {warm:.1f} s)",
    )
    return sessions.pending_turns(workspace_id)


if __name__ == "__main__":
    main()
