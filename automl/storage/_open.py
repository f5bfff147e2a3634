"""Opening a study storage from a URL: SQLite by default, PostgreSQL for a team.

Default location: ``$AUTOML_STORAGE`` if set (any SQLAlchemy URL), else
``sqlite:///<AUTOML_HOME>/studies.db`` with ``AUTOML_HOME`` defaulting to
``~/.automl-studio``. The GUI and the CLI share it, so runs from either show up in both.

PostgreSQL URLs may name the driver or not (``postgresql://``, ``postgresql+psycopg://``,
``postgres://``); all use psycopg 3 (the ``postgres`` extra). The pool is sized for one worker
(its search loop, its writer and the GUI's readers each hold one connection at a time),
connections are pinged before use and recycled after half an hour, so a server restart or an
idle-connection timeout in between costs a reconnect, not a failed trial.
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

import optuna
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.engine import make_url

from automl.errors import ConfigError
from automl.storage import _sqlite
from automl.storage._live import LIVE
from automl.storage._live import worker_identity

__all__ = ["default_storage_url", "mask_url", "normalize_url", "open_storage", "workspace_dir"]

POOL_SIZE = 2  # connections kept open per process
POOL_OVERFLOW = 4  # more while the GUI's thread pool reads in parallel
POOL_RECYCLE_S = 1800  # below the usual idle timeouts of servers, proxies and PgBouncer
CONNECT_TIMEOUT_S = 10
CREATE_ATTEMPTS = 5  # opening a new database another process is creating at the same moment
_CACHE: dict[str, tuple[int, optuna.storages.BaseStorage]] = {}  # url -> (pid, storage)
_POSTGRES = ("postgresql", "postgres")
JOURNAL_PREFIX = "journal:///"  # journal:///relative/studies.log, journal:////abs/studies.log


def workspace_dir() -> Path:
    """The folder for the default database and other per-user state."""
    return Path(os.environ.get("AUTOML_HOME") or Path.home() / ".automl-studio")


def default_storage_url() -> str:
    url = os.environ.get("AUTOML_STORAGE")
    if url:
        return url
    return f"sqlite:///{(workspace_dir() / 'studies.db').as_posix()}"


def normalize_url(url: str) -> str:
    """The URL with PostgreSQL pointed at psycopg 3 (``postgresql://`` would mean psycopg2).

    Raises:
        ConfigError: Not a SQLAlchemy URL, or a PostgreSQL driver other than psycopg.
    """
    parsed = _parse(url)
    if parsed.get_backend_name() not in _POSTGRES:
        return url
    driver = parsed.drivername.partition("+")[2]
    if driver and driver != "psycopg":
        raise ConfigError(f"Storage URL {mask_url(url)!r} asks for the {driver!r} driver; "
                          "AutoML Studio talks to PostgreSQL through psycopg 3: use "
                          "postgresql://user:password@host:5432/database.", field="storage_url")
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***`` (for messages, logs and the GUI)."""
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - not a URL: nothing to mask that we can find
        return url
    return parsed.render_as_string(hide_password=True) if parsed.password else url


def open_storage(url: str | None = None, *, cached: bool = True) -> optuna.storages.BaseStorage:
    """Open (and create if needed) the storage at ``url``.

    Args:
        url: SQLAlchemy URL, ":memory:", or None for the default storage.
        cached: Reuse this process's connection pool for the URL (a forked process must
            pass False: connections do not cross a fork).

    Raises:
        ConfigError: The URL is malformed, its driver is missing, or the database cannot be
            opened (one line that says what to check: host, password or database name).
    """
    url = url or default_storage_url()
    if cached and url in _CACHE:
        pid, storage = _CACHE[url]
        if pid == os.getpid() or url == ":memory:":
            return storage
        # Forked from the process that opened it: the pool's sockets belong to the parent.
        storage.engine.dispose(close=False)
    if url == ":memory:":
        storage = optuna.storages.InMemoryStorage()
    elif url.startswith(JOURNAL_PREFIX):
        storage = _open_journal(url)
    else:
        storage = _open_rdb(url)
    if cached:
        _CACHE[url] = (os.getpid(), storage)
    return storage


def _open_journal(url: str) -> optuna.storages.BaseStorage:
    """Optuna's journal file: an append-only log under a file lock (no database server)."""
    from optuna.storages.journal import JournalFileBackend
    from optuna.storages.journal import JournalStorage

    path = Path(url[len(JOURNAL_PREFIX):])
    if not path.name:
        raise ConfigError(f"Storage URL {url!r} names no file; use journal:///path/studies.log.",
                          field="storage_url")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return JournalStorage(JournalFileBackend(str(path)))
    except OSError as exc:
        raise ConfigError(f"Cannot open the journal file {str(path)!r}: {exc.strerror}.",
                          field="storage_url") from None


def _open_rdb(url: str) -> optuna.storages.RDBStorage:
    parsed = _parse(url)
    backend = parsed.get_backend_name()
    kwargs: dict = {}
    if backend == "sqlite":
        _sqlite.prepare(parsed.database)
        engine_kwargs = {"connect_args": {"timeout": _sqlite.TIMEOUT_S}}
    elif backend in _POSTGRES:
        _need_psycopg()
        url = normalize_url(url)
        engine_kwargs = {
            "pool_pre_ping": True, "pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW,
            "pool_recycle": POOL_RECYCLE_S,
            "connect_args": {"connect_timeout": CONNECT_TIMEOUT_S,
                             "application_name": f"automl {worker_identity()}"[:63]},
        }
        kwargs = LIVE.storage_kwargs()
    else:
        engine_kwargs = {"pool_pre_ping": True, "pool_recycle": POOL_RECYCLE_S}
        kwargs = LIVE.storage_kwargs()
    for attempt in range(CREATE_ATTEMPTS):
        try:
            with warnings.catch_warnings():  # heartbeats are "experimental" since Optuna 2.9
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                storage = optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs, **kwargs)
            break
        except Exception as exc:  # noqa: BLE001 - driver errors vary by backend
            # Two processes opening a new database at once both create its tables, and the
            # slower one's CREATE or version stamp fails (SQLite: "table alembic_version already
            # exists", "UNIQUE constraint failed"); the tables are there by then, so opening
            # again finds them.
            if attempt + 1 < CREATE_ATTEMPTS and _created_meanwhile(exc):
                time.sleep(0.05 * (attempt + 1))
                continue
            raise ConfigError(_connect_message(url, parsed, exc), field="storage_url") from None
    if backend == "sqlite":
        event.listen(_sqlite.track(storage.engine), "connect", _sqlite.pragmas)
        storage.engine.dispose()  # reconnect with the pragmas
    return storage


