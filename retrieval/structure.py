"""Finds a policy's sections and quotable units (sentences, list items with their lead-ins, code rows, header fields).

Works on the canonical text and only ever records spans into it, so every later quote is `text[start:end]`.
Handles the heading styles payers use (`Prior Approval:`, ALL CAPS, numbered, Markdown, Title Case lines)
and text hard-wrapped at ~70 columns, and restores sections whose headings were lost in extraction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import lexicon
from .headings import (
    BLANK_CHARS,
    BULLET,
    CODE_ROW,
    INLINE_LABELS,
    heading_name,
    is_list_line,
    is_numbered_heading,
    marker_style,
    section_kind,
    strong_heading,
    title_case,
)
from .lexicon.verdicts import is_catch_all, status_cell_verdict, verdict_of
from .metadata import header_fields

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_INLINE_HEADING = re.compile(r"^[ \t]*(?:\*\*|__)?(?P<name>[A-Za-z][A-Za-z /\-]{2,40}?)[ \t]*:(?:\*\*|__)?[ \t]+(?=\S)")
_PAGE_FOOTER = re.compile(
    r"^[ \t]*(?:.{0,90}?\bpage:?[ \t]+\d+(?:[ \t]+of[ \t]+\d+)?|-[ \t]*\d+[ \t]*-|\d+[ \t]*/[ \t]*\d+)[ \t]*$", re.I)
_ABBREVIATIONS = {
    "e.g", "i.e", "eg", "ie", "etc", "vs", "al", "dr", "mr", "mrs", "ms", "no", "fig", "approx",
    "u.s", "st", "inc", "co", "ltd", "jr", "sr", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "vol", "pp", "ed", "eds", "min", "max", "ca",
}
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*(?=[\s\u00a0]+[\"'\u201c(\[]?[A-Z0-9\u2022])")
_EVIDENCE_START = lexicon.pattern("documents", "evidence_start")
_DESCRIPTION_START = lexicon.pattern("documents", "description_start")
_DISCLAIMER = lexicon.pattern("documents", "disclaimer")


@dataclass(frozen=True)
class RawUnit:
    kind: str  # sentence | lead_in | list_item | code_row | field | heading | line
    start: int
    end: int
    section_index: int
    verdict: str | None = None
    catch_all: bool = False
    parent_index: int | None = None  # index (in the units list) of a list item's lead-in
    group: int = 0  # units sharing a group must stay in one chunk (a lead-in and its list)


@dataclass(frozen=True)
class RawSection:
    name: str
    kind: str
    start: int
    inferred: bool = False


@dataclass(frozen=True)
class Structure:
    sections: tuple[RawSection, ...]
    units: tuple[RawUnit, ...]

    def section_end(self, index: int, text_len: int) -> int:
        return self.sections[index + 1].start if index + 1 < len(self.sections) else text_len


def _is_blank(line: str) -> bool:
    return line.strip(BLANK_CHARS + "\r\n") == ""


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in BLANK_CHARS + "\r\n":
        start += 1
    while end > start and text[end - 1] in BLANK_CHARS + "\r\n":
        end -= 1
    return start, end


def parse(text: str) -> Structure:
    """Sections and quotable units of one policy text."""
    lines = [(m.start(), m.end()) for m in _LINE.finditer(text) if m.end() > m.start()]
    all_fields = header_fields(text)

    blocks: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for start, end in lines:
        if _is_blank(text[start:end]):
            if current:
                blocks.append(current)
                current = []
        else:
            current.append((start, end))
    if current:
        blocks.append(current)

    furniture = running_lines(text, lines)
    header_end = _header_end(text, blocks, all_fields)
    fields = tuple(f for f in all_fields if f.start < header_end)
    field_starts = {f.start: f for f in fields}

    sections: list[RawSection] = []
    units: list[RawUnit] = []
    group_counter = [0]

    def new_group() -> int:
        group_counter[0] += 1
        return group_counter[0]

    def open_section(name: str, kind: str, start: int, inferred: bool = False) -> None:
        sections.append(RawSection(name, kind, start, inferred))

    def current_kind() -> str:
        return sections[-1].kind if sections else "other"

    if fields:
        open_section("Header", "header", 0)

    carried_lead: tuple[int, int] | None = None  # (lead-in unit index, group) from a paragraph just before a list block
    # a list item cut by a page break ("... the following services have" | page footer and header | "not been ...")
    carried_item: tuple[int, int | None, int | None, list[list]] | None = None
    # a list that a blank line interrupts ("A. ... when the criteria listed are met:" | blank | "1. Chronic migraine"):
    # (levels, last item, group, lead-in, item indent) of the block before, for a next block that goes on with it
    carried_list: tuple[list[list], int | None, int | None, int | None, int] | None = None

    # each block's first line past a page break's running header and footer
    firsts = [next((text[s:e] for s, e in block
                    if text[s:e].strip() and not _PAGE_FOOTER.match(text[s:e]) and _key(text[s:e]) not in furniture), "")
              for block in blocks] + [""]

    last_content = ""  # the last line read that is no page furniture: what a line right after a running header follows
    for block_number, block in enumerate(blocks):
        block_start = block[0][0]
        # the next block's first line past a page break's running header and footer ("... for ANY of the following:" |
        # "Page 2 of 5" | "Tufts Health Plan | ... | MNG-DME-0348" | "1. Mild deformity ...")
        next_first = firsts[block_number + 1]
        next_block_is_list = is_list_line(next_first)
        # --- the header: field lines and the plan name above them
        if block_start < header_end or (fields and block_start <= header_end):
            for start, end in block:
                s, e = _trim(text, start, end)
                if s >= e or _key(text[s:e]) in furniture:
                    continue
                field = field_starts.get(start) or next((f for f in fields if f.start <= s < f.end), None)
                units.append(RawUnit("field" if field else "line", s, e, len(sections) - 1, group=new_group()))
            continue

        prose: list[tuple[int, int]] = []  # line spans of the running paragraph
        list_group: int | None = carried_lead[1] if carried_lead else None
        lead_in_index: int | None = carried_lead[0] if carried_lead else None
        carried_lead = None
        last_item: int | None = None
        item_indent = 0  # how far the last item's marker stands in from the margin
        levels: list[list] = []  # nested lists: [marker style, parent unit index, last marker(, indent)] per level
        interrupted, carried_list = carried_list, None
        if interrupted is not None and BULLET.match(firsts[block_number]):
            # the list goes on after the blank line: its items keep their levels ("2." after "1." and its "a."-"d.")
            levels = [list(level) for level in interrupted[0]]
            last_item, list_group, lead_in_index, item_indent = interrupted[1:]
        units_before, sections_before = len(units), len(sections)
        resumed = carried_item
        carried_item = None
        table_block = sum(1 for s, e in block if CODE_ROW.match(text[s:e])) >= 2
        status_rows = _status_rows(text, block)
        width = max((len(text[s:e].rstrip()) for s, e in block), default=0)  # the block's wrap width

        def flush_prose(before_list: bool) -> None:
            nonlocal lead_in_index, list_group
            if not prose:
                return
            span_start, span_end = _trim(text, prose[0][0], prose[-1][1])
            prose.clear()
            if span_start >= span_end:
                return
            sentences = split_sentences(text, span_start, span_end)
            _infer_section(text, sentences[0], sections, open_section, current_kind())
            section_index = len(sections) - 1
            for i, (s, e) in enumerate(sentences):
                sentence = text[s:e]
                is_lead = before_list and i == len(sentences) - 1
                group = new_group()
                if is_lead:
                    list_group = group
                units.append(
                    RawUnit(
                        "lead_in" if is_lead else "sentence", s, e, section_index,
                        verdict=verdict_of(sentence), catch_all=is_catch_all(sentence), group=group,
                    )
                )
                if is_lead:
                    lead_in_index = len(units) - 1
                    levels.clear()

        after_heading = False
        suspended = None  # the list a paragraph inside one of its items interrupted (levels, group, lead-in, indent)
        for line_number, (start, end) in enumerate(block):
            line = text[start:end].rstrip("\r\n")
            first = line_number == 0 or after_heading
            after_heading_line = after_heading
            after_heading = False
            alone = len(block) == 1
            if _RULE_LINE.fullmatch(line.strip()):
                # "=========" above or under a heading: a drawn line, never quoted and no part of a sentence
                flush_prose(before_list=False)
                after_heading = True  # the line after it starts afresh, as a block's first line does
                continue
            if _PAGE_FOOTER.match(line) or _key(line) in furniture:
                # a page break ends the running unit; the footer is not quotable. A paragraph that ends with ":" leads
                # in the list on the next page
                flush_prose(before_list=bool(prose) and text[prose[-1][0]:prose[-1][1]].rstrip().endswith(":"))
                continue
            if resumed is not None:
                if line[:1].islower() and not BULLET.match(line):
                    last_item, list_group, lead_in_index, levels = resumed
                resumed = None
            following = block[line_number + 1:] if line_number + 1 < len(block) else []
            previous = text[block[line_number - 1][0]:block[line_number - 1][1]].strip() if line_number else ""
            if previous and (_PAGE_FOOTER.match(previous) or _key(previous) in furniture):
                # "... addressed in Section 4." | "Page 2 of 6" | running header | "4. Not Covered and Not Medically
                # Necessary": the line follows the page's last line of text, not its furniture
                previous = last_content
            last_content = line.strip()
            continuation = bool(previous) and not after_heading_line and previous[-1] not in ".:;!?" \
                and not _PAGE_FOOTER.match(previous) and not _RULE_LINE.fullmatch(previous) \
                and not ((CODE_ROW.match(previous) or _ICD10_ROW.match(previous))
                         and section_kind(line.strip().rstrip(":")) != "other")
            if _SECTION_NUMBER.match(line) and following:
                after_heading = True  # "7)" alone on its line numbers the heading on the next one ("Clinical Indications")
                continue
            if continuation and _names_a_section(line) and following \
                    and text[following[0][0]:following[0][1]].strip()[:1].isupper():
                continuation = False  # "... sole treatment of OSA" | "Prior Authorization" | "Custom-fabricated ..."
            heading = heading_name(line, first, alone and not following, next_block_is_list, current_kind(), table_block,
                                    text, [(start, end), *following], continuation=continuation,
                                    after_lead_in=lead_in_index is not None and not prose and last_item is None,
                                    previous=previous,
                                    lettered=alone and not following and not next_block_is_list
                                    and block_number + 1 < len(blocks) and not (units and units[-1].kind == "list_item"),
                                    part_line=_part_title(line, previous, following, text))
            if heading is not None:
                flush_prose(before_list=False)
                name, subheading = heading
                if (current_kind() == "history" and sections[-1].start > len(text) // 2 and not alone
                        and section_kind(name) in STATEMENT_KINDS and not strong_heading(line)):
                    # "Policy Effective | Date" heads a column of the history table at the end, not a policy (a
                    # "Reference" table header near the top does not make the rest of the policy end matter)
                    subheading = True
                if current_kind() == "codes" and "code" in name.lower() and not strong_heading(line):
                    subheading = True  # "Code Description" heads the columns of a code table
                if not subheading and section_kind(name) == "other" and current_kind() in STATEMENT_KINDS - {"prior_approval"} \
                        and any(u.verdict for u in units if u.section_index == len(sections) - 1) and not _not_a_part(name):
                    # "PRIMARY BARIATRIC SURGERY - ADULTS", "Replacement of External Components", "Continuing treatment"
                    # after the policy's statements name no section: they head parts of the statement section, whose
                    # statements they hold ("IMPORTANT NOTICE", "PROCEDURE", "Related Policies" are no parts of it)
                    subheading = True
                s, e = _trim(text, start, end)
                if subheading:
                    units.append(RawUnit("heading", s, e, len(sections) - 1, group=new_group()))
                else:
                    open_section(name, section_kind(name), s)
                    units.append(RawUnit("heading", s, e, len(sections) - 1, group=new_group()))
                list_group = lead_in_index = last_item = suspended = None
                levels.clear()
                after_heading = True
                continue
            inline = _INLINE_HEADING.match(line)
            if inline and first and section_kind(inline.group("name")) in {"prior_approval", "codes", "policy", "criteria"} \
                    and inline.group("name").lower() in INLINE_LABELS:
                flush_prose(before_list=False)
                open_section(inline.group("name").strip(), section_kind(inline.group("name")), start)
                prose.append((start + inline.end(), end))
                continue
            bullet = BULLET.match(line)
            if bullet and (not is_numbered_heading(line) or (lead_in_index is not None and not prose)):
                if prose:
                    # "1. Diabetic wounds ... when ALL of the following are met:", its "a."-"c.", then "Wagner grade 1
                    # and grade 2 ... do not meet criteria" under it, then "2. Chronic refractory osteomyelitis": the
                    # paragraph belongs to item 1 and leads in nothing, for "2." goes on with the list
                    goes_on = suspended is not None and _continues(suspended[0], line) \
                        and not text[prose[-1][0]:prose[-1][1]].rstrip().endswith(":")
                    flush_prose(before_list=not goes_on)
                    if goes_on:
                        levels[:] = suspended[0]
                        list_group, lead_in_index, item_indent = suspended[1:]
                suspended = None
                if list_group is None:
                    list_group = new_group()
                s, e = _trim(text, start + bullet.end(), end)
                opener = last_item if last_item is not None and _opens_list(text, units[last_item]) else None
                indent = len(line) - len(line.lstrip(" \t"))
                if opener is not None and levels and indent > item_indent and marker_style(line) == levels[-1][0]:
                    # "  • G. The following are not medically necessary:" then "    • 1. ...": the same bullet sign, set in
                    # further, is a list nested in the item that leads into it; the next "  • H." goes back out
                    levels.append([levels[-1][0], opener, BULLET.match(line).group(0).strip().strip("()."), indent])
                    parent = opener
                else:
                    parent = _list_parent(levels, line, lead_in_index, opener)
                units.append(
                    RawUnit("list_item", s, e, len(sections) - 1, verdict=verdict_of(text[s:e]),
                            catch_all=_catch_all_item(text[s:e]), parent_index=parent, group=list_group)
                )
                last_item = len(units) - 1
                item_indent = len(line) - len(line.lstrip(" \t"))
                continue
            if units and units[-1].kind == "code_row" and not CODE_ROW.match(line) and not line.lstrip().startswith("|") \
                    and text.count("\n", units[-1].end, start) <= 1 \
                    and len(line) - len(line.lstrip(" \t")) > units[-1].start - (text.rfind("\n", 0, units[-1].start) + 1):
                # "90868   Therapeutic repetitive transcranial magnetic stimulation (TMS)" then, indented under its
                # description, "treatment; subsequent delivery and management, per session": the row's wrapped line
                row = units[-1]
                s, e = _trim(text, row.start, end)
                units[-1] = RawUnit("code_row", s, e, row.section_index, group=row.group)
                continue
            if table_block and (CODE_ROW.match(line) or line.lstrip().startswith("|")):
                flush_prose(before_list=False)
                if re.fullmatch(r"[\s|:\-]+", line):
                    continue  # a Markdown table rule
                s, e = _trim(text, start, end)
                units.append(RawUnit("code_row", s, e, len(sections) - 1, group=list_group or new_group()))
                continue
            if last_item is not None and not prose and (
                    _item_ended(previous, line, width)
                    # "  6. Hypogonadism ...;" then "Repeat DXA in children ..." at the left margin: a paragraph, not
                    # the item's wrapped line (those stay indented under the item)
                    or len(line) - len(line.lstrip(" \t")) < item_indent
                    or _catch_all_after(previous, line, [text[a:b] for a, b in following[:2]])):
                # "7. ... (MRI)\nconditional labeling." then "Permanent implantation ... criteria are met:" starts a
                # new paragraph: a short line that ends a sentence is the item's last line, not a wrapped one
                suspended = ([list(level) for level in levels], list_group, lead_in_index, item_indent)
                last_item = None
                list_group = lead_in_index = None
                levels.clear()
            if last_item is not None and not prose:
                # a hard-wrapped list item continues on this line
                item = units[last_item]
                s, e = _trim(text, item.start, end)
                units[last_item] = RawUnit(item.kind, s, e, item.section_index, verdict=verdict_of(text[s:e]),
                                           catch_all=_catch_all_item(text[s:e]),
                                           parent_index=item.parent_index, group=item.group)
                continue
            if start in status_rows:
                # "Ocular tumors  Uveal melanoma ...  Medically necessary": a row of a coverage table states its own
                # position for the use it names
                flush_prose(before_list=False)
                s, e = _trim(text, start, end)
                units.append(RawUnit("sentence", s, e, len(sections) - 1, verdict=verdict_of(text[s:e]),
                                     catch_all=is_catch_all(text[s:e]), group=new_group()))
                continue
            prose.append((start, end))
        # a paragraph between two items of one list ("Continuation: after two treatment cycles ..." between "1." and
        # "2.") leads in nothing: the list goes on after it
        inside = (interrupted is not None and prose and last_item is None and len(sections) == sections_before
                  and all(x.kind == "sentence" for x in units[units_before:])
                  and not text[prose[-1][0]:prose[-1][1]].rstrip().endswith(":")
                  and _continues(interrupted[0], next_first))
        flush_prose(before_list=next_block_is_list and not inside)
        if last_item is not None and not text[units[last_item].start:units[last_item].end].rstrip().endswith(
                (".", ";", ":", "!", "?")):
            carried_item = (last_item, list_group, lead_in_index, levels)
        if last_item is not None:
            carried_list = (levels, last_item, list_group, lead_in_index, item_indent)
        elif inside:
            carried_list = interrupted
        elif next_block_is_list and lead_in_index is not None and units[lead_in_index].kind == "lead_in" \
                and list_group is not None:
            carried_lead = (lead_in_index, list_group)

    # Units before the first section (no header, no heading yet) belong to a leading "Document" section.
    if not sections or any(u.section_index < 0 for u in units):
        sections.insert(0, RawSection("Document", "other", 0, inferred=True))
        units = [RawUnit(u.kind, u.start, u.end, u.section_index + 1, u.verdict, u.catch_all, u.parent_index, u.group) for u in units]
    return Structure(tuple(sections), tuple(units))




_SECTION_NUMBER = re.compile(r"^[ \t]*\d{1,2}[.)][ \t]*$")


def _names_a_section(line: str) -> bool:
    """A short line that is only a known section's name ("Prior Authorization", "References")."""
    name = line.strip().rstrip(":").strip()
    return (0 < len(name.split()) <= 4 and name[-1:] not in ".;,!?" and section_kind(name) != "other"
            and (title_case(name) or name.isupper()))


