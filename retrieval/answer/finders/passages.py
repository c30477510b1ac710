"""The best sentences of a policy for a question with no finder of its own, and supporting passages after an answer."""

from __future__ import annotations

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
    words = list(u.indication) or list(dict.fromkeys(content_words(u.expanded)))
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
        if kinds and x.section_kind == kinds[0]:
            bonus += 0.3  # the question's own section first: FDA status from "Regulatory Status", not the description
        scored.append((dense + lexical + bonus, x))
    scored.sort(key=lambda t: -t[0])
    return Finding(view, verdict, [(x, "answer", s) for s, x in scored[:3]], note=note)


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
