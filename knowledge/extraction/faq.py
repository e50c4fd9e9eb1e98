"""FAQs pasted as question/answer pairs. The format, also shown next to the form:

    Q: How do I download an invoice?
    A: Go to Settings → Billing → Invoices and click the invoice's PDF link.
    Lines after an answer belong to it; a blank line starts a new paragraph.

    Q: Can I change plans mid-cycle?
    A: Yes. ...

A line starting with "Q:" (or "Question:") opens a pair, "A:" (or "Answer:") its answer; case
does not matter. Each pair becomes its own chunk(s), with the question as the section."""

import re

from knowledge.errors import ExtractionError
from knowledge.extraction.sections import Extracted, Section
from knowledge.models import DocumentKind

QUESTION = re.compile(r"^\s*(?:q|question)\s*:\s?(.*)$", re.IGNORECASE)
ANSWER = re.compile(r"^\s*(?:a|answer)\s*:\s?(.*)$", re.IGNORECASE)
FORMAT_HINT = "Write each question on a line starting with “Q:” and its answer on the next line starting with “A:”."
MAX_QUESTION_LENGTH = 500


def looks_like_faq(text: str) -> bool:
    """An uploaded text file whose first words are "Q:" is an FAQ if it parses as one."""
    first = next((line for line in text.split("\n") if line.strip()), "")
    if not QUESTION.match(first):
        return False
    try:
        parse_faq(text)
    except ExtractionError:
        return False
    return True


def parse_faq(text: str) -> list[tuple[str, str]]:
    """[(question, answer), ...] or ExtractionError naming the line that breaks the format."""
    pairs: list[tuple[str, str]] = []
    question: list[str] = []
    answer: list[str] | None = None

    def close() -> None:
        if not question:
            return
        asked = " ".join(" ".join(question).split())
        if answer is None or not "".join(answer).strip():
            raise ExtractionError(
                f"The question “{_short(asked)}” has no answer: add a line starting with “A:” after it.",
                code="faq_missing_answer",
            )
        if len(asked) > MAX_QUESTION_LENGTH:
            raise ExtractionError(
                f"The question “{_short(asked)}” is longer than {MAX_QUESTION_LENGTH} characters; shorten it.",
                code="faq_question_too_long",
            )
        pairs.append((asked, "\n".join(answer).strip()))

    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if match := QUESTION.match(line):
            close()
            question, answer = [match.group(1)], None
        elif match := ANSWER.match(line):
            if not question:
                raise ExtractionError(f"Line {number} is an answer with no question before it. {FORMAT_HINT}")
            if answer is not None:
                raise ExtractionError(
                    f"Line {number} starts a second answer to “{_short(' '.join(question))}”. "
                    "Give each question one answer (it may run over several lines).",
                    code="faq_two_answers",
                )
            answer = [match.group(1)]
        elif not question:
            if line.strip():
                message = f"Line {number} comes before the first question. {FORMAT_HINT}"
                raise ExtractionError(message, code="faq_format")
        elif answer is None:
            question.append(line)
        else:
            answer.append(line.rstrip())
    close()
    if not pairs:
        raise ExtractionError(f"No questions found. {FORMAT_HINT}", code="faq_format")
    return pairs


def extract_faq(text: str) -> Extracted:
    sections = []
    for question, answer in parse_faq(text):
        paragraphs = tuple(p.strip() for p in re.split(r"\n[ \t]*\n", answer) if p.strip())
        sections.append(Section(path=(question,), paragraphs=paragraphs))
    rendered = "\n\n".join(f"Q: {s.path[0]}\nA: " + "\n\n".join(s.paragraphs) for s in sections)
    return Extracted(kind=DocumentKind.FAQ, text=rendered, sections=tuple(sections))


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
