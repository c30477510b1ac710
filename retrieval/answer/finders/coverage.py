"""Coverage: the statement that governs the asked use (a named list item, a catch-all, or the policy's own position)."""

from __future__ import annotations

import re

from ... import lexicon
from ...models import STATEMENT_SECTIONS, Unit
from ...search import LoadedIndex
from ..safety import POSITIVE, UNSURE, other_age_group
from ..services import _generic_title
from ..understanding import Understanding
from ..view import (
    Finding,
    PolicyView,
    Statement,
    converse,
    failed_condition,
    listed_verdict,
    match,
    names,
    states_absent,
)
from ..words import _content_words, content_words, line_of_business_stems, read_into
from .passages import best_sentence

# Calibrated on evals/gold.jsonl: how much of the indication a statement must name to carry the answer, and how
# close in meaning words the policy never uses must be to a partly matching statement.
INDICATION_MIN_MATCH = 0.5
UNKNOWN_WORDS_MIN_DENSE = 0.45
TIE_MARGIN = 0.05  # statements scoring this close name the asked use equally well


def _raw(candidate) -> float:
    """A candidate's word match before a statement's 0.9 (a named list item is the more specific match)."""
    return candidate[0] / (0.9 if candidate[2] is None else 1.0)


def _other_kinds(u: Understanding) -> list[re.Pattern[str]]:
    """ "non-invasive", "nonsmoker": the "non-" kinds of the asked words that the question itself does not ask about."""
    kinds = (re.compile(rf"\bnon-?\s?{re.escape(word)}", re.I) for word in dict.fromkeys(u.content) if len(word) >= 4)
    return [kind for kind in kinds if not kind.search(u.expanded)]


def _other_kind(view: PolicyView, statement: Statement, unit: Unit, kinds: list[re.Pattern[str]]) -> bool:
    """Is a positive statement (or one of its items) about the other kind of what was asked (`_other_kinds`): "a
    noninvasive non-spinal electrical bone growth stimulator" for an invasive one, "non-syndromic" for a syndromic case,
    "in a nonsmoker" for a member who smokes? It names the asked word to say that the statement is not about it."""
    if not kinds or listed_verdict(statement, None if unit is statement.unit else unit) not in POSITIVE:
        return False
    text = view.text_of(statement.unit) if unit is statement.unit else \
        f"{view.text_of(statement.unit)} {view.text_of(unit)}"
    return any(kind.search(text) for kind in kinds)


def _verdict_of(candidate) -> str | None:
    _, statement, item = candidate
    return listed_verdict(statement, item)


def _months(number: str, unit: str | None) -> int:
    return int(number) if unit and unit.startswith("month") else 12 * int(number)


def _measured(s: str, m: re.Match[str]) -> bool:
    """ "BMI below 35", "a BMI of less than 35": a number after a measure's name is no age."""
    return bool(lexicon.words("documents", "age_not_after") & set(re.findall(r"[a-z0-9]+", s[max(0, m.start() - 12):m.start()])))


def _states_age(sentence: str) -> bool:
    s = sentence.lower()
    return any(not _measured(s, m) for group in ("age_range", "age_below", "age_above")
               for m in lexicon.pattern("documents", group).finditer(s))


def _age_fits(months: int, sentence: str) -> bool:
    """Does a statement's age range ("ages 13 through 17", "younger than 13", "18 and older", "older than 12 months of
    age") include the age (in months)?"""
    s = sentence.lower()
    for m in lexicon.pattern("documents", "age_range").finditer(s):
        if _measured(s, m):
            continue
        if _months(m.group(1), m.group(3)) <= months <= _months(m.group(2), m.group(3)) + (11 if not m.group(3) else 0):
            return True
    for m in lexicon.pattern("documents", "age_below").finditer(s):
        if _measured(s, m):
            continue
        if m.group(1):  # "younger than 13"
            if months < _months(m.group(1), m.group(2)):
                return True
        elif months <= _months(m.group(3), m.group(4)) + (0 if (m.group(4) or "").startswith("month") else 11):
            return True  # "age 50 or younger": up to 50 years and 11 months
    for m in lexicon.pattern("documents", "age_above").finditer(s):
        if _measured(s, m):
            continue
        if m.group(1):  # "18 and older"
            if months >= _months(m.group(1), m.group(2)):
                return True
        elif months > _months(m.group(3), m.group(4)) + (0 if (m.group(4) or "").startswith("month") else 11):
            return True  # "older than 12 months": 13 months on; "older than 12": 13 years on
    return False


