"""Population health management: dashboards of the pipeline's aggregates and cohort worklists (issue 5)."""
