"""A scenario for the demo (``pcnhub demo``): the demo commissioner tries moving one practice of the demo PCN to
the neighbouring network nearest to it, and shares the idea with the networks concerned.

The practice and the network are chosen from the register and the practices' locations, not named here: of the
demo PCN's practices on the date, the one nearest to a practice of another network of the same ICB moves to that
network.  Running it again changes nothing: a scenario of the same name in the ICB is left alone.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import TextIO

import numpy as np
from django.contrib.auth import get_user_model

from pcnhub.domain import scenario as d
from pcnhub.domain.geography import project
from pcnhub.register import services as register
from pcnhub.register.models import Organisation, OrgKind
from pcnhub.scenarios import services
from pcnhub.scenarios.models import EventKind, Scenario

DEMO_PCN = "U27924"
#: The start of the next financial year: when such a move would usually take effect.
EFFECTIVE = dt.date(2027, 4, 1)
#: The demo register's latest configuration (the May 2026 practice map).
REGISTER_DATE = dt.date(2026, 5, 1)
NAME = "Move the practice nearest a neighbouring network"
COMMISSIONER = "icb"


def _nearest_move(pcn: Organisation, icb: Organisation) -> tuple[str, str, float] | None:
    """(practice code, network code, km) of the demo PCN's practice nearest to another network's practice."""
    view = register.cached_landscape(icb, REGISTER_DATE)
    points = view.locations.points if view.locations is not None else {}
    home = {m.practice.code: r.pcn.code for r in view.networks for m in r.members if m.practice.code in points}
    located = [points[code] for code in home]
    xy = project(located)
    best = None
    for i, a in enumerate(located):
        if home[a.code] != pcn.code:
            continue
        for j, b in enumerate(located):
            if home[b.code] == pcn.code:
                continue
            km = float(np.hypot(*(xy[i] - xy[j])))
            if best is None or km < best[2]:
                best = (a.code, home[b.code], km)
    return best


def load_scenarios_demo(out: TextIO = sys.stdout) -> None:
    pcn = Organisation.objects.filter(code=DEMO_PCN).first()
    user = get_user_model().objects.filter(username=COMMISSIONER).first()
    icb = register.ancestor_of_kind(pcn, OrgKind.ICB) if pcn is not None else None
    if pcn is None or user is None or icb is None:
        out.write("scenarios demo: skipped (no demo PCN, commissioner or ICB)\n")
        return
    if Scenario.objects.filter(area=icb, name=NAME).exists():
        out.write(f"scenarios demo: '{NAME}' is already there\n")
        return
    found = _nearest_move(pcn, icb)
    if found is None:
        out.write("scenarios demo: skipped (the demo PCN's practices have no locations)\n")
        return
    practice, network, km = found
    names = dict(Organisation.objects.filter(code__in=[practice, network]).values_list("code", "name"))
    reasons = (f"{names[practice]} is {km:.1f} km from a practice of {names[network]}. Before the next financial "
               "year, what would the move mean for both networks' money, staff, access and patients?")
    scenario = services.create(icb, NAME, EFFECTIVE, reasons, user,
                               [d.Change(d.MOVE, practice=practice, from_pcn=pcn.code, to_pcn=network)])
    services.take_step(scenario, EventKind.SHARED, user, "Shared with both networks for their comments.")
    out.write(f"scenarios demo: '{NAME}' ({practice} from {pcn.code} to {network}), shared, in {icb.name}\n")
