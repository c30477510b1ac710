"""Builds or updates the index from a corpus: only changed documents are embedded; the new index is built aside and switched in."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import index as idx
from .chunking import chunk_document, stable_id
from .corpus import PIPELINE_VERSION, CorpusFile, discover, load_document
from .embeddings import Embedder, get_embedder
from .errors import DocumentError, IndexUnavailableError, PolicyQAError
from .models import Chunk, PolicyDocument
from .settings import Settings

# Units in these sections are kept for display but not embedded: nobody asks for a quote from a bibliography.

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class IngestReport:
    documents: int = 0  # documents in the index after this run
    chunks: int = 0  # chunks in the index after this run
    embedded: int = 0  # chunks embedded in this run
    units_embedded: int = 0
    distinct_texts: int = 0  # texts actually run through the model: repeats across policies are embedded once
    unchanged: int = 0
    updated: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    seconds: float = 0.0
    model_load_seconds: float = 0.0
    embed_seconds: float = 0.0  # embedding only (chunks, sentences, policy titles), after the model is loaded
    generation: str | None = None
    switched: bool = False

    @property
    def chunks_per_second(self) -> float:
        """Chunks embedded per second of the whole run (model load, parsing, embedding, writing)."""
        return self.embedded / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        lines = [
            f"documents {self.documents}  chunks {self.chunks}  embedded {self.embedded}  "
            f"skipped {len(self.skipped)}  removed {len(self.removed)}  seconds {self.seconds:.2f}"
            + (f"  ({self.chunks_per_second:.0f} chunks/s)" if self.embedded else ""),
        ]
        if not self.switched:
            lines.append("index unchanged: nothing to embed")
        else:
            lines.append(f"index switched to {self.generation} (added {len(self.added)}, updated {len(self.updated)})")
        lines += [f"skipped {source}: {reason}" for source, reason in self.skipped]
        return "\n".join(lines)

    def timing(self) -> str:
        return (f"timing: model load {self.model_load_seconds:.1f} s, embedding {self.embed_seconds:.1f} s "
                f"for {self.embedded} chunks + {self.units_embedded} sentences "
                f"({self.distinct_texts} distinct texts through the model)")

    def as_dict(self) -> dict[str, object]:
        return {
            "documents": self.documents, "chunks": self.chunks, "embedded": self.embedded,
            "units_embedded": self.units_embedded, "distinct_texts": self.distinct_texts, "unchanged": self.unchanged,
            "added": self.added, "updated": self.updated, "removed": self.removed,
            "skipped": [{"source": s, "reason": r} for s, r in self.skipped],
            "seconds": round(self.seconds, 3), "chunks_per_second": round(self.chunks_per_second, 1),
            "model_load_seconds": round(self.model_load_seconds, 3), "embed_seconds": round(self.embed_seconds, 3),
            "generation": self.generation, "switched": self.switched,
        }


def ingest(
    settings: Settings,
    roots: Sequence[Path] | None = None,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
) -> IngestReport:
    started = time.perf_counter()
    roots = list(roots or [settings.corpus])
    files = discover(roots)
    lock = idx.writer_lock(settings)
    try:
        report = _ingest_locked(settings, files, rebuild, progress, embedder or get_embedder(settings.embedder))
    finally:
        lock.release()
    report.seconds = time.perf_counter() - started
    return report


def _ingest_locked(settings, files: list[CorpusFile], rebuild, progress, embedder: Embedder) -> IngestReport:
    report = IngestReport()
    index = idx.backend(settings)
    try:
        served = index.active()
    except IndexUnavailableError:
        raise
    except Exception:
        served = None  # a damaged index is rebuilt from scratch, never patched
    previous = None if rebuild else served
    old_docs: dict[str, dict] = dict(previous.manifest.get("documents", {})) if previous else {}
    if previous and (previous.manifest.get("embedder") != embedder.name or previous.manifest.get("pipeline") != PIPELINE_VERSION):
        previous, old_docs = None, {}  # vectors from another model or parser cannot be mixed in

    current = {f.doc_key: f for f in files}
    changed = [f for f in files if old_docs.get(f.doc_key, {}).get("hash") != f.content_hash]
    deleted = [key for key in old_docs if key not in current]
    report.unchanged = len(files) - len(changed)

    loaded: list[PolicyDocument] = []
    for n, file in enumerate(changed, 1):
        try:
            loaded.append(load_document(file))
        except DocumentError as exc:
            report.skipped.append((file.source, exc.reason))
        if progress:
            progress("load", n, len(changed))
    bad_keys = {f.doc_key for f in changed} - {d.doc_key for d in loaded}
    # a document that turned bad is taken out: serving its old text would quote words no longer in the file
    to_remove = [f.doc_key for f in changed if f.doc_key in old_docs] + deleted

    if not loaded and not to_remove and previous is not None and not _intact(index, previous):
        # the served index no longer holds what its manifest says (a damaged Chroma file): rebuild, don't keep serving it
        report.unchanged = 0
        return _ingest_locked(settings, files, True, progress, embedder)
    if not loaded and not to_remove and previous is not None:
        # nothing to do, but builds a killed ingest left behind (newer than the served one) are dead: remove them
        index.remove_unfinished(previous)
        report.documents = len(old_docs)
        report.chunks = sum(d["chunks"] for d in old_docs.values())
        report.generation = previous.name
        return report

    build = index.new_generation(previous, drop=to_remove)
    store = build.store
    new_docs = {k: v for k, v in old_docs.items() if k not in set(to_remove)}

    per_doc = [(doc, *chunk_document(doc)) for doc in loaded]
    chunk_texts, unit_texts, policy_texts = [], [], []
    for doc, _sections, chunks in per_doc:
        policy_texts.append(_policy_embedding_text(doc))
        for chunk in chunks:
            chunk_texts.append(_chunk_embedding_text(doc, chunk))
            unit_texts.extend(doc.text[u.start:u.end] for u in chunk.units if u.embedded)
    started = time.perf_counter()
    if chunk_texts:
        getattr(embedder, "model", None)  # load the model now, so its load time is reported on its own
    report.model_load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    all_texts = policy_texts + chunk_texts + unit_texts
    report.distinct_texts = len(set(all_texts))
    vectors = _embed_all(embedder, all_texts, settings.embed_batch_size, progress)
    report.embed_seconds = time.perf_counter() - started
    p_vecs = vectors[: len(policy_texts)]
    c_vecs = vectors[len(policy_texts): len(policy_texts) + len(chunk_texts)]
    u_vecs = vectors[len(policy_texts) + len(chunk_texts):]

    # One write per collection for the whole run (the store pages it): per-document writes were most of a large ingest.
    rows: dict[str, tuple[list, list, list, list]] = {name: ([], [], [], []) for name in ("policies", "chunks", "units")}

    def put(collection: str, ids, vecs, documents, metadatas) -> None:
        target = rows[collection]
        target[0].extend(ids)
        target[1].append(vecs)
        target[2].extend(documents)
        target[3].extend(metadatas)

    c_i = u_i = 0
    for d_i, (doc, sections, chunks) in enumerate(per_doc):
        put("policies", [stable_id("policy", doc.doc_key)], p_vecs[d_i:d_i + 1], [doc.text], [_policy_metadata(doc, sections)])
        put("chunks", [c.chunk_id for c in chunks], c_vecs[c_i:c_i + len(chunks)], [c.text for c in chunks],
            [_chunk_metadata(doc, c) for c in chunks])
        c_i += len(chunks)
        units = [u for c in chunks for u in c.units if u.embedded]
        put("units", [u.unit_id for u in units], u_vecs[u_i:u_i + len(units)], [doc.text[u.start:u.end] for u in units],
            [{"doc_key": doc.doc_key, "chunk_id": u.chunk_id} for u in units])
        u_i += len(units)
        (report.updated if doc.doc_key in old_docs else report.added).append(doc.source)
        new_docs[doc.doc_key] = {
            "hash": doc.content_hash, "source": doc.source, "policy_id": doc.meta.policy_id,
            "title": doc.meta.title, "payer": doc.meta.payer, "reviewed": doc.meta.reviewed,
            "chunks": len(chunks), "units": len(units),
        }
    for n, (collection, (ids, vecs, documents, metadatas)) in enumerate(rows.items(), 1):
        if ids:
            store.add(collection, ids, np.vstack(vecs), documents, metadatas)
        if progress:
            progress("write", n, len(rows))
    report.embedded = len(chunk_texts)
    report.units_embedded = len(unit_texts)
    report.removed = [old_docs[k]["source"] for k in to_remove if k not in current or k in bad_keys]
    report.documents = len(new_docs)
    report.chunks = sum(d["chunks"] for d in new_docs.values())
    index.switch_to(build, {
        "embedder": embedder.name, "pipeline": PIPELINE_VERSION, "documents": new_docs,
        "built_at": time.time(), "stats": {"documents": report.documents, "chunks": report.chunks},
    })
    # the generation served until now stays for readers mid-question, even after a rebuild
    index.collect_garbage(keep={build.name} | ({served.name} if served else set()))
    report.generation = build.name
    report.switched = True
    return report


def _intact(index, generation) -> bool:
    """Does the served generation hold as many policies, chunks and sentences as its manifest says?"""
    try:
        return not idx.missing_records(index, generation)
    except PolicyQAError:
        return False


def _embed_all(embedder: Embedder, texts: list[str], batch: int, progress: Progress | None) -> np.ndarray:
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    # A sentence repeated across policies (disclaimers, "Prior approval is required.") is embedded once.
    unique = list(dict.fromkeys(texts))
    # Longest first keeps padding small inside each batch; the order is restored afterwards.
    order = sorted(range(len(unique)), key=lambda i: -len(unique[i]))
    vectors = np.zeros((len(unique), embedder.dim), dtype=np.float32)
    step = max(batch * 4, 64)
    for start in range(0, len(order), step):
        ids = order[start:start + step]
        vectors[ids] = embedder.encode([unique[i] for i in ids], batch_size=batch)
        if progress:
            progress("embed", min(start + step, len(order)), len(order))
    row = {text: n for n, text in enumerate(unique)}
    return vectors[[row[text] for text in texts]]


def _policy_embedding_text(doc: PolicyDocument) -> str:
    return ". ".join([doc.meta.title, *doc.meta.aliases, doc.meta.payer])


def _chunk_embedding_text(doc: PolicyDocument, chunk: Chunk) -> str:
    # The title and section travel with the passage so "prolo for knee OA" finds the statement, not a reference.
    return f"{doc.meta.title} — {chunk.section}\n{chunk.text.strip()}"


def _policy_metadata(doc: PolicyDocument, sections) -> dict[str, object]:
    meta = doc.meta
    return {
        "doc_key": doc.doc_key, "source": doc.source, "format": doc.format, "content_hash": doc.content_hash,
        "policy_id": meta.policy_id, "title": meta.title, "payer": meta.payer, "effective": meta.effective,
        "reviewed": meta.reviewed, "revised": meta.revised, "line_of_business": meta.line_of_business,
        "aliases": "|".join(meta.aliases),
        "header_json": json.dumps([[f.name, f.label, f.value, f.start, f.end] for f in doc.header]),
        "sections_json": json.dumps([[s.name, s.kind, s.start, s.end, s.inferred] for s in sections]),
    }


def _chunk_metadata(doc: PolicyDocument, chunk: Chunk) -> dict[str, object]:
    units = [
        [u.unit_id, u.kind, u.start, u.end, u.verdict or "", int(u.catch_all), u.parent or "", int(u.embedded)]
        for u in chunk.units
    ]
    return {
        "doc_key": doc.doc_key, "policy_id": doc.meta.policy_id, "payer": doc.meta.payer, "title": doc.meta.title,
        "section": chunk.section, "section_kind": chunk.section_kind, "source": doc.source,
        "start": chunk.start, "end": chunk.end, "units_json": json.dumps(units),
    }
