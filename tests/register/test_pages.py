"""Every page renders for the roles that may see it, with the register's numbers and findings."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re

import pytest
from django.urls import reverse

from pcnhub.register.models import ClinicalDirector, Governance, Membership, Partnership, RuleException

# Totals of the register in conftest.py on its latest date, 2025-01-01.
NORTH_TOTAL = 38_147  # A81001 12,980 + A81002 13,167 + A81003 12,000
SOUTH_TOTAL = 55_000  # A81004 30,000 + A81005 25,000
ALPHA_TOTAL = NORTH_TOTAL + SOUTH_TOTAL  # 93,147
BETA_TOTAL = 35_000  # B82001 20,000 + B82002 15,000


def pcn_totals(response) -> dict[str, int]:
    """Each PCN's registered list size as the landscape's table shows it, by ODS code."""
    found = re.findall(r'data-pcn-total="(\w+)">([\d,]+)<', response.content.decode())
    return {code: int(total.replace(",", "")) for code, total in found}


def text(response) -> str:
    """The page's visible text with tags removed and white space collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", html))).strip()


# --- Layout ------------------------------------------------------------------------------------


def test_base_layout_has_nhs_header_navigation_user_and_post_sign_out(client_for):
    response = client_for("icb").get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="nhsuk-header"' in html and "pcnhub" in html
    assert 'class="nhsuk-skip-link"' in html and 'id="maincontent"' in html
    for label, href in (("Landscape", reverse("landscape")), ("Search", reverse("search")), ("API docs", "/api/docs")):
        assert re.search(rf'href="{re.escape(href)}"[^>]*>\s*(<strong[^>]*>)?{label}', html), label
    assert "ICB commissioner, Alpha ICB" in text(response)
    assert re.search(r'<form class="nhsuk-header__account-form" action="/accounts/logout/" method="post"', html)
    assert 'class="nhsuk-footer"' in html
    assert "/static/nhsuk/css/nhsuk-frontend.min.css" in html
    assert "https://" not in re.sub(r'xmlns="http://www.w3.org/2000/svg"', "", html).replace("http://", "")


def test_no_page_loads_anything_from_the_internet(client_for, register):
    client = client_for("admin")
    for url in (reverse("home"), reverse("landscape") + "?area=QAA", reverse("pcn", args=["U00001"]),
                reverse("practice", args=["A81001"])):
        html = client.get(url).content.decode()
        for attr in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert not attr.startswith(("http:", "https:", "//")), (url, attr)


STATIC_FILES = [
    "nhsuk/css/nhsuk-frontend.min.css", "nhsuk/js/nhsuk-frontend.min.js", "nhsuk/images/favicon.svg",
    "nhsuk/README.md", "vendor/plotly.min.js", "pcnhub/nhsuk-init.mjs", "pcnhub/list-size-chart.js",
    "pcnhub/pcnhub.css",
]


@pytest.mark.parametrize("path", STATIC_FILES)
def test_static_files_are_served(client_for, path):
    from django.contrib.staticfiles import finders

    assert finders.find(path), f"static {path} not found: STATICFILES_DIRS must include src/pcnhub/static"
    response = client_for("pcn").get(f"/static/{path}")
    assert response.status_code == 200


def test_vendored_nhsuk_css_fetches_nothing_from_the_internet():
    from pathlib import Path

    import pcnhub

    static = Path(pcnhub.__file__).parent / "static" / "nhsuk"
    css = (static / "css" / "nhsuk-frontend.min.css").read_text()
    assert "@font-face" not in css and "assets.nhs.uk" not in css and "/assets/" not in css
    urls = re.findall(r"url\(([^)]*)\)", css)
    assert urls and not [u for u in urls if not u.startswith("../images/")]
    for url in urls:
        assert (static / "css" / url.strip("'\"")).resolve().is_file(), url
    assert "10.6.1" in (static / "README.md").read_text() and "MIT" in (static / "README.md").read_text()


