"""Benchmark: the production web server under load, with the demo (national register and demo patients).

    .venv/bin/python bench/web_load.py [--users 50] [--seconds 60] [--think-ms 1000] [--saturate]
                                       [--workers N] [--threads N] [--home DIR]

Builds a PCNHUB_HOME with ``pcnhub demo`` (or reuses ``--home`` / ``$PCNHUB_HOME`` when it holds a
database; SQLite unless ``DATABASE_URL`` says otherwise), starts ``pcnhub serve --production`` on a free
port (a generated secret key, ``PCNHUB_SSL_REDIRECT=0``, allowed host 127.0.0.1), signs in once as each
demo role through the login form (CSRF token and all), checks every URL of the mix answers 200 for its
role, then runs ``--users`` simulated users for ``--seconds``: each user has a role (in turn: icb, pcn,
practice, analyst, admin), picks a request of its role's mix (landing page, PCN and practice pages, PCN
money, the ICB landscape and money, organisation lists, maturity, population health dashboards and the
pcn user's worklists, API lists and details), waits for the answer, then thinks for a random time of up
to twice ``--think-ms`` (mean ``--think-ms``); ``--saturate`` drops the think time.  The designer's pages
are left out: each runs the proposer for up to ``PCNHUB_DESIGN_SECONDS``.

The client is plain asyncio (HTTP/1.1 with keep-alive, one connection a user), so the benchmark needs
nothing beyond the standard library.  Prints JSON: requests, errors by status, throughput, latency
(p50, p95, p99, max, in milliseconds) overall and per kind of page, the server's workers and threads,
the machine's cores, and the server's peak resident memory (master and workers, sampled every 0.2 s).
Exit status 1 if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO_PASSWORD = "pcnhub-demo"
ROLES = ("icb", "pcn", "practice", "analyst", "admin")
#: The demo's organisations (pcnhub.webapp.demo): the ICB, PCN and practice of the demo users.
ICB, PCN, PRACTICE = "QH8", "U27924", "F81001"
#: Another PCN of the demo ICB, with network money and maturity demo data.
OTHER_PCN = "U84454"
YEAR = "2024/25"

#: (kind, url, weight) for every role: what each role's users look at, and how often.
PAGES = [("home", "/", 3), ("pcn", f"/pcn/{PCN}/", 3), ("practice", f"/practice/{PRACTICE}/", 2),
         ("search", "/search/?q=surgery", 1)]
API_COMMON = [("api-me", "/api/me", 1), ("api-organisations", "/api/organisations?kind=pcn&limit=50", 2),
              ("api-organisation", f"/api/organisations/{PRACTICE}", 2), ("api-pcn", f"/api/pcns/{PCN}", 2),
              ("api-memberships", f"/api/pcns/{PCN}/memberships", 1)]
MONEY_PCN = [("money-pcn", f"/finance/pcn/{PCN}/", 3),
             ("api-entitlements", f"/api/finance/pcns/{PCN}/entitlements?year={urllib.parse.quote(YEAR)}", 2)]
AREA = [("landscape", f"/landscape/?area={ICB}", 3), ("money-area", f"/finance/area/{ICB}/", 2),
        ("maturity-area", f"/maturity/area/{ICB}/", 1), ("phm-area", f"/phm/area/{ICB}/", 1),
        ("api-landscape", f"/api/landscape?area={ICB}", 1),
        ("api-area-entitlements", f"/api/finance/areas/{ICB}/entitlements?year={urllib.parse.quote(YEAR)}", 1),
        ("api-heatmap", f"/api/maturity/areas/{ICB}/heatmap", 1)]
NETWORK = [("maturity-pcn", f"/maturity/pcn/{PCN}/", 2), ("phm-pcn", f"/phm/pcn/{PCN}/", 2),
           ("api-maturity-score", f"/api/maturity/pcns/{PCN}/score", 1),
           ("api-phm-aggregates", f"/api/phm/pcns/{PCN}/aggregates", 1)]
MIX = {
    "icb": PAGES + API_COMMON + MONEY_PCN + AREA + NETWORK + [("pcn", f"/pcn/{OTHER_PCN}/", 1)],
    "pcn": PAGES + API_COMMON + MONEY_PCN + NETWORK + [
        ("arrs-plan", f"/finance/pcn/{PCN}/arrs/", 1), ("phm-worklist", f"/phm/pcn/{PCN}/cohort/smr/", 2),
        ("phm-worklist", f"/phm/pcn/{PCN}/cohort/care_home/", 1)],
    "practice": PAGES + API_COMMON + [("phm-practice", f"/phm/practice/{PRACTICE}/", 2),
                                      ("api-phm-practice", f"/api/phm/practices/{PRACTICE}/aggregates", 1)],
    "analyst": PAGES + API_COMMON + MONEY_PCN + AREA + NETWORK + [("landscape", "/landscape/", 1),
                                                                  ("money-england", "/finance/", 1)],
    "admin": PAGES + API_COMMON + MONEY_PCN + AREA + NETWORK + [("phm-audit", "/phm/audit/", 1)],
}
#: Samples of the server's memory a second.
MEMORY_SAMPLES_PER_SECOND = 5
#: The longest wait for the server to answer, including its first collectstatic (about a minute on two cores).
START_SECONDS = 300
REQUEST_TIMEOUT_SECONDS = 60
QUANTILES = (50, 95, 99)
#: Each URL of the mix is requested this many times, one after another, before the run (its CPU cost).
CPU_REPEATS = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--think-ms", type=float, default=1000, help="mean think time between requests")
    parser.add_argument("--saturate", action="store_true", help="no think time: as many requests as served")
    parser.add_argument("--workers", type=int, default=None, help="server workers (default the server's)")
    parser.add_argument("--threads", type=int, default=None, help="threads per worker (default the server's)")
    parser.add_argument("--home", type=Path, default=None, help="PCNHUB_HOME to reuse (default a new one)")
    args = parser.parse_args(argv)
    think = 0.0 if args.saturate else args.think_ms / 1000
    home = args.home or (Path(os.environ["PCNHUB_HOME"]) if os.environ.get("PCNHUB_HOME") else None)
    with tempfile.TemporaryDirectory(prefix="pcnhub-web-load-") as scratch:
        home = home or Path(scratch) / "home"
        env = server_env(home)
        demo_seconds = build_demo(env)
        port = free_port()
        log = Path(scratch) / "server.log"
        command = [sys.executable, "-m", "pcnhub", "serve", "--production", f"127.0.0.1:{port}"]
        command += ["--workers", str(args.workers)] if args.workers else []
        command += ["--threads", str(args.threads)] if args.threads else []
        with log.open("w") as log_file:
            server = subprocess.Popen(command, env=env, cwd=REPO, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            started = time.perf_counter()
            wait_for_port(port, server, log)
            start_seconds = time.perf_counter() - started
            report = asyncio.run(load(port, server.pid, args.users, args.seconds, think))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        report = {
            "database": "postgresql" if env.get("DATABASE_URL", "").startswith("postgres") else "sqlite",
            "users": args.users, "seconds": args.seconds, "think_ms_mean": think * 1000,
            "saturate": args.saturate, "cores": os.cpu_count(),
            **server_shape(log), "demo_seconds": demo_seconds, "server_start_seconds": round(start_seconds, 1),
            **report,
        }
    print(json.dumps(report, indent=2))
    return 0 if not report["errors"] else 1


def server_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PCNHUB_DEBUG")}
    env.update(PCNHUB_HOME=str(home), PCNHUB_SECRET_KEY=secrets.token_urlsafe(50),
               PCNHUB_ALLOWED_HOSTS="127.0.0.1", PCNHUB_SSL_REDIRECT="0",
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO / "src"), env.get("PYTHONPATH")])))
    return env


def build_demo(env: dict[str, str]) -> float | None:
    """``pcnhub demo`` into the home unless it holds a database already; its seconds (None if reused)."""
    home = Path(env["PCNHUB_HOME"])
    if (home / "pcnhub.sqlite3").exists() or env.get("DATABASE_URL", "").startswith("postgres") and (
            home / "phm" / "output").exists():
        return None
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pcnhub", "demo", "--quiet"], env=env, cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL)
    return round(time.perf_counter() - started, 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer in {START_SECONDS} s")


def server_shape(log: Path) -> dict[str, int | None]:
    """Workers and threads, from gunicorn's start-up lines."""
    text = log.read_text()
    workers = len(set(re.findall(r"Booting worker with pid: (\d+)", text)))
    threads = re.search(r"Using worker: (\w+)", text)
    return {"server_workers_booted": workers, "server_worker_class": threads.group(1) if threads else None}


