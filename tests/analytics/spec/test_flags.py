"""The one pass over the record (``pipeline.flags``): requirements merged, windows respected, a code serving two
requirements, the union codelist table, and the whole pipeline reading events and medications once each."""

import datetime as dt
import re

import ibis
import pytest

from pcnhub.analytics import engines
from pcnhub.analytics.pipeline import flags
from pcnhub.analytics.pipeline.flags import (
    DistinctClasses,
    DistinctKeys,
    DistinctMedicines,
    Flag,
    LastValues,
    LatestDate,
    LatestValue,
    MedicationFlag,
)
from pcnhub.reference import codelists as cl
from tests.analytics.spec.dataset import AS_OF, PRACTICE_MAP

DEMENTIA = sorted(cl.codelist("dementia").codes)[0]
SBP = sorted(cl.codelist("systolic-bp").codes)[0]
HYPERTENSION = sorted(cl.codelist("hypertension").codes)[0]
#: A code of both efi-housebound and efi-mobility-problems.
SHARED = sorted(cl.codelist("efi-housebound").codes & cl.codelist("efi-mobility-problems").codes)[0]
SINCE = dt.date(2023, 4, 1)


def _day(days_before: int) -> dt.date:
    return AS_OF - dt.timedelta(days=days_before)


def _events(rows):
    return ibis.memtable(
        {"patient_id": [r[0] for r in rows], "code": [r[1] for r in rows], "date": [r[2] for r in rows],
         "value": [r[3] for r in rows]},
        schema={"patient_id": "int64", "code": "string", "date": "date", "value": "float64"},
    )


def test_requirements_merge_and_a_name_declared_twice_must_agree():
    merged = flags.requirements({"a": Flag(("dementia",))}, {"a": Flag(("dementia",)), "b": LatestDate("bmi")})
    assert merged == {"a": Flag(("dementia",)), "b": LatestDate("bmi")}
    with pytest.raises(ValueError, match="'a' declared twice"):
        flags.requirements({"a": Flag(("dementia",))}, {"a": Flag(("dementia",), SINCE)})


def test_the_union_table_has_every_code_once_with_the_bits_of_every_requirement_it_serves(backend):
    needs = {"housebound": Flag(("efi-housebound",)),
             "groups": DistinctKeys(("efi-housebound", "efi-mobility-problems")),
             "dementia": Flag(("dementia",)), "recent_dementia": Flag(("dementia",), SINCE),
             "nsaid": MedicationFlag(("nsaids",), None)}
    places, columns = flags.layout(needs)
    assert set(places) == {("housebound",), ("groups", "efi-housebound"), ("groups", "efi-mobility-problems"),
                           ("dementia",), ("recent_dementia",)}  # medication lists are not in it
    # one mask column holds every bit whatever its window; the column knows the bits of each window start
    assert list(columns) == ["m0"] and set(columns["m0"]) == {None, SINCE}
    assert columns["m0"][SINCE] == 1 << places[("recent_dementia",)][1]
    assert columns["m0"][None] == sum(1 << bit for label, (_, bit) in places.items() if label != ("recent_dementia",))
    rows = {r["code"]: r for r in engines.to_arrow(backend, flags.union_table(needs)).to_pylist()}
    keys = ("efi-housebound", "efi-mobility-problems", "dementia")
    assert set(rows) == {code for key in keys for code in cl.codelist(key).codes}  # each code once

    def served(code):
        return {label for label, (column, bit) in places.items() if rows[code][column] >> bit & 1}

    assert served(SHARED) == {("housebound",), ("groups", "efi-housebound"), ("groups", "efi-mobility-problems")}
    assert served(DEMENTIA) == {("dementia",), ("recent_dementia",)}


def test_the_smoking_amount_codes_get_bits_of_their_own():
    from pcnhub.analytics.pipeline.qrisk3 import needs

    places, _ = flags.layout({"s": needs(AS_OF)["qrisk_smoking"]})
    assert set(places) == {("s", "current"), ("s", "ex"), ("s", "never"), ("s", "cigarettes"), ("s", "amount", 2),
                           ("s", "amount", 3), ("s", "amount", 4)}


def test_the_amount_categories_are_qrisk3s():
    from pcnhub.analytics.qrisk3 import Smoking

    assert (flags.LIGHT, flags.MODERATE, flags.HEAVY) == (int(Smoking.LIGHT), int(Smoking.MODERATE),
                                                          int(Smoking.HEAVY))


def test_more_bits_than_a_word_use_more_mask_columns():
    many = {f"f{n:03d}": Flag(("dementia",)) for n in range(flags.WORD_BITS + 1)}
    places, columns = flags.layout(many)
    assert list(columns) == ["m0", "m1"] and places[(f"f{flags.WORD_BITS:03d}",)] == ("m1", 0)


