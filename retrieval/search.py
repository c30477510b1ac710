"""Hybrid retrieval over the served index: dense (Chroma), lexical (bm25s) and exact identifiers, fused by rank."""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections import defaultdict
from dataclasses import dataclass, field, replace

import numpy as np

from . import index as idx
from .embeddings import Embedder, get_embedder
from .errors import IndexCorruptError
from .metadata import plan_names
from .models import LOG_SECTIONS, Chunk, HeaderField, PolicyMeta, Section, Unit
from .settings import Settings
from .store import ChromaStore

RRF_K = 60
# Where a passage sits says how likely it is to carry an answer; bibliographies mention everything.
SECTION_PRIOR = {
    "policy": 1.3, "criteria": 1.25, "exclusions": 1.2, "prior_approval": 1.1, "codes": 1.1,
    "description": 1.0, "regulatory": 1.0, "guidelines": 1.0, "rationale": 0.95, "definitions": 1.0,
    "documentation": 1.0, "benefit": 0.8, "header": 0.9, "disclaimer": 0.6, "other": 0.95,
    "references": 0.5, "history": 0.6,
}
CODE_PATTERN = re.compile(r"\b(?:[A-Z]\d{4}|\d{4}[0-9A-Z])\b")
_WORD = re.compile(r"[a-z0-9]+")


def _load_quietly(embedder: Embedder) -> None:
    with contextlib.suppress(Exception):  # the same error is raised again where the model is first used
        getattr(embedder, "model", None)


@dataclass
class PolicyRecord:
    doc_key: str
    source: str
    text: str
    meta: PolicyMeta
    header: tuple[HeaderField, ...]
    sections: tuple[Section, ...]
    chunk_indexes: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Passage:
    chunk: Chunk
    score: float  # fused score, higher is better
    dense: float  # cosine similarity of the passage to the query (0 when not among the dense hits)
    lexical: float
    exact: bool


