"""A measure the question states ("only 6 weeks of physical therapy", "my ejection fraction is 50 percent") against the
bounds the quoted position's criteria set ("at least 3 months of conservative treatment", "LVEF of 35% or less")."""

from __future__ import annotations

import functools
import re

from ... import lexicon
from ...models import Unit
from ..safety import POSITIVE, UNSURE
from ..understanding import Understanding
from ..view import Finding, PolicyView
from ..words import content_words

_NUMBER_WORDS = {w: n for n, w in enumerate("one two three four five six seven eight nine ten eleven twelve".split(), 1)}
_DAYS = {"day": 1, "week": 7, "wk": 7, "month": 30, "mo": 30, "year": 365, "yr": 365}
_QUESTION_MEASURE = re.compile(r"\b(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
                               r"\s*(%|percent\b|days?\b|weeks?\b|wks?\b|months?\b|mos?\b|years?\b|yrs?\b)", re.I)
# words around a measure that say what it measures, in the question and in the criterion (this many either side)
_WINDOW = 8
# unit words and the small words around measures say nothing about what is measured
_NOT_CONTEXT = {"day", "week", "month", "year", "percent", "least", "less", "more", "onli", "than", "period", "total"}


def _value(number: str, unit: str) -> tuple[str, float]:
    n = float(_NUMBER_WORDS.get(number.lower(), 0) or number)
    unit = unit.lower().rstrip("s")
    if unit in {"%", "percent"}:
        return "percent", n
    return "days", n * _DAYS[unit]


@functools.cache
def _bounds() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((row.fields["bound"], row.pattern) for row in lexicon.rows("documents", "measure_bound"))


def _context(text: str, start: int, end: int) -> set[str]:
    before = text[:start].split()[-_WINDOW:]
    after = text[end:].split()[:_WINDOW]
    return set(content_words(" ".join(before + after))) - _NOT_CONTEXT


def question_measures(text: str) -> list[tuple[str, float, set[str]]]:
    """(dimension, value, the words around it) for each duration or percentage the question states."""
    return [(*_value(m.group(1), m.group(2)), _context(text, m.start(), m.end())) for m in _QUESTION_MEASURE.finditer(text)
            if not re.match(r"\s*(?:old|of age)\b", text[m.end():])]  # "a 16 year old" is an age


def failed_criterion(view: PolicyView, units: list[Unit], measures: list[tuple[str, float, set[str]]]) -> Unit | None:
    """The first unit whose bound the question's measure of the same kind, about the same thing, does not meet."""
    for unit in units:
        text = " ".join(view.text_of(unit).split())
        for bound, pattern in _bounds():
            for m in pattern.finditer(text):
                dimension, limit = _value(m.group(1), m.group(2))
                around = _context(text, m.start(), m.end())
                for asked_dimension, value, asked_around in measures:
                    if asked_dimension != dimension or not (around & asked_around):
                        continue
                    if (bound == "at_least" and value < limit) or (bound == "at_most" and value > limit):
                        return unit
    return None


def check(finding: Finding, u: Understanding) -> Finding:
    """A positive answer whose criteria the question's own measure fails is no 'covered': the criterion is quoted first
    and the verdict is left to the reader."""
    if finding.verdict not in POSITIVE:
        return finding
    measures = question_measures(u.text)
    if not measures:
        return finding
    view = finding.view
    cited = [unit for unit, role, _ in finding.cites if role in {"verdict", "item"}]
    owners = [s for s in view.statements if any(s.unit is unit for unit in cited)]
    units = cited + [item for s in owners for item in s.items if item not in cited]
    failed = failed_criterion(view, units, measures)
    if failed is None:
        return finding
    cites = [(failed, "item", 1.0)] + [c for c in finding.cites if c[0] is not failed]
    return Finding(view, None, cites, finding.matched_item, note=UNSURE)
