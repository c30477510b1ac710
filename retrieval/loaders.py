"""Turn one policy file (.txt, .md, .html, .pdf) into the canonical text that every later offset indexes."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from retrieval.errors import DocumentError
from retrieval.html_text import decode_html
from retrieval.pdf_text import extract_pdf, parse_pdf  # parse_pdf is looked up here at call time: tests swap it

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
MAX_BYTES = 20 * 1024 * 1024

_FORMATS = {".txt": "txt", ".md": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}
@dataclass(frozen=True)
class LoadedText:
    """The text of one document as the loader extracted it."""

    text: str  # canonical text; every later offset (chunks, quotes) indexes THIS string
    format: str  # "txt" | "md" | "html" | "pdf"
    title_hint: str | None  # HTML <title>/<h1>, PDF metadata title; None for txt/md


def load_text(path: Path, *, max_bytes: int = MAX_BYTES, pdf_timeout_s: float = 30.0) -> LoadedText:
    """Read one policy document; raise DocumentError naming the file and the reason if it is unusable."""
    path = Path(path)
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise DocumentError(
            source,
            f"unsupported file type {suffix or '(no extension)'!r}; expected one of {', '.join(SUPPORTED_SUFFIXES)}",
        )
    data = _read_bytes(path, source, max_bytes)
    if not data:
        raise DocumentError(source, "empty document")
    fmt = _FORMATS[suffix]
    if fmt == "pdf":
        # Looked up at call time so a test can swap in a hostile parser.
        text, title = extract_pdf(data, source, timeout_s=pdf_timeout_s, parse=parse_pdf)
        loaded = LoadedText(text, "pdf", title)
    else:
        if b"\x00" in data:
            raise DocumentError(source, "looks binary (NUL bytes), not text")
        if fmt == "html":
            text, title = decode_html(data, source)
            loaded = LoadedText(text, "html", title)
        else:
            loaded = LoadedText(_decode_utf8(data, source), fmt, None)
    if not loaded.text.strip():
        raise DocumentError(source, "empty document")
    return loaded


def _read_bytes(path: Path, source: str, max_bytes: int) -> bytes:
    try:
        if not path.exists():
            raise DocumentError(source, "file not found")
        if path.is_dir():
            raise DocumentError(source, "is a directory, not a file")
        if not path.is_file():
            # A FIFO or device would block or never end.
            raise DocumentError(source, "not a regular file")
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(source, f"too large: {size:,} bytes (limit {max_bytes:,})")
        with path.open("rb") as handle:
            # Bounded read: the file may have grown since stat().
            data = handle.read(max_bytes + 1)
    except PermissionError:
        raise DocumentError(source, "permission denied") from None
    except OSError as exc:
        raise DocumentError(source, f"could not read file ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise DocumentError(source, f"too large: more than {max_bytes:,} bytes")
    return data


def _decode_utf8(data: bytes, source: str) -> str:
    # Only the BOM is dropped: offsets promised to users index the file's own text, newlines included.
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = start + exc.start
        raise DocumentError(source, f"not valid UTF-8 (byte 0x{data[offset]:02x} at offset {offset})") from None
