"""Looking up rules and escalations for the member who asks: 404 for "missing", "deleted" and
"another workspace's" alike (see accounts/access.py)."""

from django.http import Http404

from accounts.models import Workspace
from escalations.models import Escalation, EscalationRule


def rule_for(workspace: Workspace, rule_id: int) -> EscalationRule:
    rule = EscalationRule.objects.filter(workspace=workspace, pk=rule_id, deleted_at__isnull=True).first()
    if rule is None:
        raise Http404("No such rule.")
    return rule


def escalation_for(workspace: Workspace, escalation_id: int) -> Escalation:
    escalation = (
        Escalation.objects.filter(workspace=workspace, pk=escalation_id)
        .select_related("conversation", "claimed_by")
        .first()
    )
    if escalation is None:
        raise Http404("No such escalation.")
    return escalation
