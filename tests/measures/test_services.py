"""How the measures pages write a value and a change (``measures.services``)."""

import pytest

from pcnhub.measures import services
from pcnhub.measures.services import Definition


def _definition(unit: str, direction: str) -> Definition:
    return Definition(id="m", title="A measure", why="", direction=direction, unit=unit, serves=(), source="",
                      status="derived", note="", funnel="none")


@pytest.mark.parametrize(("unit", "change", "text"), [
    ("percent", 0.0, "no change"),
    ("percent", 0.04, "no change"),  # written as 0.0: not "up 0.0 percentage points"
    ("percent", -0.04, "no change"),
    ("percent", 0.05, "up 0.1 percentage points"),
    ("percent", -2.345, "down 2.3 percentage points"),
    ("per_1000", 0.03, "no change"),
    ("per_1000", 1.26, "up 1.3 per 1,000"),
    ("gbp_per_patient", 0.004, "no change"),
    ("gbp_per_patient", -0.26, "down £0.26"),
    ("ratio", 0.001, "no change"),
    ("ratio", 0.03, "up 0.03"),
])
def test_a_change_too_small_to_show_is_no_change(unit, change, text):
    assert services.format_change(unit, change) == text


@pytest.mark.parametrize(("direction", "change", "judged"), [
    ("lower", 0.04, ""), ("lower", 0.2, "worse"), ("lower", -0.2, "better"),
    ("higher", -0.04, ""), ("higher", 0.2, "better"), ("none", 0.2, ""),
])
def test_a_change_is_judged_only_when_it_shows(direction, change, judged):
    assert _definition("percent", direction).judge(change) == judged
    assert _definition("percent", direction).judge(None) == ""
