"""The patient-months where a table condition holds (``compile._flag_table`` and ``compile.latest_values``), on
DuckDB and Spark: hand-made edge cases of the windows (the day a month earlier is clamped to, codes before the
first month measured, a condition resolved and recorded again, two readings in a month) with hand-computed
months, and random records checked against a plain-Python reading of the README's rules."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from pcnhub.analytics import engines
from pcnhub.analytics.measures import compile as compiler
from pcnhub.analytics.pipeline.codes import months_before
from pcnhub.reference import codelists as cl
from pcnhub.reference.measures import Condition
from tests.analytics.spec.dataset import Builder, code_of, flag_code, write

D = dt.date
#: January to June 2024.
PERIODS = compiler.months(D(2024, 6, 30), 6)
JAN, FEB, MAR, APR, MAY, JUN = (m.start for m in PERIODS)
HYPERTENSION, RESOLVED, SBP = code_of("hypertension"), code_of("hypertension-resolved"), flag_code("systolic-bp")
EVER_UNRESOLVED = Condition("events", codelists=("hypertension",), resolved_by="hypertension-resolved")
EVER = Condition("events", codelists=("hypertension",))
WITHIN_6 = Condition("events", codelists=("hypertension",), within_months=6)
NSAID_3 = Condition("medications", codelists=("nsaids",), within_months=3)


def _months(table, con) -> dict[int, set[dt.date]]:
    found: dict[int, set[dt.date]] = {}
    for row in engines.to_arrow(con, table).to_pylist():
        found.setdefault(row["patient_id"], set()).add(row["month"])
    return found


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    b = Builder()
    # the window of 30 June (6 months) starts after 30 December: 31 December is in it, 30 December is not
    tail = b.patient("tail", age=50)
    b.event(tail, HYPERTENSION, D(2023, 12, 31))
    before = b.patient("before", age=50)
    b.event(before, HYPERTENSION, D(2023, 12, 30))
    # ever: a code years before the first month holds in every month; one in March from March on
    old, march = b.patient("old", age=50), b.patient("march", age=50)
    b.event(old, HYPERTENSION, D(2001, 5, 5))
    b.event(march, HYPERTENSION, D(2024, 3, 31))
    b.event(march, HYPERTENSION, D(2024, 5, 1))  # a second code changes nothing
    # resolved in February, recorded again in April; resolved the same month it was recorded (May)
    again = b.patient("again", age=50)
    b.event(again, HYPERTENSION, D(2019, 1, 1))
    b.event(again, RESOLVED, D(2024, 2, 10))
    b.event(again, HYPERTENSION, D(2024, 4, 2))
    b.event(again, RESOLVED, D(2024, 5, 20))
    # resolved before the first month, recorded again after it in a later month than the resolution
    late = b.patient("late", age=50)
    b.event(late, HYPERTENSION, D(2015, 1, 1))
    b.event(late, RESOLVED, D(2016, 1, 1))
    b.event(late, HYPERTENSION, D(2024, 6, 30))
    # readings: two in February (the later day's counts), none from April (3 months: February's leaves
    # after May), the highest of a day
    bp = b.patient("bp", age=60)
    b.event(bp, SBP, D(2024, 2, 3), 160.0)
    b.event(bp, SBP, D(2024, 2, 20), 130.0)
    b.event(bp, SBP, D(2024, 6, 1), 120.0)
    b.event(bp, SBP, D(2024, 6, 1), 125.0)
    # a prescription of 30 March is in the 3-month windows of March, April, May and June (window of 30 June
    # starts after 30 March: out), one of 31 March also in June's
    nsaid = b.patient("nsaid", age=70)
    b.medicine(nsaid, "naproxen-500", D(2024, 3, 30))
    nsaid_31 = b.patient("nsaid_31", age=70)
    b.medicine(nsaid_31, "naproxen-500", D(2024, 3, 31))
    b.medicine(nsaid_31, "naproxen-500", D(2024, 7, 1))  # after the last month: nothing
    folder = tmp_path_factory.mktemp("windows")
    return write(folder / "data", b.tables()), b.names


@pytest.fixture(scope="module")
def flags(cases, backend):
    data, names = cases
    tables = engines.load_tables(backend, data)

    def months_of(condition: Condition) -> dict[str, set[dt.date]]:
        found = _months(compiler._flag_table(condition, tables, PERIODS), backend)
        return {name: found.get(pid, set()) for name, pid in names.items()}

    return months_of, tables


def test_the_window_starts_after_the_clamped_day(flags):
    months_of, _ = flags
    found = months_of(WITHIN_6)
    assert found["tail"] == {JAN, FEB, MAR, APR, MAY, JUN}
    assert found["before"] == {JAN, FEB, MAR, APR, MAY}


def test_ever_holds_from_the_month_of_the_first_code(flags):
    months_of, _ = flags
    found = months_of(EVER)
    assert found["old"] == {JAN, FEB, MAR, APR, MAY, JUN}
    assert found["march"] == {MAR, APR, MAY, JUN}
    assert found["again"] == {JAN, FEB, MAR, APR, MAY, JUN}


def test_resolved_and_recorded_again(flags):
    months_of, _ = flags
    found = months_of(EVER_UNRESOLVED)
    assert found["again"] == {JAN, APR}
    assert found["late"] == {JUN}
    assert found["old"] == {JAN, FEB, MAR, APR, MAY, JUN}
    assert found["march"] == {MAR, APR, MAY, JUN}


def test_prescriptions_within_three_months(flags):
    months_of, _ = flags
    found = months_of(NSAID_3)
    assert found["nsaid"] == {MAR, APR, MAY}
    assert found["nsaid_31"] == {MAR, APR, MAY, JUN}


def test_the_latest_reading_of_each_window(cases, flags, backend):
    _, tables = flags
    _, names = cases
    rows = engines.to_arrow(backend, compiler.latest_values("systolic-bp", 3, tables, PERIODS)).to_pylist()
    found = {r["month"]: r["value"] for r in rows if r["patient_id"] == names["bp"]}
    assert found == {FEB: 130.0, MAR: 130.0, APR: 130.0, JUN: 125.0}


# --- random records against a plain-Python reading of the rules ------------------------------------------


def _random_dataset(folder: Path, seed: int) -> tuple[Path, dict]:
    rng = random.Random(seed)
    b = Builder()
    naproxen = cl.medicine("naproxen-500")
    first = D(2022, 6, 1)
    span = (D(2024, 8, 31) - first).days
    for n in range(40):
        pid = b.patient(f"p{n}", age=rng.randint(20, 90))
        for _ in range(rng.randint(0, 6)):
            code = rng.choice([HYPERTENSION, HYPERTENSION, RESOLVED])
            b.event(pid, code, first + dt.timedelta(days=rng.randint(0, span)))
        for _ in range(rng.randint(0, 5)):
            day = first + dt.timedelta(days=rng.randint(0, span))
            b.event(pid, SBP, day, float(rng.randint(110, 170)))
            if rng.random() < 0.3:
                b.event(pid, SBP, day, float(rng.randint(110, 170)))
        for _ in range(rng.randint(0, 4)):
            b.prescription(pid, naproxen.dmd_code, naproxen.bnf_code, first + dt.timedelta(days=rng.randint(0, span)),
                           rng.random() < 0.7)
    return write(folder, b.tables()), b.rows


def _oracle(rows: dict, condition: Condition | None, within: int | None = None) -> dict:
    """The README's rules read literally: for each month, the records dated in its window."""
    found: dict = {}
    hypertension, resolved = cl.codelist("hypertension").codes, cl.codelist("hypertension-resolved").codes
    for month in PERIODS:
        def window(day: dt.date, months: int | None) -> bool:
            return day <= month.end and (months is None or day > months_before(month.end, months))

        for pid in {p["patient_id"] for p in rows["patients"]}:
            events = [e for e in rows["events"] if e["patient_id"] == pid]
            if condition is None:  # the latest systolic reading within `within` months, the day's highest
                readings = [e for e in events if e["code"] == SBP and window(e["date"], within)]
                if readings:
                    day = max(e["date"] for e in readings)
                    found[pid, month.start] = max(e["value"] for e in readings if e["date"] == day)
                continue
            if condition.kind == "medications":
                held = any(m["patient_id"] == pid and window(m["date"], condition.within_months)
                           for m in rows["medications"])
            else:
                coded = [e["date"] for e in events if e["code"] in hypertension
                         and window(e["date"], condition.within_months)]
                ended = [e["date"] for e in events if e["code"] in resolved and window(e["date"], None)]
                held = bool(coded) and (condition.resolved_by is None or not ended or max(ended) < max(coded))
            if held:
                found.setdefault(pid, set()).add(month.start)
    return found


