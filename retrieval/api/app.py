"""The HTTP API's routes: the contract answer, passages, code and prior-approval lookups, policies, health."""

# No `from __future__ import annotations` here: FastAPI reads the routes' Annotated[...] parameters at definition
# time, and one of them (the search text's length) comes from the settings in scope.
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Path, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import (
    BadValueError,
    IndexBusyError,
    IndexCorruptError,
    IndexMissingError,
    IndexUnavailableError,
    NotFoundError,
    PolicyQAError,
    QuestionError,
    QuoteIntegrityError,
)
from ..lookup import MAX_K
from ..privacy import mask
from ..settings import Settings
from . import schemas
from .config import ApiSettings
from .middleware import BearerToken, BodyLimit, RateLimit, RequestContext, request_id_of
from .responses import error_response
from .state import NotReadyError, ServedIndex

log = logging.getLogger("policyqa.api")
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": schemas.Error, "description": "missing or wrong bearer token (when POLICYQA_API_TOKEN is set)"},
    422: {"model": schemas.Error, "description": "a bad field, named in `field`"},
    429: {"model": schemas.Error, "description": "over the rate limit; see Retry-After"},
    503: {"model": schemas.Error, "description": "the index is loading or cannot be read"},
}
# Documents the scheme on the OpenAPI page ("Authorize"); BearerToken enforces it before any route runs.
_bearer = HTTPBearer(auto_error=False, description="POLICYQA_API_TOKEN, when the server has one")


def create_app(settings: Settings, api: ApiSettings, served: ServedIndex | None = None) -> FastAPI:
    served = served or ServedIndex(settings, api.reload_s)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        served.start()
        yield
        served.stop()

    app = FastAPI(title="Policy Q&A API", version=__version__, lifespan=lifespan, redoc_url=None,
                  description="Answers, passages, code lookups and prior-approval checks from the loaded medical "
                              "policies. Every quote is the policy text between its `start` and `end` offsets.")
    app.state.served = served
    app.state.api = api
    # the last added runs first: id and log line, then size, rate, token
    app.add_middleware(BearerToken, token=api.token)
    app.add_middleware(RateLimit, rate=api.rate_per_s, burst=api.burst)
    app.add_middleware(BodyLimit, max_bytes=api.max_body_bytes)
    app.add_middleware(RequestContext)
    _add_error_handlers(app)
    app.include_router(_health(served))
    app.include_router(_v1(served, api, settings))
    return app


def _health(served: ServedIndex) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="the process is up")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="the index is loaded: which generation, how many policies",
                responses={503: {"description": "still loading, or the index cannot be read"}})
    def readyz() -> JSONResponse:
        status = served.status()
        if status["ready"]:
            return JSONResponse({"status": "ready", "generation": status["generation"], "policies": status["policies"]})
        # the reason (a path, a URL) is in the server log, not handed to whoever asks
        reason = "loading" if status["error"] is None else "unavailable"
        return JSONResponse({"status": reason, "generation": None}, status_code=503, headers={"Retry-After": "1"})

    return router


