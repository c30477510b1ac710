"""What the app keeps of a question: nothing on disk or in the logs until feedback is given, and then only masked."""

from __future__ import annotations

import json
import logging
import shutil
import uuid
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from retrieval.ingest import ingest
from retrieval.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
# new each run, in no file: any file or log line holding it holds the question. It ends in letters so it can never look
# like a member id to the masking ("Zq314326705552", twelve hex digits that were all decimal, did once).
MARKER = f"Zq{uuid.uuid4().hex[:12]}qz"
IDENTIFIERS = ("W987654321", "07/04/1961", "515-555-0199", "321-54-9876")
QUESTION = (f"{MARKER}: member W987654321, DOB 07/04/1961, phone 515-555-0199, SSN 321-54-9876 — "
            "is prolotherapy covered for knee osteoarthritis?")
SKIP_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis"}


def _files_holding(root: Path, needle: bytes) -> list[str]:
    found = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for path in entries:
            if path.is_symlink():
                continue
            if path.is_dir():
                if path.name not in SKIP_DIRS:
                    stack.append(path)
            elif path.is_file() and path.stat().st_size < 50_000_000 and needle in path.read_bytes():
                found.append(str(path))
    return found


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    index = tmp_path / "index"
    ingest(Settings(corpus=corpus, index=index, embedder="hashing"))
    feedback = tmp_path / "feedback" / "feedback.jsonl"
    monkeypatch.setenv("POLICYQA_CORPUS", str(corpus))
    monkeypatch.setenv("POLICYQA_INDEX", str(index))
    monkeypatch.setenv("POLICYQA_EMBEDDER", "hashing")
    monkeypatch.setenv("POLICYQA_FEEDBACK", str(feedback))
    return feedback


def test_a_question_leaves_no_trace_on_disk_or_in_logs_until_feedback_then_only_masked(
    app_env: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, every level: the app's, the library's, Streamlit's, Chroma's
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    at.chat_input[0].set_value(QUESTION).run()
    at.chat_input[0].set_value(f"{MARKER} and the code for SSN 321-54-9876?").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(MARKER in str(m.value) for m in at.markdown), "the question was not asked"

    assert not app_env.exists(), "a feedback file was written before anyone gave feedback"
    for folder in (tmp_path, ROOT):
        assert _files_holding(folder, MARKER.encode()) == [], f"the question was written to disk under {folder}"
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert MARKER not in logged and not any(raw in logged for raw in IDENTIFIERS), logged[-2000:]

    at.feedback[0].set_value(0).run()  # thumbs down: now the question is kept, masked
    assert not at.exception
    stored = app_env.read_text(encoding="utf-8")
    assert MARKER in stored
    assert not any(raw in stored for raw in IDENTIFIERS), stored
    assert json.loads(stored.splitlines()[0])["question"] == (
        f"{MARKER}: member [MEMBER_ID], DOB [DATE], phone [PHONE], SSN [SSN] — is prolotherapy covered for knee osteoarthritis?")
    held = [p for p in _files_holding(tmp_path, MARKER.encode()) if Path(p) != app_env]
    assert held == [], f"feedback put the question somewhere else too: {held}"
