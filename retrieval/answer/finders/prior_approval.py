"""Prior approval: the policy's own prior-approval section, else a sentence that mentions it, else "silent"."""

from __future__ import annotations

from ... import lexicon
from ...models import NOT_PRIOR_APPROVAL_SECTIONS
from ...search import LoadedIndex
from ..understanding import Understanding
from ..view import Finding, PolicyView, match, paragraph, rank

# Words of the question itself, not of what needs approval ("does the trial need prior approval?").
_ASKING = {"prior", "approv", "author", "requir", "need", "again", "review", "notif", "precertif", "predetermin"}


def prior_approval(index: LoadedIndex, view: PolicyView, u: Understanding) -> Finding:
    units = [x for x in view.units_by_section_kind.get("prior_approval", []) if x.kind not in {"heading", "line"}]
    if units:
        words = [w for w in u.indication if w not in _ASKING]
        ranked = [(1.0, x) for x in units]
        if words:
            scored = rank(index, view, u, units, words)
            if match(words, scored[0][1], view) > 0:
                ranked = scored
        top = paragraph(view, ranked[0][1], units)
        rest = [(x, "answer", sc) for sc, x in ranked[1:3] if not (top.start <= x.start < top.end)]
        return Finding(view, None, [(top, "answer", ranked[0][0]), *rest])
    mention = lexicon.pattern("documents", "prior_approval_mention")
    mentions = [x for x in view.all_units()
                if x.section_kind not in NOT_PRIOR_APPROVAL_SECTIONS and x.kind != "heading"
                and mention.search(view.text_of(x))]
    if mentions:
        # the mention that names what is asked about first ("Replacement of a pulse generator at end of battery life also
        # requires prior review." for a battery question), else the one closest in meaning to the question
        words = [w for w in u.indication if w not in _ASKING and w not in view.service_words()]
        rule = lexicon.pattern("documents", "prior_approval_rule")
        ranked = sorted(rank(index, view, u, mentions, words), key=lambda t: not rule.search(view.text_of(t[1])))
        return Finding(view, None, [(x, "answer", sc) for sc, x in ranked[:2]])
    cites = [(view.statements[0].unit, "context", 0.5)] if view.statements else []
    return Finding(view, None, cites, note="silent on prior approval")
