"""The engine's parts: amounts, condition validation, pattern safety, the compiled-set cache."""

from decimal import Decimal

import pytest

from escalations.engine import ConditionsInvalid, Context, RuleSetCache, RuleSpec, conditions_validate, evaluate
from escalations.engine.money import amounts_in
from escalations.engine.patterns import PatternInvalid, pattern_compile
from escalations.engine.sentiment import sentiment_of

AMOUNTS = [
    ("$250", "250", "$250"),
    ("250 dollars", "250", "250 dollars"),
    ("EUR 300", "300", "EUR 300"),
    ("€300", "300", "€300"),
    ("300 €", "300", "300 €"),
    ("1,200.50", "1200.50", "1,200.50"),
    ("USD 1200", "1200", "USD 1200"),
    ("200 bucks", "200", "200 bucks"),
    ("£99.99", "99.99", "£99.99"),
    ("1.200,50 EUR", "1200.50", "1.200,50 EUR"),
    ("99,90 euros", "99.90", "99,90 euros"),
    ("$2k", "2000", "$2k"),
    ("US$ 40", "40", "US$ 40"),
    ("1,000,000 yen", "1000000", "1,000,000 yen"),
]


@pytest.mark.parametrize(("text", "value", "written"), AMOUNTS)
def test_amounts_are_parsed_in_common_formats(text, value, written):
    [amount] = amounts_in(f"it was {text} last week")
    assert amount.value == Decimal(value)
    assert amount.text == written


@pytest.mark.parametrize("text", ["order 48213", "in 2024", "3 seats", "#1,234", "v2", "call 555-1234"])
def test_numbers_that_are_not_money_are_not_amounts(text):
    assert amounts_in(text) == []


def test_amounts_need_the_topic_and_must_be_over_the_limit():
    rule = RuleSpec(
        id=1, name="Big refund", priority=2, action="route", conditions={"amount": {"over": 200, "topics": ["refund"]}}
    )
    from escalations.engine import rules_compile

    rules = rules_compile([rule])
    assert evaluate(rules, Context(text="refund $200.01")).matched_text == "$200.01"
    assert evaluate(rules, Context(text="refund $200")) is None
    assert evaluate(rules, Context(text="I paid $900 for the year")) is None


def test_conditions_are_cleaned():
    cleaned = conditions_validate(
        {
            "keywords": ["  Lawyer ", "lawyer", "", "legal   action"],
            "turns_at_least": "6",
            "confidence_below": "0.3",
            "amount": {"over": "200", "topics": "refund\nmoney back"},
            "human_request": True,
        }
    )
    assert cleaned == {
        "keywords": ["Lawyer", "legal action"],
        "amount": {"over": 200.0, "topics": ["refund", "money back"], "currency": "$"},
        "human_request": True,
        "turns_at_least": 6,
        "confidence_below": 0.3,
    }


@pytest.mark.parametrize(
    ("conditions", "key", "sentence"),
    [
        ({}, "conditions", "Give the rule at least one condition."),
        ({"colour": "red"}, "conditions", "Unknown condition “colour”"),
        ({"turns_at_least": 0}, "turns_at_least", "The turn limit must be from 1 to 1000."),
        ({"turns_at_least": 2.5}, "turns_at_least", "The turn limit must be a whole number."),
        ({"confidence_below": 2}, "confidence_below", "The confidence below must be from 0 to 1."),
        ({"amount": {"over": 200}}, "amount", "Name the topic words an amount must come with"),
        ({"amount": {"over": "lots", "topics": ["refund"]}}, "amount", "The amount must be a number."),
        ({"patterns": ["(unclosed"]}, "patterns", "The pattern “(unclosed” is not a valid regular expression"),
    ],
)
def test_invalid_conditions_say_what_is_wrong(conditions, key, sentence):
    with pytest.raises(ConditionsInvalid) as error:
        conditions_validate(conditions)
    assert any(message.startswith(sentence) for message in error.value.errors[key]), error.value.errors


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("(unclosed", "is not a valid regular expression: missing ), unterminated subpattern at position 0."),
        ("[a-", "is not a valid regular expression"),
        ("(a+)+$", "repeats something that itself repeats without a bound"),
        (r"(\w+\s?)*x", "repeats something that itself repeats without a bound"),
        (r"(?:x|y+)*z", "repeats something that itself repeats without a bound"),
        (r"(a)\1", "uses a backreference"),
        ("a*", "matches an empty text"),
        ("x" * 501, "is longer than 500 characters"),
    ],
)
def test_unsafe_or_broken_patterns_are_refused_with_a_sentence_naming_them(pattern, problem):
    with pytest.raises(PatternInvalid) as error:
        pattern_compile(pattern)
    message = str(error.value)
    assert message.startswith("The pattern “")
    assert problem in message
    if len(pattern) < 60:
        assert f"“{pattern}”" in message


