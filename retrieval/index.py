"""The index: generations built aside and switched in atomically, a writer lock, and the reader's view.

Where generations live is a setting: folders beside an ACTIVE.json pointer (embedded Chroma), or sets of collections
on a Chroma server beside a pointer record. `backend(settings)` picks one; nothing else branches on the mode.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from filelock import FileLock, Timeout

from .errors import IndexBusyError, IndexCorruptError, IndexMissingError
from .settings import Settings
from .store import COLLECTIONS, ChromaStore, http_client, reaching_server

ACTIVE = "ACTIVE.json"
MANIFEST = "manifest.json"
LOCK = ".lock"
FORMAT = 1
POINTER_ID = "active"  # the one record of a server namespace's meta collection


@dataclass(frozen=True)
class Generation:
    name: str
    manifest: dict[str, Any]
    path: Path | None = None  # the generation's folder (embedded mode); None on a server

    @property
    def chroma_path(self) -> Path:
        if self.path is None:
            raise ValueError(f"generation {self.name} lives on a Chroma server, not in a folder")
        return self.path / "chroma"


@dataclass(frozen=True)
class Build:
    """A generation being built aside: written through `store`, served only after `switch_to`."""

    name: str
    store: ChromaStore
    path: Path | None = None


class IndexBackend(Protocol):
    """Where generations live and how the served one is switched; one implementation per Chroma mode."""

    location: str  # for messages and stats: the index folder, or the server URL and namespace

    def active(self) -> Generation | None: ...

    def open_store(self, generation: Generation) -> ChromaStore: ...

    def new_generation(self, previous: Generation | None, drop: Sequence[str]) -> Build:
        """A new generation holding `previous`'s records except those of the `drop` doc_keys."""
        ...

    def switch_to(self, build: Build, manifest: dict[str, Any]) -> None: ...

    def collect_garbage(self, keep: set[str]) -> list[str]: ...

    def remove_unfinished(self, active: Generation) -> list[str]:
        """Delete builds a killed ingest left behind (never the served or previous generation)."""
        ...


def backend(settings: Settings) -> IndexBackend:
    """Embedded folder unless POLICYQA_CHROMA_URL names a server."""
    return ServerBackend(settings) if settings.chroma_url else FolderBackend(settings)


def writer_lock(settings: Settings) -> FileLock:
    """Chroma is not safe for two writing processes: the second gets a clear error within seconds, not a hang.
    In server mode too the lock lives in the local index folder, so writers must share that folder (one host)."""
    settings.index.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(settings.index / LOCK), timeout=settings.lock_timeout_s)
    try:
        lock.acquire()
    except Timeout:
        raise IndexBusyError(
            f"another process is writing the index at {settings.index} (lock file {settings.index / LOCK}); "
            f"wait for it to finish, then run the command again"
        ) from None
    return lock


def active_generation(settings: Settings) -> Generation | None:
    """The generation in service, or None when no index was ever built here."""
    return backend(settings).active()


def require_generation(settings: Settings) -> Generation:
    index = backend(settings)
    generation = index.active()
    if generation is None:
        raise IndexMissingError(f"no index at {index.location}; build it with: {_ingest_command(settings)}")
    return generation


def missing_records(index: IndexBackend, generation: Generation) -> dict[str, tuple[int, int]]:
    """{collection: (held, expected)} wherever the store no longer holds what the generation's manifest says was
    written (a damaged Chroma file); empty when it does. Raises PolicyQAError when the store cannot be opened."""
    documents = generation.manifest.get("documents", {})
    expected = {"policies": len(documents), "chunks": generation.manifest.get("stats", {}).get("chunks")}
    if all("units" in d for d in documents.values()):  # manifests written before sentences were counted lack it
        expected["units"] = sum(d["units"] for d in documents.values())
    store = index.open_store(generation)
    held = {name: store.count(name) for name, n in expected.items() if n is not None}
    return {name: (count, expected[name]) for name, count in held.items() if count != expected[name]}


def _ingest_command(settings: Settings, rebuild: bool = False) -> str:
    command = "policyqa ingest --rebuild" if rebuild else f"policyqa ingest --corpus {settings.corpus}"
    return command if settings.chroma_url else f"{command} --index {settings.index}"