def _created_meanwhile(exc: BaseException) -> bool:
    text = str(exc).lower()
    return any(m in text for m in ("already exists", "duplicate key", "unique constraint"))


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy raises several types here
        raise ConfigError(
            f"Storage URL {mask_url(url)!r} is not a valid SQLAlchemy URL "
            "(e.g. sqlite:///path/studies.db or postgresql://user:password@host/database).",
            field="storage_url",
        ) from exc


def _need_psycopg() -> None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise ConfigError("PostgreSQL storage needs the psycopg driver: pip install "
                          "'automl-studio[postgres]' (or pip install 'psycopg[binary]').",
                          field="storage_url") from None


def _connect_message(url: str, parsed: URL, exc: BaseException) -> str:
    """One line: where we tried to connect, what the server said, what to check."""
    cause = exc
    while getattr(cause, "orig", None) is not None:
        cause = cause.orig
    text = " ".join(str(cause).split())
    if parsed.get_backend_name() not in _POSTGRES:
        return f"Cannot open the study storage {mask_url(url)!r}: {text}"
    where = (f"PostgreSQL at {parsed.host or 'localhost'}:{parsed.port or 5432}, database "
             f"{parsed.database!r}, user {parsed.username!r}")
    low = text.lower()
    if "password" in low and ("authentication failed" in low or "no password" in low):
        hint = "the server refused the password; check the user and password in the URL."
    elif "does not exist" in low and "database" in low:
        hint = (f"the server has no database {parsed.database!r}; create it "
                f"(createdb {parsed.database}) or fix the name in the URL.")
    elif "does not exist" in low and "role" in low:
        hint = f"the server has no user {parsed.username!r}; check the user in the URL."
    elif any(s in low for s in ("translate host", "name or service", "nodename", "resolve")):
        hint = f"the host name {parsed.host!r} was not found; check the host in the URL."
    elif any(s in low for s in ("refused", "timeout", "timed out", "no route", "unreachable")):
        hint = ("nothing answered there; check the host and port, that the server runs and "
                "accepts TCP connections from this machine (listen_addresses, pg_hba.conf).")
    else:
        detail = text.split("FATAL:")[-1].strip() or type(cause).__name__
        hint = f"{detail[:200]}."
    return f"Cannot connect to {where}: {hint}"
