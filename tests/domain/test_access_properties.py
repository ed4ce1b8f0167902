"""Properties of the access requirement and of plan checking over generated inputs."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from pcnhub.domain.access import (
    ENHANCED_ACCESS_START,
    EXTENDED_HOURS_END,
    NETWORK_CONTRACT_DES_START,
    Scheme,
    Session,
    check_plan,
    required_minutes,
    scheme_on,
)

dates = st.dates(NETWORK_CONTRACT_DES_START, dt.date(2030, 3, 31))
extended_dates = st.dates(NETWORK_CONTRACT_DES_START, EXTENDED_HOURS_END)
populations = st.integers(0, 200_000)
times = st.builds(dt.time, st.integers(0, 23), st.sampled_from([0, 5, 15, 20, 30, 45, 59]))
sessions = st.builds(
    Session,
    day=st.integers(0, 6),
    start=times,
    end=times,
    site=st.sampled_from(["Main", "Branch"]),
    staff_type=st.sampled_from(["GP", "Nurse"]),
    agreed=st.booleans(),
)


@given(dates, populations, st.none() | populations)
def test_required_minutes_are_never_negative(date: dt.date, registered: int, adjusted: int | None) -> None:
    assert required_minutes(date, registered, adjusted) >= 0


@given(dates, populations, populations)
def test_required_minutes_do_not_fall_as_the_list_grows(date: dt.date, a: int, b: int) -> None:
    small, large = sorted((a, b))
    assert required_minutes(date, small) <= required_minutes(date, large)
    assert required_minutes(date, 0, small) <= required_minutes(date, 0, large)


@given(extended_dates, populations)
def test_extended_hours_are_whole_quarter_hours_near_the_rate(date: dt.date, registered: int) -> None:
    minutes = required_minutes(date, registered)
    assert minutes % 15 == 0
    assert abs(minutes - registered * 30 / 1000) <= 7.5


@given(st.dates(ENHANCED_ACCESS_START, dt.date(2030, 3, 31)), populations)
def test_enhanced_access_is_the_smallest_whole_minute_at_or_above_the_rate(
    date: dt.date, adjusted: int
) -> None:
    minutes = required_minutes(date, 0, adjusted)
    assert minutes * 1000 >= adjusted * 60 > (minutes - 1) * 1000


@given(dates)
def test_scheme_changes_on_1_october_2022(date: dt.date) -> None:
    expected = Scheme.EXTENDED_HOURS if date < ENHANCED_ACCESS_START else Scheme.ENHANCED_ACCESS
    assert scheme_on(date) == expected


@given(dates, populations, st.lists(sessions, max_size=12))
def test_planned_minutes_are_the_counted_session_minutes(
    date: dt.date, registered: int, plan: list[Session]
) -> None:
    result = check_plan(date, registered, None, plan)
    counted = [session_result.counted_minutes for session_result in result.sessions]
    assert result.planned_minutes_per_week == sum(counted)
    assert result.planned_minutes_per_week <= sum(session.minutes for session in plan)
    for session, session_result in zip(plan, result.sessions, strict=True):
        assert session_result.counted_minutes + session_result.not_counted_minutes == session.minutes
        assert session_result.counted_minutes == 0 or session_result.counted_minutes >= 30
    assert (result.shortfall_minutes > 0) == any(finding.rule == "shortfall" for finding in result.findings)
    assert all(finding.session is None or 0 <= finding.session < len(plan) for finding in result.findings)


@given(dates, st.lists(sessions, max_size=8), st.lists(sessions, max_size=8))
def test_adding_sessions_never_lowers_the_planned_minutes(
    date: dt.date, plan: list[Session], more: list[Session]
) -> None:
    before = check_plan(date, 0, None, plan).planned_minutes_per_week
    assert check_plan(date, 0, None, plan + more).planned_minutes_per_week >= before