def test_event_requirements_respect_their_windows(backend):
    needs = {
        "dementia_ever": Flag(("dementia",)),
        "dementia_recent": Flag(("dementia",), SINCE),  # the same codes, a window: a code serving two requirements
        "housebound": Flag(("efi-housebound",)),
        "groups": DistinctKeys(("efi-housebound", "efi-mobility-problems", "dementia")),
        "hypertension": LatestDate("hypertension"),
        "sbp_latest": LatestValue("systolic-bp", SINCE),
        "sbp": LastValues("systolic-bp", 2, SINCE),
    }
    events = _events([
        (1, DEMENTIA, SINCE, None),  # on the window's start: not in the window
        (1, SHARED, _day(10), None),  # counts for housebound and for two groups
        (1, HYPERTENSION, _day(100), None),
        (1, HYPERTENSION, _day(50), None),
        (1, HYPERTENSION, AS_OF + dt.timedelta(days=1), None),  # after as_of: ignored
        (1, SBP, _day(5), 120.0), (1, SBP, _day(5), 150.0),  # the same day: the highest first
        (1, SBP, _day(20), 100.0),  # the third reading: not among the last 2
        (1, SBP, _day(6), None),  # no value: not a reading
        (2, DEMENTIA, SINCE + dt.timedelta(days=1), None),
        (2, SBP, SINCE, 200.0),  # outside the window
        (3, "999999999", _day(1), None),  # in no codelist
    ])
    coded = flags.coded_stream(events, needs, AS_OF)
    rows = {r["patient_id"]: r for r in engines.to_arrow(backend, flags.events_table(coded, needs)).to_pylist()}
    assert set(rows) == {1, 2}
    one, two = rows[1], rows[2]
    assert (one["dementia_ever"], one["dementia_recent"], one["housebound"], one["groups"]) == (True, False, True, 3)
    assert (two["dementia_ever"], two["dementia_recent"], two["housebound"], two["groups"]) == (True, True, False, 1)
    assert one["hypertension"] == _day(50) and two["hypertension"] is None
    assert one["sbp_latest"] == 150.0 and one["sbp_count"] == 2 and one["sbp_mean"] == 135.0
    assert one["sbp_sd"] == pytest.approx(21.2132034, abs=1e-6)
    assert two["sbp_latest"] is None and two["sbp_count"] is None


def test_the_coded_stream_keeps_the_bits_of_the_windows_each_event_is_in_and_drops_events_with_none(backend):
    needs = {"recent": Flag(("dementia",), SINCE), "older": Flag(("dementia",), dt.date(2020, 4, 1)),
             "housebound": Flag(("efi-housebound",), SINCE)}
    places, columns = flags.layout(needs)
    events = _events([
        (1, DEMENTIA, SINCE, None),  # in "older" only
        (2, DEMENTIA, SINCE + dt.timedelta(days=1), None),  # in both
        (3, DEMENTIA, dt.date(2020, 4, 1), None),  # in neither: dropped
        (4, SHARED, dt.date(2019, 1, 1), None),  # housebound, out of its window: dropped
    ])
    coded = engines.to_arrow(backend, flags.coded_stream(events, needs, AS_OF)).to_pylist()
    column = "m0"
    assert list(columns) == [column]

    def bits(*labels):
        return sum(1 << places[(label,)][1] for label in labels)

    assert sorted((r["patient_id"], r[column]) for r in coded) == [(1, bits("older")), (2, bits("recent", "older"))]
    rows = {r["patient_id"]: r for r in engines.to_arrow(
        backend, flags.events_table(flags.coded_stream(events, needs, AS_OF), needs)).to_pylist()}
    assert {p: (r["recent"], r["older"], r["housebound"]) for p, r in rows.items()} == {
        1: (False, True, False), 2: (True, True, False)}


