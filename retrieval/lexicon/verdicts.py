"""Reads the coverage position a sentence states, in the policy's own words (verdicts.toml), with its polarity checked."""

from __future__ import annotations

from . import joined, rows


def verdict_of(sentence: str) -> str | None:
    """The verdict a sentence states, or None. Polarity is read from the sentence itself."""
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
    return verdict_of(quote) == verdict or code_row_verdict(quote) == verdict
