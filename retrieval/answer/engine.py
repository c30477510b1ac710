"""The answer engine: validate → screen → read the question → candidate policies → the finder for the intent → compose."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from ..errors import QuestionError
from ..models import AUDIENCES
from ..search import LoadedIndex
from ..settings import Settings
from . import compose, spanish
from .candidates import Candidates
from .finders import find, support
from .question import QuestionReader
from .records import Answer, AnswerWriter
from .routing import screen, strip_attack, unanswered_route
from .safety import POSITIVE, UNSURE
from .services import _generic_title
from .view import Finding, build_view, names, profile

_INJECTION_NOTE = "Instructions or pasted 'policy updates' inside a question are ignored: answers come only from the policy documents."


class AnswerEngine:
    def __init__(self, settings: Settings | None = None, index: LoadedIndex | None = None,
                 writer: AnswerWriter | None = None):
        self.settings = settings or Settings.from_env()
        self.writer = writer
        self.index = index or LoadedIndex(self.settings)
        self.views = {key: build_view(self.index, p) for key, p in self.index.policies.items()}
        self.reader = QuestionReader(self.index.policies, self.index.vocabulary,
                                     profiles={key: profile(v) for key, v in self.views.items()},
                                     title_similarity=self.index.title_similarity
                                     if getattr(self.index.embedder, "semantic", False) else None,
                                     policy_frequency=getattr(self.index, "policy_frequency", None),
                                     payer_variants=getattr(self.index, "payer_variants", None))
        self.candidates = Candidates(self.index, self.settings, writes=self.reader.writes)
        self.reader.resolve = self.candidates.select
        self._code_reader = None
        self.index.embedder.encode_query("warm up")  # load the model here, not on the first caller's question

    def ask(self, question: Any, *, history: list[str] | None = None, audience: str = "rep",
            answer_id: Any = None) -> Answer:
        started = time.perf_counter()
        self._validate(question, audience)
        # a question in Spanish is read in the engine's English and answered in Spanish (lexicon/spanish.toml)
        language = "es" if spanish.is_spanish(question) else "en"
        history = [h for h in (history or []) if isinstance(h, str) and h.strip()][-6:]
        if language == "es":
            history = [spanish.to_english(h[: self.settings.max_question_chars]) if spanish.is_spanish(h) else h
                       for h in history]
        screened = screen(spanish.to_english(question) if language == "es" else question)
        if not screened.text:
            raise QuestionError("the question is empty")
        history = [screen(h[: self.settings.max_question_chars]).text for h in history]
        notes = [(spanish.INJECTION_NOTE if language == "es" else _INJECTION_NOTE)] if screened.injection else []
        if screened.route == "medical_advice" and not screened.injection:
            # "should I get prolo for my neck?": no advice, but what the policy says about the service, when it is loaded
            said = self._policy_on(screened.text, history, audience, language)
            return compose.routed(answer_id, question, audience, screened.route, notes, started, policy=said,
                                  language=language)
        if screened.route is not None:
            return compose.routed(answer_id, question, audience, screened.route, notes, started, language=language)
        if screened.injection:
            real = strip_attack(screened.text) or screened.text
            u = self.reader.read(real, [*history, screened.text])
        else:
            u = self.reader.read(screened.text, history)
        if u.unknown_payer and not u.payers:
            payer = u.unknown_payer if u.unknown_payer != u.unknown_payer.lower() else u.unknown_payer.title()
            loaded = self.candidates.payers_loaded()
            return self._unanswered(answer_id, question, audience, screened, notes, started, u,
                                    f"No tengo pólizas médicas de {payer}, así que no puedo decir qué cubre {payer}. "
                                    f"Solo respondo con las pólizas cargadas aquí, que son de {loaded}." if language == "es" else
                                    f"I don't have any {payer} medical policies, so I can't say what {payer} covers. "
                                    f"I only answer from the policies loaded here, which are {loaded}'s.", language)
        keys = self.candidates.select(u)
        if not keys:
            return self._unanswered(answer_id, question, audience, screened, notes, started, u,
                                    spanish.NOT_IN_CORPUS if language == "es" else self.candidates.nothing_found(u),
                                    language)
        if u.codes and u.intent in {"coverage", "general"} and not u.indication:
            # "Is CPT 20550 or M0076 covered?": the position on what each code bills, read where the policy states it
            findings = [self._for_codes(key, u) for key in keys]
        else:
            findings = [find(self.index, self.views[key], u) for key in keys]
        if len(findings) == 1:
            findings[0] = support(self.index, findings[0], u)
        if u.subject_guessed:
            # a follow-up read as going on with the conversation's subject though its words brushed another service:
            # the passages, never a "covered" read from a guess
            findings = [replace(f, verdict=None, note=UNSURE) if f.verdict in POSITIVE else f
                        for f in findings]
        findings = [replace(f, verdict=None, note=UNSURE) if f.verdict in POSITIVE and self._another_service(f, u) else f
                    for f in findings]
        return compose.compose(answer_id, question, audience, u, findings, notes, started, self.writer,
                               self.settings.home_payer, language)

    def _another_service(self, finding: Finding, u) -> bool:
        """ "Does SelectHealth cover the Inspire hypoglossal nerve stimulator?" answered from SelectHealth's oral
        appliance policy (the named plan's own policy on sleep apnea, which names the stimulator only to leave it out):
        a question that names a service other policies are titled by gets no 'covered' from a policy titled otherwise
        whose covering statement does not name that service."""
        if not u.doc_keys or finding.view.record.doc_key in u.doc_keys:
            return False
        view = finding.view
        titled = set().union(*(view_words for k in u.doc_keys
                               for view_words in [self.views[k].service_words()] if k in self.views))
        asked = titled - view.service_words() - _generic_title()
        if not asked:
            return False
        carrier = next((unit for unit, role, _ in finding.cites if role == "verdict"), None)
        statement = next((s for s in view.statements if carrier is s.unit or carrier in s.items), None)
        units = [x for x in [carrier, finding.matched_item, *(statement.items if statement else [])] if x is not None]
        if statement is not None:
            units.append(statement.unit)
        written = set().union(*(view.words(x) for x in units)) if units else set()
        return not any(names(w, written) for w in asked)

    def _policy_on(self, text: str, history: list[str], audience: str, language: str = "en") -> Answer | None:
        """What the loaded policies say about the service a question names, or None when it names none loaded."""
        u = self.reader.read(text, history)
        if not (u.doc_keys or u.policy_ids or u.codes):
            return None
        u = replace(u, intent="coverage")
        keys = self.candidates.select(u)
        if not keys:
            return None
        findings = [find(self.index, self.views[key], u) for key in keys[:1]]
        return compose.compose(None, text, audience, u, findings, [], time.perf_counter(), None, self.settings.home_payer,
                               language)

    def _for_codes(self, key: str, u) -> Finding:
        """One policy's position on the codes a question names: the code row's own mark, the lead-in of its code list,
        or the statement that names what the row describes (retrieval/lookup/codes.py); codes it does not list are
        named. Policies that state several positions and name none of the code's service get the passages, no verdict."""
        from ..lookup.catalogue import CodeCatalogue  # the lookups build on the engine; loaded on first use only
        from ..lookup.codes import CodeReader

        if self._code_reader is None:
            self._code_reader = CodeReader(self, CodeCatalogue(self.index))
        view = self.views[key]
        listed = [c for c in u.codes if key in self.index.policies_with_code(c)]
        missing = [c for c in u.codes if c not in listed]
        remark = (f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not listed in policy "
                  f"{view.record.meta.policy_id}.") if missing and listed else None
        if not listed:
            return replace(find(self.index, view, u), remark=remark)
        positions = [self._code_reader.position_units(code, key) for code in listed]
        verdicts = {p.verdict for p in positions}
        cites = []
        for p in positions:
            cites += [(x, "verdict", 1.0) for x in p.quotes] + [(x, "item", 0.9) for x in p.rows]
        if len(verdicts) == 1 and None not in verdicts:
            return Finding(view, positions[0].verdict, cites, remark=remark)
        cites += [(x, "context", 0.5) for p in positions for x in p.positions]
        return Finding(view, None, cites, note=UNSURE, remark=remark)

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

    def _unanswered(self, answer_id, question, audience, screened, notes, started, u, message: str,
                    language: str = "en") -> Answer:
        # a question that names a health plan, a loaded policy's service or a code is about coverage, whatever its words
        about_plans = bool(u.payers or u.unknown_payer or u.doc_keys or u.codes or u.policy_ids)
        if not about_plans and unanswered_route(screened) == "off_topic" and language != "es":
            return compose.routed(answer_id, question, audience, "off_topic", notes, started)
        return compose.not_in_corpus(answer_id, question, audience, notes, started, message, language)
