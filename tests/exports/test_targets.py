"""Where an export may write: like a shell redirect for devices and FIFOs, atomically for
regular files (symlinks followed, modes as a redirect gives them), never over the store's
own files or a read-only file; a full disk leaves nothing behind and prints one line."""

from __future__ import annotations

import errno
import gc
import io
import os
import stat
import sys
import threading
from pathlib import Path

import pytest

from citegraph import cli
from citegraph.errors import OutputError
from citegraph.exports.formats import export
from citegraph.exports.selection import select
from citegraph.models import Article, Author
from citegraph.store import Store


def _articles(n: int = 3) -> list[Article]:
    return [Article(pmid=str(100 + i), title=f"Paper {i}", year=2000 + i, journal="J",
                    authors=[Author(last_name=f"Author{i}", initials="A")]) for i in range(n)]


@pytest.fixture
def folder(tmp_path) -> Path:
    """A cache folder whose store holds three articles, the first citing the others."""
    store_dir = tmp_path / "cache"
    with Store(store_dir / "citegraph.sqlite") as store:
        with store.transaction():
            store.put_articles(_articles(), source="file:a.xml")
            store.add_citations([("100", "101"), ("100", "102")], source="file:a.xml")
    return store_dir


def _run(folder: Path, *args: str, capsys) -> tuple[int, str, str]:
    code = cli.main(["--cache-dir", str(folder), "export", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _stored(folder: Path) -> int:
    with Store(folder / "citegraph.sqlite") as store:
        return store.counts()["articles"]


@pytest.mark.parametrize("name", ["citegraph.sqlite", "citegraph.sqlite-wal", "citegraph.sqlite-shm"])
def test_the_store_own_files_are_refused(folder, name, capsys):
    before = (folder / "citegraph.sqlite").read_bytes()
    code, _, err = _run(folder, "--format", "csv", "-o", str(folder / name), capsys=capsys)
    assert code == 1 and err.startswith("citegraph: error: ") and len(err.strip().splitlines()) == 1
    assert "store" in err
    assert (folder / "citegraph.sqlite").read_bytes() == before and _stored(folder) == 3


def test_a_symlink_to_the_store_is_refused(folder, tmp_path, capsys):
    link = tmp_path / "innocent.csv"
    link.symlink_to(folder / "citegraph.sqlite")
    for fmt in ("csv", "vosviewer"):
        target = link if fmt == "csv" else tmp_path / "v"
        if fmt == "vosviewer":
            (tmp_path / "v_network.txt").symlink_to(folder / "citegraph.sqlite")
        code, _, err = _run(folder, "--format", fmt, "-o", str(target), capsys=capsys)
        assert code == 1 and "store" in err, (fmt, err)
    assert link.is_symlink() and _stored(folder) == 3
    assert not (tmp_path / "v_map.txt").exists()  # nothing written when any part is refused


def test_a_symlink_is_written_through_and_stays(folder, tmp_path, capsys):
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    code, _, err = _run(folder, "--format", "csv", "-o", str(link), capsys=capsys)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text(encoding="utf-8").startswith("pmid,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "link.csv", "real.csv"]


def test_a_reader_that_went_away_is_not_an_error(folder):
    import subprocess

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the export starts: any write gets EPIPE
    try:
        done = subprocess.run([sys.executable, "cli.py", "--cache-dir", str(folder), "export", "--format", "csv"],
                              cwd=Path(__file__).resolve().parents[2], stdout=write_end, stderr=subprocess.PIPE, text=True,
                              timeout=120)
    finally:
        os.close(write_end)
    # no error line (the exit status after a closed stdout is main()'s business, not the export's)
    assert done.stderr == ""


def test_a_read_only_file_is_refused_even_for_root(folder, tmp_path, capsys):
    target = tmp_path / "frozen.ris"
    target.write_text("old\n")
    target.chmod(0o444)
    code, _, err = _run(folder, "--format", "ris", "-o", str(target), capsys=capsys)
    assert code == 1 and "read-only" in err and err.startswith("citegraph: error: ")
    assert target.read_text() == "old\n" and stat.S_IMODE(target.stat().st_mode) == 0o444


def test_a_fifo_is_written_through(folder, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    with Store(folder / "citegraph.sqlite") as store:
        export(select(store), "ris", str(fifo))
    reader.join(timeout=60)
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still a FIFO, not a regular file
    assert received and received[0].count(b"ER  -") == 3


@pytest.mark.skipif(not (os.path.exists("/dev/full") and stat.S_ISCHR(os.stat("/dev/full").st_mode)),
                    reason="no /dev/full")
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "graphml"])
def test_dev_full_is_a_clear_disk_full_error(folder, fmt, capsys):
    code, out, err = _run(folder, "--format", fmt, "-o", "/dev/full", capsys=capsys)
    assert code == 1 and err == "citegraph: error: cannot write /dev/full: disk full\n"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_a_redirect_gives(folder, tmp_path, umask, mode):
    with Store(folder / "citegraph.sqlite") as store:
        selection = select(store)
    previous = os.umask(umask)
    try:
        for fmt in ("csv", "xlsx", "vosviewer"):
            export(selection, fmt, str(tmp_path / f"out-{fmt}"))
    finally:
        os.umask(previous)
    written = [p for p in tmp_path.iterdir() if p.name.startswith("out-")]
    assert len(written) == 4
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in written} == {p.name: mode for p in written}


def test_an_existing_file_keeps_its_mode(folder, tmp_path):
    target = tmp_path / "private.bib"
    target.write_text("old\n")
    target.chmod(0o640)
    with Store(folder / "citegraph.sqlite") as store:
        export(select(store), "bibtex", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and "@article" in target.read_text()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_root_replacing_another_user_file_leaves_it_theirs(folder, tmp_path):
    target = tmp_path / "theirs.ris"
    target.write_text("old\n")
    os.chown(target, 4321, 4321)
    with Store(folder / "citegraph.sqlite") as store:
        export(select(store), "ris", str(target))
    info = target.stat()
    assert (info.st_uid, info.st_gid) == (4321, 4321) and "ER  -" in target.read_text()


def test_vosviewer_on_a_full_disk_leaves_neither_file(folder, tmp_path, monkeypatch):
    (tmp_path / "v_network.txt").write_text("old network\n")
    real_fsync = os.fsync

    def fsync(fd):  # the disk fills while the map file, the larger one, is synced
        if os.readlink(f"/proc/self/fd/{fd}").split("/")[-1].startswith(".v_map.txt"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with Store(folder / "citegraph.sqlite") as store, pytest.raises(OutputError, match="disk full"):
        export(select(store), "vosviewer", str(tmp_path / "v"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "v_network.txt"]
    assert (tmp_path / "v_network.txt").read_text() == "old network\n"


class _FullDisk(io.RawIOBase):
    """A binary stream that takes ``room`` bytes, then fails as a full disk does."""

    def __init__(self, room: int) -> None:
        self.room = room
        self.position = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if self.position + len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position


@pytest.mark.parametrize("room", [0, 100, 2000])
def test_xlsx_on_a_full_disk_fails_cleanly(folder, room, monkeypatch):
    from citegraph.exports.xlsx import write_xlsx

    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    with Store(folder / "citegraph.sqlite") as store:
        selection = select(store)
    with pytest.raises(OSError):
        write_xlsx(selection, _FullDisk(room))
    gc.collect()
    assert unraisable == []  # no "Exception ignored in ..." from a half-written archive or sheet


def test_an_empty_store_exports_an_empty_file_and_says_so(tmp_path, capsys):
    folder = tmp_path / "cache"
    with Store(folder / "citegraph.sqlite"):
        pass
    for fmt in ("csv", "jsonl", "graphml"):
        target = tmp_path / f"empty.{fmt}"
        code, _, err = _run(folder, "--format", fmt, "-o", str(target), capsys=capsys)
        assert code == 0 and "nothing to export" in err and "store holds no articles" in err, (fmt, err)
        assert target.exists()
    assert (tmp_path / "empty.csv").read_text(encoding="utf-8").startswith("pmid,")


def test_an_empty_selection_says_so(folder, capsys):
    code, out, err = _run(folder, "--format", "ris", "--since", "3000", "-o", "-", capsys=capsys)
    assert code == 0 and out == "" and "no stored paper matches the selection" in err
    code, out, err = _run(folder, "--format", "ris", "-o", "-", capsys=capsys)
    assert code == 0 and "nothing to export" not in err
