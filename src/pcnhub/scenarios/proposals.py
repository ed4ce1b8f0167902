"""A configuration designer's proposal as a scenario's changes.

Each proposed network that continues a current PCN (the designer's matching: the one it keeps most patients of)
takes that PCN's place: a practice of it that is now in another network (or in none) moves there.  The practices
of a proposed network that continues none split off into a new network, named as the proposal names it.  Practices
the proposal leaves out (not on the map) stay where they are.
"""

from __future__ import annotations

from pcnhub.designer import services as designer
from pcnhub.domain import scenario as d


def changes(view: designer.DesignView) -> list[d.Change]:
    """The moves and splits that turn the current configuration of ``view`` into its proposal."""
    if view.proposal is None:
        return []
    code_of = {n.name: n.code for n in view.current.networks}
    now = {p.code: n.code for n in view.current.networks for p in n.practices}
    moves: list[d.Change] = []
    splits: list[d.Change] = []
    for network in view.proposal.networks:
        target = code_of.get(network.continues) if network.continues else None
        for practice in network.practices:
            if target is None:
                splits.append(d.Change(d.SPLIT, practice=practice.code, to_pcn=network.name))
            elif now.get(practice.code) != target:
                moves.append(d.Change(d.MOVE, practice=practice.code, to_pcn=target))
    return [*moves, *splits]
