"""Measure definitions: every packaged file is valid, and the loader rejects bad ones naming file and field."""

from __future__ import annotations

import pytest

from pcnhub.reference import measures as m
from pcnhub.reference.measures import MeasureError, parse_measure

FIRST = {
    "emergency_admissions", "ae_attendances", "discharge_within_7_days_65plus", "outpatient_follow_up_ratio",
    "prescribing_cost_per_patient", "nsaid_without_gastroprotection_65plus",
    "anticoagulant_antiplatelet_without_gastroprotection", "smr_done_for_cohort", "qrisk3_10plus_without_statin",
    "hypertension_treated_to_target",
}

GOOD = '''
id = "example"
title = "An example"
why = "Because."
direction = "lower"
unit = "percent"
serves = ["a specification"]
source = "here"
status = "uncertain"

[numerator]
count = "patients"
within_denominator = true
where = [{ medications = "proton-pump-inhibitors", within_months = 3, not = true }]

[denominator]
count = "patients"
where = [{ age = [65] }, { medications = "nsaids", within_months = 3 }]
'''


def test_the_packaged_measures():
    found = {measure.id: measure for measure in m.measures()}
    assert FIRST <= set(found)
    for measure in found.values():
        assert measure.why and measure.serves and measure.source and measure.status in m.STATUSES
    assert found["emergency_admissions"].low_is_good is True
    assert found["smr_done_for_cohort"].low_is_good is False
    assert (found["emergency_admissions"].funnel, found["smr_done_for_cohort"].funnel,
            found["prescribing_cost_per_patient"].funnel, found["discharge_within_7_days_65plus"].funnel) == (
        "poisson", "binomial", "none", "binomial")
    assert found["qrisk3_10plus_without_statin"].features() == {"qrisk3"}
    assert m.measure("ae_attendances").multiplier == 1000.0
    stay = found["length_of_stay_65plus"]
    assert (stay.numerator.sum, stay.denominator.discharged, stay.funnel) == ("stay_days", True, "none")
    with pytest.raises(MeasureError, match="no measure 'nothing'"):
        m.measure("nothing")


def test_a_good_definition_is_read_whole():
    measure = parse_measure(GOOD, "measures/example.toml")
    assert measure.numerator.within_denominator and measure.numerator.where[0].negate
    age, nsaid = measure.denominator.where
    assert (age.kind, age.minimum, age.maximum) == ("age", 65.0, None)
    assert (nsaid.kind, nsaid.codelists, nsaid.within_months) == ("medications", ("nsaids",), 3)


