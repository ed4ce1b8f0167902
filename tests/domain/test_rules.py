"""Each Network Contract DES rule checked by pcnhub.domain.rules."""

from dataclasses import replace
from typing import Any

import pytest

from pcnhub.domain.rules import (
    CLINICAL_DIRECTOR,
    DEFAULT_BAND,
    ERROR,
    EXCEPTION,
    FULL_COVERAGE,
    LIST_SIZE_BAND,
    NETWORK_AGREEMENT,
    NOMINATED_PAYEE,
    ONE_PCN_PER_PRACTICE,
    NOT_RECORDED,
    UNKNOWN,
    WARNING,
    Band,
    Finding,
    Network,
    PracticeEntry,
    check_configuration,
    condensed,
)


def network(name: str, *sizes: int, first_code: int = 81001, **details: Any) -> Network:
    """A network of practices F81001, F81002, ... with the given list sizes."""
    practices = [
        PracticeEntry(f"F{first_code + index}", f"Practice {first_code + index}", size)
        for index, size in enumerate(sizes)
    ]
    return Network(name, practices, **details)


def rules_of(findings: tuple[Finding, ...]) -> list[tuple[str, str]]:
    return [(finding.rule, finding.severity) for finding in findings]


# Band


def test_default_band_is_the_des_band() -> None:
    assert (DEFAULT_BAND.lower, DEFAULT_BAND.upper) == (30_000, 50_000)
    assert Band() == DEFAULT_BAND
    assert str(DEFAULT_BAND) == "30,000-50,000"