def _age_finding(view: PolicyView, u: Understanding) -> Finding | None:
    """The statement, or the listed item, whose age range holds the asked age ("TMS for members younger than 18")."""
    fitting = [(statement, unit) for statement in view.statements for unit in [statement.unit, *statement.items]
               if _age_fits(u.age_months, view.text_of(unit))]
    if fitting and u.content:
        # "a home sleep test on a 10 year old": the fitting statement about the asked service, not the first one
        asked = list(u.content)

        def named(pair: tuple[Statement, Unit]) -> float:
            statement, unit = pair
            return match(asked, statement.unit, view) + (match(asked, unit, view) if unit is not statement.unit else 0.0)

        fitting.sort(key=lambda pair: -named(pair))
        top_statement, top_unit = fitting[0]
        if named(fitting[0]) == 0.0 and top_unit is not top_statement.unit \
                and not (view.words(top_unit) & view.service_words()):
            # "my dad is 58 ... a foot ulcer": one criterion of another use's list ("The patient is 18 years of age or
            # older.") does not decide it; an item about the service itself ("TMS for Members younger than 18") does
            return None
    if not fitting:
        return None

    service = view.service_words()
    if listed_verdict(*fitting[0]) in POSITIVE and not (view.words(fitting[0][1]) & service):
        # "Repositioning is not required for a member who is 6 months of age or older" fits a 20-month-old, but it is
        # one criterion of the list; "A cranial remolding orthosis started ... after 18 months of age" names the service
        # at that age and states the policy's negative position: the age the policy excludes decides
        excluded = next((pair for pair in fitting if listed_verdict(*pair) not in POSITIVE
                         and listed_verdict(*pair) not in {None, "no_statement"} and view.words(pair[1]) & service), None)
        if excluded is not None:
            fitting.insert(0, excluded)
    statement, unit = fitting[0]
    if unit is statement.unit:
        return Finding(view, unit.verdict, [(unit, "verdict", 1.0)])
    if unit.verdict and unit.verdict != statement.unit.verdict:
        return Finding(view, unit.verdict, [(unit, "verdict", 1.0)], unit)
    return Finding(view, statement.unit.verdict, [(statement.unit, "verdict", 1.0), (unit, "item", 1.0)], unit)


def plain_criteria_question(u: Understanding) -> bool:
    """ "What are the criteria for X?" with no facts of a case (no age, BMI, measure or absent finding)."""
    return u.intent == "criteria" and not u.negated and not u.states_measure and u.age_months is None and u.bmi is None


def coverage(index: LoadedIndex, view: PolicyView, u: Understanding) -> Finding:
    finding = _coverage(index, view, u)
    if u.age_months is not None and finding.verdict in POSITIVE:
        return _outside_age(view, u, finding) or finding
    return finding


def _outside_age(view: PolicyView, u: Understanding, finding: Finding) -> Finding | None:
    """ "The member is skeletally mature and 18 through 69 years of age" for a 72-year-old: the positive statement's
    own age criterion fails, so the policy's "not medically necessary when the criteria above are not met" answers (or,
    with none, the criterion is quoted and the verdict left to the reader)."""
    carrier = next((unit for unit, role, _ in finding.cites if role == "verdict"), None)
    statement = next((s for s in view.statements if carrier is s.unit or carrier in s.items), None)
    if statement is None:
        return None
    aged = [x for x in [statement.unit, *statement.items] if _states_age(view.text_of(x))]
    if not aged or any(_age_fits(u.age_months, view.text_of(x)) for x in aged):
        return None
    criterion = aged[0]
    # "... sleeve gastrectomy may be considered medically necessary for adolescents age 13 through 17" for a 44-year-old:
    # another positive statement that names the asked use and fits the age ("adults age 18 years and older") answers
    words = list(u.indication) or list(u.content)
    for other in view.statements:
        if other is statement or other.unit.verdict not in POSITIVE:
            continue
        units = [other.unit, *other.items]
        if max((match(words, x, view) for x in units), default=0.0) < INDICATION_MIN_MATCH:
            continue
        ages = [x for x in units if _states_age(view.text_of(x))]
        if not ages or any(_age_fits(u.age_months, view.text_of(x)) for x in ages):
            named = max(units, key=lambda x: match(words, x, view))
            cites = [(other.unit, "verdict", 1.0)] + ([(named, "item", 1.0)] if named is not other.unit else [])
            return Finding(view, other.unit.verdict, cites, named if named is not other.unit else None)
    after = [s for s in view.statements if s.unit.start > statement.unit.start and converse(view, s.unit)]
    if after:
        return Finding(view, after[0].unit.verdict, [(after[0].unit, "verdict", 1.0), (criterion, "item", 1.0)])
    return Finding(view, None, [(criterion, "item", 1.0), (statement.unit, "verdict", 1.0)])


