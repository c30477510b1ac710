"""Every row of every language table (retrieval/lexicon/*.toml) against its own examples and counter-examples."""

from __future__ import annotations

import re

import pytest

from retrieval import lexicon
from retrieval.answer.question import _date_field
from retrieval.answer.view import other_case
from retrieval.answer.words import content_words, expand, passage_words
from retrieval.lexicon.verdicts import verdict_of
from retrieval.metadata import header_fields
from retrieval.structure import section_kind

PATTERN_ROWS = [
    pytest.param(row, id=f"{name}:{group}:{n}")
    for name in lexicon.table_names()
    for group in lexicon.groups(name)
    for n, row in enumerate(lexicon.rows(name, group), 1)
    if row.pattern is not None
]


def _anchored(row: lexicon.Row) -> bool:
    return bool(lexicon._load(row.table)[row.group].get("anchored"))


@pytest.mark.parametrize("row", PATTERN_ROWS)
def test_a_pattern_row_matches_its_examples_and_not_its_counter_examples(row: lexicon.Row) -> None:
    find = row.pattern.match if _anchored(row) else row.pattern.search
    assert row.examples, "every row carries at least one example"
    assert [e for e in row.examples if not find(e)] == []
    assert [c for c in row.counter_examples if find(c)] == []


@pytest.mark.parametrize("row", lexicon.rows("verdicts", "statement"), ids=lambda r: r["verdict"])
def test_a_verdict_row_example_reads_as_that_verdict(row: lexicon.Row) -> None:
    assert {e: verdict_of(e) for e in row.examples} == {e: row["verdict"] for e in row.examples}


@pytest.mark.parametrize("row", lexicon.rows("sections", "section"), ids=lambda r: r["keyword"])
def test_a_section_heading_gets_its_kind(row: lexicon.Row) -> None:
    assert row.examples
    assert {e: section_kind(e) for e in row.examples} == {e: row["kind"] for e in row.examples}


@pytest.mark.parametrize("row", lexicon.rows("sections", "header_label"), ids=lambda r: r["label"])
def test_a_header_label_is_read_as_its_field(row: lexicon.Row) -> None:
    assert row.examples
    for example in row.examples:
        fields = header_fields(example)
        if row["field"] == "ignore":  # read and dropped: another policy's number, the next review date
            assert fields == ()
        else:
            assert {f.label.lower(): f.name for f in fields}.get(row["label"]) == row["field"]


@pytest.mark.parametrize("row", lexicon.rows("questions", "date_field"), ids=lambda r: r["field"])
def test_a_dates_question_asks_for_the_date_it_names_first(row: lexicon.Row) -> None:
    assert row.examples
    assert {e: _date_field(e.lower()) for e in row.examples} == {e: row["field"] for e in row.examples}


def test_the_date_named_first_wins() -> None:
    assert _date_field("when was it last reviewed, and when is it effective?") == "reviewed"
    assert _date_field("what's the effective date, and when was it last reviewed?") == "effective"
    assert _date_field("when did the current version take effect?") == "effective"
    assert _date_field("when is the policy dated?") == "reviewed"


@pytest.mark.parametrize("row", lexicon.rows("synonyms", "synonym"), ids=lambda r: r["phrase"])
def test_a_lay_phrase_is_read_as_the_policy_words(row: lexicon.Row) -> None:
    assert row.examples
    for example in row.examples:
        assert row["phrase"] in example.lower()
        assert row["means"] in expand(example.lower())
    if row.get("question_only", False):
        # a reader's guess at a lay word never rewrites a policy's own words
        assert row["means"] not in expand(row["phrase"], passage=True)


def test_a_policy_that_names_another_kind_of_arthritis_does_not_name_osteoarthritis() -> None:
    assert "osteoarthr" in content_words("my knee arthritis")
    assert "osteoarthr" not in passage_words("knee pain caused by rheumatoid or other inflammatory arthritis")
    assert "osteoarthr" in passage_words("knee pain caused by osteoarthritis")


@pytest.mark.parametrize("row", lexicon.rows("payers", "payer"), ids=lambda r: r["payer"])
def test_a_payer_example_names_one_of_its_aliases(row: lexicon.Row) -> None:
    assert row.examples and row["aliases"]
    for example in row.examples:
        assert any(re.search(rf"\b{re.escape(alias)}\b", example.lower()) for alias in row["aliases"])


def test_every_table_loads_with_rows_in_each_group() -> None:
    names = lexicon.table_names()
    assert {"verdicts", "routes", "questions", "sections", "documents", "synonyms", "payers"} <= set(names)
    for name in names:
        for group in lexicon.groups(name):
            assert lexicon.rows(name, group), f"{name}.toml [{group}] is empty"


@pytest.mark.parametrize(("table", "key"), [("questions", "non_indication"), ("questions", "generic_service"),
                                            ("questions", "generic_title"), ("questions", "generic_indication"),
                                            ("questions", "date_question"), ("questions", "stop"),
                                            ("questions", "prefixes"), ("questions", "months"),
                                            ("routes", "health"), ("routes", "health_endings"),
                                            ("sections", "inline_labels")])
def test_a_word_list_is_lower_case_without_repeats(table: str, key: str) -> None:
    words = lexicon.ordered_words(table, key)
    assert words and len(words) == len(set(words))
    assert all(w == w.lower() for w in words)


def test_a_bad_table_is_named_in_the_error(tmp_path, monkeypatch) -> None:
    (tmp_path / "broken.toml").write_text("[g]\n[[g.row]]\npattern = '(unclosed'\nexamples = ['x']\n")
    monkeypatch.setattr(lexicon, "TABLES", tmp_path)
    lexicon._load.cache_clear()
    lexicon.rows.cache_clear()
    try:
        with pytest.raises(RuntimeError, match=r"broken\.toml \[g\] row 1"):
            lexicon.rows("broken", "g")
    finally:
        lexicon._load.cache_clear()
        lexicon.rows.cache_clear()


def test_abbreviation_dots_inside_a_sentence_do_not_hide_its_condition() -> None:
    sentence = ("Cigna covers an initial course of TMS using a U.S. Food and Drug Administration (FDA)-cleared device, "
                "for up to 36 sessions (e.g. taper sessions), as medically necessary when ALL of the following criteria are met:")
    assert verdict_of(sentence) == "covered_with_criteria"


@pytest.mark.parametrize("row", lexicon.rows("questions", "exclusive"), ids=lambda r: r["words"])
def test_a_statement_about_another_case_is_told_apart(row: lexicon.Row) -> None:
    assert row.examples and row.counter_examples
    for pair in row.examples:
        asked, written = pair.split(" | ")
        assert other_case(content_words(asked), set(content_words(written))), pair
    for pair in row.counter_examples:
        asked, written = pair.split(" | ")
        assert not other_case(content_words(asked), set(content_words(written))), pair
