"""Benchmark the main pages on the demo: median time and SQL queries per page and role.

    PCNHUB_HOME=/tmp/pcnhub-demo .venv/bin/pcnhub demo        # once
    PCNHUB_HOME=/tmp/pcnhub-demo .venv/bin/python bench/pages.py [--repeat 5] [--only designer,landscape]

Uses Django's test Client signed in as each demo user (icb, pcn, practice, analyst) against the
database of ``PCNHUB_HOME`` (or ``DATABASE_URL``), with the default cache cleared before each page so
that the first request is a cold one. Each page is requested ``--repeat`` times; it prints JSON: per
role and page the status, the first (cold) request's milliseconds and queries, and the median
milliseconds and queries of the requests after it (warm, e.g. a cached proposal). The designer's
largest area is the ICB with the most practices (QOP, Greater Manchester, 470 in the demo); analysts are
shown its landscape and designer too.

``--duckdb`` measures what reading the engines' Parquet outputs costs the population health and measures pages
(``--only phm,phm-pcn,phm-area,worklist,measures-pcn`` for those): every request is cold (the cache cleared before
it, so each reads its figures from the files), and the requests alternate between the reads as they were (a DuckDB
connection opened for each query, ``_query`` of ``phm.services``, ``measures.services`` and ``finance.iif.query``
replaced) and as they are (the process's one reader, :func:`pcnhub.analytics.outputs.shared_reader`); it adds per
page the median milliseconds of each (``per_query_ms``, ``shared_ms``) and of the time inside the reads
(``reading_...``; the rest is the page's own: template, register, cache), the DuckDB reads a request and the
databases opened.

    PCNHUB_HOME=/tmp/pcnhub-demo .venv/bin/python bench/pages.py --duckdb --repeat 15 \
        --only phm,phm-pcn,phm-area,worklist,measures-pcn
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time


def _pages(role: str, codes: dict[str, str]) -> list[tuple[str, str]]:
    icb, pcn, practice, largest = codes["icb"], codes["pcn"], codes["practice"], codes["largest"]
    common = [
        ("home", "/"),
        ("pcn", f"/pcn/{pcn}/"),
        ("practice", f"/practice/{practice}/"),
        ("search", "/search/?q=surgery"),
        ("maturity", "/maturity/"),
        ("maturity-pcn", f"/maturity/pcn/{pcn}/"),
        ("phm", "/phm/"),
        ("phm-pcn", f"/phm/pcn/{pcn}/"),
        ("measures-pcn", f"/measures/pcn/{pcn}/"),
        ("api-organisations", "/api/organisations"),
        ("api-pcn", f"/api/pcns/{pcn}"),
    ]
    if role != "practice":
        common += [("pcn-money", f"/finance/pcn/{pcn}/")]
    if role in ("icb", "analyst"):
        common += [
            ("landscape", f"/landscape/?area={icb}"),
            ("icb-money", f"/finance/area/{icb}/"),
            ("maturity-area", f"/maturity/area/{icb}/"),
            ("phm-area", f"/phm/area/{icb}/"),
            ("api-landscape", f"/api/landscape?area={icb}"),
            ("api-icb-entitlements", f"/api/finance/areas/{icb}/entitlements"),
            ("designer", f"/design/{icb}/"),
            ("api-design", f"/api/design/areas/{icb}"),
        ]
    if role == "analyst":
        common += [
            ("england-money", "/finance/"),
            ("landscape-largest", f"/landscape/?area={largest}"),
            ("designer-largest", f"/design/{largest}/"),
        ]
    if role == "pcn":
        common += [("worklist", f"/phm/pcn/{pcn}/cohort/smr/")]
    return common


class PerQueryConnections:
    """The pages' reads as they were: a new in-memory DuckDB connection for every query (``--duckdb``)."""

    def __init__(self) -> None:
        from pcnhub.finance import iif
        from pcnhub.measures import services as measures
        from pcnhub.phm import services as phm

        self.targets = [(phm, "_query"), (measures, "_query"), (iif, "query")]
        self.shared = {(module, name): getattr(module, name) for module, name in self.targets}
        self.reads = 0
        self.seconds = 0.0

    @staticmethod
    def _connect_and_query(sql, params):
        import duckdb

        con = duckdb.connect()
        try:
            return con.execute(sql, params).fetchall()
        finally:
            con.close()

    def use(self, old: bool) -> None:
        """Reads as they were (``old``) or through the shared reader; each counted."""
        for module, name in self.targets:
            shared = self.shared[(module, name)]
            if name == "query":  # finance.iif.query(path, sql, params)
                def read(path, sql, params, shared=shared):
                    return self._timed(lambda: self._connect_and_query(sql, [str(path), *params]) if old
                                       else shared(path, sql, params))
            else:
                def read(sql, params, shared=shared):
                    return self._timed(lambda: self._connect_and_query(sql, params) if old else shared(sql, params))
            setattr(module, name, read)

    def _timed(self, query):
        self.reads += 1
        started = time.perf_counter()
        try:
            return query()
        finally:
            self.seconds += time.perf_counter() - started


