"""The events and prescriptions a run's measures need (``requirements.collect``), matched in one pass of each
(``requirements.matched_tables``), on DuckDB and Spark: each codelist's widest window, a code of two codelists
tagged with both, repeat issues only where that is all that is needed, and the conditions' patient-months from the
matched rows the same as from the big tables."""

from __future__ import annotations

import datetime as dt

import pytest

from pcnhub.analytics import engines
from pcnhub.analytics.measures import compile as compiler
from pcnhub.analytics.measures import requirements
from pcnhub.analytics.pipeline.codes import months_before
from pcnhub.reference.measures import Condition, Count, Measure, Preceded
from tests.analytics.spec.dataset import Builder, code_of, flag_code, write

D = dt.date
#: January to June 2024.
PERIODS = compiler.months(D(2024, 6, 30), 6)
JAN_END = PERIODS[0].end
#: A code in both lists (and one in the first only).
BOTH, EFI_ONLY = "440059007", "134377004"
EFI_AF_12 = Condition("events", codelists=("efi-atrial-fibrillation",), within_months=12)
AF_EVER = Condition("events", codelists=("atrial-fibrillation",))
SBP_3 = Condition("latest_value", value="systolic-bp", within_months=3, minimum=140)
NSAID_3_REPEAT = Condition("medications", codelists=("nsaids",), within_months=3, repeat_only=True)
NSAID_6 = Condition("medications", codelists=("nsaids",), within_months=6)
TEN_MEDICINES = Condition("distinct_medicines", within_months=6, at_least=10)
HYPERTENSION_UNRESOLVED = Condition("events", codelists=("hypertension",), resolved_by="hypertension-resolved")


def _measure(*where: Condition, numerator: tuple[Condition, ...] = (), count: Count | None = None) -> Measure:
    return Measure(id="m", title="m", why="", direction="", unit="", serves=(), source="", status="",
                   numerator=count or Count("patients", where=numerator, within_denominator=True),
                   denominator=Count("patients", where=where))


def test_each_codelist_needs_its_widest_window():
    af_24 = Condition("events", codelists=("efi-atrial-fibrillation",), within_months=24)
    found = requirements.collect([_measure(Condition("any", parts=(EFI_AF_12, af_24)), numerator=(SBP_3,)),
                                  _measure(AF_EVER)], PERIODS)
    assert found.events == (("atrial-fibrillation", None),
                            ("efi-atrial-fibrillation", months_before(JAN_END, 24)),
                            ("systolic-bp", months_before(JAN_END, 3)))
    assert found.last == PERIODS[-1].end


def test_ever_wins_over_a_window_and_a_resolving_list_is_needed_too():
    ever = Condition("events", codelists=("efi-atrial-fibrillation",))
    found = requirements.collect([_measure(EFI_AF_12), _measure(ever, HYPERTENSION_UNRESOLVED)], PERIODS)
    assert dict(found.events) == {"efi-atrial-fibrillation": None, "hypertension": None, "hypertension-resolved": None}


def test_counted_and_preceding_events_need_the_months_measured_and_the_days_before():
    count = Count("events", codelists=("atrial-fibrillation",), preceded_by=Preceded(("hypertension",), 10))
    found = dict(requirements.collect([_measure(count=count)], PERIODS).events)
    assert found == {"atrial-fibrillation": PERIODS[0].start - dt.timedelta(days=1),
                     "hypertension": PERIODS[0].start - dt.timedelta(days=11)}


