"""What a "covered" answer needs before it may leave the engine: the most harmful answer to get wrong is held to the most."""

from __future__ import annotations

import math
import re

from .. import lexicon
from ..models import STATEMENT_SECTIONS
from .understanding import Understanding
from .view import Finding, affirms, converse, failed_condition, match, names, other_case
from .words import common_words

POSITIVE = frozenset({"covered", "covered_with_criteria"})
UNSURE = "position not read with confidence"


def home(finding: Finding, home_payer: str | None) -> bool:
    return bool(home_payer) and finding.view.record.meta.payer.lower() == str(home_payer).lower()


def positive_is_safe(finding: Finding, u: Understanding) -> bool:
    """A 'covered' answer is the most harmful one to get wrong. It needs its sentence in a statement section (never a
    notice, a definition or the evidence), about the asked service or the policy's own topic."""
    carrier = next((unit for unit, role, _ in finding.cites if role == "verdict"), None)
    if carrier is None or carrier.section_kind not in STATEMENT_SECTIONS:
        return False
    view = finding.view
    subject = view.service_words() | set(u.content) | set(u.indication)
    statement = next((s for s in view.statements if carrier is s.unit or carrier in s.items), None)
    words = view.words(carrier) | (view.words(statement.unit) if statement is not None else set())
    if not (subject & words) and finding.matched_item is None:
        return False
    # "covered for X" needs the policy to name X where it says so: the statement, its list or the matched item, or its
    # own description of its topic (the procedures it is about: "sleeve gastrectomy" in a bariatric surgery policy);
    # and no negative statement may name X more closely
    generic = lexicon.words("questions", "generic_indication")
    asked = [w for w in u.indication if w not in generic and w in view.all_words()]
    # "the eXciteOSA tongue stimulator": a named product or term the policy never uses (no common English word) is not
    # covered by the policy's general statement, unless that statement covers every use without a condition
    never_named = [w for w in u.indication if w not in generic and not w.isdigit() and _unknown_term(u, w)
                   and not any(names(w, view.words(x)) for x in view.units)]
    if never_named and finding.matched_item is None and not _covers_every_use(view, statement, finding):
        return False
    if not asked:
        return True
    cited = [unit for unit, role, _ in finding.cites if role == "item" and unit.section_kind in STATEMENT_SECTIONS]
    positive_units = [carrier, finding.matched_item, *cited, *(statement.items if statement is not None else [])]
    # "back pain that doesn't go down my leg": a criterion the question says is absent never carries a 'covered'
    negated = [w for w in u.negated if w not in view.service_words()]
    said = [x for x in [carrier, finding.matched_item, *cited] if x is not None]
    if any(affirms(view, x, w) for x in said for w in negated):
        return False
    positive = max((match(asked, x, view) for x in positive_units if x is not None), default=0.0)
    # the policy's positive statements together: "the sleeve" in its list of covered procedures and "BMI of 42" in
    # its criteria; one negative statement must then name more of what was asked than all of them do
    stated_positive = [x for other in view.statements if other.unit.verdict in POSITIVE for x in [other.unit, *other.items]]
    positive = max(positive, _joint_match(asked, view, stated_positive))
    if positive == 0.0 and _covers_every_use(view, statement, finding):
        return True  # "Chiropractic manipulation is covered." and nothing in the policy limits or excludes a use
    # "liposuction to make my breasts smaller": a word the policy writes only in its negative statements ("Liposuction
    # ... as the only method of breast reduction" is not covered) and no positive one names never gets a 'covered'
    positive_words = set().union(*(view.words(x) for x in stated_positive))
    if not any(names(w, positive_words) for w in asked) and any(
            names(w, view.words(x)) for other in view.statements
            if other.unit.verdict is not None and other.unit.verdict not in POSITIVE
            for x in [other.unit, *other.items] for w in asked):
        return False  # (a positive statement that names another asked word, "adolescents", still may answer)
    if positive == 0.0:
        topic = set().union(*(view.words(x) for kind in ("description", "definitions")
                              for x in view.units_by_section_kind.get(kind, [])))
        if not any(names(w, topic) for w in asked):
            return False
    # "not medically necessary when the criteria are not met" is no rival unless the question puts the criteria in doubt
    negative = max((match(asked, x, view) for other in view.statements
                    if other.unit.verdict is not None and other.unit.verdict not in POSITIVE
                    for x in [other.unit, *other.items]
                    if not (not u.criteria_in_doubt
                            and ((x is other.unit and converse(view, x)) or failed_condition(view, x)))
                    and not other_case(u.indication, view.words(x))
                    and not other_age_group(view, x, u)), default=0.0)
    # a procedure the policy describes as its topic ("sleeve gastrectomy") is not undone by a narrower negative statement
    # that mentions it ("revision of a sleeve gastrectomy for weight regain"), unless that statement names nearly all of it
    threshold = 0.8 if positive == 0.0 else 0.5
    return not (negative >= threshold and negative > positive)


