"""What a proposed network keeps of the current network it continues, and where the rest go.

:func:`pcnhub.domain.design.metrics.change` matches each proposed network to at most one current network (the
one it shares most patients with). A proposed network that "continues" a current one may keep only some of its
practices: :func:`continuity` says how many stay, to which proposed networks the others move (or that they are
in none, e.g. not on the map), and which practices join from elsewhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Continuity:
    #: the current network continued
    network: str
    #: its practices in the proposed network / all its practices
    stay: int
    of: int
    #: proposed network -> how many of its practices move there ("" for practices in no proposed network)
    moved_to: Mapping[str, int]
    #: current network ("" for practices in none) -> how many of the proposed network's practices come from it
    joined_from: Mapping[str, int]

    @property
    def whole(self) -> bool:
        """Every practice of the current network stays, and none joins."""
        return self.stay == self.of and not self.joined_from


def continuity(current: Mapping[str, Sequence[str]], proposed: Mapping[str, Sequence[str]],
               continues: Mapping[str, str | None]) -> dict[str, Continuity]:
    """Per proposed network that continues a current one: what stays, where the others go, who joins.

    ``current`` and ``proposed``: network name -> practice codes; ``continues``: proposed name -> current name
    or None. Counts order by size, then name.
    """
    now = {code: name for name, codes in current.items() if name.strip() for code in codes}
    then = {code: name for name, codes in proposed.items() for code in codes}
    out = {}
    for name, old in continues.items():
        if old is None or old not in current:
            continue
        members = list(current[old])
        staying = [code for code in members if then.get(code) == name]
        moved = Counter(then.get(code, "") for code in members if then.get(code) != name)
        joined = Counter(now.get(code, "") for code in proposed.get(name, ()) if now.get(code) != old)
        out[name] = Continuity(old, len(staying), len(members), _ordered(moved), _ordered(joined))
    return out


def _ordered(counts: Counter) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
