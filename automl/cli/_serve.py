"""``automl serve BUNDLE_DIR [--host] [--port]``: the bundle as an HTTP endpoint."""

from __future__ import annotations

from automl.serve import DEFAULT_MAX_BODY_BYTES


def add_command(sub) -> None:
    s = sub.add_parser(
        "serve",
        help="serve a bundle over HTTP (/predict, MLflow's /invocations, /health, /metadata)",
        description="Serve a bundle over HTTP with FastAPI + uvicorn (the 'serve' extra). "
                    "API docs at /docs once running. A bundle runs code when loaded: serve "
                    "only bundles from places you trust.",
    )
    s.add_argument("bundle", metavar="BUNDLE_DIR")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; "
                        "0.0.0.0 exposes it, without authentication)")
    s.add_argument("--port", type=int, default=8000,
                   help="port (default 8000; 0 picks a free one, printed on start)")
    s.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES, metavar="N",
                   help=f"refuse larger request bodies with 413 (default {DEFAULT_MAX_BODY_BYTES:,})")
    s.add_argument("--log-level", default="info",
                   choices=["critical", "error", "warning", "info", "debug"])
    s.set_defaults(func=cmd_serve)


def cmd_serve(args, started_at: float) -> int:
    from automl.registry import resolve_model_uri
    from automl.serve import serve

    return serve(resolve_model_uri(args.bundle), args.host, args.port,
                 max_body_bytes=args.max_body_bytes, log_level=args.log_level)
