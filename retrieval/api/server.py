"""Runs the API under uvicorn, after refusing an exposed address without a token and a missing index."""

from __future__ import annotations

from .. import index as idx
from ..settings import Settings
from .app import create_app
from .config import ApiSettings, check_exposure
from .logs import log_config


def serve(settings: Settings, host: str, port: int, api: ApiSettings | None = None) -> None:
    import uvicorn

    api = api or ApiSettings.from_env()
    check_exposure(host, api)
    # fail here, with the CLI's message and exit code, rather than serve 503s for an index that was never built
    idx.require_generation(settings)
    uvicorn.run(create_app(settings, api), host=host, port=port, log_config=log_config(), access_log=False,
                server_header=False, proxy_headers=False)
