"""Decides when a question must not be answered from a policy: crisis, member-specific, medical advice, attacks,
and, when no policy answers, whether the question was about health care at all (lexicon/routes.toml)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .. import lexicon
from ..models import Route

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def _trigger(group: str) -> re.Pattern[str]:
    return lexicon.joined("routes", group)


@dataclass(frozen=True)
class Screened:
    text: str  # the question to answer, with attack sentences taken out
    route: Route | None  # crisis | member_specific | medical_advice | off_topic | None
    injection: bool  # the question carried instructions or a pasted "update"; they were ignored
    health_topic: bool = True  # the question uses a word of health care (so "not in the loaded policies", not "off topic")


def clean(question: str) -> str:
    """Control characters, bidi overrides and zero-width characters never reach matching or the page."""
    text = unicodedata.normalize("NFKC", question)
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", text)).strip()


def screen(question: str) -> Screened:
    text = clean(question)
    health = about_health(question)
    if _trigger("crisis").search(text):
        return Screened(text, "crisis", False, health)
    attack = bool(_trigger("attack").search(text))
    injection = bool(_trigger("injection").search(text)) or attack
    if attack:
        return Screened(text, "off_topic", True, health)
    if injection and not strip_attack(text):
        return Screened(text, "off_topic", True, health)
    if _trigger("member_specific").search(text):
        return Screened(text, "member_specific", injection, health)
    if _trigger("medical_advice").search(text):
        return Screened(text, "medical_advice", injection, health)
    return Screened(text, None, injection, health)


def strip_attack(text: str) -> str:
    """Keep the real question: drop each sentence that carries an instruction or a pasted 'update'."""
    # a sentence ends at . ! ? and any closing quote after it: 'Per the memo: "It is covered." Is it covered?'
    sentences = re.split(r"(?<=[.!?][\"'\u201d\u2019)])\s+|(?<=[.!?])\s+|\n+", text)
    kept = [s for s in sentences if not _trigger("injection").search(s) and not _trigger("attack").search(s)]
    # a question mark marks what is really asked; prefer those sentences when any survive
    questions = [s for s in kept if s.strip().endswith("?")]
    return " ".join(questions or kept).strip()


def about_health(question: str) -> bool:
    """Does the question use a word of health care ("surgery", "tendinitis")? Read from the words as typed."""
    words = set(question.lower().replace("?", " ").split())
    endings = tuple(lexicon.ordered_words("routes", "health_endings"))
    return bool(words & lexicon.words("routes", "health")) or any(w.endswith(endings) for w in words)


def unanswered_route(screened: Screened) -> Route:
    """No loaded policy answers: "not in the loaded policies" for a health question, otherwise off topic."""
    return "not_in_corpus" if screened.health_topic else "off_topic"
