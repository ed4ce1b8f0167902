"""Population health for the demo (``pcnhub demo``): synthetic patients, the pipeline's output, a grant.

* A synthetic registered population (``pcnhub.analytics.synth``; nobody real) for the practices of the
  PCNs of Castle Point and Rochford (sub-ICB 99F, in Mid and South Essex ICB QH8), the demo PCN
  Benfleet (U27924) among them, each practice with its list size from the register, written to
  ``PCNHUB_PHM_DIR/data``.
* The pipeline (``pcnhub.analytics.run.run_pipeline``, DuckDB) run on it into ``PCNHUB_PHM_DIR/output``,
  with each practice's PCN and ICB on the register's latest date.
* The demo ``pcn`` user granted the patients of U27924, so the worklists can be shown.

Running it again keeps what is there: the data and output are made only when missing (so delete
``PCNHUB_PHM_DIR`` to make them again), the grant only when the user has none.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from pcnhub.phm import services
from pcnhub.phm.models import AuditAction, AuditEvent, PatientDataGrant
from pcnhub.register.models import Membership, Organisation, OrgKind
from pcnhub.register.services import area_members, icb_of, latest_data_date, list_sizes_on

DEMO_ICB = "QH8"
DEMO_AREA = "99F"  # NHS Castle Point and Rochford CCG, a sub-ICB location of QH8
DEMO_PCN = "U27924"
DEMO_USER = "pcn"
SEED = 5
GRANT_REASON = ("Demo: the clinical pharmacist and care coordinators of Benfleet PCN, for proactive care of the "
                "network's cohorts (synthetic patients).")


def demo_pcns() -> list[Organisation]:
    """The demo PCN and the other PCNs of Castle Point and Rochford (or of QH8, without that area)."""
    day = latest_data_date()
    area = (Organisation.objects.filter(code=DEMO_AREA).first()
            or Organisation.objects.filter(code=DEMO_ICB, kind=OrgKind.ICB).first())
    pcns = area_members(area, day)[0] if area is not None else []
    demo = Organisation.objects.filter(code=DEMO_PCN, kind=OrgKind.PCN).first()
    if demo is not None and all(p.pk != demo.pk for p in pcns):
        pcns = [demo, *pcns]
    return pcns


def practice_map(pcns: list[Organisation]) -> dict[str, tuple[str | None, str | None]]:
    """Each member practice of ``pcns`` -> (PCN code, ICB code), on the register's latest date."""
    day = latest_data_date()
    icbs = {p.pk: icb_of(p, day) for p in pcns}
    found: dict[str, tuple[str | None, str | None]] = {}
    for m in Membership.objects.on(day).filter(pcn__in=pcns).select_related("practice", "pcn").order_by("practice__code"):
        icb = icbs.get(m.pcn_id)
        found[m.practice.code] = (m.pcn.code, icb.code if icb else None)
    return found


def _sizes(codes: Mapping[str, object]) -> list[tuple[str, int]]:
    orgs = {o.pk: o.code for o in Organisation.objects.filter(code__in=list(codes), kind=OrgKind.PRACTICE)}
    sizes = list_sizes_on(orgs, latest_data_date())
    return sorted((orgs[pk], row.registered) for pk, row in sizes.items() if row.registered and row.registered > 0)


def _swap(built: Path, final: Path) -> None:
    """Put a folder written beside ``final`` in its place (so a half-written folder is never read)."""
    if final.exists():
        shutil.rmtree(final)
    built.rename(final)


def load_phm_demo(out: TextIO = sys.stdout) -> None:
    pcns = demo_pcns()
    if not any(p.code == DEMO_PCN for p in pcns):
        out.write(f"population health demo skipped: no PCN {DEMO_PCN} in the register\n")
        return
    mapping = practice_map(pcns)
    data, output = services.data_dir(), services.output_dir()
    data.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if not (data / "patients.parquet").is_file():
        sizes = _sizes(mapping)
        if not sizes:
            out.write("population health demo skipped: the register has no list sizes for the demo practices\n")
            return
        from pcnhub.analytics import synth

        building = data.with_name(data.name + ".building")
        shutil.rmtree(building, ignore_errors=True)
        result = synth.generate(synth.practices_from_pairs(sizes), building, seed=SEED)
        _swap(building, data)
        out.write(f"population health demo: {result.patients:,} synthetic patients of {result.practices} practices "
                  f"({', '.join(p.code for p in pcns)}) in {data}\n")
    if services.output() is None:
        try:
            from pcnhub.analytics.run import run_pipeline
        except ImportError:
            out.write("population health demo: the pipeline (pcnhub.analytics.run) is not installed yet, so no "
                      f"output; run `pcnhub phm run --data {data} --engine duckdb --out {output}` once it is\n")
        else:
            building = output.with_name(output.name + ".building")
            shutil.rmtree(building, ignore_errors=True)
            try:
                summary = run_pipeline(data, building, engine="duckdb", practice_map=mapping)
            except Exception as err:  # noqa: BLE001 (the rest of the demo must not depend on it)
                shutil.rmtree(building, ignore_errors=True)
                out.write(f"population health demo: the pipeline failed ({type(err).__name__}: {err}); run "
                          f"`pcnhub phm run --data {data} --engine duckdb --out {output}` to see why\n")
            else:
                _swap(building, output)
                patients = summary.get("patients") if isinstance(summary, dict) else None
                out.write(f"population health demo: pipeline output for {patients or 'the'} patients in {output} "
                          f"({time.perf_counter() - started:.1f} s)\n")
    else:
        out.write("population health demo output already made\n")
    _grant(out)


def _grant(out: TextIO) -> None:
    User = get_user_model()
    user = User.objects.filter(username=DEMO_USER).first()
    pcn = Organisation.objects.get(code=DEMO_PCN, kind=OrgKind.PCN)
    if user is None:
        out.write(f"population health demo: no user {DEMO_USER} to grant patient-level data to\n")
        return
    if PatientDataGrant.objects.filter(user=user).exists():
        return
    admin = User.objects.filter(username="admin").first()
    grant = PatientDataGrant(user=user, organisation=pcn, granted_by=admin, reason=GRANT_REASON)
    try:
        grant.full_clean()
    except ValidationError as err:
        out.write(f"population health demo: no grant for {DEMO_USER}: {'; '.join(err.messages)}\n")
        return
    grant.save()
    if admin is not None:
        AuditEvent.record(None, AuditAction.GRANT, pcn, user=admin, filters={"grantee": DEMO_USER, "reason": "demo"})
    out.write(f"population health demo: user {DEMO_USER} may see the (synthetic) patients of {pcn.code}\n")
