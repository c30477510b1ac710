"""A measure the question states ("only 6 weeks of physical therapy", "my ejection fraction is 50 percent") against the
bounds the quoted position's criteria set ("at least 3 months of conservative treatment", "LVEF of 35% or less")."""

from __future__ import annotations

import functools
import re

from ... import lexicon
from ...models import Unit
from ..safety import POSITIVE, UNSURE
from ..understanding import Understanding
from ..view import Finding, PolicyView, converse, listed_verdict
from ..words import content_words

_NUMBER_WORDS = {w: n for n, w in enumerate("one two three four five six seven eight nine ten eleven twelve".split(), 1)}
_MM = {"cm": 10, "centimeter": 10, "centimetre": 10, "mm": 1, "millimeter": 1, "millimetre": 1}
_DAYS = {"day": 1, "week": 7, "wk": 7, "month": 30, "mo": 30, "year": 365, "yr": 365}
_QUESTION_MEASURE = re.compile(r"\b(\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
                               r"\s*(%|percent\b|days?\b|weeks?\b|wks?\b|months?\b|mos?\b|years?\b|yrs?\b|cm\b|mm\b|centimet(?:er|re)s?\b|"
                               r"millimet(?:er|re)s?\b)", re.I)
# words around a measure that say what it measures, in the question and in the criterion (this many either side)
_WINDOW = 8
# unit words and the small words around measures say nothing about what is measured
_NOT_CONTEXT = {"day", "week", "month", "year", "percent", "cm", "mm", "centimet", "millimet", "least", "less", "more", "onli", "than", "period", "total"}


# a bare number the question states: a count or a score ("4 documented strep throat episodes", "SALT 30"), not a
# measure with a unit, a code, a date, an age or part of a name ("T12", "L4-5", "CPT 97810")
_QUESTION_COUNT = re.compile(
    r"(?<![\w.$/#:-])(\d{1,3}(?:\.\d+)?)(?![\w%/:-]|\.\d|\s*(?:%|percent|days?|weeks?|wks?|months?|mos?|years?|yrs?|"
    r"y/?o|hours?|hrs?|minutes?|mins?|kg|cm|mm|mg|ml|lbs?|pounds?|times? (?:a|per) (?:day|week))\b)", re.I)
# a count written as a word, before the thing counted ("only tried one antidepressant"), and a score out of ten
# ("pain is 4/10")
_QUESTION_COUNT_WORD = re.compile(r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+"
                                  r"(?!(?:of|or|more|less|times?|days?|weeks?|months?|years?|hours?|in|to|and|a|an|the)\b)"
                                  r"(?=[a-z])", re.I)
_OUT_OF_TEN = re.compile(r"(?<![\w.])(\d{1,2})\s*/\s*10\b")
# a count is compared only with a bound whose nearest words (this many either side) name the same thing
_COUNT_WINDOW = 4


# words any count or score is written with: they say nothing of what is counted
_COUNT_NOUNS = {"score", "scale", "index", "level", "number", "total", "show", "test", "result", "rate", "valu", "measur"}


def _conditional(text: str, at: int) -> bool:
    """Is the position inside a clause that states when a criterion applies ("When the AHI or REI is 30 or more events
    per hour (severe OSA), the member has completed a PAP trial ...", "If the BMI is 40 or greater, ...")?"""
    clause_start = max(text.rfind(".", 0, at), text.rfind(";", 0, at)) + 1
    clause = text[clause_start:at]
    return bool(re.match(r"\s*(?:\w+\.\s+)?(?:when|if|where|for (?:members|patients|individuals) (?:with|whose))\b", clause, re.I)) \
        and "," not in clause


def _value(number: str, unit: str | None) -> tuple[str, float]:
    n = float(_NUMBER_WORDS.get(number.lower(), 0) or number)
    if unit is None:
        return "count", n
    unit = unit.lower().rstrip("s")
    if unit in {"%", "percent"}:
        return "percent", n
    if unit in _MM:
        return "length", n * _MM[unit]  # "a fracture gap of 1.5 cm" against "1 cm or less"
    return "days", n * _DAYS[unit]


@functools.cache
def _bounds() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((row.fields["bound"], row.pattern) for row in lexicon.rows("documents", "measure_bound"))


def _context(text: str, start: int, end: int, count: bool = False) -> set[str]:
    before, after = text[:start], text[end:]
    window = _COUNT_WINDOW if count else _WINDOW
    if count:
        # a count's words are those of its own clause ("AHI 30, BMI 31" says which number is which), never numbers
        before, after = re.split(r"[,;:.](?:\s|$)", before)[-1], re.split(r"[,;:](?:\s|$)|\.(?:\s|$)", after)[0]
    words = set(content_words(" ".join(before.split()[-window:] + after.split()[:window]))) - _NOT_CONTEXT
    # "helped about 30%" and "50% pain relief" measure one thing (lexicon/questions.toml [words] improvement)
    improvement = lexicon.words("questions", "improvement")
    words = {"relief" if w in improvement else w for w in words}
    return {w for w in words if not w.isdigit()} if count else words


