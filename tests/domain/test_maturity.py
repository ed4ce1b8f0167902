"""Maturity matrix scoring: step reached, gap, counts, and how answers are read."""

from __future__ import annotations

import pytest

from pcnhub.domain.maturity import (
    ACHIEVED,
    IN_PROGRESS,
    NOT_STARTED,
    PCN,
    STATUS_LABELS,
    STATUSES,
    SYSTEM,
    Domain,
    Matrix,
    Statement,
    Step,
    SupportOffer,
    offers_for,
    score,
)
from pcnhub.reference.maturity import load_matrix


def build_matrix(counts: dict[str, list[tuple[int, int]]], key: str = "test") -> Matrix:
    """A matrix with, per domain key, (PCN statements, system statements) for each step."""
    names = ("Foundation", "Step 1", "Step 2", "Step 3")
    domains = []
    for domain_key, cells in counts.items():
        steps = []
        for index, (pcn, system) in enumerate(cells):
            def statements(audience: str, n: int) -> tuple[Statement, ...]:
                return tuple(
                    Statement(f"{domain_key}-{index}-{audience}-{i}", audience, f"{audience} {index}.{i}",
                              domain_key, index, "test source")
                    for i in range(1, n + 1)
                )
            steps.append(Step(index, names[index], statements(PCN, pcn), statements(SYSTEM, system)))
        domains.append(Domain(domain_key, domain_key.upper(), "", tuple(steps)))
    return Matrix(key, "1", "Test matrix", "test source", "", tuple(domains))


MATRIX = build_matrix({"aa": [(2, 1), (2, 1), (1, 1), (1, 1)], "bb": [(1, 1), (1, 1), (1, 1), (1, 1)]})


def all_of(matrix: Matrix, status: str, audience: str = PCN) -> dict[str, str]:
    return {statement.id: status for statement in matrix.statements(audience)}


def test_statuses_and_labels() -> None:
    assert STATUSES == (NOT_STARTED, IN_PROGRESS, ACHIEVED)
    assert [STATUS_LABELS[s] for s in STATUSES] == ["Not started", "In progress", "Achieved"]


def test_everything_achieved_reaches_step_3_with_no_gap() -> None:
    result = score(MATRIX, all_of(MATRIX, ACHIEVED))
    for domain_score in result.domains:
        assert domain_score.step_reached == 3
        assert domain_score.step_name == "Step 3"
        assert domain_score.gap == ()
        assert domain_score.next_step is None
        assert domain_score.complete
        assert domain_score.progress == 1.0


def test_nothing_answered_is_below_foundation_and_the_gap_is_the_foundation() -> None:
    result = score(MATRIX, {})
    aa = result.domain("aa")
    assert aa.step_reached is None
    assert aa.step_name == "Not yet at Foundation"
    assert aa.next_step == 0
    assert [s.id for s in aa.gap] == ["aa-0-pcn-1", "aa-0-pcn-2"]
    assert (aa.total, aa.achieved, aa.in_progress, aa.not_started) == (6, 0, 0, 6)
    assert not aa.complete and aa.progress == 0.0


def test_a_partly_achieved_step_stops_the_climb_whatever_is_achieved_above() -> None:
    answers = {
        "aa-0-pcn-1": ACHIEVED, "aa-0-pcn-2": ACHIEVED,  # foundation complete
        "aa-1-pcn-1": ACHIEVED,  # step 1 partly achieved
        "aa-2-pcn-1": ACHIEVED,  # step 2 complete
        "aa-3-pcn-1": ACHIEVED,  # step 3 complete
    }
    aa = score(MATRIX, answers).domain("aa")
    assert aa.step_reached == 0
    assert aa.step_name == "Foundation"
    assert aa.next_step == 1
    assert [s.id for s in aa.gap] == ["aa-1-pcn-2"]
    assert (aa.achieved, aa.not_started) == (5, 1)


def test_in_progress_is_not_achieved() -> None:
    answers = {"aa-0-pcn-1": ACHIEVED, "aa-0-pcn-2": IN_PROGRESS}
    aa = score(MATRIX, answers).domain("aa")
    assert aa.step_reached is None
    assert [s.id for s in aa.gap] == ["aa-0-pcn-2"]
    assert (aa.achieved, aa.in_progress, aa.not_started, aa.total) == (1, 1, 4, 6)


def test_missing_answers_count_as_not_started() -> None:
    answers = all_of(MATRIX, ACHIEVED)
    del answers["bb-2-pcn-1"]
    bb = score(MATRIX, answers).domain("bb")
    assert bb.step_reached == 1
    assert [s.id for s in bb.gap] == ["bb-2-pcn-1"]
    assert bb.not_started == 1


def test_unknown_ids_are_reported_not_fatal() -> None:
    result = score(MATRIX, {"zz-0-pcn-1": ACHIEVED, "aa-0-pcn-1": ACHIEVED, "nonsense": NOT_STARTED})
    assert result.unknown_ids == ("nonsense", "zz-0-pcn-1")
    assert result.to_dict()["unknown_statements"] == ["nonsense", "zz-0-pcn-1"]
    assert result.domain("aa").achieved == 1


