"""One policy as a question sees it: its statements with their lists, its units by section, and word matching."""

from __future__ import annotations

import functools
import math
import os.path
import re
from dataclasses import dataclass, field, replace

from .. import lexicon
from ..metadata import header_fields
from ..models import NEVER_STATEMENT_SECTIONS, STATEMENT_SECTIONS, SectionKind, Unit, Verdict
from ..search import CODE_PATTERN, LoadedIndex, PolicyRecord
from .understanding import Understanding
from .words import _content_words, content_words, passage_words, read_into


@dataclass
class Statement:
    """A sentence that states a verdict, with the list items that belong to it."""

    unit: Unit
    items: list[Unit] = field(default_factory=list)


def listed_verdict(statement: Statement, unit: Unit | None) -> str | None:
    """The verdict for a statement or one of its listed items: the item's own, where it states one, else the
    statement's ("The following are not medically necessary: - Snoring alone ...")."""
    return (unit.verdict if unit is not None and unit is not statement.unit and unit.verdict else None) \
        or statement.unit.verdict


@dataclass
class PolicyView:
    """What a question about one policy needs, worked out once at load time."""

    record: PolicyRecord
    statements: list[Statement]
    units_by_section_kind: dict[SectionKind, list[Unit]]
    units: list[Unit] = field(default_factory=list)
    unit_words: dict[str, set[str]] = field(default_factory=dict)
    excepted_words: dict[str, set[str]] = field(default_factory=dict)  # what a statement names only to leave out
    spelled_out: dict[str, int] = field(default_factory=dict)  # how many of a unit's words its short forms bring
    subheadings: dict[str, str] = field(default_factory=dict)  # unit id -> the heading of its part of a section
    policy_words: set[str] | None = None
    _statement_words: set[str] | None = None
    _document_frequency: dict[str, int] | None = None
    _abbreviations: dict[str, frozenset[str]] | None = None
    _header_lines: dict[str, bool] = field(default_factory=dict)

    @property
    def document_frequency(self) -> dict[str, int]:
        """Stemmed on first use, not at load: at 1,000 policies stemming every sentence up front took ~2 s."""
        if self._document_frequency is None:
            frequency: dict[str, int] = {}
            for unit in self.units:
                for word in self.words(unit):
                    frequency[word] = frequency.get(word, 0) + 1
            self._document_frequency = frequency  # assigned whole: a concurrent reader never sees half of it
        return self._document_frequency

    def text_of(self, unit: Unit) -> str:
        return self.record.text[unit.start:unit.end]

    def words(self, unit: Unit) -> set[str]:
        words = self.unit_words.get(unit.unit_id)
        if words is None:
            text = self.text_of(unit)
            words = set(passage_words(text))
            spelled = set()
            qualifiers = lexicon.words("questions", "negative_qualifier")
            for abbreviation, expansion in self.abbreviations.items():
                if abbreviation in text and any(
                        m.group(1).lower() not in qualifiers
                        for m in re.finditer(rf"(\w*)\W*\b{re.escape(abbreviation)}s?\b", text)):
                    # "TENS for CLBP is not covered" names chronic low back pain; "snoring without OSA" does not
                    # name obstructive sleep apnea
                    spelled |= expansion
            heading = self.subheadings.get(unit.unit_id)
            if heading is not None and unit.verdict:
                # "III. Chronic Low Back Pain" over "Under NCD 160.27, TENS for CLBP is not ... covered.": the part's
                # heading names what its statements are about
                spelled |= set(passage_words(_MARKER.sub("", heading)))
            if spelled - words:
                self.spelled_out[unit.unit_id] = len(spelled - words)
            words |= spelled
            self.unit_words[unit.unit_id] = words
        return words

    def written_size(self, unit: Unit) -> int:
        """How many content words the unit writes, without those its short forms stand for."""
        return len(self.words(unit)) - self.spelled_out.get(unit.unit_id, 0)

    @property
    def abbreviations(self) -> dict[str, frozenset[str]]:
        """The short forms the policy defines ("chronic low back pain (CLBP)") with the words they stand for."""
        if self._abbreviations is None:
            self._abbreviations = defined_abbreviations(self.record.text)
        return self._abbreviations

    def all_words(self) -> set[str]:
        """Every content word of the policy, stemmed once (a question must not re-read the whole policy)."""
        if self.policy_words is None:
            self.policy_words = set(passage_words(self.record.text))
        return self.policy_words

    def statement_words(self) -> set[str]:
        """Every word the policy's statements and their listed uses name, gathered once."""
        if self._statement_words is None:
            self._statement_words = set().union(*(self.words(x) for st in self.statements for x in [st.unit, *st.items]))
        return self._statement_words

    def all_units(self) -> list[Unit]:
        return [x for units in self.units_by_section_kind.values() for x in units]

    def service_words(self) -> set[str]:
        meta = self.record.meta
        return set(content_words(" ".join([meta.title, *meta.aliases])))

    def idf(self, word: str) -> float:
        """Rare in this policy = telling: "balloon" outweighs "weight" in a bariatric policy."""
        frequency = self.document_frequency
        n = max(1, len(self.unit_words))  # every unit's words are known once the frequencies are
        return math.log(1 + n / (1 + frequency.get(word, 0)))

    def is_header_line(self, unit: Unit) -> bool:
        """A title block line that a "MEDICAL POLICY" banner left inside a policy section ("Reference Number:
        CP.MP.231  Effective Date: 01/01/26"): it holds a policy number or a date by its label, and answers no
        question but the dates one, which reads the header fields themselves."""
        found = self._header_lines.get(unit.unit_id)
        if found is None:
            found = any(f.name in _HEADER_NAMES for f in header_fields(self.text_of(unit)))
            self._header_lines[unit.unit_id] = found
        return found

    def has_code(self, unit: Unit) -> bool:
        return bool(CODE_PATTERN.search(self.text_of(unit)))


