"""Headings: which lines of a policy head a section (Markdown, numbered, colon, ALL CAPS, Title Case) and of what kind."""

from __future__ import annotations

import re

from . import lexicon
from .models import STATEMENT_SECTIONS

# Heading words -> section kind: lexicon/sections.toml, checked in order; the first keyword found in the heading wins.
_KIND_KEYWORDS: tuple[tuple[str, str], ...] = tuple((row["keyword"], row["kind"]) for row in lexicon.rows("sections", "section"))
_SUBHEADING_PARENTS = {"policy", "criteria", "exclusions", "guidelines", "references", "regulatory", "rationale", "description", "history"}
BLANK_CHARS = " \t\u00a0\f\v"
BULLET = re.compile(
    r"^[ \t\u00a0]*(?:[\u2022\u25cf\u25e6\u25aa\u25ab\u25a0\u25a1\u2023\u2043\u2219\u00b7\-\*\u2013]"
    r"|o(?=[ \t])|\(?\d{1,2}[.)]|\(?[a-zA-Z][.)](?=[ \t])|\(?(?:i|ii|iii|iv|v|vi|vii|viii|ix|x)[.)](?=[ \t])"
    r"|\(?(?:II|III|IV|VI|VII|VIII|IX|XI|XII)[.)](?=[ \t]))"
    r"[ \t\u00a0]+(?=\S)"
)
CODE_ROW = re.compile(r"^[ \t|]*(?:[A-Z]\d{4}|\d{4}[0-9A-Z])\b")
_MD_HEADING = re.compile(r"^[ \t]*#{1,6}[ \t]+(?P<name>.+?)[ \t#]*$")
# "3. Policy", "II Coverage", "4.1 Criteria"; never a five-digit code row ("90880  Hypnotherapy")
_NUMBERED_HEADING = re.compile(r"^[ \t]*(?:\d{1,3}(?:\.\d+)*|[IVX]+)[.)]?[ \t]+(?P<name>[A-Za-z][^.;]{1,60}?)[ \t:\u00a0]*$")
_DECIMAL_HEADING = re.compile(r"^[ \t]*\d{1,2}\.\d{1,2}(?:\.\d{1,2})?[ \t]+(?P<name>[A-Z][A-Za-z/&,()' -]{1,60}?)[ \t]*$")
_COLON_HEADING = re.compile(r"^[ \t]*(?:\*\*|__)?(?P<name>[A-Za-z][^:\n]{1,60}?)[ \t]*:(?:\*\*|__)?[ \t\u00a0]*$")
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with", "vs", "via"}
_LEAD_IN_WORDS = lexicon.pattern("documents", "lead_in_words")
INLINE_LABELS = {label.replace("|", " ") for label in lexicon.words("sections", "inline_labels")}


def section_kind(name: str) -> str:
    lowered = name.lower()
    for keyword, kind in _KIND_KEYWORDS:
        if keyword in lowered:
            return kind
    return "other"


def _part_of(kind: str, name: str) -> bool:
    """Does a part title ("B. ...", "III. ...") head a part of the section it stands in, rather than open one? It opens
    one when it names a section; a long title names its section at its edges: "Purpose and Medicare Coverage Basis"
    opens a description, "Not Medically Necessary / Investigational" a statement section, but "Individuals With a
    Personal History of Cancer" names a part of the criteria, not a history section."""
    named = section_kind(name)
    words = name.split()
    if len(words) > 4 and named not in STATEMENT_SECTIONS | {"prior_approval"}:
        named = section_kind(" ".join(words[:2] + words[-2:]))
    return kind in _SUBHEADING_PARENTS and named == "other"


def title_case(name: str) -> bool:
    words = [w.strip("()[],'\"") for w in name.split()]
    significant = [w for w in words if w and w[0].isalpha() and w.lower() not in _SMALL_WORDS]
    if not significant or not name.strip()[0].isupper():
        return False
    capitalised = sum(1 for w in significant if w[0].isupper())
    return capitalised / len(significant) >= 0.75


def _all_caps(name: str) -> bool:
    letters = [c for c in name if c.isalpha()]
    return len(letters) >= 3 and all(c.isupper() for c in letters) and not name.rstrip().endswith(".")


def is_numbered_heading(line: str) -> bool:
    match = _NUMBERED_HEADING.match(line)
    if not match or CODE_ROW.match(line):
        return False
    name = match.group("name").strip()
    if _LEAD_IN_WORDS.search(name) or len(name.split()) > 6:
        return False
    return title_case(name) or (section_kind(name) != "other" and len(name.split()) <= 3)


