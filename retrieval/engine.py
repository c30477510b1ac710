"""The answer engine: a question in, a verdict with verbatim quotes (or an honest route elsewhere) out."""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from .errors import PolicyQAError, QuestionError, QuoteIntegrityError
from .models import AUDIENCES
from .query import QuestionReader, Understanding, content_words
from .routing import screen, strip_attack
from .search import LoadedIndex, PolicyRecord, UnitRecord
from .settings import Settings
from .verdicts import polarity_agrees
from .vocabulary import HEALTH_WORDS

DISCLAIMER = (
    "This answer comes from an automated assistant that reads the plan's medical policies. A medical policy is not "
    "medical advice and does not promise payment: what is paid depends on the member's benefits and contract. Talk "
    "with your doctor about treatment. To reach a person, call Customer Service at the number on the member ID card."
)
CONTACT = "call Customer Service at the number on your member ID card"
VERDICT_LABEL = {
    "covered": "Covered (medically necessary)",
    "covered_with_criteria": "Covered when criteria are met",
    "investigational": "Investigational (not covered)",
    "not_medically_necessary": "Not medically necessary",
    "not_covered": "Not covered",
    "no_statement": "No statement in the policy",
}
VERDICT_PLAIN = {
    "covered": "the policy considers it medically necessary",
    "covered_with_criteria": "the policy considers it medically necessary only when certain conditions are met",
    "investigational": "the policy considers it investigational (unproven), and plans usually do not pay for investigational services",
    "not_medically_necessary": "the policy considers it not medically necessary, and plans usually do not pay for such services",
    "not_covered": "the policy says it is not covered",
    "no_statement": "the policy does not say anything about this use",
}
STATEMENT_SECTIONS = {"policy", "criteria", "exclusions"}
# Thresholds for answering from retrieval alone (no service, code or policy named); calibrated on evals/gold.jsonl.
RETRIEVAL_MIN_DENSE = 0.50
RETRIEVAL_MIN_LEXICAL = 2.0
INDICATION_MIN_MATCH = 0.5
UNKNOWN_WORDS_MIN_DENSE = 0.45
_NOT_LIMITED = re.compile(r"\bnot limited to (?:particular|specific|certain|any) (?:diagnoses|conditions|indications|uses)\b", re.I)
_QUALIFIED = re.compile(r"\b(?:for|when|if|who|unless|except|only|with|in|following|under|after|before)\b", re.I)
_EVENT = re.compile(
    r"\b(?:what (?:changed|happened)|chang\w*|added|add|removed|happen\w*|(?:January|February|March|April|May|June|July|"
    r"August|September|October|November|December)\s+(?:19|20)\d\d|in (?:19|20)\d\d)\b", re.I)
_DATE_QUESTION_WORDS = {"when", "date", "review", "revis", "updat", "chang", "happen", "last", "polici", "effect",
                        "origin", "what", "did", "was", "were"}
_AGE = re.compile(r"\b(\d{1,2})[- ]?(?:years?[- ]old|yrs?[- ]old|yo\b|y/o)|\b(?:is|age[sd]?|aged) (\d{1,2})\b(?! ?(?:%|percent|kg|mg|months|weeks|days))", re.I)
_GENERIC_INDICATION = {"pain", "low", "chronic", "acut", "sever", "mild", "condit", "disord", "diseas", "syndrom", "treat", "adult", "child", "patient", "member"}


class AnswerWriter(Protocol):
    """The seam for an optional generator that rewords an answer. It gets the engine's draft and the verified
    citations and returns the text shown to the user; the verdict, route and quotes stay the engine's."""

    def write(self, *, question: str, audience: str, verdict: str | None, citations: tuple[Citation, ...],
              draft: str) -> str: ...


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
    role: str = "answer"  # answer | verdict | item | context

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
    audience: str
    answer: str
    verdict: str | None
    abstained: bool
    route: str | None
    citations: tuple[Citation, ...]
    disclaimer: str
    latency_ms: float
    intent: str | None = None
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


@dataclass
class _Statement:
    unit: UnitRecord
    items: list[UnitRecord] = field(default_factory=list)


@dataclass
class _PolicyView:
    """What a question about one policy needs, worked out once at load time."""

    record: PolicyRecord
    statements: list[_Statement]
    units_by_section_kind: dict[str, list[UnitRecord]]
    units: list[UnitRecord] = field(default_factory=list)
    unit_words: dict[str, set[str]] = field(default_factory=dict)
    policy_words: set[str] | None = None
    _document_frequency: dict[str, int] | None = None

    @property
    def document_frequency(self) -> dict[str, int]:
        """Stemmed on first use, not at load: at 1,000 policies stemming every sentence up front took ~2 s."""
        if self._document_frequency is None:
            frequency: dict[str, int] = {}
            for unit in self.units:
                for word in self.words(unit):
                    frequency[word] = frequency.get(word, 0) + 1
            self._document_frequency = frequency  # assigned whole: a concurrent reader never sees half of it
        return self._document_frequency

    def words(self, unit: UnitRecord) -> set[str]:
        words = self.unit_words.get(unit.unit_id)
        if words is None:
            words = self.unit_words[unit.unit_id] = set(content_words(self.record.text[unit.start:unit.end]))
        return words

    def all_words(self) -> set[str]:
        """Every content word of the policy, stemmed once (a question must not re-read the whole policy)."""
        if self.policy_words is None:
            self.policy_words = set(content_words(self.record.text))
        return self.policy_words

    def idf(self, word: str) -> float:
        """Rare in this policy = telling: "balloon" outweighs "weight" in a bariatric policy."""
        frequency = self.document_frequency
        n = max(1, len(self.unit_words))  # every unit's words are known once the frequencies are
        return math.log(1 + n / (1 + frequency.get(word, 0)))


@dataclass
class _Finding:
    """One policy's answer before it is put into words."""

    view: _PolicyView
    verdict: str | None
    cites: list[tuple[UnitRecord, str, float]]  # (unit, role, score)
    matched_item: UnitRecord | None = None
    note: str | None = None


