"""Scale-out fixtures: the PostgreSQL server CI starts (``.ci/postgres``), else a skip.

``AUTOML_TEST_POSTGRES_URL`` names a database the tests may fill with studies of their own
(unique names); without it the PostgreSQL tests skip and say why.
"""

from __future__ import annotations

import os
import uuid

import pytest

PG_ENV = "AUTOML_TEST_POSTGRES_URL"


@pytest.fixture
def pg_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"{PG_ENV} is not set: start a server with `eval \"$(.ci/postgres start)\"`")
    return url


@pytest.fixture(params=["sqlite", "journal", "postgresql"])
def any_url(request, tmp_path) -> str:
    """Each storage-facing test runs on SQLite, a journal file and PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{(tmp_path / 'studies.db').as_posix()}"
    if request.param == "journal":
        return f"journal:///{(tmp_path / 'studies.log').as_posix()}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def study_name() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def fast_liveness(monkeypatch):
    """Heartbeat every second, 3 s grace, for storages opened (or processes started) now."""
    from automl.storage import _live
    from automl.storage import _open

    live = _live.Liveness(heartbeat_s=1, grace_s=3)
    monkeypatch.setattr(_open, "LIVE", live)
    monkeypatch.setenv("AUTOML_HEARTBEAT_S", "1")
    monkeypatch.setenv("AUTOML_GRACE_S", "3")
    monkeypatch.setattr(_open, "_CACHE", {})
    return live
