"""Looking up knowledge-base objects for the member who asks: 404 for "missing" and for
"another workspace's" alike (see accounts/access.py)."""

from django.http import Http404

from accounts.models import Workspace
from knowledge.models import Document


def document_for(workspace: Workspace, document_id: int) -> Document:
    document = Document.objects.filter(workspace=workspace, pk=document_id).select_related("created_by").first()
    if document is None:
        raise Http404("No such document.")
    return document
