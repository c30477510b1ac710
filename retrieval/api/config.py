"""The API's own settings (token, limits, logging), read once from the environment; the index comes from Settings."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field

from ..errors import ConfigError

MIN_TOKEN_CHARS = 16


@dataclass(frozen=True)
class ApiSettings:
    token: str | None = field(default=None, repr=False)  # POLICYQA_API_TOKEN: bearer token every /v1 call must send
    rate_per_s: float = 10.0  # POLICYQA_API_RATE: requests a second each client may make, on average (0 = no limit)
    burst: int = 30  # POLICYQA_API_BURST: requests a client may make at once before the rate applies
    max_body_bytes: int = 64 * 1024  # POLICYQA_API_MAX_BODY_BYTES
    log_questions: bool = False  # POLICYQA_LOG_QUESTIONS=1: questions (masked) in the request log
    reload_s: float = 10.0  # POLICYQA_API_RELOAD_S: how often the served generation is checked for a new one

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> ApiSettings:
        env = dict(os.environ if env is None else env)
        token = env.get("POLICYQA_API_TOKEN") or None  # set but empty is unset, as for the other variables
        if token is not None and (len(token) < MIN_TOKEN_CHARS or any(c.isspace() or not c.isprintable() for c in token)):
            # a secret: say what is wrong with it, never echo it
            raise ConfigError(f"POLICYQA_API_TOKEN must be at least {MIN_TOKEN_CHARS} printable characters with no spaces")
        settings = cls(
            token=token,
            rate_per_s=_number(env, "POLICYQA_API_RATE", cls.rate_per_s, minimum=0.0),
            burst=int(_number(env, "POLICYQA_API_BURST", cls.burst, minimum=1, whole=True)),
            max_body_bytes=int(_number(env, "POLICYQA_API_MAX_BODY_BYTES", cls.max_body_bytes, minimum=256, whole=True)),
            log_questions=env.get("POLICYQA_LOG_QUESTIONS", "").strip() == "1",
            reload_s=_number(env, "POLICYQA_API_RELOAD_S", cls.reload_s, minimum=0.5),
        )
        return settings


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and "localhost" reach only this machine; every other address (0.0.0.0 included) does not."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_exposure(host: str, settings: ApiSettings) -> None:
    """Serving beyond loopback without a token would hand every policy lookup to anyone on the network."""
    if not is_loopback(host) and settings.token is None:
        raise ConfigError(
            f"refusing to serve on {host!r} without a token: beyond loopback (127.0.0.1) every /v1 call must carry "
            f"'Authorization: Bearer <token>'. Set POLICYQA_API_TOKEN (at least {MIN_TOKEN_CHARS} characters, e.g. "
            f"from `python -c 'import secrets; print(secrets.token_urlsafe(32))'`), or serve on --host 127.0.0.1"
        )


def _number(env: dict[str, str], name: str, default: float, *, minimum: float, whole: bool = False) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"{name}={raw!r} is not {kind}") from None
    if value < minimum or value != value or value in (float("inf"),):
        raise ConfigError(f"{name}={raw!r} must be at least {minimum:g}")
    return value
