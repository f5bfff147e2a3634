"""Who may call the endpoint: the bearer-token matrix, the exposure rule, TLS, the access log."""

from __future__ import annotations

import ssl

import pytest
from security_helpers import TOKEN
from serve_helpers import automl_env
from serve_helpers import run_cli
from serve_helpers import start_server

httpx = pytest.importorskip("httpx")

PROTECTED = [("GET", "/metadata"), ("POST", "/predict"), ("POST", "/invocations"),
             ("GET", "/openapi.json"), ("GET", "/docs")]
OPEN = [("GET", "/health"), ("GET", "/ping")]
WRONG = {
    "no header": {},
    "wrong token": {"Authorization": "Bearer not-the-token-0123456789"},
    "token prefix": {"Authorization": f"Bearer {TOKEN[:-1]}"},
    "token plus": {"Authorization": f"Bearer {TOKEN}x"},
    "basic scheme": {"Authorization": f"Basic {TOKEN}"},
    "no scheme": {"Authorization": TOKEN},
    "empty bearer": {"Authorization": "Bearer "},
    "other header": {"X-Token": TOKEN},
}


@pytest.fixture(scope="module")
def app_client(bundle):
    from fastapi.testclient import TestClient

    from automl.export import Bundle
    from automl.serve import create_app

    with TestClient(create_app(Bundle.load(bundle), token=TOKEN)) as client:
        yield client


def _call(client, method, path, headers, rows):
    body = {"/predict": {"records": rows}, "/invocations": {"dataframe_records": rows}}.get(path)
    return client.request(method, path, headers=headers, json=body)


