"""PCN maturity matrix: the catalogue's objects and the scoring of a self-assessment.

A maturity matrix has domains (rows, e.g. "Leadership, planning and partnerships") and steps
(columns: Foundation, Step 1, Step 2, Step 3).  Each cell holds statements for two audiences:
what a PCN should have in place (``pcn``) and what the system (CCG/ICS/STP) should do to support
it (``system``).  A self-assessment gives each statement a status: not started, in progress or
achieved.  The matrices themselves are reference data (``pcnhub/reference/maturity/*.toml``,
loaded by :mod:`pcnhub.reference.maturity`); this module is pure Python, without Django or I/O.

Statement ids read ``DOMAIN-STEP-AUDIENCE-N``, e.g. ``lpp-1-pcn-2``: the second PCN statement of
step 1 of the domain ``lpp``.  They are stable: a new version of a matrix is a new file with new
ids where the meaning changed; ids are never reused for a different statement.

Scoring (GitHub issue 4): the step reached in a domain is the highest step whose statements, and
those of every lower step, are all achieved; the gap is the list of statements still to achieve
to reach the next step.  See :func:`score`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

NOT_STARTED: Final = "not_started"
IN_PROGRESS: Final = "in_progress"
ACHIEVED: Final = "achieved"
STATUSES: Final = (NOT_STARTED, IN_PROGRESS, ACHIEVED)
STATUS_LABELS: Final = {NOT_STARTED: "Not started", IN_PROGRESS: "In progress", ACHIEVED: "Achieved"}

PCN: Final = "pcn"
SYSTEM: Final = "system"
AUDIENCES: Final = (PCN, SYSTEM)
AUDIENCE_LABELS: Final = {PCN: "For PCNs", SYSTEM: "For systems"}

#: The usual names of the steps, lowest first; a matrix may name them otherwise.
STEP_NAMES: Final = ("Foundation", "Step 1", "Step 2", "Step 3")
#: What :attr:`DomainScore.step_name` says when not even the first step is reached.
BELOW_FOUNDATION: Final = "Not yet at Foundation"


def _check_audience(audience: str) -> str:
    if audience not in AUDIENCES:
        raise ValueError(f"{audience!r} is not an audience; use {' or '.join(AUDIENCES)}")
    return audience


@dataclass(frozen=True)
class Statement:
    """One statement of a matrix cell, in pcnhub's words, with where it comes from."""

    id: str
    audience: str
    text: str
    domain: str  # the domain's key
    step: int  # 0 = foundation .. 3
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text}


@dataclass(frozen=True)
class Step:
    """One cell row of a domain: a step with its PCN and system statements."""

    index: int
    name: str
    pcn_statements: tuple[Statement, ...] = ()
    system_statements: tuple[Statement, ...] = ()

    def statements(self, audience: str) -> tuple[Statement, ...]:
        """The statements of this step for ``audience`` (``pcn`` or ``system``)."""
        return self.pcn_statements if _check_audience(audience) == PCN else self.system_statements

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "pcn_statements": [statement.to_dict() for statement in self.pcn_statements],
            "system_statements": [statement.to_dict() for statement in self.system_statements],
        }


@dataclass(frozen=True)
class Domain:
    """A row of the matrix, e.g. "Integrating care", with its steps lowest first."""

    key: str
    name: str
    note: str
    steps: tuple[Step, ...]

    def statements(self, audience: str | None = None) -> list[Statement]:
        """Every statement of the domain, step by step (PCN before system), or only ``audience``'s."""
        audiences = AUDIENCES if audience is None else (_check_audience(audience),)
        return [statement for step in self.steps for who in audiences for statement in step.statements(who)]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "steps": [step.to_dict() for step in self.steps]}


@dataclass(frozen=True)
class Matrix:
    """A versioned maturity matrix (e.g. ``national-2019``)."""

    key: str
    version: str
    name: str
    source: str
    note: str
    domains: tuple[Domain, ...]
    _index: dict[str, Statement] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        index: dict[str, Statement] = {}
        for statement in self.statements():
            if statement.id in index:
                raise ValueError(f"matrix {self.key}: the statement id {statement.id!r} appears twice")
            index[statement.id] = statement
        object.__setattr__(self, "_index", index)

    @property
    def top_step(self) -> int:
        """The index of the highest step (3 for the usual four steps)."""
        return max((len(domain.steps) - 1 for domain in self.domains), default=-1)

    def domain(self, key: str) -> Domain:
        for domain in self.domains:
            if domain.key == key:
                return domain
        keys = ", ".join(domain.key for domain in self.domains)
        raise KeyError(f"matrix {self.key} has no domain {key!r}; its domains are {keys}")

    def statement(self, id: str) -> Statement:
        try:
            return self._index[id]
        except KeyError:
            raise KeyError(f"matrix {self.key} has no statement {id!r}") from None

    def __contains__(self, id: object) -> bool:
        return id in self._index

    def statements(self, audience: str | None = None) -> list[Statement]:
        """Every statement, domain by domain and step by step, or only ``audience``'s."""
        return [statement for domain in self.domains for statement in domain.statements(audience)]

    def audiences(self) -> tuple[str, ...]:
        """The audiences that have statements (the BNSSG 2019 matrix has only PCN statements)."""
        return tuple(audience for audience in AUDIENCES if self.statements(audience))

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "version": self.version,
            "name": self.name,
            "source": self.source,
            "domains": [domain.to_dict() for domain in self.domains],
        }


@dataclass(frozen=True)
class SupportOffer:
    """Help a commissioner offers PCNs, with the statements (of any matrix) it helps to achieve."""

    key: str
    name: str
    description: str
    group: str
    source: str
    statements: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "description": self.description,
            "group": self.group,
            "source": self.source,
            "statements": list(self.statements),
        }


