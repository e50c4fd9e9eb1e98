"""Text helpers the conditions share: one normalisation of what the customer typed, and
phrase lists compiled into one regular expression each.

Normalisation maps characters one to one (curly quotes and dashes to plain ones, no-break
spaces to spaces), so that a position in the normalised text is the same position in the
original: the matched text a decision records is always an exact substring of the message."""

import re

# Longer messages are cut before matching: the conversations app refuses messages over
# 4,000 characters anyway, and a bound on the input is half of what keeps patterns cheap.
MAX_TEXT_CHARACTERS = 4000

_ONE_TO_ONE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u02bc": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
    }
)


def normalize(text: str) -> str:
    """The text the matchers read: plain quotes and spaces, same length and positions."""
    return (text or "")[:MAX_TEXT_CHARACTERS].translate(_ONE_TO_ONE)


# Word endings a listed word may take: "lawyer" also finds "lawyers", "refund" finds
# "refunded" and "refunding".
_ENDINGS = r"(?:s|es|ed|ing|d)?"


def phrase_pattern(phrase: str) -> str:
    """One listed word or phrase as a regex: case is ignored, any run of spaces between words
    matches, and it must stand as whole words ("sue" does not match "issue")."""
    words = phrase.strip().split()
    body = r"\s+".join(re.escape(word) for word in words)
    ending = _ENDINGS if words and words[-1][-1:].isalpha() else ""
    return body + ending


def phrases_regex(phrases: list[str]) -> re.Pattern | None:
    """All phrases as one alternation, longest first so that "legal action" wins over
    "legal". None for an empty list."""
    cleaned = sorted({phrase.strip() for phrase in phrases if phrase.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    alternation = "|".join(phrase_pattern(phrase) for phrase in cleaned)
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)


_TOKEN = re.compile(r"\w+")
_ENDING_LIST = ("", "s", "es", "ed", "ing", "d")


class WordIndex:
    """A message's words (maximal runs of \\w), lowercased, and where each one is: built once
    per message, so that phrase lists are looked up by word instead of scanned by a regex.
    ``words`` and ``keys`` cost two passes in C; positions are worked out on first use (only
    when some rule's word is present)."""

    def __init__(self, text: str):
        self.text = text
        lowered = text.lower()
        # Lowercasing keeps positions unless a character becomes two ("İ"): then per word.
        self._lowered = lowered if len(lowered) == len(text) else None
        self.words: list[str] = (
            _TOKEN.findall(lowered) if self._lowered is not None else [w.lower() for w in _TOKEN.findall(text)]
        )
        self.keys = frozenset(self.words)
        self._spans: list[tuple[int, int]] | None = None
        self._positions: dict[str, list[int]] | None = None

    def has_any(self, words) -> bool:
        return not self.keys.isdisjoint(words)

    @property
    def spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = [match.span() for match in _TOKEN.finditer(self._lowered or self.text)]
        return self._spans

    @property
    def positions(self) -> dict[str, list[int]]:
        if self._positions is None:
            positions: dict[str, list[int]] = {}
            for number, word in enumerate(self.words):
                positions.setdefault(word, []).append(number)
            self._positions = positions
        return self._positions


class Span(tuple):
    """Where a phrase matched: ``start`` and ``end`` in the message."""

    start = property(lambda self: self[0])
    end = property(lambda self: self[1])


def _simple_words(phrase: str) -> list[str] | None:
    """The lowercased words of a phrase made of plain ASCII words only, else None."""
    words = phrase.split()
    if words and phrase.isascii() and all(_TOKEN.fullmatch(word) for word in words):
        return [word.lower() for word in words]
    return None


class PhraseMatcher:
    """Finds the first listed phrase in a message, as ``phrases_regex`` would: whole words,
    case ignored, any run of spaces between words, a few endings on the last word, the
    leftmost match (the longest phrase where two start at the same word).

    Phrases of plain ASCII words are looked up in the message's ``WordIndex``; the others
    ("don't", "e-mail", "$100", "Straße") go through the regex, which is skipped when their
    first word is not in the message."""

    def __init__(self, phrases: list[str]):
        # first word (with its endings, for one-word phrases) → [(words, the other words but the last)]
        self.by_first_word: dict[str, list[tuple[list[str], frozenset[str]]]] = {}
        self.first_words: frozenset[str] = frozenset()
        others = []
        for phrase in dict.fromkeys(" ".join(phrase.split()) for phrase in phrases if phrase.strip()):
            words = _simple_words(phrase)
            if words is None:
                others.append(phrase)
                continue
            single = len(words) == 1 and words[0][-1].isalpha()
            required = frozenset(words[1:-1])
            for ending in _ENDING_LIST if single else ("",):
                self.by_first_word.setdefault(words[0] + ending, []).append((words, required))
        self.first_words = frozenset(self.by_first_word)
        self.regex = phrases_regex(others)
        self.regex_first_words: set[str] = set()
        self.regex_always = False
        for phrase in others:
            first = _TOKEN.match(phrase) if phrase.isascii() else None
            if first is None:
                self.regex_always = True
            else:
                self.regex_first_words.add(first.group(0).lower())

    def _ends_at(self, index: WordIndex, at: int, words: list[str]) -> int | None:
        """The index of the phrase's last word when it starts at word ``at``, else None."""
        last = at + len(words) - 1
        if last >= len(index.words):
            return None
        spans = index.spans
        for offset in range(1, len(words)):
            position = at + offset
            if not index.text[spans[position - 1][1] : spans[position][0]].isspace():
                return None
            expected, actual = words[offset], index.words[position]
            if offset == len(words) - 1 and expected[-1].isalpha():
                if not (actual.startswith(expected) and actual[len(expected) :] in _ENDING_LIST):
                    return None
            elif actual != expected:
                return None
        return last

    def search(self, index: WordIndex) -> Span | None:
        best = None  # (start, -length, end)
        if not index.keys.isdisjoint(self.first_words):
            spans, positions = index.spans, index.positions
            for word in index.keys & self.first_words:
                for words, required in self.by_first_word[word]:
                    if required and not required <= index.keys:
                        continue
                    for at in positions[word]:
                        last = at if len(words) == 1 else self._ends_at(index, at, words)
                        if last is not None:
                            start, end = spans[at][0], spans[last][1]
                            candidate = (start, start - end, end)
                            best = candidate if best is None or candidate < best else best
        if self.regex is not None and (self.regex_always or index.has_any(self.regex_first_words)):
            match = self.regex.search(index.text)
            if match is not None:
                candidate = (match.start(), match.start() - match.end(), match.end())
                best = candidate if best is None or candidate < best else best
        return Span((best[0], best[2])) if best is not None else None


def quoted(text: str) -> str:
    return f"“{text}”"
