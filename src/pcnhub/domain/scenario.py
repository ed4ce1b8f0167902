"""Scenarios: a named set of changes to an area's networks on a date, applied to its configuration.

A scenario is what a commissioner tries before a decision: a practice moving to another network, two networks
merging, one splitting, a practice opening or closing, a list growing with new housing, a network's ARRS or access
plan changing.  :func:`apply` takes the configuration of the date (the register's networks, as the rules check
sees them: :class:`pcnhub.domain.rules.Network`) and the changes, and gives the configuration after them with the
networks each change touched.  Everything else a scenario shows (findings, money, staff, access, maturity,
population) is computed for the touched networks before and after, by the same rules as every other page.

Networks are named in changes by ODS code or by name (a name the configuration does not hold is a new network,
where a change may make one: a move, a split, an opening).  The changes apply in order; one that cannot apply (a
practice that is not where the change says, a network that does not exist) is a :class:`ScenarioError` naming the
change, and nothing is applied.

The actions (:data:`ACTIONS`):

* ``move``: ``practice`` leaves its network (``from_pcn`` if given must be it) for ``to_pcn`` (new if unknown).
* ``split``: as a move, into a network that is usually new; one row per practice that goes.
* ``merge``: every practice of ``from_pcn`` joins ``to_pcn``, which keeps its code and governance (``name``
  renames it); ``from_pcn`` ends.
* ``add``: a new practice ``practice`` (its list ``list_change``) opens in ``to_pcn``.
* ``close``: ``practice`` closes: it leaves its network and the area.
* ``grow``: ``practice``'s list changes by ``list_change`` (new housing: positive; may be negative, never below 0).
* ``arrs``: ``to_pcn`` plans ``wte`` more whole-time posts of ARRS ``role`` from the effective date, at
  ``annual_cost`` a year per whole-time post; a negative ``wte`` ends that much of the role's posts from the date,
  the latest to start first (:func:`cut_posts`).
* ``access``: ``to_pcn`` plans ``minutes`` more (or fewer) access minutes a week.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from pcnhub.domain import rules
from pcnhub.domain.geography import EARTH_RADIUS_KM
from pcnhub.domain.travel import Road

MOVE: Final = "move"
SPLIT: Final = "split"
MERGE: Final = "merge"
ADD: Final = "add"
CLOSE: Final = "close"
GROW: Final = "grow"
ARRS: Final = "arrs"
ACCESS: Final = "access"
#: Every action, with the words a page uses for it.
ACTIONS: Final = {
    MOVE: "Move a practice to another network",
    SPLIT: "Split: move a practice into a new network",
    MERGE: "Merge one network into another",
    ADD: "Open a new practice",
    CLOSE: "Close a practice",
    GROW: "Change a practice's list (new housing)",
    ARRS: "Change a network's ARRS posts",
    ACCESS: "Change a network's access minutes",
}


class ScenarioError(ValueError):
    """A change that cannot apply to the configuration: ``index`` is its place in the list (0-based)."""

    def __init__(self, index: int, change: Change, message: str) -> None:
        self.index = index
        self.change = change
        where = f"row {change.row}" if change.row else f"change {index + 1}"
        super().__init__(f"{where} ({change.action}): {message}")


@dataclass(frozen=True)
class Change:
    """One change of a scenario (see the module's list of actions for the fields each uses)."""

    action: str
    practice: str = ""
    from_pcn: str = ""
    to_pcn: str = ""
    list_change: int = 0
    name: str = ""
    role: str = ""
    wte: Decimal = Decimal(0)
    annual_cost: Decimal = Decimal(0)
    minutes: int = 0
    practice_name: str = ""
    #: The row of the file it came from (0: not from a file).
    row: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown action {self.action!r}: use one of {', '.join(ACTIONS)}")

    def describe(self, names: dict[str, str] | None = None) -> str:
        """The change in words, e.g. "Move F81001 from Benfleet PCN to Canvey PCN"."""
        names = names or {}

        def net(key: str) -> str:
            return names.get(key, key)

        practice = names.get(self.practice, self.practice)
        if self.action in (MOVE, SPLIT):
            origin = f" from {net(self.from_pcn)}" if self.from_pcn else ""
            return f"{'Move' if self.action == MOVE else 'Split off'} {practice}{origin} to {net(self.to_pcn)}"
        if self.action == MERGE:
            renamed = f", named {self.name}" if self.name else ""
            return f"Merge {net(self.from_pcn)} into {net(self.to_pcn)}{renamed}"
        if self.action == ADD:
            return f"Open {self.practice_name or practice} ({self.list_change:,} patients) in {net(self.to_pcn)}"
        if self.action == CLOSE:
            return f"Close {practice}"
        if self.action == GROW:
            return f"{practice}'s list {'grows' if self.list_change >= 0 else 'falls'} by {abs(self.list_change):,}"
        if self.action == ARRS and self.wte < 0:
            return f"{net(self.to_pcn)}: {-self.wte} WTE fewer {self.role}, the latest posts to start ending first"
        if self.action == ARRS:
            return f"{net(self.to_pcn)}: {self.wte} WTE more {self.role} at £{self.annual_cost:,.0f} a year per WTE"
        more = "more" if self.minutes >= 0 else "fewer"
        return f"{net(self.to_pcn)}: {abs(self.minutes):,} {more} access minutes a week"


@dataclass(frozen=True)
class PlannedPost:
    """ARRS posts a scenario adds to a network: ``wte`` whole-time posts at ``annual_cost`` a year each; a negative
    ``wte`` ends that much of the role's posts (``index``: the change's place in the list, for its errors)."""

    role: str
    wte: Decimal
    annual_cost: Decimal
    index: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Outcome:
    """The configuration after a scenario's changes."""

    #: The networks after the changes, in the order before (new ones last); ended ones left out.
    networks: tuple[rules.Network, ...]
    #: The key of each network a change touched (its code, or its name for a new one), before or after.
    touched: tuple[str, ...]
    #: Networks that end (merged away, or left with no practice).
    ended: tuple[str, ...]
    #: Networks the changes make (by name).
    new: tuple[str, ...]
    #: Practices that close, and practices that open (code: name).
    closed: tuple[str, ...]
    opened: dict[str, str]
    #: Where each practice that changed network came from and went (code: (before key or "", after key or "")).
    moves: dict[str, tuple[str, str]]
    #: ARRS posts the changes add (or end: a negative WTE) and access minutes a week, by network key, in order.
    posts: dict[str, tuple[PlannedPost, ...]]
    minutes: dict[str, int]
    #: Practices whose list the changes set (code: list after), opened ones included.
    sizes: dict[str, int]

    def network(self, key: str) -> rules.Network | None:
        return next((n for n in self.networks if key_of(n) == key), None)


def key_of(network: rules.Network) -> str:
    """A network's key: its code, else its name (a network the scenario makes)."""
    return network.code or network.name


def _resolve(networks: dict[str, rules.Network], given: str) -> str | None:
    """The key of the network ``given`` names (code or name, case and spacing ignored), or None."""
    text = " ".join(given.split())
    if text in networks:
        return text
    folded = text.casefold()
    for key, network in networks.items():
        if (network.code or "").casefold() == folded or " ".join(network.name.split()).casefold() == folded:
            return key
    return None


def apply(configuration: Iterable[rules.Network], changes: Sequence[Change]) -> Outcome:
    """The configuration after ``changes`` (in order); raises :class:`ScenarioError` for the first that cannot
    apply.  ``configuration``: the area's networks (a blank-named one holds its practices in no network)."""
    networks: dict[str, rules.Network] = {}
    loose: list[rules.PracticeEntry] = []
    for network in configuration:
        if network.is_assigned:
            networks[key_of(network)] = network
        else:
            loose.extend(network.practices)
    original = list(networks)
    where: dict[str, str] = {p.code: key for key, n in networks.items() for p in n.practices}
    before = dict(where)
    entries: dict[str, rules.PracticeEntry] = {p.code: p for n in networks.values() for p in n.practices}
    entries.update({p.code: p for p in loose})
    members: dict[str, list[str]] = {key: [p.code for p in n.practices] for key, n in networks.items()}
    touched: list[str] = []
    new: list[str] = []
    closed: list[str] = []
    opened: dict[str, str] = {}
    sizes: dict[str, int] = {}
    posts: dict[str, list[PlannedPost]] = {}
    minutes: dict[str, int] = {}
    renamed: dict[str, str] = {}

    def touch(*keys: str) -> None:
        for key in keys:
            if key and key not in touched:
                touched.append(key)

    def target(i: int, change: Change, *, may_create: bool) -> str:
        if not change.to_pcn.strip():
            raise ScenarioError(i, change, "name the network (to_pcn)")
        key = _resolve(networks, change.to_pcn)
        if key is not None:
            return key
        if not may_create:
            raise ScenarioError(i, change, f"there is no network {change.to_pcn!r} in the configuration")
        name = " ".join(change.to_pcn.split())
        networks[name] = rules.Network(name=name, practices=(), code=None, clinical_director=rules.NOT_RECORDED,
                                       nominated_payee=rules.NOT_RECORDED, network_agreement_signed=rules.NOT_RECORDED)
        members[name] = []
        new.append(name)
        return name

    def practice_of(i: int, change: Change) -> str:
        code = change.practice.strip().upper()
        if not code:
            raise ScenarioError(i, change, "name the practice (practice_code)")
        if code not in entries or code in closed:
            raise ScenarioError(i, change, f"there is no practice {code} in the area")
        return code

    def leave(code: str) -> str:
        key = where.pop(code, "")
        if key:
            members[key].remove(code)
        return key

    for i, change in enumerate(changes):
        if change.action in (MOVE, SPLIT):
            code = practice_of(i, change)
            current = where.get(code, "")
            if change.from_pcn.strip():
                stated = _resolve(networks, change.from_pcn)
                if stated is None:
                    raise ScenarioError(i, change, f"there is no network {change.from_pcn!r} in the configuration")
                if stated != current:
                    raise ScenarioError(i, change, f"{code} is not in {networks[stated].name}")
            key = target(i, change, may_create=True)
            if key == current:
                raise ScenarioError(i, change, f"{code} is already in {networks[key].name}")
            leave(code)
            members[key].append(code)
            where[code] = key
            touch(current, key)
        elif change.action == MERGE:
            if not change.from_pcn.strip():
                raise ScenarioError(i, change, "name the network that merges (from_pcn)")
            gone = _resolve(networks, change.from_pcn)
            if gone is None:
                raise ScenarioError(i, change, f"there is no network {change.from_pcn!r} in the configuration")
            key = target(i, change, may_create=False)
            if key == gone:
                raise ScenarioError(i, change, "a network cannot merge into itself")
            for code in list(members[gone]):
                leave(code)
                members[key].append(code)
                where[code] = key
            if change.name.strip():
                renamed[key] = " ".join(change.name.split())
            touch(gone, key)
        elif change.action == ADD:
            code = change.practice.strip().upper()
            if not code:
                raise ScenarioError(i, change, "give the new practice a code (practice_code)")
            if code in entries and code not in closed:
                raise ScenarioError(i, change, f"{code} is already a practice of the area")
            if change.list_change < 0:
                raise ScenarioError(i, change, f"a practice's list cannot be negative ({change.list_change:,})")
            key = target(i, change, may_create=True)
            name = change.practice_name.strip() or f"New practice {code}"
            entries[code] = rules.PracticeEntry(code, name, change.list_change)
            opened[code] = name
            sizes[code] = change.list_change
            if code in closed:
                closed.remove(code)
            members[key].append(code)
            where[code] = key
            touch(key)
        elif change.action == CLOSE:
            code = practice_of(i, change)
            touch(leave(code))
            closed.append(code)
            opened.pop(code, None)
        elif change.action == GROW:
            code = practice_of(i, change)
            now = sizes.get(code, entries[code].list_size or 0)
            after = now + change.list_change
            if after < 0:
                raise ScenarioError(i, change, f"{code}'s list of {now:,} cannot fall by {-change.list_change:,}")
            sizes[code] = after
            entries[code] = dataclasses.replace(entries[code], list_size=after)
            touch(where.get(code, ""))
        elif change.action == ARRS:
            key = target(i, change, may_create=False)
            if not change.role.strip():
                raise ScenarioError(i, change, "name the ARRS role")
            if change.wte == 0:
                raise ScenarioError(i, change, "give the whole-time equivalent of the posts added (more than 0) or "
                                    "ended (less than 0)")
            if change.annual_cost < 0:
                raise ScenarioError(i, change, "an annual cost cannot be negative")
            posts.setdefault(key, []).append(PlannedPost(change.role.strip(), change.wte, change.annual_cost, i))
            touch(key)
        else:  # ACCESS
            key = target(i, change, may_create=False)
            minutes[key] = minutes.get(key, 0) + change.minutes
            touch(key)

    after: list[rules.Network] = []
    ended = []
    for key in [*original, *new]:
        codes = members[key]
        if not codes:
            if key in original:
                ended.append(key)
            continue
        network = networks[key]
        after.append(dataclasses.replace(
            network, name=renamed.get(key, network.name), practices=tuple(entries[c] for c in codes)))
    moves = {code: (before.get(code, ""), where.get(code, "")) for code in {*before, *where}
             if before.get(code, "") != where.get(code, "")}
    return Outcome(tuple(after), tuple(touched), tuple(ended), tuple(k for k in new if members[k]), tuple(closed),
                   opened, moves, {k: tuple(v) for k, v in posts.items()}, minutes, sizes)


# --- What a network after the changes carries --------------------------------------------------------


def contributions(outcome: Outcome, before: Iterable[rules.Network]) -> dict[str, dict[str, tuple[int, int]]]:
    """For each network after the changes: ``{before key: (patients it brought, patients it had)}`` (its practices'
    lists before the changes; a practice that opens brings its patients from no network, key "")."""
    had: dict[str, int] = {}
    came_from: dict[str, tuple[str, int]] = {}
    for network in before:
        if not network.is_assigned:
            continue
        key = key_of(network)
        had[key] = sum(p.list_size or 0 for p in network.practices)
        for p in network.practices:
            came_from[p.code] = (key, p.list_size or 0)
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for network in outcome.networks:
        found: dict[str, tuple[int, int]] = {}
        for p in network.practices:
            key, patients = came_from.get(p.code, ("", p.list_size or 0))
            brought = found.get(key, (0, had.get(key, 0)))
            found[key] = (brought[0] + patients, brought[1])
        out[key_of(network)] = found
    return out


def carried_from(contributed: dict[str, tuple[int, int]]) -> list[str]:
    """The networks whose development a network after the changes carries: every network it took whole (a merger
    carries each part), and the one most of its patients came from."""
    keys = [k for k in contributed if k]
    if not keys:
        return []
    whole = [k for k in keys if contributed[k][0] >= contributed[k][1] > 0]
    most = max(keys, key=lambda k: (contributed[k][0], k))
    return sorted({*whole, most})


def carried_steps(sources: Sequence[dict[str, int | None]]) -> dict[str, int | None]:
    """The step reached in each domain that a network carries from ``sources`` (each ``{domain: step}``, None: not
    reached or not assessed): the lowest of them, so that a merged network is never taken to be further on than
    any of its parts."""
    domains = list(dict.fromkeys(d for source in sources for d in source))
    carried: dict[str, int | None] = {}
    for domain in domains:
        steps = [source.get(domain) for source in sources]
        carried[domain] = None if any(step is None for step in steps) else min(s for s in steps if s is not None)
    return carried


def outside_sum(posts: Sequence[tuple[str, object, Decimal]], headroom: Decimal | None) -> list[str]:
    """The posts (``(label, start, claims in the year)``) that would fall outside a network's ARRS sum when the
    claims exceed it by ``-headroom``: the latest to start first, until the rest fit."""
    if headroom is None or headroom >= 0:
        return []
    over = -headroom
    out = []
    for label, _start, claims in sorted(posts, key=lambda p: (p[1], p[0]), reverse=True):
        if over <= 0:
            break
        if claims > 0:
            out.append(label)
            over -= claims
    return out


@dataclass(frozen=True)
class PostCut:
    """What ending some of a role's posts does to one post (``index``: its place in the list given): it ends the
    day before the date (one that starts on or after the date never starts), and ``kept`` WTE of it continue from
    the date as a post of its own (0: none)."""

    index: int
    kept: Decimal


class NotEnoughPosts(ValueError):
    """Fewer whole-time posts of ``role`` running (``held``) than a change would end (``wanted``)."""

    def __init__(self, role: str, held: Decimal, wanted: Decimal) -> None:
        self.role, self.held, self.wanted = role, held, wanted
        super().__init__(f"{held} WTE of {role} run on or after the date, less than the {wanted} WTE to end")


def cut_posts(posts: Sequence[tuple[str, Decimal, object, object | None]], role: str, wte: Decimal,
              on: object) -> list[PostCut]:
    """End ``wte`` whole-time of ``role`` from the date ``on``: the posts (``(role, fte, start, end or None)``) of
    that role still running on or after ``on``, the latest to start first, each ended whole or, the last, in part.
    :class:`NotEnoughPosts` when they hold less than ``wte``."""
    running = [i for i, (r, _fte, _start, end) in enumerate(posts) if r == role and (end is None or end >= on)]
    held = sum((posts[i][1] for i in running), Decimal(0))
    if held < wte:
        raise NotEnoughPosts(role, held, wte)
    cuts = []
    left = wte
    for i in sorted(running, key=lambda i: (posts[i][2], i), reverse=True):
        if left <= 0:
            break
        fte = posts[i][1]
        cuts.append(PostCut(i, max(Decimal(0), fte - left)))
        left -= fte
    return cuts


@dataclass(frozen=True)
class Spread:
    """How far apart a network's practices are, in straight-line kilometres, and the drives that estimates
    (whole minutes; None when no :class:`~pcnhub.domain.travel.Road` was given)."""

    farthest_km: float
    mean_from_centre_km: float
    located: int
    #: The mean straight line between two of its practices (every pair once; 0 with one practice).
    mean_between_km: float = 0.0
    farthest_drive_minutes: int | None = None
    mean_between_drive_minutes: int | None = None


def spread(points: Sequence[tuple[float, float]], road: Road | None = None) -> Spread | None:
    """The spread of practices at ``points`` (latitude, longitude in degrees); None with none located.  With
    ``road``, the longest and the mean drive between two of them are estimated from the straight lines."""
    if not points:
        return None
    lat0 = math.radians(sum(p[0] for p in points) / len(points))
    xy = [(EARTH_RADIUS_KM * math.radians(lon) * math.cos(lat0), EARTH_RADIUS_KM * math.radians(lat))
          for lat, lon in points]
    pairs = [math.dist(a, b) for i, a in enumerate(xy) for b in xy[i + 1:]]
    farthest = max(pairs, default=0.0)
    between = sum(pairs) / len(pairs) if pairs else 0.0
    cx, cy = sum(x for x, _ in xy) / len(xy), sum(y for _, y in xy) / len(xy)
    mean = sum(math.dist((cx, cy), p) for p in xy) / len(xy)
    drives = (None, None) if road is None else (round(road.minutes(farthest)), round(road.minutes(between)))
    return Spread(round(farthest, 1), round(mean, 1), len(points), round(between, 1), *drives)
