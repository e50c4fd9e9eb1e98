"""An explicit request for a person, in the ways customers write it: "talk to a human", "real
person", "speak to an agent", "representative", "operator", "I want a person", "get me a
manager", "is there someone I can talk to", or just "agent!".

A request that is negated ("I don't need a human", "no need for an agent", "without talking
to a person") or a question about who is answering ("are you a real person?") is not one.
Negation is looked for in the clause before the request: "I don't know, can I talk to a
human?" is a request, because the comma ends the negated clause."""

import re
from dataclasses import dataclass

from escalations.engine.text import WordIndex

_TARGET = (
    r"(?:human(?:\s+being)?s?|person|people|agent|representative|rep|operator|someone|somebody|"
    r"manager|supervisor|staff(?:\s+member)?|team\s+member|employee|member\s+of\s+(?:staff|your\s+team)|"
    r"customer\s+(?:service|support)(?:\s+(?:agent|rep|representative))?|support\s+(?:agent|team|staff)|"
    r"live\s+(?:chat\s+)?(?:agent|support))"
)
_DETERMINER = r"(?:(?:a|an|the|some|your|any|one\s+of\s+your|a\s+real|an\s+actual|a\s+live)\s+)?"
_QUALIFIER = r"(?:(?:real|actual|live|human|proper|real\s+live)\s+)?"
_WHO = _DETERMINER + _QUALIFIER + _TARGET

_REQUESTS = [
    # talk / speak / chat to a human
    rf"\b(?:talk|speak|chat|communicate)\s+(?:to|with)\s+{_WHO}\b",
    # connect / transfer / put me through to an agent; escalate this to a manager
    rf"\b(?:connect|transfer|put|pass|hand|forward|escalate|route|send)\s+(?:me|this|us|it|my\s+\w+)?\s*"
    rf"(?:through\s+|over\s+)?(?:to|with)\s+{_WHO}\b",
    # get me a manager, give me a human, bring someone
    rf"\b(?:get|give|find|fetch|bring)\s+(?:me\s+|us\s+)?{_WHO}\b",
    # I want / need / would like / demand a person; can I have an agent
    rf"\b(?:want|need|like|prefer|request|requesting|demand|ask(?:ing)?\s+for|can\s+i\s+have|could\s+i\s+have)\s+"
    rf"(?:to\s+(?:talk|speak|chat)\s+(?:to|with)\s+)?{_WHO}\b",
    # is there a human / someone (I can talk to)
    rf"\bis\s+there\s+(?:a|an|any)\s+{_QUALIFIER}(?:human|person|agent|representative|operator|someone|somebody|people)\b",
    # can someone call me
    r"\b(?:can|could|will|would)\s+(?:someone|somebody|a\s+person|a\s+human|an\s+agent)\s+(?:call|contact|email|phone)\s+me\b",
    r"\bescalate\s+(?:this|it|my\s+(?:issue|case|ticket|problem|request))\b",
    # real person, live agent, human being, a representative, the operator
    r"\b(?:real|actual|live)\s+(?:human|person|people|agent|representative|operator)s?\b",
    r"\bhuman\s+(?:being|agent|support|help|assistance)\b",
    r"\b(?:representative|operator)\b",
    r"\b(?:human|agent|person|representative|operator|someone)\s*,?\s*(?:please|pls|plz|now)\b",
]
REQUEST = re.compile("|".join(f"(?:{pattern})" for pattern in _REQUESTS), re.IGNORECASE)

# The whole message is just the word: "human", "Agent!!", "operator?".
STANDALONE = re.compile(r"^\W*(human|agent|person|operator|representative|manager|supervisor)\W*$", re.IGNORECASE)

