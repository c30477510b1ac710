"""Tests for retrieval.ingest: incremental, idempotent, bad files skipped by name, one writer, crash-safe switches."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import ROOT, CountingEmbedder, EmbedderCrash, FailingEmbedder, wait_for

from retrieval import index as idx
from retrieval.chunking import chunk_document, stable_id
from retrieval.corpus import discover, display_path, load_document
from retrieval.embeddings import HashingEmbedder
from retrieval.errors import IndexBusyError, IndexCorruptError, IndexMissingError, PolicyQAError
from retrieval.ingest import ingest
from retrieval.search import LoadedIndex
from retrieval.settings import Settings
from retrieval.store import COLLECTIONS, ChromaStore

SEED_NAME = "wellmark-medical-policy-02.01.18-prolotherapy.txt"
ACUPUNCTURE_NAME = "bluestem-bh-med-114-acupuncture.txt"


# ---------------------------------------------------------------- helpers


def _expected_chunks(corpus: Path) -> dict[str, set[str]]:
    """doc_key → chunk ids, computed straight from the library's loader and chunker (no index involved)."""
    expected = {}
    for file in discover([corpus]):
        try:
            doc = load_document(file)
        except PolicyQAError:
            continue
        expected[doc.doc_key] = {c.chunk_id for c in chunk_document(doc)[1]}
    return expected


def _served_ids(settings: Settings) -> dict[str, dict[str, set[str]]]:
    """collection → doc_key → ids, as the served generation holds them."""
    generation = idx.require_generation(settings)
    store = ChromaStore.persistent(generation.chroma_path)
    served: dict[str, dict[str, set[str]]] = {}
    for collection in COLLECTIONS:
        records = store.get_all(collection)
        by_doc: dict[str, set[str]] = {}
        for id_, metadata in zip(records.ids, records.metadatas, strict=True):
            by_doc.setdefault(metadata["doc_key"], set()).add(id_)
        served[collection] = by_doc
    return served


def _snapshot(index: Path) -> dict[str, tuple[str, int]]:
    """Every index file's content hash and mtime; the lock file is the writer's, not the index's."""
    files = {}
    for path in sorted(index.rglob("*")):
        if path.is_file() and path.name != idx.LOCK:
            files[path.relative_to(index).as_posix()] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    return files


def _generations(index: Path) -> set[str]:
    return {p.name for p in index.iterdir() if p.is_dir() and p.name.startswith("gen-")}


def _active_name(settings: Settings) -> str:
    return json.loads((settings.index / idx.ACTIVE).read_text(encoding="utf-8"))["generation"]


def _source(corpus: Path, name: str) -> str:
    return display_path(corpus / name)


def _key(corpus: Path, name: str) -> str:
    return f"{corpus.name}/{name}"


def _assert_search_quotes_served_text(settings: Settings, query: str) -> None:
    loaded = LoadedIndex(settings)
    passages = loaded.search(query, k=3)
    assert passages, f"no passages for {query!r}"
    for passage in passages:
        policy = loaded.policies[passage.chunk.doc_key]
        assert policy.text[passage.chunk.start:passage.chunk.end] == passage.chunk.text


# ---------------------------------------------------------------- first run, re-run, edits, deletions


def test_first_run_embeds_every_chunk_and_switches(settings: Settings, corpus_dir: Path) -> None:
    embedder = CountingEmbedder()
    report = ingest(settings, embedder=embedder)
    expected = _expected_chunks(corpus_dir)
    total = sum(len(ids) for ids in expected.values())
    assert (report.documents, report.chunks, report.embedded, report.unchanged) == (2, total, total, 0)
    assert sorted(report.added) == sorted([_source(corpus_dir, SEED_NAME), _source(corpus_dir, ACUPUNCTURE_NAME)])
    assert (report.updated, report.removed, report.skipped) == ([], [], [])
    assert report.switched is True
    assert report.generation == _active_name(settings)
    assert _generations(settings.index) == {report.generation}
    # one policy vector per document, one per chunk, one per embedded unit
    assert len(embedder.texts) == 2 + total + report.units_embedded
    served = _served_ids(settings)
    assert served["chunks"] == expected
    assert served["policies"] == {key: {stable_id("policy", key)} for key in expected}
    manifest = idx.require_generation(settings).manifest
    assert manifest["embedder"] == "hashing-v1"
    assert {key: doc["chunks"] for key, doc in manifest["documents"].items()} == {k: len(v) for k, v in expected.items()}
    assert manifest["documents"][_key(corpus_dir, SEED_NAME)]["payer"] == "Wellmark"
    assert manifest["documents"][_key(corpus_dir, SEED_NAME)]["title"] == "Prolotherapy"