def _v1(served: ServedIndex, api: ApiSettings, settings: Settings) -> APIRouter:
    router = APIRouter(prefix="/v1", dependencies=[Security(_bearer)], responses=ERRORS)

    @router.post("/ask", tags=["answers"], response_model=None,
                 summary="the contract answer, as `policyqa ask --json` prints it",
                 responses={200: {"model": schemas.Answer}})
    def ask(body: schemas.AskRequest, request: Request) -> JSONResponse:
        engine = served.current().engine
        logged = request.state.log
        logged.update(audience=body.audience, question_chars=len(body.question), history_turns=len(body.history))
        if api.log_questions:
            logged["question"] = mask(body.question)
        answer = engine.ask(body.question, history=body.history, audience=body.audience, answer_id=body.id)
        logged.update(verdict=answer.verdict, route=answer.route, intent=answer.intent, citations=len(answer.citations))
        return JSONResponse(answer.to_dict())

    @router.get("/search", tags=["passages"], response_model=schemas.SearchResult,
                summary="passages for a text, with policy, section, offsets and quote")
    def search(request: Request,
               q: Annotated[str, Query(min_length=1, max_length=settings.max_question_chars, description="search text")],
               payer: Annotated[str | None, Query(max_length=100)] = None,
               code: Annotated[str | None, Query(max_length=20, description="only policies that list this code")] = None,
               k: Annotated[int, Query(ge=1, le=MAX_K)] = 5) -> dict[str, Any]:
        passages = served.current().lookup.search(q, k=k, payer=payer, code=code)
        request.state.log.update(k=k, passages=len(passages), **({"q": mask(q)} if api.log_questions else {}))
        return {"query": q, "passages": [p.to_dict() for p in passages]}

    @router.get("/codes/{code}", tags=["codes"], response_model=schemas.CodeResult,
                summary="every loaded policy that lists a code: the row, and the policy's position on it",
                responses={404: {"model": schemas.Error, "description": "no loaded policy lists the code; see close_matches"}})
    def code(code: Annotated[str, Path(max_length=20)],
             payer: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
        found = served.current().lookup.code(code, payer=payer)
        return {"code": found[0].code if found else code.strip().upper(), "policies": [f.to_dict() for f in found]}

    @router.post("/prior-approval", tags=["codes"], response_model=schemas.PriorApprovalResult,
                 summary="for each code: the policies that list it and whether each requires prior approval")
    def prior_approval(body: schemas.PriorApprovalRequest) -> dict[str, Any]:
        results = served.current().lookup.prior_approval(body.codes, payer=body.payer)
        return {"payer": body.payer, "results": results}

    @router.get("/policies", tags=["policies"], response_model=schemas.PolicyList,
                summary="the loaded policies, filtered by payer, code and text")
    def policies(payer: Annotated[str | None, Query(max_length=100)] = None,
                 code: Annotated[str | None, Query(max_length=20)] = None,
                 text: Annotated[str | None, Query(max_length=200, description="words all found in the policy")] = None,
                 ) -> dict[str, Any]:
        found = served.current().lookup.list_policies(payer=payer, code=code, text=text)
        return {"count": len(found), "policies": found}

    @router.get("/policies/{policy_id}", tags=["policies"], response_model=schemas.PolicyDetail,
                summary="one policy: metadata, sections, codes and its full canonical text",
                responses={404: {"model": schemas.Error, "description": "no loaded policy has that number"}})
    def policy(policy_id: Annotated[str, Path(max_length=100)],
               payer: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
        return served.current().lookup.policy(policy_id, payer=payer)

    return router


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_problem(e) for e in exc.errors()]
        first = problems[0] if problems else {"field": None, "message": "invalid request"}
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            return error_response(400, "invalid_json", "the body is not valid JSON", request_id_of(request.scope),
                                  field="body")
        return error_response(422, "invalid_field", f"{first['field']}: {first['message']}", request_id_of(request.scope),
                              field=first["field"], problems=problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        words = {404: "not_found", 405: "method_not_allowed"}
        return error_response(exc.status_code, words.get(exc.status_code, "http_error"), str(exc.detail),
                              request_id_of(request.scope), headers=getattr(exc, "headers", None))

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return error_response(404, "not_found", str(exc), request_id_of(request.scope), field=exc.field,
                              close_matches=list(exc.close_matches))

    @app.exception_handler(BadValueError)
    async def bad_value(request: Request, exc: BadValueError) -> JSONResponse:
        return error_response(422, "invalid_field", f"{exc.field}: {exc}", request_id_of(request.scope), field=exc.field)

    @app.exception_handler(QuestionError)
    async def bad_question(request: Request, exc: QuestionError) -> JSONResponse:
        field = "audience" if str(exc).startswith("audience") else "question"
        return error_response(422, "invalid_field", f"{field}: {exc}", request_id_of(request.scope), field=field)

    @app.exception_handler(NotReadyError)
    async def not_ready(request: Request, exc: NotReadyError) -> JSONResponse:
        return error_response(503, "not_ready", "the policy index is not loaded yet; retry shortly",
                              request_id_of(request.scope), headers={"Retry-After": "1"})

    async def index_down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("index unavailable", extra={"fields": {"event": "index_error", "request_id": request_id_of(request.scope),
                                                           "error": str(exc)}})
        return error_response(503, "index_unavailable", "the policy index cannot be read right now; retry shortly",
                              request_id_of(request.scope), headers={"Retry-After": "5"})

    for kind in (IndexMissingError, IndexCorruptError, IndexUnavailableError, IndexBusyError):
        app.add_exception_handler(kind, index_down)

    @app.exception_handler(QuoteIntegrityError)
    async def broken_quote(request: Request, exc: QuoteIntegrityError) -> JSONResponse:
        log.error("quote integrity", extra={"fields": {"event": "error", "request_id": request_id_of(request.scope),
                                                       "error": str(exc)}})
        return error_response(500, "internal_error", "internal error; give the request id to the operator",
                              request_id_of(request.scope))

    @app.exception_handler(PolicyQAError)
    async def refused(request: Request, exc: PolicyQAError) -> JSONResponse:
        return error_response(400, "bad_request", str(exc), request_id_of(request.scope))


def _problem(error: dict[str, Any]) -> dict[str, Any]:
    """ ('body', 'history', 2) -> "history[2]"; ('query', 'k') -> "k"; a body that is missing altogether -> "body"."""
    loc = [part for part in error.get("loc", ()) if part not in ("body", "query", "path", "header")]
    field = ""
    for part in loc:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    message = error.get("msg", "invalid")
    if error.get("type") == "extra_forbidden":
        message = "is not a field of this request"
    return {"field": field or "body", "message": message}
