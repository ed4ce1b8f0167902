"""Vendor the NHS.UK frontend and Plotly's JavaScript into pcnhub's static files.

pcnhub must work on a network that blocks the internet, so nothing a page uses may come from a
CDN. This script copies the compiled NHS.UK frontend (CSS, JavaScript, images) from an
``npm pack nhsuk-frontend@10`` tarball, and Plotly's bundled ``plotly.min.js`` from the installed
``plotly`` Python package, into ``src/pcnhub/static``:

* ``nhsuk/css/nhsuk-frontend.min.css`` - with the ``@font-face`` rules that load Frutiger from
  https://assets.nhs.uk removed (the NHS font stack falls back to Arial) and
  ``url(/assets/images/...)`` rewritten to the vendored images;
* ``nhsuk/js/nhsuk-frontend.min.js`` - the ES module (``initAll`` is called by
  ``pcnhub/nhsuk-init.mjs``);
* ``nhsuk/images/`` - favicons and icons;
* ``nhsuk/README.md`` - version, source and licence (MIT);
* ``vendor/plotly.min.js`` and ``vendor/README.md``.

Source-map comments are dropped, since the maps are not vendored.

Usage::

    npm pack nhsuk-frontend@10          # gives nhsuk-frontend-10.x.y.tgz
    python tools/vendor_nhsuk.py nhsuk-frontend-10.6.1.tgz
    python tools/vendor_nhsuk.py /tmp/nhsuk/package   # or an unpacked tarball
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = Path("/tmp/nhsuk/package")
DEFAULT_STATIC = REPO / "src" / "pcnhub" / "static"
MAJOR_VERSION = "10"

FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")
ASSET_IMAGES = re.compile(r"url\((['\"]?)/assets/images/")
SOURCE_MAP_CSS = re.compile(r"/\*#\s*sourceMappingURL=[^*]*\*/\s*$")
SOURCE_MAP_JS = re.compile(r"//#\s*sourceMappingURL=\S*\s*$")
REMOTE_URL = re.compile(r"url\((['\"]?)(https?:)?//", re.IGNORECASE)

LICENCE_NOTE = """\
# NHS.UK frontend {version} (vendored)

Compiled files from the npm package `nhsuk-frontend@{version}`
(https://github.com/nhsuk/nhsuk-frontend), copied by `tools/vendor_nhsuk.py`:

* `css/nhsuk-frontend.min.css` - `dist/nhsuk/nhsuk-frontend.min.css`, changed so that nothing is
  fetched from the internet: the `@font-face` rules loading Frutiger from https://assets.nhs.uk are
  removed (the NHS font stack falls back to Arial) and `url(/assets/images/...)` points at
  `../images/`. Source-map comments are removed.
* `js/nhsuk-frontend.min.js` - `dist/nhsuk/nhsuk-frontend.min.js` (an ES module; source-map comment
  removed).
* `images/` - `dist/nhsuk/assets/images/`.

Do not edit these files by hand: run `python tools/vendor_nhsuk.py <nhsuk-frontend-{version}.tgz>`.

## Licence

MIT. From the package's README: "The codebase is released under the MIT Licence, unless stated
otherwise. This covers both the codebase and any sample code in the documentation. The
documentation is © NHS England and available under the terms of the Open Government 3.0 licence."

The MIT License (MIT)

Copyright (c) NHS England

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""

PLOTLY_NOTE = """\
# Vendored JavaScript

* `plotly.min.js` - {banner}, copied by `tools/vendor_nhsuk.py` from the `plotly` Python package
  {py_version} (`plotly/package_data/plotly.min.js`), so that charts never load Plotly from a CDN.
  MIT licence (see the file's header comment).
"""


def rewrite_css(css: str) -> str:
    """The NHS.UK CSS with no web fonts, local image URLs and no source-map comment."""
    css = FONT_FACE.sub("", css)
    css = ASSET_IMAGES.sub(r"url(\1../images/", css)
    css = SOURCE_MAP_CSS.sub("", css.rstrip()) + "\n"
    remote = REMOTE_URL.findall(css)
    if remote:
        raise SystemExit(f"the rewritten CSS still loads {len(remote)} URL(s) from the internet")
    if "/assets/" in css:
        raise SystemExit("the rewritten CSS still refers to /assets/")
    return css


def strip_js_source_map(js: str) -> str:
    return SOURCE_MAP_JS.sub("", js.rstrip()) + "\n"


def package_root(source: Path, workdir: Path) -> Path:
    """The ``package`` directory of an npm tarball, or the directory given."""
    if source.is_dir():
        return source
    with tarfile.open(source) as tar:
        tar.extractall(workdir, filter="data")
    return workdir / "package"


def vendor_nhsuk(package: Path, static: Path) -> str:
    meta = json.loads((package / "package.json").read_text(encoding="utf-8"))
    version = meta["version"]
    if meta.get("name") != "nhsuk-frontend" or version.split(".")[0] != MAJOR_VERSION:
        raise SystemExit(f"expected nhsuk-frontend {MAJOR_VERSION}.x, found {meta.get('name')} {version}")
    dist = package / "dist" / "nhsuk"
    out = static / "nhsuk"
    if out.exists():
        shutil.rmtree(out)
    (out / "css").mkdir(parents=True)
    (out / "js").mkdir()
    css = (dist / "nhsuk-frontend.min.css").read_text(encoding="utf-8")
    (out / "css" / "nhsuk-frontend.min.css").write_text(rewrite_css(css), encoding="utf-8")
    js = (dist / "nhsuk-frontend.min.js").read_text(encoding="utf-8")
    (out / "js" / "nhsuk-frontend.min.js").write_text(strip_js_source_map(js), encoding="utf-8")
    shutil.copytree(dist / "assets" / "images", out / "images")
    (out / "README.md").write_text(LICENCE_NOTE.format(version=version), encoding="utf-8")
    return version


def vendor_plotly(static: Path) -> str:
    import plotly

    source = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    out = static / "vendor"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, out / "plotly.min.js")
    with source.open(encoding="utf-8") as fh:
        head = fh.read(200)
    match = re.search(r"plotly\.js v[\d.]+", head)
    banner = match.group(0) if match else "plotly.js"
    (out / "README.md").write_text(PLOTLY_NOTE.format(banner=banner, py_version=plotly.__version__), encoding="utf-8")
    return banner


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "source", nargs="?", type=Path, default=DEFAULT_SOURCE,
        help=f"npm pack tarball of nhsuk-frontend@{MAJOR_VERSION}, or its unpacked 'package' directory "
        f"(default: {DEFAULT_SOURCE})",
    )
    parser.add_argument("--static", type=Path, default=DEFAULT_STATIC, help="static directory to write into")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as workdir:
        version = vendor_nhsuk(package_root(args.source, Path(workdir)), args.static)
    banner = vendor_plotly(args.static)
    print(f"NHS.UK frontend {version} and {banner} written to {args.static}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
