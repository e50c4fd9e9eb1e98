from django.conf import settings

from chatassist.navigation import SECTIONS_BY_KEY, sections_for

# Pages that live under a section without being its landing page.
SECTION_OF_URL_NAME = {"team_invite": "team", "api_key_create": "settings"}


def navigation(request):
    membership = getattr(request, "membership", None)
    url_name = getattr(getattr(request, "resolver_match", None), "url_name", None)
    return {
        "navigation": sections_for(membership) if membership is not None else [],
        "current_section": SECTIONS_BY_KEY.get(SECTION_OF_URL_NAME.get(url_name, url_name)),
        "invitation_ttl_hours": settings.INVITATION_TTL_HOURS,
    }
