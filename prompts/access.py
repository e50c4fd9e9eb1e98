from django.http import Http404

from accounts.models import Workspace
from prompts.models import PromptVersion


def prompt_version_for(workspace: Workspace, version_id: int | str) -> PromptVersion:
    """The workspace's version with this id; 404 for missing and for another workspace's."""
    prompt_version = PromptVersion.objects.select_related("author").filter(workspace=workspace, pk=version_id).first()
    if prompt_version is None:
        raise Http404("No such prompt version.")
    return prompt_version
