"""Lookups behind the API and LangChain: the phrase table's examples, codes in the eval corpus with their rows,
positions and prior-approval dispositions, and every quote verbatim."""

from __future__ import annotations

import pytest

from retrieval.errors import BadValueError, NotFoundError
from retrieval.lookup import Lookup, phrases
from retrieval.lookup.catalogue import normalise


@pytest.fixture(scope="module")
def lookup(eval_engine) -> Lookup:
    return Lookup(eval_engine)


@pytest.mark.parametrize("group", phrases.groups())
def test_every_phrase_row_matches_its_examples_and_none_of_its_counter_examples(group: str) -> None:
    for row in phrases.rows(group):
        assert row.examples, f"{group} row {row.fields['pattern']!r} has no example"
        for example in row.examples:
            assert row.pattern.search(example), f"{group}: {row.fields['pattern']!r} misses {example!r}"
        for counter in row.counter_examples:
            assert not row.pattern.search(counter), f"{group}: {row.fields['pattern']!r} matches {counter!r}"


@pytest.mark.parametrize(("text", "said"), [
    ("Prior approval is required for TMJ arthroscopy and open TMJ surgery.", "required"),
    ("Prior authorization is not required. Claims are reviewed against this policy after the service is billed.",
     "not_required"),
    ("Not applicable", "not_required"),
    ("Prior approval is required for TMJ arthroscopy and open TMJ surgery. Prior approval is not required for "
     "intraoral appliances, arthrocentesis or physical therapy.", "depends"),
    ("Professional CGM does not\nrequire prior approval.", "not_required"),
    ("The request must include the BMI recorded at the initial surgical consultation.", None),
])
def test_prior_approval_wordings_are_read_sentence_by_sentence(text: str, said: str | None) -> None:
    assert phrases.prior_approval_of(text) == said


def test_codes_are_normalised_and_a_value_that_is_no_code_names_the_field() -> None:
    assert (normalise(" m0076 "), normalise("e66.01")) == ("M0076", "E66.01")
    with pytest.raises(BadValueError) as caught:
        normalise("DROP TABLE")
    assert caught.value.field == "code"


def _positions(lookup: Lookup, code: str) -> list[tuple[str, str | None, str | None]]:
    return [(f.policy["policy_id"], f.verdict, f.verdict_quotes[0].quote if f.verdict_quotes else None)
            for f in lookup.code(code)]


@pytest.mark.parametrize(("code", "expected"), [
    # the code row marks its own position
    ("43290", [("PHP-MED-0142", "investigational",
                "43290  Upper endoscopy with placement of intragastric bariatric balloon (investigational)")]),
    # the list's lead-in states it for every code under it, ICD-10 included
    ("Z41.1", [("PHP-MED-0207", "not_covered",
                "The following codes are not covered when the procedure is performed for cosmetic purposes:")]),
    # the statement that names what the row bills
    ("21010", [("CHA-MP-0318", "covered_with_criteria",
                "TMJ arthroscopy and open TMJ surgery (arthrotomy, disc repair or removal, condylectomy, or total joint "
                "replacement) may be considered medically necessary when ALL of the following are met:")]),
    # one position for every use
    ("97813", [("BH-MED-114", "covered", "Acupuncture, with or without electrical stimulation, is covered.")]),
    # a near word match ("placement", "gastric") is not enough when the policy states several positions
    ("43770", [("PHP-MED-0142", None, None)]),
])
def test_a_codes_position_is_read_only_where_the_policy_states_it_for_that_code(lookup: Lookup, code: str,
                                                                                 expected: list) -> None:
    assert _positions(lookup, code) == expected


def test_an_icd10_code_inside_a_sentence_is_quoted_by_its_line(lookup: Lookup) -> None:
    found = lookup.code("E66.01")
    assert [c.quote for c in found[0].rows] == ["E66.01  Morbid (severe) obesity due to excess calories"]


def test_every_quote_of_every_code_is_verbatim(lookup: Lookup) -> None:
    policies = lookup.index.policies
    for code in lookup.catalogue.codes:
        for found in lookup.code(code):
            quotes = [*found.rows, *found.verdict_quotes, *(p.quote for p in found.positions)]
            assert found.rows and (found.verdict is None) == (not found.verdict_quotes)
            for pa in lookup.prior_approval([code])[0]["policies"]:
                assert pa["disposition"] == "says_nothing" or pa["quotes"]
            for quote in quotes:
                record = next(r for r in policies.values() if r.meta.policy_id == quote.policy_id)
                assert record.text[quote.start:quote.end] == quote.quote


def test_an_unknown_code_has_close_matches(lookup: Lookup) -> None:
    with pytest.raises(NotFoundError) as caught:
        lookup.code("97815")
    assert (caught.value.field, caught.value.close_matches[:2]) == ("code", ("97810", "97811"))


@pytest.mark.parametrize(("code", "expected"), [
    ("29804", [("CHA-MP-0318", "required")]),
    ("20605", [("CHA-MP-0318", "depends")]),
    ("63650", [("CHA-MP-0412", "required")]),
    ("30400", [("PHP-MED-0207", "not_required")]),
    ("0232T", [("NWM-2.01.16", "not_required")]),
    ("97810", [("BH-MED-114", "says_nothing")]),
    ("M0076", [("NWM-2.01.05", "not_required"), ("02.01.18", "not_required")]),
])
def test_prior_approval_dispositions(lookup: Lookup, code: str, expected: list) -> None:
    result = lookup.prior_approval([code])[0]
    assert [(p["policy_id"], p["disposition"]) for p in result["policies"]] == expected
