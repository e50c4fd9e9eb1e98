from accounts import selectors


def console(request):
    """The workspace switcher and the navigation need the user's workspaces and role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "user_memberships": selectors.memberships_for_user(user=user),
        "workspace": getattr(request, "workspace", None),
        "membership": getattr(request, "membership", None),
    }