@pytest.mark.parametrize("seed", [1, 2])
def test_random_records_agree_with_the_rules(backend, tmp_path, seed):
    data, rows = _random_dataset(tmp_path / "data", seed)
    tables = engines.load_tables(backend, data)
    for condition in (EVER, EVER_UNRESOLVED, WITHIN_6, NSAID_3,
                      Condition("events", codelists=("hypertension",), within_months=2)):
        assert _months(compiler._flag_table(condition, tables, PERIODS), backend) == _oracle(rows, condition), condition
    by_index = {m.index: m.start for m in PERIODS}
    for condition in (EVER, EVER_UNRESOLVED, WITHIN_6, NSAID_3, Condition("events", codelists=("hypertension",),
                                                                           within_months=2)):
        # the same months as spans (compile._spans: a few rows a patient), which do not overlap
        assert compiler.spannable(condition)
        spans = engines.to_arrow(backend, compiler._spans(condition, tables, PERIODS)).to_pylist()
        months: dict[int, list[dt.date]] = {}
        for span in spans:
            assert by_index[span["_lo"]] and by_index[span["_hi"]] and span["_lo"] <= span["_hi"]
            months.setdefault(span["patient_id"], []).extend(by_index[i] for i in range(span["_lo"], span["_hi"] + 1))
        assert all(len(found) == len(set(found)) for found in months.values()), condition
        assert {pid: set(found) for pid, found in months.items()} == _oracle(rows, condition), condition
    for within in (3, None):
        got = {(r["patient_id"], r["month"]): r["value"]
               for r in engines.to_arrow(backend, compiler.latest_values("systolic-bp", within, tables,
                                                                          PERIODS)).to_pylist()}
        assert got == _oracle(rows, None, within)


