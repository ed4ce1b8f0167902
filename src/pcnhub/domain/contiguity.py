"""Contiguity rule: each network's practices form one connected piece of the neighbour graph.

:func:`check_contiguity` reports, for each network (in the given order):

* a WARNING finding if its located practices fall into more than one connected
  piece of the :class:`~pcnhub.domain.geography.NeighbourGraph` restricted to
  the network; the message names the largest piece (ties: the piece with the
  alphabetically first code) and ``practices`` lists the stray practices, those
  outside it, sorted.  With an exception recorded for the network (``exceptions``:
  name -> reason) the severity is EXCEPTION and the reason is quoted;
* an INFO finding listing its practices that are not in the graph (no known
  location), which cannot be checked.

Why a warning and not an error: the Network Contract asks for a boundary that is
"normally" a geographically contiguous area (seed 001), and the graph is built on
practice *points*, so two networks whose practices sit among each other in one
town (common: on the 2022 map about a quarter of PCNs in the ICBs tried) split each
other although their patients' streets may form contiguous areas.  The finding is
for the commissioner to judge, and to record an exception where agreed.

Networks with a blank name (practices in no network) are skipped.  A practice
listed twice in one network counts once.

:func:`with_contiguity` adds these findings (and :func:`approximate_findings`, notes
on practices placed only at a postcode sector or district mean) to a rules check
result, for ``pcnhub check FILE.csv``, ``pcnhub check --icb`` and the landscape page;
:class:`ContiguityStatus` says how the check went (practices located, approximate,
not placed).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from pcnhub.domain.rules import CONTIGUITY, EXCEPTION, INFO, WARNING, CheckResult, Finding

if TYPE_CHECKING:  # geography loads numpy and scipy: imported only where a graph is built
    from pcnhub.domain.geography import NeighbourGraph, Point

__all__ = [
    "CONTIGUITY", "DEFAULT_MAX_EDGE_KM", "ContiguityStatus", "approximate_findings", "check_contiguity",
    "checked_status", "with_contiguity",
]

#: Longest neighbour link kept by default (as :data:`pcnhub.domain.geography.DEFAULT_MAX_EDGE_KM`,
#: repeated here so that ``pcnhub check`` starts without loading scipy; a test keeps them equal).
DEFAULT_MAX_EDGE_KM: Final = 15.0


def check_contiguity(
    networks: Mapping[str, Sequence[str]],
    graph: NeighbourGraph,
    exceptions: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Return the contiguity findings for the networks (name -> practice codes).

    ``exceptions`` maps a network name to the reason of a recorded contiguity exception.
    """
    exceptions = exceptions or {}
    findings: list[Finding] = []
    for name, practices in networks.items():
        if not name.strip():
            continue
        codes = list(dict.fromkeys(practices))
        unlocated = sorted(code for code in codes if code not in graph)
        located = [code for code in codes if code in graph]
        pieces = graph.components(located)
        if len(pieces) > 1:
            main = pieces[0]
            strays = tuple(sorted(code for piece in pieces[1:] for code in piece))
            message = (
                f"{name} is not contiguous: its practices form {len(pieces)} separate pieces; "
                f"the largest is {', '.join(main)}; stray practices: {', '.join(strays)}"
            )
            reason = exceptions.get(name)
            findings.append(
                Finding(
                    rule=CONTIGUITY,
                    severity=EXCEPTION if reason else WARNING,
                    message=f"{message}; exception recorded: {reason}" if reason else message,
                    network=name,
                    practices=strays,
                )
            )
        if unlocated:
            findings.append(
                Finding(
                    rule=CONTIGUITY,
                    severity=INFO,
                    message=(
                        f"{name}: contiguity not checked for practices with no known location: "
                        f"{', '.join(unlocated)}"
                    ),
                    network=name,
                    practices=tuple(unlocated),
                )
            )
    return findings


# --- Contiguity added to a rules check (the file check, the register check and its pages) ---


