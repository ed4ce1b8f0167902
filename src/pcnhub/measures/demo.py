"""Measures for the demo (``pcnhub demo``): the measures engine run on the population health demo's synthetic
patients (:mod:`pcnhub.phm.demo`), after its pipeline, so the measures pages have figures.

It reads ``PCNHUB_PHM_DIR/data`` and the pipeline's ``patient_features.parquet`` (for the QRISK3 measures) and
writes ``PCNHUB_PHM_DIR/measures``, with each practice's PCN, sub-ICB location and ICB on the register's latest
date, and each PCN's neighbourhoods (``by_neighbourhood``: the measures in the LSOAs of its patients). Running it again keeps what is there: the output is made only when missing (delete the folder to make it
again); a half-written output is never read (it is written beside the folder and moved into place).
"""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO

from pcnhub.measures import services
from pcnhub.phm import services as phm
from pcnhub.phm.demo import _swap, demo_pcns, practice_map
from pcnhub.register.models import Organisation, OrgKind
from pcnhub.register.services import ancestor_of_kind


def geography() -> dict[str, tuple[str | None, str | None, str | None]]:
    """Each practice of the demo's PCNs -> (PCN, sub-ICB location, ICB) codes."""
    found = {}
    practices = {o.code: o for o in Organisation.objects.filter(code__in=list(practice_map(demo_pcns())),
                                                                kind=OrgKind.PRACTICE)}
    for code, (pcn, icb) in practice_map(demo_pcns()).items():
        sub_icb = ancestor_of_kind(practices[code], OrgKind.SUB_ICB) if code in practices else None
        found[code] = (pcn, sub_icb.code if sub_icb else None, icb)
    return found


def load_measures_demo(out: TextIO = sys.stdout) -> None:
    folder = services.measures_dir()
    if services.output() is not None:
        out.write("measures demo output already made\n")
        return
    data, features = phm.data_dir(), phm.output_dir() / phm.FEATURES
    if not (data / "patients.parquet").is_file():
        out.write("measures demo skipped: no population health demo data (see the population health demo above)\n")
        return
    from pcnhub.analytics.measures.run import run_measures

    building = folder.with_name(folder.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    started = time.perf_counter()
    try:
        summary = run_measures(data, building, engine="duckdb", geography=geography(),
                               features=features if features.is_file() else None, by_neighbourhood=True)
    except Exception as err:  # noqa: BLE001 (the rest of the demo must not depend on it)
        shutil.rmtree(building, ignore_errors=True)
        out.write(f"measures demo: the engine failed ({type(err).__name__}: {err}); run `pcnhub measures run "
                  f"--data {data} --engine duckdb --out {folder}` to see why\n")
        return
    _swap(building, folder)
    out.write(f"measures demo: {len(summary['measures'])} measures for {summary['months'][0]} to {summary['months'][1]} "
              f"in {folder} ({time.perf_counter() - started:.1f} s)\n")
