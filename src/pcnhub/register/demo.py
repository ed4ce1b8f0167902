"""The register's demo data for ``make run``: the national register from shared/data (the maps of January 2022,
February and May 2026, the list sizes of January 2021 and April 2026), the Southend / Castle Point &
Rochford configuration of January 2019 (seed 004) as the earliest dated configuration, and the local lists
of 2019 that name practices or networks (Milton Keynes' clusters, seed 002; LLR's PCNs, seed 003).
Files already imported (same checksum) are not imported again.  The whole demo, users included, is
loaded by :func:`pcnhub.webapp.demo.load_demo`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from pcnhub.register.loaders import import_file
from pcnhub.register.models import ImportRun

#: The demo organisations: Southend's practice F81001 (Dr Khan & Ptns, seed 004) and its PCN and ICB.
DEMO_PRACTICE = "F81001"


@dataclass(frozen=True)
class DemoFile:
    path: str
    date: dt.date | None = None
    skip_unknown: bool = False
    area: str | None = None


DEMO_FILES = (
    DemoFile("nhs-open-data/epraccur_2019.csv"),
    DemoFile("nhs-open-data/gp-reg-pat-prac-map_2022-01.csv"),
    # "List Size (Jan 19)" in seed 004's PCN landscape table: the January 2019 configuration.
    DemoFile("seed-tables/southend-castle-point-rochford-pcns_2019-01.csv", dt.date(2019, 1, 1)),
    # The 2022 map again, so its snapshot ends the 2019 memberships of practices that had left by 2022.
    DemoFile("nhs-open-data/gp-reg-pat-prac-map_2022-01.csv"),
    # Two codes in this file (Y02509, Y00367) are walk-in centres, not GP practices: skipped with a warning.
    DemoFile("nhs-open-data/gp-reg-pat-prac-all_2021-01.csv", skip_unknown=True),
    # Today's England: the maps of February 2026 (42 ICBs) and May 2026 (36, after the April 2026 mergers), and
    # the list sizes of April 2026; practices opened since 2019 come from the maps.
    DemoFile("nhs-open-data/gp-reg-pat-prac-map_2026-02.csv"),
    DemoFile("nhs-open-data/gp-reg-pat-prac-map_2026-05.csv"),
    DemoFile("nhs-open-data/gp-reg-pat-prac-all_2026-04.csv"),
    # Seed 002's seven Milton Keynes practice clusters, matched by name; the paper is undated ("by July" 2019).
    DemoFile("seed-tables/milton-keynes-clusters_2019.csv", dt.date(2019, 4, 1), area="Milton Keynes"),
    # Seed 003's 25 LLR PCNs by place; the networks began with the Network Contract DES on 1 July 2019 (seed 001).
    DemoFile("seed-tables/llr-pcns_2019.csv", dt.date(2019, 7, 1)),
)


def find_shared_data() -> Path:
    """shared/data: ``$PCNHUB_SHARED_DATA``, or ``shared/data`` beside or inside the working directory."""
    candidates = [os.environ.get("PCNHUB_SHARED_DATA")]
    for base in (Path.cwd(), *Path.cwd().parents):
        candidates += [base / "shared" / "data", base.parent / "shared" / "data"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "nhs-open-data").is_dir():
            return Path(candidate)
    raise FileNotFoundError("cannot find shared/data with the NHS open data; set PCNHUB_SHARED_DATA")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_register_demo(progress: bool = True, out: TextIO = sys.stdout) -> None:
    """Import the demo files in order (nothing when every one was imported before, by checksum)."""
    data = find_shared_data()
    paths = [data / f.path for f in DEMO_FILES]
    done = set(ImportRun.objects.values_list("sha256", flat=True))
    if all(sha256(path) in done for path in paths):
        out.write("demo data already imported\n")
        return
    # Imports are idempotent, so the whole sequence is replayed in order.
    for demo_file, path in zip(DEMO_FILES, paths):
        run = import_file(
            path, date=demo_file.date, area=demo_file.area, user="demo", progress=progress,
            skip_unknown=demo_file.skip_unknown,
        )
        out.write(f"imported {path.name}: {run.rows} rows in {run.seconds:.1f} s\n")
        for warning in filter(None, run.warnings.splitlines()):
            out.write(f"  warning: {warning}\n")
