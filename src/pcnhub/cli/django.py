"""Django, set up for the commands that use the database, and the database (and its cache table) brought up to date."""

from __future__ import annotations

import os


def setup_django() -> None:
    """Configure Django with ``DJANGO_SETTINGS_MODULE`` (default: the development settings)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pcnhub.webapp.settings")
    import django

    django.setup()


def setup_database() -> None:
    """:func:`setup_django`, then apply any migration not yet applied: a command that uses the register works on
    a fresh ``PCNHUB_HOME`` (or a new PostgreSQL database) instead of failing on a missing table."""
    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", verbosity=0, interactive=False)
    create_cache_table()


def create_cache_table() -> None:
    """The database cache's table (``CACHES`` in the settings), if it is not there yet (a database migrated
    before the cache was configured gets it too); nothing for other cache backends."""
    from django.core.management import call_command

    call_command("createcachetable", verbosity=0)
