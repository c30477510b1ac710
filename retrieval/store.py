"""The vector store seam: a small Protocol and its ChromaDB implementation (embedded folder now, server as a setting)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .errors import IndexCorruptError

COLLECTIONS = ("policies", "chunks", "units")
_BATCH = 2000  # below Chroma's max batch size, and keeps memory flat on big corpora


@dataclass(frozen=True)
class Hit:
    id: str
    score: float  # cosine similarity, higher is better
    document: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class Records:
    ids: list[str]
    documents: list[str]
    metadatas: list[dict[str, Any]]
    embeddings: np.ndarray | None


class VectorStore(Protocol):
    def add(self, collection: str, ids: Sequence[str], embeddings: np.ndarray, documents: Sequence[str],
            metadatas: Sequence[dict[str, Any]]) -> None: ...

    def delete_where(self, collection: str, field: str, values: Sequence[str]) -> None: ...

    def get_all(self, collection: str, *, embeddings: bool = False) -> Records: ...

    def query(self, collection: str, embedding: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[Hit]: ...

    def count(self, collection: str) -> int: ...


class ChromaStore:
    """Chroma collections with our own embeddings (Chroma's default embedding function would download a model)."""

    def __init__(self, client: Any, prefix: str = "policyqa"):
        self._client = client
        self._prefix = prefix
        self._collections: dict[str, Any] = {}

    @classmethod
    def persistent(cls, path: Path) -> ChromaStore:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        try:
            client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
        except Exception as exc:  # chromadb raises several types for a damaged folder
            raise IndexCorruptError(f"cannot open the Chroma folder {path}: {exc}") from None
        return cls(client)

    @classmethod
    def ephemeral(cls) -> ChromaStore:
        import uuid

        import chromadb
        from chromadb.config import Settings as ChromaSettings

        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        return cls(client, prefix=f"t{uuid.uuid4().hex[:10]}")

    def _collection(self, name: str):
        if name not in self._collections:
            self._collections[name] = self._client.get_or_create_collection(
                f"{self._prefix}_{name}", embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
        return self._collections[name]

    def add(self, collection, ids, embeddings, documents, metadatas) -> None:
        target = self._collection(collection)
        for i in range(0, len(ids), _BATCH):
            batch_ids = list(ids[i:i + _BATCH])
            # replace, never merge: Chroma's upsert keeps old metadata keys that the new record no longer has
            target.delete(ids=batch_ids)
            target.add(
                ids=batch_ids,
                embeddings=np.asarray(embeddings[i:i + _BATCH], dtype=np.float32),
                documents=list(documents[i:i + _BATCH]),
                metadatas=[_clean(m) for m in metadatas[i:i + _BATCH]],
            )

    def delete_where(self, collection, field, values) -> None:
        values = list(values)
        for i in range(0, len(values), 500):
            self._collection(collection).delete(where={field: {"$in": values[i:i + 500]}})

    def get_all(self, collection, *, embeddings=False) -> Records:
        target = self._collection(collection)
        include = ["documents", "metadatas"] + (["embeddings"] if embeddings else [])
        ids: list[str] = []
        documents: list[str] = []
        metadatas: list[dict[str, Any]] = []
        vectors: list[np.ndarray] = []
        for batch in _pages(target, include):
            ids.extend(batch["ids"])
            documents.extend(batch["documents"] or [])
            metadatas.extend(batch["metadatas"] or [])
            if embeddings and len(batch["ids"]):
                vectors.append(np.asarray(batch["embeddings"], dtype=np.float32))
        matrix = None
        if embeddings:
            matrix = np.vstack(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)
        return Records(ids, documents, metadatas, matrix)

    def query(self, collection, embedding, k, where=None) -> list[Hit]:
        target = self._collection(collection)
        n = target.count()
        if n == 0:
            return []
        result = target.query(
            query_embeddings=[np.asarray(embedding, dtype=np.float32)], n_results=min(k, n), where=where or None,
            include=["documents", "metadatas", "distances"],
        )
        return [
            Hit(id_, 1.0 - float(dist), doc, meta)
            for id_, doc, meta, dist in zip(
                result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0], strict=True
            )
        ]

    def count(self, collection) -> int:
        return self._collection(collection).count()


def _pages(target: Any, include: list[str], size: int = 5000) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        batch = target.get(include=include, limit=size, offset=offset)
        if not batch["ids"]:
            return
        yield batch
        offset += len(batch["ids"])


def _clean(metadata: dict[str, Any]) -> dict[str, Any]:
    """Chroma metadata values must be str, int, float or bool; drop None."""
    return {k: v for k, v in metadata.items() if v is not None}