def _coverage(index: LoadedIndex, view: PolicyView, u: Understanding) -> Finding:
    if not view.statements:
        return best_sentence(index, view, u, ("policy", "criteria", "exclusions", "description"), verdict="no_statement",
                             note="The policy has no coverage statement I can read.")
    policy_words = view.all_words()
    generic = lexicon.words("questions", "generic_indication")
    # words the policy never uses cannot pick a statement ("my husband has cancer pain": only "cancer" can)
    indication = _deciding([w for w in u.indication if w in policy_words], view)
    specific = [w for w in indication if w not in generic]  # "treat" or "pain" alone picks no statement
    unknown = [w for w in u.indication if w not in policy_words and w not in generic
               and not read_into(w, policy_words)]
    best: tuple[float, Statement, object] | None = None
    scored: list[tuple[float, Statement, object]] = []
    # what the question says is absent ("the last two progress reports show no measurable progress") is named by a
    # statement of that case only where the statement too writes it as absent ("... when the member has shown no
    # measurable progress"): there it counts as asked
    absent = [w for w in u.negated if w in policy_words and w not in generic]
    if indication:
        other_kinds = _other_kinds(u)
        for statement in view.statements:
            for unit in [statement.unit, *statement.items]:
                stated_absent = [w for w in absent if states_absent(view, unit, w)]
                score = match(indication + stated_absent, unit, view)
                if score and _other_kind(view, statement, unit, other_kinds):
                    score = 0.0
                if unit is statement.unit:
                    score *= 0.9  # a named list item is the more specific match
                scored.append((score, statement, None if unit is statement.unit else unit))
                if best is None or score > best[0]:
                    best = (score, statement, None if unit is statement.unit else unit)
    on_stated_words = None
    if indication and (best is None or best[0] < INDICATION_MIN_MATCH):
        on_stated_words = _negative_on_stated_words(view, u, indication)
        if on_stated_words is not None:
            best = on_stated_words
    if not u.criteria_in_doubt and any(c[0] >= INDICATION_MIN_MATCH and _verdict_of(c) in POSITIVE for c in scored):
        # "not medically necessary when the criteria above are not met" is the other side of a criteria statement that
        # names the asked use: it answers only a question that puts the criteria in doubt (says what is absent, or a measure)
        scored = [c for c in scored if not (c[2] is None and converse(view, c[1].unit))
                  and not (c[2] is not None and _verdict_of(c) not in POSITIVE and failed_condition(view, c[2]))]
        best = max(scored, key=lambda c: c[0], default=None)
    if best is not None and best[0] >= INDICATION_MIN_MATCH and _verdict_of(best) in POSITIVE:
        # a near tie between a positive and a negative statement of the asked use is read the safer way: a wrong
        # "covered" is the most harmful answer. Where the question puts the criteria in doubt (says what is absent, or
        # states a measure), a listed criterion is no more specific than a negative statement naming as much of it
        def tie(c) -> float:
            return _raw(c) if u.criteria_in_doubt else c[0]

        rival = max((c for c in scored if _verdict_of(c) not in POSITIVE and _verdict_of(c) is not None
                     and tie(c) >= max(INDICATION_MIN_MATCH, tie(best) - TIE_MARGIN)
                     and not other_age_group(view, c[2] or c[1].unit, u)), key=lambda c: c[0], default=None)
        alone = _alone_case(view, u, indication, scored) if rival is None and u.negated else None
        if alone is not None:
            _, statement, item = alone
            if item is not None and item.verdict:
                return Finding(view, item.verdict, [(item, "verdict", 1.0)], item)
            cites = [(item, "item", 1.0)] if item is not None else []
            return Finding(view, statement.unit.verdict, [*cites, (statement.unit, "verdict", 1.0)], item)
        if rival is not None:
            best = rival
        else:
            exception = _named_exception(view, u, indication, best, scored)
            if exception is not None:
                _, statement, item = exception
                verdict = _verdict_of(exception)
                cites = [(item, "verdict", 1.0)] if item is not None and item.verdict else \
                    [(statement.unit, "verdict", 1.0)] + ([(item, "item", 1.0)] if item is not None else [])
                return Finding(view, verdict, cites, item)
    if best is not None and plain_criteria_question(u) and _verdict_of(best) not in POSITIVE and best[2] is not None:
        # "What are BCBSMT's criteria for arthroscopic partial meniscectomy?" asks for the criteria statement that
        # names it, not for a narrower listed case ("... for a degenerative meniscal tear in a knee with KL grade 3")
        own = max((c for c in scored if c[2] is None and c[1].unit.verdict == "covered_with_criteria"
                   and c[0] >= max(INDICATION_MIN_MATCH, best[0] - 2 * TIE_MARGIN)), key=lambda c: c[0], default=None)
        if own is not None:
            best = own
    lines = line_of_business_stems() & set(content_words(u.expanded))
    if lines and indication:
        # "ABA is not a covered benefit for CHIP members", "... is not covered for Samaritan Advantage members": a
        # negative position for the line of business the question names governs that line's members
        own_line = [(match(indication, s.unit, view), s) for s in view.statements
                    if s.unit.verdict not in POSITIVE and s.unit.verdict not in {None, "no_statement"}
                    and view.words(s.unit) & lines]
        own_line = [(score, s) for score, s in own_line if score >= INDICATION_MIN_MATCH]
        if own_line:
            score, statement = max(own_line, key=lambda c: c[0])
            return Finding(view, statement.unit.verdict, [(statement.unit, "verdict", score)])
        # "For Medicare Advantage members, acupuncture for any condition other than chronic low back pain ... is not
        # covered": that line's catch-all governs its members, unless that line's own positive statement names the use
        line_catch_alls = [s for s in view.statements if s.unit.catch_all and s.unit.verdict not in POSITIVE
                           and s.unit.verdict not in {None, "no_statement"} and view.words(s.unit) & lines]
        line_positive = max((match(indication, x, view) for s in view.statements
                             if s.unit.verdict in POSITIVE and view.words(s.unit) & lines
                             for x in [s.unit, *s.items]), default=0.0)
        if line_catch_alls and line_positive < INDICATION_MIN_MATCH:
            return Finding(view, line_catch_alls[0].unit.verdict, [(line_catch_alls[0].unit, "verdict", 1.0)],
                           note="applies to uses the list does not name")
    # ("This policy does not address iliac vein stenting, ..." leaves out what it lists, not every other use)
    catch_alls = [s for s in view.statements if (s.unit.catch_all or _universal(view, s, indication))
                  and _about_service(view, s) and _about_asked_service(view, s, u) and s.unit.verdict != "no_statement"]
    asked_lines = lines if len(catch_alls) > 1 else set()
    catch_all = min(catch_alls, key=lambda s: _other_line(view, s, asked_lines), default=None)
    # an age the policy excludes ("investigational for individuals younger than 18") decides before a BMI that meets
    # its criteria; an age it covers comes after the BMI's own criteria
    by_age = _age_finding(view, u) if u.age_months is not None else None
    if by_age is not None and by_age.verdict not in POSITIVE:
        return by_age
    if u.bmi is not None:
        from .criteria import bmi_finding  # criteria imports this module

        found = bmi_finding(view, u)
        if found is not None:
            return found
    if by_age is not None and not (
            best is not None and best[0] >= INDICATION_MIN_MATCH and _verdict_of(best) not in POSITIVE
            and max((match(indication, x, view) for x, _, _ in by_age.cites), default=0.0) < best[0]):
        # (an age that fits a positive statement about something else, "small bowel capsule endoscopy for members age
        # 2 and older", never outweighs the negative statement that names what was asked)
        return by_age
    if best is not None and unknown and best[0] >= INDICATION_MIN_MATCH and _raw(best) < 0.85 \
            and best is not on_stated_words:  # (that one was read on the words the statements name)
        # words the policy never uses ("phantom limb pain"): a partial word match must also mean the same thing
        phrase = " ".join(u.surface(tuple(u.indication)))
        target = best[2] or best[1].unit
        vector = index.unit_vector(target.unit_id)
        if vector is not None and float(vector @ index.embedder.encode_query(phrase)) < UNKNOWN_WORDS_MIN_DENSE:
            if catch_all is None:
                cites = [(s.unit, "context", 0.5) for s in view.statements[:3]]
                return Finding(view, "no_statement", cites, note=" ".join(u.surface(unknown)))
            best = None
    if best is not None and best[0] >= INDICATION_MIN_MATCH and _describes_better(view, indication, best[0]) \
            and not (_verdict_of(best) not in POSITIVE and _raw(best) >= 0.85):
        # (a negative statement that names nearly all of what was asked is no exception the description outweighs:
        # "Colon capsule endoscopy for routine colorectal cancer screening in average-risk members")
        # the question names a procedure the policy describes (and covers), not one of its exceptions
        primary = view.statements[0]
        return Finding(view, primary.unit.verdict, [(primary.unit, "verdict", 1.0)])
    if best is not None and best[0] >= INDICATION_MIN_MATCH:
        _, statement, item = best
        if item is not None and item.verdict and item.verdict != statement.unit.verdict:
            return Finding(view, item.verdict, [(item, "verdict", best[0])], item)
        cites = [(statement.unit, "verdict", best[0])]
        if item is not None:
            cites.append((item, "item", best[0]))
        return Finding(view, listed_use_verdict(view, statement, item), cites, item)
    if (specific or unknown) and catch_all is not None:
        return Finding(view, catch_all.unit.verdict, [(catch_all.unit, "verdict", 1.0)],
                       note="applies to uses the list does not name")
    if unknown and not specific:
        cites = [(s.unit, "context", 0.5) for s in view.statements[:3]]
        return Finding(view, "no_statement", cites, note=" ".join(u.surface(unknown)))
    if specific:
        # the policy uses the words outside its statement lists: a verdict sentence that names them carries it
        sentences = [x for k in STATEMENT_SECTIONS for x in view.units_by_section_kind.get(k, []) if x.verdict]
        scored = sorted(((match(indication, x, view), x) for x in sentences), key=lambda t: -t[0])
        if scored and scored[0][0] >= INDICATION_MIN_MATCH:
            return Finding(view, scored[0][1].verdict, [(scored[0][1], "verdict", scored[0][0])])
    # the policy's own position: its first statement that states one ("This policy does not address PAP devices" is
    # what it leaves out)
    primary = next((s for s in view.statements if s.unit.verdict != "no_statement"), view.statements[0])
    cites = [(primary.unit, "verdict", 1.0)]
    cites += [(s.unit, "context", 0.5) for s in view.statements[1:3] if s.unit.verdict != primary.unit.verdict]
    if specific and primary.unit.verdict in POSITIVE:
        # the question names something the policy writes of, but no statement of its own ("the Eversense implantable
        # CGM" in a policy whose first statement covers a non-implantable one): the first statement's 'covered' would
        # be a guess, so the passages answer, with no verdict; unless an age its own criterion excludes decides (a
        # 72-year-old against "18 through 69 years of age")
        if u.age_months is not None:
            outside = _outside_age(view, u, Finding(view, primary.unit.verdict, cites))
            if outside is not None and outside.verdict is not None and outside.verdict not in POSITIVE:
                return outside
        passages = best_sentence(index, view, u, ("policy", "criteria", "exclusions")).cites[:2]
        if primary.unit.unit_id not in {x.unit_id for x, _, _ in passages}:
            passages.append((primary.unit, "context", 0.5))
        return Finding(view, None, passages, note=UNSURE)
    return Finding(view, primary.unit.verdict, cites)


