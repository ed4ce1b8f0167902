"""What an engine's output folder is, for those who read it: a fingerprint of its files.

``pcnhub phm run`` and ``pcnhub measures run`` write a folder of Parquet and JSON files; the pages keep what
they read of it in the site's cache under :func:`fingerprint` (each file's path, modification time and size),
so a new run, even one that writes the same paths, is read afresh.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def fingerprint(folder: Path, files: Sequence[str]) -> str | None:
    """``path:mtime_ns:size`` of each of ``files`` in ``folder``, joined; None when one is missing."""
    try:
        stats = [(folder / name).stat() for name in files]
    except OSError:
        return None
    return ";".join(f"{folder / name}:{st.st_mtime_ns}:{st.st_size}" for name, st in zip(files, stats, strict=True))