class LoadedIndex:
    """The served generation held in memory: what a question needs is precomputed at index time."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        import bm25s
        import Stemmer

        self.settings = settings
        index = idx.backend(settings)
        self.location = index.location
        generation = idx.require_generation(settings)
        self.generation = generation.name
        self.embedder = embedder or get_embedder(settings.embedder)
        if generation.manifest.get("embedder") != self.embedder.name:
            raise IndexCorruptError(
                f"the index at {index.location} was built with {generation.manifest.get('embedder')!r} but this process "
                f"embeds questions with {self.embedder.name!r}; rebuild with: policyqa ingest --rebuild"
            )
        # The model loads on another thread while this one reads the index (ONNX Runtime builds its session outside
        # the GIL); the first encode waits for it. A load that fails is raised there, by the caller's thread.
        threading.Thread(target=_load_quietly, args=(self.embedder,), name="policyqa-model-load", daemon=True).start()
        self.store: ChromaStore = index.open_store(generation)
        self.policies: dict[str, PolicyRecord] = {}
        records = self.store.get_all("policies")
        # in the order of their keys, not of the store: an index built at once and one grown by later ingests must
        # answer alike (near ties between policies are settled by this order)
        for text, m in sorted(zip(records.documents, records.metadatas, strict=True), key=lambda r: r[1]["doc_key"]):
            header = tuple(HeaderField(*f) for f in json.loads(m.get("header_json", "[]")))
            sections = tuple(Section(*s) for s in json.loads(m.get("sections_json", "[]")))
            meta = PolicyMeta(
                policy_id=m["policy_id"], title=m["title"], payer=m["payer"], effective=m.get("effective"),
                reviewed=m.get("reviewed"), revised=m.get("revised"), line_of_business=m.get("line_of_business"),
                aliases=tuple(a for a in m.get("aliases", "").split("|") if a),
            )
            self.policies[m["doc_key"]] = PolicyRecord(m["doc_key"], m["source"], text, meta, header, sections)
        # one plan written two ways by its documents ("L.A. Care", "L.A. Care Health Plan") is one payer here; the other
        # ways still name it in a question
        # (and the names a policy pairs with its plan's: "University Health Alliance (UHA Health Insurance)")
        families, self.payer_variants = plan_names((r.meta.payer, r.text) for r in self.policies.values())
        for record in self.policies.values():
            name = families.get(record.meta.payer, record.meta.payer)
            if name != record.meta.payer:
                record.meta = replace(record.meta, payer=name)

        # a chunk's text is its policy's text[start:end]: not fetched again (it was a third of the load at 1,000 policies)
        chunk_records = self.store.get_all("chunks", documents=False)
        strays = {m["doc_key"] for m in chunk_records.metadatas} - set(self.policies)
        if strays:
            raise IndexCorruptError(
                f"the index at {index.location} holds passages of {len(strays)} document(s) it has no policy record "
                f"for; rebuild it with: policyqa ingest --rebuild"
            )
        order = sorted(range(len(chunk_records.ids)), key=lambda i: (chunk_records.metadatas[i]["doc_key"], chunk_records.metadatas[i]["start"]))
        self.chunks: list[Chunk] = []
        self.units: dict[str, Unit] = {}
        self.chunk_pos: dict[str, int] = {}
        for i in order:
            m = chunk_records.metadatas[i]
            n = len(self.chunks)
            chunk_id = chunk_records.ids[i]
            units = tuple(
                Unit(uid, chunk_id, m["doc_key"], kind, m["section"], m["section_kind"], start, end, verdict or None,
                     bool(catch_all), parent or None, bool(embedded))
                for uid, kind, start, end, verdict, catch_all, parent, embedded in json.loads(m["units_json"])
            )
            self.units.update((u.unit_id, u) for u in units)
            chunk = Chunk(chunk_id, m["doc_key"], m["section"], m["section_kind"], m["start"], m["end"],
                          self.policies[m["doc_key"]].text[m["start"]:m["end"]], units)
            self.chunks.append(chunk)
            self.chunk_pos[chunk.chunk_id] = n
            self.policies[m["doc_key"]].chunk_indexes.append(n)

        # Sentence vectors are fetched per policy the first time a question needs them (a few ms), not all at load:
        # at 1,000 policies that was 21,000 vectors and ~2 s of every start (and far more over HTTP in server mode).
        self._embedded_units: dict[str, list[str]] = defaultdict(list)
        for unit in self.units.values():
            if unit.embedded:
                self._embedded_units[unit.doc_key].append(unit.unit_id)
        self._unit_vectors: dict[str, dict[str, np.ndarray]] = {}
        self._title_vectors: dict[str, np.ndarray] = {}
        self._vectors_lock = threading.Lock()

        self._stemmer = Stemmer.Stemmer("english")
        self._bm25 = bm25s.BM25()
        texts = [self._lexical_text(c) for c in self.chunks]
        if texts:
            tokens = bm25s.tokenize(texts, stopwords="en", stemmer=self._stemmer, show_progress=False)
            self._bm25.index(tokens, show_progress=False)
            self._vocab = tokens.vocab
        else:
            self._vocab = {}
        self._exact: dict[str, set[int]] = defaultdict(set)
        for n, chunk in enumerate(self.chunks):
            for code in CODE_PATTERN.findall(chunk.text):
                self._exact[code.upper()].add(n)
        for policy in self.policies.values():
            for n in policy.chunk_indexes:
                if self.chunks[n].section_kind == "header":
                    self._exact[policy.meta.policy_id.upper()].add(n)
        self.vocabulary = self._build_vocabulary()
        self._lock = threading.Lock()

    # --- helpers
    def _lexical_text(self, chunk: Chunk) -> str:
        policy = self.policies.get(chunk.doc_key)
        title = policy.meta.title if policy else ""
        return f"{title} {chunk.section} {chunk.text}"

    def _build_vocabulary(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        # how many policies use each word (a term of the field, not one document's product name); chunks come policy
        # by policy, so counting a word once per policy needs only the last policy seen with it
        self.policy_frequency: dict[str, int] = defaultdict(int)
        last: dict[str, str] = {}
        for chunk in self.chunks:
            if chunk.section_kind in LOG_SECTIONS:
                continue
            for word in _WORD.findall(chunk.text.lower()):
                counts[word] += 1
                if last.get(word) != chunk.doc_key:
                    last[word] = chunk.doc_key
                    self.policy_frequency[word] += 1
        for policy in self.policies.values():
            for word in _WORD.findall(" ".join([policy.meta.title, *policy.meta.aliases, policy.meta.payer]).lower()):
                counts[word] += 5
        return dict(counts)

    def tokenize_query(self, text: str) -> list[str]:
        import bm25s

        tokens = bm25s.tokenize([text], stopwords="en", stemmer=self._stemmer, show_progress=False, return_ids=False)
        return [t for t in tokens[0] if t in self._vocab]

    def policies_with_code(self, code: str) -> list[str]:
        """The policies whose text holds a code (or whose header holds a policy number), in the index's order."""
        keys: list[str] = []
        for n in self._exact.get(code, ()):
            key = self.chunks[n].doc_key
            if key not in keys:
                keys.append(key)
        return keys

    def unit_text(self, unit: Unit) -> str:
        return self.policies[unit.doc_key].text[unit.start:unit.end]

    def unit_vector(self, unit_id: str) -> np.ndarray | None:
        unit = self.units.get(unit_id)
        if unit is None or not unit.embedded:
            return None
        vectors = self._unit_vectors.get(unit.doc_key)
        if vectors is None:
            with self._vectors_lock:
                vectors = self._unit_vectors.get(unit.doc_key)
                if vectors is None:
                    ids = self._embedded_units[unit.doc_key]
                    records = self.store.get("units", ids, embeddings=True)
                    vectors = dict(zip(records.ids, records.embeddings if records.embeddings is not None else [], strict=False))
                    self._unit_vectors[unit.doc_key] = vectors
        return vectors.get(unit_id)

    def title_similarity(self, a: str, b: str) -> float:
        """Cosine of two policy titles' vectors; each title is embedded once, when a question first needs it."""
        vectors = []
        for title in (a, b):
            vector = self._title_vectors.get(title)
            if vector is None:
                vector = self._title_vectors[title] = self.embedder.encode_query(title)
            vectors.append(vector)
        return float(vectors[0] @ vectors[1])

    def stats(self) -> dict[str, object]:
        by_payer: dict[str, int] = defaultdict(int)
        for p in self.policies.values():
            by_payer[p.meta.payer] += 1
        return {
            "generation": self.generation, "index": self.location, "documents": len(self.policies),
            "chunks": len(self.chunks), "units": len(self.units),
            "embedded_units": sum(len(ids) for ids in self._embedded_units.values()),
            "embedder": self.embedder.name, "payers": dict(sorted(by_payer.items())),
        }

    # --- retrieval
    def search(
        self, query: str, *, k: int = 5, doc_keys: set[str] | None = None, query_vector: np.ndarray | None = None,
        section_prior: bool = True,
    ) -> list[Passage]:
        """Top passages by reciprocal-rank fusion of dense, lexical and exact-identifier matches."""
        if not self.chunks:
            return []
        depth = max(k * 4, 20)
        mask = None
        if doc_keys is not None:
            mask = np.array([c.doc_key in doc_keys for c in self.chunks])
            if not mask.any():
                return []
        fused: dict[int, float] = defaultdict(float)
        dense_sim: dict[int, float] = {}
        vector = self.embedder.encode_query(query) if query_vector is None else query_vector
        where = {"doc_key": {"$in": sorted(doc_keys)}} if doc_keys is not None else None
        with self._lock:  # one Chroma query at a time per process
            hits = self.store.query("chunks", vector, depth, where)
        for rank, hit in enumerate(hits):
            n = self.chunk_pos.get(hit.id)
            if n is None:
                continue
            dense_sim[n] = hit.score
            fused[n] += 1.0 / (RRF_K + rank)
        lexical = np.zeros(len(self.chunks), dtype=np.float32)
        tokens = self.tokenize_query(query)
        if tokens:
            lexical = self._bm25.get_scores(tokens)
            if mask is not None:
                lexical = np.where(mask, lexical, 0.0)
            top = np.argsort(-lexical)[:depth]
            for rank, n in enumerate(int(t) for t in top):
                if lexical[n] > 0:
                    fused[n] += 1.0 / (RRF_K + rank)
        exact_hits: set[int] = set()
        for code in {c.upper() for c in CODE_PATTERN.findall(query.upper())} | self._policy_ids_in(query):
            for n in self._exact.get(code, ()):
                if mask is None or mask[n]:
                    exact_hits.add(n)
                    fused[n] += 2.0 / RRF_K  # an identifier match outranks any similarity
        passages = []
        for n, score in fused.items():
            chunk = self.chunks[n]
            prior = SECTION_PRIOR.get(chunk.section_kind, 1.0) if section_prior else 1.0
            passages.append(Passage(chunk, score * prior, dense_sim.get(n, 0.0), float(lexical[n]), n in exact_hits))
        passages.sort(key=lambda p: (-p.score, p.chunk.doc_key, p.chunk.start))
        return passages[:k]

    def _policy_ids_in(self, query: str) -> set[str]:
        upper = query.upper()
        return {p.meta.policy_id.upper() for p in self.policies.values() if p.meta.policy_id and p.meta.policy_id.upper() in upper}
