"""Work after the customer's turn: the AI handoff summary of a new escalation. The task takes
ids, re-fetches within the workspace, and calls one service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from escalations.models import Escalation
from escalations.services.summaries import escalation_summarize as summarize


# Only the database is retried: a model that failed was already retried and fell back in the
# assistant layer, and the extractive summary stays. A hung call is cut off by the limits.
@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_jitter=True,
    max_retries=3,
    soft_time_limit=300,
    time_limit=330,
)
def escalation_summarize(escalation_id: int, workspace_id: int) -> None:
    """Write the AI handoff summary of the escalation; nothing to do if it is gone, or not
    in ``workspace_id``."""
    escalation = (
        Escalation.objects.filter(pk=escalation_id, workspace_id=workspace_id)
        .select_related("workspace", "conversation", "decision")
        .first()
    )
    if escalation is None:
        return
    summarize(escalation=escalation)
