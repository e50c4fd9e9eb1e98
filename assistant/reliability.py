"""``stream()``: one answer, whatever the vendors do. Timeouts, retries with back-off,
fallback, mid-stream interruptions, cancellation, the budget, and the accounting.

The walk: for each provider of the plan (primary, fallback, offline; see selection.py), up to
``max_attempts`` attempts. An attempt that fails before any text was shown is retried when
the failure is transient (429, 5xx, timeouts, connection errors), after a jittered back-off
that honours the vendor's retry-after; other failures (400, 401...) move straight to the next
provider. An attempt that fails after text was shown is never restarted in the same bubble:
``Interrupted`` is yielded and the next provider answers afresh, in a new bubble. If that
second answer breaks too, the result is partial and apologises.

Timeouts, per attempt: connecting is bounded by the SDK client's connect timeout; the first
text by ``first_token_timeout``; the whole attempt by ``total_timeout``. They are enforced as
deadlines around each read from the vendor, not as one ``asyncio.timeout`` around the
generator: a timeout scope left open across a ``yield`` would fire in whatever code the
consumer runs between two deltas and cancel that instead.

Cancellation: when the consumer stops iterating (``aclose()``) or its task is cancelled,
every generator down to the SDK stream is closed, which closes the HTTP response, so the
vendor sees the connection go (and stops generating tokens we would pay for).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from assistant import notices
from assistant.backoff import retry_delay
from assistant.citations import citations_for, cited_numbers
from assistant.confidence import answer_confidence
from assistant.config import AssistantConfig
from assistant.failures import (
    FIRST_TOKEN_TIMEOUT,
    INTERNAL_ERROR,
    NOT_CONFIGURED,
    TOTAL_TIMEOUT,
    Failure,
    IncompleteStreamError,
    classify_generic_failure,
)
from assistant.pricing import cost_usd
from assistant.providers import PROVIDERS
from assistant.providers.base import Provider, StreamEnd, TextChunk, UsageReport
from assistant.selection import PlannedProvider, provider_plan
from assistant.token_count import count_tokens
from assistant.trailer import TrailerFilter
from assistant.types import Attempt, CompletionRequest, CompletionResult, Delta, Interrupted, StreamEvent

logger = logging.getLogger(__name__)


@dataclass
class _AttemptState:
    """What one attempt produced, filled in while its deltas are streamed."""

    trailer: TrailerFilter = field(default_factory=TrailerFilter)
    visible: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    first_visible_at: float | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    end: StreamEnd | None = None
    failure: Failure | None = None

    def record(self, *, planned: PlannedProvider) -> Attempt:
        if self.end is not None:
            input_tokens, output_tokens = self.end.input_tokens, self.end.output_tokens
        else:
            # Broke off before the final usage: what was reported, or what we received.
            input_tokens = self.input_tokens
            output_tokens = max(self.output_tokens, count_tokens("".join(self.raw))) if self.raw else self.output_tokens
        return Attempt(
            provider=planned.name,
            model=planned.model,
            error=self.failure.describe() if self.failure else "",
            status_code=self.failure.status_code if self.failure else None,
            interrupted=bool(self.failure and self.visible),
            input_tokens=input_tokens,
            output_tokens=output_tokens,
        )


async def stream(request: CompletionRequest, *, config: AssistantConfig | None = None) -> AsyncIterator[StreamEvent]:
    """Deltas as text arrives, at most one ``Interrupted``, then exactly one ``CompletionResult``.

    Never raises for provider trouble: the offline provider is the last resort. Cancellation
    (``aclose()`` or a cancelled task) ends it without a result and closes vendor connections.
    """
    if config is None:
        config = AssistantConfig.from_django_settings()
    started = time.perf_counter()
    budget_exceeded = request.budget_tokens_remaining is not None and request.budget_tokens_remaining <= 0
    plan = provider_plan(request=request, config=config, budget_exceeded=budget_exceeded)
    attempts: list[Attempt] = []
    failures: list[tuple[str, Failure]] = []  # the last failure of each provider given up on
    interruption: tuple[str, Failure] | None = None

    for position, planned in enumerate(plan):
        provider = PROVIDERS.get(planned.name)
        if provider is None or not provider.is_configured(config):
            failure = Failure(
                kind=NOT_CONFIGURED,
                retryable=False,
                message="unknown provider" if provider is None else "missing API key or base URL",
            )
            attempts.append(Attempt(provider=planned.name, model=planned.model, error=failure.describe()))
            _log_failure(planned=planned, failure=failure, attempt_number=1, max_attempts=1)
            failures.append((planned.name, failure))
            continue
        max_attempts = max(1, config.max_attempts) if provider.paid else 1
        provider_started = time.perf_counter()
        for attempt_number in range(1, max_attempts + 1):
            state = _AttemptState()
            deltas = _attempt_deltas(provider=provider, planned=planned, request=request, config=config, state=state)
            async with contextlib.aclosing(deltas):
                async for delta in deltas:
                    yield delta
            attempts.append(state.record(planned=planned))

            if state.failure is None:
                yield _answer_result(
                    request=request,
                    config=config,
                    planned=planned,
                    state=state,
                    attempts=attempts,
                    started=started,
                    fallback_used=position > 0,
                    notice=_notice(
                        budget_exceeded=budget_exceeded,
                        failures=failures,
                        interruption=interruption,
                        final_provider=planned.name,
                        fallback_used=position > 0,
                    ),
                    budget_exceeded=budget_exceeded,
                )
                return

            failure = state.failure
            _log_failure(planned=planned, failure=failure, attempt_number=attempt_number, max_attempts=max_attempts)
            if state.visible:
                text_so_far = "".join(state.visible)
                if interruption is not None:
                    # The fresh answer broke as well: stop here rather than open a third bubble.
                    yield _broken_result(
                        planned=planned,
                        state=state,
                        attempts=attempts,
                        config=config,
                        started=started,
                        budget_exceeded=budget_exceeded,
                    )
                    return
                interruption = (planned.name, failure)
                yield Interrupted(
                    reason=notices.interruption_reason(provider_name=planned.name, failure=failure),
                    text_so_far=text_so_far,
                )
                break  # the next provider answers from the start, in a new bubble
            if not failure.retryable or attempt_number == max_attempts:
                break
            delay = retry_delay(
                retry_number=attempt_number - 1,
                base=config.backoff_base,
                cap=config.backoff_cap,
                jitter_fraction=config.jitter_fraction,
                retry_after=failure.retry_after,
                retry_after_cap=config.retry_after_cap,
            )
            if time.perf_counter() - provider_started + delay > config.total_timeout:
                break  # this provider has had its time; the fallback serves the customer better
            await config.sleep(delay)
        failures.append((planned.name, failure))

    # Only reached when even the offline provider failed, which takes a bug.
    yield CompletionResult(
        text="",
        provider=plan[-1].name,
        model=plan[-1].model,
        input_tokens=sum(attempt.input_tokens for attempt in attempts),
        output_tokens=sum(attempt.output_tokens for attempt in attempts),
        cost_usd=_total_cost(attempts, config),
        first_token_ms=None,
        total_ms=_milliseconds_since(started),
        stop_reason="error",
        attempts=tuple(attempts),
        fallback_used=len(plan) > 1,
        partial=interruption is not None,
        notice=notices.NOTHING_ANSWERED,
        budget_exceeded=budget_exceeded,
    )


async def _attempt_deltas(
    *,
    provider: Provider,
    planned: PlannedProvider,
    request: CompletionRequest,
    config: AssistantConfig,
    state: _AttemptState,
) -> AsyncIterator[Delta]:
    """One attempt's visible text. Failures end up in ``state.failure``, never raised."""
    first_chunk_seen = False
    try:
        events = provider.stream_events(request=request, model=planned.model, config=config)
        loop = asyncio.get_running_loop()
        begun = loop.time()
        first_token_deadline = begun + min(config.first_token_timeout, config.total_timeout)
        total_deadline = begun + config.total_timeout
        async with contextlib.aclosing(events):
            while True:
                timeout = asyncio.timeout_at(total_deadline if first_chunk_seen else first_token_deadline)
                try:
                    async with timeout:
                        event = await anext(events)
                except StopAsyncIteration:
                    break
                except TimeoutError:
                    if not timeout.expired():
                        raise
                    kind = TOTAL_TIMEOUT if first_chunk_seen else FIRST_TOKEN_TIMEOUT
                    limit = config.total_timeout if first_chunk_seen else config.first_token_timeout
                    state.failure = Failure(kind=kind, retryable=True, message=f"no answer within {limit:g} s")
                    return
                if type(event) is TextChunk:
                    first_chunk_seen = True
                    state.raw.append(event.text)
                    visible = state.trailer.feed(event.text)
                    if visible:
                        if state.first_visible_at is None:
                            state.first_visible_at = time.perf_counter()
                        state.visible.append(visible)
                        yield Delta(visible)
                elif type(event) is UsageReport:
                    state.input_tokens, state.output_tokens = event.input_tokens, event.output_tokens
                elif type(event) is StreamEnd:
                    state.end = event
        if state.end is None:
            raise IncompleteStreamError(f"{planned.name} ended its stream without an end event")
        state.trailer.finish()
    except Exception as error:
        if state.end is not None:
            # The answer was complete; only the goodbye (e.g. closing the stream) went wrong.
            logger.debug("Ignoring an error after %s finished its answer: %r", planned.name, error)
            return
        failure = provider.classify_failure(error)
        if failure is None:
            failure = classify_generic_failure(error)
        if failure.kind == INTERNAL_ERROR:
            logger.error("Unexpected error from provider %s", planned.name, exc_info=error)
        state.failure = failure


