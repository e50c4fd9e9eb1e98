"""The default rules against what customers actually write: one table, one row per message,
with the rule it must trigger (or none) and the exact words the decision must point at.

Pure engine: no database. The rules are the seed's defaults (escalations/defaults.py), plus a
low-confidence rule and a negative-sentiment rule as an admin would add them."""

import pytest

from escalations.defaults import DEFAULT_RULES
from escalations.engine import AFTER, BEFORE, Context, RuleSpec, evaluate, rules_compile

LEGAL = "Legal or compliance mention"
REFUND = "Refund over $200"
HUMAN = "Customer asks for a person"
TECHNICAL = "Technical question unresolved after 6 turns"
LOW_CONFIDENCE = "Low confidence"
ANGRY = "Angry customer"

EXTRA_RULES = [
    {"name": LOW_CONFIDENCE, "priority": 3, "action": "offer", "conditions": {"confidence_below": "prompt"}},
    {"name": ANGRY, "priority": 3, "action": "offer", "conditions": {"negative_sentiment": True}},
]


@pytest.fixture(scope="module")
def rule_set():
    specs = [
        RuleSpec(id=position, position=position, **{"team": "", **fields})
        for position, fields in enumerate([*DEFAULT_RULES, *EXTRA_RULES], start=1)
    ]
    compiled = rules_compile(specs)
    assert compiled.skipped == ()
    return compiled


