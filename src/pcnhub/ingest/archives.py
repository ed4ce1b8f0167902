"""Zipped NHS files: NHS Digital publishes "Patients Registered at a GP Practice" both as CSV files and as
.zip archives holding one or more of them (gp-reg-pat-prac-quin-age.zip, gp-reg-pat-prac-sing-age-regions.zip
with the male and female files ...).

:func:`extracted_csvs` unpacks the CSV files of an archive into a temporary folder, under their own names, and
yields their paths; anything else in the archive (folders, notes) is left out.  A broken archive, one with no
CSV file, two members of the same name, or members unpacking to more than :data:`MAX_UNPACKED_BYTES` is an
:class:`~pcnhub.domain.errors.InputError` naming the archive (and the member).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Final

from pcnhub.domain.errors import InputError

#: The single-year-of-age files are the largest NHS Digital zips: about 400 MB of CSV unpacked together.
MAX_UNPACKED_BYTES: Final = 2_000_000_000
_CHUNK: Final = 1 << 20


def is_archive(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a .zip archive (by its name; a workbook is a zip too, but not a .zip)."""
    return Path(path).suffix.lower() == ".zip"


def member_name(archive: Path, member: str) -> str:
    """How problems name a member of an archive: ``archive.zip/member.csv``."""
    return f"{archive.name}/{member}"


@contextmanager
def extracted_csvs(path: str | os.PathLike[str]) -> Iterator[list[Path]]:
    """The CSV files of a .zip, unpacked into a temporary folder (removed afterwards), in name order."""
    source = Path(path)
    folder = Path(tempfile.mkdtemp(prefix="pcnhub-zip-"))
    try:
        yield _extract(source, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _extract(source: Path, folder: Path) -> list[Path]:
    try:
        archive = zipfile.ZipFile(source)
    except FileNotFoundError:
        raise InputError.single(source.name, "the file does not exist") from None
    except (zipfile.BadZipFile, OSError) as err:
        raise InputError.single(source.name, f"the file is not a zip archive ({err})") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and m.filename.lower().endswith(".csv")]
        members = [m for m in members if not PurePosixPath(m.filename).name.startswith(("._", "."))]
        if not members:
            names = ", ".join(m.filename for m in archive.infolist()[:10]) or "nothing"
            raise InputError.single(source.name, f"the archive holds no CSV file (it holds {names})")
        total = sum(m.file_size for m in members)
        if total > MAX_UNPACKED_BYTES:
            raise InputError.single(source.name, f"the CSV files unpack to {total:,} bytes; pcnhub reads archives of "
                                    f"at most {MAX_UNPACKED_BYTES:,} bytes unpacked")
        paths: list[Path] = []
        for member in sorted(members, key=lambda m: PurePosixPath(m.filename).name):
            name = PurePosixPath(member.filename.replace("\\", "/")).name
            target = folder / name
            if target.exists():
                raise InputError.single(source.name, f"the archive holds two files named {name}")
            try:
                _copy(archive, member, target, source)
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as err:
                raise InputError.single(member_name(source, name), f"the file cannot be unpacked ({err})") from None
            paths.append(target)
        return paths


def _copy(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, source: Path) -> None:
    """Unpack one member, stopping if it turns out larger than it claims (a zip bomb lies about its size)."""
    written = 0
    with archive.open(member) as reader, target.open("wb") as writer:
        while chunk := reader.read(_CHUNK):
            written += len(chunk)
            if written > MAX_UNPACKED_BYTES:
                raise InputError.single(source.name, f"{member.filename} unpacks to more than "
                                        f"{MAX_UNPACKED_BYTES:,} bytes")
            writer.write(chunk)
