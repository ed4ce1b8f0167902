"""Geography that needs data files: postcode geocoding (pure rules live in pcnhub.domain.geography)."""