def test_rerun_on_unchanged_corpus_embeds_nothing_and_touches_no_index_file(settings: Settings) -> None:
    first = ingest(settings)
    before = _snapshot(settings.index)
    embedder = CountingEmbedder()
    second = ingest(settings, embedder=embedder)
    assert (second.embedded, second.unchanged, second.switched) == (0, 2, False)
    assert (second.documents, second.chunks, second.generation) == (first.documents, first.chunks, first.generation)
    assert (second.added, second.updated, second.removed, second.skipped) == ([], [], [], [])
    assert embedder.texts == []
    assert _snapshot(settings.index) == before


def test_editing_one_document_re_embeds_only_its_chunks(settings: Settings, corpus_dir: Path) -> None:
    ingest(settings)
    before = _served_ids(settings)["chunks"]
    seed_key, acu_key = _key(corpus_dir, SEED_NAME), _key(corpus_dir, ACUPUNCTURE_NAME)

    path = corpus_dir / ACUPUNCTURE_NAME
    text = path.read_text(encoding="utf-8")
    # An early insertion shifts every later offset, so every chunk of this document gets a new id.
    marker = "Policy Name: Acupuncture\n"
    assert marker in text
    path.write_text(text.replace(marker, marker + "Line of Business: Commercial\n", 1), encoding="utf-8")

    report = ingest(settings)
    new_acu = _expected_chunks(corpus_dir)[acu_key]
    assert report.embedded == len(new_acu)
    assert report.updated == [_source(corpus_dir, ACUPUNCTURE_NAME)]
    assert (report.added, report.removed, report.unchanged) == ([], [], 1)
    after = _served_ids(settings)["chunks"]
    assert after[acu_key] == new_acu
    assert before[acu_key].isdisjoint(new_acu), "the edit was meant to change every chunk id"
    assert after[seed_key] == before[seed_key]
    assert idx.require_generation(settings).manifest["documents"][acu_key]["chunks"] == len(new_acu)


def test_editing_only_the_sidecar_re_embeds_its_policy(settings: Settings, corpus_dir: Path) -> None:
    ingest(settings)
    seed_key = _key(corpus_dir, SEED_NAME)
    (corpus_dir / (SEED_NAME + ".meta.json")).write_text('{"payer": "Wellmark Blue Cross", "title": "Prolotherapy"}', encoding="utf-8")
    report = ingest(settings)
    assert report.updated == [_source(corpus_dir, SEED_NAME)]
    assert report.embedded == len(_expected_chunks(corpus_dir)[seed_key])
    assert idx.require_generation(settings).manifest["documents"][seed_key]["payer"] == "Wellmark Blue Cross"
    assert LoadedIndex(settings).policies[seed_key].meta.payer == "Wellmark Blue Cross"


def test_deleting_a_document_removes_its_records(settings: Settings, corpus_dir: Path) -> None:
    ingest(settings)
    acu_key = _key(corpus_dir, ACUPUNCTURE_NAME)
    (corpus_dir / ACUPUNCTURE_NAME).unlink()
    report = ingest(settings)
    assert report.removed == [_source(corpus_dir, ACUPUNCTURE_NAME)]
    assert (report.documents, report.embedded, report.switched) == (1, 0, True)
    served = _served_ids(settings)
    assert {collection: sorted(by_doc) for collection, by_doc in served.items()} == {
        collection: [_key(corpus_dir, SEED_NAME)] for collection in COLLECTIONS
    }
    assert list(idx.require_generation(settings).manifest["documents"]) == [_key(corpus_dir, SEED_NAME)]
    assert acu_key not in LoadedIndex(settings).policies


