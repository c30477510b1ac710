"""What a first real use of the rep console and member page showed about the answers themselves (issue 12, items 1, 2
and 5), over the eval corpus with the hashing embedder."""

from __future__ import annotations

import pytest

from retrieval import lexicon
from retrieval.answer import AnswerEngine


@pytest.fixture
def engine(eval_engine: AnswerEngine) -> AnswerEngine:
    return eval_engine


def test_several_codes_in_one_question_get_the_policys_position_and_the_unlisted_code_is_named(engine):
    answer = engine.ask("Is CPT 20550 or M0076 covered under 02.01.18?")
    assert answer.verdict == "investigational"
    assert {c.policy_id for c in answer.citations} == {"02.01.18"}  # the policy asked about, not others listing a code
    assert any(c.quote == "M0076 Prolotherapy" for c in answer.citations)
    assert "20550 is not listed in policy 02.01.18" in answer.answer


def test_a_code_row_that_marks_its_own_position_carries_the_verdict(engine):
    answer = engine.ask("Is J0585 covered?")
    assert answer.verdict == "investigational"
    assert "J0585" in answer.citations[0].quote and "investigational" in answer.citations[0].quote


def test_asking_for_the_code_list_still_lists_codes(engine):
    answer = engine.ask("What CPT code does 02.01.18 list?")
    assert answer.verdict is None and "M0076" in answer.answer


@pytest.mark.parametrize("question", ["Is prolotherapy covered for plantar fasciitis under policy 02.01.18?",
                                      "Is prolotherapy covered for chronic back pain under 02.01.18?"])
def test_support_for_a_not_covered_answer_never_argues_for_the_service(engine, question):
    answer = engine.ask(question, audience="member")
    assert answer.verdict == "investigational"
    favourable = lexicon.joined("verdicts", "favourable")
    for citation in answer.citations[1:]:
        assert not favourable.search(citation.quote), citation.quote


def test_advice_is_declined_and_the_policy_on_the_service_follows_with_its_quote(engine):
    answer = engine.ask("My doctor said I need prolo for my neck, should I do it?", audience="member")
    assert (answer.route, answer.verdict, answer.abstained) == ("medical_advice", None, True)
    assert answer.answer.startswith("I can't give medical advice")
    assert "What the policy says about it" in answer.answer
    assert answer.citations and answer.citations[0].policy_id == "02.01.18"
    assert "investigational" in answer.citations[0].quote


def test_advice_about_nothing_loaded_is_declined_without_a_policy(engine):
    answer = engine.ask("Should I take ibuprofen or tylenol for my headache?", audience="member")
    assert answer.route == "medical_advice" and answer.citations == ()