# The client: one HTTP/1.1 connection per simulated user, kept alive.

@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]
    body: bytes


@dataclass
class Connection:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Response:
        for attempt in (1, 2):  # a kept-alive connection the server closed meanwhile is opened again, once
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
            try:
                return await asyncio.wait_for(self._exchange(method, path, form), REQUEST_TIMEOUT_SECONDS)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _exchange(self, method: str, path: str, form: dict[str, str] | None) -> Response:
        body = urllib.parse.urlencode(form).encode() if form is not None else b""
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", "Connection: keep-alive",
                 "Accept-Encoding: identity", f"Content-Length: {len(body)}"]
        if form is not None:
            lines.append("Content-Type: application/x-www-form-urlencoded")
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readuntil(b"\r\n")
        if not status_line:
            raise ConnectionError("closed")
        status = int(status_line.split()[1])
        headers: dict[str, list[str]] = defaultdict(list)
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()].append(value.strip())
        if "chunked" in ",".join(headers.get("transfer-encoding", [])):
            chunks = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            await self.reader.readuntil(b"\r\n")
            content = b"".join(chunks)
        else:
            content = await self.reader.readexactly(int(headers.get("content-length", ["0"])[0]))
        for cookie in headers.get("set-cookie", []):
            name, _, rest = cookie.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        if "close" in ",".join(headers.get("connection", [])).lower():
            await self.close()
        return Response(status, headers, content)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except (ConnectionError, OSError):
                pass
        self.reader = self.writer = None


