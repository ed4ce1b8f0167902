"""Measures pages and API: how each PCN, practice and ICB is doing on the measures of ``reference/measures``."""