def test_pages_render_no_template_debris(client_for):
    client = client_for("admin")
    for url in (reverse("home"), reverse("landscape") + "?area=QAA", reverse("pcn", args=["U00001"]),
                reverse("practice", args=["A81001"]), reverse("search") + "?q=alpha", reverse("landscape")):
        html = client.get(url).content.decode()
        assert not re.search(r"\{[#%{]|[#%}]\}", html), url


def test_sign_out_is_a_post(client_for):
    client = client_for("pcn")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_login_page_shows_the_nhs_error_summary_on_bad_credentials(client, register):
    page = client.get(reverse("login"))
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.content.decode()
    response = client.post(reverse("login"), {"username": "icb-user", "password": "wrong"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "nhsuk-error-summary" in html and "correct username and password" in html
    response = client.post(reverse("login"), {"username": "icb-user", "password": "correct-horse-battery-staple"})
    assert response.status_code == 302 and response["Location"] == reverse("home")


# --- Home --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_home_for_unrestricted_users_lists_icbs_with_counts(client_for, role):
    page = text(client_for(role).get(reverse("home")))
    assert "Alpha ICB QAA 2 6" in page  # 2 PCNs; 6 practices (5 members and 1 in no PCN)
    assert "Beta ICB QBB 1 2" in page


def test_home_for_icb_user_summarises_its_landscape(client_for):
    response = client_for("icb")
    page = text(response.get(reverse("home")))
    assert "PCN landscape of Alpha ICB" in page
    assert "Primary care networks 2" in page
    assert "Member practices 5" in page
    assert "Practices in no PCN 1" in page
    assert f"Registered patients in PCNs {ALPHA_TOTAL:,}" in page
    assert "Beta" not in page


def test_home_for_pcn_user_shows_its_pcn(client_for):
    page = text(client_for("pcn").get(reverse("home")))
    assert "Alpha North PCN" in page and f"Registered patients {NORTH_TOTAL:,}" in page
    assert "No rule broken" in page


def test_home_for_practice_user_shows_its_practice_and_pcn(client_for):
    page = text(client_for("practice").get(reverse("home")))
    assert "Dr Khan & Partners" in page and "Alpha North PCN (U00001)" in page
    assert "12,980 on 1 January 2025" in page


# --- Landscape ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["icb", "analyst", "admin"])
def test_landscape_shows_pcns_practices_totals_and_findings(client_for, role):
    response = client_for(role).get(reverse("landscape"), {"area": "QAA"})
    assert response.status_code == 200
    page = text(response)
    assert pcn_totals(response) == {"U00001": NORTH_TOTAL, "U00002": SOUTH_TOTAL}
    assert f"Total for Alpha ICB: 2 PCNs, 5 member practices {ALPHA_TOTAL:,}" in page
    assert "Alpha South PCN has 55,000 registered patients, 5,000 above the suggested upper level of 50,000" in page
    # Configuration-wide: the uncovered practice, in the error summary and its own table.
    html = response.content.decode()
    summary = html[html.index("nhsuk-error-summary"):html.index("</h1>")]
    assert "A81006 (Island Surgery)" not in summary  # the rules check names practices by code only
    assert "1 practice is in no network" in summary and "A81006" in summary
    assert "Practices in no PCN" in page and "Total in no PCN 4,000" in page
    for code in ("A81001", "A81002", "A81003", "A81004", "A81005"):
        assert f'href="/practice/{code}/"' in html
    assert "Beta PCN" not in page


def test_landscape_defaults_to_the_icb_users_own_icb_and_latest_date(client_for):
    response = client_for("icb").get(reverse("landscape"))
    page = text(response)
    assert "PCN landscape of Alpha ICB" in page and "PCNs on 1 January 2025" in page
    assert 'value="2025-01-01"' in response.content.decode()


def test_landscape_of_a_sub_icb_location(client_for):
    page = text(client_for("icb").get(reverse("landscape"), {"area": "01A"}))
    assert f"Total for Alpha Sub-ICB: 2 PCNs, 5 member practices {ALPHA_TOTAL:,}" in page


def test_landscape_on_an_earlier_date_follows_the_membership_history(client_for):
    response = client_for("icb").get(reverse("landscape"), {"area": "QAA", "date": "2024-01-01"})
    page = text(response)
    assert pcn_totals(response) == {"U00001": 25_500, "U00002": 64_500}
    assert "Alpha North PCN has 25,500 registered patients, 4,500 below the lower limit of 30,000" in page


def test_landscape_with_another_band(client_for):
    page = text(client_for("icb").get(reverse("landscape"), {"area": "QAA", "lower": "10000", "upper": "60000"}))
    assert "above the suggested upper level" not in page and "lower limit of" not in page
    assert "band 10,000-60,000" in page
    assert "Every PCN is held to the band you asked for: 10,000-60,000 registered patients" in page


def test_landscape_shows_a_recorded_exception_with_its_reason(client_for, register):
    RuleException.objects.create(pcn=register.south, rule="list-size-band", reason="Rural area agreed by the ICB",
                                 start=dt.date(2020, 1, 1))
    page = text(client_for("icb").get(reverse("landscape"), {"area": "QAA"}))
    assert "Exception Alpha South PCN has 55,000 registered patients" in page
    assert "exception recorded: Rural area agreed by the ICB" in page


def test_landscape_on_a_date_without_data_says_so(client_for):
    page = text(client_for("icb").get(reverse("landscape"), {"area": "QAA", "date": "2010-01-01"}))
    assert "The register has no PCN memberships for Alpha ICB on 1 January 2010" in page
    assert "It holds data from 1 July 2019 to 1 January 2025" in page


def test_landscape_chooser_for_unrestricted_users_lists_areas(client_for):
    response = client_for("analyst").get(reverse("landscape"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Choose an area" in html
    for code in ("Y99", "QAA", "QBB", "01A", "02B"):
        assert f'value="{code}"' in html
    assert 'id="pcn-table"' not in html


def test_landscape_chooser_lists_only_areas_the_user_can_see(client_for):
    html = client_for("icb").get(reverse("landscape")).content.decode()
    assert 'value="QAA"' in html and 'value="01A"' in html
    assert 'value="QBB"' not in html and 'value="Y99"' not in html


@pytest.mark.parametrize("role", ["pcn", "practice"])
def test_landscape_for_users_without_an_area_points_to_their_organisation(client_for, role):
    response = client_for(role).get(reverse("landscape"))
    assert response.status_code == 200
    assert "not an area" in text(response)


@pytest.mark.parametrize(
    "query, message",
    [
        ({"area": "QAA", "date": "2025-13-01"}, "Enter a real date in the form YYYY-MM-DD"),
        ({"area": "QAA", "date": "yesterday"}, "Enter a real date in the form YYYY-MM-DD"),
        ({"area": "QAA", "lower": "60000", "upper": "50000"}, "lower limit (60,000) is above its upper limit"),
        ({"area": "QAA", "lower": "many"}, "Enter the lower limit as a whole number"),
    ],
)
def test_landscape_rejects_bad_parameters_with_400(client_for, query, message):
    response = client_for("icb").get(reverse("landscape"), query)
    assert response.status_code == 400
    assert message in text(response)
    assert "nhsuk-error-summary" in response.content.decode()


def test_unknown_area_is_404(client_for):
    response = client_for("admin").get(reverse("landscape"), {"area": "NOPE"})
    assert response.status_code == 404
    assert "There is no area with the code NOPE" in text(response)


# --- PCN ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["icb", "pcn", "practice", "analyst", "admin"])
def test_pcn_page_shows_members_governance_partners_and_history(client_for, role):
    response = client_for(role).get(reverse("pcn", args=["U00001"]))
    assert response.status_code == 200
    page = text(response)
    assert "Primary care network U00001 Alpha North PCN" in page
    assert f"Total: 3 practices {NORTH_TOTAL:,}" in page
    assert "Dr Jane Smith, from 1 July 2019" in page
    assert "Nominated payee Dr Khan & Partners (A81001)" in page
    assert "Delivery model Lead practice" in page
    assert "Network Agreement Signed on 30 June 2019" in page
    assert "Alpha Community Trust Community services Core" in page
    assert "No findings" in page
    # Membership history: A81003 joined on 1 April 2024.
    assert "A81003 Essex Way Surgery 1 Apr 2024 Now Yes" in page
    # List size history, as a table and as chart data served with the page.
    assert "1 Jan 2024 2 25,500" in page and f"1 Jan 2025 3 {NORTH_TOTAL:,}" in page
    assert "1 Apr 2024 3 37,000" in page  # the move, counted with the 2024 list sizes
    html = response.content.decode()
    assert '<script id="pcn-list-size-data" type="application/json">' in html
    assert '"values": [25500, 37000, 38147]' in html
    assert "/static/vendor/plotly.min.js" in html and "/static/pcnhub/list-size-chart.js" in html


def test_pcn_page_on_an_earlier_date(client_for):
    page = text(client_for("icb").get(reverse("pcn", args=["U00002"]), {"date": "2024-01-01"}))
    assert "Total: 3 practices 64,500" in page
    assert "Alpha South PCN has 64,500 registered patients, 14,500 above the suggested upper level" in page


def test_pcn_page_findings_use_the_rules_on_that_pcn_alone(client_for):
    page = text(client_for("icb").get(reverse("pcn", args=["U00002"])))
    assert "Warning Alpha South PCN has 55,000 registered patients, 5,000 above the suggested upper level" in page
    assert "in no network" not in page  # coverage is an area finding, not the PCN's


def test_pcn_page_links_only_to_practices_the_user_may_see(client_for):
    html = client_for("practice").get(reverse("pcn", args=["U00001"])).content.decode()
    assert 'href="/practice/A81001/"' in html
    assert 'href="/practice/A81002/"' not in html and "The Hollies Surgery" in html


def test_pcn_page_bad_date_is_400(client_for):
    response = client_for("pcn").get(reverse("pcn", args=["U00001"]), {"date": "31/01/2025"})
    assert response.status_code == 400
    assert "Enter a real date in the form YYYY-MM-DD" in text(response)


def test_unknown_pcn_is_404(client_for):
    response = client_for("admin").get(reverse("pcn", args=["U99999"]))
    assert response.status_code == 404 and "There is no PCN with the code U99999" in text(response)


def test_pcn_page_edit_forms_only_for_editors(client_for):
    assert "Record governance" in text(client_for("pcn").get(reverse("pcn", args=["U00001"])))
    assert "Record governance" in text(client_for("icb").get(reverse("pcn", args=["U00001"])))
    for role in ("practice", "analyst"):
        assert "Record governance" not in text(client_for(role).get(reverse("pcn", args=["U00001"])))


def test_record_governance(client_for, register):
    client = client_for("pcn")
    response = client.post(reverse("pcn_edit", args=["U00001", "governance"]), {
        "governance-start": "2025-04-01", "governance-nominated_payee": "A81002",
        "governance-delivery_model": "federation", "governance-network_agreement": "signed",
        "governance-network_agreement_date": "2025-03-20",
    })
    assert response.status_code == 302 and response["Location"] == reverse("pcn", args=["U00001"])
    rows = list(Governance.objects.filter(pcn=register.north).order_by("start"))
    assert [(g.start, g.end) for g in rows] == [(dt.date(2019, 7, 1), dt.date(2025, 3, 31)), (dt.date(2025, 4, 1), None)]
    assert rows[1].nominated_payee.code == "A81002" and rows[1].recorded_by == register.users["pcn"]
    page = text(client.get(reverse("pcn", args=["U00001"]), {"date": "2025-04-01"}))
    assert "Governance of Alpha North PCN recorded from 1 April 2025" in page
    assert "Nominated payee The Hollies Surgery (A81002)" in page and "Delivery model GP federation" in page


def test_invalid_governance_shows_the_error_summary_and_changes_nothing(client_for, register):
    response = client_for("pcn").post(reverse("pcn_edit", args=["U00001", "governance"]), {
        "governance-start": "2019-01-01", "governance-network_agreement": "signed",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "nhsuk-error-summary" in html
    assert "Governance is already recorded from 1 July 2019" in html
    assert "Enter the date the Network Agreement was signed" in html
    assert 'href="#id_governance-start"' in html and "nhsuk-input--error" in html
    assert Governance.objects.filter(pcn=register.north).count() == 1
    blank = client_for("pcn").post(reverse("pcn_edit", args=["U00001", "governance"]), {})
    assert "Enter the date these arrangements start" in blank.content.decode()
    assert Governance.objects.filter(pcn=register.north).count() == 1


def test_add_clinical_director_replacing_the_current_one(client_for, register):
    response = client_for("icb").post(reverse("pcn_edit", args=["U00001", "clinical-director"]), {
        "clinical-director-name": "Dr Amir Patel", "clinical-director-start": "2025-02-01",
        "clinical-director-practice": "A81002", "clinical-director-replaces": "on",
    })
    assert response.status_code == 302
    directors = {cd.name: cd for cd in ClinicalDirector.objects.filter(pcn=register.north)}
    assert directors["Dr Jane Smith"].end == dt.date(2025, 1, 31)
    assert directors["Dr Amir Patel"].start == dt.date(2025, 2, 1) and directors["Dr Amir Patel"].end is None


def test_add_new_and_existing_partners(client_for, register):
    client = client_for("admin")
    response = client.post(reverse("pcn_edit", args=["U00002", "partner"]), {
        "partner-new_name": "Southend Carers", "partner-partner_type": "voluntary", "partner-role": "wider",
        "partner-start": "2024-06-01",
    })
    assert response.status_code == 302
    link = Partnership.objects.get(pcn=register.south)
    assert link.partner.name == "Southend Carers" and link.partner.code == "LP000001"
    assert link.partner.kind == "partner" and link.role == "wider"
    response = client.post(reverse("pcn_edit", args=["U00002", "partner"]), {
        "partner-existing": "RAA", "partner-role": "core",
    })
    assert response.status_code == 302
    assert set(Partnership.objects.filter(pcn=register.south).values_list("partner__code", flat=True)) == {"RAA", "LP000001"}


def test_partner_form_needs_an_existing_or_a_new_partner(client_for, register):
    response = client_for("pcn").post(reverse("pcn_edit", args=["U00001", "partner"]), {"partner-role": "core"})
    assert response.status_code == 200
    assert "Choose an existing partner organisation or name a new one" in response.content.decode()
    response = client_for("pcn").post(reverse("pcn_edit", args=["U00001", "partner"]), {
        "partner-existing": "RAA", "partner-role": "core",
    })
    assert "Alpha Community Trust is already a partner of Alpha North PCN" in response.content.decode()
    assert Partnership.objects.count() == 1


def test_record_rule_exception_turns_the_band_error_into_an_exception(client_for, register):
    client = client_for("icb")
    response = client.post(reverse("pcn_edit", args=["U00002", "exception"]), {
        "exception-rule": "list-size-band", "exception-reason": "Island practice, agreed 2024",
        "exception-start": "2024-01-01",
    })
    assert response.status_code == 302
    page = text(client.get(reverse("pcn", args=["U00002"])))
    assert "Exception Alpha South PCN has 55,000 registered patients" in page
    assert "exception recorded: Island practice, agreed 2024" in page
    assert "List size within the band Island practice, agreed 2024 1 Jan 2024 No end date icb-user" in page


def test_rule_exception_only_for_exceptable_rules_and_needs_a_reason(client_for, register):
    response = client_for("icb").post(reverse("pcn_edit", args=["U00002", "exception"]), {
        "exception-rule": "clinical-director", "exception-reason": "  ", "exception-start": "2024-01-01",
        "exception-end": "2023-01-01",
    })
    html = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in html and "Enter the reason for the exception" in html
    assert "The end date must be the same as or after the start date" in html
    assert not RuleException.objects.exists()


def test_unknown_edit_action_is_404(client_for):
    response = client_for("admin").post(reverse("pcn_edit", args=["U00001", "rename"]), {})
    assert response.status_code == 404


def test_edits_need_post(client_for):
    response = client_for("admin").get(reverse("pcn_edit", args=["U00001", "governance"]))
    assert response.status_code == 405


# --- Practice ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["icb", "pcn", "practice", "analyst", "admin"])
def test_practice_page_shows_details_history_list_sizes_and_bands(client_for, role):
    response = client_for(role).get(reverse("practice", args=["A81001"]))
    assert response.status_code == 200
    page = text(response)
    assert "GP practice A81001 Dr Khan & Partners" in page
    assert "Postcode SS1 1AA" in page and "Opened 1 April 1990" in page and "Status Active" in page
    assert "Alpha North PCN U00001 1 Jul 2019 Now Yes" in page
    assert "1 Jan 2024 12,500" in page and "1 Jan 2025 12,980" in page
    assert "Registered patients by age and sex on 1 January 2025" in page
    assert "0 to 4 3,100 2,900" in page and "Total 3,131 2,929" in page
    assert '"values": [12500, 12980]' in response.content.decode()


def test_practice_page_of_a_practice_that_moved_pcn(client_for):
    page = text(client_for("icb").get(reverse("practice", args=["A81003"])))
    assert "Alpha South PCN U00002 1 Jul 2019 31 Mar 2024 Yes" in page
    assert "Alpha North PCN U00001 1 Apr 2024 Now Yes" in page


def test_practice_page_without_list_sizes_or_bands(client_for, register):
    register.practices["A81006"].list_sizes.all().delete()
    response = client_for("icb").get(reverse("practice", args=["A81006"]))
    page = text(response)
    assert "No list sizes are recorded for this practice" in page and "Not recorded in any PCN" in page
    assert "plotly" not in response.content.decode() and "by age and sex" not in page


def test_unknown_practice_is_404(client_for):
    assert client_for("admin").get(reverse("practice", args=["Z00000"])).status_code == 404


# --- Search ------------------------------------------------------------------------------------


def test_search_by_name_and_code_exact_code_first(client_for, register):
    client = client_for("admin")
    page = text(client.get(reverse("search"), {"q": "surgery"}))
    assert "4 organisations matching “surgery”" in page
    register.practices["A81005"].name = "Surgery A81004 annexe"
    register.practices["A81005"].save()
    html = client.get(reverse("search"), {"q": "a81004"}).content.decode()
    assert html.index("Queensway Medical Centre") < html.index("Surgery A81004 annexe")


def test_search_results_link_to_the_page_of_each_kind(client_for):
    client = client_for("admin")
    assert 'href="/practice/A81001/"' in client.get(reverse("search"), {"q": "A81001"}).content.decode()
    assert 'href="/pcn/U00001/"' in client.get(reverse("search"), {"q": "alpha north"}).content.decode()
    assert 'href="/landscape/?area=QAA"' in client.get(reverse("search"), {"q": "QAA"}).content.decode()


def test_search_is_paginated_by_50(client_for, register):
    from pcnhub.register.models import Organisation

    Organisation.objects.bulk_create(
        Organisation(code=f"X{i:05d}", name=f"Paged Surgery {i:03d}", kind="practice") for i in range(120)
    )
    client = client_for("admin")
    first = text(client.get(reverse("search"), {"q": "paged"}))
    assert "120 organisations matching “paged” (page 1 of 3)" in first
    assert "Paged Surgery 000" in first and "Paged Surgery 049" in first and "Paged Surgery 050" not in first
    last = text(client.get(reverse("search"), {"q": "paged", "page": "3"}))
    assert "Paged Surgery 119" in last and "Paged Surgery 099" not in last


def test_search_without_results(client_for):
    page = text(client_for("admin").get(reverse("search"), {"q": "nothing like this"}))
    assert "No results for “nothing like this”" in page


def test_search_page_without_a_query(client_for):
    response = client_for("practice").get(reverse("search"))
    assert response.status_code == 200 and "Name or ODS code" in text(response)


def test_beta_icb_numbers(client_for):
    response = client_for("admin").get(reverse("landscape"), {"area": "QBB"})
    assert pcn_totals(response) == {"U00003": BETA_TOTAL} and "No rule broken" in text(response)


def test_record_a_practice_not_signed_up_to_the_des_keeps_it_covered(client_for, register):
    client = client_for("icb")
    response = client.post(reverse("pcn_edit", args=["U00001", "des-sign-up"]), {
        "des-sign-up-practice": "A81002", "des-sign-up-des_signed": "no", "des-sign-up-start": "2025-04-01",
    })
    assert response.status_code == 302
    history = list(Membership.objects.filter(practice=register.practices["A81002"]).order_by("start"))
    assert [(m.start, m.end, m.des_signed) for m in history] == [
        (dt.date(2019, 7, 1), dt.date(2025, 3, 31), True),
        (dt.date(2025, 4, 1), None, False),
    ]
    page = client.get(reverse("pcn", args=["U00001"]), {"date": "2025-04-01"}).content.decode()
    assert "A81002" in page  # still a member: its patients stay covered by the PCN
    again = client.post(reverse("pcn_edit", args=["U00001", "des-sign-up"]), {
        "des-sign-up-practice": "A81002", "des-sign-up-des_signed": "no", "des-sign-up-start": "2025-05-01",
    })
    assert "already recorded" in again.content.decode()
    outside = client.post(reverse("pcn_edit", args=["U00001", "des-sign-up"]), {
        "des-sign-up-practice": "A81002", "des-sign-up-des_signed": "no", "des-sign-up-start": "2010-01-01",
    })
    assert "is not a member of" in outside.content.decode()
    assert Membership.objects.filter(practice=register.practices["A81002"]).count() == 2


def test_practice_users_cannot_record_des_sign_up(client_for, register):
    response = client_for("practice").post(reverse("pcn_edit", args=["U00001", "des-sign-up"]), {
        "des-sign-up-practice": "A81002", "des-sign-up-des_signed": "no", "des-sign-up-start": "2025-04-01",
    })
    assert response.status_code == 403
    assert Membership.objects.filter(practice=register.practices["A81002"]).count() == 1


def test_a_member_without_a_list_size_is_named_on_the_page_the_check_and_the_export(client_for, register):
    from pcnhub.register.models import ListSize

    ListSize.objects.filter(organisation=register.practices["A81002"]).delete()
    client = client_for("icb")
    said = "Alpha North PCN: no list size is known for A81002, counted as 0 registered patients"
    assert said in htmllib.unescape(client.get("/pcn/U00001/?date=2025-01-01").content.decode())
    api = client.get("/api/landscape?area=QAA&date=2025-01-01").json()
    north = next(n for n in api["networks"] if n["code"] == "U00001")
    assert said in [f["message"] for f in north["findings"]]
    rows = client.get("/landscape/?area=QAA&date=2025-01-01&format=csv").content.decode()
    assert said in rows


def test_governance_not_recorded_is_one_line_per_pcn_on_the_pages(client_for):
    line = "Alpha South PCN: a Clinical Director, a nominated payee and a signed Network Agreement are not recorded"
    for url, query in ((reverse("landscape"), {"area": "QAA"}), (reverse("pcn", args=["U00002"]), {})):
        page = text(client_for("icb").get(url, query))
        assert f"Warning {line}" in page
        assert "Alpha South PCN: a nominated payee is not recorded" not in page
