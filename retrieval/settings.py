"""One typed settings object, read once from options and the environment and passed down."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EMBEDDERS = ("minilm", "hashing")
# letters, digits and hyphens: the namespace starts every Chroma collection name, and "_" separates its parts
_NAMESPACE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,39}")


@dataclass(frozen=True)
class Settings:
    corpus: Path = Path("corpus")
    index: Path = PROJECT_ROOT / ".index"
    embedder: str = "minilm"  # "hashing" is a model-free lexical embedder for tests and quick demos
    chroma_url: str | None = None  # a Chroma server (http://host:port) instead of the embedded folder
    chroma_token: str | None = field(default=None, repr=False)  # sent as "Authorization: Bearer ..." to the server
    chroma_namespace: str = "pqa"  # starts the server's collection names, so several indexes can share one server
    home_payer: str | None = None  # the plan this deployment serves: questions naming no payer go to its policies first
    lock_timeout_s: float = 3.0
    embed_batch_size: int = 64
    max_question_chars: int = 2000
    feedback_path: Path = PROJECT_ROOT / "feedback" / "feedback.jsonl"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Environment first, explicit (non-None) overrides win."""
        env = dict(os.environ if env is None else env)
        values: dict[str, object] = {}
        if env.get("POLICYQA_CORPUS"):
            values["corpus"] = Path(env["POLICYQA_CORPUS"])
        if env.get("POLICYQA_INDEX"):
            values["index"] = Path(env["POLICYQA_INDEX"])
        if env.get("POLICYQA_EMBEDDER"):
            values["embedder"] = env["POLICYQA_EMBEDDER"].strip().lower()
        if env.get("POLICYQA_CHROMA_URL"):
            values["chroma_url"] = env["POLICYQA_CHROMA_URL"].strip()
        if env.get("POLICYQA_CHROMA_TOKEN"):
            values["chroma_token"] = env["POLICYQA_CHROMA_TOKEN"].strip()
        if env.get("POLICYQA_CHROMA_NAMESPACE"):
            values["chroma_namespace"] = env["POLICYQA_CHROMA_NAMESPACE"].strip()
        if env.get("POLICYQA_PAYER"):
            values["home_payer"] = env["POLICYQA_PAYER"].strip()
        if env.get("POLICYQA_FEEDBACK"):
            values["feedback_path"] = Path(env["POLICYQA_FEEDBACK"])
        if env.get("POLICYQA_LOCK_TIMEOUT"):
            values["lock_timeout_s"] = _positive_float("POLICYQA_LOCK_TIMEOUT", env["POLICYQA_LOCK_TIMEOUT"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("corpus", "index", "feedback_path"):
            if key in values and not isinstance(values[key], Path):
                values[key] = Path(str(values[key]))
        settings = replace(cls(), **values)
        settings.validate()
        return settings

    def validate(self) -> None:
        if self.embedder not in EMBEDDERS:
            raise ConfigError(
                f"POLICYQA_EMBEDDER={self.embedder!r} is not one of {', '.join(EMBEDDERS)}"
            )
        if self.chroma_url is not None:
            _validate_chroma_url(self.chroma_url)
        if self.chroma_token is not None and (not self.chroma_token or any(c.isspace() or not c.isprintable() for c in self.chroma_token)):
            # the value is a secret: say what is wrong with it, never echo it
            raise ConfigError("POLICYQA_CHROMA_TOKEN is empty or contains spaces or control characters")
        if not _NAMESPACE.fullmatch(self.chroma_namespace):
            raise ConfigError(
                f"POLICYQA_CHROMA_NAMESPACE={self.chroma_namespace!r} must be 1-40 letters, digits or hyphens, "
                f"starting with a letter or digit"
            )


def _validate_chroma_url(url: str) -> None:
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"POLICYQA_CHROMA_URL={url!r} must start with http:// or https://")
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError on a port that is not a number in 0-65535
    except ValueError as exc:
        raise ConfigError(f"POLICYQA_CHROMA_URL={url!r} is not a valid URL ({exc})") from None
    if not parts.hostname:
        raise ConfigError(f"POLICYQA_CHROMA_URL={url!r} names no host")
    if parts.username or parts.password:
        raise ConfigError("POLICYQA_CHROMA_URL must not carry credentials; put the token in POLICYQA_CHROMA_TOKEN")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(f"POLICYQA_CHROMA_URL={url!r} must be scheme://host:port with no path or query")


def _positive_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be greater than 0")
    return value
