"""The answer engine: validate → screen → read the question → candidate policies → the finder for the intent → compose."""

from __future__ import annotations

import time
from typing import Any

from ..errors import QuestionError
from ..models import AUDIENCES
from ..search import LoadedIndex
from ..settings import Settings
from . import compose
from .candidates import Candidates
from .finders import find, support
from .question import QuestionReader
from .records import Answer, AnswerWriter
from .routing import screen, strip_attack, unanswered_route
from .view import build_view, profile

_INJECTION_NOTE = "Instructions or pasted 'policy updates' inside a question are ignored: answers come only from the policy documents."


class AnswerEngine:
    def __init__(self, settings: Settings | None = None, index: LoadedIndex | None = None,
                 writer: AnswerWriter | None = None):
        self.settings = settings or Settings.from_env()
        self.writer = writer
        self.index = index or LoadedIndex(self.settings)
        self.views = {key: build_view(self.index, p) for key, p in self.index.policies.items()}
        self.candidates = Candidates(self.index, self.settings)
        self.reader = QuestionReader(self.index.policies, self.index.vocabulary,
                                     profiles={key: profile(v) for key, v in self.views.items()},
                                     title_similarity=self.index.title_similarity
                                     if getattr(self.index.embedder, "semantic", False) else None)
        self.index.embedder.encode_query("warm up")  # load the model here, not on the first caller's question

    def ask(self, question: Any, *, history: list[str] | None = None, audience: str = "rep",
            answer_id: Any = None) -> Answer:
        started = time.perf_counter()
        self._validate(question, audience)
        screened = screen(question)
        if not screened.text:
            raise QuestionError("the question is empty")
        history = [h for h in (history or []) if isinstance(h, str) and h.strip()][-6:]
        history = [screen(h[: self.settings.max_question_chars]).text for h in history]
        notes = [_INJECTION_NOTE] if screened.injection else []
        if screened.route is not None:
            return compose.routed(answer_id, question, audience, screened.route, notes, started)
        if screened.injection:
            real = strip_attack(screened.text) or screened.text
            u = self.reader.read(real, [*history, screened.text])
        else:
            u = self.reader.read(screened.text, history)
        if u.unknown_payer and not u.payers:
            payer = u.unknown_payer.title()
            return self._unanswered(answer_id, question, audience, screened, notes, started, u,
                                    f"I don't have any {payer} medical policies, so I can't say what {payer} covers. "
                                    f"I only answer from the policies loaded here, which are {self.candidates.payers_loaded()}'s.")
        keys = self.candidates.select(u)
        if not keys:
            return self._unanswered(answer_id, question, audience, screened, notes, started, u,
                                    self.candidates.nothing_found(u))
        findings = [find(self.index, self.views[key], u) for key in keys]
        if len(findings) == 1:
            findings[0] = support(self.index, findings[0], u)
        return compose.compose(answer_id, question, audience, u, findings, notes, started, self.writer,
                               self.settings.home_payer)

    def _validate(self, question: Any, audience: str) -> None:
        if audience not in AUDIENCES:
            raise QuestionError(f"audience must be one of {', '.join(AUDIENCES)}, got {audience!r}")
        if not isinstance(question, str):
            raise QuestionError(f"the question must be text, got {type(question).__name__}")
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(
                f"the question is {len(question):,} characters; the limit is {self.settings.max_question_chars:,}. "
                f"Ask one thing at a time."
            )

    def _unanswered(self, answer_id, question, audience, screened, notes, started, u, message: str) -> Answer:
        # a question that names a health plan, a loaded policy's service or a code is about coverage, whatever its words
        about_plans = bool(u.payers or u.unknown_payer or u.doc_keys or u.codes or u.policy_ids)
        if not about_plans and unanswered_route(screened) == "off_topic":
            return compose.routed(answer_id, question, audience, "off_topic", notes, started)
        return compose.not_in_corpus(answer_id, question, audience, notes, started, message)
