"""The area pickers (pcnhub.register.pickers) on the page's date: an ICB merged away by then (Mid and South Essex,
QH8, which NHS Essex ICB, D7T5G, took over in 2026) is listed after every current area, under "Former areas" and
marked with its last day; on a date when it still existed it is an ordinary option."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from pcnhub.accounts.models import Profile, Role
from pcnhub.domain.money.years import long_date
from pcnhub.register import pickers
from pcnhub.register.loaders import import_file
from pcnhub.register.models import Organisation, OrgKind, Parentage
from tests.register.conftest import map_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def essex_2026(southend: Path, tmp_path: Path) -> Path:
    """The southend register (the 2022 map of QH8 and QOC), then the 2026 map of NHS Essex ICB and of QOC."""
    later = map_of("gp-reg-pat-prac-map_2026-05.csv", "ICB_CODE", ("D7T5G", "QOC"), tmp_path)
    import_file(later, progress=False)
    return later


def options(groups) -> dict[str, tuple[str, str]]:
    """``{code: (group heading, option text)}``."""
    return {code: (name, text) for name, opts in groups for code, text in opts}


def qh8_last_day(qh8: Organisation) -> dt.date:
    """The last day the register has a sub-ICB location in QH8 (the day before the 2026 map's)."""
    ends = list(Parentage.objects.filter(parent=qh8, child__kind=OrgKind.SUB_ICB).values_list("end", flat=True))
    assert ends and None not in ends
    return max(ends)


def icbs() -> list[Organisation]:
    return list(Organisation.objects.filter(kind=OrgKind.ICB))


def test_an_icb_merged_away_is_listed_last_as_former_with_its_last_day(essex_2026):
    qh8 = Organisation.objects.get(code="QH8")
    last = qh8_last_day(qh8)
    day_after = last + dt.timedelta(days=1)
    groups = pickers.grouped(icbs(), day_after)
    found = options(groups)
    assert found["QH8"] == (pickers.FORMER, f"{qh8.name} (QH8) (former, until {long_date(last)})")
    assert groups[-1][0] == pickers.FORMER and [code for code, _ in groups[-1][1]] == ["QH8"]
    # the current ICBs come first, under their regions, unmarked
    for code in ("D7T5G", "QOC"):
        heading, text = found[code]
        assert heading != pickers.FORMER and "former" not in text
    assert pickers.last_days(icbs(), day_after) == {qh8.pk: last}


def test_on_its_last_day_the_icb_is_current(essex_2026):
    qh8 = Organisation.objects.get(code="QH8")
    last = qh8_last_day(qh8)
    found = options(pickers.grouped(icbs(), last))
    assert found["QH8"][0] != pickers.FORMER and "former" not in found["QH8"][1]
    assert pickers.FORMER not in {name for name, _ in pickers.grouped(icbs(), last)}


def test_before_the_merger_every_icb_of_the_2022_map_is_current(southend):
    groups = pickers.grouped(icbs(), dt.date(2022, 6, 1))
    assert pickers.FORMER not in {name for name, _ in groups}
    assert {"QH8", "QOC"} <= set(options(groups))


def test_a_closed_area_is_former_from_its_close_date(southend):
    qoc = Organisation.objects.get(code="QOC")
    qoc.close_date = dt.date(2024, 3, 31)
    qoc.save()
    found = options(pickers.grouped(icbs(), dt.date(2024, 4, 1)))
    assert found["QOC"] == (pickers.FORMER, f"{qoc.name} (QOC) (former, until 31 March 2024)")
    assert found["QH8"][0] != pickers.FORMER
    assert options(pickers.grouped(icbs(), dt.date(2024, 3, 31)))["QOC"][0] != pickers.FORMER


def analyst():
    user = get_user_model().objects.create_user("analyst-pickers", password="x")
    Profile.objects.create(user=user, role=Role.ANALYST)
    return user


def picker(html: str) -> list[tuple[str, list[str]]]:
    """The area picker's optgroups: (label, option texts)."""
    select = re.search(r'<select[^>]*name="area"[^>]*>(.*?)</select>', html, re.DOTALL).group(1)
    return [(label, [unescape(t).strip() for t in re.findall(r"<option[^>]*>(.*?)</option>", body)])
            for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select, re.DOTALL)]


@pytest.mark.parametrize("url", ["/maturity/", "/design/", "/landscape/"])
def test_the_pages_pickers_mark_the_merged_icb_on_the_page_date(essex_2026, client, url):
    client.force_login(analyst())
    qh8 = Organisation.objects.get(code="QH8")
    last = qh8_last_day(qh8)
    after = picker(client.get(url, {"date": (last + dt.timedelta(days=1)).isoformat()}).content.decode())
    assert after[-1] == (pickers.FORMER, [f"{qh8.name} (QH8) (former, until {long_date(last)})"])
    assert not any("QH8" in text for _, texts in after[:-1] for text in texts)  # listed once, after the current
    assert any("(D7T5G)" in text for _, texts in after[:-1] for text in texts)
    before = picker(client.get(url, {"date": last.isoformat()}).content.decode())
    assert pickers.FORMER not in [label for label, _ in before]
    assert any(text.endswith("(QH8)") for _, texts in before for text in texts)
