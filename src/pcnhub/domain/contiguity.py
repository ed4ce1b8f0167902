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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pcnhub.domain.geography import NeighbourGraph
from pcnhub.domain.rules import CONTIGUITY, EXCEPTION, INFO, WARNING, Finding

__all__ = ["CONTIGUITY", "check_contiguity"]


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
