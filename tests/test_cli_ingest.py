"""Tests for the `policyqa` ingest, search and stats commands: output, exit codes, and messages that name the fix."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from retrieval.chunking import chunk_document
from retrieval.cli import EXIT_INDEX, EXIT_SKIPPED, EXIT_USAGE, main
from retrieval.corpus import discover, display_path, load_document
from retrieval.errors import PolicyQAError

SUMMARY = re.compile(
    r"^documents (?P<documents>\d+)  chunks (?P<chunks>\d+)  embedded (?P<embedded>\d+)  "
    r"skipped (?P<skipped>\d+)  removed (?P<removed>\d+)  seconds (?P<seconds>\d+\.\d\d)"
    r"(?:  \((?P<rate>\d+) chunks/s\))?$"
)
SEED_NAME = "wellmark-medical-policy-02.01.18-prolotherapy.txt"
ACUPUNCTURE_NAME = "bluestem-bh-med-114-acupuncture.txt"


def _chunk_counts(corpus: Path) -> dict[str, int]:
    """File name → chunk count for the loadable policies of a corpus."""
    counts = {}
    for file in discover([corpus]):
        try:
            counts[file.path.name] = len(chunk_document(load_document(file))[1])
        except PolicyQAError:
            continue
    return counts


def _summary(stdout: str) -> dict[str, str | None]:
    match = SUMMARY.match(stdout.splitlines()[0])
    assert match, f"first line is not the ingest summary: {stdout.splitlines()[0]!r}"
    return match.groupdict()


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def built(corpus_dir: Path, index_dir: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert main(["ingest", "--corpus", str(corpus_dir), "--index", str(index_dir), "--quiet"]) == 0
    capsys.readouterr()
    return index_dir


# ---------------------------------------------------------------- ingest


def test_ingest_prints_the_summary(corpus_dir: Path, index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "--corpus", str(corpus_dir), "--index", str(index_dir), "--quiet"]) == 0
    out = capsys.readouterr().out
    total = sum(_chunk_counts(corpus_dir).values())
    summary = _summary(out)
    assert {k: summary[k] for k in ("documents", "chunks", "embedded", "skipped", "removed")} == {
        "documents": "2", "chunks": str(total), "embedded": str(total), "skipped": "0", "removed": "0",
    }
    assert summary["rate"] is not None
    assert re.fullmatch(r"index switched to gen-\S+ \(added 2, updated 0\)", out.splitlines()[1])
    assert len(out.splitlines()) == 2


def test_ingest_again_says_nothing_to_embed(built: Path, corpus_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", "--corpus", str(corpus_dir), "--index", str(built), "--quiet"]) == 0
    out = capsys.readouterr().out
    summary = _summary(out)
    assert (summary["documents"], summary["embedded"], summary["rate"]) == ("2", "0", None)
    assert out.splitlines()[1:] == ["index unchanged: nothing to embed"]


def test_ingest_with_a_skipped_document_exits_1_and_names_it(
    corpus_dir: Path, index_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (corpus_dir / "broken.txt").write_bytes(b"\x00\x01binary")
    (corpus_dir / "empty.md").write_bytes(b"")
    assert main(["ingest", "--corpus", str(corpus_dir), "--index", str(index_dir), "--quiet"]) == EXIT_SKIPPED
    out = capsys.readouterr().out
    summary = _summary(out)
    assert (summary["documents"], summary["skipped"]) == ("2", "2")
    assert out.splitlines()[2:] == [
        f"skipped {display_path(corpus_dir / 'broken.txt')}: looks binary (NUL bytes), not text",
        f"skipped {display_path(corpus_dir / 'empty.md')}: empty document",
    ]


def test_ingest_json(corpus_dir: Path, index_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (corpus_dir / "broken.txt").write_bytes(b"\xff\xfe")
    assert main(["ingest", "--corpus", str(corpus_dir), "--index", str(index_dir), "--quiet", "--json"]) == EXIT_SKIPPED
    report = json.loads(capsys.readouterr().out)
    total = sum(n for name, n in _chunk_counts(corpus_dir).items() if name != "broken.txt")
    assert set(report) == {
        "documents", "chunks", "embedded", "units_embedded", "distinct_texts", "unchanged", "added", "updated",
        "removed", "skipped", "seconds", "chunks_per_second", "model_load_seconds", "embed_seconds", "generation", "switched",
    }
    assert (report["documents"], report["chunks"], report["embedded"], report["unchanged"]) == (2, total, total, 0)
    assert sorted(report["added"]) == sorted(display_path(corpus_dir / n) for n in (SEED_NAME, ACUPUNCTURE_NAME))
    assert (report["updated"], report["removed"], report["switched"]) == ([], [], True)
    assert report["skipped"] == [
        {"source": display_path(corpus_dir / "broken.txt"), "reason": "not valid UTF-8 (byte 0xff at offset 0)"}
    ]


def test_ingest_reads_corpus_and_index_from_the_environment(
    corpus_dir: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POLICYQA_CORPUS", str(corpus_dir))
    monkeypatch.setenv("POLICYQA_INDEX", str(index_dir))
    assert main(["ingest", "--quiet"]) == 0
    assert _summary(capsys.readouterr().out)["documents"] == "2"
    assert (index_dir / "ACTIVE.json").is_file()


def test_ingest_missing_corpus_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["ingest", "--corpus", str(tmp_path / "nowhere"), "--index", str(tmp_path / "index"), "--quiet"])
    assert code == EXIT_USAGE
    assert capsys.readouterr().err == f"policyqa: corpus folder {tmp_path / 'nowhere'} does not exist\n"


def test_ingest_on_a_damaged_index_with_rebuild(built: Path, corpus_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (built / "ACTIVE.json").write_text("{broken", encoding="utf-8")
    assert main(["stats", "--index", str(built)]) == EXIT_INDEX
    err = capsys.readouterr().err
    assert err.startswith(f"policyqa: the index at {built} is damaged")
    assert f"policyqa ingest --rebuild --index {built}" in err
    assert main(["ingest", "--rebuild", "--corpus", str(corpus_dir), "--index", str(built), "--quiet"]) == 0
    assert _summary(capsys.readouterr().out)["documents"] == "2"
    assert main(["stats", "--index", str(built)]) == 0


# ---------------------------------------------------------------- search


def test_search_json_rows_quote_the_source_exactly(built: Path, corpus_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "knee osteoarthritis", "--json", "--index", str(built)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 5
    for row in rows:
        assert set(row) == {"policy_id", "title", "payer", "section", "source", "start", "end", "score", "dense", "lexical", "text"}
        source_text = Path(row["source"]).read_bytes().decode("utf-8")
        assert row["text"] == source_text[row["start"]:row["end"]]
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    policy_rows = [r for r in rows if r["section"] == "Policy" and r["policy_id"] == "02.01.18"]
    assert len(policy_rows) == 1
    assert (policy_rows[0]["title"], policy_rows[0]["payer"]) == ("Prolotherapy", "Wellmark")
    assert "Knee osteoarthritis" in policy_rows[0]["text"]


def test_search_k_limits_rows(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "acupuncture", "--json", "--k", "2", "--index", str(built)]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2


def test_search_text_output(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "prolotherapy knee osteoarthritis", "--k", "1", "--index", str(built)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert re.fullmatch(r"1\. Wellmark 02\.01\.18 Prolotherapy — Policy \[\d+:\d+\] score [\d.]+", lines[0])
    assert lines[1].startswith("   Prolotherapy is considered investigational for all applications")


@pytest.mark.parametrize("k", ["0", "-1", "101"])
def test_search_rejects_a_bad_k(built: Path, k: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["search", "knee", "--k", k, "--index", str(built)]) == EXIT_USAGE
    assert capsys.readouterr().err == f"policyqa: --k must be between 1 and 100, got {k}\n"


@pytest.mark.parametrize("command", [["search", "knee osteoarthritis", "--json"], ["stats", "--json"], ["stats"]])
def test_missing_index_exits_3_naming_ingest(tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "no-index"
    assert main([*command, "--index", str(missing)]) == EXIT_INDEX
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"policyqa: no index at {missing}; build it with: policyqa ingest --corpus ")
    assert captured.err.endswith(f"--index {missing}\n")


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == EXIT_USAGE
    assert "ingest" in capsys.readouterr().out


# ---------------------------------------------------------------- stats


def test_stats_json(built: Path, corpus_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--json", "--index", str(built)]) == 0
    stats = json.loads(capsys.readouterr().out)
    counts = _chunk_counts(corpus_dir)
    generation = json.loads((built / "ACTIVE.json").read_text(encoding="utf-8"))["generation"]
    assert stats == {
        "index": str(built),
        "generation": generation,
        "embedder": "hashing-v1",
        "documents": 2,
        "chunks": sum(counts.values()),
        "units_embedded": stats["units_embedded"],
        "policies": [
            {"payer": "Bluestem Health", "policy_id": "BH-MED-114", "title": "Acupuncture", "reviewed": "05/21/2024",
             "source": display_path(corpus_dir / ACUPUNCTURE_NAME), "chunks": counts[ACUPUNCTURE_NAME]},
            {"payer": "Wellmark", "policy_id": "02.01.18", "title": "Prolotherapy", "reviewed": "October 2020",
             "source": display_path(corpus_dir / SEED_NAME), "chunks": counts[SEED_NAME]},
        ],
    }
    assert stats["units_embedded"] > stats["chunks"]


def test_stats_text(built: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--index", str(built)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"index {built} (gen-") and lines[0].endswith("), embedder hashing-v1")
    assert re.fullmatch(r"2 documents, \d+ chunks, \d+ embedded sentences", lines[1])
    assert [line.split()[0] for line in lines[2:]] == ["Bluestem", "Wellmark"]


# ---------------------------------------------------------------- a real process


def test_the_module_runs_as_a_real_process(corpus_dir: Path, index_dir: Path) -> None:
    env = {**os.environ, "POLICYQA_EMBEDDER": "hashing", "PYTHONPATH": str(ROOT)}
    run = [sys.executable, "-m", "retrieval.cli"]
    ingest = subprocess.run(
        [*run, "ingest", "--corpus", str(corpus_dir), "--index", str(index_dir), "--quiet"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert ingest.returncode == 0, ingest.stderr
    assert _summary(ingest.stdout)["documents"] == "2"
    search = subprocess.run(
        [*run, "search", "knee osteoarthritis", "--json", "--index", str(index_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert search.returncode == 0, search.stderr
    rows = json.loads(search.stdout)
    assert rows
    for row in rows:
        assert row["text"] == Path(row["source"]).read_bytes().decode("utf-8")[row["start"]:row["end"]]
    missing = subprocess.run(
        [*run, "stats", "--index", str(index_dir.parent / "none")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert (missing.returncode, missing.stdout) == (EXIT_INDEX, "")
    assert "policyqa ingest" in missing.stderr
