"""Access hours under the Network Contract DES (via ../shared/reference/network-contract-facts.md)."""

import datetime as dt

import pytest

from pcnhub.domain.access import (
    AGREED_HOURS,
    BLOCK_LENGTH,
    CORE_HOURS,
    ERROR,
    SESSION_TIMES,
    SHORTFALL,
    STANDARD_HOURS,
    WARNING,
    Scheme,
    Session,
    access_requirement,
    check_plan,
    parse_day,
    required_minutes,
    scheme_on,
)

EXTENDED = dt.date(2021, 4, 1)
ENHANCED = dt.date(2023, 4, 1)


def session(day: str, start: str, end: str, *, agreed: bool = False, site: str = "Main") -> Session:
    return Session(day, start, end, site, "GP", agreed)  # type: ignore[arg-type]


def rules(result) -> list[tuple[str, str, int | None]]:
    return [(finding.severity, finding.rule, finding.session) for finding in result.findings]


# --- Required minutes ---


@pytest.mark.parametrize(
    ("registered", "minutes"),
    [
        (50_000, 1_500),  # 25 hours a week
        (10_000, 300),
        (1_234, 30),  # 37.02 -> nearest quarter hour
        (12_250, 375),  # 367.5 -> nearest quarter hour is 375
        (12_249, 360),  # 367.47 -> 360 (nearer than 375)
        (2_250, 75),  # 67.5: exactly half way between 60 and 75 rounds up
        (0, 0),
    ],
)
def test_extended_hours_minutes_round_to_the_nearest_quarter_hour(registered: int, minutes: int) -> None:
    assert required_minutes(EXTENDED, registered) == minutes


def test_extended_hours_ignore_the_adjusted_population() -> None:
    assert required_minutes(EXTENDED, 50_000, 60_000) == 1_500


@pytest.mark.parametrize(
    ("adjusted", "minutes"),
    [(50_000, 3_000), (10_000, 600), (1_234, 75), (1_001, 61), (0, 0)],  # 74.04 -> 75; 60.06 -> 61
)
def test_enhanced_access_minutes_round_up(adjusted: int, minutes: int) -> None:
    assert required_minutes(ENHANCED, 40_000, adjusted) == minutes


def test_enhanced_access_adjusted_defaults_to_registered() -> None:
    assert required_minutes(ENHANCED, 50_000) == 3_000


def test_scheme_boundary() -> None:
    assert scheme_on(dt.date(2019, 7, 1)) == Scheme.EXTENDED_HOURS == "extended_hours"
    assert scheme_on(dt.date(2022, 9, 30)) == Scheme.EXTENDED_HOURS
    assert scheme_on(dt.date(2022, 10, 1)) == Scheme.ENHANCED_ACCESS == "enhanced_access"
    assert required_minutes(dt.date(2022, 9, 30), 50_000) == 1_500
    assert required_minutes(dt.date(2022, 10, 1), 50_000) == 3_000


def test_before_the_des_is_an_error() -> None:
    with pytest.raises(ValueError, match="before the Network Contract DES"):
        scheme_on(dt.date(2019, 6, 30))
    with pytest.raises(ValueError, match="no network access requirement"):
        required_minutes(dt.date(2019, 6, 30), 50_000)


@pytest.mark.parametrize(("registered", "adjusted"), [(-1, None), (1_000, -1), (-5, 10)])
def test_negative_list_sizes_are_rejected(registered: int, adjusted: int | None) -> None:
    with pytest.raises(ValueError, match="negative"):
        required_minutes(ENHANCED, registered, adjusted)


def test_datetime_is_accepted_as_a_date() -> None:
    assert scheme_on(dt.datetime(2022, 10, 1, 9, 0)) == Scheme.ENHANCED_ACCESS


# --- Sessions ---


@pytest.mark.parametrize(("text", "day"), [("Mon", 0), ("monday", 0), ("MON", 0), ("Tues", 1), ("sun", 6)])
def test_day_names(text: str, day: int) -> None:
    assert parse_day(text) == day


def test_session_converts_names_and_times() -> None:
    s = session("Saturday", "09:00", "12:30")
    assert (s.day, s.start, s.end, s.minutes) == (5, dt.time(9), dt.time(12, 30), 210)


