"""The ``pcnhub`` command: argument parsing, exit codes and printing, one module per command.

:mod:`pcnhub.cli.main` builds the parser and dispatches (the console script's entry point);
:mod:`pcnhub.cli.commands` holds the table of commands imported only when used;
:mod:`pcnhub.cli.values` the argument types every command shares; :mod:`pcnhub.cli.django` sets
Django up for the commands that use the database.  Everything below this package is called from
here; nothing below imports it.
"""
