"""schemathesis over the served OpenAPI document, against a running `automl serve --token-file`:
valid and invalid requests generated from the schema; no 5xx, every response as documented."""

from __future__ import annotations

import contextlib

import pytest

schemathesis = pytest.importorskip("schemathesis")

EXAMPLES_PER_OPERATION = 25


def test_schemathesis_finds_no_5xx_and_no_undocumented_answer(secured, auth):
    from hypothesis import HealthCheck
    from hypothesis import given
    from hypothesis import settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import not_a_server_error
    from schemathesis.generation import GenerationMode
    from schemathesis.specs.openapi.checks import content_type_conformance
    from schemathesis.specs.openapi.checks import response_schema_conformance
    from schemathesis.specs.openapi.checks import status_code_conformance

    url, server = secured
    schema = schemathesis.openapi.from_url(f"{url}/openapi.json", headers=auth)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance,
              response_schema_conformance]
    tally = {"tried": 0, "failures": 0}
    problems: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/predict", "/invocations", "/health", "/metadata"}
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                      derandomize=True, suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case):
                tally["tried"] += 1
                try:
                    case.call_and_validate(base_url=url, headers=auth, checks=checks)
                except Exception as exc:  # noqa: BLE001 - collected and reported below
                    tally["failures"] += 1
                    problems.append(f"{case.method} {case.path}: "
                                    f"{' '.join(str(exc).split())[:300]}")

            with contextlib.suppress(Unsatisfiable):  # no invalid request exists for GET /health
                run()
    print(f"\nschemathesis: {tally['tried']} requests, {tally['failures']} failures")
    assert server.proc.poll() is None, server.output
    assert not problems, "\n".join(problems[:10])
    assert tally["tried"] >= 4 * EXAMPLES_PER_OPERATION
