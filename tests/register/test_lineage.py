"""The lineage of networks in the register: inferred at each import, recorded links kept, read by the pages."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.contrib.auth import get_user_model

from pcnhub.accounts.models import Profile, Role
from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance import services as money
from pcnhub.register import lineage
from pcnhub.register.loaders import import_file, local_code
from pcnhub.register.models import Membership, Organisation, OrgKind, Succession
from tests.ingest.helpers import MAP_HEADER, map_row, write_csv
from tests.paths import SHARED_DATA

pytestmark = pytest.mark.django_db

D = dt.date
NHS = SHARED_DATA / "nhs-open-data"
SOUTHEND = SHARED_DATA / "seed-tables" / "southend-castle-point-rochford-pcns_2019-01.csv"
BENFLEET_2019 = local_code(OrgKind.PCN, "Benfleet", "Castle Point and Rochford")


def links() -> set[tuple[str, str, dt.date, str, str]]:
    return {(s.predecessor.code, s.successor.code, s.date, s.kind, s.basis)
            for s in Succession.objects.select_related("predecessor", "successor")}


def test_the_2019_configuration_and_the_2022_map_give_benfleet_one_lineage(southend):
    found = links()
    assert (BENFLEET_2019, "U27924", D(2022, 1, 1), "continues", "inferred") in found
    # North Road Plus and Southend Central became U17794 together
    merged = {(p, k) for p, s, _, k, _ in found if s == "U17794"}
    assert merged == {(local_code(OrgKind.PCN, "North Road Plus", "Southend"), "merged"),
                      (local_code(OrgKind.PCN, "Southend Central", "Southend"), "merged")}
    benfleet = Organisation.objects.get(code="U27924")
    assert [(org.code, start, end) for org, start, end in lineage.same_network(benfleet)] == [
        (BENFLEET_2019, None, D(2021, 12, 31)), ("U27924", D(2022, 1, 1), None)]


def test_a_recorded_link_survives_later_imports_and_is_not_doubled(southend):
    before = Organisation.objects.get(code=local_code(OrgKind.PCN, "Canvey", "Castle Point and Rochford"))
    after = Organisation.objects.get(code="U84454")
    Succession.objects.filter(predecessor=before).delete()
    Succession.objects.create(predecessor=before, successor=after, date=D(2022, 1, 1), kind="continues",
                              note="agreed at the ICB's primary care committee")
    import_file(southend / "gp-reg-pat-prac-map_2022-01.csv", progress=False)
    rows = Succession.objects.filter(predecessor=before)
    assert [(r.successor.code, r.basis, r.note) for r in rows] == [
        ("U84454", "recorded", "agreed at the ICB's primary care committee")]


def test_an_import_names_networks_whose_lineage_is_unclear(southend, tmp_path, caplog):
    # Benfleet's seven practices scattered into three networks that go on: no network took half of them
    benfleet = sorted(Membership.objects.filter(pcn__code="U27924").values_list("practice__code", flat=True))
    targets = ["U84454", "U84454", "U30335", "U30335", "U49929", "U49929", "U49929"]
    rows = [map_row(practice, target, pcn_name=target, date="01Feb2026", ccg="Z9Z", ccg_name="A new sub-ICB")
            for practice, target in zip(benfleet, targets)]
    path = write_csv(tmp_path / "gp-reg-pat-prac-map_2026-02.csv", [MAP_HEADER, *rows])
    with caplog.at_level(logging.WARNING, logger="pcnhub.register.loaders"):
        import_file(path, progress=False)
    assert "U27924" in caplog.text and "no clear predecessor or successor" in caplog.text
    assert not Succession.objects.filter(predecessor__code="U27924").exists()


def _user(role: str, code: str):
    user = get_user_model().objects.create_user(f"{role}-{code}", password="x")
    Profile.objects.create(user=user, role=role, organisation=Organisation.objects.get(code=code))
    return user


def test_the_pcn_page_reads_across_the_networks_codes(southend, client):
    client.force_login(_user(Role.PCN, "U27924"))
    page = client.get("/pcn/U27924/").content.decode()
    assert 'data-testid="identity"' in page and BENFLEET_2019 in page
    # the list sizes of 2019 (the configuration's) under the old code, then the 2022 ones: the date beside each
    assert "1 Jan 2019" in page and "48,398" in page
    # and the PCN user may open the old code's page: the same network
    assert client.get(f"/pcn/{BENFLEET_2019}/").status_code == 200
    # but not a network merged from others it never was
    assert client.get(f"/pcn/{local_code(OrgKind.PCN, 'Canvey', 'Castle Point and Rochford')}/").status_code == 403


def test_money_in_a_year_before_the_new_code_counts_the_old_codes_members(southend):
    benfleet = Organisation.objects.get(code="U27924")
    year = FinancialYear.parse("2020/21")
    found = money._pcn_entitlement(benfleet, year)
    assert sorted(m.code for m in found.members) == ["F81001", "F81032", "F81075", "F81101", "F81142", "F81618",
                                                     "F81713"]
    assert found.pcn == benfleet and found.registered == 48_398
    assert found.notes[0].startswith(f"In 2020/21 this network was Benfleet ({BENFLEET_2019})")


def test_search_says_what_a_network_became(southend, client):
    client.force_login(_user(Role.ANALYST, "U27924"))
    page = client.get("/search/", {"q": "benfleet"}).content.decode()
    assert "Continued as BENFLEET PCN (U27924) from 1 January 2022" in page
    assert f"Formerly Benfleet ({BENFLEET_2019})" in page


def test_an_ended_network_is_shown_on_its_last_day(southend, client):
    client.force_login(_user(Role.ANALYST, "U27924"))
    page = client.get(f"/pcn/{BENFLEET_2019}/").content.decode()
    assert "Member practices on 31 December 2021" in page


def test_names_are_dated_and_an_older_file_does_not_rename_back(tmp_path, client):
    newer = write_csv(tmp_path / "map-2026.csv", [MAP_HEADER, map_row("A81001", "U89141", date="01May2026",
                                                                         pcn_name="STOCKTON NORTH PCN")])
    older = write_csv(tmp_path / "map-2022.csv", [MAP_HEADER, map_row("A81001", "U89141", date="01Jan2022",
                                                                         pcn_name="STOCKTON PCN")])
    import_file(newer, progress=False)
    import_file(older, progress=False)
    pcn = Organisation.objects.get(code="U89141")
    assert pcn.name == "STOCKTON NORTH PCN"
    assert [(n.name, n.start, n.end) for n in pcn.names.order_by("start")] == [
        ("STOCKTON PCN", D(2022, 1, 1), D(2026, 4, 30)), ("STOCKTON NORTH PCN", D(2026, 5, 1), None)]
    import_file(older, progress=False)  # again: nothing changes
    assert pcn.names.count() == 2
    client.force_login(_user(Role.ANALYST, "U89141"))
    page = client.get("/pcn/U89141/").content.decode()
    assert 'id="names"' in page and "STOCKTON PCN" in page and "30 Apr 2026" in page


def test_the_pcn_page_on_a_date_before_its_code_shows_the_network_as_it_was_then(southend, client):
    client.force_login(_user(Role.PCN, "U27924"))
    page = client.get("/pcn/U27924/", {"date": "2020-06-01"}).content.decode()
    assert 'data-testid="then"' in page and f"({BENFLEET_2019})" in page
    assert "Member practices on 1 June 2020" in page and "48,398" in page
    assert "has no member practices" not in page


def test_names_on_a_date_are_the_dated_names_then_or_the_nearest_known(tmp_path):
    from pcnhub.register.services import names_on

    for date, name in (("01Jan2022", "NHS Tees Valley CCG"), ("01May2026", "NHS North East ICB - 16C")):
        path = write_csv(tmp_path / f"map-{date}.csv", [MAP_HEADER, map_row("A81001", "U89141", date=date,
                                                                              ccg_name=name)])
        import_file(path, progress=False)
    sub_icb = Organisation.objects.get(code="16C")
    assert sub_icb.name == "NHS North East ICB - 16C"
    assert names_on(D(2019, 7, 1), OrgKind.SUB_ICB)[sub_icb.pk] == "NHS Tees Valley CCG"  # before any: the earliest
    assert names_on(D(2024, 1, 1), OrgKind.SUB_ICB)[sub_icb.pk] == "NHS Tees Valley CCG"
    assert names_on(D(2026, 12, 1), OrgKind.SUB_ICB)[sub_icb.pk] == "NHS North East ICB - 16C"


def test_a_commissioner_records_a_link_the_register_could_not_infer(southend, client):
    canvey, rochford = Organisation.objects.get(code="U84454"), Organisation.objects.get(code="U49929")
    user = _user(Role.ICB, "QH8")
    client.force_login(user)
    assert "Record where this network came from or went" in client.get("/pcn/U84454/").content.decode()
    response = client.post("/pcn/U84454/lineage/", {
        "lineage-direction": "to", "lineage-other": "u49929", "lineage-kind": "merged",
        "lineage-date": "2026-04-01", "lineage-note": "agreed at the primary care committee, March 2026"})
    assert response.status_code == 302
    link = Succession.objects.get(predecessor=canvey, successor=rochford)
    assert (link.kind, link.basis, link.recorded_by, link.date) == ("merged", "recorded", user, D(2026, 4, 1))
    page = client.get("/pcn/U84454/").content.decode()
    assert "Recorded by a commissioner" in page and "ROCHFORD" in page.upper()
    # an import later keeps it
    import_file(southend / "gp-reg-pat-prac-map_2022-01.csv", progress=False)
    assert Succession.objects.get(predecessor=canvey, successor=rochford).basis == "recorded"


def test_only_a_commissioner_may_record_a_link(southend, client):
    client.force_login(_user(Role.PCN, "U84454"))
    assert "Record where this network came from or went" not in client.get("/pcn/U84454/").content.decode()
    response = client.post("/pcn/U84454/lineage/", {"lineage-direction": "to", "lineage-other": "U49929",
                                                    "lineage-kind": "merged", "lineage-date": "2026-04-01"})
    assert response.status_code == 403 and not Succession.objects.filter(basis="recorded").exists()


def test_a_link_to_an_unknown_network_is_refused_with_a_message(southend, client):
    client.force_login(_user(Role.ICB, "QH8"))
    response = client.post("/pcn/U84454/lineage/", {"lineage-direction": "to", "lineage-other": "U00000X",
                                                    "lineage-kind": "merged", "lineage-date": "2026-04-01"})
    assert response.status_code == 200
    assert "There is no primary care network with the code U00000X" in response.content.decode()
