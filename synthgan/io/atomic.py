"""Write-then-rename, so that no output file is ever left half-written.

An output is first written to a hidden temporary file in the destination folder and
moved into place with :func:`os.replace` (atomic on POSIX and Windows) only when
writing finished. On any error, including Ctrl-C, the temporary file is removed and
an existing file at the destination is left untouched.

A process killed outright (``kill -9``, power loss) cannot remove its temporary file.
Temporary files are therefore named recognisably, ``.<name>.<host>-<pid>.<random>.synthgan-tmp``,
and the next write into the same folder removes those left behind: the ones whose
writer process (on this machine) is gone, and any not modified for
:data:`STALE_AFTER_S` seconds (a live writer touches its file as it writes). Other
files are never touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from synthgan.errors import InputFileError

TEMP_SUFFIX = ".synthgan-tmp"
STALE_AFTER_S = 3600.0  # a temporary file untouched this long belongs to no running write
_TEMP_NAME = re.compile(r"^\..*\.(?P<host>[0-9a-f]{6})-(?P<pid>\d+)\.[^.]+" + re.escape(TEMP_SUFFIX) + "$")


def _host_tag() -> str:
    return hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but belongs to someone else (or cannot tell): keep its file
    return True


def clean_stale_temp_files(folder: str | os.PathLike, *, max_age_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove temporary files that interrupted writes left in ``folder``; return the removed paths.

    Only files named like synthgan's temporary files (``.<name>.<host>-<pid>.<random>.synthgan-tmp``)
    are considered, and removed when their writer process on this machine is gone or
    when they were not modified for ``max_age_s`` seconds. Errors are ignored: cleaning
    never stops a write.
    """
    removed: list[Path] = []
    host, now = _host_tag(), time.time()
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match is None:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            pid = int(match["pid"])
            dead = match["host"] == host and pid != os.getpid() and not _pid_alive(pid)
            old = now - entry.stat(follow_symlinks=False).st_mtime > max_age_s
            if dead or old:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except (OSError, ValueError):
            continue
    return removed


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
    folder = out.parent if str(out.parent) else Path(".")
    clean_stale_temp_files(folder)
    prefix = f".{out.name[:100]}.{_host_tag()}-{os.getpid()}."  # recognisable: see clean_stale_temp_files
    fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=TEMP_SUFFIX, dir=folder)
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
