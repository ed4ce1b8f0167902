"""Code systems and canonical URLs the FHIR resources of several apps share."""

from __future__ import annotations

from typing import Final

SCORING_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/measure-scoring"
IMPROVEMENT_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/measure-improvement-notation"
POPULATION_SYSTEM: Final = "http://terminology.hl7.org/CodeSystem/measure-population"
#: pcnhub's measures (reference/measures): identifier system, and the stem of their canonical URLs.
MEASURE_SYSTEM: Final = "urn:pcnhub:measure"


def measure_canonical(measure_id: str) -> str:
    """The canonical URL of a pcnhub measure (``urn:pcnhub:measure:<definition id>``)."""
    return f"{MEASURE_SYSTEM}:{measure_id}"