class AnswerEngine:
    def __init__(self, settings: Settings | None = None, index: LoadedIndex | None = None,
                 writer: AnswerWriter | None = None):
        self.settings = settings or Settings.from_env()
        self.writer = writer
        self.index = index or LoadedIndex(self.settings)
        self.views = {key: self._view(p) for key, p in self.index.policies.items()}
        self._by_policy_id = {p.meta.policy_id: k for k, p in self.index.policies.items()}
        self._by_payer: dict[str, set[str]] = {}
        for key, p in self.index.policies.items():
            self._by_payer.setdefault(p.meta.payer, set()).add(key)
        self.reader = QuestionReader(self.index.policies, self.index.vocabulary,
                                     profiles={key: self._profile(v) for key, v in self.views.items()})
        self.index.embedder.encode_query("warm up")  # load the model here, not on the first caller's question
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ public
    def ask(self, question: Any, *, history: list[str] | None = None, audience: str = "rep",
            answer_id: Any = None) -> Answer:
        started = time.perf_counter()
        question = self._validate(question, audience)
        history = [h for h in (history or []) if isinstance(h, str) and h.strip()][-6:]
        history = [screen(h[: self.settings.max_question_chars]).text for h in history]
        screened = screen(question)
        notes: list[str] = []
        if screened.injection:
            notes.append("Instructions or pasted 'policy updates' inside a question are ignored: answers come only from the policy documents.")
        if screened.route is not None:
            return self._routed(answer_id, question, audience, screened.route, notes, started)
        if screened.injection:
            real = strip_attack(screened.text) or screened.text
            understanding = self.reader.read(real, [*history, screened.text])
        else:
            understanding = self.reader.read(screened.text, history)
        if understanding.unknown_payer and not understanding.payers:
            return self._not_in_corpus(answer_id, question, audience, notes, started,
                                       f"I don't have any {understanding.unknown_payer.title()} medical policies, so I can't say what "
                                       f"{understanding.unknown_payer.title()} covers. I only answer from the policies loaded here.")
        candidates = self._candidates(understanding)
        if not candidates:
            return self._not_in_corpus(answer_id, question, audience, notes, started, self._nothing_found(understanding))
        findings = [self._find(self.views[key], understanding) for key in candidates]
        if len(findings) == 1:
            findings[0] = self._support(findings[0], understanding)
        return self._compose(answer_id, question, audience, understanding, findings, notes, started)

    # ------------------------------------------------------------------ steps
    def _validate(self, question: Any, audience: str) -> str:
        if audience not in AUDIENCES:
            raise QuestionError(f"audience must be one of {', '.join(AUDIENCES)}, got {audience!r}")
        if not isinstance(question, str):
            raise QuestionError(f"the question must be text, got {type(question).__name__}")
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(
                f"the question is {len(question):,} characters; the limit is {self.settings.max_question_chars:,}. "
                f"Ask one thing at a time."
            )
        if not screen(question).text:
            raise QuestionError("the question is empty")
        return question

    def _candidates(self, u: Understanding) -> list[str]:
        """Policies that govern the question, best first; [] when the corpus has none."""
        keys: list[str] = []
        keys += [self._by_policy_id[pid] for pid in u.policy_ids if pid in self._by_policy_id]
        for code in u.codes:
            for n in self.index._exact.get(code, ()):
                key = self.index.chunks[n].doc_key
                if key not in keys and (not u.doc_keys or key in u.doc_keys):
                    keys.append(key)
        if not keys:
            keys = list(u.doc_keys)
        if u.payers:
            keys = [k for k in keys if self.index.policies[k].meta.payer in u.payers]
            if not keys and u.doc_keys:
                return []  # the named payer has no policy on this service: never answer from another payer's
        if not keys and not u.doc_keys and not u.codes:
            keys = self._from_retrieval(u)
        if not keys:
            return []
        if not u.payers and not u.policy_ids and len(keys) > 1:
            home = (self.settings.home_payer or "").lower()
            if home:
                # a plan's own policy answers its members' questions; other plans' policies follow as context
                keys.sort(key=lambda k: self.index.policies[k].meta.payer.lower() != home)
            top = self.index.policies[keys[0]]
            same_service = [k for k in keys if self._same_service(top, self.index.policies[k])]
            keys = same_service if not u.comparison else keys
        elif u.payers and not u.comparison:
            keys = keys[:1] if len(u.payers) == 1 else keys
        return keys[:4]

    def _same_service(self, a: PolicyRecord, b: PolicyRecord) -> bool:
        words_a = set(content_words(a.meta.title))
        words_b = set(content_words(b.meta.title))
        return bool(words_a & words_b)

    def _from_retrieval(self, u: Understanding) -> list[str]:
        doc_keys = None
        if u.payers:
            doc_keys = set().union(*(self._by_payer.get(payer, set()) for payer in u.payers))
        passages = self.index.search(u.expanded, k=5, doc_keys=doc_keys)
        if not passages:
            return []
        top = passages[0]
        if top.dense >= RETRIEVAL_MIN_DENSE and (top.lexical >= RETRIEVAL_MIN_LEXICAL or top.exact):
            return [top.chunk.doc_key]
        return []

    def _nothing_found(self, u: Understanding) -> str:
        if u.payers and u.doc_keys:
            payer = ", ".join(u.payers)
            service = self.index.policies[u.doc_keys[0]].meta.title
            return (f"I couldn't find a {payer} policy on {service.lower()} in the policies loaded here, so I can't say "
                    f"what {payer} covers for it. Other plans' policies don't apply to {payer} members.")
        if u.codes:
            return f"The code {', '.join(u.codes)} does not appear in any policy loaded here."
        return "I couldn't find a medical policy that answers this in the policies loaded here, so I won't guess."

    # ------------------------------------------------------------------ one policy
    def _view(self, policy: PolicyRecord) -> _PolicyView:
        units = [self.index.units[uid] for n in policy.chunk_indexes for uid in self.index.chunks[n].unit_ids]
        units.sort(key=lambda u: u.start)
        by_kind: dict[str, list[UnitRecord]] = {}
        for unit in units:
            by_kind.setdefault(unit.section_kind, []).append(unit)
        statements: dict[str, _Statement] = {}
        candidates = [u for u in units if u.verdict and u.section_kind in STATEMENT_SECTIONS]
        if not candidates:
            candidates = [u for u in units if u.verdict and u.section_kind not in
                          {"disclaimer", "benefit", "references", "history", "rationale", "guidelines", "description", "header"}]
        for unit in candidates:
            statements[unit.unit_id] = _Statement(unit)
        for unit in units:
            if unit.kind == "list_item" and unit.parent in statements and unit.unit_id not in statements:
                statements[unit.parent].items.append(unit)
        ordered = sorted(statements.values(), key=lambda s: s.unit.start)
        return _PolicyView(policy, ordered, by_kind, units)

    def _profile(self, view: _PolicyView) -> str:
        text = view.record.text
        parts = [view.record.meta.title, *view.record.meta.aliases]
        for statement in view.statements:
            parts += [text[x.start:x.end] for x in [statement.unit, *statement.items]]
        return " ".join(parts)

    def _find(self, view: _PolicyView, u: Understanding) -> _Finding:
        if len(u.doc_keys) > 1 and u.content:
            # indication words are what is left once THIS policy's service words are taken out
            service = set(content_words(" ".join([view.record.meta.title, *view.record.meta.aliases])))
            u = replace(u, indication=tuple(w for w in u.content if w not in service))
        intent = u.intent
        if intent in {"general", "dates"} or re.match(r"\s*when\b", u.text, re.I):
            event = self._history_event(view, u)
            if event is not None:
                return event
        if intent == "general":
            asks_what = re.match(r"\s*(?:what|which|how|why|who|where|describe|explain|tell me)\b(?! about\b)", u.text, re.I)
            if u.codes and not u.indication:
                intent = "codes"
            elif asks_what:
                return self._best_sentence(view, u, ())
            else:
                intent = "coverage"
        if u.codes and (intent == "definition" or re.search(r"\b(?:in (?:the|this|that) [\w\s']{0,40}polic|listed|included)", u.text, re.I)):
            intent = "codes"
        if intent == "coverage":
            return self._refine(view, u, self._coverage(view, u))
        if intent == "criteria":
            return self._criteria(view, u)
        if intent == "codes":
            return self._codes(view, u)
        if intent == "prior_approval":
            return self._prior_approval(view, u)
        if intent == "dates":
            return self._dates(view, u)
        kinds = {
            "definition": ("description", "definitions", "policy"),
            "evidence": ("guidelines", "rationale", "description"),
            "regulatory": ("regulatory", "description", "rationale"),
        }.get(intent, ())
        return self._best_sentence(view, u, kinds)

    def _coverage(self, view: _PolicyView, u: Understanding) -> _Finding:
        if not view.statements:
            return self._best_sentence(view, u, ("policy", "criteria", "exclusions", "description"), verdict="no_statement",
                                       note="The policy has no coverage statement I can read.")
        policy_words = view.all_words()
        # words the policy never uses cannot pick a statement ("my husband has cancer pain": only "cancer" can)
        indication = [w for w in u.indication if w in policy_words]
        unknown = [w for w in u.indication if w not in policy_words and w not in _GENERIC_INDICATION]
        best: tuple[float, _Statement, UnitRecord | None] | None = None
        if indication:
            for statement in view.statements:
                for unit in [statement.unit, *statement.items]:
                    score = self._match(indication, unit, view)
                    if unit is statement.unit:
                        score *= 0.9  # a named list item is the more specific match
                    if best is None or score > best[0]:
                        best = (score, statement, None if unit is statement.unit else unit)
        catch_all = next((s for s in view.statements
                          if (s.unit.catch_all or self._universal(view, s)) and self._about_service(view, s)), None)
        age = _age(u.text)
        if age is not None:
            fitting = [s for s in view.statements if _age_fits(age, view.record.text[s.unit.start:s.unit.end])]
            if fitting:
                return _Finding(view, fitting[0].unit.verdict, [(fitting[0].unit, "verdict", 1.0)])
        if best is not None and unknown and INDICATION_MIN_MATCH <= best[0] < 0.85:
            # words the policy never uses ("phantom limb pain"): a partial word match must also mean the same thing
            phrase = " ".join(_surface(u.text, tuple(u.indication)))
            target = best[2] or best[1].unit
            vector = self.index.unit_vector(target.unit_id)
            if vector is not None and float(vector @ self.index.embedder.encode_query(phrase)) < UNKNOWN_WORDS_MIN_DENSE:
                if catch_all is None:
                    cites = [(s.unit, "context", 0.5) for s in view.statements[:3]]
                    return _Finding(view, "no_statement", cites, note=" ".join(_surface(u.text, unknown)))
                best = None
        if best is not None and best[0] >= INDICATION_MIN_MATCH and self._describes_better(view, indication, best[0]):
            best = None  # the question names a procedure the policy describes (and covers), not one of its exceptions
            primary = view.statements[0]
            return _Finding(view, primary.unit.verdict, [(primary.unit, "verdict", 1.0)])
        if best is not None and best[0] >= INDICATION_MIN_MATCH:
            _, statement, item = best
            if item is not None and item.verdict and item.verdict != statement.unit.verdict:
                return _Finding(view, item.verdict, [(item, "verdict", best[0])], item)
            cites = [(statement.unit, "verdict", best[0])]
            if item is not None:
                cites.append((item, "item", best[0]))
            return _Finding(view, statement.unit.verdict, cites, item)
        if (indication or unknown) and catch_all is not None:
            return _Finding(view, catch_all.unit.verdict, [(catch_all.unit, "verdict", 1.0)],
                            note="applies to uses the list does not name")
        if unknown and not indication:
            cites = [(s.unit, "context", 0.5) for s in view.statements[:3]]
            return _Finding(view, "no_statement", cites, note=" ".join(_surface(u.text, unknown)))
        if indication:
            # the policy uses the words outside its statement lists: a verdict sentence that names them carries it
            sentences = [x for k in STATEMENT_SECTIONS for x in view.units_by_section_kind.get(k, []) if x.verdict]
            scored = sorted(((self._match(indication, x, view), x) for x in sentences), key=lambda t: -t[0])
            if scored and scored[0][0] >= INDICATION_MIN_MATCH:
                return _Finding(view, scored[0][1].verdict, [(scored[0][1], "verdict", scored[0][0])])
        primary = view.statements[0]
        cites = [(primary.unit, "verdict", 1.0)]
        cites += [(s.unit, "context", 0.5) for s in view.statements[1:3] if s.unit.verdict != primary.unit.verdict]
        return _Finding(view, primary.unit.verdict, cites)

    def _refine(self, view: _PolicyView, u: Understanding, finding: _Finding) -> _Finding:
        """A sentence of the policy statement that names exactly what was asked ("Revision of a previous cosmetic
        rhinoplasty is not covered.") is quoted first; when it states a different verdict, it carries the answer."""
        if not u.indication or finding.verdict in {None, "no_statement"}:
            return finding
        cited = {unit.unit_id for unit, _, _ in finding.cites}
        kinds = {s.unit.section_kind for s in view.statements} | STATEMENT_SECTIONS
        pool = [x for k in kinds for x in view.units_by_section_kind.get(k, [])
                if x.kind in {"sentence", "lead_in", "list_item"}]
        scored = sorted(((self._match(list(u.indication), x, view), x) for x in pool), key=lambda t: -t[0])
        if not scored or scored[0][0] < 0.6 or scored[0][1].unit_id in cited:
            return finding
        score, best = scored[0]
        current = max((sc for _, role, sc in finding.cites if role in {"verdict", "item"}), default=0.0)
        if best.verdict and best.verdict != finding.verdict and best.verdict != "no_statement" and score > current:
            return _Finding(finding.view, best.verdict, [(best, "verdict", score)], best)
        if best.verdict == "no_statement" and score > current:
            return _Finding(finding.view, "no_statement", [(best, "verdict", score)], best)
        if best.verdict and best.verdict == finding.verdict:
            return _Finding(finding.view, finding.verdict, [(best, "verdict", score), *finding.cites], best)
        position = 0 if score > current else 1
        cites = list(finding.cites)
        cites.insert(position, (best, "item", score))
        return _Finding(finding.view, finding.verdict, cites, finding.matched_item, finding.note)

    def _support(self, finding: _Finding, u: Understanding, want: int = 3) -> _Finding:
        """Supporting passages after the carrier: the sentences of the policy closest to what was asked."""
        if len(finding.cites) >= want or finding.note == "silent on prior approval":
            return finding
        view = finding.view
        cited = {(x.start, x.end) for x, _, _ in finding.cites}
        pool = [x for x in self._all_units(view)
                if x.kind in {"sentence", "lead_in", "list_item", "code_row"} and x.section_kind not in
                {"references", "disclaimer", "benefit", "header", "history"} and (x.start, x.end) not in cited]
        if not pool:
            return finding
        words = list(u.indication) or [w for w in content_words(u.expanded)]
        extra = [(x, "support", sc) for sc, x in self._rank(view, u, pool, words)[: want - len(finding.cites)]]
        return _Finding(view, finding.verdict, [*finding.cites, *extra], finding.matched_item, finding.note)

    def _describes_better(self, view: _PolicyView, indication: list[str], statement_score: float) -> bool:
        described = [x for k in ("description", "definitions") for x in view.units_by_section_kind.get(k, [])
                     if x.kind == "list_item"]
        best = max((self._match(indication, x, view) for x in described), default=0.0)
        return best >= 0.9 and best > statement_score + 0.15

    def _about_service(self, view: _PolicyView, statement: _Statement) -> bool:
        """ "Autologous protein solution ... is investigational for all indications" is no catch-all for PRP."""
        meta = view.record.meta
        service = set(content_words(" ".join([meta.title, *meta.aliases])))
        return bool(service & view.words(statement.unit))

    def _universal(self, view: _PolicyView, statement: _Statement) -> bool:
        """ "Acupuncture ... is covered." with no list and no qualifier, or "Coverage is not limited to particular diagnoses." """
        text = view.record.text
        for x in view.units_by_section_kind.get(statement.unit.section_kind, []):
            if not x.verdict and _NOT_LIMITED.search(text[x.start:x.end]):
                return True
        sentence = text[statement.unit.start:statement.unit.end]
        return not statement.items and not _QUALIFIED.search(sentence.replace("with or without", ""))

    def _indication_in_policy(self, indication: list[str], view: _PolicyView) -> bool:
        """True when the policy's statements name the indication somewhere (then the primary statement is the answer)."""
        for statement in view.statements:
            for unit in [statement.unit, *statement.items]:
                if self._match(indication, unit, view) >= INDICATION_MIN_MATCH:
                    return True
        return False

    def _match(self, indication: list[str], unit: UnitRecord, view: _PolicyView) -> float:
        """How much of the question's indication a unit names: in-policy IDF-weighted recall, plus a little precision."""
        words = view.words(unit)
        found = [w for w in indication if _names(w, words)]
        if not found or all(w in _GENERIC_INDICATION for w in found):
            return 0.0
        total = sum(view.idf(w) * _weight(w) for w in indication)
        hit = sum(view.idf(w) * _weight(w) for w in found)
        precision = len(found) / max(1, len(words))
        recall = hit / total
        if unit.kind == "list_item" and len(words) <= 4:
            # a short list item the question names in full ("Epicondylitis" for "tennis elbow") is a match,
            # even when the lay words brought extra ones along
            covered = sum(view.idf(w) for w in words if _names(w, set(indication)))
            recall = max(recall, 0.9 * covered / max(1e-9, sum(view.idf(w) for w in words)))
        return recall + 0.1 * precision

    def _criteria(self, view: _PolicyView, u: Understanding) -> _Finding:
        if not view.statements or _age(u.text) is not None:
            return self._coverage(view, u)
        # the criteria may sit under the statement or under their own lead-in ("Criteria (all must be met):")
        pool: list[tuple[_Statement, UnitRecord]] = []
        for s in view.statements:
            pool += [(s, item) for item in s.items]
            pool += [(s, item) for item in self._following_list(view, s)]
            pool += [(s, x) for x in self._sentences_after(view, s)]
        owner = {item.unit_id: s for s, item in pool}
        bmi = _bmi(u.text)
        if bmi is not None:
            fits = [(s, item) for s, item in pool if _range_fits(bmi, view.record.text[item.start:item.end])]
            if fits:
                statement, item = fits[0]
                return _Finding(view, statement.unit.verdict, [(item, "item", 1.0), (statement.unit, "verdict", 1.0)], item)
        if pool and u.indication:
            ranked = self._rank(view, u, [item for _, item in pool], list(u.indication))
            score, item = ranked[0]
            statement = owner[item.unit_id]
            return _Finding(view, statement.unit.verdict, [(item, "item", score), (statement.unit, "verdict", score)], item)
        with_criteria = [s for s in view.statements if s.unit.verdict == "covered_with_criteria"] or view.statements
        statement = with_criteria[0]
        items = statement.items or self._following_list(view, statement)
        cites = [(statement.unit, "verdict", 1.0)] + [(i, "item", 0.5) for i in items[:6]]
        return _Finding(view, statement.unit.verdict, cites)

    def _sentences_after(self, view: _PolicyView, statement: _Statement) -> list[UnitRecord]:
        """Plain sentences that qualify a statement, up to the next statement ("Limited to one per 3 years.")."""
        units = view.units_by_section_kind.get(statement.unit.section_kind, [])
        out = []
        for x in units:
            if x.start <= statement.unit.start or x.kind != "sentence":
                continue
            if x.verdict:
                break
            out.append(x)
            if len(out) >= 4:
                break
        return out

    def _following_list(self, view: _PolicyView, statement: _Statement) -> list[UnitRecord]:
        """A criteria list set out under its own lead-in right after the statement."""
        units = view.units_by_section_kind.get(statement.unit.section_kind, [])
        after = [x for x in units if x.start > statement.unit.start]
        items: list[UnitRecord] = []
        lead = None
        for x in after:
            if lead is None:
                if x.kind in {"lead_in"} and not x.verdict:
                    lead = x
                    continue
                if x.kind == "list_item" and x.parent == statement.unit.unit_id:
                    continue
                if x.kind in {"sentence", "lead_in"}:
                    break
            else:
                if x.kind == "list_item" and x.parent == lead.unit_id:
                    items.append(x)
                elif x.kind != "list_item":
                    break
        return items

    def _codes(self, view: _PolicyView, u: Understanding) -> _Finding:
        units = [x for x in view.units_by_section_kind.get("codes", []) if x.kind in {"list_item", "code_row"}]
        if not units:
            units = [x for x in self._all_units(view) if x.kind in {"list_item", "code_row"} and _has_code(view, x)]
        besides = re.search(r"\b(?:besides|other than|except|apart from|in addition to|aside from)\b", u.text, re.I)
        if u.codes and besides:
            others = [x for x in units if _has_code(view, x) and not any(c in view.record.text[x.start:x.end].upper() for c in u.codes)]
            if others:
                return _Finding(view, None, [(x, "answer", 1.0) for x in others[:8]])
        if u.codes:
            wanted = [x for x in units if any(c in view.record.text[x.start:x.end].upper() for c in u.codes)]
            if wanted:
                return _Finding(view, None, [(x, "answer", 1.0) for x in wanted[:4]])
        with_codes = [x for x in units if _has_code(view, x)] or units
        if not with_codes:
            return self._best_sentence(view, u, ("codes",), note="The policy lists no procedure codes.")
        if u.indication:
            scored = sorted(with_codes, key=lambda x: -self._match(list(u.indication), x, view))
            if self._match(list(u.indication), scored[0], view) > 0:
                with_codes = scored
        return _Finding(view, None, [(x, "answer", 1.0) for x in with_codes[:8]])

    def _prior_approval(self, view: _PolicyView, u: Understanding) -> _Finding:
        units = [x for x in view.units_by_section_kind.get("prior_approval", []) if x.kind not in {"heading", "line"}]
        if units:
            words = [w for w in u.indication if w not in {"prior", "approv", "author", "requir", "need", "again"}]
            ranked = [(1.0, x) for x in units]
            if words:
                scored = self._rank(view, u, units, words)
                if self._match(words, scored[0][1], view) > 0:
                    ranked = scored
            top = self._paragraph(view, ranked[0][1], units)
            rest = [(x, "answer", sc) for sc, x in ranked[1:3] if not (top.start <= x.start < top.end)]
            return _Finding(view, None, [(top, "answer", ranked[0][0]), *rest])
        mentions = [x for x in self._all_units(view)
                    if x.section_kind not in {"references", "history", "disclaimer"} and x.kind != "heading"
                    and _mentions_prior_approval(view.record.text[x.start:x.end])]
        if mentions:
            return _Finding(view, None, [(x, "answer", 1.0) for x in mentions[:2]])
        cites = [(view.statements[0].unit, "context", 0.5)] if view.statements else []
        return _Finding(view, None, cites, note="silent on prior approval")

    def _dates(self, view: _PolicyView, u: Understanding) -> _Finding:
        record = view.record
        wanted = u.date_field or "reviewed"
        header_units = [x for x in view.units_by_section_kind.get("header", []) if x.kind in {"field", "line"}]
        event = self._history_event(view, u)
        if event is not None:
            return event
        asked = u.text.lower()
        if "effective" in asked and not re.search(r"original|first|origin", asked):
            exact = [x for x in header_units if record.text[x.start:x.end].lower().startswith("effective date")]
            if exact:
                return _Finding(view, None, [(exact[0], "answer", 1.0)])
        by_name = {f.name: f for f in record.header}
        order = [wanted] + [n for n in ("reviewed", "revised", "effective") if n != wanted]
        fields = [by_name[n] for n in order if n in by_name]
        units = {(x.start): x for x in view.units_by_section_kind.get("header", []) if x.kind == "field"}
        cites = []
        for f in fields:
            unit = next((x for x in units.values() if x.start <= f.start < x.end or f.start <= x.start < f.end), None)
            if unit is not None:
                cites.append((unit, "answer", 1.0 if f.name == wanted else 0.6))
        if not cites or fields[0].name != wanted:
            return _Finding(view, None, cites, note=f"no {wanted} date")
        if re.search(r"\bwhat (?:changed|was changed|happened)|\bwhy\b", u.text, re.I):
            value = fields[0].value.lower()
            for x in view.units_by_section_kind.get("history", []):
                if value and value in record.text[x.start:x.end].lower():
                    return _Finding(view, None, [(x, "answer", 1.0), *cites])
        return _Finding(view, None, cites)

    def _history_event(self, view: _PolicyView, u: Understanding) -> _Finding | None:
        """ "What changed in October 2019?", "When were the codes added?": the policy history line that says so."""
        history = [x for x in view.units_by_section_kind.get("history", []) if x.kind in {"list_item", "code_row", "sentence"}]
        if not history or not _EVENT.search(u.text):
            return None
        asked = [w for w in _stems(u.text) if w not in _DATE_QUESTION_WORDS and w not in _STOP]
        asked = [w for w in asked if w not in _stems(" ".join(self.index.policies[view.record.doc_key].meta.payer.split()))]
        asked += re.findall(r"\b(?:19|20)\d\d\b", u.text)
        asked += [m.lower() for m in re.findall(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December)\b", u.text)]
        title = set(content_words(view.record.meta.title))
        asked = [w for w in dict.fromkeys(asked) if w not in title]
        if not asked:
            return None
        scored = []
        for x in history:
            words = set(_stems(view.record.text[x.start:x.end])) | set(re.findall(r"[a-z0-9]+", view.record.text[x.start:x.end].lower()))
            hit = sum(1 for w in asked if w in words)
            scored.append((hit / len(asked), x))
        scored.sort(key=lambda t: -t[0])
        if scored[0][0] < 0.34:
            return None
        return _Finding(view, None, [(scored[0][1], "answer", scored[0][0])])

    def _best_sentence(self, view: _PolicyView, u: Understanding, kinds: tuple[str, ...], *,
                       verdict: str | None = None, note: str | None = None) -> _Finding:
        pool = [x for k in kinds for x in view.units_by_section_kind.get(k, []) if x.kind in {"sentence", "lead_in", "list_item"}]
        if not pool:
            pool = [x for x in self._all_units(view) if x.kind in {"sentence", "lead_in", "list_item", "code_row"}
                    and x.section_kind not in {"references", "disclaimer", "benefit"}]
        if not pool:
            return _Finding(view, verdict, [], note=note)
        vector = self.index.embedder.encode_query(u.expanded)
        words = list(u.indication) or list(dict.fromkeys(content_words(u.expanded)))
        scored = []
        first_in_section: set[str] = set()
        seen_sections: set[str] = set()
        for x in pool:
            if x.section not in seen_sections:
                seen_sections.add(x.section)
                first_in_section.add(x.unit_id)
        for x in pool:
            v = self.index.unit_vector(x.unit_id)
            dense = float(v @ vector) if v is not None else 0.0
            lexical = self._match(words, x, view) if words else 0.0
            bonus = 0.15 if (kinds and kinds[0] in {"description", "definitions"} and x.unit_id in first_in_section) else 0.0
            if kinds and x.section_kind == kinds[0]:
                bonus += 0.3  # the question's own section first: FDA status from "Regulatory Status", not the description
            scored.append((dense + lexical + bonus, x))
        scored.sort(key=lambda t: -t[0])
        return _Finding(view, verdict, [(x, "answer", s) for s, x in scored[:3]], note=note)

    def _rank(self, view: _PolicyView, u: Understanding, units: list[UnitRecord], words: list[str]) -> list[tuple[float, UnitRecord]]:
        """Units by what the question asks: its indication words (in-policy IDF) and the sentence vectors."""
        vector = self.index.embedder.encode_query(u.expanded)
        scored = []
        for x in units:
            v = self.index.unit_vector(x.unit_id)
            dense = float(v @ vector) if v is not None else 0.0
            scored.append((self._match(words, x, view) + 0.5 * dense, x))
        scored.sort(key=lambda t: -t[0])
        return scored

    def _paragraph(self, view: _PolicyView, unit: UnitRecord, units: list[UnitRecord]) -> UnitRecord:
        """A short paragraph ("Not applicable. Because cosmetic services are a contract exclusion, ...") is quoted whole."""
        text = view.record.text
        same = [x for x in units if x.kind in {"sentence", "lead_in"} and x.section == unit.section]
        if unit not in same:
            return unit
        i = same.index(unit)
        lo = hi = i
        while lo > 0 and "\n\n" not in text[same[lo - 1].end:same[lo].start]:
            lo -= 1
        while hi + 1 < len(same) and "\n\n" not in text[same[hi].end:same[hi + 1].start]:
            hi += 1
        start, end = same[lo].start, same[hi].end
        if lo == hi or end - start > 400:
            return unit
        return UnitRecord(unit.unit_id, unit.chunk_index, unit.doc_key, "paragraph", start, end, None, False, None,
                          unit.embedded, unit.section, unit.section_kind)

    def _all_units(self, view: _PolicyView) -> list[UnitRecord]:
        return [x for units in view.units_by_section_kind.values() for x in units]

    # ------------------------------------------------------------------ words
    def _compose(self, answer_id, question, audience, u: Understanding, findings: list[_Finding], notes, started) -> Answer:
        intent = u.intent if u.intent != "general" else ("coverage" if findings[0].verdict else "general")
        comparison = len(findings) > 1
        citations: list[Citation] = []
        for f in findings:
            for unit, role, score in f.cites:
                citations.append(self._cite(f.view.record, unit, role, score))
        citations = _dedupe(citations)
        verdict = findings[0].verdict if intent in {"coverage", "criteria"} and not (comparison and u.comparison) else None
        if verdict is not None:
            carrier = next((c for c in citations if c.role == "verdict" and c.doc_key == findings[0].view.record.doc_key), None)
            if verdict != "no_statement" and (carrier is None or not polarity_agrees(verdict, carrier.quote)):
                # the quoted sentence must state the verdict itself; otherwise say nothing rather than guess
                verdict = None
        texts = [self._say(f, u, audience, len(findings) > 1) for f in findings]
        if comparison:
            lead = ("Several policies in the corpus address this; they are shown one by one. "
                    if not u.comparison else "")
            if not u.payers and len({f.verdict for f in findings}) > 1 and not u.comparison:
                lead += "They differ, so check which plan the member has. "
            body = lead + "\n\n".join(texts)
        else:
            body = texts[0]
        if audience == "member":
            body += f"\n\nWhether your own plan pays depends on your benefits. To talk with a person, {CONTACT}. This is not medical advice; talk with your doctor about treatment."
        if notes:
            body += "\n\n" + " ".join(notes)
        policies = tuple(_policy_summary(f.view.record) for f in findings)
        if self.writer is not None:
            body = self.writer.write(question=question, audience=audience, verdict=verdict,
                                     citations=tuple(citations), draft=body)
        return Answer(answer_id, question, audience, body, verdict, False, None, tuple(citations), DISCLAIMER,
                      _ms(started), intent, policies, tuple(notes))

    def _say(self, f: _Finding, u: Understanding, audience: str, several: bool) -> str:
        meta = f.view.record.meta
        who = f"{meta.payer} medical policy {meta.policy_id} ({meta.title})"
        text = f.view.record.text
        quotes = [(unit, role) for unit, role, _ in f.cites if role != "support"]

        def q(unit: UnitRecord) -> str:
            return "\u201c" + text[unit.start:unit.end] + "\u201d"

        intent = u.intent if u.intent != "general" else "coverage"
        if intent in {"coverage", "criteria"} and f.verdict is not None:
            subject = _subject(u, f)
            if audience == "rep":
                head = f"**{VERDICT_LABEL[f.verdict]}** — {who}"
                if f.verdict == "no_statement":
                    head += f": the policy does not address {subject}."
                lines = [head]
            else:
                if f.verdict == "no_statement":
                    lines = [f"{meta.payer}'s policy on {meta.title.lower()} (policy {meta.policy_id}) does not say anything about {subject}."]
                else:
                    lines = [f"For {subject}, {VERDICT_PLAIN[f.verdict]}. This is {meta.payer}'s medical policy {meta.policy_id} ({meta.title})."]
            quoted = [q(unit) for unit, role in quotes if role in {"verdict", "item", "context", "answer"}]
            if quoted:
                lead = "The policy says" if f.verdict != "no_statement" else "What the policy does say"
                lines.append(f"{lead}: " + " … ".join(quoted[:4]))
            if f.note == "applies to uses the list does not name":
                lines.append("The statement covers all uses, including ones its list does not name.")
            if f.verdict == "covered_with_criteria" and audience == "member":
                lines.append("Your doctor's office can check whether those conditions are met.")
            return "\n".join(lines)
        if intent == "codes":
            if not quotes:
                return f"{who} lists no procedure codes."
            listed = "; ".join(text[unit.start:unit.end] for unit, _ in quotes)
            if u.codes and not any(c in listed.upper() for c in u.codes):
                return f"{who} does not list {', '.join(u.codes)}. Its codes: {listed}"
            return f"Codes in {who}: {listed}"
        if intent == "prior_approval":
            if f.note == "silent on prior approval":
                return (f"{who} does not say whether prior approval is required. To confirm, {CONTACT}."
                        if audience == "member" else
                        f"{who} says nothing about prior approval (no prior approval section). Check the member's plan documents.")
            return f"Prior approval — {who}: " + " ".join(q(unit) for unit, _ in quotes)
        if intent == "dates":
            if not quotes:
                return f"{who} does not state its dates."
            first = text[quotes[0][0].start:quotes[0][0].end]
            prefix = f"{who}: {first}"
            if f.note:
                prefix = f"{who} gives no {u.date_field} date; it shows {first}"
            return prefix + "".join(f"; {text[unit.start:unit.end]}" for unit, _ in quotes[1:])
        if not quotes:
            return f"{who} does not say."
        return f"From {who}: " + " ".join(q(unit) for unit, _ in quotes[:2])

    def _cite(self, record: PolicyRecord, unit: UnitRecord, role: str, score: float) -> Citation:
        quote = record.text[unit.start:unit.end]
        citation = Citation(record.meta.policy_id, record.meta.title, record.meta.payer, unit.section, record.source,
                            unit.start, unit.end, quote, score, record.meta.reviewed, record.meta.effective,
                            record.doc_key, role)
        if record.text[citation.start:citation.end] != citation.quote or not quote.strip():
            raise QuoteIntegrityError(f"quote {citation.start}:{citation.end} of {record.source} does not match its source")
        return citation

    # ------------------------------------------------------------------ routes
    def _routed(self, answer_id, question, audience, route, notes, started) -> Answer:
        messages = {
            "crisis": ("If you are in crisis or thinking about harming yourself, call or text 988 (Suicide & Crisis "
                       "Lifeline) now. If it is an emergency, call 911 or go to the nearest emergency room."),
            "member_specific": ("I can't see claims, eligibility, benefits or costs for a member; I only read the medical "
                                f"policies. For that, {CONTACT}, or log in to the member portal."),
            "medical_advice": ("I can't give medical advice. Talk with your doctor about whether a treatment is right for "
                               "you. I can tell you what a medical policy says, for example whether a service is covered "
                               f"under the policy. To talk with a person, {CONTACT}."),
            "off_topic": ("I can only answer questions about what the plan's medical policies say, quoting them word "
                          "for word. I can't follow other instructions, write letters or approvals, or share my setup."),
        }
        answer = messages[route]
        if notes and route != "crisis":
            answer += "\n\n" + " ".join(notes)
        return Answer(answer_id, question, audience, answer, None, True, route, (), DISCLAIMER, _ms(started), None, (), tuple(notes))

    def _not_in_corpus(self, answer_id, question, audience, notes, started, message: str) -> Answer:
        words = set(question.lower().replace("?", " ").split())
        route = "not_in_corpus" if words & HEALTH_WORDS or any(w.endswith(("itis", "osis", "ectomy", "plasty", "therapy", "scopy")) for w in words) else "off_topic"
        if route == "off_topic":
            return self._routed(answer_id, question, audience, "off_topic", notes, started)
        text = f"{message} To ask a person, {CONTACT}."
        if notes:
            text += "\n\n" + " ".join(notes)
        return Answer(answer_id, question, audience, text, None, True, "not_in_corpus", (), DISCLAIMER, _ms(started), None, (), tuple(notes))


_PREFIXES = ("intra", "extra", "trans", "endo", "peri", "para", "sub", "non", "electro", "micro", "neuro")


def _root(word: str) -> str:
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 4:
            return word[len(prefix):]
    return word


def _names(word: str, words: set[str]) -> bool:
    if word in words:
        return True
    if len(word) < 5:
        return False
    # "gastric" is named by "intragastric", "acupunctur" by "electroacupunctur"; only for longer stems
    root = _root(word)
    for w in words:
        if len(w) < 5:
            continue
        other = _root(w)
        if (root.startswith(other) or other.startswith(root)) and min(len(root), len(other)) >= 5:
            return True
    return False


_STOP = set("""a an and are as at be by did do does for from had has have how i in is it its of on or the to was
were what when which who why will with policy policies""".split())


def _stems(text: str) -> list[str]:
    import Stemmer

    global _STEMMER
    if _STEMMER is None:
        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER.stemWords(re.findall(r"[a-z0-9]+", text.lower()))


_STEMMER = None


def _age(text: str) -> int | None:
    for match in _AGE.finditer(text):
        if re.search(r"bmi\W{0,3}$", text[max(0, match.start() - 6):match.start()], re.I):
            continue  # "my BMI is 37" is not an age
        return int(match.group(1) or match.group(2))
    return None


_BMI = re.compile(r"\bbmi (?:is |of |= ?|around |about )?(\d{2}(?:\.\d)?)", re.I)


def _bmi(text: str) -> float | None:
    match = _BMI.search(text)
    return float(match.group(1)) if match else None


def _range_fits(value: float, sentence: str) -> bool:
    """ "BMI of 35 to 39.9 kg/m2" holds 37; "BMI of 40 kg/m2 or greater" holds 42."""
    s = sentence.lower()
    if "bmi" not in s:
        return False
    for lo, hi in re.findall(r"(\d{2}(?:\.\d)?) (?:to|through|-|and) (\d{2}(?:\.\d)?)", s):
        if float(lo) <= value <= float(hi):
            return True
    for limit in re.findall(r"(\d{2}(?:\.\d)?)(?: kg/m2)? or (?:greater|more|higher|above)", s):
        if value >= float(limit):
            return True
    return False


def _age_fits(age: int, sentence: str) -> bool:
    """Does a statement's age range ("ages 13 through 17", "younger than 13", "18 and older") include the age?"""
    s = sentence.lower()
    for lo, hi in re.findall(r"ages? (\d{1,2}) (?:through|to|-|and) (\d{1,2})", s):
        if int(lo) <= age <= int(hi):
            return True
    for limit in re.findall(r"(?:younger than|under|less than) (\d{1,2})(?: years)?", s):
        if age < int(limit):
            return True
    return any(age >= int(limit) for limit in re.findall(r"(?:age )?(\d{1,2}) (?:years )?(?:and|or) (?:older|over)", s))


def _weight(word: str) -> float:
    return 0.4 if word in _GENERIC_INDICATION else 1.0


def _has_code(view: _PolicyView, unit: UnitRecord) -> bool:
    from .search import CODE_PATTERN

    return bool(CODE_PATTERN.search(view.record.text[unit.start:unit.end]))


def _mentions_prior_approval(text: str) -> bool:
    import re

    return bool(re.search(r"prior (?:approval|authori[sz]ation)|pre-?authori[sz]ation|precertification|pre-?certification", text, re.I))


def _subject(u: Understanding, f: _Finding) -> str:
    title = f.view.record.meta.title
    if f.matched_item is not None:
        return f"{title.lower()} for {f.view.record.text[f.matched_item.start:f.matched_item.end].rstrip('.;,').lower()}"
    if u.indication:
        return f"{title.lower()} for {' '.join(_surface(u.text, u.indication))}"
    return title.lower()


def _surface(text: str, stems: tuple[str, ...] | list[str]) -> list[str]:
    """The question's own words for the indication stems (for the answer text)."""
    import re

    words = re.findall(r"[A-Za-z0-9'-]+", text)
    out = []
    for w in words:
        stem = content_words(w)
        if stem and stem[0] in stems and w.lower() not in out:
            out.append(w.lower())
    return out or list(stems)


def _dedupe(citations: list[Citation]) -> list[Citation]:
    seen = set()
    out = []
    for c in citations:
        key = (c.doc_key, c.start, c.end)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _policy_summary(record: PolicyRecord) -> dict[str, Any]:
    m = record.meta
    return {"policy_id": m.policy_id, "title": m.title, "payer": m.payer, "reviewed": m.reviewed,
            "effective": m.effective, "revised": m.revised, "source": record.source}


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


__all__ = ["Answer", "AnswerEngine", "Citation", "DISCLAIMER", "PolicyQAError", "np"]
