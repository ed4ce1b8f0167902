"""One date for every page (pcnhub.register.asof): set once, kept in the session, carried by links."""

from __future__ import annotations

import datetime as dt

import pytest

from pcnhub.finance import services as money
from pcnhub.register import asof
from pcnhub.register.models import ImportRun
from pcnhub.register.services import latest_data_date

pytestmark = pytest.mark.django_db


def test_pages_default_to_the_latest_data_and_say_what_they_show(client_for):
    client = client_for("icb")
    page = client.get("/").content.decode()
    latest = latest_data_date()
    assert 'data-testid="as-of"' in page and f'value="{latest:%Y-%m-%d}"' in page
    assert "the latest date it holds data for" in page


def test_a_date_set_once_is_kept_and_carried_by_the_menu_until_cleared(client_for):
    client = client_for("icb")
    page = client.get("/", {"date": "2021-06-01"}).content.decode()
    assert 'value="2021-06-01"' in page and 'href="/landscape/?date=2021-06-01"' in page
    assert "the latest date it holds data for" not in page
    # another page without ?date= keeps it
    landscape = client.get("/landscape/").content.decode()
    assert 'value="2021-06-01"' in landscape
    # a blank date returns to the latest data
    client.get("/", {"date": ""})
    assert f'value="{latest_data_date():%Y-%m-%d}"' in client.get("/landscape/").content.decode()


def test_money_shows_the_financial_year_containing_the_date(client_for):
    client = client_for("icb")
    client.get("/", {"date": "2021-06-01"})
    year = money.default_year(dt.date(2021, 6, 1))
    assert year.label == "2021/22"
    page = client.get("/finance/", follow=True).content.decode()
    assert "2021/22" in page.split("</title>")[0]


def test_default_year_is_the_nearest_the_catalogue_covers():
    years = money.catalogue_years()
    assert money.default_year(dt.date(2001, 1, 1)) == years[0]
    assert money.default_year(dt.date(2099, 1, 1)) == years[-1]


def test_what_the_register_holds_on_a_date_is_the_newest_file_by_then(register):
    ImportRun.objects.create(kind="practice-map", file_name="map-a.csv", sha256="a", extract_date=dt.date(2022, 1, 1))
    ImportRun.objects.create(kind="practice-map", file_name="map-b.csv", sha256="b", extract_date=dt.date(2026, 5, 1))
    ImportRun.objects.create(kind="list-sizes", file_name="all.csv", sha256="c", extract_date=dt.date(2021, 1, 1))
    held = asof.held_on(dt.date(2024, 1, 1))
    assert held == {"members": ("practice-to-PCN map", dt.date(2022, 1, 1)), "sizes": ("list sizes", dt.date(2021, 1, 1))}
    assert asof.held_on(dt.date(2020, 1, 1)) == {"members": None, "sizes": None}


def test_the_landscape_says_the_dates_of_the_list_sizes_it_uses(client_for, register):
    from pcnhub.register.models import ListSize, Membership

    client = client_for("icb")
    page = client.get("/landscape/").content.decode()
    day = latest_data_date()
    members = Membership.objects.on(day).values_list("practice_id", flat=True)
    dates = {s.date for s in ListSize.objects.filter(organisation_id__in=members, date__lte=day)}
    assert dates and "with registered list sizes of " in page
    newest = max(dates)
    assert f"{newest.day} {newest:%b %Y}" in page.split("with registered list sizes of ")[1][:200]


def test_home_lists_the_icbs_of_the_date_not_those_merged_away(client_for, register):
    from pcnhub.register.models import Organisation, OrgKind, Parentage

    client = client_for("analyst")
    day = latest_data_date()
    merged = Organisation.objects.create(code="QZZ", name="NHS Merged Away Integrated Care Board", kind=OrgKind.ICB)
    sub_icb = Parentage.objects.on(day).filter(parent__kind=OrgKind.ICB, child__kind=OrgKind.SUB_ICB).first()
    assert sub_icb is not None
    Parentage.objects.create(child=sub_icb.child, parent=merged, start=dt.date(2000, 1, 1),
                             end=day - dt.timedelta(days=400))
    page = client.get("/").content.decode()
    assert sub_icb.parent.name in page and "Merged Away" not in page
    assert "Merged Away" in client.get("/", {"date": (day - dt.timedelta(days=500)).isoformat()}).content.decode()


def test_every_kind_of_file_that_gives_memberships_has_words_for_the_header():
    from pcnhub.register.loaders import MEMBERSHIP_KINDS

    assert set(asof.MEMBERSHIP_KINDS) == {kind.value for kind in MEMBERSHIP_KINDS}
