"""Criteria: the list item (or qualifying sentence) of a statement that answers what was asked."""

from __future__ import annotations

from ... import lexicon
from ...models import Unit
from ...search import LoadedIndex
from ..understanding import Understanding
from ..view import Finding, PolicyView, Statement, names, rank
from .coverage import coverage


def _bmi_fits(value: float, sentence: str) -> bool:
    """ "BMI of 35 to 39.9 kg/m2" holds 37; "BMI of 40 kg/m2 or greater" holds 42."""
    s = sentence.lower()
    if "bmi" not in s:
        return False
    for lo, hi in lexicon.pattern("documents", "bmi_range").findall(s):
        if float(lo) <= value <= float(hi):
            return True
    return any(value >= float(limit) for limit in lexicon.pattern("documents", "bmi_above").findall(s))


def criteria(index: LoadedIndex, view: PolicyView, u: Understanding) -> Finding:
    if not view.statements or u.age is not None:
        return coverage(index, view, u)
    # the criteria may sit under the statement or under their own lead-in ("Criteria (all must be met):")
    pool: list[tuple[Statement, Unit]] = []
    for s in view.statements:
        pool += [(s, item) for item in s.items]
        pool += [(s, item) for item in following_list(view, s)]
        pool += [(s, x) for x in _sentences_after(view, s)]
    if u.negated:
        # "with no comorbidities": the criterion that needs one is not the answer
        kept = [(s, item) for s, item in pool if not any(names(w, view.words(item)) for w in u.negated)]
        pool = kept or pool
    owner = {item.unit_id: s for s, item in pool}
    if u.bmi is not None:
        fits = [(s, item) for s, item in pool if _bmi_fits(u.bmi, view.text_of(item))]
        if fits:
            statement, item = fits[0]
            return Finding(view, statement.unit.verdict, [(item, "item", 1.0), (statement.unit, "verdict", 1.0)], item)
    if pool and u.indication:
        ranked = rank(index, view, u, [item for _, item in pool], list(u.indication))
        score, item = ranked[0]
        statement = owner[item.unit_id]
        return Finding(view, statement.unit.verdict, [(item, "item", score), (statement.unit, "verdict", score)], item)
    with_criteria = [s for s in view.statements if s.unit.verdict == "covered_with_criteria"] or view.statements
    statement = with_criteria[0]
    items = statement.items or following_list(view, statement)
    cites = [(statement.unit, "verdict", 1.0)] + [(i, "item", 0.5) for i in items[:6]]
    return Finding(view, statement.unit.verdict, cites)


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
    for x in after:
        if lead is None:
            if x.kind in {"lead_in"} and not x.verdict:
                lead = x
                continue
            if x.kind == "list_item" and x.parent == statement.unit.unit_id:
                continue
            if x.kind in {"sentence", "lead_in"}:
                break
        else:
            if x.kind == "list_item" and x.parent == lead.unit_id:
                items.append(x)
            elif x.kind != "list_item":
                break
    return items
