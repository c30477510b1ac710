"""Finds the policy files of a corpus and turns each into a PolicyDocument (loader text + header metadata)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import DocumentError, PolicyQAError
from .loaders import SUPPORTED_SUFFIXES, load_text
from .metadata import read_meta, sidecar_path
from .models import PolicyDocument

# Bump when loading, structure or chunking changes what an unchanged file produces, so ingest redoes it.
PIPELINE_VERSION = "9"


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    doc_key: str  # stable across runs and machines: "<root name>/<path inside root>"
    source: str  # shown in citations: relative to the working directory when inside it
    content_hash: str


def discover(roots: list[Path]) -> list[CorpusFile]:
    """Every supported policy file under the roots, in a stable order."""
    files: list[CorpusFile] = []
    names = [r.resolve().name for r in roots]
    for root in roots:
        # the folder name keeps keys stable wherever the project sits; two roots of one name need their paths
        prefix = root.resolve().name if names.count(root.resolve().name) == 1 else display_path(root)
        if not root.exists():
            raise PolicyQAError(f"corpus folder {root} does not exist")
        if not root.is_dir():
            raise PolicyQAError(f"corpus path {root} is not a folder")
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for filename in sorted(filenames):
                path = Path(dirpath) / filename
                if filename.startswith(".") or path.suffix.lower() not in SUPPORTED_SUFFIXES:
                    continue
                rel = path.relative_to(root).as_posix()
                files.append(CorpusFile(path, f"{prefix}/{rel}", display_path(path), _hash(path)))
    return files


def display_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _hash(path: Path) -> str:
    digest = hashlib.sha256(PIPELINE_VERSION.encode())
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        side = sidecar_path(path)
        if side.exists():
            digest.update(b"\x00sidecar\x00" + side.read_bytes())
    except OSError as exc:
        return f"unreadable:{exc.__class__.__name__}"
    return digest.hexdigest()


def load_document(file: CorpusFile) -> PolicyDocument:
    """Raises DocumentError naming the file and why it could not be used."""
    if file.content_hash.startswith("unreadable:"):
        raise DocumentError(file.source, f"cannot read the file ({file.content_hash.split(':', 1)[1]})")
    try:
        loaded = load_text(file.path)
    except DocumentError as exc:
        raise DocumentError(file.source, exc.reason) from None
    meta, header = read_meta(loaded.text, file.path, title_hint=loaded.title_hint)
    return PolicyDocument(
        doc_key=file.doc_key, source=file.source, text=loaded.text, format=loaded.format,
        meta=meta, header=header, content_hash=file.content_hash,
    )
