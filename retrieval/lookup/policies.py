"""The loaded policies as lists, records and passages: filtered by payer, code and text, with offsets into their text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from ..answer.payers import PayerNames
from ..errors import BadValueError, NotFoundError
from ..search import LoadedIndex, PolicyRecord

MAX_K = 50


def summary(record: PolicyRecord) -> dict[str, Any]:
    """What names a policy in every answer: number, title, payer, source and dates."""
    m = record.meta
    return {"policy_id": m.policy_id, "title": m.title, "payer": m.payer, "source": record.source,
            "reviewed": m.reviewed, "effective": m.effective}


def detail(record: PolicyRecord, codes: list[str]) -> dict[str, Any]:
    """A policy in full: metadata, header fields, sections with their spans, the codes it lists and its canonical text
    (every offset in every answer indexes this text)."""
    m = record.meta
    return {
        **summary(record), "revised": m.revised, "line_of_business": m.line_of_business, "aliases": list(m.aliases),
        "header": [{"name": f.name, "label": f.label, "value": f.value, "start": f.start, "end": f.end} for f in record.header],
        "sections": [{"name": s.name, "kind": s.kind, "start": s.start, "end": s.end, "inferred": s.inferred}
                     for s in record.sections],
        "codes": codes, "text": record.text,
    }


@dataclass(frozen=True)
class PassageHit:
    """One passage of a search: a chunk of a policy, verbatim, with where it stands."""

    record: PolicyRecord
    section: str
    start: int
    end: int
    score: float
    chunk_id: str

    @property
    def quote(self) -> str:
        return self.record.text[self.start:self.end]

    def to_dict(self) -> dict[str, Any]:
        return {**summary(self.record), "section": self.section, "start": self.start, "end": self.end,
                "quote": self.quote, "score": round(float(self.score), 5)}


class Policies:
    """Built once per loaded index: payer names and policy numbers resolved the way questions resolve them."""

    def __init__(self, index: LoadedIndex):
        self.index = index
        self.payer_names = PayerNames((p.meta.payer for p in index.policies.values()), getattr(index, "payer_variants", None))
        self._lowered: dict[str, str] = {}  # doc_key -> the words a text filter looks in, lower-cased on first use

    def payers(self, name: str) -> set[str]:
        """The loaded payers a name means ("UHC", "bluestem", "Wellmark"); a name that means none is a BadValueError."""
        cleaned = " ".join(name.split()).lower()
        if not cleaned:
            raise BadValueError("payer", "payer is empty")
        found = {p for p in self.payer_names.loaded if p.lower() == cleaned}
        if not found:
            found = set(self.payer_names.find(cleaned)[0])
        if not found:
            loaded = ", ".join(sorted(self.payer_names.loaded)) or "none"
            shown = name if len(name) <= 60 else name[:60] + "…"
            raise BadValueError("payer", f"no policies of a payer named {shown!r} are loaded; loaded payers: {loaded}")
        return found

    def select(self, *, payer: str | None = None, doc_keys: list[str] | None = None, text: str | None = None) -> list[PolicyRecord]:
        """Policies in the index's order, kept when they match every filter given."""
        records = list(self.index.policies.values()) if doc_keys is None else [self.index.policies[k] for k in doc_keys]
        if payer is not None:
            wanted = self.payers(payer)
            records = [r for r in records if r.meta.payer in wanted]
        if text is not None:
            words = text.lower().split()
            if not words:
                raise BadValueError("text", "text is empty")
            records = [r for r in records if all(w in self._searchable(r) for w in words)]
        return records

    def get(self, policy_id: str, payer: str | None = None) -> PolicyRecord:
        """One policy by its number (any case); with a payer when two payers use the same number."""
        wanted = policy_id.strip().lower()
        found = [r for r in self.index.policies.values() if r.meta.policy_id.lower() == wanted]
        if payer is not None:
            payers = self.payers(payer)
            found = [r for r in found if r.meta.payer in payers]
        if not found:
            ids = sorted({r.meta.policy_id for r in self.index.policies.values()})
            close = tuple(hit[0] for hit in process.extract(policy_id, ids, scorer=fuzz.ratio, score_cutoff=60, limit=5))
            shown = policy_id if len(policy_id) <= 60 else policy_id[:60] + "…"
            raise NotFoundError("policy_id", policy_id, f"no loaded policy has the number {shown!r}", close)
        if len(found) > 1:
            payers = ", ".join(r.meta.payer for r in found)
            raise BadValueError("payer", f"policy number {policy_id!r} is used by several payers ({payers}); add ?payer=")
        return found[0]

    def search(self, query: str, *, k: int = 5, doc_keys: set[str] | None = None) -> list[PassageHit]:
        if not 1 <= k <= MAX_K:
            raise BadValueError("k", f"k must be between 1 and {MAX_K}, got {k}")
        passages = self.index.search(query, k=k, doc_keys=doc_keys)
        return [PassageHit(self.index.policies[p.chunk.doc_key], p.chunk.section, p.chunk.start, p.chunk.end, p.score,
                           p.chunk.chunk_id) for p in passages]

    def _searchable(self, record: PolicyRecord) -> str:
        found = self._lowered.get(record.doc_key)
        if found is None:
            m = record.meta
            found = self._lowered[record.doc_key] = " ".join([m.policy_id, m.title, m.payer, *m.aliases, record.text]).lower()
        return found
