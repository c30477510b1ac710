"""Every error the API returns has one JSON shape: what went wrong, the field at fault, and the request id."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse


def error_response(status: int, error: str, message: str, request_id: str | None, *, field: str | None = None,
                   headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"error": error, "message": message, "field": field, "request_id": request_id, **extra}
    return JSONResponse(body, status_code=status, headers=headers)
