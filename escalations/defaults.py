"""The rules every new workspace starts with (the demo's rules), and the holding messages each
action uses when a rule gives none. Plain data: services and migrations both read it."""

STOP, ROUTE, OFFER = "stop", "route", "offer"

DEFAULT_HOLDING_MESSAGES = {
    STOP: "Thank you for letting us know. A member of our team will take over this conversation "
    "and reply here as soon as possible.",
    ROUTE: "Thanks, I've passed this to our team with a summary of our conversation. A person will "
    "look into it and reply here; I can't confirm or decide this myself.",
    OFFER: "Would you like me to connect you with a person from our team? Just say so and I'll hand "
    "this conversation over.",
}


def default_holding_message(action: str, team: str = "") -> str:
    if action == ROUTE and team:
        return DEFAULT_HOLDING_MESSAGES[ROUTE].replace("our team", f"our {team} team", 1)
    return DEFAULT_HOLDING_MESSAGES.get(action, "")


LEGAL_KEYWORDS = [
    "lawyer",
    "attorney",
    "solicitor",
    "lawsuit",
    "legal action",
    "legal proceedings",
    "legal team",
    "take you to court",
    "see you in court",
    "small claims",
    "class action",
    "cease and desist",
    "chargeback",
    "charge back",
    "dispute the charge",
    "dispute this charge",
    "GDPR complaint",
    "GDPR violation",
    "GDPR breach",
    "data breach",
    "data protection authority",
    "supervisory authority",
    "subject access request",
    "DSAR",
    "regulator",
    "FTC",
    "CFPB",
    "consumer protection",
    "ombudsman",
    "trading standards",
    "Better Business Bureau",
    "BBB",
    "attorney general",
    "report you to",
]
# "Sue" is also a name: only threats count ("I'll sue", "suing you", "sued").
LEGAL_PATTERNS = [
    r"\b(?:i'?ll|i\s+will|we'?ll|we\s+will|going\s+to|gonna|i\s+(?:can|could|may|might)|i'?m)\s+(?:\w+\s+)?su(?:e|ing)\b",
    r"\bsu(?:e|ing)\s+(?:you|u|your|the\s+company|this\s+company|them)\b",
    r"\bsued\b",
]
REFUND_TOPICS = [
    "refund",
    "money back",
    "reimburse",
    "reimbursement",
    "credit back",
    "pay me back",
    "return my money",
]
TECHNICAL_TOPICS = [
    "API",
    "SDK",
    "integration",
    "install",
    "installation",
    "error",
    "bug",
    "webhook",
    "tracking",
    "snippet",
    "script",
    "JavaScript",
    "endpoint",
    "crash",
    "not working",
    "doesn't work",
    "broken",
    "configure",
    "configuration",
    "setup",
    "technical",
]

# In position order. ``team`` only for route.
DEFAULT_RULES = [
    {
        "name": "Legal or compliance mention",
        "priority": 1,
        "action": STOP,
        "team": "",
        "conditions": {"keywords": LEGAL_KEYWORDS, "patterns": LEGAL_PATTERNS},
    },
    {
        "name": "Refund over $200",
        "priority": 2,
        "action": ROUTE,
        "team": "billing",
        "holding_message": "Thanks, I've passed your request to our billing team with a summary of our "
        "conversation. A person will review it and reply here; I can't confirm or decline refunds myself.",
        "conditions": {"amount": {"over": 200, "topics": REFUND_TOPICS, "currency": "$"}},
    },
    {
        "name": "Customer asks for a person",
        "priority": 2,
        "action": ROUTE,
        "team": "support",
        "conditions": {"human_request": True},
    },
    {
        "name": "Technical question unresolved after 6 turns",
        "priority": 3,
        "action": OFFER,
        "team": "",
        "conditions": {"topics": TECHNICAL_TOPICS, "turns_at_least": 6},
    },
]
