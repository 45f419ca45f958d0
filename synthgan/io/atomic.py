"""Write-then-rename, so that no output file is ever left half-written.

An output is first written to a hidden temporary file in the destination folder and
moved into place with :func:`os.replace` (atomic on POSIX and Windows) only when
writing finished. On any error, including Ctrl-C, the temporary file is removed and
an existing file at the destination is left untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from synthgan.errors import InputFileError


def check_output_path(path: str | os.PathLike, *, what: str = "output") -> Path:
    """Return ``path`` as a Path after checking that its folder exists and it is not a folder."""
    out = Path(path)
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise InputFileError(
            f"cannot write {what} '{out}': folder '{parent}' does not exist; create it first or choose another path"
        )
    if out.is_dir():
        raise InputFileError(f"cannot write {what} '{out}': it is a folder; give a file name")
    return out


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, what: str = "output") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically."""
    out = check_output_path(path, what=what)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent or ".")
    os.close(fd)
    tmp = Path(tmp_name)
    os.chmod(tmp, 0o644)  # mkstemp makes owner-only files; outputs are ordinary files
    try:
        yield tmp
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
