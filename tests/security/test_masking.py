"""No password of a storage URL in anything a run prints or writes: stdout, stderr, the event
stream, the bundle (metadata, model card, MLflow files) and the study store itself."""

from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from serve_helpers import run_cli

PG_ENV = "AUTOML_TEST_POSTGRES_URL"


def _outputs(*procs) -> list[tuple[str, str]]:
    return [(f"{' '.join(map(str, p.args[3:5]))} {name}", text) for p in procs
            for name, text in (("stdout", p.stdout), ("stderr", p.stderr))]


def test_an_unreachable_storage_never_prints_its_password(tmp_path):
    secret = f"pw-{uuid.uuid4().hex}"
    url = f"postgresql://someone:{secret}@127.0.0.1:9/studies"
    data = Path(__file__).resolve().parents[2] / "automl" / "datasets" / "breast_cancer.csv"
    commands = (["run", data, "--target", "diagnosis", "--n-trials", 1, "--storage", url],
                ["run", data, "--target", "diagnosis", "--n-trials", 1, "--storage", url, "--json"],
                ["leaderboard", "--storage", url], ["studies", "--storage", url, "--json"],
                ["worker", "--study", "x", "--storage", url])
    with ThreadPoolExecutor(len(commands)) as pool:
        procs = list(pool.map(lambda c: run_cli(tmp_path, *c), commands))
    for proc in procs:
        assert proc.returncode == 2, proc.stderr
    for where, text in _outputs(*procs):
        assert secret not in text, where


@pytest.fixture(scope="module")
def pg_secret_url():
    """A throw-away role with a password of its own and a database it owns, on the CI server."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: start a server with `eval \"$(.ci/postgres start)\"`")
    psycopg = pytest.importorskip("psycopg")
    from sqlalchemy.engine import make_url

    tag = uuid.uuid4().hex[:10]
    role, secret = f"mask_{tag}", f"pw-{uuid.uuid4().hex}"
    admin = make_url(base)
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{secret}'")
        conn.execute(f"CREATE DATABASE {role} OWNER {role}")
    yield admin.set(username=role, password=secret, database=role).render_as_string(
        hide_password=False), secret
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {role} WITH (FORCE)")
        conn.execute(f"DROP ROLE IF EXISTS {role}")


@pytest.fixture(scope="module")
def masked_run(pg_secret_url, tmp_path_factory):
    """`automl run --storage URL-WITH-PASSWORD --out BUNDLE --events`, then leaderboard,
    studies and export on the same storage: (their outputs, the two bundle folders)."""
    url, _ = pg_secret_url
    tmp = tmp_path_factory.mktemp("masked")
    data = Path(__file__).resolve().parents[2] / "automl" / "datasets" / "breast_cancer.csv"
    run = run_cli(tmp, "run", data, "--target", "diagnosis", "--n-trials", 2, "--cv", 2,
                  "--families", "linear", "--time-budget", 20, "--storage", url,
                  "--study", "masked", "--out", tmp / "bundle", "--events")
    assert run.returncode == 0, run.stderr[-2000:]
    # Three reads of the finished study, independent of each other: side by side.
    commands = (["leaderboard", "--storage", url, "--study", "masked", "--json"],
                ["studies", "--storage", url],
                ["export", "--study", "masked", "--storage", url, "--out", tmp / "again", "--json"])
    with ThreadPoolExecutor(len(commands)) as pool:
        others = list(pool.map(lambda c: run_cli(tmp, *c), commands))
    return run, others, [tmp / "bundle", tmp / "again"]


def test_outputs_and_bundles_keep_the_password(pg_secret_url, masked_run):
    _, secret = pg_secret_url
    run, others, folders = masked_run
    for where, text in _outputs(*others):
        assert secret not in text, where
    assert secret not in run.stderr
    for path in (p for folder in folders for p in folder.rglob("*")):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path.name
    assert "***" in (folders[0] / "metadata.json").read_text()


def test_the_event_stream_keeps_the_password(pg_secret_url, masked_run):
    assert pg_secret_url[1] not in masked_run[0].stdout


def test_the_study_store_keeps_the_password(pg_secret_url, masked_run):
    import psycopg

    url, secret = pg_secret_url  # the run, its reads and its export have filled the database
    with psycopg.connect(url) as conn:  # every table of the run's database
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")]
        assert tables
        for table in tables:
            rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
            assert secret not in repr(rows), table
