"""The console's sections, in menu order, with the role property each one needs.

Sections that are not built yet render an honest "not built yet" page that says what will
live there; each later part of the product replaces its entry's view. A built section is served
by its app's own urls under /w/<slug>/<key>/ (``Escalations`` is a shortcut to the monitor's
Queue tab, where escalations are handled live)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    permission: str
    summary: str
    built: bool = False


SECTIONS = (
    Section("dashboard", "Dashboard", "can_view_workspace", "", built=True),
    Section(
        "conversations",
        "Conversations",
        "can_view_conversations",
        "Every conversation, searchable, with its transcript, the AI's sources and exports.",
        built=True,
    ),
    Section(
        "monitor",
        "Chat monitor",
        "can_view_conversations",
        "Live conversations as the assistant answers them, with take-over, replies and internal notes.",
        built=True,
    ),
    Section(
        "knowledge",
        "Knowledge",
        "can_view_workspace",
        "The help-centre articles, FAQs and files the assistant answers from, "
        "with a search that shows what it retrieves.",
        built=True,
    ),
    Section(
        "prompts",
        "Prompts",
        "can_view_workspace",
        "Versioned system prompts, persona and model choice, with a diff between versions and a sandbox.",
        built=True,
    ),
    Section(
        "rules",
        "Escalation rules",
        "can_edit_rules",
        "Rules that hand conversations to people, each with a priority, a reason and a record.",
        built=True,
    ),
    Section(
        "escalations",
        "Escalations",
        "can_view_conversations",
        "The queue of conversations handed to people by the escalation rules, in the chat monitor: "
        "each with its priority, reason and waiting time, live, and the handoff summary a click away.",
        built=True,
    ),
    Section(
        "analytics",
        "Analytics",
        "can_view_analytics",
        "Tokens, cost, resolution rate, response times and satisfaction over time.",
    ),
    Section(
        "integrations",
        "Integrations",
        "can_manage_integrations",
        "Slack, Zendesk, HubSpot and signed outbound webhooks, with a delivery log.",
    ),
    Section("team", "Team", "can_view_workspace", "", built=True),
    Section("settings", "Settings", "can_manage_settings", "", built=True),
)

SECTIONS_BY_KEY = {section.key: section for section in SECTIONS}


def sections_for(membership) -> list[Section]:
    return [section for section in SECTIONS if getattr(membership, section.permission)]
