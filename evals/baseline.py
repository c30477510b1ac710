"""The naive pipeline most teams build first (1000/200 character chunks, same embeddings, Chroma top-4), as our comparison."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from retrieval.corpus import discover, load_document
from retrieval.embeddings import Embedder
from retrieval.errors import DocumentError
from retrieval.lexicon.verdicts import verdict_of

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4
# Sentence ends, list lead-ins and blank lines: enough for a keyword reader to find "X is considered investigational."
_SENTENCE_BREAK = re.compile(r"(?<=[.!?:])\s+|\n\s*\n")


class _SameModel(Embeddings):
    """The already-loaded embedder, without its query cache: our engine ran the same questions first, and a cache
    hit would hand the baseline our forward passes and make its latency look better than the pipeline is."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.encode([text])[0].tolist()


class NaiveBaseline:
    """Chunks every document's loaded text, embeds the chunks into an ephemeral Chroma collection, answers by top-4.

    It has no notion of verdicts, routes or conversation: `verdict` is what a fair keyword reader
    (retrieval.lexicon.verdicts.verdict_of) finds in the first sentence of the top chunk that states one, it
    never abstains, and it ignores history, so follow-ups are asked on their own words.
    """

    def __init__(self, corpus: Path | Sequence[Path], embedder: Embedder):
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        roots = [Path(corpus)] if isinstance(corpus, str | Path) else [Path(r) for r in corpus]
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True,
        )
        texts: list[str] = []
        metadatas: list[dict[str, Any]] = []
        self.skipped: list[tuple[str, str]] = []
        for file in discover(roots):
            try:
                doc = load_document(file)
            except DocumentError as exc:
                self.skipped.append((file.source, exc.reason))
                continue
            for chunk in splitter.create_documents([doc.text]):
                texts.append(chunk.page_content)
                metadatas.append({
                    "policy_id": doc.meta.policy_id, "title": doc.meta.title, "payer": doc.meta.payer,
                    "source": doc.source, "start": int(chunk.metadata["start_index"]),
                })
        self.chunks = len(texts)
        client = chromadb.EphemeralClient(ChromaSettings(anonymized_telemetry=False))
        self.store = Chroma(
            collection_name=f"naive-{uuid.uuid4().hex[:12]}",
            embedding_function=_SameModel(embedder),
            client=client,
            # unit vectors: cosine ranks exactly as Chroma's default L2 does, and reads as a similarity
            collection_metadata={"hnsw:space": "cosine"},
        )
        if texts:
            self.store.add_texts(texts, metadatas=metadatas)

    def ask(self, question: str, *, audience: str = "rep", answer_id: Any = None) -> dict[str, Any]:
        started = time.perf_counter()
        hits = self.store.similarity_search_with_score(question, k=TOP_K) if self.chunks else []
        latency_ms = (time.perf_counter() - started) * 1000
        cites = []
        for doc, distance in hits:
            m = doc.metadata
            cites.append({
                "policy_id": m["policy_id"], "title": m["title"], "payer": m["payer"], "section": None,
                "source": m["source"], "start": m["start"], "end": m["start"] + len(doc.page_content),
                "quote": doc.page_content, "score": round(1.0 - float(distance), 4),
            })
        return {
            "id": answer_id, "question": question, "audience": audience,
            "answer": cites[0]["quote"] if cites else "",
            "verdict": first_verdict(cites[0]["quote"]) if cites else None,
            "abstained": False, "route": None, "citations": cites, "disclaimer": "",
            "latency_ms": round(latency_ms, 1),
        }


def first_verdict(text: str) -> str | None:
    """The verdict of the first sentence in the text that states one."""
    for sentence in _SENTENCE_BREAK.split(text):
        verdict = verdict_of(sentence)
        if verdict is not None:
            return verdict
    return None
