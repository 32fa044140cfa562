"""The FastAPI application: authentication, problem-details errors, and the routes of both modules.

>>> from truceline.api import create_app, Desk, ServeSettings       # doctest: +SKIP
>>> app = create_app(Desk.open(ServeSettings(data=Path("truceline-demo"))))
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import anyio

from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from truceline import __version__
from truceline.api.auth import TokenError
from truceline.api.desk import Desk, Forbidden, NotFound
from truceline.api.schemas import Problem
from truceline.model.desk import Principal
from truceline.verify.review import DecisionRefused

PROBLEM = "application/problem+json"
def _error(description: str) -> dict[str, Any]:
    """An error response as documented: problem details (RFC 9457)."""
    return {"model": Problem, "description": description,
            "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}


ERRORS: dict[int | str, dict[str, Any]] = {
    401: _error("Malformed, unknown or revoked token."),
    403: _error("The caller's role may not use this route."),
    422: _error("The request does not match the schema (field and reason named)."),
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: _error("No such object, or not one this caller may see (alike).")}
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: _error("The lifecycle refuses the decision (state, four eyes, conflict).")}


def problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"type": "about:blank", "title": title, "status": status, "detail": detail},
                        status_code=status, media_type=PROBLEM, headers=headers)


async def caller(request: Request, authorization: Annotated[str | None, Header(
        description="Bearer <token>; without it the caller is the public.")] = None) -> Principal:
    """The principal behind the request's token (the public without one); a token not verified
    lately is checked (argon2) off the event loop."""
    desk: Desk = request.app.state.desk
    known = desk.tokens.cached(authorization)
    if known is not None:
        return known
    return await anyio.to_thread.run_sync(desk.tokens.principal, authorization)


def allow(who: Principal, *roles: str) -> None:
    """Refuse (403) a caller whose role is not among ``roles``."""
    if who.role not in roles:
        raise Forbidden(f"this route is for {', '.join(roles)}; the caller is {who.role}")


Caller = Annotated[Principal, Depends(caller)]


REFUSALS: dict[type[Exception], tuple[int, str]] = {
    TokenError: (401, "Unauthorised"), Forbidden: (403, "Forbidden"), NotFound: (404, "Not found"),
    DecisionRefused: (409, "Decision refused")}
"""How each refusal the desk raises is answered."""


def _add_problem_handlers(app: FastAPI) -> None:
    """Every error as problem details: the desk's refusals, schema mismatches, unknown paths."""
    async def refused(_: Request, exc: Exception) -> JSONResponse:
        status, title = next(v for k, v in REFUSALS.items() if isinstance(exc, k))
        return problem(status, title, str(exc), {"WWW-Authenticate": "Bearer"} if status == 401 else None)

    for kind in REFUSALS:
        app.add_exception_handler(kind, refused)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return problem(422, "Invalid request", f"{where}: {first.get('msg')}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, "Not found" if exc.status_code == 404 else "Error", str(exc.detail))


def create_app(desk: Desk) -> FastAPI:
    """The API over one desk (docs/api.md)."""
    from fastapi.staticfiles import StaticFiles
    from fastapi.responses import FileResponse

    from truceline.api import ingest, routes_data, routes_desk, routes_map

    app = FastAPI(title="Truceline API", version=__version__, responses=ERRORS,
                  description="Ceasefire verification findings, claims, review and publication. Every route "
                              "names the roles that may call it; see docs/api.md.")
    app.state.desk = desk
    app.include_router(routes_data.router)
    app.include_router(routes_desk.router)
    app.include_router(ingest.router)
    app.include_router(routes_map.router)
    web = Path(__file__).resolve().parents[1] / "web"
    app.mount("/static", StaticFiles(directory=web / "static"), name="static")

    @app.get("/", include_in_schema=False)
    async def dashboard() -> FileResponse:
        return FileResponse(web / "index.html", media_type="text/html")

    _add_problem_handlers(app)
    return app