# --- patients counted by age, sex and care home without patient-months ------------------------------------


@pytest.mark.parametrize("where", [
    (Condition("sex", value="F"), Condition("age", minimum=25, maximum=50)),
    (Condition("age", minimum=65),),
    (Condition("care_home"), Condition("age", minimum=18)),
    (Condition("sex", value="M", negate=True), Condition("care_home", negate=True)),
    (Condition("age", minimum=18), Condition("age", minimum=0, maximum=80)),
])
def test_patients_by_age_sex_and_care_home_as_month_spans(backend, tmp_path, where):
    """``_demographic_sums`` (a span of months per patient) against the patient-months it replaces, on patients
    registering and leaving on first, middle and last days of months around the months measured."""
    rng = random.Random(7)
    b = Builder()
    days = [D(2023, 12, 31), D(2024, 1, 1), D(2024, 2, 29), D(2024, 3, 15), D(2024, 4, 30), D(2024, 6, 29),
            D(2024, 6, 30), D(2024, 7, 1)]
    for n in range(300):
        left = rng.choice([None, None, *days])
        joined = rng.choice([D(2010, 1, 1), *[d for d in days if left is None or d <= left]])
        b.patient(f"p{n}", age=rng.choice([17, 18, 24, 25, 49, 50, 64, 65, 79, 80, 81]), sex=rng.choice("FM"),
                  practice=rng.choice(["A00001", "A00002"]), care_home=rng.random() < 0.3, registered_from=joined,
                  registered_to=left, months_to_birthday=rng.randint(-11, 11))
    tables = engines.load_tables(backend, write(tmp_path / "data", b.tables()))
    got = engines.to_arrow(backend, compiler._demographic_sums(where, tables["patients"], PERIODS, "n")).to_pylist()
    base = compiler.patient_months(tables["patients"], PERIODS)
    held = compiler._Compiler(compiler.flag_source(tables, PERIODS)).all_of(base, where)
    chosen = base.filter(held)
    expected = engines.to_arrow(backend, chosen.group_by("practice_code", "month").aggregate(n=chosen.count()))
    assert {(r["practice_code"], r["month"]): r["n"] for r in got} == {
        (r["practice_code"], r["month"]): r["n"] for r in expected.to_pylist()}
    assert len(got) > 6
    # the registration months kept once for a run (compile.registration, written and read again) count the same
    kept = engines.materialise(backend, compiler.registration(tables["patients"]), tmp_path / "registration.parquet")
    assert compiler.registration(kept) is kept
    again = engines.to_arrow(backend, compiler._demographic_sums(where, kept, PERIODS, "n")).to_pylist()
    assert sorted(again, key=str) == sorted(got, key=str)
    months = compiler.patient_months(kept, PERIODS)
    assert engines.to_arrow(backend, months.count().as_table()).to_pylist() == engines.to_arrow(
        backend, base.count().as_table()).to_pylist()


