"""Turns a parsed policy into section-aware chunks with stable ids; chunks tile the text with no gaps."""

from __future__ import annotations

import hashlib

from .models import LOG_SECTIONS, Chunk, PolicyDocument, Section, Unit, embeds
from .structure import Structure, parse

MAX_CHUNK_CHARS = 900
# Lists in these sections (reference lists, review history) may be split; coverage lists never are.
_SPLITTABLE = LOG_SECTIONS


def stable_id(*parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return digest[:20]


def chunk_document(doc: PolicyDocument, max_chars: int = MAX_CHUNK_CHARS) -> tuple[tuple[Section, ...], tuple[Chunk, ...]]:
    """Sections and chunks of one document. Chunk i covers [start_i, start_{i+1}): every character lands in one chunk."""
    text = doc.text
    structure = parse(text)
    sections = tuple(
        Section(s.name, s.kind, s.start, structure.section_end(i, len(text)), s.inferred)
        for i, s in enumerate(structure.sections)
    )
    plans = _plan(structure, len(text), max_chars)
    chunks: list[Chunk] = []
    for n, (start, section_index, unit_indexes) in enumerate(plans):
        end = plans[n + 1][0] if n + 1 < len(plans) else len(text)
        section = sections[section_index]
        chunk_text = text[start:end]
        chunk_id = stable_id("chunk", doc.doc_key, start, end, section.name, chunk_text)
        unit_ids = {i: stable_id("unit", chunk_id, structure.units[i].start, structure.units[i].end) for i in unit_indexes}
        units = []
        for i in unit_indexes:
            raw = structure.units[i]
            parent = None
            if raw.parent_index is not None:
                parent = unit_ids.get(raw.parent_index) or stable_id(
                    "unit", _owner(plans, raw.parent_index, doc, text, sections), structure.units[raw.parent_index].start,
                    structure.units[raw.parent_index].end,
                )
            units.append(
                Unit(
                    unit_id=unit_ids[i], chunk_id=chunk_id, doc_key=doc.doc_key, kind=raw.kind,
                    section=section.name, section_kind=section.kind, start=raw.start, end=raw.end,
                    verdict=raw.verdict, catch_all=raw.catch_all, parent=parent, embedded=embeds(raw.kind, section.kind),
                )
            )
        chunks.append(Chunk(chunk_id, doc.doc_key, section.name, section.kind, start, end, chunk_text, tuple(units)))
    return sections, tuple(chunks)


def _owner(plans, unit_index: int, doc: PolicyDocument, text: str, sections) -> str:
    """The chunk id of the chunk that holds a unit (for a list item whose lead-in sits in an earlier chunk)."""
    for n, (start, section_index, unit_indexes) in enumerate(plans):
        if unit_index in unit_indexes:
            end = plans[n + 1][0] if n + 1 < len(plans) else len(text)
            return stable_id("chunk", doc.doc_key, start, end, sections[section_index].name, text[start:end])
    return ""


def _plan(structure: Structure, text_len: int, max_chars: int) -> list[tuple[int, int, list[int]]]:
    """(chunk start, section index, unit indexes) for each chunk, in text order."""
    plans: list[tuple[int, int, list[int]]] = []
    by_section: dict[int, list[int]] = {}
    for i, unit in enumerate(structure.units):
        by_section.setdefault(unit.section_index, []).append(i)
    for section_index, section in enumerate(structure.sections):
        indexes = by_section.get(section_index, [])
        start = 0 if not plans else section.start
        splittable = section.kind in _SPLITTABLE
        # groups: runs of units that must stay together (a lead-in and its list items)
        groups: list[list[int]] = []
        for i in indexes:
            if groups and structure.units[groups[-1][-1]].group == structure.units[i].group and not splittable:
                groups[-1].append(i)
            else:
                groups.append([i])
        current: list[int] = []
        chunk_start = start
        for group in groups:
            group_end = structure.units[group[-1]].end
            if current and group_end - chunk_start > max_chars:
                plans.append((chunk_start, section_index, current))
                chunk_start = structure.units[group[0]].start
                current = []
            current.extend(group)
        if current or not indexes:
            plans.append((chunk_start, section_index, current))
    # a section with no units still owns its text; merge empty plans into their predecessor when possible
    merged: list[tuple[int, int, list[int]]] = []
    for plan in plans:
        if merged and not plan[2] and merged[-1][1] == plan[1]:
            continue
        merged.append(plan)
    if merged:
        first = merged[0]
        merged[0] = (0, first[1], first[2])
    return merged