def test_prescriptions_repeat_only_or_not_and_distinct_medicines():
    found = requirements.collect([_measure(NSAID_3_REPEAT, numerator=(TEN_MEDICINES,)), _measure(NSAID_6)], PERIODS)
    assert found.medications == (
        requirements.MedicationNeed((), True, months_before(JAN_END, 6)),
        requirements.MedicationNeed(("nsaids",), False, months_before(JAN_END, 6)),
        requirements.MedicationNeed(("nsaids",), True, months_before(JAN_END, 3)),
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    b = Builder()
    af = b.patient("af", age=60)
    b.event(af, BOTH, D(2024, 2, 1))  # atrial-fibrillation and efi-atrial-fibrillation
    b.event(af, EFI_ONLY, months_before(JAN_END, 12))  # the day the 12-month window of January starts after: out
    b.event(af, EFI_ONLY, months_before(JAN_END, 12) + dt.timedelta(days=1))
    b.event(af, EFI_ONLY, D(2024, 7, 1))  # after the last month: out
    b.event(af, code_of("hypertension"), D(2024, 3, 1))  # no codelist needed: out
    b.event(af, flag_code("systolic-bp"), D(2024, 3, 3), 150.0)
    nsaid = b.patient("nsaid", age=70)
    b.medicine(nsaid, "naproxen-500", D(2024, 3, 30), repeat=False)
    b.medicine(nsaid, "naproxen-500", D(2024, 4, 30))
    b.medicine(nsaid, "naproxen-500", months_before(JAN_END, 3))  # the window's start: out
    b.medicine(nsaid, "atorvastatin-20", D(2024, 5, 1))  # not an NSAID: out
    old = b.patient("old", age=70)
    b.event(old, code_of("hypertension"), D(2001, 5, 5))
    b.event(old, code_of("hypertension-resolved"), D(2024, 2, 5))
    b.event(old, code_of("hypertension"), D(2024, 4, 5))
    b.medicine(old, "naproxen-500", D(2024, 1, 3), repeat=False)
    return write(tmp_path_factory.mktemp("requirements") / "data", b.tables()), b.names


def _rows(backend, table, *columns):
    return sorted(tuple(r[c] for c in columns) for r in engines.to_arrow(backend, table).to_pylist())


def test_one_pass_tags_a_code_with_each_codelist_in_its_window(data, backend):
    folder, names = data
    tables = engines.load_tables(backend, folder)
    needs = requirements.collect([_measure(EFI_AF_12, AF_EVER)], PERIODS)
    matched = requirements.matched_tables(tables, needs)[requirements.EVENTS]
    af = names["af"]
    assert _rows(backend, matched, "patient_id", "key", "date") == [
        (af, "atrial-fibrillation", D(2024, 2, 1)),
        (af, "efi-atrial-fibrillation", months_before(JAN_END, 12) + dt.timedelta(days=1)),
        (af, "efi-atrial-fibrillation", D(2024, 2, 1)),
    ]


def test_repeat_issues_only_unless_another_need_takes_acute_ones(data, backend):
    folder, names = data
    tables = engines.load_tables(backend, folder)
    nsaid, old = names["nsaid"], names["old"]
    repeat = requirements.matched_tables(tables, requirements.collect([_measure(NSAID_3_REPEAT)], PERIODS))
    assert _rows(backend, repeat[requirements.MEDICATIONS], "patient_id", "date", "repeat") == [
        (nsaid, D(2024, 4, 30), True)]
    both = requirements.matched_tables(tables, requirements.collect([_measure(NSAID_3_REPEAT, NSAID_6)], PERIODS))
    assert _rows(backend, both[requirements.MEDICATIONS], "patient_id", "date", "repeat") == [
        (nsaid, months_before(JAN_END, 3), True), (nsaid, D(2024, 3, 30), False), (nsaid, D(2024, 4, 30), True),
        (old, D(2024, 1, 3), False)]


@pytest.mark.parametrize("condition", [EFI_AF_12, AF_EVER, SBP_3, NSAID_3_REPEAT, NSAID_6, HYPERTENSION_UNRESOLVED,
                                       TEN_MEDICINES], ids=lambda c: c.kind + str(c.within_months))
def test_the_matched_rows_give_the_months_of_the_big_tables(data, backend, condition):
    folder, _ = data
    tables = engines.load_tables(backend, folder)
    # every condition's needs together, as a run collects them
    measures = [_measure(EFI_AF_12, AF_EVER, SBP_3), _measure(NSAID_3_REPEAT, NSAID_6, TEN_MEDICINES),
                _measure(HYPERTENSION_UNRESOLVED)]
    matched = requirements.with_matched(tables, measures, PERIODS)
    assert "events" not in matched and "medications" not in matched
    columns = ("patient_id", "month")
    assert (_rows(backend, compiler._flag_table(condition, matched, PERIODS), *columns)
            == _rows(backend, compiler._flag_table(condition, tables, PERIODS), *columns))
