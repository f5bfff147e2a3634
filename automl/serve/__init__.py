"""Serving a bundle over HTTP: ``POST /predict``, MLflow's ``POST /invocations``, ``GET /health``,
``GET /metadata`` and an OpenAPI document generated from the bundle's input schema.

With a token (``--token-file`` or ``$AUTOML_SERVE_TOKEN``) every route but ``/health`` and
``/ping`` needs ``Authorization: Bearer <token>``; a non-loopback address without one is
refused unless ``insecure_no_auth``. TLS with ``ssl_certfile``/``ssl_keyfile``. See
docs/security.md for what each defence stops.

FastAPI and uvicorn are the optional ``serve`` extra (``pip install 'automl-studio[serve]'``).
Importing this package never needs them; calling :func:`create_app` or :func:`serve` without
them raises a ``ConfigError`` that says what to install (the CLI prints it and exits 2).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from automl.errors import ConfigError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from automl.export import Bundle

__all__ = ["DEFAULT_MAX_BODY_BYTES", "DEFAULT_MAX_COLUMNS", "DEFAULT_MAX_ROWS", "DEFAULT_TIMEOUT_S",
           "TOKEN_ENV", "ServeOptions", "create_app", "serve"]

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
"""Largest request body accepted (bytes); larger ones get 413. About 50,000 rows of 20 columns."""
DEFAULT_MAX_ROWS = 10_000
"""Most rows per request; more get 413."""
DEFAULT_MAX_COLUMNS = 1_000
"""Most keys per record (at least the model's input columns); more get 422 (400 on /invocations)."""
DEFAULT_TIMEOUT_S = 30.0
"""A request whose body has not arrived (408) or whose prediction has not finished (503) by then."""
TOKEN_ENV = "AUTOML_SERVE_TOKEN"


@dataclass(frozen=True)
class ServeOptions:
    """How ``serve`` guards the endpoint (see docs/security.md).

    Attributes:
        token_file: File holding the bearer token; None reads ``$AUTOML_SERVE_TOKEN``.
        insecure_no_auth: Allow a non-loopback address without a token.
        ssl_certfile: TLS certificate (PEM), with ``ssl_keyfile``.
        ssl_keyfile: TLS private key (PEM).
        trust_pickle: Load model.joblib when the bundle has no model.skops.
        max_body_bytes: Larger request bodies get 413.
        max_rows: More rows per request get 413.
        max_columns: More keys per record get 422.
        timeout_s: Request timeout (408 for the body, 503 for the prediction).
        log_level: uvicorn's log level.
    """

    token_file: str | os.PathLike | None = None
    insecure_no_auth: bool = False
    ssl_certfile: str | os.PathLike | None = None
    ssl_keyfile: str | os.PathLike | None = None
    trust_pickle: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_rows: int = DEFAULT_MAX_ROWS
    max_columns: int = DEFAULT_MAX_COLUMNS
    timeout_s: float = DEFAULT_TIMEOUT_S
    log_level: str = "info"


def create_app(bundle: Bundle, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
               token: str | None = None, max_rows: int = DEFAULT_MAX_ROWS,
               max_columns: int = DEFAULT_MAX_COLUMNS,
               timeout_s: float = DEFAULT_TIMEOUT_S) -> FastAPI:
    """Build the FastAPI application that serves one loaded bundle.

    Args:
        bundle: A bundle from ``Bundle.load`` (already verified).
        max_body_bytes: Requests with a larger body are refused with 413.
        token: When set, every route but /health and /ping needs ``Authorization: Bearer
            <token>`` (401 otherwise).
        max_rows: Requests with more rows are refused with 413.
        max_columns: Records with more keys are refused with 422.
        timeout_s: Requests slower than this get 408 (body) or 503 (prediction).

    Returns:
        The application (run it with uvicorn, or test it with ``fastapi.testclient``).

    Raises:
        ConfigError: FastAPI is not installed, or a limit is not positive.
    """
    _require_extra()
    from automl.serve._app import build_app

    return build_app(bundle, max_body_bytes=max_body_bytes, token=token, max_rows=max_rows,
                     max_columns=max_columns, timeout_s=timeout_s)


def serve(
    bundle_dir: str | os.PathLike,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    options: ServeOptions | None = None,
    max_body_bytes: int | None = None,
    log_level: str | None = None,
) -> int:
    """Load a bundle and serve it until interrupted (Ctrl+C or SIGTERM).

    The bundle is loaded (sha256 and versions checked), the token and TLS files read and
    the port bound before anything is served, so a tampered bundle, a missing token on a
    public address or a busy port fails at once with a one-line error. A line
    ``automl serve: listening on http(s)://HOST:PORT`` goes to stderr once the port
    accepts connections (``port=0`` picks a free port and that line tells which).

    Args:
        bundle_dir: The bundle folder.
        host: Address to listen on; other than loopback needs a token or
            ``options.insecure_no_auth``.
        port: Port (0: a free one).
        options: Auth, TLS and limits (defaults: no token, no TLS, default limits).
        max_body_bytes: Shortcut for ``options.max_body_bytes``.
        log_level: Shortcut for ``options.log_level``.

    Returns:
        0 after a clean shutdown.

    Raises:
        BundleError: The bundle is missing, incomplete, tampered with or pickle-only.
        ConfigError: FastAPI/uvicorn are missing, the address cannot be bound, a public
            address has no token, or the token or TLS files are unusable.
    """
    _require_extra()
    from dataclasses import replace

    from automl.serve._server import run_server

    options = options or ServeOptions()
    if max_body_bytes is not None:
        options = replace(options, max_body_bytes=max_body_bytes)
    if log_level is not None:
        options = replace(options, log_level=log_level)
    return run_server(bundle_dir, host, port, options)


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
