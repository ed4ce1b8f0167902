"""Matching the short names local papers give practices and networks ("Stony", "Aegis Healthcare") to the
register's names ("STONY MEDICAL CENTRE", "AEGIS HEALTHCARE PCN"): plain rules, no files, no database.

:func:`normalise` reduces a name to the words that tell it apart: capitals, accents and punctuation gone,
"&" read as "and", and the words every practice or network name shares (surgery, medical centre, health
centre, practice, Dr, the, PCN, CCG ...) left out.  :func:`match_name` then looks for the one candidate
that matches, in stages, stopping at the first stage that finds any:

1. *exact*: the same normalised name, spaces aside ("Redhouse" and "THE RED HOUSE SURGERY");
2. *words*: every word of one name is a word of the other ("Cobbs" and "COBBS GARDEN SURGERY");
3. *initials*: a name written as capitals in one word ("CMK", "MKVP") is the initials of the other
   (CENTRAL MILTON KEYNES MEDICAL CENTRE; MILTON KEYNES VILLAGE, with P for its "practice").

A stage that finds two or more candidates gives an ambiguous match, never a guess.  A postcode given with
the name narrows the stage's candidates to those at that postcode; a single candidate at another
postcode is not confirmed (a mismatch, reported with the candidate found).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

#: Words nearly every practice, network or commissioner name has, and their usual abbreviations.
GENERIC_WORDS: Final = frozenset(
    """
    AND THE OF DR DRS SURGERY SURGERIES SURG MEDICAL MED CENTRE CENTRES CENTER CTR CTRE HEALTH HLTH HEALTHCARE
    PRACTICE PRACTICES PRAC CLINIC GROUP PARTNERSHIP PARTNERS PTNRS PTNS PCN NETWORK NHS CCG HC MC
    """.split()
)
#: Letters a name written as initials may end with for a generic word: "MKVP" is MKV with P for practice.
_GENERIC_INITIALS: Final = ("P", "S", "HC", "MC", "SURG")
_APOSTROPHES: Final = re.compile(r"['\u2018\u2019`]")
_NOT_WORD: Final = re.compile(r"[^A-Z0-9]+")
_INITIALS: Final = re.compile(r"[A-Z]{2,6}")
_POSTCODE_SPACE: Final = re.compile(r"\s+")

EXACT: Final = "exact"
WORDS: Final = "words"
INITIALS: Final = "initials"


def words(name: str) -> list[str]:
    """The name's words in capitals: accents dropped, apostrophes removed, "&" read as AND, other marks spaces."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).upper()
    plain = _APOSTROPHES.sub("", plain.replace("&", " AND "))
    return [word for word in _NOT_WORD.split(plain) if word]


def normalise(name: str) -> str:
    """The distinguishing words of a name, in capitals, one space apart.

    A name made only of generic words ("The Surgery") keeps them all, so it is not reduced to nothing.
    Normalising a normalised name changes nothing.
    """
    all_words = words(name)
    distinct = [word for word in all_words if word not in GENERIC_WORDS]
    return " ".join(distinct or all_words)


def match_key(name: str) -> str:
    """The normalised name without spaces: two names with the same key match exactly."""
    return normalise(name).replace(" ", "")


def normalise_postcode(postcode: str) -> str:
    """A postcode compared without case or spaces ("mk11 1ya" and "MK111YA")."""
    return _POSTCODE_SPACE.sub("", postcode).upper()


@dataclass(frozen=True)
class Candidate:
    """Something a name may match: its code in the register, its name and (if known) its postcode."""

    code: str
    name: str
    postcode: str = ""

    def describe(self) -> str:
        return f"{self.name} ({self.code}{', ' + self.postcode if self.postcode else ''})"


@dataclass(frozen=True)
class Match:
    """What a name matched: ``found`` (None if nothing or several did), how, and the candidates considered.

    ``candidates`` are the ones the deciding stage found: several for an ambiguous name, the one at another
    postcode for a name the postcode did not confirm, none for a name nothing matched.
    """

    name: str
    found: Candidate | None
    how: str = ""
    candidates: tuple[Candidate, ...] = ()
    postcode: str = ""

    @property
    def problem(self) -> str:
        """Why the name did not match (blank when it did)."""
        if self.found is not None:
            return ""
        listed = "; ".join(candidate.describe() for candidate in self.candidates)
        if not self.candidates:
            return "matches no name"
        if self.postcode and all(
            normalise_postcode(c.postcode) != normalise_postcode(self.postcode) for c in self.candidates
        ):
            return f"matches by name only at another postcode than {self.postcode}: {listed}"
        return f"matches {len(self.candidates)} names, so none is chosen: {listed}"


