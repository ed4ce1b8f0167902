def role(request):
    """Expose the signed-in user's scope (role, organisation) to every template."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"scope": request.scope}
