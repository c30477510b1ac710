"""Ages in months and years, and what puts a policy's criteria in doubt, as the question reader and the coverage finder
read them."""

from __future__ import annotations

import pytest

from retrieval.answer.finders.coverage import _age_fits
from retrieval.answer.question import _age_months
from retrieval.answer.understanding import Understanding


@pytest.mark.parametrize(("question", "months"), [
    ("baby is 14 months old with plagiocephaly", 14), ("my 7-month-old son", 7), ("what if the infant is 5 months?", 5),
    ("my 16 year old daughter", 192), ("what if the patient is 15?", 180), ("pain for 6 months", None),
])
def test_an_age_is_read_in_months(question: str, months: int | None) -> None:
    assert _age_months(question) == months


@pytest.mark.parametrize(("months", "sentence", "fits"), [
    (14, "An initial orthosis for an infant older than 12 months of age (corrected age).", True),
    (10, "An initial orthosis for an infant older than 12 months of age (corrected age).", False),
    (5, "infants between 3 and 18 months of age", True),
    (20, "infants between 3 and 18 months of age", False),
    (192, "adolescents ages 13 through 17", True),
    (216, "adolescents ages 13 through 17", False),
    (144, "children younger than 13", True),
    (360, "adults 18 and older", True),
    (144, "members older than 12", False),
    (156, "members older than 12", True),
    (24, "after less than 12 weeks of therapy", False),
    # a number after a measure's name is that measure; a percentage is no age
    (180, "IV. Type 2 Diabetes With BMI Below 35", False),
    (180, "Bariatric surgery for individuals with a BMI of less than 35 kg/m2 is investigational.", False),
    (180, "Inadequate weight loss, defined as loss of less than 50% of excess body weight", False),
    (180, "Hypoglossal nerve stimulation for an AHI under 15 events per hour", False),
])
def test_an_age_against_a_statements_range(months: int, sentence: str, fits: bool) -> None:
    assert _age_fits(months, sentence) is fits


def _understanding(**fields) -> Understanding:
    base = dict(text="q", expanded="q", intent="coverage", date_field=None, doc_keys=(), service_score=0.0, payers=(),
                unknown_payer=None, policy_ids=(), codes=(), indication=(), comparison=False)
    return Understanding(**{**base, **fields})


def test_the_criteria_are_in_doubt_when_the_question_says_what_is_absent_or_gives_a_measure() -> None:
    assert not _understanding().criteria_in_doubt
    assert _understanding(negated=("ulcer",)).criteria_in_doubt  # "never had a leg ulcer"
    assert _understanding(states_measure=True).criteria_in_doubt  # "knee pain for 2 months"
    # "what's needed after 60% relief for 6 months?" asks for the criteria themselves
    assert not _understanding(states_measure=True, intent="criteria").criteria_in_doubt


def test_a_sentence_whose_age_range_excludes_the_asked_age_never_carries_the_answer() -> None:
    from retrieval.answer.finders.coverage import _states_age

    assert _states_age("An implantable CGM is considered medically necessary for individuals 18 years of age and older.")
    assert not _age_fits(192, "An implantable CGM is considered medically necessary for individuals 18 years of age and older.")
    assert not _states_age("An implantable CGM is considered medically necessary when all criteria are met.")


def test_each_kind_of_measure_a_question_asks_for_is_found_in_the_criteria_that_state_it() -> None:
    import re

    from retrieval import lexicon

    for row in lexicon.rows("questions", "measure_asked"):
        answer = re.compile(row.fields["answer"], re.IGNORECASE)
        assert [e for e in row.fields["answer_examples"] if not answer.search(e)] == [], row.fields["kind"]


def test_a_question_measure_against_a_criterions_bound() -> None:
    from types import SimpleNamespace

    from retrieval.answer.finders.measures import failed_criterion, question_measures

    assert question_measures("my 16 year old son") == []  # an age, not a measure
    [(dimension, value, around)] = question_measures("She has only done 6 weeks of physical therapy and a fitted bra")
    assert (dimension, value) == ("days", 42.0) and "bra" in around
    criterion = ("Symptoms have not improved after at least 3 months of documented conservative treatment, including "
                 "a professionally fitted support bra")
    unit = SimpleNamespace(text=criterion)
    view = SimpleNamespace(text_of=lambda u: u.text)
    assert failed_criterion(view, [unit], question_measures("only 6 weeks of therapy and a fitted bra")) is unit
    assert failed_criterion(view, [unit], question_measures("4 months of therapy and a fitted bra")) is None
    assert failed_criterion(view, [unit], question_measures("pain for 6 weeks after a car crash")) is None  # not the same thing


