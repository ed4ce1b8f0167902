"""Nothing leaves an asyncio loop running in the test thread: the browser tests' Playwright (whose sync API keeps
one running while it is open) is closed after them (tests/browser/conftest.py), before the tests that follow."""

import asyncio


def test_no_event_loop_is_left_running():
    assert asyncio.run(asyncio.sleep(0, result="ran")) == "ran"
