"""The on-disk index: generations built aside and switched in atomically, a writer lock, and the reader's view."""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from .errors import IndexBusyError, IndexCorruptError, IndexMissingError
from .settings import Settings
from .store import ChromaStore

ACTIVE = "ACTIVE.json"
MANIFEST = "manifest.json"
LOCK = ".lock"
FORMAT = 1


@dataclass(frozen=True)
class Generation:
    path: Path
    manifest: dict[str, Any]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def chroma_path(self) -> Path:
        return self.path / "chroma"


def writer_lock(settings: Settings) -> FileLock:
    """Chroma is not safe for two writing processes: the second gets a clear error within seconds, not a hang."""
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
    pointer = settings.index / ACTIVE
    if not pointer.exists():
        return None
    try:
        name = json.loads(pointer.read_text(encoding="utf-8"))["generation"]
        path = settings.index / name
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IndexCorruptError(
            f"the index at {settings.index} is damaged ({exc.__class__.__name__}: {exc}); "
            f"rebuild it with: policyqa ingest --rebuild --index {settings.index}"
        ) from None
    if manifest.get("format") != FORMAT or not (path / "chroma").is_dir():
        raise IndexCorruptError(
            f"the index at {settings.index} was built by another version or is incomplete; "
            f"rebuild it with: policyqa ingest --rebuild --index {settings.index}"
        )
    return Generation(path, manifest)


def require_generation(settings: Settings) -> Generation:
    generation = active_generation(settings)
    if generation is None:
        raise IndexMissingError(
            f"no index at {settings.index}; build it with: policyqa ingest --corpus {settings.corpus} --index {settings.index}"
        )
    return generation


def open_store(generation: Generation) -> ChromaStore:
    return ChromaStore.persistent(generation.chroma_path)


def new_generation(settings: Settings, previous: Generation | None) -> Path:
    """A fresh folder beside the served one; starts as a copy of it so unchanged documents are not re-embedded."""
    name = f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    path = settings.index / name
    path.mkdir(parents=True)
    if previous is not None:
        shutil.copytree(previous.chroma_path, path / "chroma")
    return path


def switch_to(settings: Settings, path: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest, then atomically point ACTIVE at the new generation; a crash before this leaves the old one."""
    manifest = {**manifest, "format": FORMAT}
    _atomic_write(path / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
    _atomic_write(settings.index / ACTIVE, json.dumps({"generation": path.name, "switched_at": time.time()}))


def collect_garbage(settings: Settings, keep: set[str]) -> list[str]:
    """Remove unfinished or superseded generations (the previous one stays for readers that still hold it)."""
    removed = []
    for child in settings.index.iterdir():
        if child.is_dir() and child.name.startswith("gen-") and child.name not in keep:
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child.name)
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