# ---------------------------------------------------------------- bad documents


BAD_FILES: dict[str, bytes] = {
    "empty.txt": b"",
    "blank.md": b"  \n\n\t\n",
    "binary.txt": b"Medical Policy: 1.2.3\n\x00\x01\x02 binary",
    "latin1.txt": b"Medical Policy: 1.2.3\nCaf\xe9 policy\n",
    "corrupt.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> trailing garbage",
}
BAD_REASONS = {
    "empty.txt": "empty document",
    "blank.md": "empty document",
    "binary.txt": "looks binary (NUL bytes), not text",
    "latin1.txt": "not valid UTF-8 (byte 0xe9 at offset 25)",
    "corrupt.pdf": "could not parse PDF",
}


def test_bad_documents_are_skipped_by_name_and_good_ones_indexed(settings: Settings, corpus_dir: Path) -> None:
    for name, data in BAD_FILES.items():
        (corpus_dir / name).write_bytes(data)
    report = ingest(settings)
    skipped = dict(report.skipped)
    assert sorted(skipped) == sorted(_source(corpus_dir, name) for name in BAD_FILES)
    for name, reason in BAD_REASONS.items():
        assert skipped[_source(corpus_dir, name)].startswith(reason), (name, skipped[_source(corpus_dir, name)])
    assert (report.documents, report.switched) == (2, True)
    assert sorted(_served_ids(settings)["chunks"]) == sorted([_key(corpus_dir, SEED_NAME), _key(corpus_dir, ACUPUNCTURE_NAME)])
    # Skipped files are named again on the next run, and nothing is re-embedded for them.
    again = ingest(settings)
    assert (sorted(dict(again.skipped)), again.embedded, again.switched) == (sorted(skipped), 0, False)


def test_a_bad_sidecar_skips_its_policy_with_a_reason(settings: Settings, corpus_dir: Path) -> None:
    (corpus_dir / (SEED_NAME + ".meta.json")).write_text('{"payer": "Wellmark", "colour": "blue"}', encoding="utf-8")
    report = ingest(settings)
    assert [source for source, _reason in report.skipped] == [_source(corpus_dir, SEED_NAME)]
    assert "colour" in report.skipped[0][1]
    assert report.documents == 1


def test_a_document_that_turns_bad_is_taken_out_of_the_index(settings: Settings, corpus_dir: Path) -> None:
    ingest(settings)
    (corpus_dir / ACUPUNCTURE_NAME).write_bytes(b"\x00\x00\x00")
    report = ingest(settings)
    source = _source(corpus_dir, ACUPUNCTURE_NAME)
    assert report.skipped == [(source, "looks binary (NUL bytes), not text")]
    assert report.removed == [source]
    assert (report.documents, report.switched) == (1, True)
    served = _served_ids(settings)
    assert all(_key(corpus_dir, ACUPUNCTURE_NAME) not in by_doc for by_doc in served.values())


