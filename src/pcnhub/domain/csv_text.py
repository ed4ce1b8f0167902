"""Small CSV files read whole as text: the configuration CSV and the access session plan."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from pcnhub.domain.errors import InputError, open_input


def read_csv_text(source: Path) -> str:
    """The file as UTF-8 text (a byte-order mark is dropped); InputError naming the line of a bad byte."""
    with open_input(source, "a CSV file") as handle:
        data = handle.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError.single(
            source.name,
            f"the file is not UTF-8 text (byte 0x{data[err.start]:02x} cannot be read); "
            "save it as 'CSV UTF-8'",
            row=data.count(b"\n", 0, err.start) + 1,
        ) from None


def text_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number where the record starts, cells) for each non-blank CSV record."""
    reader = csv.reader(io.StringIO(text, newline=""))
    previous_end = 0
    for record in reader:
        line = previous_end + 1
        previous_end = reader.line_num
        if any(cell.strip() for cell in record):
            yield line, record
