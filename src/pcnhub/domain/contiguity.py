"""Contiguity rule: each network's practices form one connected piece of the neighbour graph.

:func:`check_contiguity` reports, for each network (in the given order):

* an ERROR finding if its located practices fall into more than one connected
  piece of the :class:`~pcnhub.domain.geography.NeighbourGraph` restricted to
  the network; the message names the largest piece (ties: the piece with the
  alphabetically first code) and ``practices`` lists the stray practices, those
  outside it, sorted;
* a WARNING finding listing its practices that are not in the graph (no known
  location), which cannot be checked.

Networks with a blank name (practices in no network) are skipped.  A practice
listed twice in one network counts once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from pcnhub.domain.geography import NeighbourGraph
from pcnhub.domain.rules import ERROR, WARNING, Finding

CONTIGUITY: Final = "contiguity"


def check_contiguity(networks: Mapping[str, Sequence[str]], graph: NeighbourGraph) -> list[Finding]:
    """Return the contiguity findings for the networks (name -> practice codes)."""
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
            findings.append(
                Finding(
                    rule=CONTIGUITY,
                    severity=ERROR,
                    message=(
                        f"{name} is not contiguous: its practices form {len(pieces)} separate pieces; "
                        f"the largest is {', '.join(main)}; stray practices: {', '.join(strays)}"
                    ),
                    network=name,
                    practices=strays,
                )
            )
        if unlocated:
            findings.append(
                Finding(
                    rule=CONTIGUITY,
                    severity=WARNING,
                    message=(
                        f"{name}: contiguity not checked for practices with no known location: "
                        f"{', '.join(unlocated)}"
                    ),
                    network=name,
                    practices=tuple(unlocated),
                )
            )
    return findings
