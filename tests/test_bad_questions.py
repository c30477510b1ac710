"""Anything a member can type: a clear QuestionError or a normal answer, never a crash, never a write to the index."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from retrieval.answer import AnswerEngine
from retrieval.errors import QuestionError
from retrieval.ingest import ingest
from retrieval.settings import Settings

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def engine_and_index(tmp_path_factory: pytest.TempPathFactory) -> tuple[AnswerEngine, Path]:
    index = tmp_path_factory.mktemp("bad-questions-index")
    settings = Settings(corpus=CORPUS, index=index, embedder="hashing")
    ingest(settings, [CORPUS])
    return AnswerEngine(settings), index


def _fingerprint(index: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in index.rglob("*") if p.is_file() and p.name != ".lock"):
        digest.update(path.relative_to(index).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def _check(engine: AnswerEngine, question: object) -> None:
    try:
        answer = engine.ask(question)  # type: ignore[arg-type]
    except QuestionError as exc:
        assert str(exc)
        return
    text = next(iter(engine.index.policies.values())).text
    for c in answer.citations:
        assert text[c.start:c.end] == c.quote
    assert answer.disclaimer and isinstance(answer.answer, str)
    assert answer.abstained == (answer.route is not None)


QUESTIONS = [
    "", " ", "\n\t", "\x00" * 10, "is prolotherapy covered?\x00\x07\x1b[31m", "💉💉 prolo covered? 🤔",
    "プロロセラピーは保険の対象ですか？", "هل العلاج بالحقن مغطى؟", "Пролотерапия покрывается?",
    "<script>alert(1)</script> is prolotherapy covered?", "[click](javascript:alert(1)) ![x](http://e/x.png)",
    '{"question": "nested json"}', "a" * 1999, "a" * 2001, "?" * 500, "\u202eevoc si\u202c prolo",
    "SELECT * FROM policies; --", "../../etc/passwd", "%s%s%n", "null", "None", "0", "-1",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_listed_bad_questions(engine_and_index, question):
    engine, index = engine_and_index
    before = _fingerprint(index)
    _check(engine, question)
    assert _fingerprint(index) == before


@pytest.mark.parametrize("question", [None, 42, 3.5, ["a"], {"q": 1}, b"bytes"])
def test_non_text_questions_are_refused_by_type(engine_and_index, question):
    engine, _ = engine_and_index
    with pytest.raises(QuestionError, match="must be text"):
        engine.ask(question)


def test_a_100000_character_question_is_refused_with_the_limit(engine_and_index):
    engine, _ = engine_and_index
    with pytest.raises(QuestionError, match="100,000 characters; the limit is 2,000"):
        engine.ask("x" * 100_000)


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300), st.lists(st.text(max_size=80), max_size=4), st.sampled_from(["member", "rep"]))
def test_any_text_any_history(engine_and_index, question, history, audience):
    engine, _ = engine_and_index
    try:
        answer = engine.ask(question, history=history, audience=audience)
    except QuestionError:
        return
    text = next(iter(engine.index.policies.values())).text
    assert all(text[c.start:c.end] == c.quote for c in answer.citations)