@pytest.mark.parametrize("pattern", [r"\bsu(?:e|ing)\s+you\b", r"order\s+#?\d{4,}", r"(?:\w+\s+)?sue\b", "a{2,5}b"])
def test_safe_patterns_compile_case_insensitively(pattern):
    assert pattern_compile(pattern).flags & 2  # re.IGNORECASE


def test_a_bounded_pattern_stays_fast_on_a_long_hostile_message():
    import time

    compiled = pattern_compile(r"\b(?:\w+\s+){0,3}refund\b")
    hostile = "a " * 2000 + "!"
    started = time.perf_counter()
    compiled.search(hostile)
    assert time.perf_counter() - started < 0.05


@pytest.mark.parametrize(
    ("text", "negative"),
    [
        ("This is terrible", True),
        ("worst support ever, absolutely useless", True),
        ("I'm fed up and angry", True),
        ("not bad", False),
        ("thanks, that was helpful", False),
        ("The export is slow", False),
    ],
)
def test_sentiment(text, negative):
    assert (sentiment_of(text).score <= -3) is negative


def test_negation_flips_a_word():
    assert sentiment_of("helpful").score > 0
    assert sentiment_of("not helpful").score < 0
    assert sentiment_of("not terrible").score > 0


def test_compiled_rule_sets_are_cached_until_the_stamp_changes():
    cache = RuleSetCache()
    loads = []

    def load():
        loads.append(1)
        return [RuleSpec(id=1, name="R", priority=1, action="stop", conditions={"keywords": ["lawyer"]})]

    first = cache.get(7, ("stamp", 1), load)
    assert cache.get(7, ("stamp", 1), load) is first
    assert len(loads) == 1
    assert cache.get(7, ("stamp", 2), load) is not first
    assert len(loads) == 2


def test_the_cache_forgets_the_least_recently_used_workspace():
    cache = RuleSetCache(max_workspaces=2)
    for workspace_id in (1, 2, 1, 3):
        cache.get(workspace_id, "s", list)
    assert cache.compilations == 3
    cache.get(1, "s", list)
    assert cache.compilations == 3, "1 was used recently and kept"
    cache.get(2, "s", list)
    assert cache.compilations == 4, "2 was dropped"


def test_stored_conditions_that_no_longer_validate_skip_the_rule_instead_of_failing_the_turn():
    from escalations.engine import rules_compile

    rules = rules_compile(
        [
            RuleSpec(id=1, name="Broken", priority=1, action="stop", conditions={"patterns": ["(a+)+"]}),
            RuleSpec(id=2, name="Fine", position=2, priority=2, action="stop", conditions={"keywords": ["aaa"]}),
        ]
    )
    assert [rule_id for rule_id, _ in rules.skipped] == [1]
    assert evaluate(rules, Context(text="aaa")).rule_name == "Fine"


