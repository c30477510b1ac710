"""Thumbs up/down on an answer (and, for a thumbs down, what was wrong), appended to a local JSONL file with personal
identifiers masked first."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock

from .privacy import mask
from .settings import Settings

RATINGS = ("up", "down")
# What a thumbs down can say was wrong: the stored key and the words the user picks it by.
REASONS = {
    "wrong_verdict": "The verdict is wrong",
    "quote_does_not_support": "The quote doesn't back it up",
    "wrong_policy": "Wrong policy or plan",
    "not_answered": "It didn't answer my question",
    "unclear": "Hard to understand",
    "other": "Something else",
}
MAX_COMMENT_CHARS = 1000


@dataclass(frozen=True)
class FeedbackRecord:
    """One line of the feedback file. Only written when a user gives feedback: no question is kept otherwise."""

    answer_id: str
    rating: str | None  # "up" | "down" | None when the user took their rating back
    audience: str
    question: str  # masked
    verdict: str | None
    route: str | None
    policies: tuple[str, ...]  # policy ids cited, governing one first
    at: str  # UTC, ISO 8601
    reasons: tuple[str, ...] = ()  # keys of REASONS, given with a thumbs down
    comment: str | None = None  # the user's own words with it, masked and cut to MAX_COMMENT_CHARS


class FeedbackLog:
    """Append-only: a changed rating is a new line; the last line for an answer id is the one that counts."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> FeedbackLog:
        return cls(settings.feedback_path)

    def record(self, *, answer_id: str, rating: str | None, question: str, audience: str,
               verdict: str | None = None, route: str | None = None, policies: Sequence[str] = (),
               reasons: Sequence[str] = (), comment: str | None = None) -> FeedbackRecord:
        if rating is not None and rating not in RATINGS:
            raise ValueError(f"feedback rating must be one of {', '.join(RATINGS)} or None, got {rating!r}")
        unknown = [r for r in reasons if r not in REASONS]
        if unknown:
            raise ValueError(f"feedback reasons must be among {', '.join(REASONS)}, got {unknown!r}")
        comment = mask(comment.strip()[:MAX_COMMENT_CHARS]) if comment and comment.strip() else None
        entry = FeedbackRecord(
            answer_id=str(answer_id), rating=rating, audience=audience, question=mask(question),
            verdict=verdict, route=route, policies=tuple(dict.fromkeys(policies)),
            at=datetime.now(UTC).isoformat(timespec="seconds"), reasons=tuple(dict.fromkeys(reasons)), comment=comment,
        )
        line = json.dumps(asdict(entry), ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Several Streamlit sessions (threads) and possibly several server processes append to one file.
        with self._lock, FileLock(str(self.path) + ".lock", timeout=5), self.path.open("a", encoding="utf-8") as out:
            out.write(line)
        return entry

    def read(self) -> list[FeedbackRecord]:
        if not self.path.exists():
            return []
        records = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                row["policies"] = tuple(row.get("policies", ()))
                row["reasons"] = tuple(row.get("reasons", ()))
                records.append(FeedbackRecord(**row))
        return records
