"""The console's progress bars: one look, on the stream asked for, silent when disabled."""

from __future__ import annotations

import io

from rich.console import Console

from pcnhub.progress import progress_bars


def test_bars_are_drawn_on_the_stream_given():
    out = io.StringIO()
    with progress_bars(out) as progress:
        task = progress.add_task("synthetic patients", total=4)
        progress.advance(task, 4)
    assert "synthetic patients" in out.getvalue() and "4/4" in out.getvalue()


def test_a_rich_console_is_used_as_it_is_and_the_description_padded():
    console = Console(file=io.StringIO(), width=120)
    progress = progress_bars(console, width=40)
    assert progress.console is console
    assert progress.columns[1].text_format == "{task.description:<40}"


def test_disabled_bars_write_nothing():
    out = io.StringIO()
    with progress_bars(out, enabled=False) as progress:
        progress.advance(progress.add_task("import", total=1), 1)
    assert out.getvalue() == ""
