"""Serving a bundle over HTTP: ``POST /predict``, MLflow's ``POST /invocations``, ``GET /health``,
``GET /metadata`` and an OpenAPI document generated from the bundle's input schema.

FastAPI and uvicorn are the optional ``serve`` extra (``pip install 'automl-studio[serve]'``).
Importing this package never needs them; calling :func:`create_app` or :func:`serve` without
them raises a ``ConfigError`` that says what to install (the CLI prints it and exits 2).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from automl.errors import ConfigError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from automl.export import Bundle

__all__ = ["DEFAULT_MAX_BODY_BYTES", "create_app", "serve"]

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
"""Largest request body accepted (bytes); larger ones get 413. About 50,000 rows of 20 columns."""


def create_app(bundle: Bundle, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> FastAPI:
    """Build the FastAPI application that serves one loaded bundle.

    Args:
        bundle: A bundle from ``Bundle.load`` (already verified).
        max_body_bytes: Requests with a larger body are refused with 413.

    Returns:
        The application (run it with uvicorn, or test it with ``fastapi.testclient``).

    Raises:
        ConfigError: FastAPI is not installed, or ``max_body_bytes`` is not positive.
    """
    _require_extra()
    from automl.serve._app import build_app

    return build_app(bundle, max_body_bytes=max_body_bytes)


def serve(
    bundle_dir: str | os.PathLike,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    log_level: str = "info",
) -> int:
    """Load a bundle and serve it until interrupted (Ctrl+C or SIGTERM).

    The bundle is loaded (sha256 and versions checked) and the port bound before anything
    is served, so a tampered bundle or a busy port fails at once with a one-line error.
    A line ``automl serve: listening on http://HOST:PORT`` goes to stderr once the port
    accepts connections (``port=0`` picks a free port and that line tells which).

    Returns:
        0 after a clean shutdown.

    Raises:
        BundleError: The bundle is missing, incomplete or tampered with.
        ConfigError: FastAPI/uvicorn are not installed, or the address cannot be bound.
    """
    _require_extra()
    from automl.serve._server import run_server

    return run_server(bundle_dir, host, port, max_body_bytes=max_body_bytes, log_level=log_level)


def _require_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import pydantic  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        missing = getattr(exc, "name", None) or "fastapi/uvicorn"
        raise ConfigError(
            f"Serving needs FastAPI and uvicorn, which are not installed ({missing!r} cannot be "
            "imported). Install the serve extra: pip install 'automl-studio[serve]'.",
            field="serve",
        ) from exc
