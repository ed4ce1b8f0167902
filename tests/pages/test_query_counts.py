"""SQL queries per main page do not grow with the register: no N+1.

The register of tests/builders.py is enlarged twice by the same step (each step adds ICBs, PCNs in Alpha ICB
with member practices, governance, list sizes and maturity assessments, practices of Alpha North, and list
sizes of A81001), and every main page and API call is counted after the first step and after the second:
the counts must be equal, and under the page's ceiling. Each role (icb, pcn, practice, analyst) is signed in
and asks for the pages it may see.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pcnhub.maturity.models import Action, Answer, Assessment
from pcnhub.register.models import (
    ClinicalDirector,
    Governance,
    ListSize,
    Membership,
    Organisation,
    OrgKind,
    Parentage,
)
from tests.builders import EARLIER, LATEST
from tests.designer.conftest import place_practices
from tests.maturity.helpers import FOUNDATION
from tests.phm.conftest import grant, phm_dir, phm_output  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

DATE = f"date={LATEST.isoformat()}"
START = dt.date(2019, 7, 1)

#: page name: (url, the most queries it may make). The ceilings are the counts measured after the N+1s were
#: removed, rounded up to the next multiple of 10 with at least 5 to spare; the test is their equality at
#: both sizes, the ceiling a guard against a page quietly growing a constant number of extra queries.
PAGES = {
    "home": ("/", 40),
    "landscape": (f"/landscape/?area=QAA&{DATE}", 40),
    "icb-money": ("/finance/area/QAA/", 40),
    "pcn": (f"/pcn/U00001/?{DATE}", 60),
    "pcn-money": ("/finance/pcn/U00001/", 80),
    # 21 since every page says the date of its data (the header: 3 queries) and the practice its dated names
    "practice": ("/practice/A81001/", 30),
    "search": ("/search/?q=a", 20),
    "maturity": ("/maturity/", 20),
    "maturity-pcn": ("/maturity/pcn/U00001/", 30),
    "maturity-area": ("/maturity/area/QAA/", 50),
    "phm-pcn": ("/phm/pcn/U00001/", 30),
    "phm-area": ("/phm/area/QAA/", 40),
    "worklist": ("/phm/pcn/U00001/cohort/smr/", 30),
    "designer": (f"/design/QAA/?{DATE}", 50),
    "api-organisations": ("/api/organisations", 20),
    "api-organisation": ("/api/organisations/A81001", 20),
    "api-pcn": (f"/api/pcns/U00001?{DATE}", 30),
    "api-pcn-memberships": ("/api/pcns/U00001/memberships", 20),
    "api-landscape": (f"/api/landscape?area=QAA&{DATE}", 40),
    "api-icb-entitlements": ("/api/finance/areas/QAA/entitlements", 40),
    "api-pcn-entitlements": ("/api/finance/pcns/U00001/entitlements", 40),
    "api-heatmap": ("/api/maturity/areas/QAA/heatmap", 40),
    "api-phm": ("/api/phm/pcns/U00001/aggregates", 30),
    "api-design": (f"/api/design/areas/QAA?{DATE}", 50),
}
SHARED = ["home", "pcn", "practice", "search", "api-organisations", "api-organisation", "api-pcn",
          "api-pcn-memberships"]
ROLES = {
    "icb": SHARED + ["landscape", "icb-money", "pcn-money", "maturity-pcn", "maturity-area", "phm-pcn", "phm-area",
                     "designer", "api-landscape", "api-icb-entitlements", "api-pcn-entitlements", "api-heatmap",
                     "api-phm", "api-design"],
    "pcn": SHARED + ["pcn-money", "maturity-pcn", "phm-pcn", "worklist", "api-pcn-entitlements", "api-phm"],
    "practice": SHARED,
    "analyst": SHARED + ["landscape", "icb-money", "pcn-money", "maturity", "maturity-pcn", "maturity-area",
                         "phm-pcn", "phm-area", "designer", "api-landscape", "api-icb-entitlements",
                         "api-pcn-entitlements", "api-heatmap", "api-phm", "api-design"],
}


def _org(code: str, name: str, kind: str, parent: Organisation | None = None, **extra) -> Organisation:
    org = Organisation.objects.create(code=code, name=name, kind=kind, **extra)
    if parent is not None:
        Parentage.objects.create(child=org, parent=parent)
    return org


def _practice(code: str, parent: Organisation, pcn: Organisation, registered: int, lat: float, lon: float):
    p = _org(code, f"Practice {code}", OrgKind.PRACTICE, parent, postcode="SS1 1AA", status="active",
             latitude=lat, longitude=lon)
    Membership.objects.create(practice=p, pcn=pcn, start=START)
    for date in (EARLIER, LATEST):
        ListSize.objects.create(organisation=p, date=date, registered=registered, weighted=registered * 1.05)
    return p


def enlarge(register, step: int) -> None:
    """Add one step's worth of register (see the module docstring); ``step`` numbers the codes."""
    sub_a = register.sub_a
    # Another ICB with a sub-ICB location, a PCN and two practices (the analyst's home lists every ICB).
    icb = _org(f"Q{step:02d}", f"Extra ICB {step}", OrgKind.ICB, register.region)
    sub = _org(f"9{step:02d}", f"Extra Sub-ICB {step}", OrgKind.SUB_ICB, icb)
    pcn = _org(f"U9{step:04d}", f"Extra PCN {step}", OrgKind.PCN, sub)
    for j in range(2):
        _practice(f"Z9{step:02d}{j}", sub, pcn, 20_000, 52.0 + step / 100, 0.1 * j)
    # A PCN in Alpha ICB with two practices, governance and a maturity assessment with an action.
    pcn = _org(f"U8{step:04d}", f"Alpha Extra PCN {step}", OrgKind.PCN, sub_a)
    practices = [_practice(f"Z8{step:02d}{j}", sub_a, pcn, 18_000 + j, 51.50 + step / 200, 0.55 + j / 50)
                 for j in range(2)]
    ClinicalDirector.objects.create(pcn=pcn, name=f"Dr Extra {step}", start=START, practice=practices[0])
    Governance.objects.create(pcn=pcn, start=START, nominated_payee=practices[0])
    assessment = Assessment.objects.create(organisation=pcn, matrix="national-2019", audience="pcn", as_of=LATEST)
    Answer.objects.bulk_create(Answer(assessment=assessment, statement_id=s, status="achieved") for s in FOUNDATION)
    Action.objects.create(pcn=pcn, matrix="national-2019", title=f"Action {step}", statement_ids=FOUNDATION[:1],
                          due=LATEST)
    # A practice more in Alpha North, and a list size more for A81001 (the practice page's history).
    _practice(f"Z7{step:02d}0", sub_a, register.north, 1_000, 51.56, 0.61 + step / 1000)
    ListSize.objects.create(organisation=register.practices["A81001"], date=LATEST - dt.timedelta(days=step),
                            registered=12_900 + step)


