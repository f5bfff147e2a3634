"""A hand-written hostile battery against a running `automl serve --token-file`: every request
gets a 4xx (or a 200 where the input is merely odd) with a one-line JSON message, never a
5xx, a trace or a server path, and the server is alive after each group."""

from __future__ import annotations

import json
import socket
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

httpx = pytest.importorskip("httpx")

# What a leak looks like: a trace, or a path of this machine (its temporary folder, the home
# folder, the package's source).
LEAKS = ("Traceback", 'File "', "site-packages", tempfile.gettempdir(), str(Path.home()),
         "automl/", ".py")
TALLY = {"tried": 0, "failures": 0}


def _message(answer) -> str:
    doc = answer.json()
    assert isinstance(doc, dict), doc
    text = doc.get("detail") or doc.get("message")
    assert isinstance(text, str) and text.strip(), doc
    return text


def check(answer, expect: str = "4xx", what: str = "") -> str:
    """Count the request; fail on a 5xx, a non-JSON body, a leak or an unexpected status."""
    TALLY["tried"] += 1
    try:
        assert answer.status_code < 500, f"{what}: {answer.status_code} {answer.text[:300]}"
        if expect == "4xx":
            assert 400 <= answer.status_code < 500, f"{what}: {answer.status_code} {answer.text[:300]}"
        body = answer.text
        assert not any(leak in body for leak in LEAKS), f"{what}: leaks {body[:300]}"
        return _message(answer) if answer.status_code >= 400 else ""
    except AssertionError:
        TALLY["failures"] += 1
        raise


@pytest.fixture(scope="module")
def client(secured, auth):
    url, server = secured
    with httpx.Client(base_url=url, headers=auth, timeout=60) as c:
        yield c
    assert server.proc.poll() is None, "the server died:\n" + server.output
    print(f"\nhostile battery: {TALLY['tried']} requests, {TALLY['failures']} failures")


def alive(client) -> None:
    assert client.get("/health").status_code == 200


def _post(client, path, body, content_type="application/json"):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(path, content=data, headers={"Content-Type": content_type})


def test_wrong_types(client, rows):
    column = next(iter(rows[0]))
    for value in ("twelve", [1, 2], {"a": 1}, True, "", "１２"):
        check(_post(client, "/predict", {"records": [{**rows[0], column: value}]}), what=repr(value))
    for body in ({"records": "x"}, {"records": [1, 2]}, {"records": None}, {"records": []}, [],
                 "text", 12, None, {"rows": rows}, {"records": rows, "extra": 1}):
        check(_post(client, "/predict", body), what=repr(body)[:60])
    for body in ({"dataframe_records": "x"}, {"dataframe_split": {"columns": "a", "data": 1}},
                 {"dataframe_split": {"columns": ["a"], "data": [[1, 2]]}}, {"instances": 3},
                 {"dataframe_records": rows, "instances": rows}, {}, [], 7,
                 {"dataframe_records": [{**rows[0], column: "twelve"}]}):
        check(_post(client, "/invocations", body), what=repr(body)[:60])
    alive(client)


def test_nan_infinity_and_huge_numbers(client, rows):
    column = next(iter(rows[0]))
    base = json.dumps({"records": [rows[0]]})
    for literal in ("NaN", "Infinity", "-Infinity", '"NaN"', '"inf"', '"-inf"', '"1e999"', "1e999",
                    "-1e999", "1" + "0" * 400):
        body = base.replace(f'"{column}": {rows[0][column]}', f'"{column}": {literal}', 1)
        check(_post(client, "/predict", body), what=literal[:20])
        mlflow = body.replace('"records"', '"dataframe_records"', 1)
        check(_post(client, "/invocations", mlflow), what=literal[:20])
    for value in (1e308, -1.7976931348623157e308, 1.7976931348623157e308, 5e-324, 1e300):
        every = {k: value for k in rows[0]}
        check(_post(client, "/predict", {"records": [every]}), "any", repr(value))
        check(_post(client, "/invocations", {"dataframe_records": [every]}), "any", repr(value))
        csv = ",".join(f'"{k}"' for k in every) + "\n" + ",".join(repr(v) for v in every.values())
        check(_post(client, "/invocations", csv, "text/csv"), "any", repr(value))
    alive(client)


def test_deeply_nested_json(client, rows):
    for depth in (50, 5_000, 100_000):
        nested = "[" * depth + "]" * depth
        detail = check(_post(client, "/predict", '{"records": ' + nested + "}"), what=f"d {depth}")
        assert "records" in detail
        check(_post(client, "/invocations", '{"dataframe_records": ' + nested + "}"), what=f"d {depth}")
        check(_post(client, "/invocations", '{"dataframe_split": {"columns": ["a"], "data": '
                    + nested + "}}"), what=f"split depth {depth}")
        value = '{"a": ' * depth + "1" + "}" * depth
        record = json.dumps(rows[0])[:-1] + ', "deep": ' + value + "}"
        check(_post(client, "/predict", '{"records": [' + record + "]}"), "any", f"value {depth}")
        check(_post(client, "/invocations", '{"dataframe_records": [' + record + "]}"), "any",
              f"mlflow value {depth}")
    alive(client)