_HEADER_NAMES = frozenset({"policy_id", "effective", "reviewed", "revised"})
_DEFINED = re.compile(r"\(([A-Z][A-Za-z]{1,7}?)s?\)")
_SMALL = {"of", "and", "the", "for", "with", "or", "in", "to", "a", "an", "by", "on"}


def defined_abbreviations(text: str) -> dict[str, frozenset[str]]:
    """Short forms a policy defines where it first writes them out: "negative pressure wound therapy (NPWT)",
    "apnea-hypopnea index (AHI)", "chronic low back pain (CLBP)". The words before the parenthesis whose initials spell
    the short form are what it stands for; a parenthesis they do not spell ("(e.g., miraDry)", "(FDA)" after other
    words) defines nothing."""
    found: dict[str, frozenset[str]] = {}
    for m in _DEFINED.finditer(text):
        abbreviation = m.group(1)
        letters = "".join(c for c in abbreviation if c.isupper()).lower()
        if len(letters) < 2 or abbreviation in found:
            continue
        before = re.findall(r"[A-Za-z][A-Za-z'-]*", text[max(0, m.start() - 120):m.start()])
        for k in range(1, min(len(before), len(letters) + 3) + 1):
            words = before[-k:]
            initials = "".join(part[0] for w in words if w.lower() not in _SMALL
                               for part in w.split("-") if part).lower()
            if initials == letters:
                found[abbreviation] = frozenset(content_words(" ".join(words)))
                break
            if len(initials) > len(letters):
                break
    return found


def build_view(index: LoadedIndex, policy: PolicyRecord) -> PolicyView:
    units = [unit for n in policy.chunk_indexes for unit in index.chunks[n].units]
    units.sort(key=lambda u: u.start)
    by_kind: dict[SectionKind, list[Unit]] = {}
    for unit in units:
        by_kind.setdefault(unit.section_kind, []).append(unit)
    statements: dict[str, Statement] = {}
    candidates = [u for u in units if u.verdict and u.section_kind in STATEMENT_SECTIONS]
    if not candidates:
        candidates = [u for u in units if u.verdict and u.section_kind not in NEVER_STATEMENT_SECTIONS]
    for unit in candidates:
        statements[unit.unit_id] = Statement(unit)
    by_id = {unit.unit_id: unit for unit in units}
    for unit in units:
        if unit.kind != "list_item" or unit.unit_id in statements:
            continue
        # a nested list belongs to the statement above its parent item ("The member has either:" > "BMI of 40 ...")
        parent, seen = unit.parent, 0
        while parent is not None and parent not in statements and parent in by_id and seen < 8:
            parent, seen = by_id[parent].parent, seen + 1
        if parent in statements:
            statements[parent].items.append(unit)
    ordered = sorted(statements.values(), key=lambda s: s.unit.start)
    return PolicyView(policy, ordered, by_kind, units, subheadings=_subheadings(policy.text, units))


_MARKER = re.compile(r"^\s*(?:[IVXivx]{1,4}|[A-Za-z]|\d{1,2}(?:\.\d{1,2})*)[.)]\s+")