def _deciding(indication: list[str], view: PolicyView) -> list[str]:
    """The asked words less a line of business ("Medicaid", "commercial") that none of the policy's statements names:
    where no statement tells that line apart, the member's line cannot change which statement answers, and it would
    only lower every statement's match."""
    lines = [w for w in indication if w in line_of_business_stems()]
    if not lines:
        return indication
    return [w for w in indication if w not in lines or names(w, view.statement_words())]


def _negative_on_stated_words(view: PolicyView, u: Understanding, indication: list[str]):
    """ "a prefabricated boil-and-bite oral appliance": "bite" is written only where the policy describes side effects,
    so no statement names all that was asked. On the asked words some statement names, a negative statement that
    names them, with no positive one as close, answers; never a positive one, which words no statement names could
    undo ("the Eversense implantable CGM" against a statement on non-implantable ones)."""
    named = [w for w in indication if names(w, view.statement_words())]
    generic = lexicon.words("questions", "generic_indication")
    if not named or len(named) == len(indication) or all(w in generic for w in named):
        return None
    scored = [(match(named, x, view) * (0.9 if x is st.unit else 1.0), st, None if x is st.unit else x)
              for st in view.statements for x in [st.unit, *st.items]]
    # the statement must name the most telling of those words: "head" alone, of "a little flat head, mild", names no case
    rarest = max(named, key=view.idf)
    best = max((c for c in scored if names(rarest, view.words(c[2] or c[1].unit))), key=lambda c: c[0], default=None)
    if best is None or best[0] < INDICATION_MIN_MATCH or _verdict_of(best) in POSITIVE \
            or _verdict_of(best) in {None, "no_statement"}:
        return None
    unit = best[2] or best[1].unit
    if not u.criteria_in_doubt and ((best[2] is None and converse(view, unit)) or failed_condition(view, unit)):
        return None
    if any(_verdict_of(c) in POSITIVE and c[0] >= best[0] - TIE_MARGIN for c in scored):
        return None
    return best


