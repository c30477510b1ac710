"""The vector store seam: a small Protocol and its ChromaDB implementation (embedded folder or server, one class)."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import numpy as np

from .errors import IndexCorruptError, IndexUnavailableError

COLLECTIONS = ("policies", "chunks", "units")
_BATCH = 2000  # below Chroma's max batch size, and keeps memory flat on big corpora
CONNECT_TIMEOUT_S = 5.0  # an unreachable server is reported in seconds, not after the OS gives up on the connect
READ_TIMEOUT_S = 30.0  # one request, even a page of 5000 records with their vectors; a question must not wait longer


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

    def get_all(self, collection: str, *, embeddings: bool = False, documents: bool = True,
                metadatas: bool = True) -> Records: ...

    def get(self, collection: str, ids: Sequence[str], *, embeddings: bool = False) -> Records:
        """The records with these ids (those that exist), without documents or metadata."""
        ...

    def query(self, collection: str, embedding: np.ndarray, k: int, where: dict[str, Any] | None = None) -> list[Hit]: ...

    def count(self, collection: str) -> int: ...


class ChromaStore:
    """Chroma collections with our own embeddings (Chroma's default embedding function would download a model)."""

    def __init__(self, client: Any, prefix: str = "policyqa", *, create: bool = True, server: str | None = None):
        self._client = client
        self._prefix = prefix
        # A reader must not create what it expects to find: a generation removed under it would come back empty.
        self._create = create
        self._server = server  # the server's URL in server mode, for messages
        self._collections: dict[str, Any] = {}
        self._counts: dict[str, int] = {}

    @classmethod
    def persistent(cls, path: Path, *, create: bool = True) -> ChromaStore:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        try:
            client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
        except Exception as exc:  # chromadb raises several types for a damaged folder
            raise IndexCorruptError(f"cannot open the Chroma folder {path}: {exc}") from None
        return cls(client, create=create, server=str(path))

    @classmethod
    def http(cls, url: str, token: str | None, prefix: str, *, create: bool = True) -> ChromaStore:
        """Collections `<prefix>_<name>` on a Chroma server; `create=False` for readers of a finished generation."""
        return cls(http_client(url, token), prefix, create=create, server=url)

    @classmethod
    def ephemeral(cls) -> ChromaStore:
        import uuid

        import chromadb
        from chromadb.config import Settings as ChromaSettings

        client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
        return cls(client, prefix=f"t{uuid.uuid4().hex[:10]}")

    def _collection(self, name: str):
        if name not in self._collections:
            full_name = f"{self._prefix}_{name}"
            if self._create:
                self._collections[name] = self._client.get_or_create_collection(
                    full_name, embedding_function=None, metadata={"hnsw:space": "cosine"}
                )
            else:
                from chromadb.errors import NotFoundError

                try:
                    self._collections[name] = self._client.get_collection(full_name, embedding_function=None)
                except NotFoundError:
                    raise IndexCorruptError(
                        f"the Chroma collection {full_name} is missing from {self._server}; "
                        f"rebuild the index with: policyqa ingest --rebuild"
                    ) from None
        return self._collections[name]

    def add(self, collection, ids, embeddings, documents, metadatas) -> None:
        with reaching_server(self._server):
            self._add(collection, ids, embeddings, documents, metadatas)

    def _add(self, collection, ids, embeddings, documents, metadatas) -> None:
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
        with reaching_server(self._server):
            for i in range(0, len(values), 500):
                self._collection(collection).delete(where={field: {"$in": values[i:i + 500]}})

    def get_all(self, collection, *, embeddings=False, documents=True, metadatas=True) -> Records:
        """Every record; leave out what the caller can rebuild (each field left out saves a copy of the collection)."""
        with reaching_server(self._server):
            return self._get_all(collection, embeddings, documents, metadatas)

    def _get_all(self, collection: str, embeddings: bool, with_documents: bool = True, with_metadatas: bool = True) -> Records:
        target = self._collection(collection)
        include = (["documents"] if with_documents else []) + (["metadatas"] if with_metadatas else []) + (
            ["embeddings"] if embeddings else [])
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

    def get(self, collection, ids, *, embeddings=False) -> Records:
        ids = list(ids)
        found_ids: list[str] = []
        vectors: list[np.ndarray] = []
        with reaching_server(self._server):
            target = self._collection(collection)
            for i in range(0, len(ids), _BATCH):
                batch = target.get(ids=ids[i:i + _BATCH], include=["embeddings"] if embeddings else [])
                found_ids.extend(batch["ids"])
                if embeddings and len(batch["ids"]):
                    vectors.append(np.asarray(batch["embeddings"], dtype=np.float32))
        matrix = None
        if embeddings:
            matrix = np.vstack(vectors) if vectors else np.zeros((0, 0), dtype=np.float32)
        return Records(found_ids, [], [], matrix)

    def query(self, collection, embedding, k, where=None) -> list[Hit]:
        with reaching_server(self._server):
            target = self._collection(collection)
            n = self._counts.get(collection)
            if n is None:
                n = target.count()
                if not self._create:
                    self._counts[collection] = n  # a reader's generation is finished: its size never changes
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
        with reaching_server(self._server):
            return self._collection(collection).count()


@contextmanager
def reaching_server(url: str | None) -> Iterator[None]:
    """In server mode, a network failure becomes a message naming the server instead of an httpx traceback."""
    if url is None:
        yield
        return
    import httpx

    try:
        yield
    except httpx.TransportError as exc:
        raise IndexUnavailableError(f"lost the Chroma server at {url}: {exc.__class__.__name__}: {exc}") from None


@functools.lru_cache(maxsize=8)
def http_client(url: str, token: str | None) -> Any:
    """One client per server and token in a process (each chromadb HttpClient starts its own system and connection
    pool). Checks the heartbeat first, with a short timeout, so a wrong URL or a down server is a clear message."""
    import chromadb
    import httpx
    from chromadb.config import Settings as ChromaSettings

    parts = urlsplit(url)
    ssl = parts.scheme == "https"
    port = parts.port or (443 if ssl else 80)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    base = f"{parts.scheme}://{parts.netloc}"
    try:
        response = httpx.get(f"{base}/api/v2/heartbeat", headers=headers, timeout=CONNECT_TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise IndexUnavailableError(
            f"cannot reach the Chroma server at {url} ({exc.__class__.__name__}: {exc or 'no answer'}); "
            f"check POLICYQA_CHROMA_URL and that the server is running"
        ) from None
    if response.status_code in (401, 403):
        raise IndexUnavailableError(
            f"the Chroma server at {url} refused the credentials (HTTP {response.status_code}); check POLICYQA_CHROMA_TOKEN"
        )
    if response.status_code != 200:
        raise IndexUnavailableError(
            f"{url} answered HTTP {response.status_code} to a Chroma heartbeat; is POLICYQA_CHROMA_URL a Chroma server?"
        )
    try:
        client = chromadb.HttpClient(host=parts.hostname, port=port, ssl=ssl, headers=headers,
                                     settings=ChromaSettings(anonymized_telemetry=False))
    except Exception as exc:  # chromadb wraps connection and auth failures in ValueError and its own errors
        raise IndexUnavailableError(f"cannot use the Chroma server at {url}: {exc}") from None
    # chromadb's HTTP session waits forever by default; a reader must not hang on a server that stopped answering.
    session = getattr(getattr(client, "_server", None), "_session", None)
    if isinstance(session, httpx.Client):
        session.timeout = httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
    return client


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
