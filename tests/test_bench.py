"""Smoke test of the benchmark: it runs end to end at tiny sizes and reports every figure as a number (no timings judged)."""

from __future__ import annotations

import json

import pytest

from evals import bench

FIGURE_GROUPS = ("ingest", "reingest", "answers", "quality", "baseline", "ratios")


def _numbers(group: dict) -> dict:
    return {k: v for k, v in group.items() if not (isinstance(v, int | float) and not isinstance(v, bool))}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("bench")
    bench.run_bench([1, 3], embedder="hashing", work=root / "work", out=root / "out", warm_questions=12,
                    quality_questions=12, say=lambda _message: None)
    assert (root / "out" / "bench.png").stat().st_size > 10_000
    return json.loads((root / "out" / "bench.json").read_text(encoding="utf-8"))


def test_every_figure_of_every_size_is_a_number(report: dict) -> None:
    assert [e["policies"] for e in report["sizes"]] == [1, 3]
    for entry in report["sizes"]:
        for group in FIGURE_GROUPS:
            assert entry[group], group
            assert _numbers(entry[group]) == {}, (entry["policies"], group)
        assert isinstance(entry["peak_rss_mb"], float) and entry["peak_rss_mb"] > 0
        assert entry["ingest"]["documents"] == entry["policies"]
        assert entry["reingest"]["embedded"] == 0  # the unchanged re-run embeds nothing
        assert entry["answers"]["warm_questions"] == 12
        assert entry["server"] == {"measured": False, "reason": "no --chroma-url (or POLICYQA_CHROMA_URL) given"}
    for key in ("warm_p50_ms", "warm_p95_ms", "warm_p99_ms", "cold_start_seconds", "throughput_1_per_s",
                "throughput_4_per_s", "search_p50_ms", "peak_rss_mb"):
        assert key in report["sizes"][-1]["answers"], key
    for key in ("retrieval_p50_ms", "retrieval_p95_ms", "retrieval_p99_ms", "ingest_seconds", "chunks_per_second"):
        assert key in report["sizes"][-1]["baseline"], key


def test_targets_and_profiles_are_reported(report: dict) -> None:
    assert {t["target"] for t in report["targets"]} == {name for name, *_ in bench.TARGETS}
    assert all(isinstance(t["value"], int | float) and isinstance(t["met"], bool) for t in report["targets"])
    for name in ("question", "ingest"):
        profile = report["profiles"][name]
        assert 0 < len(profile["top_cumulative"]) <= bench.PROFILE_TOP
        assert all(isinstance(r["cumtime_s"], float) and r["function"] for r in profile["top_cumulative"])
    assert report["profiles"]["question"]["questions"] == bench.PROFILE_QUESTIONS


def test_table_names_every_size_and_target(report: dict) -> None:
    table = bench.format_table(report)
    assert "1 pol." in table and "3 pol." in table
    assert "warm answer p50 / p95 / p99 (ms)" in table and "baseline retrieval p50 / p95 / p99 (ms)" in table
    assert "server mode: not measured" in table


def test_bad_sizes_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--sizes", "1,x"]) == 2
    assert "--sizes must be whole numbers" in capsys.readouterr().err
    assert bench.main(["--sizes", "0"]) == 2
    assert "at least 1" in capsys.readouterr().err