@pytest.mark.parametrize("case", list(WRONG))
@pytest.mark.parametrize("route", PROTECTED, ids=lambda r: r[1])
def test_protected_routes_refuse_without_the_token(app_client, rows, route, case):
    answer = _call(app_client, *route, WRONG[case], rows)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    doc = answer.json()
    message = doc.get("detail") or doc.get("message")
    assert "token" in message and TOKEN not in answer.text
    if route[1] == "/invocations":
        assert doc["error_code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize("route", PROTECTED + OPEN, ids=lambda r: r[1])
def test_every_route_answers_with_the_token(app_client, rows, route):
    for scheme in ("Bearer", "bearer"):
        answer = _call(app_client, *route, {"Authorization": f"{scheme} {TOKEN}"}, rows)
        assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("route", OPEN, ids=lambda r: r[1])
def test_health_stays_open(app_client, rows, route):
    assert _call(app_client, *route, {}, rows).status_code == 200


def test_openapi_declares_the_bearer_scheme(app_client):
    doc = app_client.get("/openapi.json", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert doc["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert doc["paths"]["/predict"]["post"]["security"] == [{"bearer": []}]
    assert "security" not in doc["paths"]["/health"]["get"]


def test_the_token_is_compared_in_constant_time():
    import inspect

    from automl.serve import _guard

    assert "secrets.compare_digest" in inspect.getsource(_guard.BearerAuthMiddleware)


def test_real_server_with_token_and_access_log(secured, auth, rows):
    url, server = secured
    with httpx.Client(base_url=url, timeout=30) as client:
        assert client.post("/predict", json={"records": rows}).status_code == 401
        assert client.post("/predict", json={"records": rows}, headers=auth).status_code == 200
        assert client.get("/health").status_code == 200
    secret_value = str(rows[0]["mean radius"])
    lines = [line for line in server.lines if "/predict" in line]
    assert any(" 401 " in line for line in lines) and any(" 200 " in line for line in lines)
    ok = next(line for line in lines if " 200 " in line)
    assert "POST /predict 200" in ok and "ms rows=2 model=sha256:" in ok
    log = server.output
    assert TOKEN not in log and "Bearer" not in log and secret_value not in log


def test_public_address_without_token_is_refused(bundle, tmp_path):
    env = automl_env(tmp_path)
    env.pop("AUTOML_SERVE_TOKEN", None)
    proc = run_cli(tmp_path, "serve", bundle, "--host", "0.0.0.0", "--port", 0, env=env)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "--token-file" in lines[0] and "Traceback" not in proc.stderr


def test_insecure_no_auth_says_so_loudly(bundle, tmp_path):
    env = automl_env(tmp_path)
    env.pop("AUTOML_SERVE_TOKEN", None)
    server = start_server(bundle, tmp_path, "--host", "0.0.0.0", "--insecure-no-auth", env=env)
    try:
        assert server.url, server.output
        assert "WARNING: NO AUTHENTICATION on 0.0.0.0" in server.output
        port = server.url.rsplit(":", 1)[1]
        assert httpx.get(f"http://127.0.0.1:{port}/metadata").status_code == 200
    finally:
        server.stop()


def test_token_from_the_environment(bundle, tmp_path):
    env = {**automl_env(tmp_path), "AUTOML_SERVE_TOKEN": TOKEN}
    server = start_server(bundle, tmp_path, "--host", "0.0.0.0", env=env)
    try:
        assert server.url, server.output
        port = server.url.rsplit(":", 1)[1]
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/metadata").status_code == 401
        ok = httpx.get(f"{base}/metadata", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200
        assert "WARNING: without TLS" in server.output
    finally:
        server.stop()


@pytest.mark.parametrize("content, why", [("", "at least 16"), ("short", "at least 16"),
                                          ("has a space inside it ok", "without spaces"),
                                          ("bell\x07-0123456789abcdef", "printable")])
def test_bad_tokens_are_refused(tmp_path, monkeypatch, content, why):
    from automl.errors import ConfigError
    from automl.serve._server import read_token

    token = tmp_path / "token.txt"
    token.write_text(content)
    with pytest.raises(ConfigError, match=why):
        read_token(token)
    monkeypatch.setenv("AUTOML_SERVE_TOKEN", content)
    if content.strip():
        with pytest.raises(ConfigError, match=why):
            read_token(None)
    with pytest.raises(ConfigError, match="Cannot read the token file"):
        read_token(tmp_path / "nope")


def test_a_bad_token_file_exits_2_in_one_line(bundle, tmp_path):
    token = tmp_path / "token.txt"
    token.write_text("short")
    proc = run_cli(tmp_path, "serve", bundle, "--token-file", token, "--port", 0)
    assert proc.returncode == 2 and "at least 16" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    folder = tmp_path_factory.mktemp("tls")
    cert.private_key_pem.write_to_path(str(folder / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))
    return ca, folder / "cert.pem", folder / "key.pem"


def test_tls_with_a_certificate_made_here(bundle, tmp_path, tls_files, token_file):
    ca, cert, key = tls_files
    server = start_server(bundle, tmp_path, "--token-file", str(token_file),
                          "--ssl-certfile", str(cert), "--ssl-keyfile", str(key))
    try:
        assert server.url.startswith("https://127.0.0.1:"), server.output
        context = ssl.create_default_context()
        ca.configure_trust(context)
        with httpx.Client(verify=context, timeout=30) as client:
            assert client.get(f"{server.url}/health").status_code == 200
            answer = client.get(f"{server.url}/metadata",
                                headers={"Authorization": f"Bearer {TOKEN}"})
            assert answer.status_code == 200
        with pytest.raises(httpx.HTTPError):  # a client that does not trust the CA
            httpx.get(f"{server.url}/health", timeout=30)
        with pytest.raises(httpx.HTTPError):  # plain HTTP on the TLS port
            httpx.get(server.url.replace("https://", "http://") + "/health", timeout=30)
        assert server.proc.poll() is None
    finally:
        server.stop()


def test_tls_needs_both_files_that_match(bundle, tmp_path, tls_files):
    from automl.errors import ConfigError
    from automl.serve._server import check_tls

    _, cert, key = tls_files
    alone = run_cli(tmp_path, "serve", bundle, "--ssl-certfile", cert, "--port", 0)
    assert alone.returncode == 2 and "both --ssl-certfile and --ssl-keyfile" in alone.stderr
    assert len(alone.stderr.strip().splitlines()) == 1
    with pytest.raises(ConfigError, match="Cannot use the TLS certificate"):
        check_tls(key, cert)
    with pytest.raises(ConfigError, match="Cannot use the TLS certificate"):
        check_tls(tmp_path / "missing.pem", key)
    assert check_tls(cert, key) == (str(cert), str(key))
