"""One typed settings object, read once from options and the environment and passed down."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EMBEDDERS = ("minilm", "hashing")


@dataclass(frozen=True)
class Settings:
    corpus: Path = Path("corpus")
    index: Path = PROJECT_ROOT / ".index"
    embedder: str = "minilm"  # "hashing" is a model-free lexical embedder for tests and quick demos
    chroma_url: str | None = None  # reserved for server mode (issue 5); unset = embedded folder
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
        if self.chroma_url is not None and not self.chroma_url.startswith(("http://", "https://")):
            raise ConfigError(f"POLICYQA_CHROMA_URL={self.chroma_url!r} must start with http:// or https://")


def _positive_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be greater than 0")
    return value
