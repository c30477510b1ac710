"""What every request passes before a route: an id and a log line, a body size limit, a per-client rate limit and the
bearer token. Plain ASGI, so an oversized or unauthorised request is refused before its body is parsed."""

from __future__ import annotations

import hmac
import logging
import math
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.datastructures import Headers, MutableHeaders

from .responses import error_response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger("policyqa.api")
PROTECTED_PREFIX = "/v1/"
# an id a caller sends is echoed only when it cannot forge a log line or a header
_CALLER_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def request_id_of(scope: Scope) -> str | None:
    return scope.get("state", {}).get("request_id")


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


class RequestContext:
    """Outermost: gives each request an id (X-Request-ID, echoed or made), writes one JSON log line for it, and turns
    any unhandled error into a 500 that names the request id and nothing else."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = Headers(scope=scope).get("x-request-id", "")
        request_id = incoming if _CALLER_ID.fullmatch(incoming) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["log"] = {}  # routes add what they may log (verdict, counts; the question only when allowed)
        response_started = False
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal response_started, status
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error", extra={"fields": {"event": "error", "request_id": request_id,
                                                               "method": scope["method"], "path": scope["path"]}})
            if not response_started:
                response = error_response(500, "internal_error", "internal error; give the request id to the operator",
                                          request_id)
                await response(scope, receive, send_with_id)
            status = 500
        finally:
            fields = {"event": "request", "request_id": request_id, "method": scope["method"], "path": scope["path"],
                      "status": status, "ms": round((time.perf_counter() - started) * 1000, 1), "client": _client(scope)}
            fields.update(state.get("log", {}))
            log.info("request", extra={"fields": fields})


class BodyLimit:
    """413 for a body over the limit: refused from its Content-Length unread, or cut off while it streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(413, "body_too_large", f"the request body is over the limit of {self.max_bytes:,} bytes",
                                  request_id_of(scope), field="body", headers={"Connection": "close"})
        await response(scope, receive, send)


class TokenBuckets:
    """A bucket per client: `burst` requests at once, refilled at `rate` a second. In memory, one process."""

    MAX_CLIENTS = 10_000

    def __init__(self, rate: float, burst: int):
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when they were counted)

    def take(self, client: str, now: float) -> float:
        """0 when the request may go ahead; otherwise the seconds until it may."""
        tokens, then = self._buckets.get(client, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.rate)
        if tokens >= 1.0:
            self._buckets[client] = (tokens - 1.0, now)
            if len(self._buckets) > self.MAX_CLIENTS:
                self._forget_full(now)
            return 0.0
        self._buckets[client] = (tokens, now)
        return (1.0 - tokens) / self.rate

    def _forget_full(self, now: float) -> None:
        # a bucket that has refilled is the same as no bucket: dropping it bounds memory under many clients
        refill = self.burst / self.rate
        self._buckets = {c: (t, when) for c, (t, when) in self._buckets.items() if now - when < refill}


class RateLimit:
    """429 with Retry-After once a client (by address) spends its burst; only /v1 routes count."""

    def __init__(self, app: ASGIApp, rate: float, burst: int):
        self.app = app
        self.buckets = TokenBuckets(rate, burst) if rate > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.buckets is None or scope["type"] != "http" or not scope["path"].startswith(PROTECTED_PREFIX):
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(_client(scope), time.monotonic())
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            response = error_response(429, "rate_limited",
                                      f"too many requests from this client; retry after {retry_after} s", request_id_of(scope),
                                      headers={"Retry-After": str(retry_after)}, retry_after_s=retry_after)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BearerToken:
    """Every /v1 route needs `Authorization: Bearer <token>` when a token is set, compared in constant time."""

    def __init__(self, app: ASGIApp, token: str | None):
        self.app = app
        self.token = token.encode() if token else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.token is None or scope["type"] != "http" or not scope["path"].startswith(PROTECTED_PREFIX):
            await self.app(scope, receive, send)
            return
        scheme, _, given = Headers(scope=scope).get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            await self._refuse(scope, receive, send, "missing bearer token: send 'Authorization: Bearer <token>'")
            return
        if not hmac.compare_digest(given.strip().encode(), self.token):
            await self._refuse(scope, receive, send, "the bearer token is not valid")  # never echoed
            return
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, message: str) -> None:
        response = error_response(401, "unauthorized", message, request_id_of(scope), field="authorization",
                                  headers={"WWW-Authenticate": "Bearer"})
        await response(scope, receive, send)