def question_measures(text: str) -> list[tuple[str, float, set[str]]]:
    """(dimension, value, the words around it) for each duration, percentage, count or score the question states."""
    found = [(*_value(m.group(1), m.group(2)), _context(text, m.start(), m.end())) for m in _QUESTION_MEASURE.finditer(text)
             if not re.match(r"\s*(?:old|of age)\b", text[m.end():])]  # "a 16 year old" is an age
    counts = [*_QUESTION_COUNT.finditer(text), *_QUESTION_COUNT_WORD.finditer(text), *_OUT_OF_TEN.finditer(text)]
    for m in counts:
        if m.re is not _OUT_OF_TEN and (
                re.match(r"\s*(?:-?\s*(?:years?|yrs?|months?|mos?)[- ]?old|of age)\b", text[m.end():], re.I)
                or re.search(r"\b(?:is|am|are|was|turned|turns|age|aged|ages)\s*$", text[:m.start()], re.I)):
            continue  # "my daughter is 15": an age
        if re.search(r"\b(?:type|grade|stage|class|level|tier|step|phase|part|section|category|zone|number|no\.?|day|"
                     r"week|cycle|round|session|visit|dose|page|chapter)\s*$", text[:m.start()], re.I):
            continue  # "type 1 diabetes", "grade 2", "stage 4": a label, not a count
        around = _context(text, m.start(), m.end(), count=True)
        if around:
            found.append(("count", _value(m.group(1), None)[1], around))
    return found


def _bounds_in(view: PolicyView, unit: Unit):
    """(bound, dimension, limit, the words around it) for each bound a unit states, less a case it applies to."""
    text = " ".join(view.text_of(unit).split())
    for bound, pattern in _bounds():
        for m in pattern.finditer(text):
            measured = m.group(2) if (pattern.groups or 0) >= 2 else None
            if measured is None and _conditional(text, m.start()):
                continue  # "When the AHI is 30 or more, the member has ...": a case the criterion applies to
            yield (bound, *_value(m.group(1), measured), _context(text, m.start(), m.end(), count=measured is None))


def failed_bound(view: PolicyView, units: list[Unit], measures: list[tuple[str, float, set[str]]]):
    """The first unit whose bound the question's measure of the same kind, about the same thing, does not meet, with
    that bound (dimension, limit, the words around it)."""
    for unit in units:
        for bound, dimension, limit, around in _bounds_in(view, unit):
            for asked_dimension, value, asked_around in measures:
                shared = around & asked_around
                if dimension == "count":
                    shared -= _COUNT_NOUNS  # "score" alone does not say a STOP-BANG score is an Epworth one
                if asked_dimension != dimension or not shared:
                    continue
                if (bound == "at_least" and value < limit) or (bound == "at_most" and value > limit):
                    return unit, (bound, dimension, limit, around, value)
    return None


def failed_criterion(view: PolicyView, units: list[Unit], measures: list[tuple[str, float, set[str]]]) -> Unit | None:
    """The first unit whose bound the question's measure of the same kind, about the same thing, does not meet."""
    found = failed_bound(view, units, measures)
    return None if found is None else found[0]


def _stated_failure(view: PolicyView, failed: tuple[str, str, float, set[str], float], owners
                    ) -> tuple[Unit, Unit, str] | None:
    """The policy's own negative statement of the case the question's measure is in: "Permanent implantation ... after a
    trial that did not provide at least 50% pain relief;" listed under "not medically necessary", beside the criterion
    "At least 50% reduction in pain intensity" (the same bound with a negative word), or the other side of the bound
    holding the asked value ("when conservative treatment has lasted less than 3 months" beside "at least 3 months" for
    6 weeks; "oxygen saturation is 89% or higher" beside "at or below 88%" for 90%). It measures the same thing."""
    direction, dimension, limit, around, value = failed
    qualifiers = lexicon.words("questions", "negative_qualifier")
    for statement in view.statements:
        if statement in owners:
            continue
        for unit in [statement.unit, *statement.items]:
            verdict = listed_verdict(statement, unit)
            if verdict in POSITIVE or verdict in {None, "no_statement"}:
                continue
            negated = bool(set(re.findall(r"[a-z]+", view.text_of(unit).lower())) & qualifiers)
            for other, d, lim, words in _bounds_in(view, unit):
                if d != dimension or not (words & around - _COUNT_NOUNS):
                    continue
                if negated and other == direction and lim == limit:
                    return statement.unit, unit, verdict
                if other != direction and ((other == "at_least" and value >= lim) or (other == "at_most" and value <= lim)):
                    return statement.unit, unit, verdict
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
    # the other criteria of the list a cited criterion belongs to ("Hemoglobin A1c of 10.0% or lower" beside "BMI of 45
    # or lower", under a lead-in that states no verdict of its own)
    parents = {unit.parent for unit in cited if unit.kind == "list_item" and unit.parent is not None}
    units += [x for x in view.units if x.parent in parents and x not in units]
    found = failed_bound(view, units, measures)
    if found is None:
        return finding
    failed, bound = found
    cites = [(failed, "item", 1.0)] + [c for c in finding.cites if c[0] is not failed]
    # the policy's own other side of those criteria ("TMS for a Member who does not meet all of the criteria in section B
    # is not medically necessary"), the first after the statement that sets them, states the position
    after = min((s for s in view.statements if owners and s.unit.start > owners[0].unit.start and converse(view, s.unit)),
                key=lambda s: s.unit.start, default=None)
    if after is not None:
        return Finding(view, after.unit.verdict, [(after.unit, "verdict", 1.0), *cites], finding.matched_item)
    stated = _stated_failure(view, bound, owners)
    if stated is not None:
        carrier, unit, verdict = stated
        lead = [(unit, "verdict", 1.0)] if carrier is unit or unit.verdict else [(unit, "item", 1.0), (carrier, "verdict", 1.0)]
        return Finding(view, verdict, [*lead, *cites], None if carrier is unit else unit)
    return Finding(view, None, cites, finding.matched_item, note=UNSURE)
