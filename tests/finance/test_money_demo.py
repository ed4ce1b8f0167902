"""The demo's network money: care home beds and one ICB override, added once."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from pcnhub.finance import demo
from pcnhub.finance.models import CareHomeBeds, RateOverride

pytestmark = pytest.mark.django_db


def test_load_finance_demo_is_idempotent(register, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_ICB", "QAA")
    monkeypatch.setattr(demo, "DEMO_PCNS", ("U00001",))
    out = io.StringIO()
    demo.load_finance_demo(out)
    # 0.7% of the registered list: 38,147 in 2025/26 gives 267 beds; both Alpha PCNs, three years.
    assert CareHomeBeds.objects.get(pcn=register.north, year="2025/26").beds == 267
    assert CareHomeBeds.objects.count() == 6
    override = RateOverride.objects.get()
    assert (override.icb, override.year, override.payment) == (register.icb_a, "2023/24", "arrs")
    assert override.rate == Decimal("14.52")  # seed 003: GBP 726,000 for a 50,000-patient network
    assert "726,000" in override.reason
    demo.load_finance_demo(out)
    assert CareHomeBeds.objects.count() == 6 and RateOverride.objects.count() == 1
    assert "already recorded" in out.getvalue()


def test_demo_skipped_without_its_icb(register):
    out = io.StringIO()
    demo.load_finance_demo(out)
    assert "skipped" in out.getvalue() and not RateOverride.objects.exists()