def _alone_case(view: PolicyView, u: Understanding, indication: list[str], scored):
    """ "I snore really loud but I'm not tired in the day": the question names one finding and says the rest is absent;
    the policy's negative statement of that finding alone ("Snoring alone, without daytime sleepiness, witnessed apneas
    or other signs of OSA") answers it, not the positive criterion that names it ("Habitual loud snoring"). The word
    before "alone" must be one the question asks about (lexicon/documents.toml [alone])."""
    alone = lexicon.pattern("documents", "alone")
    asked = set(indication)
    found = []
    for c in scored:
        verdict = _verdict_of(c)
        if verdict in POSITIVE or verdict in {None, "no_statement"}:
            continue
        text = view.text_of(c[2] or c[1].unit)
        if any(names(w, asked) for m in alone.finditer(text) for w in content_words(m.group(1))):
            found.append(c)
    return max(found, key=lambda c: c[0], default=None)


def _named_exception(view: PolicyView, u: Understanding, indication: list[str], best, scored):
    """ "an epidural injection of etanercept for lumbar radiculopathy": the positive statement names the condition, but
    the question's most telling word, one that a single statement or listed use of the policy names, is named only by a
    negative one ("Epidural injection of biologic agents, including etanercept ..." under "investigational"); that one
    is what was asked about. Only words the question writes itself count (not those a lay phrase stands for), and
    not the plan's name."""
    generic = lexicon.words("questions", "generic_indication")
    written = set(_content_words(u.text.lower())) - set(content_words(" ".join(u.payers)))
    telling = [w for w in indication if w not in generic and w in written]
    if not telling:
        return None
    # how many of the policy's statements and listed uses name each word (as a word family: "radicular" names
    # "radiculopathy")
    units = [x for st in view.statements for x in [st.unit, *st.items]]
    naming = {w: sum(names(w, view.words(x)) for x in units) for w in telling}
    telling = [w for w in telling if naming[w]]
    if not telling:
        return None
    rarest = min(telling, key=lambda w: naming[w])
    if naming[rarest] > 1:
        return None
    _, statement, item = best
    carrier = {w for x in ([statement.unit, item] if item is not None else [statement.unit]) for w in view.words(x)}
    if names(rarest, carrier):
        return None
    if any(naming[w] <= naming[rarest] for w in telling if w != rarest and names(w, carrier)):
        return None  # another word as telling is the positive statement's own
    negatives = [c for c in scored if _verdict_of(c) not in POSITIVE and _verdict_of(c) not in {None, "no_statement"}
                 and names(rarest, view.words(c[2] or c[1].unit))]
    return max(negatives, key=lambda c: c[0], default=None)


