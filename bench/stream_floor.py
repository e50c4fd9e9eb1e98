"""The floor under one server process's streaming: the CPU it takes only to receive N
concurrent replies through the official ``anthropic`` SDK, at the vendor's pace, with none
of our code on the path (no database, no sockets to browsers, no prompt).

Each of N streams is a reply of ``--tokens`` tokens that the vendor server (bench/_vendor.py,
in its own process) writes at 50 tokens/s, so every token arrives on its own. Measured in
this process: CPU seconds per token, two ways:

- the SDK's events (``messages.create(stream=True)``), as assistant/providers does;
- the SDK's raw response (``with_streaming_response``) with the SSE split and JSON-parsed
  here: what is left when the SDK's event models are skipped, i.e. its HTTP stack alone
  (httpx2, httpcore2, anyio, h11).

It answers "how many streams at 50 tokens/s can one process hold at all": one core divided by
(50 x CPU per token). When the streams take longer than the vendor's pace, the machine could
not keep up (the vendor server is a Python process too, on the other core), and reads then
carry several tokens each, which lowers the CPU per token. Run ``.venv/bin/python -m bench stream_floor`` (about 20 s);
``--sizes 100,500``, ``--tokens 100``."""

import argparse
import asyncio
import json
import subprocess
import sys
import time

ANSWER_MODEL = "claude-sonnet-4-6"
TOKEN_DELAY = 0.02  # 50 tokens/s


async def _streams(client, size: int, *, raw: bool) -> int:
    request = {
        "model": ANSWER_MODEL,
        "max_tokens": 600,
        "system": "You are a support assistant.",
        "messages": [{"role": "user", "content": "Hello"}],
    }

    async def events() -> int:
        tokens = 0
        stream = await client.messages.create(stream=True, **request)
        async for event in stream:
            tokens += event.type == "content_block_delta"
        return tokens

    async def raw_events() -> int:
        tokens, buffer = 0, b""
        async with client.messages.with_streaming_response.create(stream=True, **request) as response:
            async for chunk in response.http_response.aiter_bytes():
                buffer += chunk
                *blocks, buffer = buffer.split(b"\n\n")
                for block in blocks:
                    for line in block.split(b"\n"):
                        if line.startswith(b"data:"):
                            tokens += json.loads(line[5:]).get("type") == "content_block_delta"
        return tokens

    counts = await asyncio.gather(*((raw_events if raw else events)() for _ in range(size)))
    return sum(counts)


async def _measure(base_url: str, sizes: list[int], tokens_per_reply: int) -> None:
    import anthropic
    import httpx2

    timeout = anthropic.Timeout(120, connect=10)
    limits = httpx2.Limits(max_connections=2000, max_keepalive_connections=2000)
    client = anthropic.AsyncAnthropic(
        api_key="bench",
        base_url=base_url,
        max_retries=0,
        timeout=timeout,
        http_client=anthropic.DefaultAsyncHttpxClient(timeout=timeout, limits=limits),
    )
    await _streams(client, 10, raw=False)  # connections and imports warm
    for size in sizes:
        for raw in (False, True):
            cpu, wall = time.process_time(), time.perf_counter()
            tokens = await _streams(client, size, raw=raw)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            per_token = cpu / tokens
            label = "raw response, our SSE split" if raw else "SDK events"
            print(
                f"  N={size:<4} {label:28s} {tokens:>6} tokens in {wall:5.1f} s "
                f"(at the vendor's pace {tokens_per_reply * TOKEN_DELAY:.1f} s): "
                f"CPU {per_token * 1e6:4.0f} µs per token, {cpu / wall:4.2f} cores busy; "
                f"one core holds at most {1 / (per_token / TOKEN_DELAY):4.0f} such streams",
                flush=True,
            )
    await client.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench stream_floor")
    parser.add_argument("--sizes", default="100,500")
    parser.add_argument("--tokens", type=int, default=100)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    sizes = [int(size) for size in args.sizes.split(",") if size]
    answer = " ".join(f"word{number}" for number in range(args.tokens))
    vendor = subprocess.Popen(
        [sys.executable, "-m", "bench._vendor", "--token-delay", str(TOKEN_DELAY), "--default-text", answer],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = vendor.stdout.readline().strip()
        print(f"replies of {args.tokens} tokens at 50 tokens/s, vendor server in its own process")
        asyncio.run(_measure(base_url, sizes, args.tokens))
    finally:
        vendor.kill()
        vendor.wait()


if __name__ == "__main__":
    main()