@pytest.mark.parametrize(
    ("lower", "upper", "message"),
    [
        (-1, 50_000, "lower limit cannot be negative"),
        (50_001, 50_000, "lower limit (50,001) is above its upper limit (50,000)"),
    ],
)
def test_band_rejects_invalid_limits(lower: int, upper: int, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Band(lower, upper)


def test_band_may_be_a_single_value() -> None:
    assert Band(40_000, 40_000).to_dict() == {"lower": 40_000, "upper": 40_000, "upper_binds": False}


# list-size-band


@pytest.mark.parametrize("size", [30_000, 40_000, 50_000])
def test_list_size_within_band_inclusive_is_not_a_finding(size: int) -> None:
    result = check_configuration([network("Benfleet", size)])
    assert result.findings == ()
    assert not result.broken
    assert result.networks[0].list_size == size


def test_list_size_above_the_des_upper_level_is_a_warning() -> None:
    """The DES's 50,000 is "a suggested upper level" (seed 000): above it is advice, not a breach."""
    result = check_configuration([network("Rayleigh & District", 30_000, 26_155)])
    assert result.findings == (
        Finding(
            LIST_SIZE_BAND,
            WARNING,
            "Rayleigh & District has 56,155 registered patients, 6,155 above the suggested upper level "
            "of 50,000 (band 30,000-50,000)",
            "Rayleigh & District",
        ),
    )
    assert not result.broken


def test_list_size_above_a_binding_upper_limit_is_an_error() -> None:
    """An area whose policy binds its upper limit (Milton Keynes: networks of 30,000-70,000, seed 002)."""
    policy = Band(30_000, 70_000, upper_binds=True)
    result = check_configuration([network("Bletchley", 40_000, 30_001), network("Newport", 70_000, first_code=82001)], band=policy)
    assert result.findings == (
        Finding(
            LIST_SIZE_BAND,
            ERROR,
            "Bletchley has 70,001 registered patients, 1 above the upper limit of 70,000 (band 30,000-70,000)",
            "Bletchley",
        ),
    )
    assert result.broken


def test_a_network_is_held_to_its_own_band_when_it_has_one() -> None:
    """In a region, each network is held to its own area's policy; the others to the configuration's band."""
    milton_keynes = Band(30_000, 70_000, upper_binds=True)
    result = check_configuration(
        [replace(network("Bletchley", 60_000), band=milton_keynes), network("Luton", 60_000, first_code=82001)]
    )
    assert [(n.name, n.band) for n in result.networks] == [("Bletchley", milton_keynes), ("Luton", Band())]
    assert [(f.network, f.severity) for f in result.findings] == [("Luton", WARNING)]
    assert result.to_dict()["networks"][0]["band"] == {"lower": 30_000, "upper": 70_000, "upper_binds": True}


def test_band_with_limits_keeps_what_is_not_given() -> None:
    policy = Band(30_000, 70_000, upper_binds=True)
    assert policy.with_limits(None, 80_000) == Band(30_000, 80_000, upper_binds=True)
    assert policy.with_limits(25_000, None) == Band(25_000, 70_000, upper_binds=True)
    assert Band.of(None, None) == Band()


def test_list_size_just_outside_band_edges() -> None:
    result = check_configuration([network("Low", 29_999), network("High", 50_001, first_code=82001)])
    messages = [finding.message for finding in result.findings]
    assert messages == [
        "High has 50,001 registered patients, 1 above the suggested upper level of 50,000 (band 30,000-50,000)",
        "Low has 29,999 registered patients, 1 below the lower limit of 30,000 (band 30,000-50,000)",
    ]


def test_list_size_below_band_with_custom_band() -> None:
    result = check_configuration([network("North Road Plus", 28_858)], band=Band(30_000, 70_000))
    assert [finding.message for finding in result.findings] == [
        "North Road Plus has 28,858 registered patients, 1,142 below the lower limit of 30,000 "
        "(band 30,000-70,000)"
    ]


def test_band_breach_with_recorded_exception_is_not_broken() -> None:
    rural = network("Dengie", 24_000, exceptions={LIST_SIZE_BAND: "rural area agreed by the CCG"})
    result = check_configuration([rural])
    (finding,) = result.findings
    assert (finding.rule, finding.severity) == (LIST_SIZE_BAND, EXCEPTION)
    assert finding.message.endswith("; exception recorded: rural area agreed by the CCG")
    assert "24,000 registered patients, 6,000 below the lower limit" in finding.message
    assert not result.broken
    assert not result.networks[0].broken


def test_exception_for_a_network_within_band_is_not_a_finding() -> None:
    result = check_configuration([network("Canvey", 36_416, exceptions={LIST_SIZE_BAND: "rural"})])
    assert result.findings == ()


@pytest.mark.parametrize(
    ("exceptions", "message"),
    [
        ({CLINICAL_DIRECTOR: "vacancy"}, "no exception can be recorded for 'clinical-director'"),
        ({LIST_SIZE_BAND: "  "}, "needs a reason"),
    ],
)
def test_network_rejects_invalid_exceptions(exceptions: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        network("Canvey", 36_416, exceptions=exceptions)


def test_network_with_no_practices_is_an_error_even_with_an_exception() -> None:
    result = check_configuration([Network("Empty", [], exceptions={LIST_SIZE_BAND: "rural"})])
    assert result.findings == (Finding(LIST_SIZE_BAND, ERROR, "Empty has no member practices", "Empty"),)
    assert result.networks[0].list_size == 0
    assert result.broken


# one-pcn-per-practice


def test_practice_in_two_networks_is_reported_once_at_configuration_level() -> None:
    shared = PracticeEntry("F81001", "Dr Khan & Ptns", 12_980)
    benfleet = Network("Benfleet", [shared, PracticeEntry("F81002", "Dr PA Patel", 30_000)])
    canvey = Network("Canvey", [PracticeEntry("F81051", "Third Avenue", 20_000), shared])
    result = check_configuration([canvey, benfleet])
    assert result.findings == (
        Finding(
            ONE_PCN_PER_PRACTICE,
            ERROR,
            "F81001 (Dr Khan & Ptns) is in 2 networks, Benfleet and Canvey; "
            "a practice may belong to only one PCN",
            None,
            ("F81001",),
        ),
    )
    assert all(result_network.findings == () for result_network in result.networks)
    assert result.broken


def test_practice_in_three_networks_names_them_all() -> None:
    shared = PracticeEntry("F81001", "Dr Khan & Ptns", 40_000)
    result = check_configuration([Network(name, [shared]) for name in ("C", "A", "B")])
    (finding,) = result.findings
    assert "is in 3 networks, A, B and C;" in finding.message


def test_practice_listed_twice_in_one_network() -> None:
    entry = PracticeEntry("F81001", "Dr Khan & Ptns", 12_980)
    result = check_configuration(
        [Network("Benfleet", [entry, PracticeEntry("F81032", "Dr Patel", 20_000), entry])]
    )
    assert result.findings == (
        Finding(
            ONE_PCN_PER_PRACTICE,
            ERROR,
            "F81001 (Dr Khan & Ptns) is listed twice in Benfleet",
            "Benfleet",
            ("F81001",),
        ),
    )
    assert result.networks[0].list_size == 32_980  # the duplicate is counted once
    assert result.networks[0].practices == ("F81001", "F81032")


# full-coverage


def test_coverage_against_area_practices() -> None:
    result = check_configuration([network("Benfleet", 40_000)], area_practices=["F81001", "F81099", "F81098"])
    assert result.findings == (
        Finding(
            FULL_COVERAGE,
            ERROR,
            "2 practices are in no network, so the area is not fully covered: F81098, F81099",
            None,
            ("F81098", "F81099"),
        ),
    )


def test_full_coverage_of_area_is_not_a_finding() -> None:
    result = check_configuration([network("Benfleet", 20_000, 20_000)], area_practices=["F81002", "F81001"])
    assert result.findings == ()


def test_coverage_without_area_uses_practices_with_a_blank_network() -> None:
    unassigned = Network(" ", [PracticeEntry("Y02707", "St Luke's HC", 6_434)])
    result = check_configuration([network("Benfleet", 40_000), unassigned])
    assert [result_network.name for result_network in result.networks] == ["Benfleet"]
    assert result.findings == (
        Finding(
            FULL_COVERAGE,
            ERROR,
            "1 practice is in no network, so the area is not fully covered: Y02707 (St Luke's HC)",
            None,
            ("Y02707",),
        ),
    )


def test_blank_network_practice_also_in_a_named_network_is_covered() -> None:
    unassigned = Network("", [PracticeEntry("F81001", "Practice 81001", 40_000)])
    assert check_configuration([network("Benfleet", 40_000), unassigned]).findings == ()


def test_coverage_without_area_and_without_blank_network_is_complete() -> None:
    assert check_configuration([network("Benfleet", 40_000)]).findings == ()


# governance


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        ({"clinical_director": None}, (CLINICAL_DIRECTOR, "X has no named Clinical Director")),
        ({"clinical_director": "  "}, (CLINICAL_DIRECTOR, "X has no named Clinical Director")),
        ({"nominated_payee": ""}, (NOMINATED_PAYEE, "X has no nominated payee")),
        ({"network_agreement_signed": False}, (NETWORK_AGREEMENT, "X has not signed its Network Agreement")),
        (
            {"network_agreement_signed": None},
            (NETWORK_AGREEMENT, "X has no record of a signed Network Agreement"),
        ),
    ],
)
def test_governance_field_present_but_empty_is_an_error(
    details: dict[str, object], expected: tuple[str, str]
) -> None:
    result = check_configuration([network("X", 40_000, **details)])
    assert [(finding.rule, finding.message) for finding in result.findings] == [expected]
    assert result.broken