def test_missing_corpus_folder_is_an_error_naming_it(settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(PolicyQAError, match="corpus folder .*nowhere does not exist"):
        ingest(settings, [tmp_path / "nowhere"])


def test_an_empty_corpus_builds_an_empty_index(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    settings = Settings(corpus=tmp_path / "empty", index=tmp_path / "index", embedder="hashing")
    report = ingest(settings)
    assert (report.documents, report.chunks, report.embedded, report.switched) == (0, 0, 0, True)
    assert LoadedIndex(settings).search("knee osteoarthritis") == []


def test_a_different_embedder_re_embeds_everything(settings: Settings) -> None:
    first = ingest(settings)

    class OtherHashing(HashingEmbedder):
        name = "hashing-other"

    report = ingest(settings, embedder=OtherHashing())
    assert (report.embedded, report.chunks, report.switched) == (first.chunks, first.chunks, True)
    assert idx.require_generation(settings).manifest["embedder"] == "hashing-other"


# ---------------------------------------------------------------- one writer at a time

_LOCK_HOLDER = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from retrieval.index import writer_lock
from retrieval.settings import Settings
lock = writer_lock(Settings(index=Path(sys.argv[1]), embedder="hashing"))
Path(sys.argv[2]).touch()
time.sleep(120)
"""


def test_ingest_fails_fast_while_another_process_holds_the_writer_lock(settings: Settings, tmp_path: Path) -> None:
    script = tmp_path / "hold_lock.py"
    script.write_text(_LOCK_HOLDER.format(root=str(ROOT)), encoding="utf-8")
    locked = tmp_path / "locked"
    holder = subprocess.Popen([sys.executable, str(script), str(settings.index), str(locked)])
    try:
        wait_for(locked.exists, 60, "the other process to take the writer lock")
        started = time.monotonic()
        with pytest.raises(IndexBusyError) as caught:
            ingest(settings)
        assert time.monotonic() - started < settings.lock_timeout_s + 2
        assert str(settings.index) in str(caught.value)
        assert "another process is writing the index" in str(caught.value)
        assert not (settings.index / idx.ACTIVE).exists()
    finally:
        holder.kill()
        holder.wait(timeout=30)
    # The kernel drops the lock with its holder; the next writer goes ahead.
    assert ingest(settings).switched is True


def test_a_finished_ingest_releases_the_lock(settings: Settings) -> None:
    ingest(settings)
    lock = idx.writer_lock(settings)
    try:
        assert lock.is_locked
    finally:
        lock.release()


# ---------------------------------------------------------------- crash safety


def _clean_build(corpus: Path, tmp_path: Path) -> dict[str, dict[str, set[str]]]:
    clean = Settings(corpus=corpus, index=tmp_path / "clean-index", embedder="hashing")
    ingest(clean)
    return _served_ids(clean)


def test_an_embedder_failing_midway_leaves_the_old_generation_served(settings: Settings, corpus_dir: Path, tmp_path: Path) -> None:
    seed = corpus_dir / SEED_NAME
    seed_text = seed.read_text(encoding="utf-8")
    seed.unlink()
    first = ingest(settings)  # acupuncture only
    assert first.documents == 1
    served_before = _served_ids(settings)

    seed.write_text(seed_text, encoding="utf-8")  # a new document: well over one embedding batch of texts
    embedder = FailingEmbedder(fail_on_call=2)
    with pytest.raises(EmbedderCrash):
        ingest(replace(settings, embed_batch_size=4), embedder=embedder)
    assert embedder.calls == 2, "the failure must come midway, after a batch was embedded"
    assert _active_name(settings) == first.generation
    assert _served_ids(settings) == served_before
    _assert_search_quotes_served_text(settings, "acupuncture for chronic low back pain")
    unfinished = _generations(settings.index) - {first.generation}
    assert len(unfinished) == 1, "the aborted build is left aside, never switched in"

    report = ingest(settings)
    assert (report.switched, report.added, report.embedded) == (True, [_source(corpus_dir, SEED_NAME)], len(_expected_chunks(corpus_dir)[_key(corpus_dir, SEED_NAME)]))
    assert _served_ids(settings) == _clean_build(corpus_dir, tmp_path)
    assert _generations(settings.index) == {first.generation, report.generation}, "the aborted build was cleaned up"


_SLOW_INGEST = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from retrieval.embeddings import HashingEmbedder
from retrieval.ingest import ingest
from retrieval.settings import Settings

started = Path(sys.argv[3])

class SlowEmbedder(HashingEmbedder):
    def encode(self, texts, *, batch_size=64, progress=False):
        started.touch()
        time.sleep(120)  # the test kills us here, with the new generation half built
        return super().encode(texts, batch_size=batch_size, progress=progress)

ingest(Settings(corpus=Path(sys.argv[1]), index=Path(sys.argv[2]), embedder="hashing"), embedder=SlowEmbedder())
"""


def test_an_ingest_killed_mid_run_leaves_the_old_generation_served(settings: Settings, corpus_dir: Path, tmp_path: Path) -> None:
    first = ingest(settings)
    served_before = _served_ids(settings)
    path = corpus_dir / ACUPUNCTURE_NAME
    path.write_text(path.read_text(encoding="utf-8") + "\nAcupuncture is not covered for smoking cessation.\n", encoding="utf-8")

    script = tmp_path / "slow_ingest.py"
    script.write_text(_SLOW_INGEST.format(root=str(ROOT)), encoding="utf-8")
    started = tmp_path / "embedding-started"
    child = subprocess.Popen([sys.executable, str(script), str(corpus_dir), str(settings.index), str(started)])
    try:
        wait_for(started.exists, 60, "the child ingest to start embedding")
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)

    assert _active_name(settings) == first.generation
    assert _served_ids(settings) == served_before
    assert len(_generations(settings.index) - {first.generation}) == 1, "the killed build is left aside"
    _assert_search_quotes_served_text(settings, "acupuncture for chronic low back pain")

    report = ingest(settings)
    assert (report.switched, report.updated) == (True, [_source(corpus_dir, ACUPUNCTURE_NAME)])
    assert _served_ids(settings) == _clean_build(corpus_dir, tmp_path)
    assert _generations(settings.index) == {first.generation, report.generation}


# ---------------------------------------------------------------- a damaged index


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda index: (index / idx.ACTIVE).write_text("{not json", encoding="utf-8"), id="active-not-json"),
        pytest.param(lambda index: (index / idx.ACTIVE).write_text('{"gen": 1}', encoding="utf-8"), id="active-no-generation"),
        pytest.param(lambda index: (index / idx.ACTIVE).write_text('{"generation": "gen-missing"}', encoding="utf-8"),
                     id="active-points-nowhere"),
        pytest.param(lambda index: (index / idx.ACTIVE).write_bytes(b"\xff\xfe\x00"), id="active-binary"),
    ],
)
def test_a_damaged_active_pointer_names_the_rebuild_command_and_rebuild_recovers(settings: Settings, damage) -> None:
    ingest(settings)
    damage(settings.index)
    with pytest.raises(IndexCorruptError, match=r"policyqa ingest --rebuild"):
        idx.active_generation(settings)
    with pytest.raises(IndexCorruptError, match=r"policyqa ingest --rebuild"):
        LoadedIndex(settings)
    report = ingest(settings, rebuild=True)
    assert (report.switched, report.documents) == (True, 2)
    _assert_search_quotes_served_text(settings, "knee osteoarthritis")


