"""Network money for the demo (``pcnhub demo``): care home beds and one ICB rate override in Mid and
South Essex (QH8), the demo commissioner's ICB.

* Care home beds: the register holds no CQC data, so each demo PCN's beds are estimated from its
  registered list and the share of patients who live in care homes (about 0.7%,
  ``shared/reference/population-health-facts.md``), for the years whose list sizes the register holds.
* The override, to show how an ICB records a local rate: the 2023/24 ARRS rate (the DES's GBP 22.671 per
  weighted patient in the catalogue) is set to seed 003's funding of a typical 50,000-patient network in
  2023/24 (GBP 726,000, ``reference/arrs/typical_50k_plan.toml``) per weighted patient, a local budget.

Running it again changes nothing.
"""

from __future__ import annotations

import sys
import tomllib
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db import transaction

from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance import services
from pcnhub.finance.models import CareHomeBeds, RateOverride
from pcnhub.register.models import Organisation, OrgKind

DEMO_ICB = "QH8"
#: The demo PCN (Benfleet, home of the demo practice F81001) and its neighbours in QH8.
DEMO_PCNS = ("U27924",)
#: How many further PCNs of QH8 get beds, besides DEMO_PCNS.
MORE_PCNS = 4
#: Share of registered patients living in care homes (population-health-facts.md: "about 0.7%").
CARE_HOME_SHARE = Decimal("0.007")
BEDS_YEARS = (FinancialYear(2023), FinancialYear(2024), FinancialYear(2025))
OVERRIDE_YEAR = FinancialYear(2023)
OVERRIDE_PAYMENT = "arrs"


def typical_arrs_funding(year: FinancialYear) -> tuple[Decimal, int]:
    """Seed 003's ARRS funding of a typical network in ``year`` (GBP) and that network's list size."""
    path = resources.files("pcnhub.reference").joinpath("arrs", "typical_50k_plan.toml")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    for entry in data["funding"]:
        if entry["year"] == year.label:
            return Decimal(str(entry["amount"])), int(data["list_size"])
    raise LookupError(f"arrs/typical_50k_plan.toml has no funding for {year}")


def load_finance_demo(out: TextIO = sys.stdout) -> None:
    """Add the demo's care home beds and rate override (once)."""
    icb = Organisation.objects.filter(code=DEMO_ICB, kind=OrgKind.ICB).first()
    if icb is None:
        out.write(f"network money demo skipped: no ICB {DEMO_ICB} in the register\n")
        return
    with transaction.atomic():
        beds = _care_home_beds(icb)
        override = _override(icb)
    out.write(f"network money demo: care home beds for {beds} PCN-years in {icb.name}; {override}\n")


def _care_home_beds(icb: Organisation) -> int:
    pcns = list(Organisation.objects.filter(code__in=DEMO_PCNS, kind=OrgKind.PCN))
    made = 0
    for year in BEDS_YEARS:
        area = services.area_entitlements(icb, year)
        chosen = [r for r in area.rows if r.pcn in pcns]
        chosen += [r for r in area.rows if r.pcn not in pcns][:MORE_PCNS]
        for row in chosen:
            if not row.registered or CareHomeBeds.objects.filter(pcn=row.pcn, year=year.label).exists():
                continue
            beds = int((row.registered * CARE_HOME_SHARE).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            CareHomeBeds.objects.create(pcn=row.pcn, year=year.label, beds=beds)
            made += 1
    return made


def _override(icb: Organisation) -> str:
    if RateOverride.objects.filter(icb=icb, year=OVERRIDE_YEAR.label, payment=OVERRIDE_PAYMENT).exists():
        return "rate override already recorded"
    user = get_user_model().objects.filter(username="icb").first()
    funding, typical_list = typical_arrs_funding(OVERRIDE_YEAR)
    rate = (funding / typical_list).quantize(Decimal("0.000001"))
    RateOverride.objects.create(
        icb=icb, year=OVERRIDE_YEAR.label, payment=OVERRIDE_PAYMENT, rate=rate, created_by=user,
        reason=(f"Local ARRS budget: seed 003's GBP {funding:,.0f} for a typical {typical_list:,}-patient network "
                f"in {OVERRIDE_YEAR} (Leicester, Leicestershire and Rutland's plan), in place of the DES's national "
                f"rate: a demonstration of a local rate override"),
    )
    return f"{OVERRIDE_YEAR} ARRS rate overridden at GBP {rate} per weighted patient"