def _answer_result(
    *,
    request: CompletionRequest,
    config: AssistantConfig,
    planned: PlannedProvider,
    state: _AttemptState,
    attempts: Sequence[Attempt],
    started: float,
    fallback_used: bool,
    notice: str,
    budget_exceeded: bool,
) -> CompletionResult:
    end = state.end
    assert end is not None  # a successful attempt has its end event
    # Trailing whitespace is what stood before the hidden trailer.
    text = "".join(state.visible).rstrip()
    numbers = end.used_passages
    if numbers is None:
        numbers = cited_numbers(text, passage_count=len(request.passages))
    return CompletionResult(
        text=text,
        provider=planned.name,
        model=planned.model,
        # Everything this turn consumed, broken attempts included: that is what is billed.
        input_tokens=sum(attempt.input_tokens for attempt in attempts),
        output_tokens=sum(attempt.output_tokens for attempt in attempts),
        cost_usd=_total_cost(attempts, config),
        first_token_ms=_milliseconds_between(started, state.first_visible_at),
        total_ms=_milliseconds_since(started),
        stop_reason=end.stop_reason,
        citations=citations_for(numbers, passages=request.passages),
        confidence=answer_confidence(
            passages=request.passages, cited=numbers, self_assessment=state.trailer.confidence
        ),
        attempts=tuple(attempts),
        fallback_used=fallback_used,
        partial=False,
        notice=notice,
        budget_exceeded=budget_exceeded,
        usage_estimated=end.usage_estimated,
    )


