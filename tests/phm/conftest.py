"""Fixtures of the population health tests: the pipeline output in a temporary PCNHUB_PHM_DIR, and grants."""

from __future__ import annotations

import pytest

from tests.phm.fixtures import write_output


@pytest.fixture
def phm_dir(settings, tmp_path):
    """An empty PCNHUB_PHM_DIR (no pipeline output yet)."""
    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    return settings.PCNHUB_PHM_DIR


@pytest.fixture
def phm_output(phm_dir):
    """PCNHUB_PHM_DIR with the output of tests/phm/fixtures.py."""
    return write_output(phm_dir / "output")


@pytest.fixture
def grant(register):
    """``grant("pcn")``: give that role's user patient-level data of their own organisation (or ``org``)."""
    from pcnhub.phm.models import PatientDataGrant

    def give(role: str, org=None, **extra):
        user = register.users[role]
        return PatientDataGrant.objects.create(user=user, organisation=org or user.profile.organisation,
                                               granted_by=register.users["admin"], reason="Direct care", **extra)

    return give
