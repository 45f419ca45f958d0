"""Interrupted writes leave no temporary files behind: the next write into the folder removes them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest

from synthgan.io.atomic import STALE_AFTER_S, TEMP_SUFFIX, _host_tag, atomic_path, clean_stale_temp_files
from synthgan.io.tables import write_table


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def temp_name(target: str, pid: int, host: str | None = None) -> str:
    return f".{target}.{host or _host_tag()}-{pid}.abc123xy{TEMP_SUFFIX}"


def test_temp_names_are_recognisable(tmp_path):
    with atomic_path(tmp_path / "out.csv") as tmp:
        assert tmp.name.startswith(f".out.csv.{_host_tag()}-{os.getpid()}.") and tmp.name.endswith(TEMP_SUFFIX)
        tmp.write_text("x")
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_next_write_removes_stale_temp_files_only(tmp_path):
    dead = tmp_path / temp_name("big.parquet", dead_pid())
    old = tmp_path / temp_name("other.csv", os.getppid())  # writer alive, but untouched for too long
    live = tmp_path / temp_name("busy.csv", os.getppid())  # writer alive and recently active: kept
    foreign_host = tmp_path / temp_name("remote.csv", dead_pid(), host="000000")  # cannot judge its pid: kept
    for path in (dead, old, live, foreign_host):
        path.write_bytes(b"partial")
    stale_time = time.time() - STALE_AFTER_S - 60
    os.utime(old, (stale_time, stale_time))
    unrelated = ["keep.csv", ".keep.csv.abc.tmp", "notes.synthgan-tmp.txt", f"plain{TEMP_SUFFIX}"]
    for name in unrelated:
        (tmp_path / name).write_text("mine")
    write_table(pd.DataFrame({"a": [1, 2]}), tmp_path / "new.csv")
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted(unrelated + ["new.csv", live.name, foreign_host.name])
    for name in unrelated:
        assert (tmp_path / name).read_text() == "mine"


def test_clean_reports_what_it_removed(tmp_path):
    dead = tmp_path / temp_name("x.csv", dead_pid())
    dead.write_bytes(b"")
    (tmp_path / "sub").mkdir()
    (tmp_path / temp_name("dir.csv", dead_pid())).mkdir()  # a folder with the pattern is never removed
    assert clean_stale_temp_files(tmp_path) == [dead]
    assert clean_stale_temp_files(tmp_path / "missing") == []


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9 is POSIX")
def test_kill_9_during_a_chunked_write_is_cleaned_by_the_next_write(tmp_path):
    target = tmp_path / "big.csv"
    script = textwrap.dedent(f"""
        import sys, time
        import pandas as pd
        from synthgan.io.tables import write_table_chunks

        def chunks():
            yield pd.DataFrame({{"a": range(1000)}})
            print("writing", flush=True)
            time.sleep(60)
            yield pd.DataFrame({{"a": range(10)}})

        write_table_chunks(chunks(), {str(target)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(TEMP_SUFFIX)]
        assert len(leftovers) == 1 and leftovers[0].name.startswith(".big.csv.")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert leftovers[0].exists() and not target.exists()  # what kill -9 leaves behind
    write_table(pd.DataFrame({"a": [1]}), tmp_path / "next.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["next.csv"]
