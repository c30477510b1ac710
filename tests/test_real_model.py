"""Slow tests with the real all-MiniLM-L6-v2 model: the seed corpus ingests and answers its headline question."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from conftest import SEED, SEED_SIDECAR

from retrieval.embeddings import MiniLMEmbedder
from retrieval.ingest import IngestReport, ingest
from retrieval.search import LoadedIndex
from retrieval.settings import Settings

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def minilm_index(tmp_path_factory: pytest.TempPathFactory, minilm: MiniLMEmbedder) -> tuple[Settings, IngestReport]:
    root = tmp_path_factory.mktemp("real-model")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    shutil.copy(SEED_SIDECAR, corpus / SEED_SIDECAR.name)
    settings = Settings(corpus=corpus, index=root / "index", embedder="minilm")
    report = ingest(settings, embedder=minilm)
    print(
        f"\nMiniLM ingest: documents {report.documents}, chunks {report.chunks}, embedded {report.embedded} "
        f"(+{report.units_embedded} sentences), seconds {report.seconds:.2f}, chunks/s {report.chunks_per_second:.1f}"
    )
    return settings, report


def test_minilm_vectors_are_unit_length_384_floats(minilm: MiniLMEmbedder) -> None:
    vectors = minilm.encode(["Is prolotherapy covered for knee osteoarthritis?", "M0076"])
    assert (vectors.shape, vectors.dtype) == ((2, 384), np.float32)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), [1.0, 1.0], rtol=1e-5)
    np.testing.assert_array_equal(minilm.encode_query("knee"), minilm.encode(["knee"])[0])


def test_minilm_ingest_of_the_seed_corpus(minilm_index: tuple[Settings, IngestReport]) -> None:
    _settings, report = minilm_index
    assert (report.documents, report.embedded, report.skipped, report.switched) == (1, report.chunks, [], True)
    assert report.chunks > 10


def test_minilm_knee_osteoarthritis_finds_the_policy_statement(
    minilm_index: tuple[Settings, IngestReport], minilm: MiniLMEmbedder
) -> None:
    settings, _report = minilm_index
    loaded = LoadedIndex(settings, embedder=minilm)
    passages = loaded.search("knee osteoarthritis")
    top = passages[0].chunk
    assert (top.section, top.section_kind) == ("Policy", "policy")
    assert "Knee osteoarthritis" in top.text
    assert loaded.policies[top.doc_key].text[top.start:top.end] == top.text
    assert loaded.stats()["embedder"] == "all-MiniLM-L6-v2"


def test_minilm_reingest_is_a_no_op(minilm_index: tuple[Settings, IngestReport], minilm: MiniLMEmbedder) -> None:
    settings, first = minilm_index
    again = ingest(settings, embedder=minilm)
    assert (again.embedded, again.switched, again.generation) == (0, False, first.generation)


def test_settings_from_env_default_to_minilm() -> None:
    assert Settings.from_env({}).embedder == "minilm"


def test_onnx_runtime_gives_the_vectors_sentence_transformers_gives(minilm: MiniLMEmbedder) -> None:
    """The served path (ONNX Runtime) and sentence-transformers agree, so an index built by one serves the other."""
    assert minilm.runtime == "onnx"
    texts = ["Is prolotherapy covered for knee osteoarthritis?", "M0076",
             "Prolotherapy is considered investigational for all applications, including but not limited to: " * 6]
    torch_vectors = MiniLMEmbedder("torch").encode(texts)
    onnx_vectors = minilm.encode(texts)
    assert float((torch_vectors * onnx_vectors).sum(axis=1).min()) > 0.9999
    np.testing.assert_allclose(onnx_vectors, torch_vectors, atol=1e-4)


def test_a_damaged_onnx_cache_file_is_exported_again(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from retrieval import onnx_minilm

    monkeypatch.setenv("POLICYQA_MODEL_DIR", str(tmp_path))
    target = onnx_minilm.onnx_path()
    assert target.parent == tmp_path
    target.write_bytes(b"not an onnx file")  # what a disk-full or killed copy could leave
    messages: list[str] = []
    model = onnx_minilm.load(log=messages.append)
    assert any("could not be loaded" in m for m in messages)
    vector = model.encode(["knee"])[0]
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
    assert target.stat().st_size > 10_000_000
    assert not list(tmp_path.glob(".*.tmp"))  # the export was written aside and renamed in


def test_an_unknown_model_runtime_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from retrieval.errors import ConfigError

    monkeypatch.setenv("POLICYQA_MODEL_RUNTIME", "tensorrt")
    with pytest.raises(ConfigError, match="POLICYQA_MODEL_RUNTIME must be one of onnx, torch"):
        MiniLMEmbedder()


def test_a_model_folder_that_cannot_be_written_falls_back_to_pytorch_and_says_why(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    monkeypatch.setenv("POLICYQA_MODEL_DIR", str(blocker / "models"))
    embedder = MiniLMEmbedder()
    vector = embedder.encode(["knee"])[0]
    assert embedder.runtime == "torch"
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5
    err = capsys.readouterr().err
    assert "cannot prepare the ONNX model" in err and "POLICYQA_MODEL_DIR" in err and str(blocker) in err


def test_minilm_finds_the_named_plans_policy_by_what_it_is_about(tmp_path, minilm: MiniLMEmbedder) -> None:
    # no policy writes "mouthpiece" and no title names it: Oscar's oral appliance policy is found by meaning among the
    # plan's own policies, not "not loaded" (another plan's sleep testing policy shares only "sleep apnea")
    from conftest import ROOT

    from retrieval.answer import AnswerEngine

    wild = ROOT / "evals" / "wild" / "dev" / "corpus"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("oscar-cg062-oral-appliances-sleep-apnea.pdf", "quartz-mp-146-sleep-testing.html"):
        shutil.copy(wild / name, corpus / name)
    settings = Settings(corpus=corpus, index=tmp_path / "index", embedder="minilm")
    ingest(settings, embedder=minilm)
    engine = AnswerEngine(settings)
    answer = engine.ask("I have Oscar. Will they pay for a custom mouthpiece my dentist makes for my sleep apnea?")
    assert answer.route is None and answer.citations[0].policy_id == "CG062"


def test_minilm_gives_no_covered_from_a_plans_policy_on_another_service(tmp_path, minilm: MiniLMEmbedder) -> None:
    # SelectHealth has no hypoglossal nerve stimulation policy (UCare has): its oral appliance policy names the
    # stimulator only to leave it out, and its covering statement is about mouthpieces
    from conftest import ROOT

    from retrieval.answer import AnswerEngine

    wild = ROOT / "evals" / "wild" / "dev" / "corpus"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("selecthealth-596-oral-appliances-obstructive-sleep-apnea.txt",
                 "ucare-mp-031-hypoglossal-nerve-stimulation.html"):
        shutil.copy(wild / name, corpus / name)
    settings = Settings(corpus=corpus, index=tmp_path / "index", embedder="minilm")
    ingest(settings, embedder=minilm)
    answer = AnswerEngine(settings).ask("Does SelectHealth cover the Inspire hypoglossal nerve stimulator for sleep apnea?")
    assert answer.verdict not in {"covered", "covered_with_criteria"}


def test_minilm_two_words_asked_are_named_together(tmp_path, minilm: MiniLMEmbedder) -> None:
    # Zing Health's one policy is on knee arthroscopy: its meniscus "implant" does not name "dental implants", which
    # no loaded policy is about
    from conftest import ROOT

    from retrieval.answer import AnswerEngine

    wild = ROOT / "evals" / "wild" / "dev" / "corpus"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("zing-health-zh-mp-041-knee-arthroscopy.html", "ucare-mp-031-hypoglossal-nerve-stimulation.html"):
        shutil.copy(wild / name, corpus / name)
    settings = Settings(corpus=corpus, index=tmp_path / "index", embedder="minilm")
    ingest(settings, embedder=minilm)
    assert AnswerEngine(settings).ask("Does Zing Health cover dental implants?").route == "not_in_corpus"
