"""PDF text: pypdf in a child process with a time and memory limit, so a crafted PDF cannot hang or exhaust ingest."""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from retrieval.errors import DocumentError

# Address space the PDF parser may add on top of what the bare child interpreter already maps.
_PDF_MEMORY_BUDGET = 1024 * 1024 * 1024

PdfParser = Callable[[bytes], tuple[str, str | None]]

# The child is a fresh interpreter, not a multiprocessing worker: it does not re-import the caller's __main__,
# and it can be started from a daemonic pool worker.
_PDF_CHILD_CODE = (
    "import sys; sys.path[:0] = sys.argv[1:]; from retrieval.pdf_text import _pdf_child_main; _pdf_child_main()"
)


class _PdfRefused(Exception):
    """Raised inside the child for a PDF that parsed but cannot be read; its message is the reason."""


def parse_pdf(data: bytes) -> tuple[str, str | None]:
    """Extract (text, metadata title) from PDF bytes; runs inside the sandboxed child process."""
    from pypdf import PdfReader

    # pypdf logs every repaired defect; in a batch ingest that is noise on stderr, and failures are raised anyway.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        # Many published PDFs carry only an owner password (no-edit); those open with an empty user password.
        try:
            opened = reader.decrypt("")
        except Exception as exc:  # noqa: BLE001 — e.g. a cipher that needs an optional dependency
            raise _PdfRefused(f"encrypted PDF, cannot be opened ({describe(exc)})") from None
        if not opened:
            raise _PdfRefused("encrypted PDF (needs a password)")
    pages = [(page.extract_text() or "").strip() for page in reader.pages]
    title: str | None = None
    try:
        metadata = reader.metadata
        title = str(metadata.title).strip() if metadata and metadata.title else None
    except Exception:  # noqa: BLE001 — a malformed info dictionary only costs the title hint
        title = None
    return "\n\n".join(page for page in pages if page), title or None


def extract_pdf(data: bytes, source: str, *, timeout_s: float, parse: PdfParser) -> tuple[str, str | None]:
    """(text, metadata title) of a PDF, parsed by `parse` in a child process with a time and memory limit."""
    # A crafted PDF can make the parser spin or balloon; a child process can be killed, a thread cannot.
    job = {"parser": f"{parse.__module__}:{parse.__qualname__}", "memory_budget": _PDF_MEMORY_BUDGET}
    # The parent's sys.path goes along so the child imports this package (and the parser) exactly as we did.
    command = [sys.executable, "-c", _PDF_CHILD_CODE, *[entry for entry in sys.path if entry]]
    try:
        finished = subprocess.run(
            command, input=json.dumps(job).encode() + b"\n" + data, capture_output=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired:
        # run() has already killed and reaped the child.
        raise DocumentError(source, f"PDF parsing exceeded {timeout_s:g} s limit") from None
    except OSError as exc:
        raise DocumentError(source, f"could not start the PDF parser ({describe(exc)})") from None
    try:
        status, payload, title = json.loads(finished.stdout)
    except ValueError:
        last_words = finished.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        detail = f": {last_words[0][:200]}" if last_words else ""
        raise DocumentError(source, f"PDF parser died unexpectedly (exit code {finished.returncode}){detail}") from None
    if status != "ok":
        raise DocumentError(source, payload)
    text = "\n".join(line.rstrip() for line in payload.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    if not text.strip():
        raise DocumentError(source, "no extractable text — scanned image PDF?")
    return text, title


def _pdf_child_main() -> None:
    """Entry point of the parser child: job header and PDF bytes on stdin, JSON [status, text, title] on stdout."""
    result = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    # Whatever the parser prints goes to stderr, so stdout carries only our answer.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    header, _, data = sys.stdin.buffer.read().partition(b"\n")
    job = json.loads(header)
    budget = int(job["memory_budget"])
    _cap_address_space(budget)
    try:
        module_name, _, qualname = job["parser"].partition(":")
        parse: Any = importlib.import_module(module_name)
        for attribute in qualname.split("."):
            parse = getattr(parse, attribute)
        text, title = parse(data)
        outcome: list[str | None] = ["ok", text, title]
    except MemoryError:
        outcome = ["error", f"PDF parsing exceeded the {budget // 2**20} MiB memory limit", None]
    except _PdfRefused as exc:
        outcome = ["error", str(exc), None]
    except Exception as exc:  # noqa: BLE001 — every parser failure becomes a reason the parent reports
        outcome = ["error", f"could not parse PDF ({describe(exc)})", None]
    json.dump(outcome, result)
    result.close()


def _cap_address_space(budget: int) -> None:
    try:
        import resource
    except ImportError:  # Windows has no rlimits; the wall-clock timeout still applies
        return
    # Relative to what is already mapped: the interpreter plus whatever the package imports may exceed a flat 1 GiB.
    limit = _mapped_bytes() + budget
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):  # some platforms (macOS) refuse RLIMIT_AS; the timeout still applies
        return


def _mapped_bytes() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def describe(exc: BaseException) -> str:
    """An exception as one short line for a user-facing reason."""
    message = " ".join(str(exc).split())
    if len(message) > 200:
        message = message[:197] + "..."
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