async def sign_in(port: int, username: str) -> dict[str, str]:
    """The session cookies of a demo user, signed in through the login form with its CSRF token."""
    connection = Connection(port)
    page = await connection.request("GET", "/accounts/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body).group(1).decode()
    done = await connection.request("POST", "/accounts/login/", {
        "username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token})
    await connection.close()
    if done.status != 302 or "sessionid" not in connection.cookies:
        raise SystemExit(f"could not sign in as {username}: {done.status}")
    return dict(connection.cookies)


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_urls: dict[str, int] = field(default_factory=lambda: defaultdict(int))


async def user(number: int, port: int, cookies: dict[str, str], mix, think: float, until: float,
               results: Results) -> None:
    rng = random.Random(number)
    connection = Connection(port, dict(cookies))
    kinds, urls, weights = zip(*mix)
    if think:
        await asyncio.sleep(rng.uniform(0, 2 * think))  # users arrive spread over one think time
    while time.monotonic() < until:
        index = rng.choices(range(len(urls)), weights)[0]
        started = time.perf_counter()
        try:
            response = await connection.request("GET", urls[index])
            status = str(response.status)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as exc:
            status = type(exc).__name__
        elapsed = time.perf_counter() - started
        if status == "200":
            results.latencies[kinds[index]].append(elapsed)
        else:
            results.errors[status] += 1
            results.error_urls[f"{status} {urls[index]}"] += 1
        if think:
            await asyncio.sleep(rng.uniform(0, 2 * think))
    await connection.close()


async def load(port: int, server_pid: int, users: int, seconds: float, think: float) -> dict:
    sessions = {role: await sign_in(port, role) for role in ROLES}
    unanswered, cpu_by_kind = await check_mix(port, server_pid, sessions, CPU_REPEATS)
    results = Results()
    cpu_before, load_before = tree_cpu(server_pid), os.getloadavg()[0]
    peak = [0]
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(server_pid, peak, stop))
    started = time.perf_counter()
    until = time.monotonic() + seconds
    await asyncio.gather(*(
        user(n, port, sessions[ROLES[n % len(ROLES)]], MIX[ROLES[n % len(ROLES)]], think, until, results)
        for n in range(users)))
    elapsed = time.perf_counter() - started
    cpu_used, load_after = tree_cpu(server_pid) - cpu_before, os.getloadavg()[0]
    stop.set()
    await sampler
    every = [t for times in results.latencies.values() for t in times]
    answered = len(every) + sum(results.errors.values())
    return {
        "requests": answered,
        "errors": dict(results.errors),
        "error_urls": dict(results.error_urls),
        "mix_not_200_before_the_run": unanswered,
        "requests_per_second": round(answered / elapsed, 1),
        "latency_ms": summary(every),
        "latency_ms_by_kind": {kind: summary(times) for kind, times in
                               sorted(results.latencies.items(), key=lambda item: -quantile(item[1], 95))},
        "server_peak_rss_mb": round(peak[0] / 2**20),
        "server_cpu_ms_per_request": round(cpu_used * 1000 / max(answered, 1), 1),
        "server_cpu_share": round(cpu_used / elapsed / (os.cpu_count() or 1), 2),
        "load_average_1min_before_after": [load_before, load_after],
        "server_cpu_ms_by_kind_alone": cpu_by_kind,
    }


async def check_mix(port: int, server_pid: int, sessions: dict[str, dict[str, str]],
                    repeats: int) -> tuple[dict[str, int], dict[str, float]]:
    """Every URL of every role's mix, ``repeats`` times one after another (this also warms the workers):
    those not answered 200, and the server's CPU time per request of each kind in milliseconds, which,
    unlike the time taken, does not depend on what else the machine is doing."""
    wrong, cpu = {}, defaultdict(list)
    for role, mix in MIX.items():
        connection = Connection(port, dict(sessions[role]))
        for kind, url, _ in mix:
            for _ in range(repeats):
                before = tree_cpu(server_pid)
                response = await connection.request("GET", url)
                cpu[kind].append(tree_cpu(server_pid) - before)
                if response.status != 200:
                    wrong[f"{role} {url}"] = response.status
        await connection.close()
    by_kind = {kind: round(statistics.median(times) * 1000) for kind, times in cpu.items()}
    return wrong, dict(sorted(by_kind.items(), key=lambda item: -item[1]))


def quantile(times: list[float], q: int) -> float:
    if len(times) < 2:
        return times[0] if times else 0.0
    return statistics.quantiles(times, n=100, method="inclusive")[q - 1]


def summary(times: list[float]) -> dict[str, float | int]:
    return {"n": len(times), **{f"p{q}": round(quantile(times, q) * 1000, 1) for q in QUANTILES},
            "max": round(max(times, default=0) * 1000, 1)}


async def sample_memory(pid: int, peak: list[int], stop: asyncio.Event) -> None:
    while not stop.is_set():
        peak[0] = max(peak[0], tree_rss(pid))
        try:
            await asyncio.wait_for(stop.wait(), 1 / MEMORY_SAMPLES_PER_SECOND)
        except asyncio.TimeoutError:
            pass


def tree_rss(root: int) -> int:
    return tree_usage(root)[0]


def tree_cpu(root: int) -> float:
    return tree_usage(root)[1]


def tree_usage(root: int) -> tuple[int, float]:
    """Resident memory (bytes) and CPU time (user and system, seconds) of a process and all its descendants
    (Linux /proc): the server's master and workers."""
    parents: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents[ppid].append(int(entry.name))
    rss, ticks, todo = 0, 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(parents.get(pid, []))
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
            rss += int(fields[21]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            continue
    return rss, ticks / CLOCK_TICKS


PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    sys.exit(main())