# Where a clause ends: the negation must be in the same clause as the request.
_CLAUSE_BREAK = re.compile(r"[.!?;,:\n]|\b(?:but|and|so|though|however|then)\b", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(?:don'?t|do\s+not|doesn'?t|does\s+not|didn'?t|did\s+not|won'?t|will\s+not|wouldn'?t|would\s+not|"
    r"no\s+need|not\s+(?:need|want|asking|looking|requesting|necessary|interested)|never|without|"
    r"rather\s+not|prefer\s+not|no|nor|neither|instead\s+of)\b",
    re.IGNORECASE,
)
# "Are you a real person?" asks who is answering; "I'm a sales representative" and "our
# operator" say who someone is. Both only when they come right before the words.
_IDENTITY = re.compile(
    r"(?:\b(?:are\s+you|r\s+u|is\s+(?:this|that|it)|am\s+i\s+(?:talking|speaking|chatting)\s+(?:to|with)|"
    r"you'?re|you\s+are|whether)\s+(?:(?:a|an|the|really|not|actually|even)\s+)*"
    r"|\b(?:i'?m|i\s+am|im|as|work\s+as)\s+(?:a|an|the)\s+(?:[\w-]+\s+)?"
    r"|\b(?:our|my|their|his|her|its)\s+(?:[\w-]+\s+)?)$",
    re.IGNORECASE,
)
_AFTER_NEGATION = re.compile(r"^\W*(?:is\s+not|isn'?t|not)\s+(?:needed|necessary|required)\b", re.IGNORECASE)
WINDOW = 60
# A request starts at most this many characters before its trigger word ("connect me through
# to one of your real live customer service …") and ends at most this many after ("… please").
REACH_BEFORE, REACH_AFTER = 120, 40
# Every request above names one of these words: a message with none of them is no request,
# and the big expression does not run.
TRIGGER_WORDS = frozenset(
    [
        "human",
        "humans",
        "person",
        "persons",
        "people",
        "agent",
        "agents",
        "representative",
        "representatives",
        "rep",
        "reps",
        "operator",
        "operators",
        "someone",
        "somebody",
        "manager",
        "managers",
        "supervisor",
        "supervisors",
        "staff",
        "team",
        "employee",
        "employees",
        "member",
        "customer",
        "support",
        "live",
        "escalate",
    ]
)


@dataclass(frozen=True)
class HumanRequest:
    text: str
    start: int
    end: int


def _clause_before(text: str, start: int) -> str:
    window = text[max(0, start - WINDOW) : start]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    return window[breaks[-1].end() :] if breaks else window


def _windows(text: str, index: WordIndex | None):
    """Where a request can be: around each trigger word (a request ends at most a few words
    after it, and starts at most ``REACH_BEFORE`` characters before), merged; or everywhere
    for a short message. Long messages are only searched near those words."""
    if index is None or len(text) <= 2 * REACH_BEFORE:
        return [(0, len(text))]
    windows: list[list[int]] = []
    positions, spans = index.positions, index.spans
    for number in sorted(n for word in TRIGGER_WORDS & index.keys for n in positions[word]):
        low, high = max(0, spans[number][0] - REACH_BEFORE), min(len(text), spans[number][1] + REACH_AFTER)
        if windows and low <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], high)
        else:
            windows.append([low, high])
    return windows


def _requests(text: str, index: WordIndex | None):
    for low, high in _windows(text, index):
        yield from REQUEST.finditer(text, low, high)


def human_request_in(text: str, index: WordIndex | None = None) -> HumanRequest | None:
    """The first request for a person in ``text`` (already normalised) that is not negated.
    ``index``, the message's words, when the caller has it already."""
    if index is not None and not index.has_any(TRIGGER_WORDS):
        return None
    standalone = STANDALONE.match(text)
    if standalone:
        return HumanRequest(standalone.group(1), standalone.start(1), standalone.end(1))
    for match in _requests(text, index):
        clause = _clause_before(text, match.start())
        if _NEGATION.search(clause) or _IDENTITY.search(clause):
            continue
        if _AFTER_NEGATION.match(text[match.end() : match.end() + 30]):
            continue
        return HumanRequest(match.group(0), match.start(), match.end())
    return None
