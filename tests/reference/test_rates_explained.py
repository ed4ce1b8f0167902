"""Every Network Contract payment says what it is for, who is paid and the NHS document it comes from
(title, year and a section only where our sources give one), with no internal file name in sight."""

from __future__ import annotations

import dataclasses

import pytest

from pcnhub.domain.money import catalogue as c
from pcnhub.reference.rates import CatalogueError, all_years, explained, explanations, parse_year

PAYMENTS = [(rates.year, p) for rates in all_years() for p in rates.payments]


@pytest.mark.parametrize(("year", "payment"), PAYMENTS, ids=[f"{y}-{p.key}" for y, p in PAYMENTS])
def test_every_payment_of_every_year_is_explained_with_its_document(year, payment):
    assert payment.explained is not None and len(payment.explained.purpose) > 40
    assert payment.explained.source.strip()
    if payment.paid_to == c.TO_PRACTICES:
        assert "member practice" in payment.explained.payee.lower()
    else:
        assert "nominated payee" in payment.explained.payee
    doc = payment.document
    assert doc is not None and doc.title and doc.year == year.label
    # No section number is invented: none of our sources gives one, so each document says why it has none.
    assert doc.section == "" and "section number not given" in doc.note.lower()
    assert doc.cite().endswith("; section not given")
    shown = [payment.source, payment.note, payment.explained.purpose, payment.explained.payee,
             payment.explained.source, doc.cite(), doc.note]
    assert not [text for text in shown if ".toml" in text or "reference/" in text]


def test_the_2019_20_arrs_and_the_merged_core_say_what_differs_that_year():
    by_key = {(y.label, p.key): p for y, p in PAYMENTS}
    assert "70%" in by_key[("2019/20", "arrs")].explained.purpose
    assert "70%" not in by_key[("2023/24", "arrs")].explained.purpose
    assert "Clinical Director" in by_key[("2024/25", "core_registered")].explained.purpose
    assert by_key[("2023/24", "caip")].document.title == "Capacity and Access Payment guidance 2023/24"


def test_a_payee_that_contradicts_paid_to_is_refused():
    _, participation = next((y, p) for y, p in PAYMENTS if p.key == "participation")
    data = explanations()
    wrong = {**data, "payments": {**data["payments"], "participation": {
        **data["payments"]["participation"], "payee": "The PCN, through its nominated payee"}}}
    with pytest.raises(CatalogueError, match="does not match paid_to"):
        explained(wrong, participation, PAYMENTS[0][0])
    with pytest.raises(CatalogueError, match="missing purpose"):
        explained({"payments": {"core": {"source": "x"}}}, dataclasses.replace(participation, key="core",
                                                                                paid_to=c.TO_PCN), PAYMENTS[0][0])


def test_a_document_needs_title_year_and_a_section_or_a_reason():
    base = {"year": "2023/24", "payments": [{"key": "core", "name": "Core", "basis": "registered", "rate": 1.5,
                                             "status": "verified", "source": "s"}]}
    rates = parse_year({**base, "document": {"title": "Spec", "year": "2023/24", "section": "8.1"}}, "t")
    assert rates.payments[0].document.cite() == "Spec 2023/24, section 8.1"
    with pytest.raises(CatalogueError, match="say in note why"):
        parse_year({**base, "document": {"title": "Spec", "year": "2023/24"}}, "t")
    with pytest.raises(CatalogueError, match="missing title"):
        parse_year({**base, "document": {"year": "2023/24", "note": "n"}}, "t")
