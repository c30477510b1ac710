"""One finder per intent, registered in a table: each turns (policy view, question) into a Finding."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ...models import Intent, SectionKind
from ...search import LoadedIndex
from ..understanding import Understanding
from ..view import Finding, PolicyView
from . import measures
from .codes import codes
from .coverage import coverage_refined
from .criteria import criteria
from .dates import dates, history_event
from .passages import best_sentence, support
from .prior_approval import prior_approval

Finder = Callable[[LoadedIndex, PolicyView, Understanding], Finding]

FINDERS: dict[Intent, Finder] = {
    "coverage": coverage_refined,
    "criteria": criteria,
    "codes": codes,
    "prior_approval": prior_approval,
    "dates": dates,
}
# Intents answered by the best passage, looked for first in these sections.
PASSAGE_SECTIONS: dict[Intent, tuple[SectionKind, ...]] = {
    "definition": ("description", "definitions", "policy"),
    "evidence": ("guidelines", "rationale", "description"),
    "regulatory": ("regulatory", "description", "rationale"),
}


def find(index: LoadedIndex, view: PolicyView, u: Understanding) -> Finding:
    """The finder for what the question asks, about one policy."""
    if len(u.doc_keys) > 1 and u.content:
        # indication words are what is left once THIS policy's service words are taken out (and, as ever, what the
        # question says is absent or was tried)
        service = view.service_words() | set(u.negated) | set(u.tried)
        u = replace(u, indication=tuple(w for w in u.content if w not in service))
    intent = u.intent
    if intent in {"general", "dates"} or u.asks_when:
        event = history_event(view, u)
        if event is not None:
            return event
    if intent == "general":
        if u.codes and not u.indication:
            intent = "codes"
        elif u.asks_what:
            return best_sentence(index, view, u, ())
        else:
            intent = "coverage"
    if u.codes and (intent == "definition" or u.asks_listed):
        intent = "codes"
    finder = FINDERS.get(intent)
    if finder is not None:
        found = finder(index, view, u)
        return measures.check(found, u) if intent in {"coverage", "criteria"} else found
    return best_sentence(index, view, u, PASSAGE_SECTIONS.get(intent, ()))


__all__ = ["FINDERS", "Finder", "find", "support"]