_ICD10_ROW = re.compile(r"^[ \t|]*[A-TV-Z]\d{2}(?:\.[0-9A-Z]{1,4})?[ \t]")  # "G40.919 Epilepsy, unspecified, ..."
STATEMENT_KINDS = {"policy", "criteria", "exclusions", "prior_approval"}
_AMBIGUOUS = {"ambiguous-upper": ("alpha-upper", "roman-upper"), "ambiguous-lower": ("alpha-lower", "roman-lower")}


_ROMAN_NUMBERS = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")


def _continues(levels: list[list], line: str) -> bool:
    """Is the line the next item of a level of an interrupted list ("2." after "1.", "C." after "B.")?"""
    bullet = BULLET.match(line)
    if not bullet:
        return False
    style = marker_style(line)
    marker = bullet.group(0).strip().strip("().")
    for known, _, last, *_ in levels:
        if known != style and known not in _AMBIGUOUS.get(style, ()):
            continue
        if last.isdigit() and marker.isdigit():
            return int(marker) == int(last) + 1
        if last.lower() in _ROMAN_NUMBERS and marker.lower() in _ROMAN_NUMBERS and known.startswith("roman"):
            return _ROMAN_NUMBERS.index(marker.lower()) == _ROMAN_NUMBERS.index(last.lower()) + 1
        return len(last) == 1 and len(marker) == 1 and last.isalpha() and ord(marker) == ord(last) + 1
    return False


