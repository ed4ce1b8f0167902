"""The demo of ``pcnhub demo`` (and ``make run``): every app's demo data, and one user per role.

The register's files come first (:mod:`pcnhub.register.demo`), then the users, tied to the demo
organisations (Southend's practice F81001, seed 004, its PCN and its ICB), then each app's own
demo: network money and plans, maturity, population health and its measures, and a scenario.  Running it again
changes nothing.
"""

from __future__ import annotations

import sys
from typing import TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import transaction

from pcnhub.accounts.models import Profile, Role
from pcnhub.finance.demo import load_finance_demo
from pcnhub.finance.demo_plans import load_plans_demo
from pcnhub.maturity.demo import load_maturity_demo
from pcnhub.measures.demo import load_measures_demo
from pcnhub.phm.demo import load_phm_demo
from pcnhub.register.demo import DEMO_PRACTICE, load_register_demo
from pcnhub.scenarios.demo import load_scenarios_demo
from pcnhub.register.models import Membership, Organisation, OrgKind
from pcnhub.register.services import ancestor_of_kind

#: The demo password of every demo user (local demonstration only; never in production).
DEMO_PASSWORD = "pcnhub-demo"


def load_demo(users_only: bool = False, progress: bool = True, out: TextIO = sys.stdout) -> None:
    """Migrate the database (and create the cache table), then load the demo data (unless ``users_only``) and
    the demo users."""
    if not settings.PCNHUB_DEMO_ALLOWED:
        raise ImproperlyConfigured("The demo creates users with a published password (pcnhub-demo): it never runs "
                                   "with production settings (PCNHUB_DEMO_ALLOWED is False).")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    if not users_only:
        load_register_demo(progress, out)
    for username, role, org in demo_users():
        out.write(f"  {username:<10} {Role(role).label:<18} {org or 'all organisations'}\n")
    load_finance_demo(out)
    load_plans_demo(out)
    load_maturity_demo(out)
    load_phm_demo(out)
    load_measures_demo(out)
    load_scenarios_demo(out)
    out.write(f"Demo password for every user: {DEMO_PASSWORD}\n")


def demo_users() -> list[tuple[str, str, Organisation | None]]:
    """Create (or reset) one user per role, tied to the demo organisations in the register."""
    practice = Organisation.objects.get(code=DEMO_PRACTICE, kind=OrgKind.PRACTICE)
    membership = Membership.objects.filter(practice=practice).order_by("-start").select_related("pcn").first()
    pcn = membership.pcn if membership else None
    icb = ancestor_of_kind(practice, OrgKind.ICB)
    wanted = [
        ("icb", Role.ICB, icb),
        ("pcn", Role.PCN, pcn),
        ("practice", Role.PRACTICE, practice),
        ("analyst", Role.ANALYST, None),
        ("admin", Role.ADMIN, None),
    ]
    User = get_user_model()
    made = []
    with transaction.atomic():
        for username, role, org in wanted:
            if role in (Role.ICB, Role.PCN) and org is None:
                continue
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(DEMO_PASSWORD)
            user.is_staff = user.is_superuser = role == Role.ADMIN
            user.save()
            Profile.objects.update_or_create(user=user, defaults={"role": role, "organisation": org})
            made.append((username, role, org))
    return made
