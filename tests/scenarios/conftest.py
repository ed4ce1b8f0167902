"""The scenarios' tests: the hand-made register (tests/builders.py) with its practices placed near Southend."""

from __future__ import annotations

import pytest

from tests.designer.conftest import place_practices


@pytest.fixture
def placed(register):
    place_practices()
    return register


@pytest.fixture
def scope_of(register):
    """``scope_of("pcn")``: the scope of that role's user."""
    from pcnhub.accounts.scope import scope_for

    return lambda role: scope_for(register.users[role])
