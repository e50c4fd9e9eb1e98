"""The vendors' wire formats, as the vendor test server (vendor_server.py) writes them:
Anthropic Messages events and errors, OpenAI chat completion chunks, errors and embeddings,
and the request checks the real APIs make. Plain functions returning JSON-ready dicts."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import re
import struct
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

# Endpoint names, for VendorServer.enqueue and VendorServer.requests_to.
MESSAGES = "messages"  # Anthropic POST /v1/messages
CHAT_COMPLETIONS = "chat_completions"  # OpenAI POST /v1/chat/completions
EMBEDDINGS = "embeddings"  # OpenAI POST /v1/embeddings

PATHS = {
    "/v1/messages": MESSAGES,
    "/v1/chat/completions": CHAT_COMPLETIONS,
    "/v1/embeddings": EMBEDDINGS,
}

# Anthropic's error types by status, as its API documents them.
_ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}
# OpenAI's (type, code) by status.
_OPENAI_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", None),
    503: ("server_error", None),
}
# Scripts use Anthropic's stop reasons; OpenAI calls them finish reasons.
_FINISH_REASONS = {"end_turn": "stop", "max_tokens": "length", "stop_sequence": "stop"}


def split_words(text: str) -> list[str]:
    """Words with the whitespace that follows them, so joining the pieces gives ``text`` back."""
    return re.findall(r"\s*\S+\s*|\s+", text) if text else []


def request_id() -> str:
    return f"req_{uuid.uuid4().hex[:24]}"


def finish_reason(stop_reason: str) -> str:
    return _FINISH_REASONS.get(stop_reason, stop_reason)


# --- Anthropic ------------------------------------------------------------------------------
def anthropic_error(*, status: int, error_type: str, message: str) -> dict:
    return {
        "type": "error",
        "error": {"type": error_type or _ANTHROPIC_ERROR_TYPES.get(status, "api_error"), "message": message},
    }


def anthropic_message(
    *, model: str, text: str | None, stop_reason: str | None, input_tokens: int, output_tokens: int
) -> dict:
    """A Message: the non-streaming response, and (empty, unfinished) the body of message_start."""
    return {
        "id": f"msg_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [] if text is None else [{"type": "text", "text": text}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }


def anthropic_event(name: str, data: dict) -> bytes:
    """One server-sent event; the SDK dispatches on the ``event:`` line."""
    return f"event: {name}\ndata: {json_text(data)}\n\n".encode()


def anthropic_text_delta(text: str) -> dict:
    return {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": text}}


def anthropic_message_delta(*, stop_reason: str, output_tokens: int) -> dict:
    return {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": None},
        "usage": {"output_tokens": output_tokens},
    }


# --- OpenAI ---------------------------------------------------------------------------------
def openai_error(*, status: int, error_type: str, message: str) -> dict:
    default_type, code = _OPENAI_ERROR_TYPES.get(status, ("server_error" if status >= 500 else "error", None))
    return {"error": {"message": message, "type": error_type or default_type, "param": None, "code": code}}


def openai_chunk(
    *, completion_id: str, created: int, model: str, choices: list, with_usage: bool, usage: dict | None = None
) -> bytes:
    payload: dict[str, Any] = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "system_fingerprint": "fp_vendor_test",
        "choices": choices,
    }
    if with_usage:
        # Asked for usage, the real API sends "usage": null on every chunk but the last.
        payload["usage"] = usage
    return openai_data(payload)


def openai_data(payload: dict | str) -> bytes:
    return b"data: " + (payload if isinstance(payload, str) else json_text(payload)).encode() + b"\n\n"


def openai_choice(delta: dict, finish: str | None = None) -> dict:
    return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}


def openai_usage(*, prompt_tokens: int, completion_tokens: int) -> dict:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def openai_completion(*, model: str, text: str, finish: str, prompt_tokens: int, completion_tokens: int) -> dict:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": finish,
            }
        ],
        "usage": openai_usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens),
    }


def openai_embeddings(body: dict) -> dict:
    """Deterministic vectors for every input (strings or token arrays), ``dimensions`` respected,
    as floats or as base64 little-endian float32 (the SDK asks for base64 by default)."""
    inputs = body.get("input")
    if isinstance(inputs, str) or (isinstance(inputs, list) and inputs and isinstance(inputs[0], int)):
        inputs = [inputs]
    model = body.get("model") or ""
    dimensions = int(body.get("dimensions") or (3072 if model.endswith("-large") else 1536))
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    tokens = 0
    for index, item in enumerate(inputs):
        key = item if isinstance(item, str) else json_text(item)
        tokens += len(item) if isinstance(item, list) else len(key.split())
        vector = embedding_vector(key, dimensions=dimensions)
        encoded: object = base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode() if as_base64 else vector
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    return {"object": "list", "data": data, "model": model, "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}


def embedding_vector(text: str, *, dimensions: int) -> list[float]:
    """A deterministic unit vector for ``text``: the same input always gets the same vector."""
    seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    generator = random.Random(seed)  # noqa: S311 - test data, not security
    vector = [generator.gauss(0.0, 1.0) for _ in range(dimensions)]
    norm = math.sqrt(sum(value * value for value in vector)) or 1.0
    return [value / norm for value in vector]


# --- requests -------------------------------------------------------------------------------
def count_prompt_tokens(body: dict) -> int:
    """A rough word count of everything the client sent, standing in for the vendor's tokenizer."""
    words = 0

    def visit(value: object) -> None:
        nonlocal words
        if isinstance(value, str):
            words += len(value.split())
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    visit(body.get("system"))
    visit(body.get("messages"))
    return max(words, 1)


def validate_request(endpoint: str, headers: Mapping[str, str], body: object) -> tuple[int, str] | None:
    """(status, message) for a request the real API would refuse, with its own wording; None if fine.
    These are the checks our client code could get wrong."""
    if not isinstance(body, dict):
        return 400, "The request body is not valid JSON."
    if endpoint == MESSAGES:
        if not (headers.get("x-api-key") or headers.get("authorization")):
            return 401, "x-api-key header is required"
        if not headers.get("anthropic-version"):
            return 400, "anthropic-version: header is required"
        if not isinstance(body.get("model"), str) or not body.get("model"):
            return 400, "model: Field required"
        if not isinstance(body.get("max_tokens"), int):
            return 400, "max_tokens: Field required"
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return 400, "messages: at least one message is required"
        return _validate_anthropic_roles(messages)
    if not (headers.get("authorization") or "").startswith("Bearer "):
        return 401, "You didn't provide an API key."
    if not body.get("model"):
        return 400, "you must provide a model parameter"
    if endpoint == CHAT_COMPLETIONS and not body.get("messages"):
        return 400, "[] is too short - 'messages'"
    if endpoint == EMBEDDINGS and not body.get("input"):
        return 400, "'input' is a required property"
    return None


def _validate_anthropic_roles(messages: Iterable[dict]) -> tuple[int, str] | None:
    previous = None
    for index, message in enumerate(messages):
        role = message.get("role")
        if role not in ("user", "assistant"):
            return 400, f"messages.{index}.role: Input should be 'user' or 'assistant'"
        if index == 0 and role != "user":
            return 400, 'messages: first message must use the "user" role'
        if role == previous:
            return 400, 'messages: roles must alternate between "user" and "assistant", but found multiple turns'
        if not message.get("content"):
            return 400, f"messages.{index}: all messages must have non-empty content"
        previous = role
    return None


def json_text(value: object) -> str:
    return json.dumps(value)
