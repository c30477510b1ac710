"""Codes: the policy's code rows for what was asked (the codes named, the ones besides them, or the service's)."""

from __future__ import annotations

import re

from ...models import Unit
from ...search import LoadedIndex
from ..understanding import Understanding
from ..view import Finding, PolicyView, match
from ..words import content_words
from .passages import best_sentence

# A row that names the asked thing only to set it apart: "without electrical stimulation", "other than spinal
# applications", "Canister ... used with suction pump", "Replacement garment for use with automated external
# defibrillator"; and an add-on code ("each additional vertebral body") unless more than one is asked for.
_SET_APART = re.compile(r"\b(?:without|other than|except|excluding|(?:for )?use[ds]? with)\s+((?:[\w-]+[ ,]+){0,3}[\w-]+)", re.I)
_ADD_ON = re.compile(r"\beach additional\b|\badd-on\b|\blist separately\b", re.I)
_ASKS_MORE = re.compile(r"\b(?:additional|each|another|second|third|more|multiple|several)\b", re.I)


def _row_score(indication: list[str], unit: Unit, view: PolicyView, u: Understanding) -> float:
    """How well a code row answers: the asked words it names, less a row that names them only to set them apart."""
    text = view.text_of(unit)
    score = match(indication, unit, view)
    asked = set(indication)
    for found in _SET_APART.finditer(text):
        if asked & set(content_words(found.group(1))):
            score -= 0.3
    if _ADD_ON.search(text) and not _ASKS_MORE.search(u.text):
        score -= 0.2
    return score


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
        scored = sorted(with_codes, key=lambda x: -_row_score(list(u.indication), x, view, u))
        if match(list(u.indication), scored[0], view) > 0:
            with_codes = scored
    return Finding(view, None, [(x, "answer", 1.0) for x in with_codes[:8]])
