"""Console pages that belong to no single app yet: the dashboard (with its live feed of recent
conversations) and "not built yet" pages."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import selectors
from accounts.access import workspace_view
from chatassist.navigation import SECTIONS_BY_KEY
from conversations.monitor.selectors import activity_feed as activity_feed_of


@require_GET
@workspace_view()
def dashboard(request):
    workspace = request.workspace
    checklist = [
        ("Invite your team", selectors.members_of(workspace=workspace).count() > 1, "team"),
        ("Allow the widget on your site's origin", bool(workspace.allowed_origins), "settings"),
        ("Create an API key for your backend", selectors.api_keys_of(workspace=workspace).exists(), "settings"),
    ]
    context = {"checklist": checklist, "feed": activity_feed_of(workspace=workspace)}
    return render(request, "console/dashboard.html", context)


@require_GET
@workspace_view()
def activity_feed(request):
    """The dashboard's live feed, re-fetched when the workspace socket hears of a change."""
    return render(
        request, "console/partials/activity_feed.html", {"feed": activity_feed_of(workspace=request.workspace)}
    )


def coming_soon(section_key: str):
    section = SECTIONS_BY_KEY[section_key]

    @require_GET
    @workspace_view(section.permission)
    def view(request):
        return render(request, "console/coming_soon.html")

    view.__name__ = f"{section_key}_coming_soon"
    return view