def _subheadings(text: str, units: list[Unit]) -> dict[str, str]:
    """Each unit under a heading inside its section ("C. Professional (Diagnostic) CGM" in "IV. POLICY") with that
    heading's text; a section's own heading heads no part."""
    found: dict[str, str] = {}
    current: Unit | None = None
    for unit in units:
        if unit.kind == "heading":
            heading = " ".join(text[unit.start:unit.end].split())
            own = _MARKER.sub("", heading).lower() == _MARKER.sub("", unit.section).lower() or heading == unit.section
            current = None if own else unit
        elif current is not None and current.section == unit.section:
            found[unit.unit_id] = text[current.start:current.end]
    return found


def profile(view: PolicyView) -> str:
    """What the policy is about beyond its title: its names and the words of its statements and their lists."""
    parts = [view.record.meta.title, *view.record.meta.aliases]
    for statement in view.statements:
        parts += [view.text_of(x) for x in [statement.unit, *statement.items]]
    return " ".join(parts)


@functools.lru_cache(maxsize=65536)
def _root(word: str) -> str:
    for prefix in lexicon.ordered_words("questions", "prefixes"):
        if word.startswith(prefix) and len(word) - len(prefix) >= 4:
            return word[len(prefix):]
    return word


def names(word: str, words: set[str]) -> bool:
    if word in words:
        return True
    if len(word) < 5:
        return False
    return any(len(w) >= 5 and _one_family(word, w) for w in words)


@functools.lru_cache(maxsize=65536)
def _one_family(word: str, w: str) -> bool:
    """Two stems of five letters or more that name one thing (each pair decided once per process: a question compares
    its few words with thousands of the policies' words)."""
    # "gastric" is named by "intragastric", "acupunctur" by "electroacupunctur"; only for longer stems
    root, other = _root(word), _root(w)
    if (root.startswith(other) or other.startswith(root)) and min(len(root), len(other)) >= 5:
        return True
    # one word family with different endings: "radiculopathy" / "radicular", "osteoarthritis" / "osteoarthritic"
    shared = len(os.path.commonprefix([root, other]))
    return shared >= 7 and shared >= 0.75 * min(len(root), len(other))


def _occurrences(view: PolicyView, unit: Unit, word: str):
    """Each token of the unit that names the word, with whether a negative qualifier stands in the two tokens before it."""
    qualifiers = lexicon.words("questions", "negative_qualifier")
    tokens = re.findall(r"[a-z0-9]+", view.text_of(unit).lower())
    for i, token in enumerate(tokens):
        stems = content_words(token)
        if stems and names(word, {stems[0]}):
            yield token, any(t in qualifiers for t in tokens[max(0, i - 2):i])


def affirms(view: PolicyView, unit: Unit, word: str) -> bool:
    """Does the unit name the word as present? "inadequately controlled", "uncontrolled", "without imaging guidance"
    name it as absent, which agrees with a question that says it is absent ("isn't controlled even with medication")."""
    if not names(word, view.words(unit)):
        return False
    found = False
    for token, qualified in _occurrences(view, unit, word):
        found = True
        if not qualified and not any(token.startswith(p) for p in ("un", "non")):
            return True
    return not found  # named only through a longer word form the tokens missed: read as present


def states_absent(view: PolicyView, unit: Unit, word: str) -> bool:
    """Does the unit name the word as absent at least once ("has shown no measurable progress", "without symptoms")?"""
    return names(word, view.words(unit)) and any(qualified for _, qualified in _occurrences(view, unit, word))


def _weight(word: str) -> float:
    return 0.4 if word in lexicon.words("questions", "generic_indication") else 1.0


def excepted(view: PolicyView, unit: Unit) -> set[str]:
    """Words a statement names only to leave them out: "medically necessary for chronic pain other than chronic low back
    pain" does not name low back pain as covered, nor "not covered for any condition other than chronic low back pain"
    as not covered; nor does a listed use "chronic daily headache that does not meet the definition of chronic
    migraine" name chronic migraine."""
    if not unit.verdict and unit.kind != "list_item":
        return set()
    words = view.excepted_words.get(unit.unit_id)
    if words is None:
        text = view.text_of(unit)
        clauses = [m.group(1) for row in lexicon.rows("verdicts", "exception_clause") if row.pattern is not None
                   for m in row.pattern.finditer(text)]
        words = view.excepted_words[unit.unit_id] = set(content_words(" ".join(clauses))) if clauses else set()
    return words


