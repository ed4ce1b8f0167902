"""Maturity matrix self-assessments of PCNs and ICBs, and PCN development plans (GitHub issue 4)."""
