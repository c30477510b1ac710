"""Shared test fixtures: the model-free hashing embedder everywhere but slow tests, tmp corpora and indexes, fake embedders."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
# `pytest` (not `python -m pytest`) puts only tests/ on sys.path; the library lives one folder up.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from retrieval.embeddings import HashingEmbedder  # noqa: E402
from retrieval.models import PolicyDocument, PolicyMeta  # noqa: E402
from retrieval.settings import Settings  # noqa: E402

SEED = ROOT / "corpus" / "wellmark-medical-policy-02.01.18-prolotherapy.txt"
SEED_SIDECAR = SEED.with_name(SEED.name + ".meta.json")
EVAL_CORPUS = ROOT / "evals" / "corpus"
BLUESTEM_CGM = EVAL_CORPUS / "bluestem-bh-dme-027-continuous-glucose-monitoring.txt"
BLUESTEM_ACUPUNCTURE = EVAL_CORPUS / "bluestem-bh-med-114-acupuncture.txt"
STRUCTURE_FIXTURES = Path(__file__).parent / "fixtures" / "structure"
_POLICYQA_ENV = ("POLICYQA_CORPUS", "POLICYQA_INDEX", "POLICYQA_EMBEDDER", "POLICYQA_CHROMA_URL",
                 "POLICYQA_LOCK_TIMEOUT", "POLICYQA_FEEDBACK")


@pytest.fixture(autouse=True)
def _hashing_embedder_env(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """A developer's own POLICYQA_* variables must not leak in; only slow tests may load the real model."""
    for name in _POLICYQA_ENV:
        monkeypatch.delenv(name, raising=False)
    if request.node.get_closest_marker("slow") is None:
        monkeypatch.setenv("POLICYQA_EMBEDDER", "hashing")


def make_document(text: str, doc_key: str = "fixtures/policy.txt") -> PolicyDocument:
    """A PolicyDocument around an inline text, for structure and chunking tests that need no file."""
    return PolicyDocument(
        doc_key=doc_key, source=doc_key, text=text, format="txt",
        meta=PolicyMeta(policy_id="T-1", title="Test policy", payer="Test Plan"), header=(), content_hash="test",
    )


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    """A writable corpus of two policies: the Wellmark seed (with its sidecar) and Bluestem acupuncture."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    shutil.copy(SEED_SIDECAR, corpus / SEED_SIDECAR.name)
    shutil.copy(BLUESTEM_ACUPUNCTURE, corpus / BLUESTEM_ACUPUNCTURE.name)
    return corpus


@pytest.fixture
def settings(tmp_path: Path, corpus_dir: Path) -> Settings:
    return Settings(corpus=corpus_dir, index=tmp_path / "index", embedder="hashing", lock_timeout_s=0.5)


@pytest.fixture(scope="session")
def minilm():
    """The real all-MiniLM-L6-v2, loaded once per test session (about 10 s on a CPU); for slow tests only."""
    from retrieval.embeddings import MiniLMEmbedder, get_embedder

    embedder = get_embedder("minilm")
    assert isinstance(embedder, MiniLMEmbedder)
    embedder.encode(["warm up"])
    return embedder


class FailingEmbedder(HashingEmbedder):
    """The hashing embedder (same name, so the served generation is reused) that raises on its Nth encode call."""

    def __init__(self, fail_on_call: int):
        self.fail_on_call = fail_on_call
        self.calls = 0

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise EmbedderCrash(f"simulated failure on encode call {self.calls}")
        return super().encode(texts, batch_size=batch_size, progress=progress)


class EmbedderCrash(RuntimeError):
    """Raised by FailingEmbedder; distinct so a test cannot mistake a real library error for the simulated one."""


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder that records every text it was asked to embed."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        self.texts.extend(texts)
        return super().encode(texts, batch_size=batch_size, progress=progress)


@pytest.fixture
def counting_embedder() -> CountingEmbedder:
    return CountingEmbedder()


def wait_for(predicate: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Poll until predicate() is true; fail the test naming what never happened."""
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout_s}s waiting for {what}")