def _broken_result(
    *,
    planned: PlannedProvider,
    state: _AttemptState,
    attempts: Sequence[Attempt],
    config: AssistantConfig,
    started: float,
    budget_exceeded: bool,
) -> CompletionResult:
    return CompletionResult(
        text="".join(state.visible).rstrip(),
        provider=planned.name,
        model=planned.model,
        input_tokens=sum(attempt.input_tokens for attempt in attempts),
        output_tokens=sum(attempt.output_tokens for attempt in attempts),
        cost_usd=_total_cost(attempts, config),
        first_token_ms=_milliseconds_between(started, state.first_visible_at),
        total_ms=_milliseconds_since(started),
        stop_reason="error",
        # A cut-off answer is not one we vouch for.
        confidence=0.0,
        attempts=tuple(attempts),
        fallback_used=True,
        partial=True,
        notice=notices.BOTH_FAILED,
        budget_exceeded=budget_exceeded,
    )


def _notice(
    *,
    budget_exceeded: bool,
    failures: Sequence[tuple[str, Failure]],
    interruption: tuple[str, Failure] | None,
    final_provider: str,
    fallback_used: bool,
) -> str:
    sentences = []
    if budget_exceeded:
        sentences.append(notices.BUDGET_EXCEEDED)
    if interruption is not None:
        provider_name, failure = interruption
        sentences.append(
            notices.interrupted_notice(provider_name=provider_name, failure=failure, final_provider=final_provider)
        )
    elif fallback_used and failures:
        sentences.append(notices.fallback_notice(failures=failures, final_provider=final_provider))
    return " ".join(sentences)


def _total_cost(attempts: Sequence[Attempt], config: AssistantConfig) -> Decimal:
    total = Decimal(0)
    for attempt in attempts:
        provider = PROVIDERS.get(attempt.provider)
        # Offline answers are free whatever the price table says.
        if provider is not None and provider.paid and (attempt.input_tokens or attempt.output_tokens):
            total += cost_usd(
                model=attempt.model,
                input_tokens=attempt.input_tokens,
                output_tokens=attempt.output_tokens,
                prices=config.model_prices,
            )
    return total


def _log_failure(*, planned: PlannedProvider, failure: Failure, attempt_number: int, max_attempts: int) -> None:
    # Provider, model, status and the vendor's error type; never keys or prompts.
    logger.warning(
        "AI provider %s (model %s) failed, attempt %d/%d: status=%s error_type=%s kind=%s retryable=%s: %s",
        planned.name,
        planned.model,
        attempt_number,
        max_attempts,
        failure.status_code,
        failure.vendor_error_type or "-",
        failure.kind,
        failure.retryable,
        failure.message[:300],
    )


def _milliseconds_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _milliseconds_between(started: float, moment: float | None) -> float | None:
    return None if moment is None else (moment - started) * 1000
