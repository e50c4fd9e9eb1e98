from django.conf import settings

from chatassist.navigation import SECTIONS_BY_KEY, sections_for


def _current_section(request):
    """The section a console page belongs to: the first path segment after /w/<slug>/
    (none for the dashboard), so that every page of a section marks it without help."""
    match = getattr(request, "resolver_match", None)
    if match is None or "workspace_slug" not in match.kwargs:
        return None
    prefix = f"/w/{match.kwargs['workspace_slug']}/"
    if not request.path.startswith(prefix):
        return None
    first_segment = request.path[len(prefix) :].split("/", 1)[0]
    return SECTIONS_BY_KEY.get(first_segment or "dashboard")


def navigation(request):
    membership = getattr(request, "membership", None)
    return {
        "navigation": sections_for(membership) if membership is not None else [],
        "current_section": _current_section(request),
        "invitation_ttl_hours": settings.INVITATION_TTL_HOURS,
    }
