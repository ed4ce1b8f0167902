"""Properties of maturity scoring, on the packaged matrices and on generated ones with empty cells."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pcnhub.domain.maturity import (
    ACHIEVED,
    AUDIENCES,
    STATUSES,
    Domain,
    Matrix,
    Statement,
    Step,
    score,
)
from pcnhub.reference.maturity import load_matrix


def _generated_matrix(cells: list[list[tuple[int, int]]]) -> Matrix:
    domains = []
    for d, domain_cells in enumerate(cells):
        key = f"d{d}"
        steps = []
        for index, counts in enumerate(domain_cells):
            by_audience = [
                tuple(Statement(f"{key}-{index}-{audience}-{i}", audience, "t", key, index, "s") for i in range(1, n + 1))
                for audience, n in zip(AUDIENCES, counts)
            ]
            steps.append(Step(index, f"Step {index}", *by_audience))
        domains.append(Domain(key, key, "", tuple(steps)))
    return Matrix("generated", "1", "Generated", "s", "", tuple(domains))


_generated = st.lists(
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=4, max_size=4), min_size=1, max_size=3
).map(_generated_matrix)

_matrices = st.one_of(st.sampled_from([load_matrix("national-2019"), load_matrix("bnssg-2019")]), _generated)


@st.composite
def assessments(draw: st.DrawFn) -> tuple[Matrix, str, dict[str, str]]:
    """A matrix, an audience it has statements for, and answers for some of its statements."""
    matrix = draw(_matrices.filter(lambda m: m.audiences()))
    audience = draw(st.sampled_from(matrix.audiences()))
    ids = [statement.id for statement in matrix.statements()]
    answered = draw(st.lists(st.sampled_from(ids), unique=True)) if ids else []
    answers = {statement_id: draw(st.sampled_from(STATUSES)) for statement_id in answered}
    return matrix, audience, answers


@given(assessments(), st.data())
def test_raising_an_answer_to_achieved_never_lowers_the_step_reached(assessment, data) -> None:
    matrix, audience, answers = assessment
    statement = data.draw(st.sampled_from(matrix.statements()))
    before = score(matrix, answers, audience)
    after = score(matrix, answers | {statement.id: ACHIEVED}, audience)
    for old, new in zip(before.domains, after.domains):
        assert (new.step_reached if new.step_reached is not None else -1) >= (
            old.step_reached if old.step_reached is not None else -1
        )


@given(assessments())
def test_the_gap_is_empty_exactly_at_the_top_step(assessment) -> None:
    matrix, audience, answers = assessment
    for domain_score in score(matrix, answers, audience).domains:
        top = len(domain_score.domain.steps) - 1
        assert (domain_score.gap == ()) == (domain_score.step_reached == top)
        assert domain_score.complete == (domain_score.step_reached == top)
        assert (domain_score.next_step is None) == domain_score.complete


@given(assessments())
def test_every_gap_statement_is_of_the_next_step_unachieved_and_for_the_audience(assessment) -> None:
    matrix, audience, answers = assessment
    for domain_score in score(matrix, answers, audience).domains:
        for statement in domain_score.gap:
            assert statement.step == domain_score.next_step
            assert statement.audience == audience
            assert statement.domain == domain_score.domain.key
            assert answers.get(statement.id) != ACHIEVED
        # the gap is all of the next step's unachieved statements
        if domain_score.next_step is not None:
            step = domain_score.domain.steps[domain_score.next_step]
            expected = [s for s in step.statements(audience) if answers.get(s.id) != ACHIEVED]
            assert list(domain_score.gap) == expected


@given(assessments())
def test_every_step_up_to_the_one_reached_is_fully_achieved(assessment) -> None:
    matrix, audience, answers = assessment
    for domain_score in score(matrix, answers, audience).domains:
        reached = -1 if domain_score.step_reached is None else domain_score.step_reached
        for step in domain_score.domain.steps[: reached + 1]:
            assert all(answers.get(s.id) == ACHIEVED for s in step.statements(audience))


@given(assessments())
def test_the_counts_add_up_to_the_total(assessment) -> None:
    matrix, audience, answers = assessment
    result = score(matrix, answers, audience)
    for domain_score in result.domains:
        assert domain_score.achieved + domain_score.in_progress + domain_score.not_started == domain_score.total
        assert domain_score.total == len(domain_score.domain.statements(audience))
        assert 0.0 <= domain_score.progress <= 1.0
    assert sum(d.total for d in result.domains) == len(matrix.statements(audience))
    assert result.unknown_ids == ()
    assert result.audience in AUDIENCES