def _generation_name() -> str:
    return f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"


class FolderBackend:
    """Embedded Chroma: each generation is a folder under the index folder; ACTIVE.json names the served one."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.root = settings.index
        self.location = str(settings.index)

    def active(self) -> Generation | None:
        pointer = self.root / ACTIVE
        if not pointer.exists():
            return None
        rebuild = _ingest_command(self.settings, rebuild=True)
        try:
            name = json.loads(pointer.read_text(encoding="utf-8"))["generation"]
            path = self.root / name
            manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexCorruptError(
                f"the index at {self.root} is damaged ({exc.__class__.__name__}: {exc}); rebuild it with: {rebuild}"
            ) from None
        if manifest.get("format") != FORMAT or not (path / "chroma").is_dir():
            raise IndexCorruptError(
                f"the index at {self.root} was built by another version or is incomplete; rebuild it with: {rebuild}"
            )
        return Generation(name, manifest, path)

    def open_store(self, generation: Generation) -> ChromaStore:
        # a reader opens without creating: a damaged or emptied folder must fail, not come back as an empty index
        try:
            return ChromaStore.persistent(generation.chroma_path, create=False)
        except IndexCorruptError as exc:
            raise IndexCorruptError(f"{exc}; rebuild it with: {_ingest_command(self.settings, rebuild=True)}") from None

    def remove_unfinished(self, active: Generation) -> list[str]:
        # only a switched generation has a manifest: a folder without one is a build that never finished
        dead = {c.name for c in self.root.iterdir()
                if c.is_dir() and c.name.startswith("gen-") and c.name != active.name and not (c / MANIFEST).exists()}
        keep = {c.name for c in self.root.iterdir() if c.is_dir() and c.name.startswith("gen-")} - dead
        return self.collect_garbage(keep)

    def new_generation(self, previous: Generation | None, drop: Sequence[str]) -> Build:
        """A fresh folder beside the served one; starts as a copy of it so unchanged documents are not re-embedded."""
        name = _generation_name()
        path = self.root / name
        path.mkdir(parents=True)
        if previous is not None:
            shutil.copytree(previous.chroma_path, path / "chroma")
        store = ChromaStore.persistent(path / "chroma")
        for collection in COLLECTIONS:
            store.count(collection)  # create all three now: a reader never creates, even for an empty corpus
        if previous is not None and drop:
            for collection in COLLECTIONS:
                store.delete_where(collection, "doc_key", drop)
        return Build(name, store, path)

    def switch_to(self, build: Build, manifest: dict[str, Any]) -> None:
        """Write the manifest, then atomically point ACTIVE at the new generation; a crash before this leaves the old one."""
        assert build.path is not None
        manifest = {**manifest, "format": FORMAT}
        _atomic_write(build.path / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
        _atomic_write(self.root / ACTIVE, json.dumps({"generation": build.name, "switched_at": time.time()}))

    def collect_garbage(self, keep: set[str]) -> list[str]:
        """Remove unfinished or superseded generations (the previous one stays for readers that still hold it)."""
        removed = []
        for child in self.root.iterdir():
            if child.is_dir() and child.name.startswith("gen-") and child.name not in keep:
                shutil.rmtree(child, ignore_errors=True)
                removed.append(child.name)
        return removed


class ServerBackend:
    """A Chroma server: generation G is the collections `<namespace>_<G>_{policies,chunks,units}`; the served one is
    named by the one record of `<namespace>_meta`, whose document is the manifest. Updating that record is the switch:
    readers see the old generation or the new one, never a mix. The local index folder holds only the writer lock."""

    def __init__(self, settings: Settings):
        assert settings.chroma_url
        self.settings = settings
        self.url = settings.chroma_url
        self.namespace = settings.chroma_namespace
        self.location = f"{self.url} (Chroma server, namespace {self.namespace})"
        self._meta_name = f"{self.namespace}_meta"
        self._generation_collection = re.compile(rf"{re.escape(self.namespace)}_(gen-[0-9A-Za-z-]+)_({'|'.join(COLLECTIONS)})")

    def _client(self) -> Any:
        return http_client(self.url, self.settings.chroma_token)

    def _store(self, name: str, *, create: bool) -> ChromaStore:
        return ChromaStore(self._client(), f"{self.namespace}_{name}", create=create, server=self.url)

    def remove_unfinished(self, active: Generation) -> list[str]:
        # the writer lock is held: a generation newer than the served one is a build that never switched
        names = set(self.generations())
        return self.collect_garbage({name for name in names if name <= active.name})

    def generations(self) -> dict[str, set[str]]:
        """generation name → which of its collections exist."""
        found: dict[str, set[str]] = {}
        client = self._client()
        offset = 0
        while True:  # paged: a server may cap one listing
            page = client.list_collections(limit=100, offset=offset)
            for collection in page:
                match = self._generation_collection.fullmatch(collection.name)
                if match:
                    found.setdefault(match.group(1), set()).add(match.group(2))
            if len(page) < 100:
                return found
            offset += len(page)

    def active(self) -> Generation | None:
        from chromadb.errors import NotFoundError

        with reaching_server(self.url):
            client = self._client()
            try:
                meta = client.get_collection(self._meta_name, embedding_function=None)
            except NotFoundError:
                return None
            record = meta.get(ids=[POINTER_ID], include=["documents", "metadatas"])
            if not record["ids"]:
                return None
            rebuild = _ingest_command(self.settings, rebuild=True)
            try:
                name = str(record["metadatas"][0]["generation"])
                manifest = json.loads(record["documents"][0])
                if not isinstance(manifest, dict):
                    raise TypeError("the manifest is not an object")
            except (ValueError, KeyError, TypeError, IndexError) as exc:
                raise IndexCorruptError(
                    f"the index at {self.location} is damaged ({exc.__class__.__name__}: {exc}); rebuild it with: {rebuild}"
                ) from None
            if manifest.get("format") != FORMAT or self.generations().get(name) != set(COLLECTIONS):
                raise IndexCorruptError(
                    f"the index at {self.location} was built by another version or is incomplete; rebuild it with: {rebuild}"
                )
        return Generation(name, manifest)

    def open_store(self, generation: Generation) -> ChromaStore:
        store = self._store(generation.name, create=False)
        for collection in COLLECTIONS:
            store.count(collection)  # fails now, with the collection's name, if the generation was removed
        return store

    def new_generation(self, previous: Generation | None, drop: Sequence[str]) -> Build:
        """New collections, filled with the served generation's records (vectors included) except the dropped
        documents: a server cannot copy a folder, so the copy goes record by record, one collection at a time."""
        name = _generation_name()
        store = self._store(name, create=True)
        source = self.open_store(previous) if previous is not None else None
        dropped = set(drop)
        for collection in COLLECTIONS:
            store.count(collection)  # created even when empty: readers open collections, they never create them
            if source is None:
                continue
            records = source.get_all(collection, embeddings=True)
            rows = [i for i, m in enumerate(records.metadatas) if m.get("doc_key") not in dropped]
            if rows and records.embeddings is not None:
                store.add(collection, [records.ids[i] for i in rows], records.embeddings[rows],
                          [records.documents[i] for i in rows], [records.metadatas[i] for i in rows])
        return Build(name, store)

    def switch_to(self, build: Build, manifest: dict[str, Any]) -> None:
        manifest = {**manifest, "format": FORMAT}
        with reaching_server(self.url):
            # a fixed one-dimensional vector: Chroma needs one per record, and the pointer is never searched
            meta = self._client().get_or_create_collection(self._meta_name, embedding_function=None)
            meta.upsert(ids=[POINTER_ID], embeddings=[[1.0]], documents=[json.dumps(manifest, sort_keys=True)],
                        metadatas=[{"generation": build.name, "switched_at": time.time(), "format": FORMAT}])

    def collect_garbage(self, keep: set[str]) -> list[str]:
        """Delete unfinished or superseded generations' collections (the previous one stays for readers)."""
        removed = []
        with reaching_server(self.url):
            client = self._client()
            for name, collections in sorted(self.generations().items()):
                if name in keep:
                    continue
                for collection in collections:
                    client.delete_collection(f"{self.namespace}_{name}_{collection}")
                removed.append(name)
        return removed


def _atomic_write(path: Path, content: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
