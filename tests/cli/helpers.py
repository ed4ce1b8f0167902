"""Running a command as the tests do: its exit code, standard output and standard error."""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable

from pcnhub.cli.main import main


def command(prog: str, add: Callable, run: Callable) -> Callable[..., tuple[int, str, str]]:
    """One command, parsed by ``add``'s arguments and run by ``run``: ``call(*argv, **extra)``."""

    def call(*argv: str, **extra) -> tuple[int, str, str]:
        parser = argparse.ArgumentParser(prog=prog)
        add(parser)
        out, err = io.StringIO(), io.StringIO()
        code = run(parser.parse_args(list(argv)), out, err, **extra)
        return code, out.getvalue(), err.getvalue()

    return call


def pcnhub(*argv: str) -> tuple[int, str, str]:
    """The whole command line, ``pcnhub ARGV``."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()