def _duckdb_page(client, url: str, repeat: int, reads: PerQueryConnections, cache) -> dict:
    """``repeat`` cold requests of ``url`` each way, alternating; the medians and the reads of one."""
    from pcnhub.analytics import outputs

    times: dict[bool, list[float]] = {True: [], False: []}
    counts: dict[bool, list[int]] = {True: [], False: []}
    reading: dict[bool, list[float]] = {True: [], False: []}
    reader = outputs.shared_reader()
    opened = reader.opened
    status = None
    for k in range(2 * repeat + 1):
        old = k % 2 == 1
        reads.use(old)
        cache.clear()
        before, seconds = reads.reads, reads.seconds
        start = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
        status = response.status_code
        if k:  # the first, shared, request opens the reader's database: not counted
            times[old].append(elapsed)
            counts[old].append(reads.reads - before)
            reading[old].append((reads.seconds - seconds) * 1000)
    reads.use(False)
    return {
        "status": status,
        "per_query_ms": round(statistics.median(times[True]), 1),
        "shared_ms": round(statistics.median(times[False]), 1),
        "saved_ms": round(statistics.median(times[True]) - statistics.median(times[False]), 1),
        "duckdb_reads": int(statistics.median(counts[False])),
        # the time inside the reads; the rest is the page's own (its template, the register, the cache)
        "reading_per_query_ms": round(statistics.median(reading[True]), 1),
        "reading_shared_ms": round(statistics.median(reading[False]), 1),
        "databases_opened_shared": outputs.shared_reader().opened - opened,
        "databases_opened_per_query": sum(counts[True]),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated page names")
    parser.add_argument("--roles", default="icb,pcn,practice,analyst")
    parser.add_argument("--duckdb", action="store_true",
                        help="cold requests, alternating per-query DuckDB connections and the shared reader")
    args = parser.parse_args()
    import logging

    from pcnhub.cli.django import setup_database

    setup_database()  # the settings, migrations and the cache table
    logging.disable(logging.WARNING)  # the 403s of pages a role may not see
    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from pcnhub.accounts.models import Profile
    from pcnhub.register import services as register
    from pcnhub.register.models import Organisation, OrgKind

    setup_test_environment()
    profiles = {p.user.username: p for p in Profile.objects.select_related("user", "organisation")}
    missing = [r for r in ("icb", "pcn", "practice") if r not in profiles]
    if missing:
        print(f"no demo users {missing}: run `pcnhub demo` with this PCNHUB_HOME first", file=sys.stderr)
        return 2
    icbs = list(Organisation.objects.filter(kind=OrgKind.ICB))
    if hasattr(register, "area_member_counts"):
        counts = register.area_member_counts(icbs, register.latest_data_date())
        largest = max(icbs, key=lambda a: counts[a.pk][1], default=None)
    else:  # an older tree (for before-and-after figures): the ICB with the most sub-ICB locations
        largest = (Organisation.objects.filter(kind=OrgKind.ICB)
                   .annotate(n=Count("child_links")).order_by("-n").first())
    codes = {"icb": profiles["icb"].organisation.code, "pcn": profiles["pcn"].organisation.code,
             "practice": profiles["practice"].organisation.code, "largest": largest.code if largest else ""}
    only = {n for n in args.only.split(",") if n}
    out: dict = {"codes": codes, "repeat": args.repeat, "database": connection.vendor, "pages": {}}
    reads = PerQueryConnections() if args.duckdb else None
    for role in args.roles.split(","):
        client = Client()
        client.force_login(profiles[role].user)
        for name, url in _pages(role, codes):
            if only and name not in only:
                continue
            if reads is not None:
                found = out["pages"][f"{role} {name}"] = {"url": url, **_duckdb_page(client, url, args.repeat, reads,
                                                                                      cache)}
                print(f"{role:9} {name:22} {found['status']} per-query connections {found['per_query_ms']:8.1f} ms "
                      f"({found['reading_per_query_ms']:.1f} reading) | shared reader {found['shared_ms']:8.1f} ms "
                      f"({found['reading_shared_ms']:.1f} reading) | {found['duckdb_reads']} reads", file=sys.stderr)
                continue
            cache.clear()
            times, queries, status = [], [], None
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - start) * 1000)
                queries.append(len(ctx.captured_queries))
                status = response.status_code
            warm_t, warm_q = times[1:] or times, queries[1:] or queries
            out["pages"][f"{role} {name}"] = {
                "url": url, "status": status,
                "cold_ms": round(times[0], 1), "cold_queries": queries[0],
                "median_ms": round(statistics.median(warm_t), 1), "queries": int(statistics.median(warm_q)),
            }
            print(f"{role:9} {name:22} {status} cold {times[0]:8.1f} ms {queries[0]:4} q | "
                  f"warm {statistics.median(warm_t):8.1f} ms {statistics.median(warm_q):4.0f} q", file=sys.stderr)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