# (message, rule that must trigger or None, the matched text or None to skip the check)
BEFORE_REPLY = [
    # Legal and compliance, in many forms
    ("I'm going to talk to my lawyer about this", LEGAL, "lawyer"),
    ("My attorney will be in touch.", LEGAL, "attorney"),
    ("We have instructed our solicitors", LEGAL, "solicitors"),
    ("I will sue you for this", LEGAL, "I will sue"),
    ("I'm going to sue if this isn't fixed", LEGAL, "going to sue"),
    ("Prepare for a lawsuit.", LEGAL, "lawsuit"),
    ("We are considering LEGAL ACTION", LEGAL, "LEGAL ACTION"),
    ("I'll file a chargeback with my bank", LEGAL, "chargeback"),
    ("I will dispute the charge with Visa", LEGAL, "dispute the charge"),
    ("Filing a GDPR complaint today", LEGAL, "GDPR complaint"),
    ("This is a GDPR violation", LEGAL, "GDPR violation"),
    ("I'm reporting you to the regulator", LEGAL, "regulator"),
    ("Complaint going to the FTC", LEGAL, "FTC"),
    ("I'll contact the ombudsman", LEGAL, "ombudsman"),
    ("I'm sending a subject access request", LEGAL, "subject access request"),
    ("See you in court", LEGAL, "See you in court"),
    ("Consider this a cease and desist", LEGAL, "cease and desist"),
    ("We were sued over this data", LEGAL, "sued"),
    # ... and what only looks like it
    ("Is a bitcoin payment legal tender for you?", None, None),
    ("Is there an issue with tracking?", None, None),
    ("Hi, this is Sue from accounting", None, None),
    ("Where is your legal notice page?", None, None),
    ("Are you GDPR compliant?", None, None),
    # Refunds: amounts in every format above the $200 limit, with the topic
    ("I want a refund of $250", REFUND, "$250"),
    ("Please refund the 250 dollars", REFUND, "250 dollars"),
    ("Refund EUR 300 please", REFUND, "EUR 300"),
    ("I need my €300 refunded", REFUND, "€300"),
    ("Refund 300€ asap", REFUND, "300€"),
    ("I was charged 1,200.50, I want my money back", REFUND, "1,200.50"),
    ("USD 1200 refund now", REFUND, "USD 1200"),
    ("Give me a refund for the 201 bucks", REFUND, "201 bucks"),
    ("refund $2k", REFUND, "$2k"),
    ("Can I get reimbursed 1.200,50 €?", REFUND, "1.200,50 €"),
    ("Refund US$ 999.99", REFUND, "US$ 999.99"),
    ("I paid $50 and then $450, refund the second", REFUND, "$450"),
    # ... at or below the limit
    ("Can I get a refund of $150?", None, None),
    ("Refund the 200 bucks please", None, None),
    ("refund $200.00", None, None),
    ("Refund of 99.90 EUR", None, None),
    # ... or without the topic, or a number that is not money
    ("I paid $250 for the annual plan, how do I add seats?", None, None),
    ("EUR 300 is what the Growth plan costs?", None, None),
    ("Refund status for order 48213?", None, None),
    ("I want a refund for my 2024 subscription", None, None),
    # A person, asked for in many ways
    ("Can I talk to a human?", HUMAN, "talk to a human"),
    ("I want to speak to a real person", HUMAN, None),
    ("Please let me speak to an agent", HUMAN, "speak to an agent"),
    ("representative", HUMAN, "representative"),
    ("Representative please", HUMAN, "Representative"),
    ("operator", HUMAN, "operator"),
    ("Agent!!", HUMAN, "Agent"),
    ("I want a person", HUMAN, "want a person"),
    ("get me a manager", HUMAN, "get me a manager"),
    ("Transfer me to customer service", HUMAN, "Transfer me to customer service"),
    ("Is there a human I can talk to?", HUMAN, None),
    ("I don't know, can I talk to a human?", HUMAN, "talk to a human"),
    ("Why can't I talk to a human?", HUMAN, "talk to a human"),
    ("Can someone call me?", HUMAN, "Can someone call me"),
    ("connect me with a live agent", HUMAN, None),
    # ... and what is not a request
    ("I don't need a human, just tell me how to export", None, None),
    ("No need for an agent, thanks", None, None),
    ("I'd rather not speak to an agent", None, None),
    ("Without talking to a person, how do I reset my key?", None, None),
    ("Are you a real person?", None, None),
    ("I'm a sales representative at Acme", None, None),
    ("Our operator account cannot log in", None, None),
    # Negative sentiment (the admin's extra rule)
    ("This is terrible and your product is useless", ANGRY, "terrible"),
    ("I am FURIOUS!!!", ANGRY, "FURIOUS"),
    ("Absolutely unacceptable", ANGRY, "unacceptable"),
    ("Not bad at all, thanks!", None, None),
    ("It's not terrible, just slow", None, None),
    # First match wins, in position order: legal (1) before refund (2)
    ("Refund my $500 or I call my lawyer", LEGAL, "lawyer"),
    ("Refund $500 or get me a manager", REFUND, "$500"),
]


@pytest.mark.parametrize(("text", "rule", "matched"), BEFORE_REPLY, ids=[row[0][:40] for row in BEFORE_REPLY])
def test_before_reply(rule_set, text, rule, matched):
    match = evaluate(rule_set, Context(text=text, stage=BEFORE))
    assert (match.rule_name if match else None) == rule
    if match is not None:
        assert match.matched_text in text, "the matched text is an exact substring of the message"
        assert match.reason.endswith(".")
        if matched is not None:
            assert match.matched_text == matched


def test_refund_reason_names_the_amount_and_the_limit(rule_set):
    match = evaluate(rule_set, Context(text="I want a refund of $250", stage=BEFORE))
    assert match.reason == "Refund of $250 is over the $200 limit."
    assert (match.action, match.team, match.priority) == ("route", "billing", 2)


# (turns without resolution, the message, rule or None)
TURN_LIMITS = [
    (5, "The API still returns an error", None),
    (6, "The API still returns an error", TECHNICAL),
    (9, "My webhook is not working", TECHNICAL),
    (8, "What does the Growth plan include?", None),
]


