"""The best sentences of a policy for a question with no finder of its own, and supporting passages after an answer."""

from __future__ import annotations

import re
from dataclasses import replace

from ... import lexicon
from ...models import NOT_PASSAGE_SECTIONS, NOT_SUPPORT_SECTIONS, SectionKind, Verdict
from ...search import LoadedIndex
from ..understanding import Understanding
from ..view import Finding, PolicyView, match, rank
from ..words import content_words


def best_sentence(index: LoadedIndex, view: PolicyView, u: Understanding, kinds: tuple[SectionKind, ...], *,
                  verdict: Verdict | None = None, note: str | None = None) -> Finding:
    pool = [x for k in kinds for x in view.units_by_section_kind.get(k, []) if x.kind in {"sentence", "lead_in", "list_item"}
            and not view.is_header_line(x)]
    if not pool:
        pool = [x for x in view.all_units() if x.kind in {"sentence", "lead_in", "list_item", "code_row"}
                and x.section_kind not in NOT_PASSAGE_SECTIONS and not view.is_header_line(x)]
    if not pool:
        return Finding(view, verdict, [], note=note)
    vector = index.embedder.encode_query(u.expanded)
    # (a term the question asks to define may be the service itself: "How does WellFirst define osseointegration?")
    words = list(u.indication) or list(u.content) or list(dict.fromkeys(content_words(u.expanded)))
    scored = []
    first_in_section: set[str] = set()
    seen_sections: set[str] = set()
    for x in pool:
        if x.section not in seen_sections:
            seen_sections.add(x.section)
            first_in_section.add(x.unit_id)
    for x in pool:
        v = index.unit_vector(x.unit_id)
        dense = float(v @ vector) if v is not None else 0.0
        lexical = match(words, x, view) if words else 0.0
        bonus = 0.15 if (kinds and kinds[0] in {"description", "definitions"} and x.unit_id in first_in_section) else 0.0
        if kinds and (x.section_kind == kinds[0] or (u.intent == "definition" and x.section_kind == "definitions")):
            bonus += 0.3  # the question's own section first: FDA status from "Regulatory Status", not the description
        if u.intent == "definition" and words and _defines(view, x, words):
            bonus += 0.3  # "Profound hearing loss: pure-tone average of 90 dB HL or greater." defines what was asked
        scored.append((dense + lexical + bonus, x))
    scored.sort(key=lambda t: -t[0])
    return Finding(view, verdict, [(x, "answer", s) for s, x in scored[:3]], note=note)


_DEFINED_TERM = re.compile(r"\s*(?:[A-Za-z0-9]{1,3}[.)]\s+)?([^:.;\n]{2,160}?)(?:\s*[:\u2014\u2013]\s|\s+\((?:[A-Z]{2,6})\)\s*[:\u2014\u2013]\s"
                           r"|\s+(?:is|are|means|refers to|is defined as|are defined as|describes)\b)")
_ALSO_CALLED = re.compile(r",\s*(?:also|otherwise)\s+(?:called|known as|referred to as|termed)\b[^,]*,?", re.I)


def _defines(view: PolicyView, unit, words: list[str]) -> bool:
    """Does the unit open with the asked term and define it ("Osseointegration: the direct structural connection ...",
    "Profound hearing loss means ...", "Prolotherapy, also referred to as ..., refers to a procedure ...")? It opens
    with the term, which is most of what comes before the definition ("The goal of prolotherapy is" defines nothing)."""
    m = _DEFINED_TERM.match(view.text_of(unit))
    if m is None:
        return False
    opening = content_words(_ALSO_CALLED.sub(" ", m.group(1)))
    head = set(opening)
    named = [w for w in words if w in head]
    return bool(opening) and opening[0] in words and len(named) >= max(1, 0.6 * len(words)) \
        and len(head - set(words)) <= 2


NEGATIVE = frozenset({"investigational", "not_medically_necessary", "not_covered"})


def support(index: LoadedIndex, finding: Finding, u: Understanding, want: int = 3) -> Finding:
    """Supporting passages after the carrier: the sentences of the policy closest to what was asked."""
    if len(finding.cites) >= want or finding.note == "silent on prior approval":
        return finding
    view = finding.view
    cited = {(x.start, x.end) for x, _, _ in finding.cites}
    pool = [x for x in view.all_units()
            if x.kind in {"sentence", "lead_in", "list_item", "code_row"} and x.section_kind not in NOT_SUPPORT_SECTIONS
            and (x.start, x.end) not in cited and (u.intent == "dates" or not view.is_header_line(x))]
    if finding.verdict in NEGATIVE:
        # a passage that argues for the service ("may relieve pain", a society's recommendation) is no support for
        # "not covered": read aloud, it says the opposite of the verdict
        favourable = lexicon.joined("verdicts", "favourable")
        pool = [x for x in pool if not favourable.search(view.text_of(x)) or x.verdict in NEGATIVE]
    if not pool:
        return finding
    words = list(u.indication) or [w for w in content_words(u.expanded)]
    extra = [(x, "support", sc) for sc, x in rank(index, view, u, pool, words)[: want - len(finding.cites)]]
    return replace(finding, cites=[*finding.cites, *extra])
