"""What the answer side hands out: citations, answers, and the seam for an optional generator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ..models import Audience, CitationRole, Intent, Route, Verdict


@dataclass(frozen=True)
class Citation:
    policy_id: str
    title: str
    payer: str
    section: str
    source: str
    start: int
    end: int
    quote: str
    score: float
    reviewed: str | None = None
    effective: str | None = None
    doc_key: str = ""
    role: CitationRole = "answer"

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy_id": self.policy_id, "title": self.title, "payer": self.payer, "section": self.section,
            "source": self.source, "start": self.start, "end": self.end, "quote": self.quote,
            "score": round(float(self.score), 4), "reviewed": self.reviewed, "effective": self.effective,
        }


@dataclass(frozen=True)
class Answer:
    id: Any
    question: str
    audience: Audience
    answer: str
    verdict: Verdict | None
    abstained: bool
    route: Route | None
    citations: tuple[Citation, ...]
    disclaimer: str
    latency_ms: float
    intent: Intent | None = None
    policies: tuple[dict[str, Any], ...] = ()
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "question": self.question, "audience": self.audience, "answer": self.answer,
            "verdict": self.verdict, "abstained": self.abstained, "route": self.route,
            "citations": [c.to_dict() for c in self.citations], "disclaimer": self.disclaimer,
            "latency_ms": round(self.latency_ms, 1), "intent": self.intent, "policies": list(self.policies),
            "notes": list(self.notes),
        }

    def render_text(self) -> str:
        lines = [self.answer]
        if self.citations:
            lines.append("")
            for n, c in enumerate(self.citations, 1):
                lines.append(f"[{n}] {c.payer} {c.policy_id} {c.title} — {c.section} [{c.start}:{c.end}]")
                lines.append("    \u201c" + " ".join(c.quote.split()) + "\u201d")
        lines += ["", self.disclaimer]
        return "\n".join(lines)


class AnswerWriter(Protocol):
    """The seam for an optional generator that rewords an answer. It gets the engine's draft and the verified
    citations and returns the text shown to the user; the verdict, route and quotes stay the engine's."""

    def write(self, *, question: str, audience: str, verdict: str | None, citations: tuple[Citation, ...],
              draft: str) -> str: ...
