"""Crash and damage: ingests SIGKILLed at random points (evals.crash, short), and a damaged index read from the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import SEED, SEED_SIDECAR

from evals import crash
from retrieval import cli
from retrieval import index as idx
from retrieval.answer import AnswerEngine
from retrieval.ingest import ingest
from retrieval.settings import Settings

KNEE = "Is prolotherapy covered for knee osteoarthritis?"
REBUILD = "policyqa ingest --rebuild"


# ---------------------------------------------------------------- kill -9 at random points


def test_ingest_killed_at_random_points_always_leaves_a_complete_clean_index(tmp_path: Path) -> None:
    report = crash.crash_suite(runs=5, seed=7, work=tmp_path, small=True, log=lambda *_: None)
    crash.print_report(report, 5)  # shown with -s, and in the failure output
    assert len(report.runs) == 5
    for run in report.runs:
        assert run.served in ("v1", "v2"), run
        assert run.answers, run
    assert report.converged, report.problems
    assert report.rerun_embedded == 0
    assert report.second_writer_exit == 3
    assert "another process is writing the index" in report.second_writer_message
    assert report.second_writer_seconds < 5.0
    assert report.ok, report.problems


def test_a_no_op_ingest_after_a_killed_one_removes_the_unfinished_build(settings: Settings) -> None:
    """A killed ingest leaves its half-built generation folder aside. The next ingest must clear it even when the
    corpus did not change; today only an ingest that switches collects garbage, so killed builds pile up."""
    first = ingest(settings)
    served = idx.require_generation(settings)
    unfinished = settings.index / "gen-20000101T000000-dead00"  # what a kill mid-build leaves: a copy, no manifest
    shutil.copytree(served.chroma_path, unfinished / "chroma")
    report = ingest(settings)
    assert (report.switched, report.embedded, report.generation) == (False, 0, first.generation)
    assert not unfinished.exists(), "the killed build's folder is still on disk after the next ingest"


# ---------------------------------------------------------------- a damaged index, read from the command line


@pytest.fixture(scope="module")
def built_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A one-policy corpus and its index, built once; each case damages its own copy."""
    root = tmp_path_factory.mktemp("damage")
    corpus = root / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    shutil.copy(SEED_SIDECAR, corpus / SEED_SIDECAR.name)
    index = root / "index"
    ingest(Settings(corpus=corpus, index=index, embedder="hashing"))
    return corpus, index


def _generation(index: Path) -> Path:
    return index / json.loads((index / idx.ACTIVE).read_text(encoding="utf-8"))["generation"]


def _junk_sqlite(index: Path) -> None:
    (_generation(index) / "chroma" / "chroma.sqlite3").write_bytes(os.urandom(64 * 1024))


def _empty_sqlite(index: Path) -> None:
    (_generation(index) / "chroma" / "chroma.sqlite3").write_bytes(b"")


def _generation_deleted(index: Path) -> None:
    shutil.rmtree(_generation(index))


def _chroma_folder_deleted(index: Path) -> None:
    shutil.rmtree(_generation(index) / "chroma")


def _active_points_nowhere(index: Path) -> None:
    (index / idx.ACTIVE).write_text('{"generation": "gen-20000101T000000-gone00"}', encoding="utf-8")


def _policyqa(capsys: pytest.CaptureFixture[str], *args: str) -> subprocess.CompletedProcess:
    """`policyqa ARGS` in this process (the CLI's own main, as the console script calls it): exit code and output.
    An exception escaping main would be the traceback a user sees, and fails the test with it."""
    capsys.readouterr()
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(["policyqa", *args], code, out, err)


@pytest.mark.parametrize("damage", [
    pytest.param(_junk_sqlite, id="chroma-sqlite-overwritten-with-junk"),
    pytest.param(_empty_sqlite, id="chroma-sqlite-truncated-to-zero-bytes"),
    pytest.param(_generation_deleted, id="served-generation-folder-deleted"),
    pytest.param(_chroma_folder_deleted, id="chroma-folder-deleted"),
    pytest.param(_active_points_nowhere, id="active-json-points-nowhere"),
])
def test_a_damaged_index_gives_a_message_naming_the_rebuild_and_the_rebuild_recovers(
    built_index: tuple[Path, Path], tmp_path: Path, damage: Callable[[Path], None], capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, clean = built_index
    index = tmp_path / "index"
    shutil.copytree(clean, index)
    damage(index)

    asked = _policyqa(capsys, "ask", KNEE, "--index", str(index), "--json")
    assert "Traceback" not in asked.stderr, asked.stderr
    assert asked.returncode == 3, f"exit {asked.returncode}; stdout: {asked.stdout[:300]!r}; stderr: {asked.stderr[-500:]!r}"
    assert asked.stderr.startswith("policyqa: "), asked.stderr
    assert REBUILD in asked.stderr, f"the message does not say how to rebuild: {asked.stderr.strip()!r}"
    assert asked.stdout == ""

    # `policyqa stats` checks what the store holds against the manifest: it never calls a damaged index healthy
    stats = _policyqa(capsys, "stats", "--index", str(index))
    assert stats.returncode == 3 and REBUILD in stats.stderr and "Traceback" not in stats.stderr, stats.stderr

    rebuilt = _policyqa(capsys, "ingest", "--rebuild", "--corpus", str(corpus), "--index", str(index), "--quiet")
    assert rebuilt.returncode == 0, rebuilt.stderr
    answer = AnswerEngine(Settings(corpus=corpus, index=index, embedder="hashing")).ask(KNEE)
    assert answer.verdict == "investigational" and answer.citations


def test_a_deleted_index_folder_names_the_ingest_that_builds_it(
    built_index: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus, _ = built_index
    index = tmp_path / "index"  # never built, as after `rm -rf .index`
    asked = _policyqa(capsys, "ask", KNEE, "--index", str(index))
    assert (asked.returncode, asked.stdout) == (3, "")
    assert "Traceback" not in asked.stderr
    assert asked.stderr.startswith(f"policyqa: no index at {index}; build it with: policyqa ingest "), asked.stderr
    assert _policyqa(capsys, "ingest", "--corpus", str(corpus), "--index", str(index), "--quiet").returncode == 0
    assert AnswerEngine(Settings(corpus=corpus, index=index, embedder="hashing")).ask(KNEE).verdict == "investigational"
