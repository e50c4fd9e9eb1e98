"""The escalation rules engine: plain Python, no database.

A workspace's rules are compiled once into matchers (``rules_compile``) and kept per process,
keyed by a stamp of the rules (``RuleSetCache``); ``evaluate`` runs them on one message:

    rule_set = rules_compile([RuleSpec(...), ...])
    match = evaluate(rule_set, Context(text="I'll call my lawyer", stage="before"))
    match.rule_name, match.matched_text, match.reason   # "Legal…", "lawyer", "The message mentions “lawyer”."

The first enabled rule, in position order, whose conditions all hold wins. Rules with a
confidence condition need the AI's reply, so they are evaluated at the ``after`` stage only;
every other rule at the ``before`` stage only (before the model is called, so that a legal
threat stops the AI before it speaks). Each rule is thus decided once per message.

Submodules: ``schema`` (what a rule may test, validation, summaries), ``conditions`` (the
checks), ``money``, ``human_request``, ``sentiment``, ``patterns`` (regex safety), ``text``."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

from escalations.engine.conditions import Features, Hit, checks_for
from escalations.engine.schema import CONDITION_KEYS, ConditionsInvalid, conditions_summary, conditions_validate
from escalations.engine.text import normalize

__all__ = [
    "AFTER",
    "BEFORE",
    "ConditionsInvalid",
    "Context",
    "Match",
    "RuleSet",
    "RuleSetCache",
    "RuleSpec",
    "conditions_summary",
    "conditions_validate",
    "evaluate",
    "rules_compile",
]

BEFORE, AFTER = "before", "after"
STAGES = (BEFORE, AFTER)
# Which condition's words become the decision's matched text, when several point at words.
_MATCHED_TEXT_PREFERENCE = ("amount", "keywords", "patterns", "human_request", "negative_sentiment", "topics")


@dataclass(frozen=True)
class RuleSpec:
    """A rule as the engine sees it (services build these from ``EscalationRule`` rows)."""

    id: int
    name: str
    priority: int
    action: str
    conditions: dict
    position: int = 0
    enabled: bool = True
    team: str = ""
    holding_message: str = ""
    version: int = 0


@dataclass(frozen=True)
class Context:
    """One message and what is known about its conversation at this stage."""

    text: str
    stage: str = BEFORE
    turns_without_resolution: int = 0
    confidence: float | None = None
    confidence_threshold: float | None = None
    topic: str = ""
    # Read from the database only if a rule gets that far (most messages never do):
    # they replace ``turns_without_resolution`` and ``topic`` when given.
    turns_loader: Callable[[], int] | None = None
    topic_loader: Callable[[], str] | None = None

    @property
    def normalized_text(self) -> str:
        return normalize(self.text)


@dataclass(frozen=True)
class Match:
    rule_id: int
    rule_name: str
    priority: int
    action: str
    team: str
    holding_message: str
    stage: str
    matched_text: str  # exactly as the customer wrote it; "" when no condition points at words
    reason: str  # a sentence: "Refund of $250 is over the $200 limit."
    rule_version: int = 0
    clauses: tuple[str, ...] = ()


@dataclass(frozen=True)
class CompiledRule:
    spec: RuleSpec
    checks: tuple
    stage: str

    def match(self, features: Features) -> Match | None:
        hits: dict[str, Hit] = {}
        for check in self.checks:
            hit = check(features)
            if hit is None:
                return None
            hits[check.key] = hit
        return _match_from(self.spec, self.stage, hits)


@dataclass(frozen=True)
class RuleSet:
    """A workspace's enabled rules, compiled and in position order, split by stage."""

    by_stage: dict[str, tuple[CompiledRule, ...]]
    # Rules whose stored conditions no longer validate: skipped, never a failed turn.
    skipped: tuple[tuple[int, str], ...] = field(default=())

    def __len__(self) -> int:
        return sum(len(rules) for rules in self.by_stage.values())


def _match_from(spec: RuleSpec, stage: str, hits: dict[str, Hit]) -> Match:
    clauses = tuple(hits[key].clause for key in CONDITION_KEYS if key in hits)
    pointed = next((hits[key] for key in _MATCHED_TEXT_PREFERENCE if key in hits and hits[key].text), None)
    reason = "; ".join(clauses)
    reason = reason[:1].upper() + reason[1:] + "."
    return Match(
        rule_id=spec.id,
        rule_name=spec.name,
        priority=spec.priority,
        action=spec.action,
        team=spec.team,
        holding_message=spec.holding_message,
        stage=stage,
        matched_text=pointed.text if pointed else "",
        reason=reason,
        rule_version=spec.version,
        clauses=clauses,
    )


def rules_compile(specs: Iterable[RuleSpec]) -> RuleSet:
    """Compile the enabled rules, in position order (then id)."""
    by_stage: dict[str, list[CompiledRule]] = {stage: [] for stage in STAGES}
    skipped = []
    for spec in sorted(specs, key=lambda spec: (spec.position, spec.id)):
        if not spec.enabled:
            continue
        try:
            conditions = conditions_validate(spec.conditions)
        except ConditionsInvalid as error:
            skipped.append((spec.id, str(error)))
            continue
        checks = tuple(checks_for(conditions))
        stage = AFTER if any(check.needs_reply for check in checks) else BEFORE
        by_stage[stage].append(CompiledRule(spec=spec, checks=checks, stage=stage))
    return RuleSet(by_stage={stage: tuple(rules) for stage, rules in by_stage.items()}, skipped=tuple(skipped))


def evaluate(rules: RuleSet, context: Context) -> Match | None:
    """The first rule of ``context.stage`` whose conditions all hold, or None."""
    if context.stage not in STAGES:
        raise ValueError(f"stage must be one of {STAGES}, not {context.stage!r}")
    candidates = rules.by_stage[context.stage]
    if not candidates:
        return None
    features = Features(context)
    for rule in candidates:
        match = rule.match(features)
        if match is not None:
            return match
    return None


class RuleSetCache:
    """Compiled rule sets per workspace, in this process, keyed by a stamp that changes
    whenever any of the workspace's rules changes (services use the newest ``updated_at`` and
    the count). A stale stamp recompiles; the least recently used workspaces are dropped
    beyond ``max_workspaces``. Thread-safe: daphne and Celery run several threads."""

    def __init__(self, max_workspaces: int = 2000):
        self.max_workspaces = max_workspaces
        self._entries: OrderedDict[int, tuple[Hashable, RuleSet]] = OrderedDict()
        self._lock = threading.Lock()
        self.compilations = 0

    def get(self, workspace_id: int, stamp: Hashable, load: Callable[[], Iterable[RuleSpec]]) -> RuleSet:
        with self._lock:
            entry = self._entries.get(workspace_id)
            if entry is not None and entry[0] == stamp:
                self._entries.move_to_end(workspace_id)
                return entry[1]
        # Compiled outside the lock: two threads may both compile once, which is harmless.
        rule_set = rules_compile(load())
        with self._lock:
            self.compilations += 1
            self._entries[workspace_id] = (stamp, rule_set)
            self._entries.move_to_end(workspace_id)
            while len(self._entries) > self.max_workspaces:
                self._entries.popitem(last=False)
        return rule_set

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