def test_a_length_and_a_number_spelled_out_with_its_digits_against_a_criterions_bound() -> None:
    from types import SimpleNamespace

    from retrieval.answer.finders.measures import failed_criterion, question_measures

    view = SimpleNamespace(text_of=lambda u: u.text)
    [(dimension, value, _)] = question_measures("the fracture gap measures 1.5 cm on the last film")
    assert (dimension, value) == ("length", 15.0)
    gap = SimpleNamespace(text="The fracture gap is 1 cm or less; and")  # Triple-S Salud's bone growth stimulators
    assert failed_criterion(view, [gap], question_measures("the fracture gap measures 1.5 cm")) is gap
    assert failed_criterion(view, [gap], question_measures("the fracture gap is 8 mm")) is None
    # "six (6) months": CalOptima's way of writing a number, its digits in brackets
    heel = SimpleNamespace(text="Heel pain has been present for at least six (6) months;")
    assert failed_criterion(view, [heel], question_measures("plantar fasciitis, heel pain for 3 months")) is heel
    assert failed_criterion(view, [heel], question_measures("plantar fasciitis, heel pain for 8 months")) is None


def test_the_short_forms_a_policy_defines() -> None:
    from retrieval.answer.view import defined_abbreviations
    from retrieval.answer.words import content_words

    text = ("For this policy, chronic low back pain (CLBP) means pain lasting three months. The apnea-hypopnea index (AHI)"
            " is counted per hour. Negative pressure wound therapy (NPWT) is covered. Thermolysis (e.g., miraDry) and"
            " devices cleared by the U.S. Food and Drug Administration (FDA).")
    found = defined_abbreviations(text)
    assert found["CLBP"] == set(content_words("chronic low back pain"))
    assert found["AHI"] == set(content_words("apnea hypopnea index"))
    assert found["NPWT"] == set(content_words("negative pressure wound therapy"))
    assert "FDA" in found and not any(k.lower().startswith("mira") for k in found)


def test_a_spinal_level_and_a_letter_alone_are_no_indication() -> None:
    from retrieval.answer.question import _case_detail

    assert all(_case_detail().fullmatch(w) for w in ("c5", "l4", "t12", "s1"))
    assert not _case_detail().fullmatch("cgm")


def test_a_count_or_score_against_a_criterions_bound() -> None:
    from types import SimpleNamespace

    from retrieval.answer.finders.measures import failed_criterion, question_measures

    view = SimpleNamespace(text_of=lambda u: u.text)
    salt = SimpleNamespace(text="Alopecia areata with a Severity of Alopecia Tool (SALT) score of 50 or higher")
    episodes = SimpleNamespace(text="Seven or more episodes of sore throat in the preceding 12 months; or")
    ahi = SimpleNamespace(text="An apnea-hypopnea index (AHI) of 65 or less on a sleep study")
    assert failed_criterion(view, [salt], question_measures("the dermatologist wrote SALT 30")) is salt
    assert failed_criterion(view, [salt], question_measures("her SALT score is 70")) is None
    assert failed_criterion(view, [episodes], question_measures("4 documented throat episodes this year")) is episodes
    # each number is read with the words of its own clause: the BMI is not the AHI
    assert failed_criterion(view, [ahi], question_measures("AHI 30, BMI 71")) is None
    assert failed_criterion(view, [ahi], question_measures("AHI 70, BMI 31")) is ahi
    # an age, a code or a spinal level is no count
    assert question_measures("my daughter is 15 and has alopecia") == []
    assert question_measures("CPT 97810 for an L4-5 disc") == []


def test_a_count_written_as_a_word_and_a_score_out_of_ten() -> None:
    from types import SimpleNamespace

    from retrieval.answer.finders.measures import failed_criterion, question_measures

    view = SimpleNamespace(text_of=lambda u: u.text)
    trials = SimpleNamespace(text="Lack of adequate response to at least 2 antidepressant medication trials from at least "
                                  "2 different classes")
    pain = SimpleNamespace(text="Pain rated 5 or greater on a 0-10 numeric rating scale")
    assert failed_criterion(view, [trials], question_measures("I've only tried one antidepressant so far")) is trials
    assert failed_criterion(view, [trials], question_measures("she tried three antidepressants")) is None
    assert failed_criterion(view, [pain], question_measures("her pain is 4/10 now")) is pain
    assert question_measures("one of my doctors said to take it two times a day") == []
    # a clause that says when a criterion applies is no bound the member must meet
    severe = SimpleNamespace(text="When the AHI is 30 or more events per hour, the member has completed a PAP trial")
    assert failed_criterion(view, [severe], question_measures("home sleep test shows an AHI of 8")) is None
