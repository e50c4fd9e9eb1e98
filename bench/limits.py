"""What the chat's rate limits cost a customer's message, a hello and a typing frame
(conversations/chat/limits.py, the ``limits`` library on Redis).

A message is checked on a chat database thread before it is stored, so its check adds to the
message's latency; the benchmarks of the live chat (chat, monitor) turn the limits off, since
their load would be refused, so this is where their cost is measured. Each call is one new
count that is never refused (limits set high, a new contact each time), then the cost of a
refusal. Against the embedded Redis (a scratch db of it) unless REDIS_URL is set."""

import argparse
import asyncio
import contextlib
import os
import time

import django

from bench._stats import summary_ms

SCRATCH_REDIS_DB = 9


def _timed(call, rounds: int) -> list[float]:
    samples = []
    for number in range(rounds):
        started = time.perf_counter()
        call(number)
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    rounds = parser.parse_args().rounds
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatassist.settings")
    if not os.environ.get("REDIS_URL"):
        from chatassist import embedded

        redis_url = embedded.ensure_running().redis_url
        os.environ["REDIS_URL"] = redis_url.rsplit("/", 1)[0] + f"/{SCRATCH_REDIS_DB}"
    django.setup()
    from django.conf import settings

    from conversations.chat import limits

    limits.limits_reset()
    high = 10**9
    settings.CHAT_MESSAGES_PER_MINUTE = high
    settings.CHAT_MESSAGES_PER_MINUTE_PER_IP = 0
    settings.CHAT_MESSAGES_PER_MINUTE_PER_WORKSPACE = 0
    per_contact = _timed(
        lambda n: limits.message_rate_check(workspace_id=1, contact_id=n, client_ip="203.0.113.7"), rounds
    )
    settings.CHAT_MESSAGES_PER_MINUTE_PER_IP = high
    settings.CHAT_MESSAGES_PER_MINUTE_PER_WORKSPACE = high
    all_three = _timed(
        lambda n: limits.message_rate_check(workspace_id=2, contact_id=n, client_ip=f"198.51.{n // 250}.{n % 250}"),
        rounds,
    )
    settings.CHAT_HELLOS_PER_MINUTE_PER_IP = high
    settings.CHAT_HELLOS_PER_MINUTE_PER_WORKSPACE = high
    hellos = _timed(lambda n: limits.hello_check(workspace_id=3, client_ip=f"192.0.{n // 250}.{n % 250}"), rounds)

    settings.CHAT_MESSAGES_PER_MINUTE = 1

    def refused(number: int) -> None:
        with contextlib.suppress(limits.RateLimited):
            limits.message_rate_check(workspace_id=4, contact_id=1, client_ip="203.0.113.9")

    refused(0)  # the one allowed
    refusals = _timed(refused, rounds)

    settings.CHAT_FRAMES_PER_MINUTE = high

    async def frames() -> list[float]:
        samples = []
        for number in range(rounds):
            started = time.perf_counter()
            await limits.frame_check(workspace_id=5, visitor_key=f"visitor-{number}")
            samples.append(time.perf_counter() - started)
        return samples

    typing = asyncio.run(frames())
    limits.limits_reset()

    print(f"{rounds} calls each, Redis {settings.REDIS_URL.rsplit('@', 1)[-1]}")
    print(f"message, per-contact limit only:           {summary_ms(per_contact)}")
    print(f"message, contact + address + workspace:    {summary_ms(all_three)}")
    print(f"hello, address + workspace:                {summary_ms(hellos)}")
    print(f"message refused (over the contact's limit): {summary_ms(refusals)}")
    print(f"typing or other frame (async, event loop):  {summary_ms(typing)}")


if __name__ == "__main__":
    main()