@pytest.mark.parametrize("day", ["Funday", 7, -1])
def test_session_rejects_a_bad_day(day: object) -> None:
    with pytest.raises(ValueError):
        Session(day, dt.time(9), dt.time(10))  # type: ignore[arg-type]


# --- Extended Hours plans ---


def test_extended_hours_outside_core_hours_count() -> None:
    plan = [
        session("Mon", "18:30", "20:00"),
        session("Tue", "07:00", "08:00"),
        session("Sat", "09:00", "12:00"),
        session("Sun", "10:00", "11:00"),
    ]
    result = check_plan(EXTENDED, 10_000, None, plan)
    assert result.scheme == Scheme.EXTENDED_HOURS
    assert result.planned_minutes_per_week == 90 + 60 + 180 + 60
    assert result.findings == ()
    assert result.shortfall_minutes == 0


def test_extended_hours_core_hours_part_does_not_count() -> None:
    result = check_plan(EXTENDED, 1_000, None, [session("Wed", "18:00", "19:30")])
    assert result.planned_minutes_per_week == 60
    assert rules(result) == [(ERROR, CORE_HOURS, 0)]
    assert "30 minutes" in result.findings[0].message
    assert [(r.counted_minutes, r.not_counted_minutes) for r in result.sessions] == [(60, 30)]


def test_extended_hours_session_entirely_in_core_hours_counts_nothing() -> None:
    result = check_plan(EXTENDED, 0, None, [session("Thu", "10:00", "12:00")])
    assert result.planned_minutes_per_week == 0
    assert rules(result) == [(ERROR, CORE_HOURS, 0)]


def test_counted_part_shorter_than_a_block_does_not_count() -> None:
    # 18:00-18:50: 30 core minutes, then only 20 outside core hours.
    result = check_plan(EXTENDED, 0, None, [session("Fri", "18:00", "18:50")])
    assert result.planned_minutes_per_week == 0
    assert rules(result) == [(ERROR, CORE_HOURS, 0), (ERROR, BLOCK_LENGTH, 0)]


def test_a_20_minute_block_is_rejected() -> None:
    result = check_plan(EXTENDED, 0, None, [session("Sat", "09:00", "09:20")])
    assert result.planned_minutes_per_week == 0
    assert rules(result) == [(ERROR, BLOCK_LENGTH, 0)]
    assert "20 minutes" in result.findings[0].message
    assert "at least 30 minutes" in result.findings[0].message


def test_a_30_minute_block_counts() -> None:
    assert check_plan(EXTENDED, 0, None, [session("Sat", "09:00", "09:30")]).planned_minutes_per_week == 30


@pytest.mark.parametrize(("start", "end"), [("20:00", "18:30"), ("19:00", "19:00"), ("22:00", "01:00")])
def test_session_must_end_after_it_starts(start: str, end: str) -> None:
    result = check_plan(EXTENDED, 0, None, [session("Mon", start, end)])
    assert result.planned_minutes_per_week == 0
    assert rules(result) == [(ERROR, SESSION_TIMES, 0)]


def test_50000_pcn_needs_25_hours() -> None:
    plan = [
        session(day, "18:30", "20:00", site=site)
        for day in ("Mon", "Tue", "Wed", "Thu", "Fri")
        for site in "ABC"
    ]
    plan += [session("Sat", "09:00", "14:00", site="A"), session("Sat", "09:00", "12:00", site="B")]
    result = check_plan(EXTENDED, 50_000, None, plan)
    assert result.required_minutes_per_week == 1_500
    assert result.planned_minutes_per_week == 15 * 90 + 300 + 180
    assert result.findings == ()


# --- Enhanced Access plans ---


def test_enhanced_access_inside_network_standard_hours_counts() -> None:
    plan = [session("Mon", "18:30", "20:00"), session("Sat", "09:00", "17:00")]
    result = check_plan(ENHANCED, 9_000, None, plan)
    assert result.required_minutes_per_week == 540
    assert result.planned_minutes_per_week == 90 + 480
    assert result.findings == ()


def test_enhanced_access_sunday_without_agreement_does_not_count() -> None:
    result = check_plan(ENHANCED, 0, None, [session("Sun", "10:00", "12:00")])
    assert result.planned_minutes_per_week == 0
    assert rules(result) == [(ERROR, STANDARD_HOURS, 0)]
    assert "commissioner-agreed" in result.findings[0].message