def listed_use_verdict(view: PolicyView, statement: Statement, item: Unit | None) -> str | None:
    """The verdict for one use a positive lead-in lists: "medically necessary for the following conditions: - Acute
    carbon monoxide poisoning" covers that condition outright; a listed use with a condition of its own, or one with
    sub-items, stays covered with criteria, as does every item of a criteria list (verdicts.toml [uses_list])."""
    verdict = statement.unit.verdict
    if item is None or verdict != "covered_with_criteria":
        return verdict
    lead = " ".join(view.text_of(statement.unit).split())
    if not lexicon.joined("verdicts", "uses_list").search(lead):
        return verdict
    if lexicon.joined("verdicts", "listed_condition").search(view.text_of(item)) \
            or any(x.parent == item.unit_id for x in statement.items):
        return verdict
    return "covered"


def refine(view: PolicyView, u: Understanding, finding: Finding) -> Finding:
    """A sentence of the policy statement that names exactly what was asked ("Revision of a previous cosmetic
    rhinoplasty is not covered.") is quoted first; when it states a different verdict, it carries the answer."""
    if not u.indication or finding.verdict in {None, "no_statement"}:
        return finding
    if u.age_months is not None and finding.verdict not in POSITIVE and any(
            role == "verdict" and _age_fits(u.age_months, view.text_of(unit)) for unit, role, _ in finding.cites):
        # "Bariatric surgery for children younger than 13 years is considered investigational" for a 12-year-old: the
        # age the policy excludes decides, whatever else the question's words name ("weight loss" of "weight loss
        # surgery" in "Revision performed solely for inadequate weight loss ...")
        return finding
    cited = {unit.unit_id for unit, _, _ in finding.cites}
    kinds = {s.unit.section_kind for s in view.statements} | STATEMENT_SECTIONS
    # (in the document's order, so a tie goes to the earlier sentence on every run, whatever order the set of kinds has)
    pool = sorted((x for k in kinds for x in view.units_by_section_kind.get(k, [])
                   if x.kind in {"sentence", "lead_in", "list_item"}), key=lambda x: x.start)
    scored = sorted(((match(list(u.indication), x, view), x) for x in pool), key=lambda t: -t[0])
    if not scored or scored[0][0] < 0.6 or scored[0][1].unit_id in cited:
        return finding
    score, best = scored[0]
    if u.age_months is not None and _states_age(view.text_of(best)) and not _age_fits(u.age_months, view.text_of(best)):
        return finding  # "... for individuals 18 years of age and older" does not answer for a 16-year-old
    current = max((sc for _, role, sc in finding.cites if role in {"verdict", "item"}), default=0.0)
    if finding.verdict in POSITIVE and not u.criteria_in_doubt and (converse(view, best) or failed_condition(view, best)):
        return finding  # the other side of the criteria the finding quotes (see `coverage`)
    if finding.verdict in POSITIVE and other_age_group(view, best, u):
        return finding  # a statement about an age group the question does not name (see `coverage`)
    owner = next((st for st in view.statements if any(best is item for item in st.items)), None)
    if not best.verdict and owner is not None and owner.unit.verdict and owner.unit.verdict != finding.verdict \
            and owner.unit.verdict != "no_statement" and score > current \
            and not (owner.unit.verdict in POSITIVE and finding.verdict not in POSITIVE):
        # the sentence that names the asked use is an item of another statement's list ("Daytime neuromuscular
        # electrical stimulation of the tongue (e.g., eXciteOSA)" under "The following are investigational:")
        return Finding(finding.view, owner.unit.verdict, [(owner.unit, "verdict", score), (best, "item", score)], best)
    if best.verdict and best.verdict != finding.verdict and best.verdict != "no_statement" and score > current:
        if best.verdict in POSITIVE and finding.verdict not in POSITIVE:
            # a near tie is read the safer way (as in `coverage`), compared on the words each names
            carrier = max((match(list(u.indication), unit, view) for unit, role, _ in finding.cites
                           if role in {"verdict", "item"}), default=0.0)
            if score - carrier < TIE_MARGIN:
                return finding
        return Finding(finding.view, best.verdict, [(best, "verdict", score)], best)
    if best.verdict == "no_statement" and score > current:
        return Finding(finding.view, "no_statement", [(best, "verdict", score)], best)
    if best.verdict and best.verdict == finding.verdict:
        return Finding(finding.view, finding.verdict, [(best, "verdict", score), *finding.cites], best)
    position = 0 if score > current else 1
    cites = list(finding.cites)
    cites.insert(position, (best, "item", score))
    return Finding(finding.view, finding.verdict, cites, finding.matched_item, finding.note)