_PART_STYLES = {"alpha-upper", "roman-upper", "ambiguous-upper", "digit"}
_ROMAN = re.compile(r"\(?(?:[ivx]{1,4}|[IVX]{1,4})[.)]")


def marker_style(line: str) -> str:
    """What numbers a list item: "1.", "a.", "A.", "i.", "IV." or a bullet sign. A list nested in an item (its own
    lead-in ends with ":") uses another style than its parent's, so the style says which level an item is on."""
    match = BULLET.match(line)
    if not match:
        return ""
    marker = match.group(0).strip()
    if any(ch.isdigit() for ch in marker):
        return "digit"
    if _ROMAN.fullmatch(marker) and marker.strip("().") not in {"v", "x", "V", "X"}:  # "I." opens a roman list
        return "roman-lower" if marker.islower() else "roman-upper"
    letter = marker.strip("().")
    if letter in {"v", "x", "V", "X"}:
        return "ambiguous-lower" if letter.islower() else "ambiguous-upper"  # the 5th/10th roman or 22nd/24th letter
    if len(letter) == 1 and letter.isalpha() and letter != "o":
        return "alpha-lower" if letter.islower() else "alpha-upper"
    return "bullet:" + marker


def strong_heading(line: str) -> bool:
    """A heading that stands out by its form (Markdown, ALL CAPS, numbered), not only by being a short Title Case line."""
    stripped = line.strip(BLANK_CHARS)
    return bool(_MD_HEADING.match(line) or (_all_caps(stripped) and len(stripped.split()) <= 10) or is_numbered_heading(line))


def is_list_line(line: str) -> bool:
    return bool(BULLET.match(line)) and not is_numbered_heading(line)


def _sentence_case_heading(name: str, previous: str, next_line: str) -> bool:
    """ "Coverage position" between a finished sentence and "1. Covered indications": a payer that writes its headings in
    sentence case names a known section on a line of its own, with no blank line around it in PDF text."""
    return (len(name.split()) <= 4 and name[:1].isupper() and previous[-1:] == "."
            and (next_line[:1].isupper() or bool(BULLET.match(next_line))))


def _numbered_part(line: str, previous: str, next_line: str) -> bool:
    """A numbered Title Case line after a finished sentence, followed by a sentence or by a list of another marker
    style ("IV. Endoscopic Thoracic Sympathectomy" | "A. ETS at the T2 to T4 level ..."), names a part of the policy.
    A list of short names ("1. Chronic Low Back Pain" | "2. Migraine") goes on in the same style."""
    return previous[-1:] in (".", ";") and next_line[:1].isupper() and not _follows(line, next_line)


_ROMAN_VALUES = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10, "xi": 11, "xii": 12}


def _follows(line: str, next_line: str) -> bool:
    """Is the next line the next item of the same list ("H." then "I.", "IV." then "V.", "2." then "3.")?"""
    this, after = BULLET.match(line), BULLET.match(next_line)
    if not this or not after:
        return False
    a, b = this.group(0).strip().strip("()."), after.group(0).strip().strip("().")
    if a.isdigit() and b.isdigit():
        return int(b) == int(a) + 1
    if len(a) == 1 and len(b) == 1 and a.isalpha() and b.isalpha() and ord(b) == ord(a) + 1:
        return True
    return _ROMAN_VALUES.get(b.lower(), 0) == _ROMAN_VALUES.get(a.lower(), -1) + 1 and a.isupper() == b.isupper()


