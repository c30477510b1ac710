"""Codes: the policy's code rows for what was asked (the codes named, the ones besides them, or the service's)."""

from __future__ import annotations

from ...search import LoadedIndex
from ..understanding import Understanding
from ..view import Finding, PolicyView, match
from .passages import best_sentence


def codes(index: LoadedIndex, view: PolicyView, u: Understanding) -> Finding:
    units = [x for x in view.units_by_section_kind.get("codes", []) if x.kind in {"list_item", "code_row"}]
    if not units:
        units = [x for x in view.all_units() if x.kind in {"list_item", "code_row"} and view.has_code(x)]
    if u.codes and u.besides:
        others = [x for x in units if view.has_code(x) and not any(c in view.text_of(x).upper() for c in u.codes)]
        if others:
            return Finding(view, None, [(x, "answer", 1.0) for x in others[:8]])
    if u.codes:
        wanted = [x for x in units if any(c in view.text_of(x).upper() for c in u.codes)]
        if wanted:
            return Finding(view, None, [(x, "answer", 1.0) for x in wanted[:4]])
    with_codes = [x for x in units if view.has_code(x)] or units
    if not with_codes:
        return best_sentence(index, view, u, ("codes",), note="The policy lists no procedure codes.")
    if u.indication:
        scored = sorted(with_codes, key=lambda x: -match(list(u.indication), x, view))
        if match(list(u.indication), scored[0], view) > 0:
            with_codes = scored
    return Finding(view, None, [(x, "answer", 1.0) for x in with_codes[:8]])
