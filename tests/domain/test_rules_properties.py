"""Properties of check_configuration over generated configurations."""

from collections import Counter
from dataclasses import dataclass, replace
from random import Random

from hypothesis import given
from hypothesis import strategies as st

from pcnhub.domain.rules import (
    ERROR,
    EXCEPTION,
    FULL_COVERAGE,
    LIST_SIZE_BAND,
    UNKNOWN,
    Band,
    Network,
    PracticeEntry,
    check_configuration,
)

PRACTICE_CODES = [f"F81{number:03d}" for number in range(1, 16)] + ["Y02177", "Y02707"]
NAMES = ["Benfleet", "Canvey", "North Road Plus", "Rochford", "West Leigh", "west leigh", ""]


@dataclass(frozen=True)
class Configuration:
    networks: list[Network]
    area: list[str] | None
    band: Band


@st.composite
def configurations(draw: st.DrawFn) -> Configuration:
    # Each practice has one list size, as the CSV reader guarantees.
    practices = draw(
        st.dictionaries(st.sampled_from(PRACTICE_CODES), st.integers(0, 40_000), min_size=1, max_size=12)
    )
    codes = sorted(practices)
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=5))
    networks = [
        Network(
            name,
            [
                PracticeEntry(code, f"Practice {code}", practices[code])
                for code in draw(st.lists(st.sampled_from(codes), max_size=6))
            ],
            clinical_director=draw(st.sampled_from([UNKNOWN, None, "", "Dr Shah"])),
            nominated_payee=draw(st.sampled_from([UNKNOWN, None, " ", "Dr Khan & Ptns"])),
            network_agreement_signed=draw(st.sampled_from([UNKNOWN, None, False, True])),
            exceptions=draw(st.sampled_from([{}, {LIST_SIZE_BAND: "rural"}])),
        )
        for name in names
    ]
    area = draw(st.none() | st.lists(st.sampled_from(codes)))
    lower, upper = sorted(draw(st.lists(st.integers(0, 100_000), min_size=2, max_size=2)))
    return Configuration(networks, area, Band(lower, upper, draw(st.booleans())))


def check(configuration: Configuration):
    return check_configuration(configuration.networks, configuration.area, configuration.band)


def assigned(configuration: Configuration) -> list[Network]:
    return [network for network in configuration.networks if network.name]


@given(configurations())
def test_every_practice_is_reported_uncovered_or_covered_exactly(configuration: Configuration) -> None:
    covered = {practice.code for network in assigned(configuration) for practice in network.practices}
    unassigned = {
        practice.code
        for network in configuration.networks
        if not network.name
        for practice in network.practices
    }
    expected = set(configuration.area or ()) | unassigned
    reported = [
        code
        for finding in check(configuration).findings
        if finding.rule == FULL_COVERAGE
        for code in finding.practices
    ]
    assert len(reported) == len(set(reported))
    for code in expected:
        assert (code in reported) != (code in covered)
    assert set(reported) <= expected


@given(configurations())
def test_network_list_size_is_the_sum_of_its_practices(configuration: Configuration) -> None:
    results = {result.name: result for result in check(configuration).networks}
    assert set(results) == {network.name for network in assigned(configuration)}
    for network in assigned(configuration):
        members = {practice.code: practice.list_size for practice in network.practices}
        assert results[network.name].practices == tuple(sorted(members))
        assert results[network.name].list_size == sum(members.values())


@given(configurations(), st.randoms())
def test_findings_do_not_depend_on_input_order(configuration: Configuration, random: Random) -> None:
    shuffled_networks = [
        replace(network, practices=random.sample(list(network.practices), len(network.practices)))
        for network in random.sample(configuration.networks, len(configuration.networks))
    ]
    shuffled_area = (
        None if configuration.area is None else random.sample(configuration.area, len(configuration.area))
    )
    shuffled = Configuration(shuffled_networks, shuffled_area, configuration.band)
    assert check(shuffled).to_dict() == check(configuration).to_dict()
    assert check(configuration) == check(configuration)


@given(configurations())
def test_all_findings_collects_network_findings_then_configuration_findings(
    configuration: Configuration,
) -> None:
    result = check(configuration)
    network_findings = [finding for network in result.networks for finding in network.findings]
    assert list(result.findings[: len(network_findings)]) == network_findings
    assert all(finding.network is None for finding in result.findings[len(network_findings) :])
    for network in result.networks:
        assert all(finding.network == network.name for finding in network.findings)


@given(configurations())
def test_broken_iff_some_rule_is_broken(configuration: Configuration) -> None:
    band = configuration.band
    networks = assigned(configuration)

    def breaks_a_network_rule(network: Network) -> bool:
        codes = [practice.code for practice in network.practices]
        size = sum({practice.code: practice.list_size for practice in network.practices}.values())
        breaks_band = size < band.lower or (size > band.upper and band.upper_binds)
        out_of_band = breaks_band and LIST_SIZE_BAND not in network.exceptions
        blank = [
            value for value in (network.clinical_director, network.nominated_payee) if value is not UNKNOWN
        ]
        return (
            not codes
            or out_of_band
            or len(set(codes)) < len(codes)
            or any(value is None or not value.strip() for value in blank)
            or network.network_agreement_signed in (None, False)
        )

    homes = Counter(
        code for network in networks for code in {practice.code for practice in network.practices}
    )
    covered = set(homes)
    unassigned = {
        practice.code
        for network in configuration.networks
        if not network.name
        for practice in network.practices
    }
    uncovered = (set(configuration.area or ()) | unassigned) - covered
    expected = (
        any(map(breaks_a_network_rule, networks))
        or any(count > 1 for count in homes.values())
        or bool(uncovered)
    )

    result = check(configuration)
    assert result.broken == expected
    assert result.broken == any(finding.severity == ERROR for finding in result.findings)
    assert result.to_dict()["broken"] == expected


@given(configurations())
def test_exceptions_only_cover_band_breaches(configuration: Configuration) -> None:
    for finding in check(configuration).findings:
        if finding.severity == EXCEPTION:
            assert finding.rule == LIST_SIZE_BAND
            assert finding.message.endswith("; exception recorded: rural")
