"""Criteria: the list item (or qualifying sentence) of a statement that answers what was asked."""

from __future__ import annotations

import functools
import re

from ... import lexicon
from ...models import Unit
from ...search import LoadedIndex
from ..safety import POSITIVE, UNSURE
from ..understanding import Understanding
from ..view import Finding, PolicyView, Statement, affirms, match, names, rank
from .coverage import INDICATION_MIN_MATCH, coverage, plain_criteria_question


def _bmi_fits(value: float, sentence: str) -> bool:
    """ "BMI of 35 to 39.9 kg/m2" holds 37; "BMI of 40 kg/m2 or greater" holds 42; "a BMI below 35" holds 33. Only the
    numbers right after a BMI mention count (not "hemoglobin A1c under 8" later in the same criterion)."""
    s = " ".join(sentence.lower().split())  # "40 kg/m2 or\n   greater" across a wrapped line
    for mention in re.finditer(r"\bbmi\b|body mass index", s):
        near = s[mention.end():mention.end() + 45]
        for lo, hi in lexicon.pattern("documents", "bmi_range").findall(near):
            if float(lo) <= value <= float(hi):
                return True
        if any(value < float(limit) for limit in lexicon.pattern("documents", "bmi_below").findall(near)):
            return True
        if any(value >= float(limit) for limit in lexicon.pattern("documents", "bmi_above").findall(near)):
            return True
    return False


def bmi_finding(view: PolicyView, u: Understanding, asked: set[str] | None = None) -> Finding | None:
    """The statement, or the item of a statement, whose BMI range holds the question's BMI ("my BMI is 33": not the
    "35 to 39.9" criterion, but "surgery for members with a BMI below 35 ... is investigational")."""
    if u.bmi is None:
        return None
    pairs = _statement_units(view)
    asked = _asked_use(view, u, pairs) if asked is None else asked
    # "a duodenal switch with a BMI of 46": the BMI rule of the asked procedure ("BPD/DS ... below 50") before the main
    # criteria's "BMI of 40 or greater"
    for statement, unit in [pair for pair in pairs if pair[1].unit_id in asked] + pairs:
        if _bmi_fits(u.bmi, view.text_of(unit)):
            verdict = unit.verdict or statement.unit.verdict
            if unit is statement.unit:
                return Finding(view, verdict, [(unit, "verdict", 1.0)])
            return Finding(view, verdict, [(unit, "item", 1.0), (statement.unit, "verdict", 1.0)], unit)
    return None


def _unmet_own_bmi_rules(view: PolicyView, u: Understanding, asked: set[str]) -> list[Unit]:
    """The asked procedure's own BMI rules that the question's BMI does not meet, in the policy's order: a rule names
    one of the procedure's rarer words ("duodenal switch", not "weight loss") and restricts it ("only for", "limited
    to", "reserved for")."""
    units = [x for _, x in _statement_units(view)]
    rare = {w for w in u.indication if sum(names(w, view.words(x)) for x in units) <= 3}
    return [x for x in sorted((x for x in units if x.unit_id in asked), key=lambda x: x.start)
            if re.search(r"\bbmi\b|body mass index", view.text_of(x), re.I) and re.search(r"\d", view.text_of(x))
            and not _bmi_fits(u.bmi, view.text_of(x)) and any(names(w, view.words(x)) for w in rare)
            and re.search(r"\b(?:only|limited to|restricted to|reserved for)\b", view.text_of(x), re.I)]


def _statement_units(view: PolicyView) -> list[tuple[Statement, Unit]]:
    return [(statement, unit) for statement in view.statements for unit in [statement.unit, *statement.items]]


def _asked_use(view: PolicyView, u: Understanding, pairs: list[tuple[Statement, Unit]]) -> set[str]:
    """The statements and items that name the asked use and state a BMI, with the sentence right after each (which
    often states the converse: "BPD/DS is considered not medically necessary for individuals with a BMI below 50")."""
    words = [w for w in u.indication if w not in lexicon.words("questions", "measure_words")]
    if not words:
        return set()
    in_order = sorted((unit for _, unit in pairs), key=lambda x: x.start)
    asked: set[str] = set()
    for n, unit in enumerate(in_order):
        if re.search(r"\bbmi\b|body mass index", view.text_of(unit), re.I) and match(words, unit, view) >= INDICATION_MIN_MATCH:
            asked.add(unit.unit_id)
            if n + 1 < len(in_order):
                asked.add(in_order[n + 1].unit_id)
    return asked