_JOINING_WORDS = {"and", "or", "for", "of", "the", "with", "to", "in", "a", "an", "by", "on", "at"}


def _part_title(line: str, previous: str, following: list[tuple[int, int]], text: str) -> bool:
    """PDF text keeps no blank lines: "C. Dorsal Root Ganglion (DRG) Stimulation" after a finished sentence, with the
    part's paragraph or its own numbered list on the next line, names a part of the policy as it would standing
    alone. Only a lettered or roman marker (a numbered line may be a short item), and never a line that stops on a
    joining word (the first line of a wrapped item)."""
    if not following or marker_style(line) == "digit" or not BULLET.match(line):
        return False
    if previous and previous[-1] not in ".:;!?" and not _names_a_section(previous):
        return False  # (the section's own heading, "IV. POLICY", ends nothing but is no line the part's title goes on)
    words = line[BULLET.match(line).end():].split()
    after = text[following[0][0]:following[0][1]]
    # ("D. Revision, Replacement and Removal" over its "1.", "2." heads its part too)
    if not words or words[-1].lower() in _JOINING_WORDS:
        return False
    return marker_style(after) != marker_style(line) if BULLET.match(after) else after.strip()[:1].isupper()


def _first_style(style: str) -> str:
    """The style a new list level is recorded with: "V." opening a list reads as a letter."""
    return _AMBIGUOUS.get(style, (style,))[0]


