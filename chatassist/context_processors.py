from django.conf import settings

from chatassist.navigation import sections_for


def navigation(request):
    membership = getattr(request, "membership", None)
    return {
        "navigation": sections_for(membership) if membership is not None else [],
        "invitation_ttl_hours": settings.INVITATION_TTL_HOURS,
    }