def heading_name(
    line: str, first: bool, alone: bool, next_block_is_list: bool, kind: str, table_block: bool,
    text: str, block: list[tuple[int, int]], *, continuation: bool = False, after_lead_in: bool = False,
    previous: str = "", lettered: bool = False, part_line: bool = False,
) -> tuple[str, bool] | None:
    """(name, is_subheading) when the line is a heading, else None. `lettered`: the line stands alone between a
    paragraph (or a heading) and a paragraph, so a marked Title Case line there ("B. Maxillomandibular Advancement for
    Obstructive Sleep Apnea") names a part of the policy. `part_line`: the same in PDF text, with the part's paragraph
    on the next line (structure._part_title)."""
    stripped = line.strip(BLANK_CHARS)
    if not stripped or len(stripped) > 90:
        return None
    md = _MD_HEADING.match(line)
    if md:
        return md.group("name").strip("*_ "), False
    marker = BULLET.match(line)
    if (lettered or part_line) and marker and marker_style(line) in _PART_STYLES:
        name = line[marker.end():].strip(BLANK_CHARS)
        # (a part line in PDF text, with its paragraph right under it, may be in sentence case: "E. Repeat and revision
        # surgery" over "A repeat reduction mammoplasty will be covered only when ...")
        cased = title_case(name) or (part_line and name[:1].isupper() and len(name.split()) <= 8)
        if len(name.split()) <= 10 and name[-1:] not in ".;:,!?" and cased and not CODE_ROW.match(name):
            return name, _part_of(kind, name)
    if BULLET.match(line) and not _NUMBERED_HEADING.match(line):
        return None
    if continuation:
        return None  # the wrapped tail of a sentence ("following criteria are met:") never heads a section
    colon = _COLON_HEADING.match(line)
    if colon and len(colon.group("name").split()) <= 8:
        name = colon.group("name").strip()
        if _LEAD_IN_WORDS.search(name):
            return None  # "Indications include:", "Coverage depends on these findings:" introduce a list
        known = section_kind(name) != "other"
        # A short line ending in a colon right before a list is that list's lead-in, unless it names a section.
        if known or not (next_block_is_list or not alone):
            return name, False
        return None
    next_line = text[block[1][0]:block[1][1]].strip() if len(block) > 1 else ""
    if not first:
        # Hard-wrapped text puts the first body line right under the heading, so only first lines usually head; but
        # PDF text has no blank lines, and a short line naming a known section ("Coverage Rationale", "References")
        # after a finished sentence heads one wherever it stands. A table-of-contents line ends in a page number.
        numbered = _NUMBERED_HEADING.match(line)
        # "I. POLICY" between two rule lines ("=====") heads its section like a first line does
        name = (numbered.group("name") if numbered and is_numbered_heading(line) else stripped).rstrip(":").strip()
        if (len(name.split()) <= 6 and stripped[-1] not in ".;,!?" and section_kind(name) != "other"
                and (title_case(name) or _all_caps(name) or _sentence_case_heading(name, previous, next_line))
                and not CODE_ROW.match(line)
                and (not BULLET.match(line) or (numbered and is_numbered_heading(line)))
                and not re.search(r"(?:\s|\.{2,})\d+$", name)):
            return name, False
        decimal = _DECIMAL_HEADING.match(line)
        if decimal and previous[-1:] in {"", ".", ";", "!", "?"}:
            # "3.2 Postnatal evaluation" after a finished sentence: a numbered part of the section (decimal numbers
            # number a policy's parts, never its list items), in sentence case as often as in title case
            name = decimal.group("name").strip()
            return name, _part_of(kind, name)
        if numbered and is_numbered_heading(line) and _numbered_part(line, previous, next_line):
            # "III. Surgical Excision of Axillary Sweat Glands" between a finished item and "Excision or curettage
            # ... when all of the following are met:" (or "A. ...") heads a part of the policy, not a list item
            return name, _part_of(kind, name)
        return None
    if _NUMBERED_HEADING.match(line):
        if after_lead_in:
            return None  # "1. Documentation of BMI over 40" right under "...criteria are met:" is a list item
        return (_NUMBERED_HEADING.match(line).group("name").strip(), False) if is_numbered_heading(line) else None
    if _all_caps(stripped) and len(stripped.split()) <= 10 and not CODE_ROW.match(line):
        if table_block and section_kind(stripped.rstrip(":")) == "other":
            return None  # "CODE  DESCRIPTION" above a code table
        name = stripped.rstrip(":").strip()
        return name, False
    if not alone and len(stripped.split()) <= 6 and section_kind(stripped.rstrip(":")) != "other" \
            and (title_case(stripped) or _all_caps(stripped)) and stripped[-1] not in ".;,!?" and not CODE_ROW.match(line):
        return stripped.rstrip(":").strip(), False  # "Codes" above its rows, "References" above a numbered list
    short_title = (not alone and len(stripped.split()) <= 6 and next_line[:1].isupper() and section_kind(stripped) != "other"
                   or not alone and len(stripped.split()) <= 5 and next_line[:1].isupper() and kind in STATEMENT_SECTIONS)
    if (alone or short_title) and title_case(stripped) and len(stripped.split()) <= 12 and stripped[-1] not in ".;,!?:" \
            and not CODE_ROW.match(line) and not BULLET.match(next_line):
        name = stripped.rstrip(":").strip()
        if section_kind(name) == "other" and kind in _SUBHEADING_PARENTS:
            return name, True
        return name, False
    return None
