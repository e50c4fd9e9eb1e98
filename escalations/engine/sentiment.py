"""A small lexicon-based sentiment score for customer messages, with negation and
intensifiers; no model, no download.

Each listed word has a weight (negative for anger and frustration); a negation within the
three words before flips it and halves it ("not helpful" counts against, "not bad" a little
for); "very", "so", "extremely"… and SHOUTING make a word count half as much again. The score
is the sum; -3 or below reads as negative, which takes one strong word ("unacceptable") or a
couple of milder ones ("slow and useless")."""

from dataclasses import dataclass

from escalations.engine.text import WordIndex

DEFAULT_THRESHOLD = -3.0

LEXICON: dict[str, float] = {
    # anger, contempt
    "furious": -3,
    "outraged": -3,
    "livid": -3,
    "disgusted": -3,
    "disgusting": -3,
    "unacceptable": -3,
    "scam": -3,
    "scammed": -3,
    "fraud": -3,
    "ripoff": -3,
    "rip-off": -3,
    "pathetic": -3,
    "incompetent": -3,
    "worst": -3,
    "horrible": -3,
    "terrible": -3,
    "awful": -3,
    "atrocious": -3,
    "disgrace": -3,
    "shameful": -3,
    "hate": -3,
    "garbage": -3,
    "nightmare": -3,
    "appalling": -3,
    # frustration, disappointment
    "angry": -2,
    "annoyed": -2,
    "annoying": -2,
    "frustrated": -2,
    "frustrating": -2,
    "disappointed": -2,
    "disappointing": -2,
    "upset": -2,
    "useless": -2,
    "ridiculous": -2,
    "absurd": -2,
    "rubbish": -2,
    "trash": -2,
    "crap": -2,
    "waste": -2,
    "wasted": -2,
    "unhappy": -2,
    "dissatisfied": -2,
    "unusable": -2,
    "fed-up": -2,
    "sick-of": -2,
    "lied": -2,
    "misleading": -2,
    "overcharged": -2,
    "ignored": -2,
    "joke": -1,
    "bad": -1,
    "poor": -1,
    "broken": -1,
    "slow": -1,
    "confusing": -1,
    "confused": -1,
    "problem": -0.5,
    "issue": -0.5,
    "wrong": -1,
    "fail": -1,
    "failed": -1,
    "failing": -1,
    "stuck": -1,
    "again": -0.5,
    "still": -0.5,
    # satisfaction
    "thanks": 1,
    "thank": 1,
    "appreciate": 1,
    "good": 1,
    "fine": 0.5,
    "happy": 1.5,
    "glad": 1.5,
    "great": 2,
    "excellent": 2,
    "awesome": 2,
    "amazing": 2,
    "love": 2,
    "perfect": 2,
    "helpful": 2,
    "brilliant": 2,
    "fantastic": 2,
    "wonderful": 2,
    "solved": 1.5,
    "works": 1,
}
# Two-word entries: "fed up", "fed-up", "sick of", "rip off", "rip-off".
PAIRS = {("fed", "up"): "fed-up", ("sick", "of"): "sick-of", ("rip", "off"): "ripoff"}
# As words are split at apostrophes ("don't" → "don", "t"), "t" stands for every "n't".
NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "none",
        "nothing",
        "hardly",
        "barely",
        "cannot",
        "t",
        "isnt",
        "wasnt",
        "arent",
        "werent",
        "dont",
        "doesnt",
        "didnt",
        "cant",
        "wont",
        "wouldnt",
        "couldnt",
        "shouldnt",
        "nor",
        "without",
    ]
)
INTENSIFIERS = frozenset(
    ["very", "so", "really", "extremely", "absolutely", "totally", "completely", "utterly", "incredibly", "super"]
)
NEGATION_REACH = 4
# Every word that can carry a weight: the lexicon's (first words of its two-word entries).
WEIGHTED = frozenset(key for key in LEXICON if "-" not in key) | {pair[0] for pair in PAIRS}
# The words without which no score can be negative: negative entries and negations (a negated
# positive word counts against). Lets a check skip the scoring.
NEGATIVE_CUES = frozenset(
    [*(key for key, weight in LEXICON.items() if weight < 0 and "-" not in key), *NEGATIONS, *(p[0] for p in PAIRS)]
)


@dataclass(frozen=True)
class Sentiment:
    score: float
    # The words that counted against, most negative first, with their positions in the text.
    negative_words: tuple[tuple[str, int, int], ...]


def sentiment_of(text: str, index: WordIndex | None = None) -> Sentiment:
    """The score of ``text`` (already normalised). Only the words that carry a weight are
    visited, so a long message costs little more than a short one."""
    index = index or WordIndex(text)
    words, spans = index.words, index.spans
    score = 0.0
    negatives: list[tuple[float, str, int, int]] = []
    exclamations = min(text.count("!"), 3)
    positions = sorted(number for word in index.keys & WEIGHTED for number in index.positions[word])
    for number in positions:
        key, (start, end) = words[number], spans[number]
        pair = PAIRS.get((key, words[number + 1])) if number + 1 < len(words) else None
        if pair is not None:
            key, end = pair, spans[number + 1][1]
        weight = LEXICON.get(key)
        if weight is None:
            continue
        if not NEGATIONS.isdisjoint(words[max(0, number - NEGATION_REACH) : number]):
            weight = -weight / 2
        if number and words[number - 1] in INTENSIFIERS:
            weight *= 1.5
        written = text[start:end]
        if len(written) > 2 and written.isupper():
            weight *= 1.5
        if weight < 0:
            weight *= 1 + 0.15 * exclamations
            negatives.append((weight, written, start, end))
        score += weight
    negatives.sort(key=lambda item: item[0])
    return Sentiment(score=round(score, 2), negative_words=tuple((word, s, e) for _, word, s, e in negatives))