def _list_parent(levels: list[list], line: str, lead_in: int | None, opener: int | None) -> int | None:
    """The unit a list item belongs to. "I. ... when ALL of the following are met:" followed by "A.", "B." nests them
    under item I; the next "II." goes back to item I's level. `levels` ([style, parent, last marker] per level, outermost
    first) is updated in place."""
    style = marker_style(line)
    marker = (BULLET.match(line) or re.match("", "")).group(0).strip().strip("().")
    indent = len(line) - len(line.lstrip(" \t"))
    for depth in range(len(levels) - 1, -1, -1):
        known, parent, last = levels[depth][:3]
        if len(levels[depth]) > 3 and indent < levels[depth][3]:
            continue  # a level set in by its indent alone ends where a line stands further out
        alpha, roman = _AMBIGUOUS.get(style, (None, None))
        # "V." continues a lettered list only right after "U."; otherwise it is the roman numeral five
        next_letter = known == alpha and len(last) == 1 and ord(marker) == ord(last) + 1
        if known in (style, roman) or next_letter:
            del levels[depth + 1:]
            levels[depth][2] = marker
            return parent
    if opener is not None and levels:
        levels.append([_first_style(style), opener, marker])
        return opener
    if levels:
        # another numbering with nothing leading into it starts a list of its own ("Notes:" and its bullets, then
        # "I. ... II. ..."): it belongs to no earlier item or lead-in
        levels[:] = [[_first_style(style), None, marker]]
        return None
    levels.append([_first_style(style), lead_in, marker])
    return lead_in


