"""How many practices (and patients) a proposal moves from the current configuration."""

from hypothesis import given, settings
from hypothesis import strategies as st

from pcnhub.domain.design.metrics import change

SIZES = {"A": 10_000, "B": 12_000, "C": 9_000, "D": 20_000, "E": 5_000}


def test_the_same_configuration_under_other_names_moves_nobody():
    result = change({"North": ["A", "B"], "South": ["C", "D", "E"]}, {"Network 1": ["C", "E", "D"],
                                                                       "Network 2": ["B", "A"]}, SIZES)
    assert (result.practices_moved, result.patients_moved) == (0, 0)
    assert result.continues == {"Network 1": "South", "Network 2": "North"}


def test_one_practice_moving_is_counted_with_its_patients():
    result = change({"North": ["A", "B", "C"], "South": ["D", "E"]}, {"N": ["A", "B"], "S": ["C", "D", "E"]}, SIZES)
    assert (result.practices_moved, result.patients_moved) == (1, 9_000)


def test_a_split_makes_a_new_network_whose_practices_move():
    result = change({"All": ["A", "B", "C", "D", "E"]}, {"One": ["A", "B"], "Two": ["C", "D", "E"]}, SIZES)
    # "Two" keeps more patients together (34,000 against 22,000), so it continues "All".
    assert result.continues == {"One": None, "Two": "All"}
    assert (result.practices_moved, result.patients_moved) == (2, 22_000)


def test_practices_in_no_network_count_as_moved_when_placed():
    result = change({"North": ["A", "B"], "": ["C"]}, {"N": ["A", "B", "C"]}, SIZES)
    assert (result.practices_moved, result.patients_moved) == (1, 9_000)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 9_000)), min_size=1, max_size=12))
def test_moved_is_bounded_and_zero_for_identical_configurations(rows):
    sizes = {f"P{i}": size for i, (_, _, size) in enumerate(rows)}
    current: dict[str, list[str]] = {}
    proposed: dict[str, list[str]] = {}
    for i, (old, new, _) in enumerate(rows):
        current.setdefault(f"old{old}", []).append(f"P{i}")
        proposed.setdefault(f"new{new}", []).append(f"P{i}")
    result = change(current, proposed, sizes)
    assert 0 <= result.practices_moved <= len(rows)
    assert 0 <= result.patients_moved <= sum(sizes.values())
    assert change(current, current, sizes).practices_moved == 0
    matched = [old for old in result.continues.values() if old is not None]
    assert len(matched) == len(set(matched))  # one-to-one