def offers_for(statements: Iterable[Statement | str], offers: Sequence[SupportOffer]) -> list[SupportOffer]:
    """The offers (in their order) that help with any of ``statements`` (objects or ids), e.g. a gap."""
    wanted = {statement if isinstance(statement, str) else statement.id for statement in statements}
    return [offer for offer in offers if wanted.intersection(offer.statements)]


@dataclass(frozen=True)
class DomainScore:
    """Where a self-assessment stands in one domain, for one audience."""

    domain: Domain
    step_reached: int | None  # None: not even the foundation step is achieved
    gap: tuple[Statement, ...]  # the statements of step next_step not yet achieved
    total: int
    achieved: int
    in_progress: int
    not_started: int

    @property
    def step_name(self) -> str:
        return BELOW_FOUNDATION if self.step_reached is None else self.domain.steps[self.step_reached].name

    @property
    def next_step(self) -> int | None:
        """The step to work towards, or None when the top step is reached."""
        following = 0 if self.step_reached is None else self.step_reached + 1
        return following if following < len(self.domain.steps) else None

    @property
    def next_step_name(self) -> str | None:
        following = self.next_step
        return None if following is None else self.domain.steps[following].name

    @property
    def complete(self) -> bool:
        """True when the top step is reached."""
        return self.next_step is None

    @property
    def progress(self) -> float:
        """The fraction of the domain's statements achieved (1.0 for a domain without statements)."""
        return self.achieved / self.total if self.total else 1.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.domain.key,
            "name": self.domain.name,
            "step_reached": self.step_reached,
            "step_name": self.step_name,
            "next_step": self.next_step,
            "gap": [{"id": s.id, "text": s.text, "step": s.step} for s in self.gap],
            "achieved": self.achieved,
            "in_progress": self.in_progress,
            "not_started": self.not_started,
            "total": self.total,
        }


@dataclass(frozen=True)
class Score:
    """A scored self-assessment: one :class:`DomainScore` per domain of the matrix."""

    matrix: Matrix
    audience: str
    domains: tuple[DomainScore, ...]
    unknown_ids: tuple[str, ...]  # answered ids that are not in the matrix (ignored)

    def domain(self, key: str) -> DomainScore:
        for domain_score in self.domains:
            if domain_score.domain.key == key:
                return domain_score
        keys = ", ".join(d.domain.key for d in self.domains)
        raise KeyError(f"matrix {self.matrix.key} has no domain {key!r}; its domains are {keys}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "matrix": self.matrix.key,
            "audience": self.audience,
            "domains": [domain_score.to_dict() for domain_score in self.domains],
            "unknown_statements": list(self.unknown_ids),
        }


def check_status(statement_id: str, status: object) -> str:
    """Return ``status`` if it is one of :data:`STATUSES`; otherwise ValueError naming the statement."""
    if not isinstance(status, str) or status not in STATUSES:
        raise ValueError(f"statement {statement_id}: {status!r} is not a status; use {', '.join(STATUSES)}")
    return status


def score(matrix: Matrix, answers: Mapping[str, str], audience: str = PCN) -> Score:
    """Score a self-assessment: ``answers`` maps statement ids to statuses.

    For each domain, the step reached is the highest step whose statements, and those of every
    lower step, are all achieved (None when the foundation step is not); a partly achieved step
    stops the climb, whatever is achieved above it.  The gap is the statements of the next step
    that are not yet achieved (empty at the top step).

    - A statement without an answer counts as not started; ``in_progress`` is not achieved.
    - A step with no statements for ``audience`` counts as achieved.  Every cell of the national
      matrix has statements for both audiences, so this matters only for matrices with empty cells
      (the BNSSG 2019 matrix has no foundation statement for "Empowered primary care").
    - Answers for statements of the other audience are ignored; ids that are not in the matrix
      are ignored and listed in :attr:`Score.unknown_ids`.
    - A status other than :data:`STATUSES` raises ValueError naming the statement id, as does an
      ``audience`` that is not one of :data:`AUDIENCES` or that the matrix has no statements for
      (the BNSSG 2019 matrix has none for systems).
    """
    _check_audience(audience)
    if audience not in matrix.audiences():
        raise ValueError(
            f"matrix {matrix.key} has no statements for audience {audience!r}; "
            f"it has statements for {', '.join(matrix.audiences()) or 'no audience'}"
        )
    for statement_id, status in answers.items():
        check_status(statement_id, status)
    unknown = tuple(sorted(str(statement_id) for statement_id in answers if statement_id not in matrix))
    return Score(
        matrix=matrix,
        audience=audience,
        domains=tuple(_score_domain(domain, answers, audience) for domain in matrix.domains),
        unknown_ids=unknown,
    )


def _score_domain(domain: Domain, answers: Mapping[str, str], audience: str) -> DomainScore:
    def status(statement: Statement) -> str:
        return answers.get(statement.id, NOT_STARTED)

    step_reached: int | None = None
    gap: tuple[Statement, ...] = ()
    for step in domain.steps:
        missing = tuple(s for s in step.statements(audience) if status(s) != ACHIEVED)
        if missing:
            gap = missing
            break
        step_reached = step.index
    statuses = [status(statement) for statement in domain.statements(audience)]
    return DomainScore(
        domain=domain,
        step_reached=step_reached,
        gap=gap,
        total=len(statuses),
        achieved=statuses.count(ACHIEVED),
        in_progress=statuses.count(IN_PROGRESS),
        not_started=statuses.count(NOT_STARTED),
    )