def _item_ended(previous: str, line: str, width: int) -> bool:
    """Does a list item end at the previous line? It does when that line ends a sentence well short of the wrap
    width and this line starts a new one (in a PDF a hard-wrapped item fills its lines)."""
    stripped = line.strip()
    if previous.endswith(".") and stripped[:1].isupper() and stripped.endswith(":") and not BULLET.match(line):
        # "... oxygen regularly ("just in case" oxygen)." then "Devoted Health considers the following experimental,
        # investigational or unproven:": a finished item, then the lead-in of the next list, however long the lines
        return True
    return (width >= 60 and previous.endswith(".") and len(previous) < 0.6 * width
            and stripped[:1].isupper() and not BULLET.match(line))


_STATUS_HEADER = re.compile(r"\b(?:coverage status|status|coverage position|position|determination)\s*\|?\s*$", re.I)


def _status_rows(text: str, block: list[tuple[int, int]]) -> set[int]:
    """The starts of a coverage table's rows in a block: lines whose last cell is a status ("... Investigational"). A
    row with its cells set apart ("  ", "|", a tab) counts anywhere; a PDF row with single spaces only under its
    header ("Use Coverage status"). A table has two rows or more."""
    rows: list[int] = []
    under_header = False
    for start, end in block:
        line = text[start:end].strip()
        status = status_cell_verdict(line)
        if len(line.split()) <= 8 and _STATUS_HEADER.search(line) and not status:
            under_header = True
            continue
        if not status:
            continue
        if under_header or re.search(r"\S(?: {2,}|\t|\s*\|\s*)\S", line):
            rows.append(start)
    return set(rows) if len(rows) >= 2 else set()


