"""Reads the coverage position a sentence states, in the policy's own words (verdicts.toml), with its polarity checked."""

from __future__ import annotations

import re

from . import joined, rows

_INITIALISM = re.compile(r"\b(?:[A-Za-z]\.){2,}")  # "U.S.", "e.g.", "i.e."
_SHORT_FORM = re.compile(r"\b(etc|vs|approx|incl|Dr|No)\.(?=\s+[a-z(0-9])")  # "etc. and", "No. 12"


def _without_abbreviation_dots(sentence: str) -> str:
    """The verdict rows look for their words within one sentence (no "." between them): the dots of "U.S. Food and Drug
    Administration (FDA)-cleared" or "e.g." inside a sentence are no sentence end."""
    sentence = _INITIALISM.sub(lambda m: m.group(0).replace(".", ""), sentence)
    return _SHORT_FORM.sub(r"\1", sentence)


def verdict_of(sentence: str) -> str | None:
    """The verdict a sentence states, or None. Polarity is read from the sentence itself."""
    sentence = _without_abbreviation_dots(sentence)
    if joined("verdicts", "hedge").search(sentence) or joined("verdicts", "planted").search(sentence):
        return None
    for row in rows("verdicts", "statement"):
        if row.pattern.search(sentence):
            return row["verdict"]
    return None


def is_catch_all(sentence: str) -> bool:
    """ "…investigational for all applications, including but not limited to:" applies beyond its list."""
    return bool(joined("verdicts", "catch_all").search(sentence))


def code_row_verdict(text: str) -> str | None:
    """The position a code row marks itself with ("(investigational)"), or None."""
    for row in rows("verdicts", "code_row"):
        if row.pattern.search(text):
            return row["verdict"]
    return None


def polarity_agrees(verdict: str, quote: str) -> bool:
    """A verdict may leave the engine only when the quoted sentence (or code row) states exactly that verdict."""
    stated = verdict_of(quote)
    if verdict == "covered" and stated == "covered_with_criteria" and joined("verdicts", "uses_list").search(" ".join(quote.split())):
        return True  # "medically necessary for the following conditions: - Acute carbon monoxide poisoning"
    return stated == verdict or code_row_verdict(quote) == verdict
