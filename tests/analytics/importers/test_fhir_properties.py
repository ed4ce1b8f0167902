"""Property tests of the FHIR importer's lenient paths: random subsets and corruptions of the Synthea-style
bundle and the Bulk Data export, as Bundles of any type or as NDJSON, never crash; every resource read is
imported, ignored or rejected (the counts add up); --strict either fails or imports the same rows."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pcnhub.analytics.importers.fhir import import_fhir
from pcnhub.analytics.schema import TABLES
from pcnhub.domain.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures"
SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _resources() -> list[tuple[str | None, dict]]:
    bundle = json.loads((FIXTURES / "synthea_transaction.json").read_text())
    found = [(item["fullUrl"], item["resource"]) for item in bundle["entry"]]
    for path in sorted((FIXTURES / "fhir_bulk_export").iterdir()):
        found += [(None, json.loads(line)) for line in path.read_text().splitlines() if line.strip()]
    return found


RESOURCES = _resources()
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10) | st.text(max_size=12)
    | st.sampled_from(["2020-01-01", "2099-01-01", "1900-13-40", "Patient/b7c1d2e3-0001", "http://loinc.org"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6)


@st.composite
def inputs(draw) -> tuple[list[tuple[str | None, dict]], str]:
    indices = draw(st.lists(st.integers(0, len(RESOURCES) - 1), unique=True, max_size=len(RESOURCES)))
    chosen = [(url, copy.deepcopy(resource)) for url, resource in (RESOURCES[i] for i in indices)]
    for _ in range(draw(st.integers(0, 4))):
        if not chosen:
            break
        _, resource = chosen[draw(st.integers(0, len(chosen) - 1))]
        key = draw(st.sampled_from(sorted(resource)))
        if key == "resourceType":
            continue
        if draw(st.booleans()):
            del resource[key]
        else:
            resource[key] = draw(json_values)
    layout = draw(st.sampled_from(["transaction", "batch", "collection", "searchset", "ndjson"]))
    return chosen, layout


def write(folder: Path, chosen: list[tuple[str | None, dict]], layout: str) -> Path:
    if layout == "ndjson":
        path = folder / "export.ndjson"
        path.write_text("".join(json.dumps(resource) + "\n" for _, resource in chosen))
    else:
        entries = [{**({"fullUrl": url} if url else {}), "resource": resource} for url, resource in chosen]
        path = folder / "bundle.json"
        path.write_text(json.dumps({"resourceType": "Bundle", "type": layout, "entry": entries}))
    return path


def read(folder: Path) -> dict[str, list[dict]]:
    return {name: pq.read_table(folder / TABLES[name].file).to_pylist() for name in TABLES}


@SETTINGS
@given(inputs())
def test_any_subset_or_corruption_imports_and_the_counts_add_up(data) -> None:
    chosen, layout = data
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = write(root, chosen, layout)
        result = import_fhir([source], root / "out", practice="Y01234")
        report = result.report
        assert report["total"] == len(chosen)
        assert report["imported"] + sum(report["ignored"].values()) + sum(report["rejected"].values()) == len(chosen)
        assert result.rows["patients"] == sum(1 for name in ("patients",) for _ in read(root / "out")[name])
        assert len(report["examples"]) <= 3 * len(report["rejected"])
        if not any(resource.get("resourceType") == "Patient" for _, resource in chosen):
            assert sum(result.rows.values()) == 0  # nothing can be imported without its Patient
        try:
            strict = import_fhir([source], root / "strict", practice="Y01234", strict=True)
        except InputError:
            assert report["rejected"]
            assert not (root / "strict").exists()
        else:
            assert not report["rejected"] and strict.rows == result.rows
            assert read(root / "strict") == read(root / "out")


@SETTINGS
@given(st.lists(st.sampled_from(['{"resourceType": "Patient", "id": ', "[1, 2]", "null", "{}", "\t"]), max_size=5),
       st.lists(st.integers(0, len(RESOURCES) - 1), max_size=6))
def test_broken_ndjson_lines_are_counted_not_fatal(garbage, indices) -> None:
    lines = [json.dumps(RESOURCES[i][1]) for i in indices] + garbage
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "x.ndjson").write_text("\n".join(lines) + "\n")
        report = import_fhir([root / "x.ndjson"], root / "out", practice="Y01234").report
        counted = len(indices) + sum(1 for g in garbage if g.strip())
        assert report["total"] == counted
        assert report["imported"] + sum(report["ignored"].values()) + sum(report["rejected"].values()) == counted