def coverage_refined(index: LoadedIndex, view: PolicyView, u: Understanding) -> Finding:
    return refine(view, u, coverage(index, view, u))


def _describes_better(view: PolicyView, indication: list[str], statement_score: float) -> bool:
    described = [x for k in ("description", "definitions") for x in view.units_by_section_kind.get(k, [])
                 if x.kind == "list_item"]
    best = max((match(indication, x, view) for x in described), default=0.0)
    return best >= 0.9 and best > statement_score + 0.15


def _other_line(view: PolicyView, statement: Statement, asked: set[str]) -> int:
    """ "Medicare does not cover dry needling for any other condition." is the position for one line of business: 0 for a
    statement about the line the question names (`asked`), 1 for one about no line, 2 for one about another line."""
    named = line_of_business_stems() & view.words(statement.unit)
    if named & asked:
        return 0
    return 2 if named else 1


def _about_service(view: PolicyView, statement: Statement) -> bool:
    """ "Autologous protein solution ... is investigational for all indications" is no catch-all for PRP."""
    return bool(view.service_words() & view.words(statement.unit))


def _about_asked_service(view: PolicyView, statement: Statement, u: Understanding) -> bool:
    """ "UHA considers dry needling ... investigational for all indications" in a policy titled "Acupuncture,
    Electroacupuncture and Dry Needling" is no catch-all for a question about acupuncture: where the question names one
    of the title's services, a catch-all that names the title's services names that one."""
    # the title's services: the parts of its words before "for" (not the conditions after it, "... for Depression and
    # Other Neuropsychiatric Disorders"), where it names several
    head = re.split(r"\s+for\s+", view.record.meta.title, maxsplit=1, flags=re.I)[0]
    parts = [set(content_words(part)) - _generic_title() for part in re.split(r"\s*(?:,|&|/|\band\b)\s*", head)]
    parts = [part for part in parts if part]
    if len(parts) < 2:
        return True
    content = set(u.content)
    asked = [i for i, part in enumerate(parts) if any(names(w, content) for w in part)]
    written = view.words(statement.unit)
    named = [i for i, part in enumerate(parts) if part & written]
    return not asked or not named or bool(set(asked) & set(named))


def _universal(view: PolicyView, statement: Statement, asked: list[str]) -> bool:
    """ "Acupuncture ... is covered." with no list and no qualifier, or "Coverage is not limited to particular diagnoses." """
    not_limited = lexicon.pattern("verdicts", "not_limited")
    for x in view.units_by_section_kind.get(statement.unit.section_kind, []):
        if not x.verdict and not_limited.search(view.text_of(x)):
            return True
    sentence = view.text_of(statement.unit)
    qualified = lexicon.pattern("verdicts", "qualified")
    if statement.items or qualified.search(sentence.replace("with or without", "")):
        return False
    # "Home UVA units and home PUVA are not covered." is about home units, not every use of phototherapy: the subject
    # of a universal statement is the policy's service itself, or a kind of it the question names ("Replacement of a
    # working CGM receiver ..." for a new receiver when the old one works)
    cue = min((m.start() for row in lexicon.rows("verdicts", "statement") if row.pattern is not None
               for m in [row.pattern.search(sentence)] if m is not None), default=len(sentence))
    subject = set(content_words(sentence[:cue])) - view.service_words() - _generic_title()
    generic = lexicon.words("questions", "generic_indication")
    return len(subject) <= 1 or any(names(w, subject) for w in asked if w not in generic)
