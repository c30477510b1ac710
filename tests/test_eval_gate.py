"""The eval runner end to end: a small run with the hashing embedder, and the CI gate on the full gold set with the real model."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import EVAL_CORPUS, ROOT

from evals.runner import DEFAULT_THRESHOLDS, FIGURES, load_thresholds, run_eval
from retrieval.settings import Settings

GOLD = ROOT / "evals" / "gold.jsonl"


@pytest.fixture(scope="module")
def hashing_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One eval index for the fast runs of this module: ingest is idempotent, so later runs reuse it."""
    return Settings(embedder="hashing", index=tmp_path_factory.mktemp("eval") / "index")


def small_gold(tmp_path: Path, ids: set[str]) -> Path:
    lines = [line for line in GOLD.read_text(encoding="utf-8").splitlines() if json.loads(line)["id"] in ids]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_run_writes_the_table_report_and_chart_for_both_systems(
    hashing_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    gold = small_gold(tmp_path, {"cov-001", "code-001", "mem-001", "fu-001", "inj-001"})
    code = run_eval(hashing_settings, gold=gold, corpus=EVAL_CORPUS, out=tmp_path / "out", baseline=True, gate=False)

    assert code == 0
    table = capsys.readouterr().out
    assert [line.split()[0] for line in table.splitlines()[:1]] == ["figure"]
    for _name, label, _kind in FIGURES:
        assert label in table
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["home_payer"] == "Wellmark"
    assert set(report["figures"]) == {name for name, _, _ in FIGURES}
    assert set(report["figures"]["verdict_accuracy"]) >= {"ours", "baseline", "floor", "meets_floor", "label"}
    asked = [json.loads(line)["id"] for line in gold.read_text(encoding="utf-8").splitlines()]
    assert [q["id"] for q in report["questions"]] == asked and len(asked) == 5
    for row in report["questions"]:
        assert set(row["ours"]) >= {"passed", "failed_checks", "verdict", "route", "top_quote", "checks", "latency_ms"}
        assert row["baseline"]["route"] is None and row["baseline"]["abstained"] is False
    # every quote, ours and the baseline's, is the source text at its offsets
    assert report["figures"]["quote_exactness"]["ours"]["value"] == 1.0
    assert report["figures"]["quote_exactness"]["baseline"]["value"] == 1.0
    assert (tmp_path / "out" / "chart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_gate_fails_the_run_only_when_asked_and_a_figure_misses(hashing_settings: Settings, tmp_path: Path):
    gold = small_gold(tmp_path, {"cov-001", "mem-001"})
    impossible = tmp_path / "thresholds.json"
    impossible.write_text(json.dumps({"median_quote_chars": {"max": 0}, "quote_exactness": {"min": 1.0}}), encoding="utf-8")
    common = {"gold": gold, "corpus": EVAL_CORPUS, "baseline": False, "thresholds": impossible}

    assert run_eval(hashing_settings, out=tmp_path / "a", gate=False, **common) == 0
    assert run_eval(hashing_settings, out=tmp_path / "b", gate=True, **common) == 1
    report = json.loads((tmp_path / "b" / "report.json").read_text(encoding="utf-8"))
    assert report["gate"] == {"passed": False, "below_floor": ["median_quote_chars"]}
    assert "baseline" not in report["questions"][0]


def test_the_eval_never_ingests_into_the_serving_index(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    from evals.runner import DEFAULT_INDEX, eval_index

    serving = tmp_path / "served"
    monkeypatch.setenv("POLICYQA_INDEX", str(serving))
    assert eval_index(Settings(index=serving), None) == DEFAULT_INDEX
    assert eval_index(Settings(), None) == DEFAULT_INDEX
    assert eval_index(Settings(index=tmp_path / "mine"), None) == tmp_path / "mine"
    monkeypatch.setenv("POLICYQA_EVAL_INDEX", str(tmp_path / "env"))
    assert eval_index(Settings(index=serving), None) == tmp_path / "env"
    assert eval_index(Settings(index=serving), tmp_path / "arg") == tmp_path / "arg"


@pytest.mark.slow
def test_the_engine_meets_every_floor_on_the_gold_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """The CI gate: a drop below a floor in evals/thresholds.json fails the build. Timings are reported, never gated."""
    settings = Settings(embedder="minilm", index=tmp_path / "index-eval")
    code = run_eval(settings, out=tmp_path / "report", baseline=False, gate=True)

    table = capsys.readouterr().out
    with capsys.disabled():
        print("\n" + table)
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    floors = load_thresholds(DEFAULT_THRESHOLDS)
    misses = {
        name: (report["figures"][name]["ours"]["value"], floors[name], report["figures"][name]["ours"]["failed"])
        for name in report["gate"]["below_floor"]
    }
    assert code == 0, f"figures below their floor (value, floor, failing question ids): {misses}"


@pytest.mark.slow
def test_the_test_split_of_other_payers_meets_its_gate(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """Leave-payer-out: evals/wild/test (92 payers the engine was never tuned on) against evals/wild/thresholds.json,
    beside the naive baseline. The floors hold today's figures so they cannot slip; the issue's targets (no wrong
    'covered', never below the baseline on top-1 document and quote@3) are printed, not yet met."""
    from evals.runner import SUITES, below_baseline

    suite = SUITES["wild-test"]
    summary: dict = {}
    code = run_eval(Settings(embedder="minilm", index=tmp_path / "index-wild-test"), gold=suite.gold, corpus=suite.corpus,
                    out=tmp_path / "report", baseline=True, gate=True, thresholds=suite.thresholds, home_payer=None,
                    summary=summary)
    table = capsys.readouterr().out
    with capsys.disabled():
        print("\n" + table)
        print("below the naive baseline on:", below_baseline(summary["figures"]["ours"], summary["figures"]["baseline"]))
    report = json.loads((tmp_path / "report" / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["home_payer"] is None
    assert code == 0, f"the test split misses its floors: {report['gate']['below_floor']}"


def test_an_eval_index_older_than_the_ingest_code_is_rebuilt(hashing_settings: Settings, tmp_path: Path):
    from evals.runner import INGEST_MODULES, SOURCES_FILE, stale_modules
    from retrieval import index as idx
    from retrieval.ingest import ingest

    ingest(replace(hashing_settings, corpus=EVAL_CORPUS), [EVAL_CORPUS])
    # an index the eval did not build (no digests recorded beside it) is judged by file times
    (hashing_settings.index / SOURCES_FILE).unlink(missing_ok=True)
    manifest_path = idx.active_generation(hashing_settings).path / idx.MANIFEST
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    built_at = manifest["built_at"]
    try:
        manifest_path.write_text(json.dumps({**manifest, "built_at": 0}), encoding="utf-8")
        assert stale_modules(hashing_settings) == [f"retrieval/{name}" for name in INGEST_MODULES]
        manifest_path.write_text(json.dumps({**manifest, "built_at": 4e9}), encoding="utf-8")
        assert stale_modules(hashing_settings) == []
    finally:
        manifest_path.write_text(json.dumps({**manifest, "built_at": built_at}), encoding="utf-8")
    assert stale_modules(Settings(index=tmp_path / "never-built")) == []


def test_an_eval_index_built_by_other_ingest_code_is_rebuilt_even_if_edited_mid_build(hashing_settings: Settings):
    # the digests of the code the eval ran decide, not file times: an edit saved while the index was being built
    # leaves the index marked as built by the code before it
    from evals.runner import INGEST_MODULES, SOURCES_FILE, _ingest_sources, record_sources, stale_modules
    from retrieval.ingest import ingest

    ingest(replace(hashing_settings, corpus=EVAL_CORPUS), [EVAL_CORPUS])
    record_sources(hashing_settings)
    assert stale_modules(hashing_settings) == []
    path = hashing_settings.index / SOURCES_FILE
    try:
        path.write_text(json.dumps({**_ingest_sources(), "structure.py": "an older digest"}), encoding="utf-8")
        assert stale_modules(hashing_settings) == ["retrieval/structure.py"]
        path.write_text("not json", encoding="utf-8")
        assert stale_modules(hashing_settings) == [f"retrieval/{name}" for name in INGEST_MODULES]
    finally:
        path.unlink()
