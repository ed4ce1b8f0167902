"""Progress bars (rich) on the console for long imports, pipelines and generators: one look everywhere.

:func:`progress_bars` makes them; imports, the population health pipeline and the synthetic data
generator each add their own tasks.  rich is imported only when bars are made.
"""

from __future__ import annotations

from typing import Any, TextIO


def progress_bars(out: TextIO | Any | None = None, *, width: int = 0, enabled: bool = True) -> Any:
    """A :class:`rich.progress.Progress` with a spinner, the task's description (padded to ``width``), a bar,
    done of total and the time elapsed, on ``out`` (a stream or a rich console; default stderr)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    if out is None:
        console = Console(stderr=True)
    elif hasattr(out, "print"):
        console = out
    else:
        console = Console(file=out)
    description = "{task.description:<%d}" % width if width else "{task.description}"
    return Progress(SpinnerColumn(), TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, disable=not enabled)
