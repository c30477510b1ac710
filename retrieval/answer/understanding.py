"""What the question reader hands on: the typed reading of one question (with its conversation)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import lexicon
from ..models import Intent
from .words import content_words

_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_SURFACE_WORD = re.compile(r"[A-Za-z0-9'-]+")


@dataclass(frozen=True)
class Understanding:
    text: str  # the question as asked (what the engine quotes back)
    expanded: str  # lower-cased, typos corrected, lay words mapped to policy words: what retrieval sees
    intent: Intent
    date_field: str | None
    doc_keys: tuple[str, ...]  # policies whose service the question names, best first
    service_score: float
    payers: tuple[str, ...]  # payer names from the corpus mentioned
    unknown_payer: str | None  # a payer named that the corpus does not hold
    policy_ids: tuple[str, ...]
    codes: tuple[str, ...]
    indication: tuple[str, ...]  # content words left once service, payer and question words are gone
    comparison: bool
    from_history: bool = False
    # the turn's words brushed another service, and it was read as going on with the conversation's subject: a guess,
    # so it gets the passages and never a "covered" (AnswerEngine.ask)
    subject_guessed: bool = False
    content: tuple[str, ...] = ()  # the indication words before any policy's service words are taken out
    age: int | None = None  # "what if the patient is 15?"
    age_months: int | None = None  # the same age in months ("a 14-month-old": 14; "15": 180)
    bmi: float | None = None  # "my BMI is 37"
    asks_what: bool = False  # "what/how/why ...": a passage is wanted rather than a verdict
    asks_when: bool = False  # starts with "when"
    asks_listed: bool = False  # "in the policy", "listed": about the policy's own code list
    besides: bool = False  # "codes besides M0076": the codes named are the ones to leave out
    asks_event: bool = False  # something that happened to the policy ("what changed in 2019?")
    asks_change: bool = False  # "... and what changed?", "why"
    negated: tuple[str, ...] = ()  # stems the question says are absent: "doesn't go down my leg", "without fluoroscopy"
    tried: tuple[str, ...] = ()  # stems of a treatment the question says failed: "can't tolerate CPAP"
    states_measure: bool = False  # "pain for 2 months", "60% relief": whether the criteria are met is part of the question
    field_terms: tuple[str, ...] = ()  # the question's words that several loaded policies use ("ablation"): no product names
    rare_names: tuple[str, ...] = ()  # stems of names the corpus writes only in passing ("lasik"), in no statement
    plan_free: str = ""  # `expanded` without the words that name the plans: what it asks about, for retrieval over all plans

    @property
    def criteria_in_doubt(self) -> bool:
        """Does the question say what is absent ("never had an ulcer") or state a measurement it asks about ("pain for 2
        months")? Then "not medically necessary when the criteria are not met" may be the answer, not only the criteria."""
        return bool(self.negated) or (self.states_measure and self.intent != "criteria")

    def surface(self, stems: tuple[str, ...] | list[str]) -> list[str]:
        """The question's own words for these stems (for the answer text): "knees" for the stem "knee"."""
        out: list[str] = []
        for w in _SURFACE_WORD.findall(self.text):
            stem = content_words(w)
            if stem and stem[0] in stems and w.lower() not in out:
                out.append(w.lower())
        return out or list(stems)

    def event_words(self, leave_out: set[str]) -> list[str]:
        """What a question about the policy's history asks for: its words (less date-question words and
        `leave_out`), then its years and month names, each once."""
        date_words = lexicon.words("questions", "date_question")
        stop = lexicon.words("questions", "stop")
        stems = lexicon.stem_words(re.findall(r"[a-z0-9]+", self.text.lower()))
        asked = [w for w in stems if w not in date_words and w not in stop and w not in leave_out]
        asked += _YEAR.findall(self.text)
        months = lexicon.ordered_words("questions", "months")
        # month names as written with a capital ("October 2019"), as policy histories write them
        asked += [m.lower() for m in re.findall(r"\b(?:" + "|".join(m.capitalize() for m in months) + r")\b", self.text)]
        return list(dict.fromkeys(asked))
