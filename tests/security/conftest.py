"""Security fixtures: one tiny bundle per session, servers started once per configuration."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "serve"))

from security_helpers import TOKEN  # noqa: E402
from serve_helpers import build_bundle  # noqa: E402
from serve_helpers import start_server  # noqa: E402


@pytest.fixture(scope="session")
def bundle(tmp_path_factory) -> Path:
    """A bundle from a 2-trial search on breast_cancer (binary, 30 numeric columns)."""
    from automl.datasets import sample_path

    root = tmp_path_factory.mktemp("security-bundle")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AUTOML_HOME", str(root / "home"))
        mp.delenv("AUTOML_STORAGE", raising=False)
        return build_bundle(root / "bundle", sample_path("breast_cancer"), "diagnosis")


@pytest.fixture(scope="session")
def token_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("token") / "token.txt"
    path.write_text(TOKEN + "\n")
    path.chmod(0o600)
    return path


@pytest.fixture(scope="session")
def secured(bundle, token_file, tmp_path_factory):
    """`automl serve BUNDLE --token-file FILE` on a free loopback port: (url, server)."""
    server = start_server(bundle, tmp_path_factory.mktemp("secured"), "--token-file",
                          str(token_file), "--timeout", "3")
    assert server.url, server.output
    yield server.url, server
    server.stop()


@pytest.fixture(scope="session")
def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="session")
def rows(bundle) -> list[dict]:
    """Two valid records of the bundle's input columns."""
    import json

    return json.loads((bundle / "input_example.json").read_text())["dataframe_records"][:2]