def test_medication_requirements_respect_their_windows_and_repeats(backend):
    nsaid = sorted(cl.codelist("nsaids").codes)[0]
    six_months = dt.date(2023, 10, 1)
    needs = {
        "nsaid": MedicationFlag(("nsaids",), six_months),
        "nsaid_any_ever": MedicationFlag(("nsaids",), None, repeat=False),
        "medicines": DistinctMedicines(six_months),
        "classes": DistinctClasses(SINCE),
    }
    rows = [  # patient, dm+d code, BNF code, date, repeat
        (1, "m1", nsaid + "0AAAAAA", _day(10), True),
        (1, "m1", nsaid + "0AAAAAA", _day(20), True),  # the same medicine again
        (1, "m2", "0212000B0AAAAAA", _day(30), False),  # acute: not a repeat medicine; a class
        (1, "m3", "0212000B0AAABAB", _day(40), True),  # the same class as m2
        (2, "m1", nsaid + "0AAAAAA", six_months, True),  # on the window's start: not in the 6 months
        (3, "m1", nsaid + "0AAAAAA", _day(3), False),  # acute
        (4, "m1", nsaid + "0AAAAAA", AS_OF + dt.timedelta(days=1), True),  # after as_of
        # the same product as a repeat long ago and acute lately: not a repeat in the window
        (5, "m1", nsaid + "0AAAAAA", _day(400), True),
        (5, "m1", nsaid + "0AAAAAA", _day(5), False),
        # issued before the window and again in it: in the window
        (6, "m4", "0212000B0AAAAAA", _day(900), True),
        (6, "m4", "0212000B0AAAAAA", _day(15), True),
    ]
    medications = ibis.memtable(
        {"patient_id": [r[0] for r in rows], "code": [r[1] for r in rows], "bnf_code": [r[2] for r in rows],
         "date": [r[3] for r in rows], "repeat": [r[4] for r in rows]},
        schema={"patient_id": "int64", "code": "string", "bnf_code": "string", "date": "date", "repeat": "boolean"},
    )
    found = {r["patient_id"]: r for r in engines.to_arrow(
        backend, flags.medications_table(medications, needs, AS_OF)).to_pylist()}
    assert set(found) == {1, 2, 3, 5, 6}
    assert (found[1]["nsaid"], found[1]["nsaid_any_ever"], found[1]["medicines"], found[1]["classes"]) == (
        True, True, 2, 2)
    assert (found[2]["nsaid"], found[2]["nsaid_any_ever"], found[2]["medicines"]) == (False, True, 0)
    assert (found[3]["nsaid"], found[3]["nsaid_any_ever"], found[3]["medicines"]) == (False, True, 0)
    assert (found[5]["nsaid"], found[5]["nsaid_any_ever"], found[5]["medicines"], found[5]["classes"]) == (
        False, True, 0, 1)
    assert (found[6]["nsaid"], found[6]["nsaid_any_ever"], found[6]["medicines"], found[6]["classes"]) == (
        False, False, 1, 1)


def test_the_stream_is_read_once_for_the_masks_and_once_for_each_ordered_value():
    from pcnhub.analytics.run import requirements

    assert flags.stream_reads({"a": Flag(("dementia",)), "b": LatestDate("bmi"), "c": MedicationFlag(("nsaids",))}) == 1
    assert flags.stream_reads({"a": Flag(("dementia",)), "v": LatestValue("bmi"), "s": LastValues("bmi", 3)}) == 3
    assert flags.stream_reads(requirements(AS_OF)) > 1  # the pipeline's: kept once (run._run)


def test_every_steps_needs_are_one_requirement_set():
    from pcnhub.analytics.run import requirements

    needs = requirements(AS_OF)
    assert needs["qrisk_ed_drugs"] == MedicationFlag(("erectile-dysfunction-drugs",), None, repeat=False)
    assert {"efi_groups", "efi_classes", "repeat_medicines", "cms_0", "seg_dementia", "cohort_latest_sbp"} <= set(needs)


def test_the_pipeline_reads_events_and_medications_once_each(spec_data, tmp_path, monkeypatch):
    """Every query the pipeline runs is compiled and the references to the two tables are counted."""
    from pcnhub.analytics import run

    data, _ = spec_data
    names: dict[str, str] = {}
    sql: list[str] = []
    read, materialise, keep, write, to_arrow = (engines.read_parquet, engines.materialise, engines.keep,
                                                engines.write_parquet, engines.to_arrow)

    def reading(con, path):
        table = read(con, path)
        names[str(path)] = table.get_name()
        return table

    def compiled(runner):
        def run_it(con, expr, *args, **kwargs):
            sql.append(str(con.compile(expr)))
            return runner(con, expr, *args, **kwargs)
        return run_it

    monkeypatch.setattr(engines, "read_parquet", reading)
    monkeypatch.setattr(engines, "materialise", compiled(materialise))
    monkeypatch.setattr(engines, "keep", compiled(keep))
    monkeypatch.setattr(engines, "write_parquet", compiled(write))
    monkeypatch.setattr(engines, "to_arrow", compiled(to_arrow))
    run.run_pipeline(data, tmp_path / "out", engine="duckdb", practice_map=PRACTICE_MAP, as_of=AS_OF)
    scans = {}
    for table in ("events", "medications"):
        name = next(n for path, n in names.items() if path.endswith(f"{table}.parquet"))
        scans[table] = sum(len(re.findall(rf"\b{re.escape(name)}\b", query)) for query in sql)
    assert scans == {"events": 1, "medications": 1}
