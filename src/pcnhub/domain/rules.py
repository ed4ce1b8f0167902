"""Network Contract DES registration rules for a configuration of PCNs.

:func:`check_configuration` takes the networks proposed for an area and reports
each breach of the registration rules as a :class:`Finding`.  Only breaches
(and breaches covered by a recorded exception) are findings; a network that
meets every rule has none.

Governance fields (``clinical_director``, ``nominated_payee``,
``network_agreement_signed``) distinguish three cases:

* :data:`UNKNOWN` (the default): the source data do not carry the field, so
  the rule is not checked;
* :data:`NOT_RECORDED`: the source keeps the field (the register does) but has no record of it: a
  ``warning`` saying so, since silence would read as "no problem";
* ``None`` or a blank string (or ``False`` for the agreement): the field is
  present but empty, which breaks the rule;
* any other value: the rule is met.

A :class:`Network` whose name is blank holds practices that are in no network:
it is not reported as a network, and its practices count as not covered.
Practice codes are compared exactly as given.
"""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

# Rule ids.
LIST_SIZE_BAND: Final = "list-size-band"
ONE_PCN_PER_PRACTICE: Final = "one-pcn-per-practice"
FULL_COVERAGE: Final = "full-coverage"
CLINICAL_DIRECTOR: Final = "clinical-director"
NOMINATED_PAYEE: Final = "nominated-payee"
NETWORK_AGREEMENT: Final = "network-agreement"
# Checked by pcnhub.domain.contiguity when practice locations are known (not by check_configuration).
CONTIGUITY: Final = "contiguity"
RULES: Final = (
    LIST_SIZE_BAND,
    ONE_PCN_PER_PRACTICE,
    FULL_COVERAGE,
    CLINICAL_DIRECTOR,
    NOMINATED_PAYEE,
    NETWORK_AGREEMENT,
)

# The DES allows limited exceptions to the size band (for example rural
# networks, or a single practice of over 30,000 forming its own PCN), and a PCN's
# area is only "normally" contiguous (seed 001), so the commissioner may agree a
# non-contiguous one; the governance requirements have none.
EXCEPTABLE_RULES: Final = frozenset({LIST_SIZE_BAND, CONTIGUITY})

# Severities.  Only ERROR means a rule is broken; EXCEPTION marks a breach
# covered by a recorded exception; WARNING and INFO are advisory.
ERROR: Final = "error"
WARNING: Final = "warning"
INFO: Final = "info"
EXCEPTION: Final = "exception"
SEVERITIES: Final = (ERROR, WARNING, INFO, EXCEPTION)

# Where a network's list size lies against its band (Band.placing).
BELOW: Final = "below"
WITHIN: Final = "within"
ABOVE: Final = "above"
PLACINGS: Final = (BELOW, WITHIN, ABOVE)

# Network Contract DES (2019): PCNs are based on GP practice populations of
# 30,000-50,000 registered patients.  Sources: shared/reference/
# network-contract-facts.md, "PCN size and registration"; seed 001.  The 30,000
# is the DES's requirement (exceptions are agreed by the commissioner); 50,000 is
# "a suggested upper level" (seed 000), so a network above it is a warning unless
# the area's recorded band policy makes its upper limit binding (Milton Keynes
# used networks of 30,000-70,000, seed 002).
DES_LOWER_LIST_SIZE: Final = 30_000
DES_UPPER_LIST_SIZE: Final = 50_000
#: No practice or network comes near this many registered patients (England's largest practice had about 120,000
#: in April 2026): a larger list size, read from a file or asked for in a query, is refused as a mistake.
MAX_LIST_SIZE: Final = 10_000_000


class Unknown(enum.Enum):
    """Type of :data:`UNKNOWN`, the marker for a field the data do not carry, and of :data:`NOT_RECORDED`,
    for a field the data carry but hold no record of."""

    UNKNOWN = "unknown"
    NOT_RECORDED = "not recorded"

    def __repr__(self) -> str:
        return self.name


UNKNOWN: Final = Unknown.UNKNOWN
NOT_RECORDED: Final = Unknown.NOT_RECORDED


@dataclass(frozen=True)
class PracticeEntry:
    """A GP practice as listed in a network: ODS code, name and registered list size (None: none is known, so it
    counts as 0 patients and the network's findings say so)."""

    code: str
    name: str
    list_size: int | None

    def __post_init__(self) -> None:
        if self.list_size is not None and self.list_size < 0:
            raise ValueError(f"list size of {self.code} cannot be negative: {self.list_size}")


