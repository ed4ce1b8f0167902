"""``pcnhub phm``: population health commands (:mod:`pcnhub.cli.phm.main` dispatches to the others)."""
