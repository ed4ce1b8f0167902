"""NHS financial years ("2023/24": 1 April 2023 to 31 March 2024) and their months."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

#: A financial year as written: its first calendar year, then / or -, then its second in two or four digits.
YEAR_PATTERN: Final = r"\s*([0-9]{4})\s*[/-]\s*([0-9]{2}|[0-9]{4})\s*"
_YEAR: Final = re.compile(YEAR_PATTERN)
#: The first financial year of the Network Contract DES and the last one the catalogue covers.
FIRST_YEAR: Final = 2019
LAST_YEAR: Final = 2025


@dataclass(frozen=True, order=True)
class FinancialYear:
    """A financial year named by the calendar year it starts in (2023 is 2023/24)."""

    start_year: int

    @classmethod
    def parse(cls, text: str) -> FinancialYear:
        """Read "2023/24", "2023-24" or "2023/2024"; raise ValueError naming the text otherwise."""
        match = _YEAR.fullmatch(str(text))
        if not match:
            raise ValueError(f"{text!r} is not a financial year; write it like 2023/24")
        first, second = int(match[1]), match[2]
        expected = first + 1
        if int(second) not in (expected % 100, expected) or (len(second) == 4 and int(second) != expected):
            raise ValueError(f"{text!r} is not a financial year: {second} does not follow {first}")
        return cls(first)

    @classmethod
    def containing(cls, day: dt.date) -> FinancialYear:
        return cls(day.year if day.month >= 4 else day.year - 1)

    @property
    def label(self) -> str:
        return f"{self.start_year}/{(self.start_year + 1) % 100:02d}"

    @property
    def slug(self) -> str:
        """The label usable in file names and URLs: 2023-24."""
        return self.label.replace("/", "-")

    @property
    def start(self) -> dt.date:
        return dt.date(self.start_year, 4, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.start_year + 1, 3, 31)

    @property
    def list_date(self) -> dt.date:
        """1 January before the year starts: the list-size date payments are based on."""
        return dt.date(self.start_year, 1, 1)

    def months(self) -> list[dt.date]:
        """The first day of each of the twelve months, April to March."""
        return [month_start(self.start_year + (m > 12 and 1 or 0), (m - 1) % 12 + 1) for m in range(4, 16)]

    def __str__(self) -> str:
        return self.label


def long_date(day: dt.date) -> str:
    """``1 October 2020``, as the NHS style guide writes dates."""
    return f"{day.day} {day:%B %Y}"


def month_start(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def month_end(day: dt.date) -> dt.date:
    return next_month(day) - dt.timedelta(days=1)


def catalogue_years() -> list[FinancialYear]:
    """Every year the rates catalogue covers: 2019/20 to 2025/26."""
    return [FinancialYear(y) for y in range(FIRST_YEAR, LAST_YEAR + 1)]
