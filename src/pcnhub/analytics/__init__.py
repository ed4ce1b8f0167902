"""Population health analytics: patient-level tables in Parquet, and pipelines written once with Ibis
that run on DuckDB (the embedded default) and on PySpark (for national scale)."""
