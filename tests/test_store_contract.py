"""The VectorStore contract: every store implementation (embedded, persistent and server Chroma) must pass these."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from retrieval.store import ChromaStore, Hit, Records, VectorStore

# (request, tmp_path) → a fresh, empty store. The server factory starts the session's Chroma server on first use
# and gives each test its own collection prefix on it.
STORE_FACTORIES: dict[str, Callable[[pytest.FixtureRequest, Path], VectorStore]] = {
    "chroma-ephemeral": lambda _request, _tmp: ChromaStore.ephemeral(),
    "chroma-persistent": lambda _request, tmp: ChromaStore.persistent(tmp / "chroma"),
    "chroma-http": lambda request, _tmp: ChromaStore.http(request.getfixturevalue("chroma_server"), None,
                                                          prefix=f"t{uuid.uuid4().hex[:10]}"),
}
SERVER_FACTORIES = {"chroma-http"}


@pytest.fixture(params=[pytest.param(name, marks=pytest.mark.server) if name in SERVER_FACTORIES else name
                        for name in sorted(STORE_FACTORIES)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> VectorStore:
    return STORE_FACTORIES[request.param](request, tmp_path)


def _unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


VECTORS = {
    "a1": _unit(1, 0, 0, 0),
    "a2": _unit(0.9, 0.1, 0, 0),
    "b1": _unit(0, 1, 0, 0),
    "c1": _unit(0, 0, 1, 0.2),
}
DOCUMENTS = {
    "a1": "Prolotherapy is considered investigational.",
    "a2": "Knee osteoarthritis",
    "b1": "Acupuncture is covered.",
    "c1": "M0076 Prolotherapy",
}
METADATAS = {
    "a1": {"doc_key": "a", "start": 0, "end": 44, "score_hint": 0.5, "catch_all": True, "section": "Policy"},
    "a2": {"doc_key": "a", "start": 50, "end": 69, "score_hint": 0.25, "catch_all": False, "section": "Policy"},
    "b1": {"doc_key": "b", "start": 0, "end": 23, "score_hint": 1.0, "catch_all": False, "section": "Coverage"},
    "c1": {"doc_key": "c", "start": 10, "end": 28, "score_hint": 0.0, "catch_all": False, "section": "Codes"},
}


def _fill(store: VectorStore, collection: str = "chunks", ids: list[str] | None = None) -> None:
    ids = ids or sorted(VECTORS)
    store.add(collection, ids, np.stack([VECTORS[i] for i in ids]), [DOCUMENTS[i] for i in ids], [METADATAS[i] for i in ids])


def _sorted(records: Records) -> list[tuple[str, str, dict]]:
    return sorted(zip(records.ids, records.documents, records.metadatas, strict=True))


def test_empty_collection(store: VectorStore) -> None:
    assert store.count("chunks") == 0
    assert store.get_all("chunks") == Records([], [], [], None)
    empty = store.get_all("chunks", embeddings=True)
    assert (empty.ids, empty.documents, empty.metadatas, empty.embeddings.shape) == ([], [], [], (0, 0))
    assert store.query("chunks", VECTORS["a1"], k=3) == []


def test_add_then_get_all_round_trips_whole_records(store: VectorStore) -> None:
    _fill(store)
    assert store.count("chunks") == 4
    records = store.get_all("chunks")
    assert records.embeddings is None
    assert _sorted(records) == [(i, DOCUMENTS[i], METADATAS[i]) for i in sorted(VECTORS)]


def test_get_all_can_leave_out_documents_and_metadata(store: VectorStore) -> None:
    _fill(store)
    records = store.get_all("chunks", embeddings=True, documents=False, metadatas=False)
    assert (sorted(records.ids), records.documents, records.metadatas) == (sorted(VECTORS), [], [])
    assert records.embeddings is not None and records.embeddings.shape == (4, 4)


def test_get_by_ids_returns_those_that_exist_with_their_vectors(store: VectorStore) -> None:
    _fill(store)
    records = store.get("chunks", ["b1", "missing", "a2"], embeddings=True)
    assert sorted(records.ids) == ["a2", "b1"]
    assert records.embeddings is not None
    for row, id_ in enumerate(records.ids):
        np.testing.assert_allclose(records.embeddings[row], VECTORS[id_], rtol=1e-6, atol=1e-7)
    assert store.get("chunks", ["c1"]).ids == ["c1"] and store.get("chunks", ["c1"]).embeddings is None
    assert store.get("chunks", []).ids == []


def test_get_all_with_embeddings_returns_the_vectors(store: VectorStore) -> None:
    _fill(store)
    records = store.get_all("chunks", embeddings=True)
    assert records.embeddings is not None
    assert records.embeddings.dtype == np.float32
    assert records.embeddings.shape == (4, 4)
    for row, id_ in enumerate(records.ids):
        np.testing.assert_allclose(records.embeddings[row], VECTORS[id_], rtol=1e-6, atol=1e-7)


def test_none_metadata_values_are_dropped(store: VectorStore) -> None:
    store.add("chunks", ["x"], VECTORS["a1"][None, :], ["text"], [{"doc_key": "x", "verdict": None, "start": 3}])
    assert _sorted(store.get_all("chunks")) == [("x", "text", {"doc_key": "x", "start": 3})]


def test_add_with_an_existing_id_replaces_the_record(store: VectorStore) -> None:
    _fill(store)
    store.add("chunks", ["a1"], VECTORS["b1"][None, :], ["replaced"], [{"doc_key": "a", "start": 1}])
    assert store.count("chunks") == 4
    records = dict((i, (d, m)) for i, d, m in _sorted(store.get_all("chunks")))
    assert records["a1"] == ("replaced", {"doc_key": "a", "start": 1})
    assert store.query("chunks", VECTORS["b1"], k=1)[0].id in {"a1", "b1"}


def test_query_ranks_by_cosine_similarity(store: VectorStore) -> None:
    _fill(store)
    query = _unit(1, 0.5, 0.2, 0)
    similarity = {i: float(query @ v) for i, v in VECTORS.items()}
    expected = sorted(VECTORS, key=lambda i: -similarity[i])
    assert len(set(similarity.values())) == 4, "the query must rank the records without ties"
    hits = store.query("chunks", query, k=4)
    assert hits == [Hit(i, pytest.approx(similarity[i], abs=1e-5), DOCUMENTS[i], METADATAS[i]) for i in expected]
    assert store.query("chunks", VECTORS["a1"], k=1) == [Hit("a1", pytest.approx(1.0, abs=1e-5), DOCUMENTS["a1"], METADATAS["a1"])]


def test_query_k_larger_than_the_collection_returns_everything(store: VectorStore) -> None:
    _fill(store)
    assert sorted(h.id for h in store.query("chunks", VECTORS["b1"], k=100)) == sorted(VECTORS)


def test_query_where_filters_by_metadata(store: VectorStore) -> None:
    _fill(store)
    hits = store.query("chunks", VECTORS["a1"], k=4, where={"doc_key": {"$in": ["b", "c"]}})
    assert sorted(h.id for h in hits) == ["b1", "c1"]
    assert [h.id for h in store.query("chunks", VECTORS["a1"], k=4, where={"doc_key": "b"})] == ["b1"]


def test_delete_where_removes_only_matching_records(store: VectorStore) -> None:
    _fill(store)
    store.delete_where("chunks", "doc_key", ["a", "missing"])
    assert store.count("chunks") == 2
    assert _sorted(store.get_all("chunks")) == [("b1", DOCUMENTS["b1"], METADATAS["b1"]), ("c1", DOCUMENTS["c1"], METADATAS["c1"])]
    assert [h.id for h in store.query("chunks", VECTORS["a1"], k=4) if h.id.startswith("a")] == []


def test_delete_where_with_no_values_is_a_no_op(store: VectorStore) -> None:
    _fill(store)
    store.delete_where("chunks", "doc_key", [])
    assert store.count("chunks") == 4


def test_collections_are_independent(store: VectorStore) -> None:
    _fill(store, "chunks", ["a1", "a2"])
    _fill(store, "units", ["b1"])
    assert (store.count("chunks"), store.count("units"), store.count("policies")) == (2, 1, 0)
    store.delete_where("chunks", "doc_key", ["a"])
    assert (store.count("chunks"), store.count("units")) == (0, 1)
    assert store.get_all("units").ids == ["b1"]


def test_large_adds_are_batched_and_all_stored(store: VectorStore) -> None:
    n = 4500  # more than two of the store's write batches
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(n, 4)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"u{i:05d}" for i in range(n)]
    store.add("units", ids, vectors, [f"text {i}" for i in range(n)], [{"doc_key": f"d{i % 3}", "n": i} for i in range(n)])
    assert store.count("units") == n
    records = store.get_all("units")
    assert sorted(records.ids) == ids
    assert sorted(m["n"] for m in records.metadatas) == list(range(n))
    store.delete_where("units", "doc_key", ["d0", "d1"])
    assert store.count("units") == n // 3


def test_persistent_store_survives_reopening(tmp_path: Path) -> None:
    first = ChromaStore.persistent(tmp_path / "chroma")
    _fill(first)
    del first
    again = ChromaStore.persistent(tmp_path / "chroma")
    assert _sorted(again.get_all("chunks")) == [(i, DOCUMENTS[i], METADATAS[i]) for i in sorted(VECTORS)]
