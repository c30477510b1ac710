"""`policyqa serve`: the JSON HTTP API over the same index as the app (folder or Chroma server, from Settings)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .errors import ConfigError
from .settings import Settings

DEFAULT_PORT = 8080


def add_serve_parser(sub) -> None:
    serve = sub.add_parser("serve", help="serve the JSON HTTP API (OpenAPI page at /docs)")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; any other needs POLICYQA_API_TOKEN)")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    serve.add_argument("--index", type=Path, help="index folder (default .index/ or $POLICYQA_INDEX)")
    serve.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from .api.config import ApiSettings
    from .api.server import serve

    if not 1 <= args.port <= 65535:
        raise ConfigError(f"--port must be between 1 and 65535, got {args.port}")
    serve(settings, args.host, args.port, ApiSettings.from_env())
    return 0
