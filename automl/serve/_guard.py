"""What stands between the network and the model: ASGI middlewares for auth, limits and logs.

Pure ASGI (no Starlette base class), so they see every request before FastAPI parses it and
work with any FastAPI >= 0.110. From the outside in: the access log, the request timeout,
the bearer-token check, the body limit. Every refusal is JSON with a one-line message, in
the route's shape: ``{"detail", "columns", "errors"}``, or MLflow's ``{"error_code",
"message"}`` on ``/invocations``.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time

from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

access_log = logging.getLogger("automl.serve.access")

OPEN_PATHS = frozenset({"/health", "/ping"})
"""Answered without a token: liveness checks of load balancers and MLflow clients."""

MLFLOW_CODES = {400: "BAD_REQUEST", 401: "UNAUTHENTICATED", 408: "REQUEST_TIMEOUT",
                413: "RESOURCE_LIMIT_EXCEEDED", 415: "UNSUPPORTED_MEDIA_TYPE",
                500: "INTERNAL_ERROR", 503: "TEMPORARILY_UNAVAILABLE"}


def error_response(path: str, status: int, message: str, headers: dict | None = None) -> JSONResponse:
    """The JSON error of a route: MLflow's shape on /invocations, ours elsewhere."""
    if path == "/invocations":
        body = {"error_code": MLFLOW_CODES.get(status, "BAD_REQUEST"), "message": message}
    else:
        body = {"detail": message, "columns": [], "errors": []}
    return JSONResponse(body, status_code=status, headers=headers)


class AccessLogMiddleware:
    """One line per request: method, path, status, latency, rows and the model; never a body,
    a query string or a header (the token travels in one)."""

    def __init__(self, app, model: str):
        self.app = app
        self.model = model

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500  # if the app fails before answering, the client sees a 500

        async def logged_send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, logged_send)
        finally:
            client = scope.get("client") or ("-", 0)
            rows = scope.get("state", {}).get("automl_rows")
            access_log.info("%s %s %s %d %.1fms rows=%s model=%s", client[0], scope["method"],
                            scope["path"], status, (time.perf_counter() - t0) * 1000,
                            "-" if rows is None else rows, self.model)


class TimeoutMiddleware:
    """Answer 408 when the body has not arrived within ``timeout_s`` (a slow or stalled
    client), 503 when the prediction has not finished by then. The worker thread of a
    prediction cannot be stopped; its answer is dropped."""

    def __init__(self, app, timeout_s: float):
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        body_done = scope["method"] in ("GET", "HEAD", "OPTIONS")

        async def watched_receive():
            nonlocal body_done
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                body_done = True
            return message

        async def watched_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await asyncio.wait_for(self.app(scope, watched_receive, watched_send), self.timeout_s)
        except TimeoutError:
            if started:
                return
            if body_done:
                status, message = 503, (f"The prediction did not finish within {self.timeout_s:g} s. "
                                        "Send fewer rows per request, or start the server with a "
                                        "larger --timeout.")
            else:
                status, message = 408, (f"The request body did not arrive within {self.timeout_s:g} s. "
                                        "Send the whole body at once.")
            await error_response(scope["path"], status, message,
                                 {"Connection": "close"})(scope, receive, send)


class BearerAuthMiddleware:
    """401 for every route but :data:`OPEN_PATHS` unless ``Authorization: Bearer <token>``
    carries the server's token (compared in constant time)."""

    def __init__(self, app, token: str | None):
        self.app = app
        self.token = token.encode("utf-8") if token else None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.token is None or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        given = None
        for name, value in scope.get("headers") or ():
            if name == b"authorization":
                scheme, _, credentials = value.partition(b" ")
                if scheme.lower() == b"bearer":
                    given = credentials.strip()
                break
        if given is not None and secrets.compare_digest(given, self.token):
            await self.app(scope, receive, send)
            return
        message = ("Missing bearer token: send the header 'Authorization: Bearer <token>' with the "
                   "token the server was started with." if given is None else
                   "The bearer token is not the server's token.")
        await error_response(scope["path"], 401, message,
                             {"WWW-Authenticate": "Bearer"})(scope, receive, send)


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_body_bytes`` with 413, also when sent chunked.

    A declared Content-Length over the limit is answered before the body is read; otherwise
    the body is counted as it arrives and reading stops with 413 as soon as it passes.
    """

    def __init__(self, app, max_body_bytes: int):
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await error_response(scope["path"], 413, self._message())(scope, receive, send)
            return
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise HTTPException(status_code=413, detail=self._message())
            return message

        await self.app(scope, limited_receive, send)

    def _message(self) -> str:
        return (f"The request body is larger than {self.max_body_bytes:,} bytes. Send fewer rows "
                "per request, or start the server with a larger --max-body-bytes.")