def test_enhanced_access_sunday_with_agreement_counts_with_a_warning() -> None:
    result = check_plan(ENHANCED, 0, None, [session("Sun", "10:00", "12:00", agreed=True)])
    assert result.planned_minutes_per_week == 120
    assert rules(result) == [(WARNING, AGREED_HOURS, 0)]
    assert "120 minutes" in result.findings[0].message
    assert not result.broken


def test_enhanced_access_agreed_early_morning_and_late_evening() -> None:
    plan = [session("Tue", "07:00", "08:00", agreed=True), session("Wed", "18:30", "21:00", agreed=True)]
    result = check_plan(ENHANCED, 0, None, plan)
    assert result.planned_minutes_per_week == 60 + 150
    assert rules(result) == [(WARNING, AGREED_HOURS, 0), (WARNING, AGREED_HOURS, 1)]
    assert "60 minutes" in result.findings[1].message  # 20:00-21:00 only


def test_enhanced_access_partly_outside_standard_hours_without_agreement() -> None:
    result = check_plan(ENHANCED, 0, None, [session("Sat", "16:00", "18:00")])
    assert result.planned_minutes_per_week == 60
    assert rules(result) == [(ERROR, STANDARD_HOURS, 0)]


def test_enhanced_access_core_hours_never_count_even_when_agreed() -> None:
    result = check_plan(ENHANCED, 0, None, [session("Mon", "17:30", "19:30", agreed=True)])
    assert result.planned_minutes_per_week == 60
    assert rules(result) == [(ERROR, CORE_HOURS, 0)]


def test_agreement_is_irrelevant_under_extended_hours() -> None:
    result = check_plan(EXTENDED, 0, None, [session("Sun", "10:00", "12:00", agreed=True)])
    assert (result.planned_minutes_per_week, result.findings) == (120, ())


# --- Shortfall and overlap ---


def test_shortfall_names_both_numbers() -> None:
    result = check_plan(ENHANCED, 50_000, None, [session("Sat", "09:00", "17:00")])
    assert result.required_minutes_per_week == 3_000
    assert result.planned_minutes_per_week == 480
    assert result.shortfall_minutes == 2_520
    assert rules(result) == [(ERROR, SHORTFALL, None)]
    message = result.findings[0].message
    assert "480" in message and "3,000" in message and "2,520" in message
    assert result.broken


def test_an_empty_plan_falls_short() -> None:
    result = check_plan(EXTENDED, 10_000, None, [])
    assert (result.planned_minutes_per_week, rules(result)) == (0, [(ERROR, SHORTFALL, None)])


def test_overlapping_staff_sessions_both_count() -> None:
    plan = [
        Session(0, dt.time(18, 30), dt.time(20, 0), "Main", "GP"),
        Session(0, dt.time(18, 30), dt.time(20, 0), "Main", "Nurse"),
        Session(0, dt.time(19, 0), dt.time(20, 0), "Branch", "GP"),
    ]
    result = check_plan(ENHANCED, 4_000, None, plan)
    assert result.planned_minutes_per_week == 90 + 90 + 60
    assert result.findings == ()


# --- Results ---


def test_to_dict_contract() -> None:
    result = check_plan(EXTENDED, 1_000, None, [session("Mon", "18:00", "19:00")])
    data = result.to_dict()
    assert {"scheme", "required_minutes_per_week", "planned_minutes_per_week", "findings"} <= set(data)
    assert data["scheme"] == "extended_hours"
    assert (data["required_minutes_per_week"], data["planned_minutes_per_week"]) == (30, 30)
    assert data["findings"] == [
        {"severity": "error", "rule": "core-hours", "message": result.findings[0].message, "session": 0}
    ]
    assert data["sessions"][0]["counted_minutes"] == 30
    assert data["shortfall_minutes"] == 0


def test_requirement_without_a_plan() -> None:
    result = access_requirement(ENHANCED, 50_000, 52_345)
    assert result.to_dict()["planned_minutes_per_week"] is None
    assert (result.required_minutes_per_week, result.findings, result.shortfall_minutes) == (3_141, (), None)