def failed_condition(view: PolicyView, unit: Unit) -> bool:
    """ "Maxillomandibular advancement for OSA when the member has not completed a 3-month trial of PAP therapy": a
    listed use that is the failure of a criterion (lexicon/verdicts.toml [condition_not_met])."""
    if unit.kind != "list_item":
        return False
    text = view.text_of(unit)  # "Routine VFA that does not meet criteria in section D." too
    return bool(lexicon.pattern("verdicts", "condition_not_met").search(text)
                or lexicon.pattern("verdicts", "criteria_not_met").search(text))


def converse(view: PolicyView, unit: Unit) -> bool:
    """ "... is considered not medically necessary when the criteria above are not met": the other side of a criteria
    statement, about a case that fails its criteria (lexicon/verdicts.toml [criteria_not_met])."""
    return unit.verdict in {"not_medically_necessary", "not_covered", "investigational"} \
        and bool(lexicon.pattern("verdicts", "criteria_not_met").search(view.text_of(unit)))


@functools.cache
def _exclusive() -> tuple[frozenset[str], ...]:
    return tuple(frozenset(_content_words(row["words"])) for row in lexicon.rows("questions", "exclusive"))


def other_case(asked: list[str] | tuple[str, ...], written: set[str]) -> bool:
    """Does a unit that writes these words name another case than the one asked ("mild or moderate" for a question
    that says severe, "episodic" for chronic)? Groups of exclusive qualifiers: lexicon/questions.toml [exclusive]."""
    for group in _exclusive():
        said = group.intersection(asked)
        stated = group & written
        if said and stated and not (said & stated):
            return True
    return False


def match(indication: list[str], unit: Unit, view: PolicyView) -> float:
    """How much of the question's indication a unit names: in-policy IDF-weighted recall, plus a little precision."""
    words = view.words(unit)
    if other_case(indication, words):
        return 0.0
    left_out = excepted(view, unit)
    if left_out:
        words = words - left_out
    found = [w for w in indication if names(w, words)]
    generic = lexicon.words("questions", "generic_indication")
    if not found or all(w in generic for w in found):
        return 0.0
    # "arthritis" read as "arthritis osteoarthritis": a unit that writes one of the two names what was asked
    indication = [w for w in indication if w in found or not read_into(w, set(found))]
    total = math.fsum(view.idf(w) * _weight(w) for w in indication)
    hit = math.fsum(view.idf(w) * _weight(w) for w in found)
    precision = len(found) / max(1, view.written_size(unit) - len(left_out))
    recall = hit / total
    if unit.kind == "list_item" and view.written_size(unit) <= 4:
        # a short list item the question names in full ("Epicondylitis" for "tennis elbow") is a match,
        # even when the lay words brought extra ones along
        covered = math.fsum(view.idf(w) for w in words if names(w, set(indication)))
        recall = max(recall, 0.9 * covered / max(1e-9, math.fsum(view.idf(w) for w in words)))
    return recall + 0.1 * precision


def rank(index: LoadedIndex, view: PolicyView, u: Understanding, units: list[Unit],
         words: list[str]) -> list[tuple[float, Unit]]:
    """Units by what the question asks: its indication words (in-policy IDF) and the sentence vectors."""
    vector = index.embedder.encode_query(u.expanded)
    scored = []
    for x in units:
        v = index.unit_vector(x.unit_id)
        dense = float(v @ vector) if v is not None else 0.0
        scored.append((match(words, x, view) + 0.5 * dense, x))
    scored.sort(key=lambda t: -t[0])
    return scored


def paragraph(view: PolicyView, unit: Unit, units: list[Unit]) -> Unit:
    """A short paragraph ("Not applicable. Because cosmetic services are a contract exclusion, ...") is quoted whole."""
    text = view.record.text
    same = [x for x in units if x.kind in {"sentence", "lead_in"} and x.section == unit.section]
    if unit not in same:
        return unit
    i = same.index(unit)
    lo = hi = i
    while lo > 0 and "\n\n" not in text[same[lo - 1].end:same[lo].start]:
        lo -= 1
    while hi + 1 < len(same) and "\n\n" not in text[same[hi].end:same[hi + 1].start]:
        hi += 1
    start, end = same[lo].start, same[hi].end
    if lo == hi or end - start > 400:
        return unit
    return replace(unit, kind="paragraph", start=start, end=end, verdict=None, catch_all=False, parent=None)


@dataclass
class Finding:
    """One policy's answer before it is put into words."""

    view: PolicyView
    verdict: Verdict | None
    cites: list[tuple[Unit, str, float]]  # (unit, role, score)
    matched_item: Unit | None = None
    note: str | None = None
    remark: str | None = None  # a line the answer adds as is ("20550 is not listed in this policy.")
