"""Matching short names to the register's: normalisation, the three stages, one candidate or none, postcodes."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from pcnhub.domain.names import (
    EXACT,
    GENERIC_WORDS,
    INITIALS,
    WORDS,
    Candidate,
    NameIndex,
    match_key,
    match_name,
    normalise,
    unique_matches,
)

# Milton Keynes practices as epraccur 2019 names them.
MK = [
    Candidate("K82009", "STONY MEDICAL CENTRE", "MK11 1YA"),
    Candidate("K82617", "THE STONEDEAN PRACTICE", "MK11 1YA"),
    Candidate("K82013", "THE RED HOUSE SURGERY", "MK2 2EH"),
    Candidate("K82057", "COBBS GARDEN SURGERY", "MK46 5QG"),
    Candidate("K82016", "NEWPORT PAGNELL MED.CTR.", "MK16 8QT"),
    Candidate("K82065", "CENTRAL MILTON KEYNES MEDICAL CENTRE", "MK13 8RN"),
    Candidate("K82631", "MILTON KEYNES VILLAGE SURG", "MK10 9BQ"),
    Candidate("K82076", "WATLING VALE MEDICAL CTR.", "MK5 6EY"),
]


def found(name: str, candidates=MK, postcode: str = "") -> str | None:
    match = match_name(name, candidates, postcode)
    return match.found.code if match.found else None


def test_normalise_drops_case_punctuation_accents_and_generic_words() -> None:
    assert normalise("Newport Pagnell Med.Ctr.") == "NEWPORT PAGNELL"
    assert normalise("Dr Saleh's Practice & Partners") == "SALEHS"
    assert normalise("Belgrave & Spinney Hill PCN") == normalise("Belgrave Spinney Hill") == "BELGRAVE SPINNEY HILL"
    assert normalise("Café Surgery") == "CAFE"
    assert normalise("NHS Leicester City CCG") == "LEICESTER CITY"
    # A name of generic words only keeps them, rather than becoming nothing.
    assert normalise("The Surgery") == "THE SURGERY"
    assert normalise("  ") == ""


def test_each_stage_matches_the_short_names_of_a_board_paper() -> None:
    assert match_name("Stony", MK).how == EXACT and found("Stony") == "K82009"
    assert found("Redhouse") == "K82013"  # one word for two
    assert found("Watling Vale") == "K82076"  # "MEDICAL CTR." is generic
    assert match_name("Cobbs", MK).how == WORDS and found("Cobbs") == "K82057"
    assert match_name("CMK", MK).how == INITIALS and found("CMK") == "K82065"
    assert found("MKVP") == "K82631"  # Milton Keynes Village, P for practice
    assert found("Cmk") is None  # initials only when written in capitals
    assert found("Broughton") is None and match_name("Broughton", MK).problem == "matches no name"


def test_two_candidates_at_one_stage_are_ambiguous_and_named() -> None:
    match = match_name("Milton Keynes", MK)
    assert match.found is None and match.how == WORDS
    assert [c.code for c in match.candidates] == ["K82065", "K82631"]
    assert "matches 2 names, so none is chosen" in match.problem and "MILTON KEYNES VILLAGE SURG (K82631" in match.problem


def test_an_exact_match_wins_over_a_name_that_only_contains_it() -> None:
    candidates = [Candidate("U1", "LEICESTER CITY SOUTH PCN"), Candidate("U2", "LEICESTER CITY & UNIVERSITY PCN"),
                  Candidate("U3", "LEICESTER CENTRAL PCN")]
    assert found("Leicester City South", candidates) == "U1"
    assert found("Leicester City and University", candidates) == "U2"
    assert found("Leicester City", candidates) is None  # contained in two


def test_a_postcode_chooses_between_names_and_can_refuse_one() -> None:
    same_name = [Candidate("K1", "PARKSIDE SURGERY", "MK3 6EN"), Candidate("K2", "PARKSIDE MEDICAL CENTRE", "LE1 1AA")]
    assert found("Parkside", same_name) is None
    assert found("Parkside", same_name, "mk3 6en") == "K1"
    assert match_name("Parkside", same_name, "MK36EN").how == "exact and postcode"
    refused = match_name("Redhouse", MK, "MK9 9ZZ")
    assert refused.found is None and "another postcode than MK9 9ZZ" in refused.problem
    assert "THE RED HOUSE SURGERY (K82013, MK2 2EH)" in refused.problem
    # Stony and Stonedean share a building: the postcode confirms, the name chooses.
    assert found("Stonedean", MK, "MK11 1YA") == "K82617"


def test_a_candidate_two_names_match_is_given_to_neither() -> None:
    index = NameIndex([Candidate("U9", "NORTH WEST LEICESTERSHIRE PCN"), Candidate("U8", "SOAR VALLEY PCN")])
    matches = [index.match("North West Leicestershire"), index.match("Leicestershire North West"),
               index.match("Soar Valley")]
    unique, shared = unique_matches(matches)
    assert [m.name for m in unique] == ["Soar Valley"]
    assert [(m.name, [o.name for o in others]) for m, others in shared] == [
        ("North West Leicestershire", ["Leicestershire North West"]),
        ("Leicestershire North West", ["North West Leicestershire"]),
    ]


# --- properties --------------------------------------------------------------------------------

any_names = st.text(max_size=40)
distinct_words = st.from_regex(r"[A-Za-z]{3,10}", fullmatch=True).filter(lambda w: w.upper() not in GENERIC_WORDS)
decorations = st.sampled_from(["", " Surgery", " Medical Centre", " Health Centre", " Practice", " PCN", " Med. Ctr."])
place_names = st.lists(distinct_words, min_size=1, max_size=4).map(" ".join)


@given(any_names)
def test_normalising_twice_changes_nothing(name: str) -> None:
    assert normalise(normalise(name)) == normalise(name)


@given(place_names, decorations, st.sampled_from([str.upper, str.lower, str.title]), st.booleans())
def test_case_punctuation_and_generic_words_do_not_change_the_key(name, decoration, case, the) -> None:
    decorated = case(("The " if the else "") + name + decoration)
    assert match_key(decorated) == match_key(name)


@given(st.lists(place_names, min_size=1, max_size=12), st.data())
def test_each_name_matches_itself_uniquely_among_distinct_names(names: list[str], data) -> None:
    assume(len({match_key(name) for name in names}) == len(names))
    candidates = [Candidate(f"P{i:05d}", name.upper() + " SURGERY") for i, name in enumerate(names)]
    shuffled = data.draw(st.permutations(candidates))
    for candidate, name in zip(candidates, names, strict=True):
        match = match_name(name, shuffled)
        assert match.found == candidate and match.how == EXACT


@given(st.lists(place_names, min_size=2, max_size=8, unique_by=match_key), any_names, st.data())
def test_the_order_of_candidates_never_changes_the_answer(names: list[str], query: str, data) -> None:
    candidates = [Candidate(f"P{i:05d}", name) for i, name in enumerate(names)]
    assert match_name(query, candidates) == match_name(query, data.draw(st.permutations(candidates)))


@given(distinct_words, distinct_words, distinct_words)
def test_a_name_contained_in_two_candidates_is_never_given_to_either(shared, one, other) -> None:
    assume(len({shared.upper(), one.upper(), other.upper()}) == 3)
    candidates = [Candidate("P1", f"{shared} {one}"), Candidate("P2", f"{other} {shared}")]
    match = match_name(shared, candidates)
    assert match.found is None and {c.code for c in match.candidates} == {"P1", "P2"}
