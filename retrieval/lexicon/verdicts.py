"""Reads the coverage position a sentence states, in the policy's own words (verdicts.toml), with its polarity checked."""

from __future__ import annotations

import functools
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
    return status_cell_verdict(sentence)


_NO_ROW_BEFORE = {"is", "are", "be", "been", "being", "was", "were", "considered", "deemed", "as", "not", "or", "and",
                  "the", "a", "an", "of", "to", "remains", "become", "becomes"}
_ROW_CONDITION = re.compile(r"\b(?:when|if|unless|criteria|criterion|meeting|meets|must|only|required|requires|after|"
                            r"with (?:a |an )?(?:documented|failed|trial)|at least|no more than|up to)\b", re.I)


@functools.cache
def _status_cells() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each status of [status_cell] as the last cell of a line, in its own capitals, with its verdict."""
    return tuple((re.compile(rf"(?:^|(?<=\s)|(?<=\|))(?:{row.pattern.pattern})$", row.pattern.flags), row["verdict"])
                 for row in rows("verdicts", "status_cell"))


def status_cell_verdict(line: str) -> str | None:
    """The verdict a table row's last cell states ("...  Medically necessary", "| Investigational |"), or None: one
    line whose first cells name a use and whose last cell is a coverage status (verdicts.toml [status_cell])."""
    line = line.strip().rstrip("|").rstrip()
    if "\n" in line or len(line.split()) < 3:
        return None
    line = re.sub(r"\s*\([^()]*\)$", "", line)  # "Not covered (WIC is primary source)"
    for cell, verdict in _status_cells():
        match = cell.search(line)
        if not match:
            continue
        before = line[:match.start()].rstrip(" \t|")
        words = before.split()
        if len(words) < 2 or words[-1].lower().strip(",;:") in _NO_ROW_BEFORE or before.endswith((".", ":", ";", ",")) \
                and "  " not in line and "|" not in line:
            return None
        if verdict == "covered" and _ROW_CONDITION.search(before):
            return "covered_with_criteria"  # "Uveal melanoma ..., when proton therapy is preferred ...  Medically necessary"
        return verdict
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
