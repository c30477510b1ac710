"""Which loaded policies list which procedure and diagnosis codes, where each one stands, and the codes closest to
one the corpus does not hold."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from ..errors import BadValueError
from ..models import LOG_SECTIONS, Unit
from ..search import CODE_PATTERN, LoadedIndex

# CPT, HCPCS and CDT codes are CODE_PATTERN (the same as retrieval's exact matching); ICD-10-CM codes are a letter,
# two characters, a dot and up to four more ("E66.01", "Z41.1"). The dot is required: "E66" alone is too often
# something else.
ICD10_PATTERN = re.compile(r"\b[A-TV-Z]\d[0-9A-Z]\.[0-9A-Z]{1,4}\b")
_ASKED = re.compile(r"[A-Z0-9]{3,7}(?:\.[A-Z0-9]{1,4})?")
CLOSE_MATCH_CUTOFF = 60  # rapidfuzz ratio: "M0077" finds "M0076" (80), "99999" finds nothing in a prolotherapy corpus


@dataclass(frozen=True)
class Listing:
    """One place a policy names a code: the unit it stands in and the code's own span of the policy text."""

    doc_key: str
    unit: Unit
    start: int
    end: int


def normalise(code: str) -> str:
    """ "m0076 " → "M0076"; a value that cannot be a code is a BadValueError naming the field."""
    cleaned = code.strip().upper()
    if not _ASKED.fullmatch(cleaned):
        shown = code if len(code) <= 40 else code[:40] + "…"
        raise BadValueError("code", f"{shown!r} is not a procedure or diagnosis code (CPT, HCPCS, CDT or ICD-10-CM, "
                                    f"e.g. 20550, M0076 or E66.01)")
    return cleaned


class CodeCatalogue:
    """Built once per loaded index: every code the policies name outside their bibliographies and revision logs."""

    def __init__(self, index: LoadedIndex):
        self._listings: dict[str, dict[str, list[Listing]]] = defaultdict(dict)
        for key, policy in index.policies.items():
            for n in policy.chunk_indexes:
                chunk = index.chunks[n]
                if chunk.section_kind in LOG_SECTIONS:
                    continue  # "codes 97813 and 97814 added" in a revision log lists nothing
                for unit in chunk.units:
                    if unit.kind == "heading":
                        continue
                    text = policy.text[unit.start:unit.end]
                    for pattern in (CODE_PATTERN, ICD10_PATTERN):
                        for m in pattern.finditer(text):
                            found = Listing(key, unit, unit.start + m.start(), unit.start + m.end())
                            self._listings[m.group(0)].setdefault(key, []).append(found)
        self.codes: tuple[str, ...] = tuple(sorted(self._listings))

    def __contains__(self, code: str) -> bool:
        return code in self._listings

    def policies_with(self, code: str) -> list[str]:
        """doc_keys of the policies that list the code, in the index's order."""
        return list(self._listings.get(code, {}))

    def listings(self, code: str, doc_key: str) -> list[Listing]:
        return list(self._listings.get(code, {}).get(doc_key, []))

    def codes_of(self, doc_key: str) -> list[str]:
        return [code for code in self.codes if doc_key in self._listings[code]]

    def close_matches(self, code: str, limit: int = 5) -> tuple[str, ...]:
        found = process.extract(code, self.codes, scorer=fuzz.ratio, score_cutoff=CLOSE_MATCH_CUTOFF, limit=limit * 3)
        ranked = sorted(found, key=lambda hit: (-hit[1], hit[0]))
        return tuple(hit[0] for hit in ranked[:limit])