def test_ten_thousand_columns(client, rows):
    wide = {**rows[0], **{f"c{i}": i for i in range(10_000)}}
    detail = check(_post(client, "/predict", {"records": [wide]}), what="10,000 columns")
    assert "10,030 columns" in detail
    check(_post(client, "/invocations", {"dataframe_records": [wide]}), what="mlflow 10,000")
    check(_post(client, "/invocations", {"dataframe_split": {
        "columns": list(wide), "data": [list(wide.values())]}}), what="split 10,000")
    csv = ",".join(wide) + "\n" + ",".join(str(v) for v in wide.values())
    check(_post(client, "/invocations", csv, "text/csv"), what="csv 10,000")
    check(_post(client, "/predict", {"records": [{f"c{i}": i for i in range(10_000)}]}),
          what="10,000 wrong columns")
    many = {"records": [rows[0]] * 10_001}
    answer = _post(client, "/predict", many)
    assert answer.status_code == 413 and "10,001 rows" in check(answer, what="10,001 rows")
    check(_post(client, "/invocations", {"dataframe_records": [rows[0]] * 10_001}), what="rows")
    alive(client)


@pytest.mark.parametrize("name", ["\u0000", "\x1b[31mred", "new\nline", "tab\there", "\u202eevil",
                                  "é", "𝔘𝔫𝔦", "a" * 5_000, "", " ", "\ufeffbom", '"quote"', "🙂"])
def test_odd_column_names(client, rows, name):
    record = {**rows[0], name: 1}
    check(_post(client, "/predict", {"records": [record]}), "any", repr(name))
    check(_post(client, "/invocations", {"dataframe_records": [record]}), "any", repr(name))
    renamed = {name if i == 0 else k: v for i, (k, v) in enumerate(rows[0].items())}
    check(_post(client, "/predict", {"records": [renamed]}), what=repr(name))
    csv = json.dumps(name) + "," + ",".join(list(rows[0])[1:]) + "\n" + ",".join(
        str(v) for v in rows[0].values())
    check(_post(client, "/invocations", csv, "text/csv"), "any", repr(name))


def test_wrong_content_types_and_encodings(client, rows):
    body = json.dumps({"records": rows})
    for content_type in ("text/plain", "application/xml", "multipart/form-data; boundary=x",
                         "application/x-www-form-urlencoded", "image/png"):
        check(_post(client, "/predict", "a=1", content_type), what=content_type)
        check(_post(client, "/invocations", "a=1", content_type), what=content_type)
    check(_post(client, "/invocations", body.encode("utf-16"), "application/json"), what="utf-16")
    check(_post(client, "/invocations", body, "application/json; charset=latin-1"), what="latin-1")
    check(_post(client, "/predict", b"\xff\xfe\x00garbage", "application/json"), what="bytes")
    check(_post(client, "/invocations", b"\xff\xfe\x00garbage", "text/csv"), what="csv bytes")
    check(_post(client, "/predict", "", "application/json"), what="empty")
    check(_post(client, "/invocations", "", "application/json"), what="empty mlflow")
    check(_post(client, "/invocations", "", "text/csv"), what="empty csv")
    check(_post(client, "/invocations", '"a\n1,2,3', "text/csv"), what="bad csv")
    check(client.get("/predict"), what="GET /predict")
    check(client.put("/invocations", content=body), what="PUT")
    check(client.get("/no-such-route"), what="404")
    alive(client)


def test_truncated_bodies(client, secured, rows):
    body = json.dumps({"records": rows})
    for cut in (1, len(body) // 2, len(body) - 1):
        check(_post(client, "/predict", body[:cut]), what=f"cut at {cut}")
        check(_post(client, "/invocations", body.replace("records", "dataframe_records")[:cut]),
              what=f"mlflow cut at {cut}")
    host, port = _address(secured[0])
    for path in ("/predict", "/invocations"):  # a declared length the client never sends
        with socket.create_connection((host, port), timeout=30) as s:
            s.sendall(_head(path, len(body) + 500) + body[:20].encode())
            s.shutdown(socket.SHUT_WR)
            s.recv(65536)  # whatever comes back (or nothing): the server must stay up
        TALLY["tried"] += 1
    alive(client)


def test_slow_client_gets_408(client, secured, rows):
    """The fixture's server runs with --timeout 3: a body that stalls is answered 408."""
    host, port = _address(secured[0])
    body = json.dumps({"records": rows}).encode()
    with socket.create_connection((host, port), timeout=60) as s:
        s.sendall(_head("/predict", len(body)) + body[:10])
        chunks = []
        while chunk := s.recv(65536):  # the server answers, then closes the connection
            chunks.append(chunk)
        reply = b"".join(chunks).decode("utf-8", "replace")
    TALLY["tried"] += 1
    status = reply.split(" ", 2)[1] if reply.startswith("HTTP/") else reply[:40]
    if status != "408":
        TALLY["failures"] += 1
    assert status == "408", reply[:300]
    assert "did not arrive within 3 s" in reply
    alive(client)


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname, parts.port


def _head(path: str, length: int) -> bytes:
    from security_helpers import TOKEN

    return (f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n").encode()
