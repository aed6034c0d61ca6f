"""Schemathesis over /openapi.json, signed in (Appeals, HTTP Basic) and not: whatever the
schema lets a client send, the server answers without a 500, with the content type and the
body its schema promises.

Bounded so CI stays fast: a few examples per operation (``FUZZ_EXAMPLES``, default 12), no
per-example deadline (the machine may be busy; speed is for the benchmarks), and no
coverage phase on the three operations that take a whole case file (it would send them some
two thousand boundary-value case files each; the fuzzing phase still sends them
``FUZZ_EXAMPLES``, and tests/contract covers the case file itself). Every other operation gets
the coverage phase too: boundary values for each parameter (ids of 2^63, ``as_of`` that is
not a date, missing or extra fields) and the methods it does not allow."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.web.conftest import PASSWORDS, Web

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
BASIC = "Basic " + base64.b64encode(f"appeals:{PASSWORDS['appeals']}".encode()).decode()
CHECKS = [not_a_server_error, content_type_conformance, response_schema_conformance]


CONFIG = {
    "operations": [
        {"include-path": path, "include-method": "POST", "phases": {"coverage": {"enabled": False}}}
        for path in ("/api/analyze", "/api/cases", "/api/whatif/withdraw")
    ]
}


@pytest.fixture(scope="module")
def api_schema(shared_web: Web) -> Any:
    return schemathesis.openapi.from_asgi(
        "/openapi.json", shared_web.app, config=schemathesis.Config.from_dict(CONFIG)
    )


schema = schemathesis.pytest.from_fixture("api_schema")

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)


@schema.parametrize()
@FUZZ
def test_api_signed_in_as_appeals(case: Any) -> None:
    case.call_and_validate(headers={"Authorization": BASIC}, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_api_not_signed_in(case: Any) -> None:
    response = case.call_and_validate(checks=CHECKS)
    if case.path not in ("/api/analyze", "/api/whatif/withdraw", "/api/roadmap", "/api/letters/lookup"):
        assert response.status_code in (401, 405, 413, 422), (case.path, response.status_code)
