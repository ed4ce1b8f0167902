"""Measures on the patient-level dataset, from their declarative definitions (``reference/measures/``).

:mod:`.compile` turns a definition into an Ibis expression of practice counts per month; :mod:`.levels`
sums them to PCN, sub-ICB, ICB and England with disclosure control, funnel limits, percentiles, deciles
and change over a year; :mod:`.run` runs every measure on DuckDB or Spark and writes Parquet
(``pcnhub measures run``).  No Django.
"""
