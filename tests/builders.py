"""The hand-made register every database test builds: a small geography, and one user per role.

Geography: region Y99 > ICBs QAA (Alpha) and QBB (Beta) > sub-ICBs 01A and 02B > PCNs and practices.
On 2025-01-01 (the latest data date):

* Alpha North PCN (U00001): A81001 12,980 + A81002 13,167 + A81003 12,000 = 38,147 (in band).
  A81003 moved here from Alpha South on 2024-04-01. Clinical Director Dr Jane Smith, nominated
  payee A81001, Network Agreement signed; core partner Alpha Community Trust (RAA).
* Alpha South PCN (U00002): A81004 30,000 + A81005 25,000 = 55,000 (5,000 above the band).
* A81006 (4,000) is in Alpha ICB and in no PCN.
* Beta PCN (U00003): B82001 20,000 + B82002 15,000 = 35,000.

On 2024-01-01 Alpha North had A81001 12,500 + A81002 13,000 = 25,500 and Alpha South
29,000 + 24,000 + 11,500 = 64,500.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.contrib.auth import get_user_model

from pcnhub.accounts.models import Profile, Role
from pcnhub.register.models import (
    AgreementStatus,
    ClinicalDirector,
    DeliveryModel,
    Governance,
    ListSize,
    ListSizeBand,
    Membership,
    Organisation,
    OrgKind,
    Parentage,
    PartnerRole,
    Partnership,
    PartnerType,
)
from pcnhub.register.services import one_change

PASSWORD = "correct-horse-battery-staple"
LATEST = dt.date(2025, 1, 1)
EARLIER = dt.date(2024, 1, 1)
MOVE = dt.date(2024, 4, 1)

SIZES = {  # practice code: (registered on EARLIER, registered on LATEST)
    "A81001": (12_500, 12_980),
    "A81002": (13_000, 13_167),
    "A81003": (11_500, 12_000),
    "A81004": (29_000, 30_000),
    "A81005": (24_000, 25_000),
    "A81006": (3_900, 4_000),
    "B82001": (19_000, 20_000),
    "B82002": (14_500, 15_000),
}
NORTH_TOTAL = 12_980 + 13_167 + 12_000  # 38,147
SOUTH_TOTAL = 30_000 + 25_000  # 55,000
BETA_TOTAL = 20_000 + 15_000  # 35,000
ALPHA_TOTAL = NORTH_TOTAL + SOUTH_TOTAL  # 93,147


def _org(code: str, name: str, kind: str, **extra) -> Organisation:
    return Organisation.objects.create(code=code, name=name, kind=kind, **extra)


def build_register() -> SimpleNamespace:
    """Create the register described in the module docstring, and a user for each role (one change to the
    figures' cache, not one per row)."""
    with one_change():
        return _build()


def _build() -> SimpleNamespace:
    r = SimpleNamespace()
    r.region = _org("Y99", "Test Region", OrgKind.REGION)
    r.icb_a = _org("QAA", "Alpha ICB", OrgKind.ICB)
    r.icb_b = _org("QBB", "Beta ICB", OrgKind.ICB)
    r.sub_a = _org("01A", "Alpha Sub-ICB", OrgKind.SUB_ICB)
    r.sub_b = _org("02B", "Beta Sub-ICB", OrgKind.SUB_ICB)
    r.north = _org("U00001", "Alpha North PCN", OrgKind.PCN)
    r.south = _org("U00002", "Alpha South PCN", OrgKind.PCN)
    r.beta = _org("U00003", "Beta PCN", OrgKind.PCN)
    names = {
        "A81001": "Dr Khan & Partners", "A81002": "The Hollies Surgery", "A81003": "Essex Way Surgery",
        "A81004": "Queensway Medical Centre", "A81005": "North Avenue Surgery", "A81006": "Island Surgery",
        "B82001": "Beta Health Centre", "B82002": "Riverside Practice",
    }
    r.practices = {
        code: _org(code, name, OrgKind.PRACTICE, postcode="SS1 1AA", address="1 High Street, Southend",
                   status="active", open_date=dt.date(1990, 4, 1))
        for code, name in names.items()
    }
    p = r.practices
    links = [(r.icb_a, r.region), (r.icb_b, r.region), (r.sub_a, r.icb_a), (r.sub_b, r.icb_b),
             (r.north, r.sub_a), (r.south, r.sub_a), (r.beta, r.sub_b)]
    links += [(p[c], r.sub_a if c.startswith("A") else r.sub_b) for c in p]
    for child, parent in links:
        Parentage.objects.create(child=child, parent=parent)

    start = dt.date(2019, 7, 1)
    for code in ("A81001", "A81002"):
        Membership.objects.create(practice=p[code], pcn=r.north, start=start)
    Membership.objects.create(practice=p["A81003"], pcn=r.south, start=start, end=MOVE - dt.timedelta(days=1))
    Membership.objects.create(practice=p["A81003"], pcn=r.north, start=MOVE)
    for code in ("A81004", "A81005"):
        Membership.objects.create(practice=p[code], pcn=r.south, start=start)
    for code in ("B82001", "B82002"):
        Membership.objects.create(practice=p[code], pcn=r.beta, start=start)

    for code, (earlier, latest) in SIZES.items():
        ListSize.objects.create(organisation=p[code], date=EARLIER, registered=earlier, weighted=earlier * 1.05)
        ListSize.objects.create(organisation=p[code], date=LATEST, registered=latest, weighted=latest * 1.05)
    for sex, patients in (("F", 3_100), ("M", 2_900)):
        ListSizeBand.objects.create(organisation=p["A81001"], date=LATEST, scheme="quinary", sex=sex,
                                    age_band="0_4", age_from=0, patients=patients)
        ListSizeBand.objects.create(organisation=p["A81001"], date=LATEST, scheme="quinary", sex=sex,
                                    age_band="95+", age_from=95, patients=patients // 100)

    r.partner = _org("RAA", "Alpha Community Trust", OrgKind.PARTNER, partner_type=PartnerType.COMMUNITY)
    Partnership.objects.create(partner=r.partner, pcn=r.north, role=PartnerRole.CORE, start=start)
    ClinicalDirector.objects.create(pcn=r.north, name="Dr Jane Smith", start=start, practice=p["A81001"])
    Governance.objects.create(
        pcn=r.north, start=start, nominated_payee=p["A81001"], delivery_model=DeliveryModel.LEAD_PRACTICE,
        network_agreement=AgreementStatus.SIGNED, network_agreement_date=dt.date(2019, 6, 30),
    )

    users = get_user_model().objects
    r.users = {}
    for role, org, first, last in (
        (Role.ICB, r.icb_a, "Isla", "Carter"), (Role.PCN, r.north, "Priya", "Nair"),
        (Role.PRACTICE, p["A81001"], "Peter", "Mensah"), (Role.ANALYST, None, "Ana", "Lopes"),
        (Role.ADMIN, None, "Adam", "Hughes"),
    ):
        user = users.create_user(f"{role}-user", password=PASSWORD, first_name=first, last_name=last)
        Profile.objects.create(user=user, role=role, organisation=org)
        r.users[str(role)] = user
    # A commissioner of the other ICB, for refusals between ICBs.
    user = users.create_user("icb-beta-user", password=PASSWORD, first_name="Bea", last_name="Tan")
    Profile.objects.create(user=user, role=Role.ICB, organisation=r.icb_b)
    r.users["icb-beta"] = user
    return r
