from pcnhub.domain.contiguity import CONTIGUITY, check_contiguity
from pcnhub.domain.geography import build_graph
from pcnhub.domain.rules import EXCEPTION, INFO, WARNING
from tests.domain.geo_helpers import km_point

# A line of practices A-B-C-D-E, 1 km apart.
GRAPH = build_graph([km_point(c, x, 0) for c, x in zip("ABCDE", range(5))])


def test_contiguous_networks_have_no_finding():
    assert check_contiguity({"N1": ["A", "B"], "N2": ["C", "D", "E"]}, GRAPH) == []


def test_split_network_names_strays():
    findings = check_contiguity({"N1": ["A", "B", "E"], "N2": ["C", "D"]}, GRAPH)
    assert len(findings) == 1
    (finding,) = findings
    assert (finding.rule, finding.severity, finding.network) == (CONTIGUITY, WARNING, "N1")
    assert finding.practices == ("E",)
    assert "A, B" in finding.message


def test_practice_without_location_noted():
    findings = check_contiguity({"N1": ["A", "B", "X9"]}, GRAPH)
    assert [(f.severity, f.practices) for f in findings] == [(INFO, ("X9",))]


def test_a_recorded_exception_turns_the_warning_into_an_exception():
    findings = check_contiguity({"N1": ["A", "B", "E"], "N2": ["C", "D"]}, GRAPH, {"N1": "island practice"})
    [finding] = findings
    assert (finding.severity, finding.practices) == (EXCEPTION, ("E",))
    assert finding.message.endswith("exception recorded: island practice")


def test_blank_network_skipped():
    assert check_contiguity({"": ["A", "E"]}, GRAPH) == []
