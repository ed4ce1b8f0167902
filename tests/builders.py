"""A small, hand-made register for tests of services, API, CLI and permissions.

Two ICBs. ICB "QAA" (sub-ICB "01A") has PCNs U00001 "North PCN" (three practices, 52,000 patients:
over the band), U00002 "South PCN" (two practices, 35,000) and an uncovered practice A00009.
Practice A00003 moved from South to North on 2021-04-01. ICB "QBB" (sub-ICB "02B") has PCN U00003
"East PCN" (one practice B00001, 31,000). One user per role.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model

from pcnhub.accounts.models import Profile, Role
from pcnhub.register.models import (
    AgreementStatus,
    ClinicalDirector,
    Governance,
    ListSize,
    Membership,
    Organisation,
    OrgKind,
    Parentage,
    Partnership,
    PartnerRole,
    PartnerType,
)

D2020 = dt.date(2020, 4, 1)
MOVE = dt.date(2021, 4, 1)
D2022 = dt.date(2022, 1, 1)
PASSWORD = "test-password-1"


@dataclass
class SmallRegister:
    orgs: dict[str, Organisation]
    users: dict[str, object]

    def __getitem__(self, code: str) -> Organisation:
        return self.orgs[code]


def build_small_register() -> SmallRegister:
    orgs: dict[str, Organisation] = {}

    def org(code, name, kind, **kw):
        orgs[code] = Organisation.objects.create(code=code, name=name, kind=kind, **kw)
        return orgs[code]

    region = org("Y56", "London", OrgKind.REGION)
    for icb_code, sub_code in (("QAA", "01A"), ("QBB", "02B")):
        icb = org(icb_code, f"NHS {icb_code} ICB", OrgKind.ICB)
        sub = org(sub_code, f"Sub-ICB {sub_code}", OrgKind.SUB_ICB)
        Parentage.objects.create(child=icb, parent=region)
        Parentage.objects.create(child=sub, parent=icb)
    north = org("U00001", "North PCN", OrgKind.PCN)
    south = org("U00002", "South PCN", OrgKind.PCN)
    east = org("U00003", "East PCN", OrgKind.PCN)
    for pcn, sub in ((north, "01A"), (south, "01A"), (east, "02B")):
        Parentage.objects.create(child=pcn, parent=orgs[sub])
    practices = {
        "A00001": ("Hill Surgery", 20000, "01A"),
        "A00002": ("Vale Practice", 17000, "01A"),
        "A00003": ("Moor Medical Centre", 15000, "01A"),
        "A00004": ("Bridge Street Surgery", 20000, "01A"),
        "A00005": ("Harbour Health", 15000, "01A"),
        "A00009": ("Lonely Lane Surgery", 4000, "01A"),
        "B00001": ("East End Practice", 31000, "02B"),
    }
    for code, (name, size, sub) in practices.items():
        p = org(code, name, OrgKind.PRACTICE, postcode="ZZ1 1ZZ", status="active", open_date=dt.date(1990, 1, 1))
        Parentage.objects.create(child=p, parent=orgs[sub])
        ListSize.objects.create(organisation=p, date=D2022, registered=size, source="test")
        ListSize.objects.create(organisation=p, date=D2020, registered=size - 1000, source="test")
    members = [
        ("A00001", north, D2020, None),
        ("A00002", north, D2020, None),
        ("A00003", south, D2020, MOVE - dt.timedelta(days=1)),
        ("A00003", north, MOVE, None),
        ("A00004", south, D2020, None),
        ("A00005", south, D2020, None),
        ("B00001", east, D2020, None),
    ]
    for code, pcn, start, end in members:
        Membership.objects.create(practice=orgs[code], pcn=pcn, start=start, end=end, source="test")
    ClinicalDirector.objects.create(pcn=north, name="Dr Ada North", start=D2020)
    Governance.objects.create(
        pcn=north, start=D2020, nominated_payee=orgs["A00001"], delivery_model="lead_practice",
        network_agreement=AgreementStatus.SIGNED, network_agreement_date=D2020,
    )
    partner = org("RX1", "Community Trust", OrgKind.PARTNER, partner_type=PartnerType.COMMUNITY)
    Partnership.objects.create(partner=partner, pcn=north, role=PartnerRole.CORE, start=D2020)

    User = get_user_model()
    users = {}
    for username, role, code in (
        ("icb", Role.ICB, "QAA"), ("icb_b", Role.ICB, "QBB"), ("pcn", Role.PCN, "U00001"),
        ("practice", Role.PRACTICE, "A00003"), ("analyst", Role.ANALYST, None), ("admin", Role.ADMIN, None),
    ):
        user = User.objects.create_user(username, password=PASSWORD, is_staff=role == Role.ADMIN,
                                        is_superuser=role == Role.ADMIN)
        Profile.objects.create(user=user, role=role, organisation=orgs.get(code) if code else None)
        users[username] = user
    return SmallRegister(orgs, users)