def criteria(index: LoadedIndex, view: PolicyView, u: Understanding) -> Finding:
    if not view.statements or u.age_months is not None:
        return coverage(index, view, u)
    # the criteria may sit under the statement or under their own lead-in ("Criteria (all must be met):")
    pool: list[tuple[Statement, Unit]] = []
    for s in view.statements:
        pool += [(s, item) for item in s.items]
        pool += [(s, item) for item in following_list(view, s)]
        pool += [(s, x) for x in _sentences_after(view, s)]
    # a criteria list under its own heading ("Criteria for Adults"), apart from the statement it belongs to: owned by
    # the nearest positive statement before it (or the first one)
    pooled = {item.unit_id for _, item in pool}
    conditional = [s for s in view.statements if s.unit.verdict == "covered_with_criteria"]
    for x in view.units_by_section_kind.get("criteria", []):
        if x.kind != "list_item" or x.unit_id in pooled or not conditional:
            continue
        before = [s for s in conditional if s.unit.start < x.start]
        pool.append((before[-1] if before else conditional[0], x))
    if u.negated:
        # "with no comorbidities": the criterion that needs one is not the answer
        kept = [(s, item) for s, item in pool if not any(affirms(view, item, w) for w in u.negated)]
        pool = kept or pool
    owner = {item.unit_id: s for s, item in pool}
    if u.bmi is not None:
        fits = [(s, item) for s, item in pool if _bmi_fits(u.bmi, view.text_of(item))]
        asked = _asked_use(view, u, _statement_units(view))
        if asked:
            fits = [(s, item) for s, item in fits if item.unit_id in asked]  # the asked procedure's own BMI rule
        if not fits:
            found = bmi_finding(view, u, asked)
            rules = _unmet_own_bmi_rules(view, u, asked) if found is not None and found.verdict in POSITIVE else []
            if rules and not any(x is unit for x in rules for unit, _, _ in found.cites):
                # "a duodenal switch with a BMI of 46" against "BPD/DS, only for adults with a BMI of 50 kg/m2 or
                # greater": the asked procedure's own BMI rule is not met, so the main criteria's "BMI of 40 or greater"
                # is no 'covered'; the rule is quoted first and the verdict left to the reader
                return Finding(view, None, [(rules[0], "item", 1.0), *found.cites], rules[0], note=UNSURE)
            if found is not None:
                return found
        if fits:
            statement, item = fits[0]
            if item.verdict and item.verdict != "no_statement" and item.verdict != statement.unit.verdict:
                # the BMI rule states its own position ("Bariatric surgery for a member with a BMI below 35 kg/m2 ...
                # is not a covered OHP benefit"), whichever statement's criteria it follows
                return Finding(view, item.verdict, [(item, "verdict", 1.0)], item)
            return Finding(view, statement.unit.verdict, [(item, "item", 1.0), (statement.unit, "verdict", 1.0)], item)
    if pool and plain_criteria_question(u) and coverage(index, view, u).verdict == "covered_with_criteria":
        # "What are the criteria for arthroscopic partial meniscectomy?": the criteria of the statement that covers
        # it, not a narrower case the policy lists as not medically necessary
        pool = [(s, item) for s, item in pool if s.unit.verdict in POSITIVE] or pool
        owner = {item.unit_id: s for s, item in pool}
    if pool and u.indication:
        ranked = rank(index, view, u, [item for _, item in pool], list(u.indication))
        # the measure picks the criterion to quote among those of the same position, never the position itself
        verdict = owner[ranked[0][1].unit_id].unit.verdict
        ranked = _by_measure(view, u, [(sc, x) for sc, x in ranked if owner[x.unit_id].unit.verdict == verdict])
        score, item = ranked[0]
        statement = owner[item.unit_id]
        if item.verdict and item.verdict not in POSITIVE | {"no_statement"} and statement.unit.verdict in POSITIVE:
            # the best sentence states a negative position of its own ("Suction-assisted lipectomy used as the only
            # technique ... is considered not medically necessary") under a positive statement's criteria: the two
            # disagree, so both are quoted and the verdict is left to the reader
            return Finding(view, None, [(item, "context", score), (statement.unit, "context", score)], item, note=UNSURE)
        return Finding(view, statement.unit.verdict, [(item, "item", score), (statement.unit, "verdict", score)], item)
    with_criteria = [s for s in view.statements if s.unit.verdict == "covered_with_criteria"] or view.statements
    statement = with_criteria[0]
    items = statement.items or following_list(view, statement)
    cites = [(statement.unit, "verdict", 1.0)] + [(i, "item", 0.5) for i in items[:6]]
    return Finding(view, statement.unit.verdict, cites)


# How much a criterion that states the asked kind of measure ("at least 4 weeks" for "how long") gains in the ranking.
MEASURE_BONUS = 0.75


@functools.cache
def _measures() -> tuple[tuple[re.Pattern[str], re.Pattern[str]], ...]:
    """(question pattern, criterion pattern) for each kind of measure a question can ask for: questions.toml."""
    return tuple((row.pattern, re.compile(row.fields["answer"], re.IGNORECASE))
                 for row in lexicon.rows("questions", "measure_asked"))


def _by_measure(view: PolicyView, u: Understanding, ranked: list[tuple[float, Unit]]) -> list[tuple[float, Unit]]:
    """ "How much pain relief does the trial have to show?": the criterion that states a measure of that kind
    ("at least 50% reduction in pain") before one that names the same words without it."""
    wanted = [answer for asked, answer in _measures() if asked.search(u.expanded)]
    if not wanted:
        return ranked
    scored = [(score + (MEASURE_BONUS if any(a.search(" ".join(view.text_of(x).split())) for a in wanted) else 0.0), x)
              for score, x in ranked]
    return sorted(scored, key=lambda t: -t[0])


def _sentences_after(view: PolicyView, statement: Statement) -> list[Unit]:
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


def following_list(view: PolicyView, statement: Statement) -> list[Unit]:
    """A criteria list set out under its own lead-in right after the statement."""
    units = view.units_by_section_kind.get(statement.unit.section_kind, [])
    after = [x for x in units if x.start > statement.unit.start]
    items: list[Unit] = []
    lead = None
    own = {statement.unit.unit_id}  # the statement's own list, nested lists included
    members: set[str] = set()
    for x in after:
        if lead is None:
            if x.kind in {"lead_in"} and not x.verdict:
                lead = x
                members = {x.unit_id}
                continue
            if x.kind == "list_item" and x.parent in own:
                own.add(x.unit_id)
                continue
            if x.kind in {"sentence", "lead_in"}:
                break
        else:
            if x.kind == "list_item" and x.parent in members:
                items.append(x)
                members.add(x.unit_id)
            elif x.kind != "list_item":
                break
    return items