@pytest.mark.parametrize(("key", "where"), [
    ("astro-pu-2013-cost", ()),
    ("hypertension-expected-fph-2003", (Condition("age", minimum=15),)),
])
def test_weighted_patients_as_month_spans(backend, tmp_path, key, where):
    """A weighted side (a span per patient and age band) against the weighed patient-months it replaces: the
    same sums (to float rounding) and the same patient-months weighed."""
    from pcnhub.reference import weights as weight_tables

    rng = random.Random(11)
    b = Builder()
    for n in range(300):
        b.patient(f"p{n}", age=rng.randint(0, 95), sex=rng.choice("FM"), practice=rng.choice(["A00001", "A00002"]),
                  registered_from=rng.choice([D(2010, 1, 1), D(2024, 2, 29), D(2024, 4, 1)]),
                  registered_to=rng.choice([None, None, D(2024, 3, 31), D(2024, 5, 15)]),
                  months_to_birthday=rng.randint(-11, 11))
    tables = engines.load_tables(backend, write(tmp_path / "data", b.tables()))
    table = compiler.weight_table(weight_tables.weight_table(key).rows)
    got = engines.to_arrow(backend, compiler._demographic_sums(where, tables["patients"], PERIODS, "w", table))
    base = compiler.patient_months(tables["patients"], PERIODS)
    chosen = compiler._weighted(base.filter(compiler._Compiler(compiler.flag_source(tables, PERIODS)).all_of(
        base, where)), table)
    expected = engines.to_arrow(backend, chosen.group_by("practice_code", "month").aggregate(
        w=chosen._x.sum(), w_n=chosen.count()))
    found = {(r["practice_code"], r["month"]): (r["w"], r["w_n"]) for r in got.to_pylist()}
    wanted = {(r["practice_code"], r["month"]): (r["w"], r["w_n"]) for r in expected.to_pylist()}
    assert found.keys() == wanted.keys() and len(found) == 12
    for k, (w, n) in wanted.items():
        assert found[k][0] == pytest.approx(w, rel=1e-9) and found[k][1] == n