def test_the_word_index_finds_what_the_phrase_regex_finds():
    """Phrase lists are looked up by word (fast on long messages); the answer must be the
    regex's: same span, for random phrases and messages, including endings, case and spacing."""
    import random

    from escalations.engine.text import PhraseMatcher, WordIndex, phrases_regex

    rng = random.Random(5)
    vocabulary = [
        "refund",
        "legal",
        "action",
        "sue",
        "issue",
        "money",
        "back",
        "api",
        "e-mail",
        "don't",
        "$100",
        "Straße",
    ]
    separators = [" ", "  ", "\n", ", ", "-", "'", "s ", "ed ", "ing. ", "!", " "]
    for _ in range(3000):
        phrases = [" ".join(rng.sample(vocabulary, rng.randint(1, 3))) for _ in range(rng.randint(1, 4))]
        words = [rng.choice([*vocabulary, "x", "the"]) for _ in range(rng.randint(1, 12))]
        text = "".join((word.upper() if rng.random() < 0.2 else word) + rng.choice(separators) for word in words)
        expected = phrases_regex(phrases).search(text)
        found = PhraseMatcher(phrases).search(WordIndex(text))
        assert (found and tuple(found)) == (expected and expected.span()), (phrases, text)


@pytest.mark.parametrize("where", [0, 1500, 3900])
def test_a_request_for_a_person_is_found_anywhere_in_a_long_message(where):
    from escalations.engine.human_request import human_request_in
    from escalations.engine.text import WordIndex

    filler = ("the export of the funnel still fails with an error and " * 80)[:4000]
    text = filler[:where] + " Please connect me with a live agent. " + filler[where:]
    found = human_request_in(text, WordIndex(text))
    assert found is not None
    assert found.text == "connect me with a live agent"
    negated = filler[:where] + " I don't need to talk to a human. " + filler[where:]
    assert human_request_in(negated, WordIndex(negated)) is None


@pytest.mark.parametrize(
    ("pattern", "literal"),
    [
        (r"\border\s+#?\d{5}\b", "order"),
        (r"\b(?:acme|globex)-12-\d+\b", "-12-"),
        (r"x(?:abc)?y", "x"),
        (r"(?:ab)+cd", "cd"),
        (r"lawyer|attorney", ""),
        (r"\bSUED\b", "sued"),
    ],
)
def test_the_literal_a_pattern_needs_lets_messages_without_it_skip_the_regex(pattern, literal):
    from escalations.engine.patterns import required_literal

    assert required_literal(pattern) == literal


def test_a_pattern_still_matches_when_its_literal_is_in_another_case():
    from escalations.engine import rules_compile

    rules = rules_compile(
        [RuleSpec(id=1, name="Order", priority=2, action="route", conditions={"patterns": [r"\border\s+#?\d{5}\b"]})]
    )
    assert evaluate(rules, Context(text="ORDER #12345 is missing")).matched_text == "ORDER #12345"
    assert evaluate(rules, Context(text="Ordnung 12345")) is None
    assert evaluate(rules, Context(text="ORDER #12345 is missing, café")).matched_text == "ORDER #12345"


def test_turns_and_topic_are_read_only_when_a_rule_gets_that_far():
    from escalations.engine import rules_compile

    rules = rules_compile(
        [
            RuleSpec(id=1, name="Legal", priority=1, action="stop", conditions={"keywords": ["lawyer"]}),
            RuleSpec(
                id=2,
                name="Stuck on the API",
                priority=3,
                action="offer",
                conditions={"topics": ["api"], "turns_at_least": 6},
            ),
        ]
    )
    reads: list[str] = []

    def context(text: str, turns: int = 0, topic: str = "") -> Context:
        def turns_loader():
            reads.append("turns")
            return turns

        def topic_loader():
            reads.append("topic")
            return topic

        return Context(text=text, turns_loader=turns_loader, topic_loader=topic_loader)

    assert evaluate(rules, context("my lawyer will call")).rule_id == 1
    assert reads == []  # the first rule matched on the words alone
    assert evaluate(rules, context("the api times out", turns=5)) is None
    assert reads == ["turns"]  # the topic was in the message itself
    reads.clear()
    assert evaluate(rules, context("it still fails", turns=7, topic="api keys")).rule_id == 2
    assert reads == ["topic", "turns"]
    reads.clear()
    assert evaluate(rules, context("thanks!", topic="billing")) is None
    assert reads == ["topic"]  # not about the API: the turns were never counted
