"""Population health rules in plain Python: risk scores and their reference definitions."""