def _bad(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


@pytest.mark.parametrize(("text", "message"), [
    (GOOD.replace('title = "An example"\n', ""), "example.toml, title: is required"),
    (_bad('status = "uncertain"', 'status = "guessed"'), "example.toml, status: 'guessed' is not one of verified"),
    (_bad('status = "uncertain"', 'status = "uncertain"\ncolour = "red"'), "example.toml: unknown field(s) colour"),
    (_bad('id = "example"', 'id = "other"'), "example.toml, id: 'other' does not match the file name"),
    (_bad('unit = "percent"', 'unit = "per_head"'), "example.toml, unit: 'per_head' is not one of"),
    (_bad('serves = ["a specification"]', "serves = []"), "example.toml, serves: must be a non-empty list"),
    (_bad('count = "patients"\nwithin', 'count = "people"\nwithin'), "example.toml, numerator.count: 'people' is not one of"),
    (_bad("within_months = 3, not", "within_months = 0, not"),
     "example.toml, numerator.where[0].within_months: must be a whole number of 1 or more, not 0"),
    (_bad('{ age = [65] }', '{ age = [65, 18] }'), "example.toml, denominator.where[0].age: 18 is not above 65"),
    (_bad('{ age = [65] }', '{ age = [65], sex = "F" }'), "denominator.where[0]: a condition has exactly one of"),
    (_bad('{ age = [65] }', '{ sex = "X" }'), "denominator.where[0].sex: 'X' is not one of F, M"),
    (_bad('medications = "nsaids"', 'medications = "no-such-list"'),
     "denominator.where[1].medications[0]: no codelist 'no-such-list'"),
    (_bad('medications = "nsaids"', 'medications = "hypertension"'),
     "denominator.where[1].medications[0]: codelist 'hypertension' is a snomedct list, a bnf list is needed here"),
    (_bad('{ age = [65] }', '{ age = [65], within_months = 3 }'), "denominator.where[0]: unknown field(s) within_months"),
    (_bad('{ age = [65] }', '{ feature = "efi", min = 1 }'), "denominator.where[0].feature: 'efi' is not one of qrisk3"),
    (_bad('{ age = [65] }', '{ feature = "qrisk3" }'), "denominator.where[0]: feature needs min or max"),
    (_bad('{ age = [65] }', '{ latest_value = "systolic-bp", min = 150, max = 140 }'),
     "denominator.where[0]: max 140 is below min 150"),
    (_bad('{ age = [65] }', '{ any = [] }'), "denominator.where[0].any: must be a non-empty list of conditions"),
    (_bad('{ age = [65] }', '{ any = [{ age = [1], care_home = true }] }'),
     "denominator.where[0].any[0]: a condition has exactly one of"),
    (_bad("within_denominator = true\n", ""),
     "numerator.within_denominator: a percentage's numerator must be within its denominator"),
    (_bad('count = "patients"\nwithin', 'count = "hospital"\nkinds = ["ae"]\nwithin'),
     "numerator.within_denominator: the numerator counts hospital and the denominator patients"),
    (_bad('count = "patients"\nwithin', 'count = "hospital"\nwithin'), "numerator.kinds: is required for count = \"hospital\""),
    (_bad('count = "patients"\nwithin', 'count = "patients"\nsum = "cost"\nwithin'), "numerator.sum: 'cost' is not one of"),
    (_bad('count = "patients"\nwithin', 'count = "patients"\nkinds = ["ae"]\nwithin'),
     'numerator.kinds: only for count = "hospital"'),
    (_bad('unit = "percent"', 'unit = "ratio"').replace('count = "patients"\nwithin_denominator = true\nwhere = [{ medications',
                                                        'count = "hospital"\nkinds = ["ae"]\nsum = "stay_days"\nwhere = [{ medications'),
     "numerator.sum: stay_days needs discharged = true"),
    (_bad('count = "patients"\nwithin', 'count = "patients"\ndischarged = true\nwithin'),
     'numerator.discharged: only for count = "hospital"'),
    ("id = ", "example.toml: not valid TOML"),
])
def test_bad_definitions_are_rejected_naming_the_field(text, message):
    with pytest.raises(MeasureError) as raised:
        parse_measure(text, "measures/example.toml")
    assert message in str(raised.value)


HOSPITAL = '''
id = "example"
title = "An example"
why = "Because."
direction = "lower"
unit = "per_1000"
serves = ["a specification"]
source = "here"
status = "uncertain"

[numerator]
count = "hospital"
kinds = ["emergency_admission"]
diagnoses = ["acsc-copd", "acsc-asthma"]

[denominator]
count = "patients"
weight = "astro-pu-2013-cost"
'''


def _hospital(old: str, new: str) -> str:
    assert old in HOSPITAL
    return HOSPITAL.replace(old, new, 1)


def test_diagnoses_and_a_weight_are_read():
    measure = parse_measure(HOSPITAL, "measures/example.toml")
    assert measure.numerator.diagnoses == ("acsc-copd", "acsc-asthma")
    assert (measure.denominator.weight, measure.funnel) == ("astro-pu-2013-cost", "poisson")
    one = parse_measure(_hospital('diagnoses = ["acsc-copd", "acsc-asthma"]', 'diagnoses = "acsc-copd"'),
                        "measures/example.toml")
    assert one.numerator.diagnoses == ("acsc-copd",)
    older = parse_measure(_hospital('weight = "astro-pu-2013-cost"', 'weight = "hypertension-expected-fph-2003"\n'
                                    'where = [{ sex = "F" }, { age = [18, 80] }]'), "measures/example.toml")
    assert older.denominator.weight == "hypertension-expected-fph-2003"


@pytest.mark.parametrize(("text", "message"), [
    (_hospital('"acsc-copd", "acsc-asthma"', '"acsc-copd", "no-such-list"'),
     "example.toml, numerator.diagnoses[1]: no codelist 'no-such-list'"),
    (_hospital('"acsc-copd", "acsc-asthma"', '"copd"'),
     "example.toml, numerator.diagnoses[0]: codelist 'copd' is a snomedct list, a icd10 list is needed here"),
    (_hospital('"acsc-copd", "acsc-asthma"]', ']'),
     "example.toml, numerator.diagnoses: must be a codelist key or a non-empty list of them"),
    (_hospital('count = "patients"\n', 'count = "patients"\ndiagnoses = ["acsc-copd"]\n'),
     'example.toml, denominator.diagnoses: only for count = "hospital"'),
    (_hospital('weight = "astro-pu-2013-cost"', 'weight = "astro-pu-1993"'),
     "example.toml, denominator.weight: no weights table 'astro-pu-1993'; known: astro-pu-2013-cost"),
    (_hospital('diagnoses = ["acsc-copd", "acsc-asthma"]', 'weight = "astro-pu-2013-cost"'),
     'example.toml, numerator.weight: only for count = "patients"'),
    (_hospital('kinds = ["emergency_admission"]\ndiagnoses = ["acsc-copd", "acsc-asthma"]',
               'weight = "astro-pu-2013-cost"').replace('count = "hospital"', 'count = "patients"'),
     "example.toml, numerator.weight: only a denominator may be weighted"),
    (_hospital('weight = "astro-pu-2013-cost"', 'weight = "hypertension-expected-fph-2003"'),
     "example.toml, denominator.weight: table 'hypertension-expected-fph-2003' starts at age 15: "
     "the side's where needs { age = [15] }"),
    (_hospital('weight = "astro-pu-2013-cost"', 'weight = "hypertension-expected-fph-2003"\n'
               'where = [{ age = [10] }, { age = [15], not = true }]'),
     "denominator.weight: table 'hypertension-expected-fph-2003' starts at age 15"),
    (_hospital('unit = "per_1000"', 'unit = "percent"').replace(
        'count = "hospital"\nkinds = ["emergency_admission"]\ndiagnoses = ["acsc-copd", "acsc-asthma"]',
        'count = "patients"\nwithin_denominator = true\nwhere = [{ sex = "F" }]'),
     "example.toml, numerator.within_denominator: a weighted denominator is not a count the numerator can be part"),
])
def test_bad_diagnoses_and_weights_are_rejected_naming_the_field(text, message):
    with pytest.raises(MeasureError) as raised:
        parse_measure(text, "measures/example.toml")
    assert message in str(raised.value)


def test_the_new_measures_are_packaged():
    found = {measure.id: measure for measure in m.measures()}
    acs = found["emergency_admissions_acs_chronic"]
    assert len(acs.numerator.diagnoses) == 11 and all(k.startswith("acsc-") for k in acs.numerator.diagnoses)
    assert (found["prescribing_cost_per_astro_pu"].funnel, found["prescribing_cost_per_astro_pu"].unit) == ("none", "gbp")
    assert found["hypertension_observed_to_expected"].funnel == "poisson"
    assert found["hypertension_observed_to_expected"].denominator.weight == "hypertension-expected-fph-2003"
    assert found["emergency_admissions_frailty_65plus"].numerator.where == \
        found["emergency_admissions_frailty_65plus"].denominator.where


PRECEDED = '''
id = "example"
title = "Referrals with a test before them"
why = "Because."
direction = "higher"
unit = "percent"
serves = ["a specification"]
source = "here"
status = "uncertain"

[numerator]
count = "events"
codelists = ["lower-gi-urgent-referral"]
within_denominator = true
preceded_by = { events = "fit-test", within_days = 21 }

[denominator]
count = "events"
codelists = ["lower-gi-urgent-referral"]
'''


def test_preceded_by_is_read_for_an_events_count():
    measure = parse_measure(PRECEDED, "measures/example.toml")
    assert measure.numerator.preceded_by == m.Preceded(("fit-test",), 21)
    assert measure.denominator.preceded_by is None and measure.funnel == "binomial"
    same_day = parse_measure(PRECEDED.replace("within_days = 21", "within_days = 0"), "measures/example.toml")
    assert same_day.numerator.preceded_by.within_days == 0
    fit = m.measure("fit_before_lower_gi_referral")
    assert fit.numerator.preceded_by == m.Preceded(("fit-test",), 21) and fit.unit == "percent"


@pytest.mark.parametrize(("old", "new", "message"), [
    ("within_days = 21", "within_days = -1", "numerator.preceded_by.within_days: must be a whole number of 0 or more"),
    (", within_days = 21", "", "numerator.preceded_by.within_days: is required"),
    ('events = "fit-test", ', "", "numerator.preceded_by.events: is required"),
    ("within_days = 21", "within_days = 21, days = 3", "numerator.preceded_by: unknown field(s) days"),
    ('events = "fit-test"', 'events = "nsaids"', "codelist 'nsaids' is a bnf list, a snomedct list is needed here"),
    ('preceded_by = { events = "fit-test", within_days = 21 }', 'preceded_by = "fit-test"',
     "numerator.preceded_by: must be a table"),
])
def test_a_bad_preceded_by_is_rejected(old, new, message):
    assert old in PRECEDED
    with pytest.raises(MeasureError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_measure(PRECEDED.replace(old, new, 1), "measures/example.toml")


def test_preceded_by_is_only_for_events():
    text = GOOD.replace('count = "patients"\nwithin', 'count = "patients"\npreceded_by = { events = "fit-test", '
                        'within_days = 21 }\nwithin', 1)
    with pytest.raises(MeasureError, match='numerator.preceded_by: only for count = "events"'):
        parse_measure(text, "measures/example.toml")
