"""The original file a served policy was loaded from (PDF, HTML or text), found safely inside the corpus folder."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

from .search import PolicyRecord
from .settings import Settings

# What a browser should be told each kind of policy file is when it is offered for download.
MIME_TYPES = {".pdf": "application/pdf", ".html": "text/html", ".htm": "text/html", ".txt": "text/plain",
              ".md": "text/markdown"}


@dataclass(frozen=True)
class OriginalFile:
    path: Path
    file_name: str
    mime: str


def original_file(settings: Settings, record: PolicyRecord) -> OriginalFile | None:
    """The file `record` was loaded from, or None when it is no longer in the corpus folder.

    A doc_key is "<corpus folder name>/<path inside it>" (retrieval.corpus.discover). The path is resolved and must
    stay inside the corpus folder: the key reaches the app through a URL, so it is never trusted to name a file.
    """
    root = settings.corpus.resolve()
    prefix, _, inside = record.doc_key.partition("/")
    candidates = []
    if prefix == root.name and inside:
        candidates.append(root / inside)
    candidates.append(Path(record.source))
    for candidate in candidates:
        try:
            path = candidate.resolve()
        except OSError:
            continue
        if path.is_relative_to(root) and path.is_file():
            mime = MIME_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return OriginalFile(path, path.name, mime)
    return None
