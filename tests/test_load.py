"""Load, short: concurrent askers over one engine (evals.load), and concurrent app sessions that never see each other."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from evals import load
from retrieval.answer import AnswerEngine
from retrieval.ingest import ingest
from retrieval.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
SESSIONS = 10
APP_TIMEOUT = 60


@pytest.fixture(scope="module")
def eval_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("load-index")
    report = ingest(Settings(corpus=load.CORPUS, index=index, embedder="hashing"))
    assert report.documents == 9 and not report.skipped
    return index


def test_concurrent_askers_over_one_engine_get_their_own_answers(eval_index: Path) -> None:
    engine = AnswerEngine(Settings(corpus=load.CORPUS, index=eval_index, embedder="hashing", home_payer=load.HOME_PAYER))
    report, kept = load.run_load(engine, askers=4, seconds=3, gold=load.load_gold())
    load.verify(engine, kept, report, limit=60)
    summary = report.summary()
    print(f"\n4 askers x 3 s: {summary['answers']} answers, p50 {summary['p50_ms']} ms, p99 {summary['p99_ms']} ms")
    assert report.errors == 0, report.error_samples
    assert report.canary_crossings == 0, report.crossing_samples
    assert report.own_canary_missing == 0
    assert min(report.per_asker) > 0, report.per_asker  # every asker was served, none starved
    assert report.verified == 60 and report.verified_identical == 60, report.mismatch_samples


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert [load.percentile(values, q) for q in (50, 95, 99, 100)] == [50.0, 95.0, 99.0, 100.0]
    assert load.percentile([], 99) == 0.0
    assert load.percentile([7.0], 50) == 7.0


# ---------------------------------------------------------------- ten app sessions at once


def _rendered(at: AppTest) -> str:
    """Everything the session's page shows as text (chat messages, captions, code, boxes) and its conversation."""
    parts = []
    for kind in ("markdown", "caption", "code", "info", "warning", "error", "title"):
        parts += [str(element.value) for element in at.get(kind)]
    parts += [turn.question for turn in at.session_state["conversation_member"]]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def test_ten_open_app_sessions_each_see_only_their_own_conversation(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, eval_index: Path
) -> None:
    """Ten sessions open at once over the one cached engine, their turns interleaved. (AppTest keeps Streamlit's
    runtime in a process-wide singleton, so two AppTest runs cannot overlap in time; tests/test_page_requests.py
    drives ten browser sessions truly at once against a real server.)"""
    monkeypatch.setenv("POLICYQA_CORPUS", str(load.CORPUS))
    monkeypatch.setenv("POLICYQA_INDEX", str(eval_index))
    monkeypatch.setenv("POLICYQA_EMBEDDER", "hashing")
    monkeypatch.setenv("POLICYQA_FEEDBACK", str(tmp_path / "feedback.jsonl"))
    tokens = load.canaries(SESSIONS, seed=11)
    sessions = [AppTest.from_file(str(APP), default_timeout=APP_TIMEOUT) for _ in range(SESSIONS)]
    for at in sessions:
        at.run()
    for i, at in enumerate(sessions):
        at.chat_input[0].set_value(f"Is prolotherapy covered for knee osteoarthritis? My reference is {tokens[i]}").run()
    for i, at in enumerate(sessions):
        at.chat_input[0].set_value(f"and the code? ref {tokens[i]}").run()

    for i, at in enumerate(sessions):
        assert not at.exception, f"session {i}: {[e.value for e in at.exception]}"
        shown = _rendered(at)
        assert shown.count(tokens[i]) >= 2, f"session {i} does not show its own two questions"
        others = set(load.CANARY.findall(shown)) - {tokens[i]}
        assert not others, f"session {i} shows another session's canary: {sorted(others)}"
        follow_up = [m for m in at.chat_message if m.name == "assistant"][-1]
        assert "M0076" in "\n".join(str(md.value) for md in follow_up.markdown), f"session {i}: the follow-up lost its context"
