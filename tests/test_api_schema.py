"""schemathesis against the served OpenAPI document: generated requests (bounded) for every
operation, as an analyst and as a party's liaison; no server error, no undocumented status, content
type or body."""

from __future__ import annotations

from typing import Any, Iterator

import pytest
import schemathesis
from schemathesis import checks
from hypothesis import HealthCheck, given, settings

from truceline.api import Desk, create_app, issue_token


@pytest.fixture(scope="module")
def served(demo_day, tmp_path_factory) -> Iterator[dict[str, Any]]:
    import shutil

    from truceline.api import ServeSettings
    store = tmp_path_factory.mktemp("schema") / "store.sqlite"
    shutil.copy(demo_day["out"] / "store.sqlite", store)
    desk = Desk.open(ServeSettings(data=demo_day["out"], store=str(store), public_delay_h=0.0))
    app = create_app(desk)
    heads = {role: {"Authorization": "Bearer " + issue_token(desk.store, f"st-{role}", role, party)}
             for role, party in (("analyst", ""), ("liaison", "B"))}
    yield {"app": app, "heads": heads}
    desk.close()


LIMITS = settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)


CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_headers_conformance, checks.response_schema_conformance]
"""The bar: no server error and nothing undocumented (status, content type, headers, body). Not
``positive_data_acceptance``: the schema cannot say that an element's end must not precede its
start, which the API refuses with a documented 422."""


def _exercise(app, headers: dict[str, str]) -> int:
    """Every operation of the served schema with generated requests; returns how many operations."""
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    count = 0
    for result in api.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @LIMITS
        def check(case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
        count += 1
    return count


@pytest.mark.parametrize("role", ["analyst", "liaison"])
def test_the_api_keeps_its_documented_contract(served, role: str) -> None:
    assert _exercise(served["app"], served["heads"][role]) >= 26
