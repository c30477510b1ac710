"""Shared test fixtures: the model-free hashing embedder everywhere but slow tests, tmp corpora and indexes, fake embedders."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields
from pathlib import Path
from types import SimpleNamespace

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
                 "POLICYQA_CHROMA_TOKEN", "POLICYQA_CHROMA_NAMESPACE", "POLICYQA_LOCK_TIMEOUT", "POLICYQA_FEEDBACK")
LOOPBACK = "127.0.0.1"  # the test server listens here only, never on another address


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


def with_text(text: str, units) -> list[SimpleNamespace]:
    """Units with their text beside them (a Unit holds only its span), so a test can read what each one says."""
    return [SimpleNamespace(**{f.name: getattr(u, f.name) for f in fields(u)}, text=text[u.start:u.end]) for u in units]


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


# ---------------------------------------------------------------- a real Chroma server (server mode)


def free_loopback_port() -> int:
    """A port nothing listens on right now (the OS picks it; a race with another process is retried by the caller)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _chroma_executable() -> str | None:
    # `make test` runs .venv/bin/python without activating the venv, so look beside the interpreter first.
    beside = Path(sys.executable).parent / "chroma"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("chroma")


def _heartbeat_ok(url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/api/v2/heartbeat", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`chroma run` (shipped with the chromadb package) on loopback for the whole session; yields its URL and always
    stops it at the end. Each test keeps to its own collection prefix or namespace, so one server serves them all."""
    executable = _chroma_executable()
    if executable is None:
        pytest.skip("the `chroma` executable (installed with the chromadb package) is not on this machine")
    root = tmp_path_factory.mktemp("chroma-server")
    log_path = root / "server.log"
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    for attempt in range(3):  # the port picked may be taken by someone else before the server binds it
        port = free_loopback_port()
        url = f"http://{LOOPBACK}:{port}"
        with log_path.open("ab") as log:
            server = subprocess.Popen(
                [executable, "run", "--path", str(root / "data"), "--host", LOOPBACK, "--port", str(port)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
            )
        try:
            deadline = time.monotonic() + 120  # two shared cores: the first start imports a lot
            while time.monotonic() < deadline and server.poll() is None and not _heartbeat_ok(url):
                time.sleep(0.2)
            if server.poll() is None and _heartbeat_ok(url):
                yield url
                return
            if server.poll() is None or attempt == 2:
                tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
                pytest.fail(f"the Chroma server on {url} did not answer its heartbeat (exit code {server.poll()}):\n{tail}")
        finally:
            stop_process(server)


def stop_process(process: subprocess.Popen) -> None:
    """Terminate a server the tests started; kill it if it does not exit within 15 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="session")
def eval_engine(tmp_path_factory: pytest.TempPathFactory):
    """The answer engine over evals/corpus with the hashing embedder, served as Wellmark's deployment."""
    from retrieval.answer import AnswerEngine
    from retrieval.ingest import ingest

    index = tmp_path_factory.mktemp("eval-engine-index")
    settings = Settings(corpus=EVAL_CORPUS, index=index, embedder="hashing", home_payer="Wellmark")
    ingest(settings, [EVAL_CORPUS])
    return AnswerEngine(settings)