def match_name(name: str, candidates: Iterable[Candidate], postcode: str = "") -> Match:
    """The one candidate ``name`` matches (see the module notes), or why there is none.

    The order of ``candidates`` does not matter; a candidate listed twice (same code) counts once.
    """
    return NameIndex(candidates).match(name, postcode)


class NameIndex:
    """Candidates with their names normalised once, to match many names against."""

    def __init__(self, candidates: Iterable[Candidate]) -> None:
        pool = sorted({c.code: c for c in candidates}.values(), key=lambda c: c.code)
        self.entries = [_Entry(c, words(normalise(c.name))) for c in pool]

    def match(self, name: str, postcode: str = "") -> Match:
        """As :func:`match_name`, against this index's candidates."""
        own = words(normalise(name))
        if not own:
            return Match(name, None, postcode=postcode)
        key = "".join(own)
        stages = (
            (EXACT, lambda e: e.key == key),
            (WORDS, lambda e: _contained(own, e.words)),
            (INITIALS, lambda e: _initials_match(name, e.words)),
        )
        for how, test in stages:
            found = [e.candidate for e in self.entries if test(e)]
            if found:
                return _decide(name, how, found, postcode)
        return Match(name, None, postcode=postcode)

    def by_name(self, name: str) -> list[Candidate]:
        """Every candidate ``name`` matches exactly or by words, several or none (to find where names are)."""
        own = words(normalise(name))
        key = "".join(own)
        return [e.candidate for e in self.entries if own and (e.key == key or _contained(own, e.words))]


@dataclass(frozen=True)
class _Entry:
    candidate: Candidate
    words: list[str]

    @property
    def key(self) -> str:
        return "".join(self.words)


def unique_matches(matches: Sequence[Match]) -> tuple[list[Match], list[tuple[Match, list[Match]]]]:
    """``matches`` split into those whose candidate no other name matched, and those sharing one.

    A register organisation matched by two names is given to neither (which one is meant cannot be told):
    each such match is returned with the others that found the same candidate.
    """
    by_code: dict[str, list[Match]] = {}
    for match in matches:
        if match.found is not None:
            by_code.setdefault(match.found.code, []).append(match)
    unique, shared = [], []
    for match in matches:
        if match.found is None:
            continue
        same = by_code[match.found.code]
        if len(same) == 1:
            unique.append(match)
        else:
            shared.append((match, [other for other in same if other is not match]))
    return unique, shared


def _decide(name: str, how: str, found: list[Candidate], postcode: str) -> Match:
    if postcode:
        wanted = normalise_postcode(postcode)
        here = [c for c in found if normalise_postcode(c.postcode) == wanted]
        if len(here) == 1:
            return Match(name, here[0], f"{how} and postcode", tuple(found), postcode)
        if here:
            found = here
        elif len(found) == 1:
            return Match(name, None, how, tuple(found), postcode)
    if len(found) == 1:
        return Match(name, found[0], how, tuple(found), postcode)
    return Match(name, None, how, tuple(found), postcode)


def _contained(one: list[str], other: list[str]) -> bool:
    """Every word of the shorter name is a word of the longer, two adjacent words counting as one too."""
    if not one or not other:
        return False
    shorter, longer = sorted((one, other), key=len)
    joined = set(longer) | {a + b for a, b in zip(longer, longer[1:])}
    return all(word in joined for word in shorter)


def _initials_match(name: str, distinct: list[str]) -> bool:
    """``name`` is one word in capitals (as written) and the initials of the candidate's distinctive words
    (``distinct``), perhaps followed by the initial(s) of a generic word ("MKVP": Milton Keynes Village
    Practice)."""
    written = name.strip()
    if not _INITIALS.fullmatch(written):
        return False
    if len(distinct) < 2:
        return False
    initials = "".join(word[0] for word in distinct)
    if written == initials:
        return True
    return any(written == initials + suffix for suffix in _GENERIC_INITIALS)
