"""Django, set up for the commands that use the database."""

from __future__ import annotations

import os


def setup_django() -> None:
    """Configure Django with ``DJANGO_SETTINGS_MODULE`` (default: the development settings)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pcnhub.webapp.settings")
    import django

    django.setup()
