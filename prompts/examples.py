"""Few-shot examples as people edit them: "Customer:" / "Assistant:" blocks in one text box."""

import re

from django.core.exceptions import ValidationError

_LABEL = re.compile(r"^(customer|assistant)\s*:\s?(.*)$", re.IGNORECASE)
MAX_EXAMPLES = 12
MAX_EXAMPLE_CHARACTERS = 4000


def examples_to_text(examples: list[dict]) -> str:
    return "\n\n".join(f"Customer: {pair['customer']}\nAssistant: {pair['assistant']}" for pair in examples)


def _segments(text: str) -> list[tuple[str, str, int]]:
    """(role, text, line number) for each labelled block; continuation lines join their block."""
    segments: list[tuple[str, list[str], int]] = []
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        match = _LABEL.match(line.strip())
        if match:
            segments.append((match.group(1).lower(), [match.group(2)], number))
        elif segments:
            segments[-1][1].append(line)
        elif line.strip():
            raise ValidationError(f"Line {number}: start each example with “Customer:”.")
    return [(role, "\n".join(lines).strip(), number) for role, lines, number in segments]


def examples_from_text(text: str) -> list[dict]:
    """Parse alternating ``Customer: …`` / ``Assistant: …`` blocks into pairs, or raise a
    ValidationError that names the line to fix."""
    pairs: list[dict] = []
    expected = "customer"
    for role, content, number in _segments(text):
        if role != expected:
            label = "Customer" if expected == "customer" else "Assistant"
            raise ValidationError(f"Line {number}: expected a “{label}:” line here; examples alternate.")
        if not content:
            raise ValidationError(f"Line {number}: this “{role.title()}:” line is empty.")
        if len(content) > MAX_EXAMPLE_CHARACTERS:
            raise ValidationError(f"Line {number}: keep each example under {MAX_EXAMPLE_CHARACTERS} characters.")
        if role == "customer":
            pairs.append({"customer": content})
            expected = "assistant"
        else:
            pairs[-1]["assistant"] = content
            expected = "customer"
    if expected == "assistant":
        raise ValidationError("The last example has no “Assistant:” answer.")
    if len(pairs) > MAX_EXAMPLES:
        raise ValidationError(f"At most {MAX_EXAMPLES} examples; keep the ones that teach the most.")
    return pairs