@dataclass(frozen=True)
class Network:
    """A proposed PCN: its member practices and registration details.

    ``exceptions`` maps a rule id (only those in :data:`EXCEPTABLE_RULES`) to
    the recorded reason for the exception.
    """

    name: str
    practices: Sequence[PracticeEntry]
    code: str | None = None
    clinical_director: str | Unknown | None = UNKNOWN
    nominated_payee: str | Unknown | None = UNKNOWN
    network_agreement_signed: bool | Unknown | None = UNKNOWN
    exceptions: Mapping[str, str] = field(default_factory=dict)
    #: The band this network is held to (its area's policy), when it differs from the configuration's.
    band: Band | None = None

    def __post_init__(self) -> None:
        for rule, reason in self.exceptions.items():
            if rule not in EXCEPTABLE_RULES:
                allowed = ", ".join(sorted(EXCEPTABLE_RULES))
                raise ValueError(f"{self.name}: no exception can be recorded for {rule!r} (only {allowed})")
            if not reason.strip():
                raise ValueError(f"{self.name}: the exception for {rule!r} needs a reason")

    @property
    def is_assigned(self) -> bool:
        """False for the blank-named holder of practices that are in no network."""
        return bool(self.name.strip())


@dataclass(frozen=True)
class Band:
    """The inclusive range of registered patients a network should serve.

    Below ``lower`` is an error (the DES's minimum, unless an exception is recorded).  Above ``upper`` is a
    warning (the DES's upper level is a suggestion), or an error when ``upper_binds`` (an area's policy that
    makes its upper limit a requirement).
    """

    lower: int = DES_LOWER_LIST_SIZE
    upper: int = DES_UPPER_LIST_SIZE
    upper_binds: bool = False

    def __post_init__(self) -> None:
        if self.lower < 0:
            raise ValueError(f"the band's lower limit cannot be negative ({self.lower:,})")
        if self.lower > self.upper:
            raise ValueError(
                f"the band's lower limit ({self.lower:,}) is above its upper limit ({self.upper:,})"
            )

    @classmethod
    def of(cls, lower: int | None, upper: int | None, upper_binds: bool = False) -> Band:
        """The band of the limits given, a limit not given (None) taking the DES band's."""
        return cls(DES_LOWER_LIST_SIZE if lower is None else lower, DES_UPPER_LIST_SIZE if upper is None else upper,
                   upper_binds)

    def with_limits(self, lower: int | None, upper: int | None) -> Band:
        """This band with the limits given in place of its own (None: keep this band's)."""
        return Band(self.lower if lower is None else lower, self.upper if upper is None else upper, self.upper_binds)

    def placing(self, list_size: int) -> str:
        """:data:`BELOW` the lower limit, :data:`ABOVE` the upper one, or :data:`WITHIN` the band (limits
        included): the comparison the list-size rule makes."""
        if list_size > self.upper:
            return ABOVE
        if list_size < self.lower:
            return BELOW
        return WITHIN

    @property
    def upper_label(self) -> str:
        """How the upper limit is named in findings: a requirement, or the DES's suggested level."""
        return "upper limit" if self.upper_binds else "suggested upper level"

    def __str__(self) -> str:
        return f"{self.lower:,}-{self.upper:,}"

    def to_dict(self) -> dict[str, int | bool]:
        return {"lower": self.lower, "upper": self.upper, "upper_binds": self.upper_binds}


# The DES band of 30,000-50,000 registered patients (see DES_LOWER_LIST_SIZE).
DEFAULT_BAND: Final = Band()


@dataclass(frozen=True)
class Finding:
    """A rule breach (or excepted breach), for one network or the whole configuration."""

    rule: str
    severity: str
    message: str
    network: str | None = None
    practices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}; expected one of {', '.join(SEVERITIES)}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "network": self.network,
            "practices": list(self.practices),
        }


@dataclass(frozen=True)
class NetworkResult:
    """One network's member practices (sorted ODS codes), list size and findings."""

    name: str
    code: str | None
    practices: tuple[str, ...]
    list_size: int
    findings: tuple[Finding, ...]
    #: The band the network's list size was checked against.
    band: Band = DEFAULT_BAND

    @property
    def broken(self) -> bool:
        return any(finding.severity == ERROR for finding in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "code": self.code,
            "practices": list(self.practices),
            "list_size": self.list_size,
            "findings": [finding.to_dict() for finding in self.findings],
            "band": self.band.to_dict(),
        }


@dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`check_configuration`.

    ``findings`` holds every finding: each network's, in network order, then
    the configuration-level ones (whose ``network`` is ``None``).
    """

    networks: tuple[NetworkResult, ...]
    findings: tuple[Finding, ...]
    band: Band

    @property
    def broken(self) -> bool:
        return any(finding.severity == ERROR for finding in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "networks": [network.to_dict() for network in self.networks],
            "findings": [finding.to_dict() for finding in self.findings],
            "broken": self.broken,
            "band": self.band.to_dict(),
        }


def check_configuration(
    networks: Iterable[Network],
    area_practices: Iterable[str] | None = None,
    band: Band = DEFAULT_BAND,
) -> CheckResult:
    """Check proposed networks against the Network Contract DES registration rules.

    ``area_practices`` lists every practice code in the commissioner's area;
    each must be in some network.  Without it, coverage is judged on the
    practices given: those in a blank-named network are not covered.
    """
    given = list(networks)
    assigned = sorted(
        (network for network in given if network.is_assigned),
        key=lambda network: (network.name.casefold(), network.name, network.code or ""),
    )
    unassigned = [practice for network in given if not network.is_assigned for practice in network.practices]
    names = _practice_names(given)

    results = tuple(_check_network(network, band, names) for network in assigned)
    configuration_findings = [
        *_practices_in_several_networks(assigned, names),
        *_coverage_findings(assigned, unassigned, area_practices, names),
    ]
    return CheckResult(
        networks=results,
        findings=(*(finding for result in results for finding in result.findings), *configuration_findings),
        band=band,
    )


def _check_network(network: Network, band: Band, names: Mapping[str, str]) -> NetworkResult:
    band = network.band or band
    members: dict[str, PracticeEntry] = {}
    for practice in network.practices:
        members.setdefault(practice.code, practice)
    list_size = sum(practice.list_size or 0 for practice in members.values())
    unsized = [code for code, practice in sorted(members.items()) if practice.list_size is None]
    findings = (
        *_size_findings(network, list_size, band),
        *_unsized_findings(network, unsized),
        *_listed_twice_findings(network, names),
        *_governance_findings(network),
    )
    return NetworkResult(network.name, network.code, tuple(sorted(members)), list_size, findings, band)


def _size_findings(network: Network, list_size: int, band: Band) -> Iterator[Finding]:
    if not network.practices:
        yield Finding(LIST_SIZE_BAND, ERROR, f"{network.name} has no member practices", network.name)
        return
    placing = band.placing(list_size)
    if placing == ABOVE:
        gap = f"{list_size - band.upper:,} above the {band.upper_label} of {band.upper:,}"
        severity = ERROR if band.upper_binds else WARNING
    elif placing == BELOW:
        gap = f"{band.lower - list_size:,} below the lower limit of {band.lower:,}"
        severity = ERROR
    else:
        return
    message = f"{network.name} has {_count(list_size, 'registered patient')}, {gap} (band {band})"
    reason = network.exceptions.get(LIST_SIZE_BAND)
    if reason is None:
        yield Finding(LIST_SIZE_BAND, severity, message, network.name)
    else:
        yield Finding(LIST_SIZE_BAND, EXCEPTION, f"{message}; exception recorded: {reason}", network.name)


def _unsized_findings(network: Network, codes: Sequence[str]) -> Iterator[Finding]:
    if codes:
        listed = ", ".join(codes)
        yield Finding(
            LIST_SIZE_BAND,
            WARNING,
            f"{network.name}: no list size is known for {listed}, counted as 0 registered patients",
            network.name,
            tuple(codes),
        )


def _listed_twice_findings(network: Network, names: Mapping[str, str]) -> Iterator[Finding]:
    listings = Counter(practice.code for practice in network.practices)
    for code in sorted(listings):
        if listings[code] > 1:
            times = "twice" if listings[code] == 2 else f"{listings[code]} times"
            yield Finding(
                ONE_PCN_PER_PRACTICE,
                ERROR,
                f"{_label(code, names)} is listed {times} in {network.name}",
                network.name,
                (code,),
            )


#: What each governance rule asks for, as its "not recorded" warning names it.
_GOVERNANCE: Final = (
    (CLINICAL_DIRECTOR, "clinical_director", "a Clinical Director"),
    (NOMINATED_PAYEE, "nominated_payee", "a nominated payee"),
    (NETWORK_AGREEMENT, "network_agreement_signed", "a signed Network Agreement"),
)


def _not_recorded(name: str, whats: Sequence[str]) -> str:
    listed = whats[0] if len(whats) == 1 else f"{', '.join(whats[:-1])} and {whats[-1]}"
    return f"{name}: {listed} {'is' if len(whats) == 1 else 'are'} not recorded"


def _governance_findings(network: Network) -> Iterator[Finding]:
    for rule, attribute, what in _GOVERNANCE:
        if getattr(network, attribute) is NOT_RECORDED:
            yield Finding(rule, WARNING, _not_recorded(network.name, [what]), network.name)
    if _is_blank(network.clinical_director):
        yield Finding(
            CLINICAL_DIRECTOR, ERROR, f"{network.name} has no named Clinical Director", network.name
        )
    if _is_blank(network.nominated_payee):
        yield Finding(NOMINATED_PAYEE, ERROR, f"{network.name} has no nominated payee", network.name)
    if network.network_agreement_signed is False:
        yield Finding(
            NETWORK_AGREEMENT, ERROR, f"{network.name} has not signed its Network Agreement", network.name
        )
    elif network.network_agreement_signed is None:
        yield Finding(
            NETWORK_AGREEMENT,
            ERROR,
            f"{network.name} has no record of a signed Network Agreement",
            network.name,
        )


def condensed(findings: Iterable[Finding]) -> list[Finding]:
    """The findings for a reader: each network's governance "not recorded" warnings as one, where the first was
    ("Benfleet: a Clinical Director, a nominated payee and a signed Network Agreement are not recorded")."""
    whats = {rule: what for rule, _, what in _GOVERNANCE}
    out: list[Finding] = []
    gathered: dict[str | None, tuple[int, list[str]]] = {}
    for finding in findings:
        what = whats.get(finding.rule)
        if (what is not None and finding.severity == WARNING
                and finding.message == _not_recorded(finding.network or "", [what])):
            if finding.network in gathered:
                gathered[finding.network][1].append(what)
                continue
            gathered[finding.network] = (len(out), [what])
        out.append(finding)
    for network, (index, listed) in gathered.items():
        if len(listed) > 1:
            out[index] = Finding(out[index].rule, WARNING, _not_recorded(network or "", listed), network)
    return out


def _is_blank(value: str | Unknown | None) -> bool:
    """True when a governance field is present but empty."""
    if isinstance(value, Unknown):
        return False
    return value is None or not value.strip()


def _practices_in_several_networks(
    assigned: Sequence[Network], names: Mapping[str, str]
) -> Iterator[Finding]:
    homes: dict[str, list[str]] = defaultdict(list)
    for network in assigned:
        for code in dict.fromkeys(practice.code for practice in network.practices):
            homes[code].append(network.name)
    for code in sorted(homes):
        networks = homes[code]
        if len(networks) > 1:
            yield Finding(
                ONE_PCN_PER_PRACTICE,
                ERROR,
                f"{_label(code, names)} is in {len(networks)} networks, {_and_list(networks)}; "
                "a practice may belong to only one PCN",
                None,
                (code,),
            )


def _coverage_findings(
    assigned: Sequence[Network],
    unassigned: Sequence[PracticeEntry],
    area_practices: Iterable[str] | None,
    names: Mapping[str, str],
) -> Iterator[Finding]:
    covered = {practice.code for network in assigned for practice in network.practices}
    expected = {practice.code for practice in unassigned} | set(area_practices or ())
    uncovered = sorted(expected - covered)
    if uncovered:
        verb = "is" if len(uncovered) == 1 else "are"
        yield Finding(
            FULL_COVERAGE,
            ERROR,
            f"{_count(len(uncovered), 'practice')} {verb} in no network, so the area is not fully "
            f"covered: {', '.join(_label(code, names) for code in uncovered)}",
            None,
            tuple(uncovered),
        )


def _practice_names(networks: Iterable[Network]) -> dict[str, str]:
    """Map each practice code to the first non-blank name given for it."""
    names: dict[str, str] = {}
    for network in networks:
        for practice in network.practices:
            if practice.name.strip():
                names.setdefault(practice.code, practice.name)
    return names


def _label(code: str, names: Mapping[str, str]) -> str:
    """The code followed by the practice name when known: "F81001 (Dr Khan & Ptns)"."""
    return f"{code} ({names[code]})" if code in names else code


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def _and_list(items: Sequence[str]) -> str:
    """Join two or more items as English: "A, B and C"."""
    return f"{', '.join(items[:-1])} and {items[-1]}"
