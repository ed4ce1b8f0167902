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

#: Exit codes of every command: done, a rule broken (by the configuration or plan checked), bad input.
EXIT_OK: Final = 0
EXIT_BROKEN: Final = 1
EXIT_BAD_INPUT: Final = 2


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
