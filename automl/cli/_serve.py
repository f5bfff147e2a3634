"""``automl serve BUNDLE_OR_MODEL [--host] [--port] [--token-file F] [--ssl-certfile C
--ssl-keyfile K] [--insecure-no-auth] [--trust-pickle]``: the bundle as an HTTP endpoint."""

from __future__ import annotations

from automl.serve import DEFAULT_MAX_BODY_BYTES
from automl.serve import DEFAULT_MAX_COLUMNS
from automl.serve import DEFAULT_MAX_ROWS
from automl.serve import DEFAULT_TIMEOUT_S


def add_command(sub) -> None:
    s = sub.add_parser(
        "serve",
        help="serve a bundle over HTTP (/predict, MLflow's /invocations, /health, /metadata)",
        description="Serve a bundle over HTTP with FastAPI + uvicorn. API docs at /docs once "
                    "running. Every route but /health and /ping needs 'Authorization: Bearer "
                    "TOKEN' when a token is set; listening beyond this machine needs one.",
    )
    s.add_argument("bundle", metavar="BUNDLE_OR_MODEL",
                   help="bundle folder, or MODEL@ALIAS / MODEL/N from the registry")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1: this machine only; any other "
                        "address needs --token-file or $AUTOML_SERVE_TOKEN)")
    s.add_argument("--port", type=int, default=8000,
                   help="port (default 8000; 0 picks a free one, printed on start)")
    s.add_argument("--token-file", metavar="FILE",
                   help="file holding the bearer token clients must send (default: "
                        "$AUTOML_SERVE_TOKEN)")
    s.add_argument("--insecure-no-auth", action="store_true",
                   help="serve a non-loopback address without a token (a private network only)")
    s.add_argument("--ssl-certfile", metavar="C", help="TLS certificate (PEM); with --ssl-keyfile")
    s.add_argument("--ssl-keyfile", metavar="K", help="TLS private key (PEM)")
    s.add_argument("--trust-pickle", action="store_true",
                   help="load model.joblib (a pickle, which can run any code) when the bundle "
                        "has no model.skops; only for bundles from a source you trust")
    s.add_argument("--max-body-bytes", type=int, default=DEFAULT_MAX_BODY_BYTES, metavar="N",
                   help=f"refuse larger request bodies with 413 (default {DEFAULT_MAX_BODY_BYTES:,})")
    s.add_argument("--max-rows", type=int, default=DEFAULT_MAX_ROWS, metavar="N",
                   help=f"refuse requests with more rows with 413 (default {DEFAULT_MAX_ROWS:,})")
    s.add_argument("--max-columns", type=int, default=DEFAULT_MAX_COLUMNS, metavar="N",
                   help=f"refuse records with more keys (default {DEFAULT_MAX_COLUMNS:,})")
    s.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="SECONDS",
                   help=f"answer 408/503 when a request takes longer (default {DEFAULT_TIMEOUT_S:g})")
    s.add_argument("--log-level", default="info",
                   choices=["critical", "error", "warning", "info", "debug"])
    s.set_defaults(func=cmd_serve)


def cmd_serve(args, started_at: float) -> int:
    from automl.registry import resolve_model_uri
    from automl.serve import ServeOptions
    from automl.serve import serve

    options = ServeOptions(
        token_file=args.token_file, insecure_no_auth=args.insecure_no_auth,
        ssl_certfile=args.ssl_certfile, ssl_keyfile=args.ssl_keyfile,
        trust_pickle=args.trust_pickle, max_body_bytes=args.max_body_bytes,
        max_rows=args.max_rows, max_columns=args.max_columns, timeout_s=args.timeout,
        log_level=args.log_level)
    return serve(resolve_model_uri(args.bundle), args.host, args.port, options=options)
