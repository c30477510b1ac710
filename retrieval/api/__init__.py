"""The JSON HTTP API (`policyqa serve`): FastAPI over the same index and answer engine as the app and the CLI."""

from .app import create_app
from .config import ApiSettings, check_exposure, is_loopback

__all__ = ["ApiSettings", "check_exposure", "create_app", "is_loopback"]
