"""Console pages that belong to no single app yet: the dashboard and "not built yet" pages."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import selectors
from accounts.access import workspace_view
from chatassist.navigation import SECTIONS_BY_KEY


@require_GET
@workspace_view()
def dashboard(request):
    workspace = request.workspace
    checklist = [
        ("Invite your team", selectors.members_of(workspace=workspace).count() > 1, "team"),
        ("Allow the widget on your site's origin", bool(workspace.allowed_origins), "settings"),
        ("Create an API key for your backend", selectors.api_keys_of(workspace=workspace).exists(), "settings"),
    ]
    return render(request, "console/dashboard.html", {"checklist": checklist})


def coming_soon(section_key: str):
    section = SECTIONS_BY_KEY[section_key]

    @require_GET
    @workspace_view(section.permission)
    def view(request):
        return render(request, "console/coming_soon.html")

    view.__name__ = f"{section_key}_coming_soon"
    return view