def test_governance_fields_met() -> None:
    complete = network(
        "X",
        40_000,
        clinical_director="Dr A Shah",
        nominated_payee="Dr Khan & Ptns",
        network_agreement_signed=True,
    )
    assert check_configuration([complete]).findings == ()


def test_unknown_governance_fields_are_not_checked() -> None:
    unknown = network(
        "X",
        40_000,
        clinical_director=UNKNOWN,
        nominated_payee=UNKNOWN,
        network_agreement_signed=UNKNOWN,
    )
    assert unknown == network("X", 40_000)
    assert check_configuration([unknown]).findings == ()


# result shape and ordering


def test_networks_sorted_by_name_and_findings_in_stable_order() -> None:
    west = network("West Leigh", 56_908, first_code=81046, clinical_director=None)
    benfleet = network("benfleet", 20_000, first_code=81001)
    result = check_configuration(
        [west, Network("", [PracticeEntry("Y02707", "", 6_434)]), benfleet],
        area_practices=["F81001"],
    )
    assert [result_network.name for result_network in result.networks] == ["benfleet", "West Leigh"]
    assert rules_of(result.findings) == [
        (LIST_SIZE_BAND, ERROR),
        (LIST_SIZE_BAND, WARNING),
        (CLINICAL_DIRECTOR, ERROR),
        (FULL_COVERAGE, ERROR),
    ]
    assert [finding.network for finding in result.findings] == ["benfleet", "West Leigh", "West Leigh", None]


