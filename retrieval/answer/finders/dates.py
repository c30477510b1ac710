"""Dates: the header field asked for (reviewed, revised, effective), or the history line of an event."""

from __future__ import annotations

import re
from dataclasses import replace

from ... import lexicon
from ...metadata import HEADER_SCAN_CHARS, dated_fields
from ...models import HeaderField, Unit
from ...search import LoadedIndex
from ..understanding import Understanding
from ..view import Finding, PolicyView
from ..words import content_words

# What answers when the policy does not write the date asked for, nearest first
FALLBACK = {
    "effective": ("effective", "revised", "original", "reviewed"),
    "original": ("original", "effective"),
    "reviewed": ("reviewed", "revised", "effective"),
    "revised": ("revised", "reviewed", "effective"),
    "next_review": ("next_review", "reviewed", "revised", "effective"),
}


def dates(index: LoadedIndex, view: PolicyView, u: Understanding) -> Finding:
    record = view.record
    wanted = u.date_field or "reviewed"
    event = history_event(view, u)
    if event is not None:
        return event
    by_kind = {f.name: f for f in dated_fields(record.text)}
    if wanted not in by_kind:
        # a closing block of dates ("Revised Dates: ... Reviewed Dates: 05/14/2025; ..." at the policy's end)
        by_kind.update({f.name: f for f in closing_dates(record.text) if f.name not in by_kind})
    order = [k for k in FALLBACK.get(wanted, (wanted,)) if k in by_kind]
    order += [k for k in ("effective", "reviewed", "revised", "original", "next_review") if k in by_kind and k not in order]
    fields = [by_kind[k] for k in order]
    units = {(x.start): x for x in view.units_by_section_kind.get("header", []) if x.kind == "field"}
    cites = []
    for f in fields:
        unit = next((x for x in units.values() if x.start <= f.start < x.end or f.start <= x.start < f.end), None)
        if unit is None or any(unit is c[0] for c in cites):
            # a field the header block did not hold ("Last Review: 02/11/2025" under a cookie notice, or on a PDF line
            # with other fields): quoted by its own span, label and value
            unit = Unit(f"field:{f.start}", "", record.doc_key, "field", "Header", "header", f.start, f.end)
        cites.append((unit, "answer", 1.0 if f.name == wanted else 0.6))
    if not cites or fields[0].name != wanted:
        return Finding(view, None, cites, note=f"no {wanted} date")
    if u.asks_change:
        value = fields[0].value.lower()
        for x in view.units_by_section_kind.get("history", []):
            if value and value in view.text_of(x).lower():
                return Finding(view, None, [(x, "answer", 1.0), *cites])
    return Finding(view, None, cites)


LINE_REST_CHARS = 120  # the rest of a dated line quoted with its date


def closing_dates(text: str) -> list[HeaderField]:
    """The dated labels after a policy's header, where many plans keep their review and revision dates (a closing
    block, a history table), each at its place in the whole text."""
    offset = HEADER_SCAN_CHARS
    found: dict[str, HeaderField] = {}
    while offset < len(text):
        for f in dated_fields(text[offset:offset + HEADER_SCAN_CHARS]):
            # quoted to its line's end: "Reviewed Dates: 05/14/2025; 05/2024; 05/2023" lists every review
            end = text.find("\n", f.end + offset)
            end = end if 0 <= end - (f.end + offset) <= LINE_REST_CHARS else f.end + offset
            while text[end - 1].isspace():
                end -= 1
            found.setdefault(f.name, replace(f, start=f.start + offset, end=end))
        offset += HEADER_SCAN_CHARS - 200  # (a label across the cut is read whole by the next part)
    return sorted(found.values(), key=lambda f: f.start)


def history_event(view: PolicyView, u: Understanding) -> Finding | None:
    """ "What changed in October 2019?", "When were the codes added?": the policy history line that says so."""
    history = [x for x in view.units_by_section_kind.get("history", []) if x.kind in {"list_item", "code_row", "sentence"}]
    if not history or not u.asks_event:
        return None
    payer_stems = set(lexicon.stem_words(re.findall(r"[a-z0-9]+", view.record.meta.payer.lower())))
    title = set(content_words(view.record.meta.title))
    asked = [w for w in u.event_words(payer_stems) if w not in title]
    if not asked:
        return None
    scored = []
    for x in history:
        text = view.text_of(x)
        words = set(lexicon.stem_words(re.findall(r"[a-z0-9]+", text.lower()))) | set(re.findall(r"[a-z0-9]+", text.lower()))
        hit = sum(1 for w in asked if w in words)
        scored.append((hit / len(asked), x))
    scored.sort(key=lambda t: -t[0])
    if scored[0][0] < 0.34:
        return None
    return Finding(view, None, [(scored[0][1], "answer", scored[0][0])])