def _north_assessment(register) -> None:
    assessment = Assessment.objects.create(organisation=register.north, matrix="national-2019", audience="pcn",
                                           as_of=LATEST)
    Answer.objects.bulk_create(Answer(assessment=assessment, statement_id=s, status="achieved") for s in FOUNDATION)


@pytest.fixture(autouse=True)
def _quick_proposals(settings):
    settings.PCNHUB_DESIGN_SECONDS = 1.0


def _counts(client, names: list[str]) -> dict[str, tuple[int, int]]:
    """page name -> (status, queries)."""
    out = {}
    for name in names:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(PAGES[name][0])
        out[name] = (response.status_code, len(ctx.captured_queries))
    return out


@pytest.mark.parametrize("role", sorted(ROLES))
def test_queries_per_page_do_not_grow_with_the_register(register, client_for, phm_output, grant, role):  # noqa: F811
    place_practices()
    _north_assessment(register)
    if role == "pcn":
        grant("pcn")
    step = 0
    for step in range(1, 3):
        enlarge(register, step)
    client = client_for(role)
    _counts(client, ROLES[role])  # the first request of a page may fill caches (a proposal)
    smaller = _counts(client, ROLES[role])
    for step in range(step + 1, step + 3):
        enlarge(register, step)
    _counts(client, ROLES[role])
    larger = _counts(client, ROLES[role])
    assert {name: status for name, (status, _) in smaller.items() if status != 200} == {}
    grew = {name: (smaller[name][1], larger[name][1]) for name in smaller if larger[name][1] != smaller[name][1]}
    assert grew == {}, f"queries at N and 2N differ for {role}: {grew}"
    over = {name: (n, PAGES[name][1]) for name, (_, n) in larger.items() if n > PAGES[name][1]}
    assert over == {}, f"more queries than the ceiling for {role}: {over}"
