"""Storage URLs: PostgreSQL spellings, masked passwords, one-line connection errors, and
SQLite refused on a network drive."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy.engine import make_url

from automl.errors import ConfigError
from automl.storage import _sqlite
from automl.storage import check_shared_sqlite
from automl.storage import mask_url
from automl.storage import normalize_url
from automl.storage import open_storage


@pytest.mark.parametrize("url", ["postgresql://u:p@h:5432/db", "postgresql+psycopg://u:p@h/db",
                                 "postgres://u:p@h/db"])
def test_postgres_urls_use_psycopg3(url):
    parsed = make_url(normalize_url(url))
    assert parsed.drivername == "postgresql+psycopg"
    assert (parsed.username, parsed.password, parsed.host) == ("u", "p", "h")


def test_other_urls_are_left_alone(tmp_path):
    url = f"sqlite:///{(tmp_path / 's.db').as_posix()}"
    assert normalize_url(url) == url


def test_a_psycopg2_url_is_refused_with_the_fix():
    with pytest.raises(ConfigError, match="psycopg 3"):
        normalize_url("postgresql+psycopg2://u:p@h/db")


def test_passwords_are_masked():
    assert "secret" not in mask_url("postgresql://u:secret@h/db")
    assert mask_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_on_a_network_drive_is_refused(tmp_path, monkeypatch):
    mounts = tmp_path / "mounts"
    share = tmp_path / "share"
    share.mkdir()
    mounts.write_text(f"/dev/sda1 / ext4 rw 0 0\nserver:/export {share} nfs4 rw 0 0\n")
    monkeypatch.setattr(_sqlite, "MOUNTS", str(mounts))
    assert _sqlite.network_filesystem(share / "studies.db") == "nfs4"
    assert _sqlite.network_filesystem(tmp_path / "local.db") is None
    with pytest.raises(ConfigError, match="file locks are unreliable over network drives"):
        check_shared_sqlite(f"sqlite:///{(share / 'studies.db').as_posix()}")
    check_shared_sqlite(f"sqlite:///{(tmp_path / 'local.db').as_posix()}")  # local: fine


def _bad(url: str, **parts) -> str:
    return make_url(url).set(**parts).render_as_string(hide_password=False)


def _studies(url: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "automl", "studies", "--storage", url],
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


@pytest.mark.parametrize("change, expected", [
    ({"password": "wrong-password"}, "refused the password"),
    ({"database": "no_such_db"}, "has no database 'no_such_db'"),
    ({"port": 1}, "nothing answered there"),
    ({"host": "no-such-host.invalid"}, "was not found"),
])
def test_bad_postgres_urls_fail_in_one_line(pg_url, change, expected):
    proc = _studies(_bad(pg_url, **change))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert expected in lines[0]
    assert "wrong-password" not in lines[0] and ":automl@" not in lines[0]


def test_a_good_postgres_url_opens_with_a_pool_sized_for_a_worker(pg_url):
    storage = open_storage(pg_url, cached=False)
    engine = storage.engine
    assert engine.dialect.driver == "psycopg"
    assert engine.pool.size() == 2 and engine.pool._pre_ping and engine.pool._recycle == 1800
    assert storage.get_heartbeat_interval() is not None
