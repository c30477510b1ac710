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


def polarity_agrees(verdict: str, quote: str) -> bool:
    """A verdict may leave the engine only when the quoted sentence states exactly that verdict."""
    return verdict_of(quote) == verdict
