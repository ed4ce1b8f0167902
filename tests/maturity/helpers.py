"""Helpers of the maturity tests: page text, downloads, and a domain page's form as a browser posts it."""

from __future__ import annotations

import html as htmllib
import re

from pcnhub.domain import maturity as m
from pcnhub.reference.maturity import load_matrix

from tests.helpers_web import XLSX, read_csv, read_xlsx, text  # noqa: F401 (used by the maturity tests)
MATRIX = load_matrix()
LPP = MATRIX.domain("lpp")
FOUNDATION = [s.id for s in LPP.steps[0].statements(m.PCN)]
SYSTEM_FOUNDATION = [s.id for s in LPP.steps[0].statements(m.SYSTEM)]


def form_of(response) -> dict[str, str]:
    """The fields of the assessment form as the page rendered them (checked radios, textareas, hidden inputs)."""
    html = response.content.decode()
    start = html.index('id="assessment-form"')
    html = html[start:html.index("</form>", start)]
    data: dict[str, str] = {}
    for tag in re.findall(r"<input\b[^>]*>", html):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag))
        kind = attrs.get("type")
        if kind == "radio" and " checked" not in tag:
            continue
        if kind == "checkbox":
            continue
        if "name" in attrs:
            data[attrs["name"]] = htmllib.unescape(attrs.get("value", ""))
    for name, value in re.findall(r'<textarea\b[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', html, flags=re.DOTALL):
        data[name] = htmllib.unescape(value)
    return data
