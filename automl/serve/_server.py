"""Running the app with uvicorn on a socket we bind ourselves, after the security checks.

Binding first (instead of letting uvicorn do it) turns a busy port or a bad address into a
one-line ``ConfigError`` (exit 2) rather than a log line and exit 1, and lets ``port=0``
report the port the system chose. The token, the TLS files and the exposure rule are
checked before the port is bound, so a refused start never listens.
"""

from __future__ import annotations

import copy
import ipaddress
import os
import socket
import ssl
import stat
import sys
from pathlib import Path

import uvicorn

from automl.errors import ConfigError
from automl.export import Bundle
from automl.serve import TOKEN_ENV
from automl.serve import ServeOptions
from automl.serve._app import build_app

READY_PREFIX = "automl serve: listening on "
MIN_TOKEN_CHARS = 16
TOKEN_RECIPE = "python -c \"import secrets; print(secrets.token_urlsafe(32))\" > token.txt"


def run_server(bundle_dir: str | os.PathLike, host: str, port: int, options: ServeOptions) -> int:
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ConfigError(f"--port must be between 0 and 65535, got {port!r}.", field="port")
    address = resolve_address(host, port)
    token = read_token(options.token_file)
    exposed = not is_loopback(host)
    if exposed and token is None and not options.insecure_no_auth:
        raise ConfigError(
            f"Refusing to listen on {host} without authentication: anyone on the network could "
            f"use the model. Add a token with --token-file FILE (make one: {TOKEN_RECIPE}) or "
            f"${TOKEN_ENV}, or pass --insecure-no-auth on a private network.", field="host")
    if token is not None and options.insecure_no_auth:
        raise ConfigError("--insecure-no-auth and a token contradict each other; drop one.",
                          field="insecure_no_auth")
    tls = check_tls(options.ssl_certfile, options.ssl_keyfile)
    bundle = Bundle.load(bundle_dir, trust_pickle=options.trust_pickle)
    app = build_app(bundle, max_body_bytes=options.max_body_bytes, token=token,
                    max_rows=options.max_rows, max_columns=options.max_columns,
                    timeout_s=options.timeout_s)
    sock = bind_socket(host, port, address)
    actual = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    scheme = "https" if tls else "http"
    meta = bundle.metadata
    say = lambda text: print(f"automl serve: {text}", file=sys.stderr)  # noqa: E731
    say(f"bundle {str(bundle.path)!r} ({bundle.task}, {meta['model']['family']}, target "
        f"{meta['task']['target']!r}, read from {bundle.model_file})")
    if token is None and options.insecure_no_auth and exposed:
        say(f"WARNING: NO AUTHENTICATION on {host}: anyone who can reach this port can use the "
            "model and read its metadata. Use this on a private network only; add --token-file.")
    elif token is None:
        say("no token: any program on this machine can call the endpoint (--token-file adds one)")
    else:
        say("bearer token required on every route but /health and /ping")
    if token is not None and exposed and not tls:
        say("WARNING: without TLS the token and the rows cross the network in clear text; add "
            "--ssl-certfile/--ssl-keyfile or put a TLS proxy in front.")
    print(f"{READY_PREFIX}{scheme}://{shown}:{actual}  (API docs: {scheme}://{shown}:{actual}/docs)",
          file=sys.stderr, flush=True)
    config = uvicorn.Config(app, log_level=options.log_level, timeout_graceful_shutdown=5,
                            server_header=False, access_log=False, log_config=_log_config(),
                            ssl_certfile=tls[0] if tls else None,
                            ssl_keyfile=tls[1] if tls else None)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
    return 0


def read_token(token_file: str | os.PathLike | None) -> str | None:
    """The bearer token from ``token_file``, else ``$AUTOML_SERVE_TOKEN``, else None."""
    if token_file is not None:
        path = Path(token_file)
        try:
            token = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"Cannot read the token file {str(path)!r} "
                              f"({getattr(exc, 'strerror', None) or type(exc).__name__}). "
                              f"Make one: {TOKEN_RECIPE}", field="token_file") from exc
        source = f"the token file {str(path)!r}"
    else:
        token = os.environ.get(TOKEN_ENV, "").strip()
        if not token:
            return None
        source = f"${TOKEN_ENV}"
    if len(token) < MIN_TOKEN_CHARS or any(c.isspace() for c in token) or not token.isprintable():
        raise ConfigError(f"The token in {source} must be at least {MIN_TOKEN_CHARS} printable "
                          f"characters without spaces. Make one: {TOKEN_RECIPE}", field="token_file")
    if token_file is not None and os.name == "posix" and (
            Path(token_file).stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)):
        print(f"automl serve: note: {str(token_file)!r} is readable by other users; "
              f"chmod 600 {Path(token_file).name}", file=sys.stderr)
    return token


def check_tls(certfile, keyfile) -> tuple[str, str] | None:
    """Both TLS files, checked to load as a pair, or None when neither is given."""
    if certfile is None and keyfile is None:
        return None
    if certfile is None or keyfile is None:
        raise ConfigError("TLS needs both --ssl-certfile and --ssl-keyfile.", field="ssl_certfile")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(certfile, keyfile)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"Cannot use the TLS certificate {str(certfile)!r} with the key "
                          f"{str(keyfile)!r} ({getattr(exc, 'strerror', None) or exc.__class__.__name__}"
                          "). Give a PEM certificate and its private key (see docs/security.md).",
                          field="ssl_certfile") from exc
    return str(certfile), str(keyfile)


def _log_config() -> dict:
    """uvicorn's logging, plus our access log (uvicorn's own is off: it has no model or latency)."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["automl.serve"] = {"handlers": ["default"], "level": "INFO",
                                         "propagate": False}
    return config


def resolve_address(host: str, port: int) -> tuple:
    """The first ``getaddrinfo`` entry for host:port, or a ConfigError if it is unknown."""
    try:
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise ConfigError(f"Cannot listen on {host!r}: the address is unknown ({exc.strerror}). "
                          "Use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).",
                          field="host") from exc


def bind_socket(host: str, port: int, info: tuple | None = None) -> socket.socket:
    """A listening TCP socket on host:port, or a ConfigError that says why not."""
    family, kind, proto, _, address = info or resolve_address(host, port)
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}. "
                          "Choose another --port (0 picks a free one).", field="port") from exc
    sock.set_inheritable(True)
    return sock


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
