from pcnhub.domain.contiguity import CONTIGUITY, check_contiguity
from pcnhub.domain.geography import build_graph
from pcnhub.domain.rules import ERROR, WARNING
from tests.domain.geo_helpers import km_point

# A line of practices A-B-C-D-E, 1 km apart.
GRAPH = build_graph([km_point(c, x, 0) for c, x in zip("ABCDE", range(5))])


def test_contiguous_networks_have_no_finding():
    assert check_contiguity({"N1": ["A", "B"], "N2": ["C", "D", "E"]}, GRAPH) == []


def test_split_network_names_strays():
    findings = check_contiguity({"N1": ["A", "B", "E"], "N2": ["C", "D"]}, GRAPH)
    assert len(findings) == 1
    (finding,) = findings
    assert (finding.rule, finding.severity, finding.network) == (CONTIGUITY, ERROR, "N1")
    assert finding.practices == ("E",)
    assert "A, B" in finding.message


def test_practice_without_location_warned():
    findings = check_contiguity({"N1": ["A", "B", "X9"]}, GRAPH)
    assert [(f.severity, f.practices) for f in findings] == [(WARNING, ("X9",))]


def test_blank_network_skipped():
    assert check_contiguity({"": ["A", "E"]}, GRAPH) == []
