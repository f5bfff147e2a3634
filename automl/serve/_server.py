"""Running the app with uvicorn on a socket we bind ourselves.

Binding first (instead of letting uvicorn do it) turns a busy port or a bad address into a
one-line ``ConfigError`` (exit 2) rather than a log line and exit 1, and lets ``port=0``
report the port the system chose.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys

import uvicorn

from automl.errors import ConfigError
from automl.export import Bundle
from automl.serve._app import build_app

READY_PREFIX = "automl serve: listening on "


def run_server(bundle_dir: str | os.PathLike, host: str, port: int, *, max_body_bytes: int,
               log_level: str = "info") -> int:
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ConfigError(f"--port must be between 0 and 65535, got {port!r}.", field="port")
    bundle = Bundle.load(bundle_dir)
    app = build_app(bundle, max_body_bytes=max_body_bytes)
    sock = bind_socket(host, port)
    actual = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    meta = bundle.metadata
    print(f"automl serve: bundle {str(bundle.path)!r} ({bundle.task}, {meta['model']['family']}, "
          f"target {meta['task']['target']!r})", file=sys.stderr)
    if not is_loopback(host):
        print(f"automl serve: WARNING: listening on {host}, reachable from other machines. The "
              "endpoint has no authentication; put it behind a proxy that adds it.",
              file=sys.stderr)
    print(f"{READY_PREFIX}http://{shown}:{actual}  (API docs: http://{shown}:{actual}/docs)",
          file=sys.stderr, flush=True)
    config = uvicorn.Config(app, log_level=log_level, timeout_graceful_shutdown=5,
                            server_header=False)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
    return 0


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port, or a ConfigError that says why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ConfigError(f"Cannot listen on {host!r}: the address is unknown ({exc.strerror}). "
                          "Use 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).",
                          field="host") from exc
    family, kind, proto, _, address = infos[0]
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