def test_a_manifest_from_another_format_is_corrupt(settings: Settings) -> None:
    ingest(settings)
    manifest_path = idx.require_generation(settings).path / idx.MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest_path.write_text(json.dumps({**manifest, "format": 999}), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match=r"another version or is incomplete; rebuild it with: policyqa ingest --rebuild"):
        idx.active_generation(settings)
    assert ingest(settings, rebuild=True).switched is True
    assert idx.active_generation(settings) is not None


def test_no_index_is_index_missing_naming_ingest(tmp_path: Path) -> None:
    settings = Settings(corpus=tmp_path / "corpus", index=tmp_path / "index", embedder="hashing")
    assert idx.active_generation(settings) is None
    with pytest.raises(IndexMissingError, match="policyqa ingest --corpus"):
        LoadedIndex(settings)


def test_an_index_grown_by_later_ingests_holds_its_policies_in_the_order_of_one_built_at_once(
        settings: Settings, corpus_dir: Path) -> None:
    # near ties between policies are settled by their order: the order of their keys, whatever the build's history
    moved = corpus_dir.parent / "later"
    moved.mkdir()
    (corpus_dir / ACUPUNCTURE_NAME).rename(moved / ACUPUNCTURE_NAME)
    ingest(settings)
    (moved / ACUPUNCTURE_NAME).rename(corpus_dir / ACUPUNCTURE_NAME)
    ingest(settings)  # Bluestem's policy joins an index that already holds the Wellmark seed
    keys = list(LoadedIndex(settings).policies)
    assert keys == sorted(keys) and len(keys) == 2
