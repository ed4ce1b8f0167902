"""DuckDB's memory limit and threads: the forms DuckDB reads, errors naming where a bad value came from, the default
share of the machine's memory, the environment, and a connection that has them."""

from __future__ import annotations

import pytest

from pcnhub.analytics import engines, limits

GIB = 2**30


@pytest.fixture
def machine(monkeypatch):
    """A machine of 16 GiB (whatever this one has), no limit in the environment."""
    monkeypatch.setattr(limits, "machine_memory", lambda: 16 * GIB)
    monkeypatch.delenv(limits.MEMORY_LIMIT_ENV, raising=False)
    monkeypatch.delenv(limits.THREADS_ENV, raising=False)


@pytest.mark.parametrize(("text", "size"), [
    ("8GB", 8 * 10**9), ("512MB", 512 * 10**6), ("1.5GiB", int(1.5 * GIB)), ("2 gb", 2 * 10**9), ("100M", 10**8),
    ("4G", 4 * 10**9), ("1TB", 10**12), ("50%", 8 * GIB), ("12.5%", 2 * GIB), ("100%", 16 * GIB),
    ("  3GiB ", 3 * GIB), ("65536KiB", 64 * 2**20),
])
def test_duckdbs_forms_of_a_size(machine, monkeypatch, text, size):
    monkeypatch.setattr(limits, "machine_memory", lambda: 2000 * GIB if "TB" in text else 16 * GIB)
    assert limits.parse_memory(text) == size


@pytest.mark.parametrize(("text", "message"), [
    ("lots", r"--memory-limit: 'lots' is not a memory size \(a number and a unit: 8GB, 512MB, 1.5GiB, or a share"),
    ("8", r"--memory-limit: '8' is not a memory size"),
    ("8PB", r"--memory-limit: '8PB' is not a memory size"),
    ("-1GB", r"--memory-limit: '-1GB' is not a memory size"),
    ("none", r"--memory-limit: 'none' is not a memory size"),
    ("0%", r"--memory-limit: '0%' is not a share of the machine's memory \(above 0% and at most 100%\)"),
    ("150%", r"--memory-limit: '150%' is not a share of the machine's memory"),
    ("10MB", r"--memory-limit: '10MB' is too little memory for DuckDB to run in \(at least 64MiB\)"),
    ("64GB", r"--memory-limit: '64GB' is more than this machine's memory \(16.0 GiB\); DuckDB spills"),
])
def test_a_bad_size_is_named_with_its_option(machine, text, message):
    with pytest.raises(ValueError, match=message):
        limits.parse_memory(text)


def test_the_default_is_half_the_machines_memory_and_the_environment_overrides_it(machine, monkeypatch):
    assert limits.MEMORY_SHARE == 0.5
    assert limits.default_memory_limit() == 8 * GIB
    assert limits.memory_limit() == "8192MiB"
    assert limits.memory_limit("2GB") == "1907MiB"  # DuckDB's own reading: 2 * 10**9 bytes
    monkeypatch.setenv(limits.MEMORY_LIMIT_ENV, "25%")
    assert limits.memory_limit() == "4096MiB"
    assert limits.memory_limit("1GiB") == "1024MiB"  # the option wins over the environment
    monkeypatch.setenv(limits.MEMORY_LIMIT_ENV, "plenty")
    with pytest.raises(ValueError, match=r"^PCNHUB_DUCKDB_MEMORY_LIMIT: 'plenty' is not a memory size"):
        limits.memory_limit()
    assert limits.memory_limit("", environ={}) == "8192MiB"


def test_an_unknown_machine_falls_back_to_2gb_and_refuses_a_share(monkeypatch):
    monkeypatch.setattr(limits, "machine_memory", lambda: None)
    assert limits.default_memory_limit() == 2 * 10**9
    assert limits.parse_memory("64GB") == 64 * 10**9  # nothing to hold it to
    with pytest.raises(ValueError, match="this machine's memory cannot be read; give a size"):
        limits.parse_memory("50%")


def test_the_machines_memory_is_the_smaller_of_physical_and_its_control_groups(monkeypatch, tmp_path):
    assert limits.physical_memory() > 0
    v2, v1 = tmp_path / "memory.max", tmp_path / "memory.limit_in_bytes"
    assert limits.cgroup_memory((v2, v1)) is None  # neither file
    v2.write_text("max\n")
    v1.write_text("9223372036854771712\n")  # cgroup v1's "no limit"
    assert limits.cgroup_memory((v2, v1)) is None
    v1.write_text(f"{4 * GIB}\n")
    assert limits.cgroup_memory((v2, v1)) == 4 * GIB
    monkeypatch.setattr(limits, "physical_memory", lambda: 16 * GIB)
    monkeypatch.setattr(limits, "cgroup_memory", lambda: 4 * GIB)
    assert limits.machine_memory() == 4 * GIB
    monkeypatch.setattr(limits, "cgroup_memory", lambda: None)
    assert limits.machine_memory() == 16 * GIB


def test_threads(machine, monkeypatch):
    assert limits.threads() is None
    assert limits.threads("3") == 3
    monkeypatch.setenv(limits.THREADS_ENV, "1")
    assert limits.threads() == 1 and limits.threads(2) == 2
    for bad, message in (("0", "is not 1 or more threads"), ("two", "is not a whole number of threads")):
        with pytest.raises(ValueError, match=f"^--threads: '{bad}' {message}$"):
            limits.threads(bad)
    monkeypatch.setenv(limits.THREADS_ENV, "many")
    with pytest.raises(ValueError, match="^PCNHUB_DUCKDB_THREADS: 'many' is not a whole number of threads$"):
        limits.threads()


def test_a_connection_has_the_limits(monkeypatch, tmp_path):
    monkeypatch.delenv(limits.MEMORY_LIMIT_ENV, raising=False)
    monkeypatch.delenv(limits.THREADS_ENV, raising=False)
    con = engines.connect("duckdb", memory_limit="512MB", threads=1, temp_directory=tmp_path / "spill")
    try:
        settings = dict(con.raw_sql("SELECT name, value FROM duckdb_settings() WHERE name IN "
                                    "('memory_limit', 'threads', 'temp_directory')").fetchall())
    finally:
        engines.close(con)
    assert settings == {"memory_limit": "488.0 MiB", "threads": "1", "temp_directory": str(tmp_path / "spill")}
    con = engines.connect("duckdb")  # the default: half of this machine's memory, every core
    try:
        [(limit,)] = con.raw_sql("SELECT current_setting('memory_limit')").fetchall()
    finally:
        engines.close(con)
    assert limits.memory_limit() == f"{limits.default_memory_limit() // 2**20}MiB"
    assert abs(float(limit.split()[0]) * (2**30 if "GiB" in limit else 2**20) - limits.default_memory_limit()) < 2**28
    with pytest.raises(ValueError, match="--memory-limit: 'a lot' is not a memory size"):
        engines.connect("duckdb", memory_limit="a lot")
