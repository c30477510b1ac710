"""Reads the coverage position a sentence states, in the policy's own words, with its polarity checked."""

from __future__ import annotations

import re

_WS = r"[\s\u00a0]+"


def _p(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.replace(" ", _WS), re.IGNORECASE)


# Order matters: negative and conditional forms are tried before the plain positive ones.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("investigational", _p(r"\b(?:is|are|be|remains?) (?:considered |deemed )?(?:to be )?(?:investigational|experimental|unproven)")),
    ("investigational", _p(r"\bconsidered (?:experimental|investigational)(?:/| or )(?:investigational|unproven)")),
    ("not_medically_necessary", _p(r"\b(?:is|are) (?:considered |deemed )?not medically necessary")),
    ("not_medically_necessary", _p(r"\b(?:is|are) not (?:considered |deemed )?(?:to be )?medically necessary")),
    ("not_covered", _p(r"\b(?:is|are) (?:not|never) (?:a )?covered")),
    ("not_covered", _p(r"\b(?:is|are) (?:specifically )?excluded from coverage")),
    ("not_covered", _p(r"\b(?:is|are) (?:a |an )?(?:contract |benefit |plan )?exclusion")),
    ("not_covered", _p(r"\b(?:is|are) (?:considered )?cosmetic and (?:is |are )?not covered")),
    ("not_covered", _p(r"\bnot a covered (?:benefit|service)")),
    ("not_covered", _p(r"\b(?:is|are) not eligible for coverage")),
    ("not_covered", _p(r"\b(?:does|do|will) not cover\b")),
    ("no_statement", _p(r"\b(?:is|are) not addressed (?:by|in) this policy")),
    ("covered_with_criteria", _p(r"\b(?:may be|is|are) (?:considered )?medically necessary (?:when|if|for [^.:]{0,160}?(?:when|if|who)|only)")),
    ("covered_with_criteria", _p(r"\b(?:may be|is|are) covered (?:only )?(?:when|if|for [^.:]{0,160}?(?:when|if|who))")),
    ("covered_with_criteria", _p(r"\b(?:may be|is|are) (?:considered )?medically necessary [^.]{0,200}?following criteria")),
    ("covered", _p(r"\b(?:is|are) (?:considered )?medically necessary")),
    ("covered", _p(r"\b(?:is|are) (?:a )?covered(?: benefit| service)?\b")),
    ("covered", _p(r"\b(?:is|are) eligible for coverage")),
    ("covered", _p(r"\b(?:plan|alliance|health|mutual|we) covers?\b")),
)
_CATCH_ALL = _p(r"\b(?:for|in) all (?:applications|indications|uses|conditions)|\ball other (?:applications|indications|uses|conditions)|\bincluding but not limited to")
_HEDGES = _p(r"\b(?:if|whether)\b[^.]{0,60}?\b(?:is|are) (?:covered|medically necessary)")


# A sentence that talks to the reader's software is an instruction planted in a document, never a coverage position.
_PLANTED = re.compile(
    r"\b(?:assistant|chatbot|chat ?bot|ai model|language model|llm|\bbot\b|tell (?:members|the member|users|callers|people)|"
    r"ignore (?:previous|prior|all|the above)|(?:previous|prior) instructions|system prompt|say that|respond that|"
    r"answer that)\b",
    re.IGNORECASE,
)


def verdict_of(sentence: str) -> str | None:
    """The verdict a sentence states, or None. Polarity is read from the sentence itself."""
    if _HEDGES.search(sentence) or _PLANTED.search(sentence):
        return None
    for verdict, pattern in _PATTERNS:
        if pattern.search(sentence):
            return verdict
    return None


def is_catch_all(sentence: str) -> bool:
    """ "…investigational for all applications, including but not limited to:" applies beyond its list."""
    return bool(_CATCH_ALL.search(sentence))


def polarity_agrees(verdict: str, quote: str) -> bool:
    """A verdict may leave the engine only when the quoted sentence states exactly that verdict."""
    return verdict_of(quote) == verdict
