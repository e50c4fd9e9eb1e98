"""What changed between two prompt versions, field by field, line by line."""

import difflib
from dataclasses import dataclass

from prompts.examples import examples_to_text
from prompts.models import PromptVersion

FIELD_LABELS = {
    "system_prompt": "System prompt",
    "examples": "Few-shot examples",
    "tone": "Tone",
    "language": "Language",
    "max_response_words": "Max response words",
    "max_response_tokens": "Max response tokens",
    "primary_model": "Primary model",
    "fallback_model": "Fallback model",
    "history_turns": "History turns sent",
    "escalation_threshold": "Escalation threshold",
}


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed"
    text: str


@dataclass(frozen=True)
class FieldDiff:
    field: str
    label: str
    changed: bool
    lines: tuple[DiffLine, ...]


def _as_text(prompt_version: PromptVersion, field: str) -> str:
    value = getattr(prompt_version, field)
    if field == "examples":
        return examples_to_text(value)
    return "" if value is None else str(value)


def prompt_version_diff(*, old: PromptVersion, new: PromptVersion) -> list[FieldDiff]:
    diffs = []
    for field in PromptVersion.CONTENT_FIELDS:
        before, after = _as_text(old, field).splitlines(), _as_text(new, field).splitlines()
        lines = []
        for line in difflib.ndiff(before, after):
            code, text = line[:2], line[2:]
            if code == "? ":
                continue  # ndiff's intraline hints
            lines.append(DiffLine({"  ": "same", "+ ": "added", "- ": "removed"}[code], text))
        diffs.append(FieldDiff(field, FIELD_LABELS[field], before != after, tuple(lines)))
    return diffs
