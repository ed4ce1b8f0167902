"""Content-Security-Policy on every response: a strict policy (no inline script, style sheets only from this
server or with the response's nonce, inline style attributes only for Plotly), and pages that keep to it (no inline script, no style attribute, no <style>
without the nonce)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

#: The main pages, as the administrator (who may see all of them) and, for a PCN's own pages, the PCN user.
PAGES = [
    ("admin", "/"),
    ("admin", "/landscape/"),
    ("admin", "/landscape/?area=QAA"),
    ("admin", "/pcn/U00001/"),
    ("admin", "/practice/A81001/"),
    ("admin", "/search/?q=alpha"),
    ("pcn", "/finance/pcn/U00001/"),
    ("icb", "/finance/area/QAA/"),
    ("pcn", "/finance/pcn/U00001/arrs/"),
    ("pcn", "/finance/pcn/U00001/access/"),
    ("pcn", "/maturity/pcn/U00001/"),
    ("icb", "/maturity/area/QAA/"),
    ("pcn", "/phm/pcn/U00001/"),
    ("icb", "/phm/area/QAA/"),
    ("admin", "/phm/audit/"),
    ("icb", "/design/QAA/"),
    ("admin", "/api/docs"),
    ("admin", "/api/me"),
    ("admin", "/no-such-page/"),
]


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def assert_strict(response) -> None:
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert policy["form-action"] == ["'self'"] and policy["base-uri"] == ["'self'"]
    style = policy["style-src"]
    assert style[0] == "'self'" and all(re.fullmatch(r"'nonce-[A-Za-z0-9+/=]+'", s) for s in style[1:])
    # Only style attributes may be inline (Plotly sets some: see settings.py); never a script or <style>.
    assert policy["style-src-attr"] == ["'unsafe-inline'"]
    assert not [d for d, v in policy.items() if "'unsafe-inline'" in v and d != "style-src-attr"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.fixture(autouse=True)
def _phm_and_quick_designer(settings, tmp_path):
    from tests.phm.fixtures import write_output

    settings.PCNHUB_PHM_DIR = tmp_path / "phm"
    write_output(tmp_path / "phm" / "output")
    settings.PCNHUB_DESIGN_SECONDS = 1.0


@pytest.mark.parametrize(("role", "url"), PAGES)
def test_every_main_page_has_the_strict_policy_and_keeps_to_it(client_for, role, url):
    response = client_for(role).get(url)
    assert response.status_code == (404 if "no-such" in url else 200), (url, response.status_code)
    assert_strict(response)
    if not response["Content-Type"].startswith("text/html"):
        return
    html = response.content.decode()
    nonces = [s[len("'nonce-"):-1] for s in directives(response)["style-src"][1:]]  # only where a page uses one
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert " src=" in tag or 'type="application/json"' in tag, f"inline script on {url}: {tag}"
    assert not re.search(r"<[^>]+\sstyle=", html), f"a style attribute on {url}"
    for tag in re.findall(r"<style\b[^>]*>", html):
        assert nonces and f'nonce="{nonces[0]}"' in tag, f"<style> without the response's nonce on {url}: {tag}"
    assert not re.search(r"\son[a-z]+=", html), f"an inline event handler on {url}"


def test_the_login_page_and_a_refusal_have_it_too(client, client_for):
    assert_strict(client.get("/accounts/login/"))
    assert_strict(client_for("practice").get("/finance/pcn/U00001/"))


def test_each_response_has_its_own_nonce(client_for):
    client = client_for("admin")
    first, second = (directives(client.get("/pcn/U00001/"))["style-src"][1] for _ in range(2))  # a chart page
    assert first != second
