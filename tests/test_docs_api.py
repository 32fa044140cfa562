"""docs/api.md documents every route of the served OpenAPI document, with its method."""

from __future__ import annotations

from pathlib import Path

import pytest

from truceline.api import create_app

DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"
SPEC = create_app(None).openapi()  # type: ignore[arg-type]  (the document needs no data)
ROUTES = [f"{m.upper()} {p}" for p, ops in SPEC["paths"].items() for m in ops]


def test_the_spec_has_the_desk_routes() -> None:
    assert {"POST /v1/claims", "POST /v1/cases/decisions", "GET /v1/public/findings"} <= set(ROUTES)


@pytest.mark.parametrize("route", ROUTES)
def test_every_route_is_in_the_api_page(route: str) -> None:
    assert f"`{route}`" in DOC.read_text(encoding="utf-8"), f"docs/api.md does not document {route}"


def test_every_route_states_its_roles_in_the_served_document() -> None:
    for path, ops in SPEC["paths"].items():
        for method, op in ops.items():
            assert op.get("summary", "").endswith(")"), f"{method.upper()} {path}: summary names no roles"