def _catch_all_after(previous: str, line: str, following: list[str]) -> bool:
    """A sentence after a finished item that states a position for everything else ("All other treatments for
    hyperhidrosis not addressed in sections II through IV are considered investigational.") is no part of the item,
    even where the item filled its line."""
    if not previous.endswith(".") or not line.strip()[:1].isupper() or BULLET.match(line):
        return False
    sentence = [line.strip()]
    for more in following:
        if sentence[-1].endswith(".") or BULLET.match(more):
            break
        sentence.append(more.strip())
    joined = " ".join(sentence)
    return joined.endswith(".") and verdict_of(joined) is not None and is_catch_all(joined)


def _opens_list(text: str, unit: RawUnit) -> bool:
    return text[unit.start:unit.end].rstrip().endswith(":")


def _not_a_part(name: str) -> bool:
    """A heading after the statements that starts the document's furniture, not a part of its policy (sections.toml
    [words] not_a_part, or a table of contents' dotted leader)."""
    words = set(re.findall(r"[a-z]+", name.lower()))
    return bool(words & lexicon.words("sections", "not_a_part")) or bool(re.search(r"\.{3,}", name))


def _catch_all_item(item: str) -> bool:
    """A list item that states a verdict for every other use ("All other indications not listed above are
    investigational") is a catch-all like a statement's own "for all applications"."""
    return verdict_of(item) is not None and is_catch_all(item)


