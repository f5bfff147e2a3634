"""SQLite: WAL mode for one machine, and a refusal to be shared over a network drive.

SQLite relies on the operating system's file locks, and in WAL mode on shared memory next to
the file; neither works between machines. Over NFS or SMB the locks are unreliable, so two
machines writing one file can corrupt it (sqlite.org, "How To Corrupt An SQLite Database File",
section 2.1, and "Write-Ahead Logging": all processes must be on the same host). Workers on one
machine may share a local file; workers on several machines need PostgreSQL.

A WAL database keeps two files beside it (``-wal``, ``-shm``) while a connection is open; the
last connection to close folds the log back into the file and removes both. ``release_all``
closes this process's connections, for a process that ends without the interpreter's
teardown (``automl run``), which would otherwise leave both files beside the user's ``.db``.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
import weakref
from pathlib import Path

from automl.errors import ConfigError

__all__ = ["TIMEOUT_S", "check_shared_sqlite", "network_filesystem", "pragmas", "prepare",
           "release_all", "track"]

TIMEOUT_S = 60
MOUNTS = "/proc/mounts"  # Linux: mount point and file system type of every mount
_NETWORK_FS = {"nfs", "nfs4", "cifs", "smb", "smbfs", "smb3", "ncpfs", "afs", "9p", "ceph",
               "glusterfs", "lustre", "gpfs", "davfs", "fuse.sshfs", "fuse.s3fs",
               "fuse.rclone", "fuse.glusterfs", "fuse.cephfs", "fuse.davfs2"}

_OPEN: weakref.WeakSet = weakref.WeakSet()  # SQLAlchemy engines on a SQLite file


def track(engine):
    """Remember ``engine`` (on a SQLite file) for ``release_all``; returns it."""
    _OPEN.add(engine)
    return engine


def release_all() -> None:
    """Close the pooled connections of every tracked engine (they reopen if used again)."""
    for engine in list(_OPEN):
        engine.dispose()


def pragmas(connection, _record) -> None:
    # WAL + synchronous=NORMAL: a commit no longer waits for fsync; a killed process loses
    # nothing (the OS has the pages), a power cut may lose the last commits, never the file.
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")


def prepare(database: str | None) -> None:
    """Create the folder and switch the file to WAL (persistent, so once is enough)."""
    if not database or database == ":memory:":
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    give_up = time.monotonic() + TIMEOUT_S
    while True:
        try:
            with sqlite3.connect(path, timeout=TIMEOUT_S) as con:
                con.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.DatabaseError as exc:
            # Changing the journal mode takes the file for itself and does not wait for a
            # busy file the way other statements do: another process opening it at the same
            # moment makes it fail at once with "database is locked".
            busy = isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)
            if busy and time.monotonic() < give_up:
                time.sleep(0.02)
                continue
            raise ConfigError(
                f"{str(path)!r} is not a usable SQLite database ({exc}). "
                "Point --storage at another file.",
                field="storage_url",
            ) from exc


def check_shared_sqlite(url: str) -> None:
    """Refuse a SQLite file on a network drive for a worker (workers elsewhere share it).

    Raises:
        ConfigError: The file is on a network file system (NFS, SMB, sshfs, ...).
    """
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - open_storage reports a bad URL with its own message
        return
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return
    fs = network_filesystem(Path(parsed.database))
    if fs:
        raise ConfigError(
            f"The SQLite file {parsed.database!r} is on a network drive ({fs}). SQLite cannot "
            "be shared between machines: its file locks are unreliable over network drives, "
            "so workers there can corrupt it. Use a PostgreSQL URL for workers on several "
            "machines (see docs/scale-out.md), or keep the file on a local disk and run the "
            "workers on that machine.", field="storage_url")


def network_filesystem(path: Path) -> str | None:
    """The network file system holding ``path`` ("nfs4", "UNC path", ...), None if local."""
    path = Path(os.path.abspath(path))
    if sys.platform == "win32":
        return _windows_remote(path)
    try:
        with open(MOUNTS, encoding="utf-8") as f:
            mounts = [line.split()[1:3] for line in f if len(line.split()) > 2]
    except OSError:
        return None  # not Linux: no reliable way to tell here; documented
    probe = path if path.exists() else path.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    real = os.path.realpath(probe)
    best, kind = "", None
    for mount, fstype in mounts:
        mount = mount.replace("\\040", " ")
        inside = real == mount or real.startswith(mount.rstrip("/") + "/")
        if inside and len(mount) >= len(best):
            best, kind = mount, fstype
    return kind if kind in _NETWORK_FS else None


def _windows_remote(path: Path) -> str | None:
    text = str(path)
    if text.startswith("\\\\"):
        return "UNC path"
    try:
        import ctypes

        drive = os.path.splitdrive(text)[0] + "\\"
        if ctypes.windll.kernel32.GetDriveTypeW(drive) == 4:  # DRIVE_REMOTE
            return "network drive"
    except (AttributeError, OSError):
        pass
    return None
