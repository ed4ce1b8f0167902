from pcnhub.accounts.scope import scope_for


def role(request):
    """Expose the signed-in user's scope (role, organisation) to every template."""
    if not request.user.is_authenticated:
        return {}
    return {"scope": scope_for(request.user)}