def _key(line: str) -> str:
    return " ".join(line.split()).lower()


_OWNER_LINE = re.compile(r"\u00a9|copyright|proprietary|all rights reserved|licensee of")


def running_lines(text: str, lines: list[tuple[int, int]]) -> set[str]:
    """Page furniture of a PDF: a running header or footer repeats on every page ("Cigna Healthcare | Medical Coverage
    Policy | ...", "Proprietary information of ..."). A line seen three times or more, far apart (a page or so), that
    is not a list line and not a sentence (or that is a copyright line), is not quotable, and a sentence running
    across a page break is not cut by it."""
    seen: dict[str, list[int]] = {}
    for start, end in lines:
        line = text[start:end]
        key = _key(line)
        if (8 <= len(key) <= 160 or (len(key) <= 320 and _OWNER_LINE.search(key))) and not BULLET.match(line):
            seen.setdefault(key, []).append(start)
    furniture = set()
    for key, starts in seen.items():
        spread = [starts[0]]
        for at in starts[1:]:
            if at - spread[-1] >= 600:
                spread.append(at)
        if len(starts) < 3 or len(spread) < 3 or len(spread) < len(starts) - 1:
            continue  # three times or more, a page or so apart (a short last page may bring one closer)
        if key[-1] not in ".:;!?" or _OWNER_LINE.search(key):
            furniture.add(key)
    return furniture


def _header_end(text: str, blocks: list[list[tuple[int, int]]], fields) -> int:
    """The header is the run of blocks at the top made of `Label: value` lines and short title lines only."""
    field_spans = [(f.start, f.end) for f in fields]

    def is_field(start: int) -> bool:
        return any(s <= start < e or start <= s < start + 2 for s, e in field_spans)

    end = 0
    for block in blocks:
        lines = [(s, e) for s, e in block if text[s:e].strip()]
        has_field = any(is_field(s) or is_field(_trim(text, s, e)[0]) for s, e in lines)
        short = all(
            is_field(_trim(text, s, e)[0])
            or (len(text[s:e].split()) <= 8 and text[s:e].strip()[-1:] not in ".;!?" and not BULLET.match(text[s:e])
                and section_kind(text[s:e].strip().strip("#*: ")) == "other")
            for s, e in lines
        )
        if not short:
            break
        if has_field:
            end = block[-1][1]
    return end


def _infer_section(text: str, first_sentence: tuple[int, int], sections: list[RawSection], open_section, kind: str) -> None:
    """Restore a section whose heading was lost in extraction, from what the paragraph says."""
    s, e = first_sentence
    sentence = text[s:e]
    if _DISCLAIMER.search(text[s:s + 400]) and kind in {"header", "other"}:
        open_section("Disclaimer", "disclaimer", s, inferred=True)
    elif verdict_of(sentence) and kind in {"header", "disclaimer", "benefit", "description", "prior_approval",
                                            "regulatory", "other", "rationale"}:
        open_section("Policy", "policy", s, inferred=True)
    elif _EVIDENCE_START.match(sentence) and kind in {"policy", "exclusions"} and sections and sections[-1].inferred:
        open_section("Rationale", "rationale", s, inferred=True)
    elif _DESCRIPTION_START.match(sentence) and kind in {"header", "disclaimer", "benefit", "other"}:
        open_section("Description", "description", s, inferred=True)


_RULE_LINE = re.compile(r"[=\-_*~#+.\u2013\u2014\u2500\u2550]{3,}")  # "=========" above or under a heading


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside [start, end); line breaks inside a sentence are kept (hard-wrapped text)."""
    spans: list[tuple[int, int]] = []
    cursor = start
    segment = text[start:end]
    for match in _SENTENCE_END.finditer(segment):
        boundary = start + match.end()
        word = re.search(r"([A-Za-z.]+)\.?[\"'\u201d\u2019)\]]*$", text[cursor:boundary])
        token = (word.group(1) if word else "").rstrip(".").lower()
        if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", token):
            continue  # "Dr.", "e.g.", initials ("L.A. Care considers ...")
        s, e = _trim(text, cursor, boundary)
        if s < e:
            spans.append((s, e))
        cursor = boundary
    s, e = _trim(text, cursor, end)
    if s < e:
        spans.append((s, e))
    return spans