def other_age_group(view, unit, u: Understanding) -> bool:
    """ "Cochlear implantation for unilateral hearing loss in a child younger than 5 years is investigational" is about
    an age group a question that states no age and names no age group ("for single-sided deafness?") does not ask
    about: one of the conditions on the positive statement, not its rival."""
    from .finders.coverage import _states_age  # the coverage finder imports this module

    if u.age_months is not None or not _states_age(view.text_of(unit)):
        return False
    return not (set(re.findall(r"[a-z]+", u.text.lower())) & lexicon.words("questions", "population"))


def _unknown_term(u: Understanding, stem: str) -> bool:
    """A word the question itself writes ("eXciteOSA"), of five letters or more, that is no common English word and no
    term of the field that several loaded policies use ("ablation")."""
    text = u.text.lower()
    forms = [f for f in u.surface((stem,)) if re.search(rf"(?<![a-z]){re.escape(f)}(?![a-z])", text)]
    return bool(forms) and all(len(f) >= 5 and f not in common_words() and f not in u.field_terms for f in forms)


def framed_by_criteria(finding: Finding) -> bool:
    """A listed use that carries its own conditions, or "Chiropractic services are covered when they meet the indications
    below." followed by "Indications that are
    covered: ... Care for a chronic condition is covered during ...": a 'covered' under a conditional lead-in that points
    at what follows is covered with criteria. The frame holds until a statement of another position starts a new block."""
    carrier = next((unit for unit, role, _ in finding.cites if role == "verdict"), None)
    if carrier is None or finding.verdict != "covered":
        return False
    conditions = [row.pattern for row in lexicon.rows("verdicts", "names_criteria")]
    # (the carrier too: "Ketogenic formula is Medically Necessary for a Member with either of the following:")
    items = [carrier, finding.matched_item, *(unit for unit, role, _ in finding.cites if role == "item")]
    # a criterion quoted from under a listed use ("At least 90 days have passed" under "Nonunion of a long bone fracture
    # when ALL of the following are met:") is framed by that use's conditions too
    by_id = {x.unit_id: x for x in finding.view.units}
    for x in list(items):
        while x is not None and x.parent in by_id and by_id[x.parent].unit_id != carrier.unit_id:
            x = by_id[x.parent]
            items.append(x)
    if any(x is not None and any(c.search(finding.view.text_of(x)) for c in conditions) for x in items):
        return True  # "diabetic foot wounds that meet the criteria in paragraph 3.4"
    forward = lexicon.pattern("verdicts", "points_below")
    framed = False
    for statement in finding.view.statements:
        unit = statement.unit
        if unit.start >= carrier.start:
            break
        if unit.section_kind != carrier.section_kind or unit.verdict not in POSITIVE:
            framed = False
        if unit.verdict == "covered_with_criteria" and forward.search(finding.view.text_of(unit)):
            framed = True
    return framed


def _covers_every_use(view, statement, finding: Finding) -> bool:
    """An unconditional "covered" (no list, no qualifier) in a policy that states no negative or conditional position
    at all: an indication it never names is covered like every other use."""
    if statement is None or finding.verdict != "covered" or statement.unit.verdict != "covered" or statement.items:
        return False
    if lexicon.pattern("verdicts", "qualified").search(view.text_of(statement.unit).replace("with or without", "")):
        return False
    return all(s.unit.verdict == "covered" and not any(i.verdict for i in s.items) for s in view.statements)


def _joint_match(asked: list[str], view, units: list) -> float:
    """How much of the asked words (in-policy IDF weighted) the units name between them."""
    if not units:
        return 0.0
    words = set().union(*(view.words(x) for x in units))
    total = math.fsum(view.idf(w) for w in asked)
    hit = math.fsum(view.idf(w) for w in asked if names(w, words))
    return hit / total if total else 0.0