@dataclass(frozen=True)
class ContiguityStatus:
    """Whether contiguity was checked, on how many located practices, and which were not located.

    ``approximate`` maps a practice code to how it was placed ("CA9 3QX, sector mean");
    ``unlocated`` maps a practice code to why it has no location.
    """

    checked: bool
    note: str
    max_edge_km: float | None = None
    located: int = 0
    approximate: Mapping[str, str] = field(default_factory=dict)
    unlocated: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "note": self.note,
            "max_edge_km": self.max_edge_km,
            "located": self.located,
            "approximate": dict(sorted(self.approximate.items())),
            "unlocated": dict(sorted(self.unlocated.items())),
        }


def checked_status(
    located: int, max_edge_km: float, approximate: Mapping[str, str], unlocated: Mapping[str, str]
) -> ContiguityStatus:
    """The status of a contiguity check that was run."""
    note = (
        f"checked on a neighbour graph of {located:,} located "
        f"{'practice' if located == 1 else 'practices'} (links over {max_edge_km:g} km dropped "
        "unless needed to connect)"
    )
    if approximate:
        note += f"; {len(approximate):,} placed at a postcode sector or district mean"
    if unlocated:
        note += f"; {len(unlocated):,} without a location not checked"
    return ContiguityStatus(True, note, max_edge_km, located, dict(approximate), dict(unlocated))


def with_contiguity(
    result: CheckResult,
    points: Sequence[Point],
    *,
    approximate: Mapping[str, str] | None = None,
    max_edge_km: float = DEFAULT_MAX_EDGE_KM,
    exceptions: Mapping[str, str] | None = None,
) -> CheckResult:
    """``result`` with each network's contiguity findings added to it (and to ``findings``).

    ``points`` are the located practices of the area (all of them, in networks or not:
    a practice of another network between two of a network's practices splits it);
    network practices not among them get a warning.  ``approximate`` (code ->
    description) gives an info finding on the networks of practices placed only
    approximately.  Networks are matched by name, or by "name (code)" where names repeat.
    ``exceptions`` maps a network's code (or name) to the reason of a recorded contiguity
    exception, which turns its finding into an EXCEPTION.
    """
    from pcnhub.domain.geography import build_graph

    graph = build_graph(points, max_edge_km=max_edge_km)
    repeated = Counter(network.name for network in result.networks)
    labels = [
        f"{network.name} ({network.code})" if repeated[network.name] > 1 and network.code else network.name
        for network in result.networks
    ]
    if len(set(labels)) < len(labels):  # the same name without codes to tell them apart
        labels = [f"{network.name} #{number}" if repeated[network.name] > 1 else network.name
                  for number, network in enumerate(result.networks, 1)]
    members = {label: network.practices for label, network in zip(labels, result.networks, strict=True)}
    extra: dict[str, list[Finding]] = {label: [] for label in labels}
    agreed = {
        label: (exceptions or {}).get(network.code or "", (exceptions or {}).get(network.name))
        for label, network in zip(labels, result.networks, strict=True)
    }
    agreed = {label: reason for label, reason in agreed.items() if reason}
    for finding in (*check_contiguity(members, graph, agreed), *approximate_findings(members, approximate or {})):
        extra[finding.network or ""].append(finding)
    networks = tuple(
        dataclasses.replace(
            network,
            findings=network.findings
            + tuple(dataclasses.replace(f, network=network.name) for f in extra[label]),
        )
        for label, network in zip(labels, result.networks, strict=True)
    )
    network_findings = sum(len(network.findings) for network in result.networks)
    configuration_findings = result.findings[network_findings:]
    return dataclasses.replace(
        result,
        networks=networks,
        findings=(*(f for network in networks for f in network.findings), *configuration_findings),
    )


def approximate_findings(networks: Mapping[str, Sequence[str]], approximate: Mapping[str, str]) -> list[Finding]:
    """An info finding for each network with practices placed at a postcode sector or district mean."""
    findings = []
    for name, practices in networks.items():
        codes = sorted({code for code in practices if code in approximate})
        if not name.strip() or not codes:
            continue
        placed = "; ".join(f"{code} ({approximate[code]})" for code in codes)
        findings.append(
            Finding(
                CONTIGUITY,
                INFO,
                f"{name}: contiguity judged on approximate locations for practices whose postcode is "
                f"not in OS Code-Point Open (placed at the mean of its sector or district): {placed}",
                name,
                tuple(codes),
            )
        )
    return findings
