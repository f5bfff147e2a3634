"""Where studies live: Optuna RDB storage, an embedded SQLite file by default.

Default location: ``$AUTOML_STORAGE`` if set (any SQLAlchemy URL), else
``sqlite:///<AUTOML_HOME>/studies.db`` with ``AUTOML_HOME`` defaulting to
``~/.automl-studio``. The GUI and the CLI share it, so runs from either show up in both.

SQLite is opened in WAL mode with a busy timeout, so two processes can write the same
study and a reader (the GUI) never blocks the writer.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import optuna
from sqlalchemy import event
from sqlalchemy.engine import make_url

from automl.errors import ConfigError

__all__ = ["default_storage_url", "open_storage", "workspace_dir"]

SQLITE_TIMEOUT_S = 60
_CACHE: dict[str, optuna.storages.BaseStorage] = {}


def workspace_dir() -> Path:
    """The folder for the default database and other per-user state."""
    return Path(os.environ.get("AUTOML_HOME") or Path.home() / ".automl-studio")


def default_storage_url() -> str:
    url = os.environ.get("AUTOML_STORAGE")
    if url:
        return url
    return f"sqlite:///{(workspace_dir() / 'studies.db').as_posix()}"


def open_storage(url: str | None = None, *, cached: bool = True) -> optuna.storages.BaseStorage:
    """Open (and create if needed) the storage at ``url``.

    Args:
        url: SQLAlchemy URL, ":memory:", or None for the default storage.
        cached: Reuse this process's connection pool for the URL (a forked process must
            pass False: connections do not cross a fork).

    Raises:
        ConfigError: The URL is malformed or the database cannot be opened.
    """
    url = url or default_storage_url()
    if cached and url in _CACHE:
        return _CACHE[url]
    if url == ":memory:":
        storage: optuna.storages.BaseStorage = optuna.storages.InMemoryStorage()
    else:
        try:
            parsed = make_url(url)
        except Exception as exc:  # noqa: BLE001 - SQLAlchemy raises several types here
            raise ConfigError(
                f"Storage URL {url!r} is not a valid SQLAlchemy URL "
                "(e.g. sqlite:///path/studies.db or postgresql://user@host/db).",
                field="storage_url",
            ) from exc
        kwargs: dict = {}
        if parsed.get_backend_name() == "sqlite":
            _prepare_sqlite(parsed.database)
            kwargs = {"connect_args": {"timeout": SQLITE_TIMEOUT_S}}
        else:
            kwargs = {"pool_pre_ping": True}
        try:
            storage = optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
        except Exception as exc:  # noqa: BLE001 - driver errors vary by backend
            raise ConfigError(
                f"Cannot open the study storage {url!r}: {exc}", field="storage_url"
            ) from exc
        if parsed.get_backend_name() == "sqlite":
            event.listen(storage.engine, "connect", _sqlite_pragmas)
            storage.engine.dispose()  # reconnect with the pragmas
    if cached:
        _CACHE[url] = storage
    return storage


def _sqlite_pragmas(connection, _record) -> None:
    # WAL + synchronous=NORMAL: a commit no longer waits for fsync; a killed process loses
    # nothing (the OS has the pages), a power cut may lose the last commits, never the file.
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")


def _prepare_sqlite(database: str | None) -> None:
    """Create the folder and switch the file to WAL (persistent, so once is enough)."""
    if not database or database == ":memory:":
        return
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with sqlite3.connect(path, timeout=SQLITE_TIMEOUT_S) as con:
            con.execute("PRAGMA journal_mode=WAL")
    except sqlite3.DatabaseError as exc:
        raise ConfigError(
            f"{str(path)!r} is not a usable SQLite database ({exc}). "
            "Point --storage at another file.",
            field="storage_url",
        ) from exc
