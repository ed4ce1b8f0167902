"""Local lists that name practices or networks: matched to the register, the rest reported, all or nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from pcnhub.register.loaders import local_code
from pcnhub.register.models import ImportRun, ListSize, Membership, Organisation, OrgKind, Parentage
from tests.ingest.helpers import MAP_HEADER, epraccur_row, map_row, write_csv
from tests.register.test_loaders import NHS, database, import_quietly, input_error, members_on, parent
from tests.register.test_pages import text

pytestmark = pytest.mark.django_db

D = dt.date
SEEDS = NHS.parent / "seed-tables"
CLUSTER_HEADER = ["cluster", "practices", "population"]


def cluster_code(cluster: str, place: str) -> str:
    return local_code(OrgKind.PCN, cluster, place)


# --- Milton Keynes' clusters -------------------------------------------------------------------


def test_the_milton_keynes_clusters_of_2019_import_matched_by_name() -> None:
    import_quietly(NHS / "epraccur_2019.csv")
    import_quietly(NHS / "gp-reg-pat-prac-map_2022-01.csv")
    import_quietly(NHS / "gp-reg-pat-prac-all_2021-01.csv", skip_unknown=True)
    run = import_quietly(SEEDS / "milton-keynes-clusters_2019.csv", date=D(2019, 4, 1), area="Milton Keynes")
    assert (run.kind, run.extract_date, run.rows) == ("clusters", D(2019, 4, 1), 7)
    # Broughton is no practice of Milton Keynes CCG in epraccur: reported, left out; the other 26 are members.
    assert run.warnings.splitlines() == [
        "row 8, practices: 'Broughton' (Cluster 7) matches no name among the open practices of 04F: not imported"
    ]
    assert "26 of 27 practice names matched among the open practices of 04F on 2019-04-01; 1 not" in run.notes
    members = members_on(D(2019, 4, 1), None)
    clusters = {code: pcn for code, pcn in members.items() if pcn.startswith("L-")}
    assert len(clusters) == 26
    assert clusters["K82009"] == clusters["K82076"] == clusters["K82067"] == cluster_code("Cluster 1", "Milton Keynes")
    assert clusters["K82013"] == cluster_code("Cluster 3", "Milton Keynes")  # "Redhouse": THE RED HOUSE SURGERY
    assert clusters["K82631"] == clusters["K82065"] == cluster_code("Cluster 5", "Milton Keynes")  # MKVP, CMK
    # The clusters sit in the place, the place in the ICB of its practices; the 2022 PCNs follow in 2022.
    place = local_code(OrgKind.PLACE, "Milton Keynes")
    assert parent(cluster_code("Cluster 6", "Milton Keynes"), OrgKind.PLACE, D(2019, 4, 1)) == place
    assert parent(place, OrgKind.ICB, D(2019, 4, 1)) == "QHG"
    assert members_on(D(2022, 1, 1), ["K82009"]) == {"K82009": "U58600"}
    # The file's population is the cluster's list size on the date, compared with its practices' in the notes.
    size = ListSize.objects.get(organisation__code=cluster_code("Cluster 1", "Milton Keynes"), date=D(2019, 4, 1))
    assert size.registered == 40516
    assert ("row 2: Cluster 1: population 40,516 in the file; its 3 matched practices' list sizes sum to 41,185 "
            "(of 2021-01-01): the file gives -1.6%") in run.notes


@pytest.fixture
def two_areas(tmp_path: Path) -> None:
    """Practices of two CCGs, with a Parkside in each, two Parksides in 04F and one practice closed."""
    rows = [
        epraccur_row("K82009", "STONY MEDICAL CENTRE", commissioner="04F", postcode="MK11 1YA"),
        epraccur_row("K82015", "PARKSIDE MEDICAL CENTRE", commissioner="04F", postcode="MK3 6EN"),
        epraccur_row("K82099", "PARKSIDE SURGERY", commissioner="04F", postcode="MK9 1AA"),
        epraccur_row("K82013", "THE RED HOUSE SURGERY", commissioner="04F", postcode="MK2 2EH"),
        epraccur_row("K82057", "COBBS GARDEN SURGERY", commissioner="04F", postcode="MK46 5QG"),
        epraccur_row("K82616", "WILLEN VILLAGE SURGERY", commissioner="04F", closed="20141130", status="C"),
        epraccur_row("C82001", "PARKSIDE HEALTH CENTRE", commissioner="04C", postcode="LE1 1AA"),
        epraccur_row("C82002", "STONY STRATFORD ROAD SURGERY", commissioner="04C"),
    ]
    import_quietly(write_csv(tmp_path / "epraccur.csv", rows))


def clusters_file(tmp_path: Path, *rows: list[str]) -> Path:
    return write_csv(tmp_path / "clusters.csv", rows, CLUSTER_HEADER)


def test_ambiguous_and_unknown_names_are_warnings_and_the_rest_import(two_areas: None, tmp_path: Path) -> None:
    path = clusters_file(tmp_path, ["North", "Stony; Parkside; Willen", "30,000"], ["South", "Redhouse; Cobbs", "9000"])
    run = import_quietly(path, date=D(2019, 4, 1), area="MK")
    # The area is the CCG where most names match one practice (04F: 3), not 04C (its Parkside and Stony Stratford
    # Road: 2).
    south = cluster_code("South", "MK")
    assert members_on(D(2019, 4, 1)) == {"K82009": cluster_code("North", "MK"), "K82013": south, "K82057": south}
    warnings = run.warnings.splitlines()
    assert warnings[0] == ("row 2, practices: 'Parkside' (North) matches 2 names, so none is chosen: PARKSIDE MEDICAL "
                           "CENTRE (K82015, MK3 6EN); PARKSIDE SURGERY (K82099, MK9 1AA) among the open practices of "
                           "04F: not imported")
    assert warnings[1].startswith("row 2, practices: 'Willen' (North) matches no name")  # closed in 2014
    assert len(warnings) == 2
    assert "its 1 matched practice's list size" not in run.notes  # no list sizes in this register
    assert "row 3: South: population 9,000 in the file; no list size is recorded for its 2 matched practices" in run.notes


def test_a_postcode_in_brackets_chooses_the_practice(two_areas: None, tmp_path: Path) -> None:
    path = clusters_file(tmp_path, ["North", "Stony; Parkside (MK9 1AA)", ""])
    run = import_quietly(path, date=D(2019, 4, 1), area="MK")
    assert run.warnings == ""
    assert members_on(D(2019, 4, 1)) == {code: cluster_code("North", "MK") for code in ("K82009", "K82099")}
    assert not ListSize.objects.exists()  # no population given


def test_two_names_for_one_practice_give_it_to_neither(two_areas: None, tmp_path: Path) -> None:
    path = clusters_file(tmp_path, ["North", "Stony; Redhouse", ""], ["South", "Red House", ""])
    run = import_quietly(path, date=D(2019, 4, 1), area="MK")
    assert members_on(D(2019, 4, 1)) == {"K82009": cluster_code("North", "MK")}
    assert "as 'Red House' also does: not imported" in run.warnings
    assert "row 3, cluster: 'South': none of its practices matched: not imported" in run.warnings
    assert not Organisation.objects.filter(code=cluster_code("South", "MK")).exists()


def test_a_file_whose_names_match_nothing_is_an_error_and_writes_nothing(two_areas: None, tmp_path: Path) -> None:
    before = database()
    runs = ImportRun.objects.count()
    path = clusters_file(tmp_path, ["North", "Broughton; Kingfisher", "100"])
    error = input_error(lambda: import_quietly(path, date=D(2019, 4, 1)))
    assert error.file == "clusters.csv" and "no practice named in the file matches" in error.message
    # Names found in two areas equally cannot tell the area: an error too, and nothing written.
    path = clusters_file(tmp_path, ["North", "Parkside Health; Stony Stratford Road; Red House; Stony", "100"])
    error = input_error(lambda: import_quietly(path, date=D(2019, 4, 1)))
    assert "cannot tell which area the practices are in: 3 names match practices of each of 04C, 04F" in error.message
    # Names that match several practices each, or only at another postcode: an error.
    path = clusters_file(tmp_path, ["North", "Parkside (ZZ1 1ZZ)", "100"])
    error = input_error(lambda: import_quietly(path, date=D(2019, 4, 1)))
    assert "each name matches several practices or none" in error.message
    # Two names for the one practice that matches: nothing left to import, an error.
    path = clusters_file(tmp_path, ["North", "Redhouse; The Red House", "100"])
    error = input_error(lambda: import_quietly(path, date=D(2019, 4, 1)))
    assert "no practice named in the file could be matched in 04F" in error.message
    assert database() == before and ImportRun.objects.count() == runs


def test_a_cluster_file_needs_a_date_and_imports_again_unchanged(two_areas: None, tmp_path: Path) -> None:
    path = clusters_file(tmp_path, ["North", "Stony; Redhouse", "20000"])
    assert "needs the date it applies from" in input_error(lambda: import_quietly(path)).message
    first = import_quietly(path, date=D(2019, 4, 1))
    assert first.created > 0
    # Without --area the place is named after the CCG the practices were found in.
    assert Organisation.objects.get(code=local_code(OrgKind.PLACE, "04F")).name == "04F"
    before = database()
    again = import_quietly(path, date=D(2019, 4, 1))
    assert (again.created, again.updated) == (0, 0) and database() == before


# --- LLR's networks by place -------------------------------------------------------------------


def test_the_llr_networks_of_2019_reuse_the_pcns_the_register_knows() -> None:
    import_quietly(NHS / "gp-reg-pat-prac-map_2022-01.csv")
    pcns = Organisation.objects.filter(kind=OrgKind.PCN).count()
    memberships = Membership.objects.count()
    run = import_quietly(SEEDS / "llr-pcns_2019.csv", date=D(2019, 7, 1))
    assert (run.kind, run.rows) == ("place-networks", 27)
    assert run.notes.startswith("24 of 27 networks matched to PCNs in the register, 3 imported as new networks")
    assert "row 2, pcn: 'Aegis Healthcare' (Leicester City) is AEGIS HEALTHCARE PCN (U00147) (exact match)" in run.notes
    assert "'The Foxes' (Leicester City) is THE LEICESTER FOXES PCN (U03186) (words match)" in run.notes
    warnings = run.warnings.splitlines()
    assert [w.split(":")[0] for w in warnings] == ["row 24, pcn", "row 25, pcn", "row 26, pcn"]
    assert "'NW Leicestershire 1' (West Leicestershire) matches no name among the PCNs of NHS West Leicestershire CCG " \
           "(04V): imported as a new network, L-NWLEICES-" in warnings[0]
    assert Organisation.objects.filter(kind=OrgKind.PCN).count() == pcns + 3
    assert Membership.objects.count() == memberships  # no practices named, none recorded
    city = local_code(OrgKind.PLACE, "Leicester City")
    assert parent("U00147", OrgKind.PLACE, D(2019, 7, 1)) == city
    assert parent("U00147", OrgKind.PLACE, D(2019, 6, 30)) is None
    assert parent(city, OrgKind.ICB, D(2019, 7, 1)) == "QK1"
    west = local_code(OrgKind.PLACE, "West Leicestershire")
    assert parent(local_code(OrgKind.PCN, "NW Leicestershire 2", "West Leicestershire"), OrgKind.PLACE,
                  D(2020, 1, 1)) == west
    # Market Harborough and Husbands Bosworth is matched within its CCG (03W), not to West's BOSWORTH PCN.
    assert parent("U50165", OrgKind.PLACE, D(2019, 7, 1)) == local_code(OrgKind.PLACE, "East Leicestershire and Rutland")
    assert parent("U74544", OrgKind.PLACE, D(2019, 7, 1)) == west


def test_a_place_the_register_does_not_know_stands_alone(tmp_path: Path) -> None:
    import_quietly(write_csv(tmp_path / "map.csv", [map_row("A81001", "U89141")], MAP_HEADER))
    path = write_csv(tmp_path / "places.csv", [["Atlantis", "Stockton"], ["Tees Valley", "Stockton"]], ["place", "pcn"])
    run = import_quietly(path, date=D(2019, 7, 1))
    assert "row 2, place: 'Atlantis' matches no name of a sub-ICB location (CCG) in the register" in run.warnings
    assert "row 2, pcn: 'Stockton' (Atlantis) has no sub-ICB location to be matched in" in run.warnings
    assert "row 3, pcn: 'Stockton' (Tees Valley) is STOCKTON PCN (U89141) (exact match)" in run.notes
    atlantis = local_code(OrgKind.PLACE, "Atlantis")
    assert parent(atlantis, OrgKind.ICB, D(2019, 7, 1)) is None
    assert parent(local_code(OrgKind.PLACE, "Tees Valley"), OrgKind.ICB, D(2019, 7, 1)) == "QHM"
    assert parent(local_code(OrgKind.PCN, "Stockton", "Atlantis"), OrgKind.PLACE, D(2019, 7, 1)) == atlantis
    assert Parentage.objects.filter(child__code="U89141", parent__kind=OrgKind.PLACE).count() == 1


# --- the PCN page of a network without known members -------------------------------------------


def test_a_network_without_known_members_says_so_rather_than_zero(client_for, register, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "places.csv", [["Alpha Sub-ICB", "Alpha North"], ["Alpha Sub-ICB", "Alpha East"]],
                     ["place", "pcn"])
    run = import_quietly(path, date=D(2019, 7, 1))
    assert "'Alpha North' (Alpha Sub-ICB) is Alpha North PCN (U00001)" in run.notes
    east = local_code(OrgKind.PCN, "Alpha East", "Alpha Sub-ICB")
    page = text(client_for("admin").get(reverse("pcn", args=[east]), {"date": "2020-01-01"}))
    assert "Member practices not known on 1 January 2020" in page
    assert "The register records Alpha East (from places.csv) but not which practices were its members" in page
    assert "has no member practices" not in page and "Total: 0 practices" not in page
    # A PCN before its first recorded members is not known either; with members it is as before.
    page = text(client_for("icb").get(reverse("pcn", args=["U00001"]), {"date": "2019-01-01"}))
    assert "Member practices not known on 1 January 2019" in page and "has no member practices" not in page
    # (a blank date returns to the latest data: the date asked for before is kept for the session)
    page = text(client_for("icb").get(reverse("pcn", args=["U00001"]), {"date": ""}))
    assert "Member practices not known" not in page and "Total: 3 practices" in page


def test_a_cluster_population_shows_on_its_page(client_for, register, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "clusters.csv", [["Khan and Hollies", "Khan; Hollies", "26,000"]], CLUSTER_HEADER)
    run = import_quietly(path, date=D(2024, 6, 1), area="Alpha")
    assert run.warnings == ""
    code = cluster_code("Khan and Hollies", "Alpha")
    assert members_on(D(2024, 6, 1), ["A81001", "A81002"]) == {"A81001": code, "A81002": code}
    page = text(client_for("admin").get(reverse("pcn", args=[code]), {"date": "2024-06-01"}))
    assert "Registered population recorded for the network itself: 26,000 on 1 June 2024 (clusters.csv)" in page
    assert "Total: 2 practices" in page