def test_answers_for_the_other_audience_are_ignored() -> None:
    system_answers = all_of(MATRIX, ACHIEVED, SYSTEM)
    pcn_result = score(MATRIX, system_answers, PCN)
    assert all(d.step_reached is None and d.achieved == 0 for d in pcn_result.domains)
    assert pcn_result.unknown_ids == ()
    system_result = score(MATRIX, system_answers, SYSTEM)
    assert all(d.step_reached == 3 for d in system_result.domains)
    assert [s.audience for s in score(MATRIX, {}, SYSTEM).domain("aa").gap] == [SYSTEM]


@pytest.mark.parametrize("status", ["done", "Achieved", "", None, 1])
def test_a_bad_status_raises_naming_the_statement(status: object) -> None:
    with pytest.raises(ValueError, match="aa-1-pcn-1"):
        score(MATRIX, {"aa-0-pcn-1": ACHIEVED, "aa-1-pcn-1": status})  # type: ignore[dict-item]


def test_a_bad_status_raises_even_for_an_unknown_id() -> None:
    with pytest.raises(ValueError, match="zz-0-pcn-1"):
        score(MATRIX, {"zz-0-pcn-1": "yes"})


def test_an_unknown_audience_raises() -> None:
    with pytest.raises(ValueError, match="'practice' is not an audience"):
        score(MATRIX, {}, "practice")


def test_system_on_the_bnssg_matrix_raises() -> None:
    bnssg = load_matrix("bnssg-2019")
    assert bnssg.audiences() == (PCN,)
    with pytest.raises(ValueError, match="no statements for audience 'system'"):
        score(bnssg, {}, SYSTEM)


def test_a_step_without_statements_for_the_audience_counts_as_achieved() -> None:
    matrix = build_matrix({"cc": [(0, 1), (1, 1), (0, 1), (1, 1)]})
    cc = score(matrix, {}).domain("cc")
    assert cc.step_reached == 0
    assert [s.id for s in cc.gap] == ["cc-1-pcn-1"]
    cc = score(matrix, {"cc-1-pcn-1": ACHIEVED}).domain("cc")
    assert cc.step_reached == 2  # step 2 has no PCN statement
    assert cc.next_step == 3 and [s.id for s in cc.gap] == ["cc-3-pcn-1"]


def test_bnssg_empowered_primary_care_starts_at_foundation() -> None:
    epc = score(load_matrix("bnssg-2019"), {}).domain("epc")
    assert epc.step_reached == 0
    assert epc.step_name == "Foundations for transformation"
    assert [s.id for s in epc.gap] == ["epc-1-pcn-1"]


def test_score_to_dict_contract() -> None:
    result = score(MATRIX, {"aa-0-pcn-1": ACHIEVED, "aa-0-pcn-2": ACHIEVED, "aa-1-pcn-1": IN_PROGRESS})
    data = result.to_dict()
    assert set(data) == {"matrix", "audience", "domains", "unknown_statements"}
    assert (data["matrix"], data["audience"]) == ("test", "pcn")
    assert data["domains"][0] == {
        "key": "aa",
        "name": "AA",
        "step_reached": 0,
        "step_name": "Foundation",
        "next_step": 1,
        "gap": [{"id": "aa-1-pcn-1", "text": "pcn 1.1", "step": 1}, {"id": "aa-1-pcn-2", "text": "pcn 1.2", "step": 1}],
        "achieved": 2,
        "in_progress": 1,
        "not_started": 3,
        "total": 6,
    }
    assert data["domains"][1]["step_reached"] is None


def test_matrix_lookups_and_to_dict() -> None:
    assert MATRIX.statement("aa-1-system-1").step == 1
    assert MATRIX.domain("bb").name == "BB"
    assert MATRIX.audiences() == (PCN, SYSTEM)
    assert [s.id for s in MATRIX.domain("bb").statements()[:2]] == ["bb-0-pcn-1", "bb-0-system-1"]
    assert MATRIX.domain("aa").steps[0].statements(SYSTEM)[0].id == "aa-0-system-1"
    with pytest.raises(KeyError, match="no statement 'aa-9-pcn-1'"):
        MATRIX.statement("aa-9-pcn-1")
    with pytest.raises(KeyError, match="no domain 'zz'; its domains are aa, bb"):
        MATRIX.domain("zz")
    data = MATRIX.to_dict()
    assert set(data) == {"key", "version", "name", "source", "domains"}
    assert data["domains"][0]["steps"][0] == {
        "name": "Foundation",
        "pcn_statements": [{"id": "aa-0-pcn-1", "text": "pcn 0.1"}, {"id": "aa-0-pcn-2", "text": "pcn 0.2"}],
        "system_statements": [{"id": "aa-0-system-1", "text": "system 0.1"}],
    }


def test_a_matrix_rejects_duplicate_ids() -> None:
    statement = Statement("aa-0-pcn-1", PCN, "x", "aa", 0, "s")
    step = Step(0, "Foundation", (statement, statement), ())
    with pytest.raises(ValueError, match="appears twice"):
        Matrix("m", "1", "M", "s", "", (Domain("aa", "AA", "", (step,)),))


def test_offers_for_a_gap() -> None:
    offers = [
        SupportOffer("a", "A", "", "g", "s", ("aa-1-pcn-1",)),
        SupportOffer("b", "B", "", "g", "s", ("bb-0-pcn-1",)),
    ]
    gap = score(MATRIX, all_of(MATRIX, ACHIEVED) | {"aa-1-pcn-1": IN_PROGRESS}).domain("aa").gap
    assert [offer.key for offer in offers_for(gap, offers)] == ["a"]
    assert [offer.key for offer in offers_for(["bb-0-pcn-1"], offers)] == ["b"]