def test_to_dict_shape() -> None:
    result = check_configuration(
        [Network("Canvey", [PracticeEntry("F81096", "Oaklands", 10_178)], code="U12345")],
        band=Band(10_000, 20_000),
    )
    assert result.to_dict() == {
        "networks": [
            {
                "name": "Canvey",
                "code": "U12345",
                "practices": ["F81096"],
                "list_size": 10_178,
                "findings": [],
                "band": {"lower": 10_000, "upper": 20_000, "upper_binds": False},
            }
        ],
        "findings": [],
        "broken": False,
        "band": {"lower": 10_000, "upper": 20_000, "upper_binds": False},
    }


def test_finding_to_dict_and_severity_validation() -> None:
    finding = Finding(ONE_PCN_PER_PRACTICE, ERROR, "message", None, ("F81001",))
    assert finding.to_dict() == {
        "rule": ONE_PCN_PER_PRACTICE,
        "severity": ERROR,
        "message": "message",
        "network": None,
        "practices": ["F81001"],
    }
    with pytest.raises(ValueError, match="unknown severity 'fatal'"):
        Finding(LIST_SIZE_BAND, "fatal", "message")


def test_practice_entry_rejects_negative_list_size() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        PracticeEntry("F81001", "Dr Khan", -1)


def test_governance_not_recorded_is_a_warning_for_each_field_not_silence():
    network = Network("North", [PracticeEntry("A81001", "One", 35_000)], clinical_director=NOT_RECORDED,
                      nominated_payee=NOT_RECORDED, network_agreement_signed=NOT_RECORDED)
    result = check_configuration([network], ["A81001"])
    assert [(f.rule, f.severity, f.message) for f in result.findings] == [
        (CLINICAL_DIRECTOR, WARNING, "North: a Clinical Director is not recorded"),
        (NOMINATED_PAYEE, WARNING, "North: a nominated payee is not recorded"),
        (NETWORK_AGREEMENT, WARNING, "North: a signed Network Agreement is not recorded"),
    ]
    assert not result.broken
    unknown = Network("North", [PracticeEntry("A81001", "One", 35_000)])  # a file without those columns
    assert check_configuration([unknown], ["A81001"]).findings == ()


def test_a_practice_without_a_list_size_counts_as_0_and_is_named():
    north = Network("North", [PracticeEntry("A81001", "One", 35_000), PracticeEntry("Y07020", "New", None)])
    [result] = check_configuration([north], ["A81001", "Y07020"]).networks
    assert result.list_size == 35_000
    [finding] = result.findings
    assert (finding.rule, finding.severity, finding.practices) == (LIST_SIZE_BAND, WARNING, ("Y07020",))
    assert finding.message == "North: no list size is known for Y07020, counted as 0 registered patients"


def test_condensed_gathers_a_networks_not_recorded_governance_into_one_warning():
    north = Network("North", [PracticeEntry("A81001", "One", 35_000)], clinical_director=NOT_RECORDED,
                    nominated_payee=NOT_RECORDED, network_agreement_signed=NOT_RECORDED)
    south = Network("South", [PracticeEntry("A81002", "Two", 29_000)], clinical_director="Dr Shah",
                    nominated_payee=NOT_RECORDED, network_agreement_signed=True)
    findings = check_configuration([north, south]).findings
    assert len(findings) == 5
    shown = condensed(findings)
    assert [(f.network, f.severity, f.message) for f in shown] == [
        ("North", WARNING, "North: a Clinical Director, a nominated payee and a signed Network Agreement are not "
                           "recorded"),
        ("South", ERROR, "South has 29,000 registered patients, 1,000 below the lower limit of 30,000 "
                         "(band 30,000-50,000)"),
        ("South", WARNING, "South: a nominated payee is not recorded"),
    ]
    assert condensed(shown) == shown


@pytest.mark.parametrize("size, placing", [(0, "below"), (29_999, "below"), (30_000, "within"), (50_000, "within"),
                                           (50_001, "above")])
def test_band_placing_is_the_comparison_the_size_rule_makes(size: int, placing: str) -> None:
    band = Band()
    assert band.placing(size) == placing
    network = Network("Solo", [PracticeEntry("A1", "A", size)] if size else [])
    findings = [f for f in check_configuration([network]).findings if f.rule == LIST_SIZE_BAND]
    assert bool(findings) == (placing != "within")
