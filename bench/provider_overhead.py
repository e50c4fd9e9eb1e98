"""What assistant.stream() adds on top of the bare SDKs: time to first token and time per
token, through our provider layer and through the official SDK alone, against the same
zero-delay vendor server (assistant/testing/vendor_server.py, in its own process so that
its threads do not compete with the client for the GIL).

Bare and ours alternate request by request, in a shuffled order each round, so drift (CPU
frequency, other load) and order effects hit both alike. The bare SDK gets its prompt
pre-built; ours builds it on every request, so the overhead includes prompt assembly, the
retry bookkeeping, the trailer filter and the accounting.
"""

import asyncio
import random
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable

import anthropic
import openai

from assistant import AssistantConfig, CompletionRequest, Delta, Passage, stream
from assistant.prompting import conversation, system_prompt
from bench._stats import percentile, summary_ms

REQUESTS = 300
WARM_UP = 30
TOKENS = 50
ANSWER = " ".join(f"word{number}" for number in range(TOKENS))
ANTHROPIC_MODEL = "claude-sonnet-4-6"
OPENAI_MODEL = "gpt-4.1-mini"


class Samples:
    def __init__(self) -> None:
        self.first_token: list[float] = []
        self.per_token: list[float] = []


async def timed(events: AsyncIterator[object], is_text: Callable[[object], bool], into: Samples) -> None:
    started = time.perf_counter()
    first = last = None
    count = 0
    async for event in events:
        if is_text(event):
            now = time.perf_counter()
            if first is None:
                first = now
            last = now
            count += 1
    assert count == TOKENS, count
    into.first_token.append(first - started)
    into.per_token.append((last - first) / (count - 1))


def start_vendor_server() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant.testing.vendor_server", "--default-text", ANSWER],
        stdout=subprocess.PIPE,
        text=True,
    )
    base_url = process.stdout.readline().strip()
    return process, base_url


async def measure(base_url: str) -> dict[str, Samples]:
    request = CompletionRequest(
        system_prompt="You are the support assistant of Acme.",
        question="How do I reset my password?",
        passages=(
            Passage(
                text="To reset your password, open the sign-in page and click Forgot password.",
                document_title="Account",
                section="Password",
                score=0.78,
            ),
        ),
    )
    config = AssistantConfig(
        anthropic_api_key="bench",
        anthropic_base_url=base_url,
        anthropic_model=ANTHROPIC_MODEL,
        openai_api_key="bench",
        openai_base_url=f"{base_url}/v1",
        openai_model=OPENAI_MODEL,
        fallback_provider="offline",
        model_prices={ANTHROPIC_MODEL: (3.0, 15.0), OPENAI_MODEL: (0.4, 1.6)},
    )
    anthropic_request = CompletionRequest(**{**request.__dict__, "provider": "anthropic"})
    openai_request = CompletionRequest(**{**request.__dict__, "provider": "openai"})
    system = system_prompt(request=request)
    messages = [{"role": role, "content": text} for role, text in conversation(request=request)]

    timeout = anthropic.Timeout(90, connect=5)
    bare_anthropic = anthropic.AsyncAnthropic(
        api_key="bench",
        base_url=base_url,
        max_retries=0,
        timeout=timeout,
        http_client=anthropic.DefaultAsyncHttpxClient(timeout=timeout),
    )
    bare_openai = openai.AsyncOpenAI(
        api_key="bench",
        base_url=f"{base_url}/v1",
        max_retries=0,
        timeout=timeout,
        http_client=openai.DefaultAsyncHttpxClient(timeout=timeout),
    )

    async def bare_anthropic_events() -> AsyncIterator[object]:
        events = await bare_anthropic.messages.create(
            model=ANTHROPIC_MODEL, max_tokens=600, system=system, messages=messages, stream=True
        )
        async for event in events:
            yield event

    async def bare_openai_events() -> AsyncIterator[object]:
        chunks = await bare_openai.chat.completions.create(
            model=OPENAI_MODEL,
            messages=[{"role": "system", "content": system}, *messages],
            max_completion_tokens=600,
            stream=True,
            stream_options={"include_usage": True},
        )
        async for chunk in chunks:
            yield chunk

    def anthropic_text(event: object) -> bool:
        return event.type == "content_block_delta"

    def openai_text(chunk: object) -> bool:
        return bool(chunk.choices and chunk.choices[0].delta.content)

    def delta(event: object) -> bool:
        return isinstance(event, Delta)

    cases = {
        "anthropic, bare SDK": lambda into: timed(bare_anthropic_events(), anthropic_text, into),
        "anthropic, assistant.stream": lambda into: timed(stream(anthropic_request, config=config), delta, into),
        "openai, bare SDK": lambda into: timed(bare_openai_events(), openai_text, into),
        "openai, assistant.stream": lambda into: timed(stream(openai_request, config=config), delta, into),
    }
    samples = {name: Samples() for name in cases}
    order = list(cases)
    shuffler = random.Random(20261121)
    for round_number in range(WARM_UP + REQUESTS):
        # Each round in a new order: whichever case runs first after another vendor's request
        # pays for some leftover work in the event loop, and that must not always be the same.
        shuffler.shuffle(order)
        for name in order:
            await cases[name](samples[name] if round_number >= WARM_UP else Samples())
    return samples


def main() -> None:
    process, base_url = start_vendor_server()
    try:
        samples = asyncio.run(measure(base_url))
    finally:
        process.terminate()
        process.wait()
    print(f"{REQUESTS} requests x {TOKENS} tokens per case, zero-delay vendor server in another process")
    for name, sample in samples.items():
        print(f"{name:<30} first token {summary_ms(sample.first_token)}")
        print(f"{'':<30} per token   {summary_ms(sample.per_token)}")
    for vendor in ("anthropic", "openai"):
        bare, ours = samples[f"{vendor}, bare SDK"], samples[f"{vendor}, assistant.stream"]
        for label, bare_values, our_values in (
            ("first token", bare.first_token, ours.first_token),
            ("per token", bare.per_token, ours.per_token),
        ):
            bare_p50, our_p50 = percentile(bare_values, 0.5), percentile(our_values, 0.5)
            bare_p99, our_p99 = percentile(bare_values, 0.99), percentile(our_values, 0.99)
            # Requests ran in pairs (bare, then ours); the median of the pairwise differences
            # is the steadiest estimate of what our layer adds.
            paired = statistics.median(ours - bare for ours, bare in zip(our_values, bare_values, strict=True))
            print(
                f"overhead {vendor:<9} {label:<11} paired median {1000 * paired:+.3f} ms; "
                f"p50 {1000 * (our_p50 - bare_p50):+.3f} ms (x{our_p50 / bare_p50:.2f}), "
                f"p99 {1000 * (our_p99 - bare_p99):+.3f} ms (x{our_p99 / bare_p99:.2f})"
            )


if __name__ == "__main__":
    main()
