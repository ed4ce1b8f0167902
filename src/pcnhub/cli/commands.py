"""Sub-commands of ``pcnhub`` defined in their own modules, imported only when they are run.

Building the parser must not import what the other commands need (Ibis, DuckDB, pyarrow, scipy,
Django): each :class:`Command` names its module, and only the command on the command line (or the
one whose ``--help`` is asked for) is imported and given its arguments.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TextIO

from pcnhub.domain.errors import InputError

#: Exit codes of every command: done, a rule broken (by the configuration or plan checked), bad input.
EXIT_OK: Final = 0
EXIT_BROKEN: Final = 1
EXIT_BAD_INPUT: Final = 2


def fail(stderr: TextIO, prog: str, message: str) -> int:
    """Say what is wrong with the command line or its input (``prog: message``); exit status 2."""
    stderr.write(f"{prog}: {message}\n")
    return EXIT_BAD_INPUT


def bad_input(stderr: TextIO, prog: str, error: Exception) -> int:
    """Report bad input; exit status 2.  An :class:`~pcnhub.domain.errors.InputError` names its own file,
    row and field, so it is printed as it is; any other error follows ``prog:``."""
    if isinstance(error, InputError):
        stderr.write(f"{error}\n")
        return EXIT_BAD_INPUT
    return fail(stderr, prog, str(error))


@dataclass(frozen=True)
class Command:
    """``module.add(parser)`` adds the arguments; ``module.run(args, stdout, stderr)`` runs it.

    A command with sub-commands of its own (``nested``) is given the words after its name too:
    ``module.add(parser, argv)``, so that it can import only the sub-command used.
    """

    help: str
    module: str
    add: str
    run: str
    parser_options: Mapping[str, Any] = field(default_factory=dict)
    nested: bool = False

    def function(self, name: str):
        return getattr(importlib.import_module(self.module), name)


def add_commands(sub, commands: Mapping[str, Command], argv: Sequence[str]) -> None:
    """Add every command's parser; only the one named first in ``argv`` gets its arguments."""
    chosen = argv[0] if argv else None
    for name, command in commands.items():
        parser = sub.add_parser(name, help=command.help, **command.parser_options)
        if name == chosen:
            add = command.function(command.add)
            add(parser, list(argv[1:])) if command.nested else add(parser)


def run_command(commands: Mapping[str, Command], name: str, args: argparse.Namespace,
                stdout: TextIO, stderr: TextIO) -> int:
    command = commands[name]
    return command.function(command.run)(args, stdout, stderr)