@pytest.mark.parametrize(("turns", "text", "rule"), TURN_LIMITS)
def test_turn_limit(rule_set, turns, text, rule):
    match = evaluate(rule_set, Context(text=text, stage=BEFORE, turns_without_resolution=turns))
    assert (match.rule_name if match else None) == rule
    if match is not None:
        assert f"{turns} customer messages without a resolution (the limit is 6)" in match.reason


def test_technical_topic_may_come_from_the_conversation(rule_set):
    context = Context(text="still nothing", stage=BEFORE, turns_without_resolution=7, topic="Webhook setup")
    match = evaluate(rule_set, context)
    assert match.rule_name == TECHNICAL
    assert match.matched_text == ""
    assert match.reason.startswith("The conversation is about “Webhook”; 7 customer messages")


# (confidence, threshold, rule or None)
CONFIDENCE = [
    (0.2, 0.4, LOW_CONFIDENCE),
    (0.39, 0.4, LOW_CONFIDENCE),
    (0.4, 0.4, None),
    (0.9, 0.4, None),
    (0.5, 0.6, LOW_CONFIDENCE),
    (None, 0.4, None),
    (0.1, None, None),
]


@pytest.mark.parametrize(("confidence", "threshold", "rule"), CONFIDENCE)
def test_low_confidence_after_reply(rule_set, confidence, threshold, rule):
    context = Context(text="How do I export?", stage=AFTER, confidence=confidence, confidence_threshold=threshold)
    match = evaluate(rule_set, context)
    assert (match.rule_name if match else None) == rule
    if match is not None:
        assert match.reason == (
            f"The AI's confidence {confidence:.2f} is below the threshold of the active prompt version "
            f"({threshold:.2f})."
        )


def test_confidence_rules_wait_for_the_reply_and_other_rules_do_not_run_after(rule_set):
    before = Context(text="How do I export?", stage=BEFORE, confidence=0.1, confidence_threshold=0.4)
    assert evaluate(rule_set, before) is None
    after = Context(text="I'll call my lawyer", stage=AFTER, confidence=0.9, confidence_threshold=0.4)
    assert evaluate(rule_set, after) is None, "decided before the reply already"


def test_an_explicit_confidence_number_overrides_the_prompt_threshold():
    rules = rules_compile(
        [RuleSpec(id=1, name="Unsure", priority=3, action="offer", conditions={"confidence_below": 0.25})]
    )
    unsure = Context(text="x", stage=AFTER, confidence=0.2, confidence_threshold=0.1)
    sure_enough = Context(text="x", stage=AFTER, confidence=0.3, confidence_threshold=0.9)
    assert evaluate(rules, unsure).reason == "The AI's confidence 0.20 is below the threshold (0.25)."
    assert evaluate(rules, sure_enough) is None


def test_all_conditions_of_a_rule_must_hold():
    rules = rules_compile(
        [
            RuleSpec(
                id=1,
                name="Angry about billing",
                priority=2,
                action="route",
                conditions={"keywords": ["invoice", "billing"], "negative_sentiment": True},
            )
        ]
    )
    assert evaluate(rules, Context(text="Where is my invoice?")) is None
    assert evaluate(rules, Context(text="This is terrible and useless")) is None
    match = evaluate(rules, Context(text="Your billing is terrible and useless"))
    assert match.matched_text == "billing"
    assert match.reason == (
        "The message mentions “billing”; the message reads as negative (score -5: “terrible”, “useless”)."
    )


def test_disabled_rules_do_not_run_and_position_decides():
    specs = [
        RuleSpec(id=1, name="Second", position=2, priority=1, action="stop", conditions={"keywords": ["refund"]}),
        RuleSpec(id=2, name="First", position=1, priority=3, action="offer", conditions={"keywords": ["refund"]}),
        RuleSpec(
            id=3, name="Off", position=0, enabled=False, priority=1, action="stop", conditions={"keywords": ["x"]}
        ),
    ]
    rules = rules_compile(specs)
    assert evaluate(rules, Context(text="refund")).rule_name == "First"
    assert evaluate(rules, Context(text="x")) is None
