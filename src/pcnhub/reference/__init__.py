"""Reference data shipped with pcnhub: versioned files (TOML, CSV) with a source and status for every value.

The files live beside this module; the loaders in this package read and validate
them and return the plain domain objects of :mod:`pcnhub.domain`.
"""
