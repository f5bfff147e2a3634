"""Serving fixtures: tiny bundles built once per session, `automl serve` started once per bundle."""

from __future__ import annotations

from pathlib import Path

import pytest
from serve_helpers import SAMPLES
from serve_helpers import Server
from serve_helpers import build_bundle
from serve_helpers import rich_frame
from serve_helpers import start_server

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")


@pytest.fixture(scope="session")
def sample_csv() -> dict[str, Path]:
    from automl.datasets import sample_path

    return {kind: sample_path(name) for kind, (name, _) in SAMPLES.items()}


@pytest.fixture(scope="session")
def bundles(tmp_path_factory, sample_csv):
    """bundles(kind) -> bundle folder, built on first use (binary, multiclass, regression, rich)."""
    root = tmp_path_factory.mktemp("bundles")
    built: dict[str, Path] = {}

    def get(kind: str) -> Path:
        if kind not in built:
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("AUTOML_HOME", str(root / "home"))
                mp.delenv("AUTOML_STORAGE", raising=False)
                if kind == "rich":
                    csv = root / "rich.csv"
                    rich_frame().to_csv(csv, index=False)
                    built[kind] = build_bundle(root / kind, csv, "churn")
                else:
                    built[kind] = build_bundle(root / kind, sample_csv[kind], SAMPLES[kind][1])
        return built[kind]

    return get


@pytest.fixture(scope="session")
def servers(bundles, tmp_path_factory):
    """servers(kind) -> base URL of `automl serve` for that bundle, started on first use."""
    tmp = tmp_path_factory.mktemp("servers")
    running: dict[str, Server] = {}

    def get(kind: str) -> str:
        if kind not in running:
            server = start_server(bundles(kind), tmp)
            assert server.url, server.output
            running[kind] = server
        return running[kind].url

    yield get
    for server in running.values():
        server.stop()
    assert all(s.proc.poll() is not None for s in running.values()), "a server is still running"


@pytest.fixture
def http():
    with httpx.Client(timeout=30) as client:
        yield client
