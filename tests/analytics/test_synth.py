"""The synthetic population: deterministic, valid, and at the published prevalences and shapes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from pcnhub.analytics import prevalence, synth, synth_coding, synth_delivery, synth_model
from pcnhub.analytics.schema import TABLES, validate_dataset
from pcnhub.reference import codelists as cl

PRACTICES = [synth.PracticeSize(f"B8{i:04d}", 4000 + 700 * i) for i in range(12)]
AS_OF = synth.AS_OF


@pytest.fixture(scope="module")
def population(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("population")
    synth.generate(PRACTICES, folder, patients=20_000, seed=11)
    return folder


@pytest.fixture(scope="module")
def measured(population) -> dict:
    return prevalence.measures(population, AS_OF)


@pytest.fixture(scope="module")
def db(population):
    con = duckdb.connect()
    for table in TABLES:
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{population / (table + '.parquet')}')")
    prices = synth_model.synthetic_prices()
    con.execute("CREATE TABLE prices (dmd_code VARCHAR, price DOUBLE)")
    con.executemany("INSERT INTO prices VALUES (?, ?)", [(m.dmd_code, prices[m.key]) for m in cl.medicines()])
    return con


def _files(folder: Path) -> dict[str, bytes]:
    return {table.file: (folder / table.file).read_bytes() for table in TABLES.values()}


def test_the_same_seed_writes_the_same_files_and_another_seed_does_not(tmp_path):
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        synth.generate(PRACTICES[:3], tmp_path / name, patients=2_000, seed=seed)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    for table in TABLES.values():
        a, c = pq.read_table(tmp_path / "a" / table.file), pq.read_table(tmp_path / "c" / table.file)
        assert not a.equals(c), table.name


def test_the_dataset_is_valid_and_every_code_is_in_a_codelist(population):
    assert validate_dataset(population) == []  # no errors, and no warning about unknown codes


def test_the_model_writes_codes_only_where_they_belong():
    synth_model.check_model()
    synth_delivery.check_delivery()


def test_row_counts_and_row_groups(population):
    patients = pq.ParquetFile(population / "patients.parquet")
    assert patients.metadata.num_rows == 20_000
    assert patients.metadata.num_row_groups == 1
    assert pq.ParquetFile(population / "events.parquet").metadata.num_rows > 20_000 * 3


def test_chunks_are_row_groups(tmp_path):
    result = synth.generate(PRACTICES[:2], tmp_path, patients=1_050, seed=1, chunk_size=500)
    assert result.rows["patients"] == 1_050
    assert pq.ParquetFile(tmp_path / "events.parquet").metadata.num_row_groups == 3
    assert validate_dataset(tmp_path) == []


@pytest.mark.parametrize("register", prevalence.QOF_PREVALENCE, ids=lambda r: r.key)
def test_register_prevalence_is_near_qof(measured, register):
    found = measured["prevalence"][register.key]
    tolerance = 0.3 if register.published >= 0.015 else 0.5
    assert found == pytest.approx(register.published, rel=tolerance), (register.key, found)


def test_obesity_older_people_and_care_homes(measured):
    assert measured["prevalence"]["obesity"] == pytest.approx(prevalence.OBESITY_PUBLISHED, rel=0.3)
    assert measured["share_65_plus"] == pytest.approx(0.18, abs=0.02)
    assert measured["care_home"] == pytest.approx(0.007, abs=0.003)


def test_the_efi_distribution_of_people_65_and_over(measured):
    efi = measured["efi"]
    assert efi["people"] > 3000
    assert efi["fit"] == pytest.approx(0.50, abs=0.1)
    assert efi["mild"] == pytest.approx(0.30, abs=0.1)
    assert efi["moderate"] == pytest.approx(0.15, abs=0.07)
    assert efi["severe"] == pytest.approx(0.05, abs=0.04)


def test_every_efi_deficit_occurs_among_people_65_and_over(db):
    deficits = {c.key: c.codes for c in cl.efi_deficits()}
    older = db.execute(
        "SELECT DISTINCT code FROM events JOIN patients USING (patient_id) WHERE date_diff('year', birth_month, ?) >= 65",
        [AS_OF]).fetchall()
    codes = {row[0] for row in older}
    assert [key for key, group in deficits.items() if not codes & group] == []


def test_polypharmacy_and_medicines_associated_with_harm(measured, db):
    medicines = measured["repeat_medicines"]
    assert 0.001 < medicines["ten_plus"] < 0.03
    assert 0.005 < medicines["ten_plus_65"] < 0.1
    both = db.execute(
        """SELECT count(DISTINCT a.patient_id) FROM medications a JOIN medications b USING (patient_id)
           WHERE a.bnf_code LIKE '0208%' AND b.bnf_code LIKE '0209%' AND a.repeat AND b.repeat""").fetchone()[0]
    nsaid = db.execute("SELECT count(DISTINCT patient_id) FROM medications WHERE bnf_code LIKE '100101%'").fetchone()[0]
    assert both > 5 and nsaid > 100


def test_repeat_issues_fall_in_the_last_year(db):
    first, last, repeats = db.execute(
        "SELECT min(date), max(date), avg(repeat::INT) FROM medications WHERE date >= ? - INTERVAL 365 DAY",
        [AS_OF]).fetchone()
    assert last < AS_OF and first >= AS_OF - dt.timedelta(days=365)
    assert repeats > 0.9


def test_qrisk3_measurements_are_recorded(db):
    sbp = db.execute(
        """SELECT count(*), avg(value), avg((n >= 2)::INT) FROM (
             SELECT patient_id, count(*) AS n, avg(value) AS value FROM events WHERE code IN ('72313002', '163030003')
             GROUP BY 1)""").fetchone()
    assert sbp[0] > 5000 and 115 < sbp[1] < 150 and sbp[2] > 0.4
    ratio = db.execute("SELECT avg(value), min(value), max(value) FROM events WHERE code = '313989009'").fetchone()
    assert 3 < ratio[0] < 5 and ratio[1] >= 1.2 and ratio[2] <= 12
    statuses = {key: db.execute(
        "SELECT count(DISTINCT patient_id) FROM events WHERE code IN ?", [sorted(cl.codelist(key).codes)]).fetchone()[0]
        for key in ("smoking-current", "smoking-ex", "smoking-never")}
    adults = db.execute("SELECT count(*) FROM patients WHERE date_diff('year', birth_month, ?) >= 16", [AS_OF]).fetchone()[0]
    assert 0.08 < statuses["smoking-current"] / adults < 0.25
    assert statuses["smoking-never"] > statuses["smoking-ex"] > 0


def test_conditions_co_occur(db):
    def has(key: str) -> str:
        return f"patient_id IN (SELECT patient_id FROM events WHERE code IN {tuple(sorted(cl.codelist(key).codes))})"

    ckd_in_diabetes, ckd_otherwise = db.execute(
        f"""SELECT avg(({has('ckd-3-5')})::INT) FILTER (WHERE {has('diabetes-type-2')}),
                   avg(({has('ckd-3-5')})::INT) FILTER (WHERE NOT {has('diabetes-type-2')})
            FROM patients WHERE date_diff('year', birth_month, ?) >= 60""", [AS_OF]).fetchone()
    assert ckd_in_diabetes > 1.3 * ckd_otherwise
    anticoagulated = db.execute(
        f"""SELECT avg((patient_id IN (SELECT patient_id FROM medications WHERE bnf_code LIKE '020802%'))::INT)
            FROM patients WHERE {has('atrial-fibrillation')}""").fetchone()[0]
    assert anticoagulated > 0.6


def test_medications_cover_three_years_with_a_synthetic_cost(db):
    first, last, costless, cost = db.execute(
        "SELECT min(date), max(date), count(*) FILTER (WHERE cost IS NULL OR cost <= 0), sum(cost) FROM medications"
        " WHERE date > ? - INTERVAL 36 MONTH", [AS_OF]).fetchone()
    assert first <= AS_OF - dt.timedelta(days=3 * 365 - 31) and last < AS_OF and costless == 0
    prices = synth_model.synthetic_prices()
    assert set(prices) == {m.key for m in cl.medicines()}
    # the cost of an item is the made-up price of its product times its practice's multiplier
    ratios = db.execute(
        """SELECT p.practice_code, min(m.cost / x.price), max(m.cost / x.price)
           FROM medications m JOIN patients p USING (patient_id) JOIN prices x ON x.dmd_code = m.code
           GROUP BY 1""").fetchall()
    assert len(ratios) == len(PRACTICES)
    assert all(abs(lo - hi) < 0.02 * lo for _, lo, hi in ratios)
    spread = [lo for _, lo, _ in ratios]
    assert max(spread) / min(spread) > 1.1


def _per_practice(db, sql: str) -> list[float]:
    return [row[1] for row in db.execute(sql).fetchall()]


def test_hospital_activity_of_every_kind_over_three_years(db):
    kinds = dict(db.execute("SELECT kind, count(*) FROM hospital GROUP BY 1").fetchall())
    assert set(kinds) == {"ae", "emergency_admission", "elective_admission", "outpatient_first", "outpatient_follow_up"}
    assert 1.2 < kinds["outpatient_follow_up"] / kinds["outpatient_first"] < 2.6
    first, last = db.execute("SELECT min(start), max(start) FROM hospital").fetchone()
    assert first <= AS_OF - dt.timedelta(days=3 * 365 - 31) and last <= AS_OF
    stays = db.execute("SELECT min(\"end\" - start), avg((\"end\" IS NULL)::INT) FROM hospital "
                       "WHERE kind IN ('emergency_admission', 'elective_admission')").fetchone()
    assert stays[0] >= 0 and stays[1] < 0.02


def _acs_case(column: str = "diagnosis") -> str:
    """SQL: the chronic ACS codelist a diagnosis is in (null if none)."""
    lists = [c for c in cl.all_codelists() if c.key.startswith("acsc-")]
    whens = " ".join(f"WHEN {' OR '.join(f'starts_with({column}, {code!r})' for code in sorted(c.codes))} "
                     f"THEN '{c.key}'" for c in lists)
    return f"CASE {whens} END"


def test_hospital_diagnoses(db):
    rows = db.execute(f"""
        SELECT kind, count(*), avg((diagnosis IS NULL)::INT), avg(({_acs_case()} IS NOT NULL)::INT)
        FROM hospital GROUP BY 1""").fetchall()
    found = {kind: (n, missing, acs) for kind, n, missing, acs in rows}
    assert found["outpatient_first"][1] == found["outpatient_follow_up"][1] == 1.0
    assert found["emergency_admission"][1] < 0.03 and found["ae"][1] < 0.15 and found["elective_admission"][1] < 0.06
    # a chronic ACS condition in about 8% of emergency admissions (England 2015/16: 8.1%), fewer at A&E, no elective
    assert 0.05 < found["emergency_admission"][2] < 0.12
    assert found["ae"][2] < found["emergency_admission"][2] / 2 and found["elective_admission"][2] == 0
    by_age = dict(db.execute(f"""
        SELECT date_diff('year', birth_month, start) >= 65, avg(({_acs_case()} IS NOT NULL)::INT)
        FROM hospital JOIN patients USING (patient_id) WHERE kind = 'emergency_admission' GROUP BY 1""").fetchall())
    assert by_age[True] > 2 * by_age[False]
    # an admission of someone with COPD on their record is a COPD admission far more often
    copd = sorted(cl.codelist("copd").codes)
    by_record = dict(db.execute(f"""
        SELECT patient_id IN (SELECT patient_id FROM events WHERE code IN (SELECT unnest(?))),
               avg(({_acs_case()} IS NOT DISTINCT FROM 'acsc-copd')::INT)
        FROM hospital WHERE kind = 'emergency_admission' GROUP BY 1""", [copd]).fetchall())
    assert by_record[True] > 0.05 and by_record[False] < 0.01
    synth_coding.check_codes()


def test_older_people_have_their_frailty_category_coded(db, measured):
    frailty = ("frailty-mild", "frailty-moderate", "frailty-severe")
    codes = {code: key for code, key in synth_delivery.DELIVERY_CODES.values() if key in frailty}
    rows = db.execute("""
        SELECT code, count(DISTINCT patient_id), min(date_diff('year', birth_month, ?))
        FROM events JOIN patients USING (patient_id) WHERE code IN (SELECT unnest(?)) GROUP BY 1""",
                      [AS_OF, list(codes)]).fetchall()
    coded = {codes[code]: (people, youngest) for code, people, youngest in rows}
    assert set(coded) == set(frailty) and all(youngest >= 65 for _, youngest in coded.values())
    # most practices code most of their older people, in the category of their eFI
    efi = measured["efi"]
    for category in ("mild", "moderate", "severe"):
        share = coded[f"frailty-{category}"][0] / efi["people"]
        assert 0.3 * efi[category] < share < 1.2 * efi[category], category


def test_practices_differ_and_change_over_time(db):
    admissions = _per_practice(db, """
        SELECT practice_code, count(*) FILTER (WHERE kind = 'emergency_admission') / count(DISTINCT patient_id)
        FROM patients LEFT JOIN hospital USING (patient_id) GROUP BY 1""")
    assert max(admissions) / min(admissions) > 1.3
    ratio = _per_practice(db, """
        SELECT practice_code, count(*) FILTER (WHERE kind = 'outpatient_follow_up')
                              / count(*) FILTER (WHERE kind = 'outpatient_first')
        FROM patients JOIN hospital USING (patient_id) GROUP BY 1""")
    assert max(ratio) - min(ratio) > 0.4
    # the latest year against the first, per practice: some rise and some fall
    change = _per_practice(db, """
        SELECT practice_code, count(*) FILTER (WHERE start > ? - INTERVAL 12 MONTH)
                              / count(*) FILTER (WHERE start <= ? - INTERVAL 24 MONTH)
        FROM patients JOIN hospital USING (patient_id) WHERE kind = 'ae' GROUP BY 1""".replace("?", f"DATE '{AS_OF}'"))
    assert min(change) < 0.95 and max(change) > 1.15


def test_medication_reviews_and_social_prescribing_referrals(db):
    smr, social = (cl.codelist(key).codes for key in ("structured-medication-review", "social-prescribing-referral"))
    counts = dict(db.execute(
        "SELECT code, count(*) FROM events WHERE code IN (SELECT unnest(?)) GROUP BY 1", [sorted(smr | social)]
    ).fetchall())
    assert set(counts) == smr | social and all(n > 50 for n in counts.values())
    # reviews go mostly to people on many repeat medicines, and their rate differs between practices
    per_practice = _per_practice(db, f"""
        SELECT practice_code, count(*) FILTER (WHERE code IN ({", ".join(repr(c) for c in sorted(smr))}))
                              / count(DISTINCT patient_id)
        FROM patients LEFT JOIN events USING (patient_id) GROUP BY 1""")
    assert max(per_practice) > 2 * min(per_practice)


def _codes(*keys: str) -> str:
    return "(" + ", ".join(repr(c) for k in keys for c in sorted(cl.codelist(k).codes)) + ")"


def test_delivery_activity_is_coded_for_the_right_people(db):
    found = {row[0] for row in db.execute("SELECT DISTINCT code FROM events").fetchall()}
    assert set(synth_delivery.codes()) <= found  # every frailty, planning, review, referral and FIT code is used
    # frailty categories only for people aged 65 or over, more deficits for a worse category
    ages = dict(db.execute(f"""
        SELECT e.code, min(date_diff('year', p.birth_month, e.date)) FROM events e JOIN patients p USING (patient_id)
        WHERE e.code IN {_codes("frailty-mild", "frailty-moderate", "frailty-severe")} GROUP BY 1""").fetchall())
    assert len(ages) == 3 and min(ages.values()) >= 64  # 65 on the day (birth months are months)
    deficits = dict(db.execute(f"""
        WITH category AS (SELECT patient_id, any_value(code) AS code FROM events
                          WHERE code IN {_codes("frailty-mild", "frailty-severe")} GROUP BY 1),
             groups AS (SELECT patient_id, count(DISTINCT code) AS n FROM events
                        WHERE code IN {_codes(*[c.key for c in cl.efi_deficits()])} GROUP BY 1)
        SELECT c.code, avg(coalesce(g.n, 0)) FROM category c LEFT JOIN groups g USING (patient_id) GROUP BY 1""").fetchall())
    assert deficits["925861000000102"] > deficits["925791000000100"] + 3  # severe against mild
    # anticipatory care planning only with moderate or severe frailty; care home reviews only for residents
    planned_without = db.execute(f"""
        SELECT count(*) FROM events WHERE code IN {_codes("advance-care-plan")} AND patient_id NOT IN (
          SELECT patient_id FROM events WHERE code IN {_codes("frailty-moderate", "frailty-severe")})""").fetchone()[0]
    seen_outside = db.execute(f"""
        SELECT count(*) FROM events JOIN patients USING (patient_id)
        WHERE code IN {_codes("care-home-review")} AND NOT care_home""").fetchone()[0]
    assert planned_without == 0 and seen_outside == 0
    # care plans: for care home residents, and after a social prescribing referral (1 to 8 weeks later)
    plans = db.execute(f"""
        SELECT count(*) FILTER (WHERE p.care_home), count(*) FILTER (WHERE NOT p.care_home),
               count(*) FILTER (WHERE NOT p.care_home AND EXISTS (
                 SELECT 1 FROM events r WHERE r.patient_id = e.patient_id AND r.code IN {_codes("social-prescribing-referral")}
                 AND e.date - r.date BETWEEN 7 AND 56))
        FROM events e JOIN patients p USING (patient_id) WHERE e.code IN {_codes("care-plan")}""").fetchone()
    assert plans[0] > 100 and plans[1] > 50 and plans[2] == plans[1]


def test_fit_results_come_before_lower_gi_referrals_at_each_practices_share(db):
    rows = db.execute(f"""
        WITH referral AS (SELECT patient_id, date FROM events WHERE code IN {_codes("lower-gi-urgent-referral")}),
             fit AS (SELECT patient_id, date FROM events WHERE code IN {_codes("fit-test")})
        SELECT p.practice_code, r.date > DATE '{AS_OF}' - INTERVAL 12 MONTH AS recent,
               avg((EXISTS (SELECT 1 FROM fit f WHERE f.patient_id = r.patient_id
                            AND f.date BETWEEN r.date - 21 AND r.date))::INT) AS share, count(*)
        FROM referral r JOIN patients p USING (patient_id) GROUP BY 1, 2""").fetchall()
    shares = [share for _, recent, share, _ in rows if recent]
    assert max(shares) - min(shares) > 0.2  # practices differ
    referrals = sum(n for *_, n in rows)
    assert 0.006 < referrals / 3 / 20_000 < 0.02  # lower GI: about a quarter of ~48 urgent referrals a year per 1,000
    overall = {recent: sum(share * n for _, r, share, n in rows if r == recent) / sum(n for _, r, _, n in rows
                                                                                       if r == recent)
               for recent in (True, False)}
    assert 0.5 < overall[False] < overall[True] < 0.95  # the share rises over the window
    urgent = db.execute(f"SELECT count(*) FROM events WHERE code IN {_codes('urgent-cancer-referral')}").fetchone()[0]
    assert 30 < urgent / 3 / 20 < 65  # a year per 1,000 patients (England: about 48)


def test_patients_look_right(db):
    row = db.execute(
        """SELECT avg((sex = 'F')::INT), count(DISTINCT practice_code), min(imd_decile), max(imd_decile),
                  avg((ethnicity = 'white')::INT), avg((ethnicity = 'unknown')::INT),
                  avg((registered_to IS NOT NULL)::INT), min(birth_month), max(birth_month),
                  avg(care_home::INT) FILTER (WHERE date_diff('year', birth_month, ?) >= 85)
           FROM patients""", [AS_OF]).fetchone()
    women, practices, low, high, white, unknown, left, oldest, youngest, care_home_85 = row
    assert 0.48 < women < 0.53 and practices == len(PRACTICES) and (low, high) == (1, 10)
    assert 0.6 < white < 0.85 and 0.05 < unknown < 0.11 and left < 0.03
    assert oldest.year >= AS_OF.year - 106 and youngest <= AS_OF
    assert 0.05 < care_home_85 < 0.3


def test_allocation_is_proportional_and_exact():
    counts = synth.allocate([synth.PracticeSize("A1", 1), synth.PracticeSize("A2", 2)], 10)
    assert counts.tolist() == [3, 7] or counts.tolist() == [4, 6]
    assert synth.allocate(PRACTICES, 12_345).sum() == 12_345
    assert synth.allocate([synth.PracticeSize("A1", 0), synth.PracticeSize("A2", 5)], 3).tolist() == [0, 3]
    with pytest.raises(ValueError, match="no registered patients"):
        synth.allocate([synth.PracticeSize("A1", 0)], 3)


def test_a_practice_pyramid_sets_its_age_structure(tmp_path):
    babies = ((1.0,) + (0.0,) * 19, (1.0,) + (0.0,) * 19)
    synth.generate([synth.PracticeSize("C81001", 500, babies)], tmp_path, patients=500, seed=2)
    births = pq.read_table(tmp_path / "patients.parquet")["birth_month"].to_pylist()
    assert min(births) > AS_OF - dt.timedelta(days=5 * 366)


def test_practices_from_pairs_checks_its_input():
    assert [p.code for p in synth.practices_from_pairs([("a81001", 10), ("A81002", 0)])] == ["A81001", "A81002"]
    with pytest.raises(ValueError, match="not an ODS practice code"):
        synth.practices_from_pairs([("X1", 3)])
    with pytest.raises(ValueError, match="listed twice"):
        synth.practices_from_pairs([("A81001", 3), ("A81001", 4)])
    with pytest.raises(ValueError, match="whole number"):
        synth.practices_from_pairs([("A81001", -1)])


def test_the_national_reference_files():
    pyramid = synth_model.national_pyramid()
    assert pyramid.shape == (2, 20) and np.isclose(pyramid.sum(), 1)
    assert 0.17 < pyramid[:, 13:].sum() < 0.19
    assert np.isclose(synth_model.ethnicity_shares().sum(), 1)


def test_an_interrupted_run_leaves_no_table_behind(tmp_path):
    from pcnhub.analytics import synth as synth_module

    calls = []

    def stop(done):
        calls.append(done)
        raise KeyboardInterrupt

    practices = [synth_module.PracticeSize("A81001", 3_000)]
    try:
        synth_module.generate(practices, tmp_path / "out", patients=3_000, seed=1, chunk_size=1_000, progress=stop)
    except KeyboardInterrupt:
        pass
    assert calls and list((tmp_path / "out").iterdir()) == []
