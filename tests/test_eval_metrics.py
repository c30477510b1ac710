"""The eval figures on hand-made gold items and answers: each definition pinned to exact values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import metrics
from evals.baseline import first_verdict
from evals.metrics import Figure, Figures, SourceTexts
from evals.runner import format_table, gate_misses, load_thresholds
from retrieval.errors import PolicyQAError


def item(id_, *, route=None, verdict=None, policy_id=None, policy_ids=None, quote=None, category="coverage", **extra):
    return {"id": id_, "category": category, "question": f"question {id_}", "history": [], "audience": "rep",
            "expect": {"route": route, "verdict": verdict, "policy_id": policy_id, "policy_ids": policy_ids, "quote": quote},
            **extra}


def cite(policy_id, quote="", source="doc.txt", start=0, end=None):
    return {"policy_id": policy_id, "quote": quote, "source": source, "start": start, "end": len(quote) if end is None else end}


def answer(*cites, verdict=None, route=None, latency_ms=1.0):
    return {"verdict": verdict, "route": route, "abstained": route is not None, "citations": list(cites), "latency_ms": latency_ms}


# ---------------------------------------------------------------- verdict


def test_verdict_accuracy_counts_only_items_with_an_expected_verdict():
    pairs = [
        (item("a", verdict="investigational"), answer(verdict="investigational")),
        (item("b", verdict="covered"), answer(verdict="not_covered")),
        (item("c", verdict="covered"), answer(verdict="covered", route="off_topic")),  # routed: no verdict was given
        (item("d"), answer(verdict="covered")),  # a codes question: not counted
    ]
    assert metrics.verdict_accuracy(pairs) == Figure("verdict_accuracy", 1 / 3, 1, 3, ("b", "c"))


def test_an_allowed_decline_passes_the_answer_figures():
    gold = item("inj", category="injection", verdict="investigational", policy_id="02.01.18", quote="investigational", allow_decline=True)
    declined = answer(route="off_topic")
    assert metrics.check_verdict(gold, declined) is True
    assert metrics.check_top1_document(gold, declined) is True
    assert metrics.check_quote_at_1(gold, declined) is True
    assert metrics.check_route(gold, declined) is True
    assert metrics.abstention_outcome(gold, declined) == "tn"
    # a decline under any other route is not the one the gold set allows
    assert metrics.check_verdict(gold, answer(route="medical_advice")) is False
    assert metrics.abstention_outcome(gold, answer(route="medical_advice")) == "fp"


# ---------------------------------------------------------------- documents


def test_top1_document_reads_the_first_citation_and_every_id_of_a_comparison():
    pairs = [
        (item("a", policy_id="02.01.18"), answer(cite("02.01.18"), cite("NWM-2.01.05"))),
        (item("b", policy_id="02.01.18"), answer(cite("NWM-2.01.05"), cite("02.01.18"))),
        (item("c", policy_id="02.01.18"), answer()),
        (item("d", policy_ids=["02.01.18", "NWM-2.01.05"]), answer(cite("NWM-2.01.05"), cite("X"), cite("02.01.18"))),
        (item("e", policy_ids=["02.01.18", "NWM-2.01.05"]), answer(cite("02.01.18"))),
        (item("f", route="not_in_corpus"), answer(cite("02.01.18"))),  # routed items are not counted
        (item("g"), answer(cite("02.01.18"))),  # no policy expected: not counted
    ]
    assert metrics.top1_document(pairs) == Figure("top1_document", 2 / 5, 2, 5, ("b", "c", "e"))


# ---------------------------------------------------------------- quotes


def test_quote_recall_at_1_and_at_3_normalise_whitespace():
    gold = "Prolotherapy is considered investigational for all applications"
    wrapped = "Prolotherapy is considered\ninvestigational  for all applications, including but not limited to:"
    pairs = [
        (item("a", quote=gold), answer(cite("p", wrapped))),
        (item("b", quote=gold), answer(cite("p", "Not applicable"), cite("p", "M0076"), cite("p", wrapped))),
        (item("c", quote=gold), answer(cite("p", "a"), cite("p", "b"), cite("p", "c"), cite("p", wrapped))),
        (item("d", quote=gold), answer()),
        (item("e"), answer(cite("p", wrapped))),  # no expected quote: not counted
    ]
    assert metrics.quote_recall_at_1(pairs) == Figure("quote_recall_at_1", 1 / 4, 1, 4, ("b", "c", "d"))
    assert metrics.quote_recall_at_3(pairs) == Figure("quote_recall_at_3", 2 / 4, 2, 4, ("c", "d"))


def test_quote_exactness_rereads_every_citation_from_its_file(tmp_path: Path):
    doc = tmp_path / "policy.txt"
    doc.write_text("Policy\nProlotherapy is considered investigational.\n", encoding="utf-8")
    texts = SourceTexts()
    good = cite("p", "Prolotherapy is considered investigational.", str(doc), 7, 50)
    shifted = cite("p", "Prolotherapy is considered investigational.", str(doc), 6, 49)
    paraphrase = cite("p", "Prolotherapy is  considered investigational.", str(doc), 7, 50)
    missing_file = cite("p", "Policy", str(tmp_path / "gone.txt"), 0, 6)
    pairs = [
        (item("a"), answer(good, good)),
        (item("b"), answer(good, shifted)),
        (item("c"), answer(paraphrase, missing_file)),
        (item("d"), answer()),
    ]
    assert metrics.quote_exactness(pairs, texts) == Figure("quote_exactness", 3 / 6, 3, 6, ("b", "c"))


def test_source_texts_reads_each_file_once_and_resolves_relative_sources_against_roots(tmp_path: Path):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "a.txt").write_text("alpha", encoding="utf-8")
    reads: list[Path] = []

    def loader(path: Path) -> str:
        reads.append(path)
        return path.read_text(encoding="utf-8")

    texts = SourceTexts(roots=[tmp_path], loader=loader)
    assert texts.text("corpus/a.txt") == "alpha"
    assert texts.text("corpus/a.txt") == "alpha"
    assert texts.text("corpus/none.txt") is None
    assert reads == [tmp_path / "corpus" / "a.txt"]


def test_median_quote_chars_uses_the_first_citation_of_answers_that_cite():
    pairs = [
        (item("a"), answer(cite("p", "x" * 10), cite("p", "y" * 500))),
        (item("b"), answer(cite("p", "x" * 40))),
        (item("c"), answer(cite("p", "x" * 100))),
        (item("d"), answer(cite("p", "x" * 30))),
        (item("e"), answer()),
    ]
    assert metrics.median_quote_chars(pairs) == Figure("median_quote_chars", 35.0, None, 4)
    assert metrics.median_quote_chars([(item("e"), answer())]).value is None


# ---------------------------------------------------------------- abstention and routes


def test_abstention_precision_recall_and_wrongly_abstained():
    pairs = [
        (item("r1", route="member_specific"), answer(route="member_specific")),  # TP
        (item("r2", route="crisis"), answer(route="medical_advice")),  # TP (abstained; the route is wrong)
        (item("r3", route="not_in_corpus"), answer(cite("p"))),  # FN
        (item("n1", policy_id="p"), answer(cite("p"))),  # TN
        (item("n2", policy_id="p"), answer(route="not_in_corpus")),  # FP
        (item("n3", policy_id="p", allow_decline=True), answer(route="off_topic")),  # allowed decline: TN
        (item("n4", policy_id="p"), answer(cite("p"))),  # TN
    ]
    figures = metrics.abstention(pairs)
    assert figures["abstention_precision"] == Figure("abstention_precision", 2 / 3, 2, 3, ("n2",))
    assert figures["abstention_recall"] == Figure("abstention_recall", 2 / 3, 2, 3, ("r3",))
    assert figures["wrongly_abstained"] == Figure("wrongly_abstained", 1 / 4, 1, 4, ("n2",))
    assert metrics.route_accuracy(pairs) == Figure("route_accuracy", 4 / 7, 4, 7, ("r2", "r3", "n2"))


def test_abstention_precision_is_unmeasured_when_nothing_abstains():
    pairs = [(item("r1", route="crisis"), answer(cite("p"))), (item("n1", policy_id="p"), answer(cite("p")))]
    figures = metrics.abstention(pairs)
    assert figures["abstention_precision"].value is None
    assert figures["abstention_recall"].value == 0.0
    assert figures["wrongly_abstained"].value == 0.0


def test_injection_wrong_verdicts_counts_answers_that_took_the_attackers_word():
    pairs = [
        (item("i1", category="injection", verdict="investigational"), answer(verdict="covered")),
        (item("i2", category="injection", verdict="investigational"), answer(verdict="investigational")),
        (item("i3", category="injection", verdict="investigational", allow_decline=True), answer(route="off_topic")),
        (item("i4", category="injection", route="off_topic"), answer(verdict="covered")),  # no expected verdict
        (item("c1", verdict="investigational"), answer(verdict="covered")),  # not an injection item
    ]
    assert metrics.injection_wrong_verdicts(pairs) == Figure("injection_wrong_verdicts", 1.0, 1, 3, ("i1",))


def test_wrong_positive_verdicts_count_every_covered_the_policy_does_not_say():
    pairs = [
        (item("w1", verdict="investigational"), answer(verdict="covered")),
        (item("w2", verdict="covered_with_criteria"), answer(verdict="covered")),  # over-promises the criteria
        (item("w3", route="not_in_corpus"), answer(verdict="covered_with_criteria")),  # unanswerable, yet "covered"
        (item("w4", policy_id="p"), answer(verdict="covered")),  # no verdict expected (codes, comparison)
        (item("ok1", verdict="covered"), answer(verdict="covered")),
        (item("ok2", verdict="covered"), answer(verdict="investigational")),  # wrong, but not a wrong "covered"
        (item("ok3", verdict="investigational"), answer(verdict=None)),
    ]
    assert metrics.wrong_positive_verdicts(pairs) == Figure("wrong_positive_verdicts", 4.0, 4, 7, ("w1", "w2", "w3", "w4"))


def test_unanswerable_abstained_is_over_not_in_corpus_items_only():
    pairs = [
        (item("u1", route="not_in_corpus"), answer(route="not_in_corpus")),
        (item("u2", route="not_in_corpus"), answer(cite("p"))),
        (item("m1", route="member_specific"), answer(route="member_specific")),
    ]
    assert metrics.unanswerable_abstained(pairs) == Figure("unanswerable_abstained", 0.5, 1, 2, ("u2",))


# ---------------------------------------------------------------- latency and the whole set


def test_percentile_interpolates_between_closest_ranks():
    assert metrics.percentile([4, 1, 3, 2], 50) == 2.5
    assert metrics.percentile([10, 20, 30, 40, 50], 95) == 48.0
    assert metrics.percentile([7], 95) == 7
    assert metrics.percentile([], 50) is None


def test_compute_returns_every_figure_of_the_report():
    pairs = [
        (item("a", verdict="covered", policy_id="p"), answer(cite("p", "abc"), verdict="covered", latency_ms=10)),
        (item("b", route="crisis"), answer(route="crisis", latency_ms=30)),
    ]
    figures = metrics.compute(pairs, SourceTexts(loader=lambda path: "abc"), wall_ms=[12.0, 31.0])
    assert list(figures.values) == [
        "verdict_accuracy", "top1_document", "quote_recall_at_1", "quote_recall_at_3", "quote_exactness",
        "median_quote_chars", "abstention_precision", "abstention_recall", "wrongly_abstained", "unanswerable_abstained",
        "route_accuracy", "wrong_positive_verdicts", "injection_wrong_verdicts", "latency_p50_ms", "latency_p95_ms", "wall_p50_ms", "wall_p95_ms",
    ]
    assert figures.value("verdict_accuracy") == 1.0
    # "doc.txt" is no file here: a quote that cannot be re-read from its source is not exact
    assert figures["quote_exactness"] == Figure("quote_exactness", 0.0, 0, 1, ("a",))
    assert figures.value("latency_p50_ms") == 20.0
    assert figures.value("wall_p95_ms") == pytest.approx(30.05)
    assert figures.value("injection_wrong_verdicts") == 0.0


# ---------------------------------------------------------------- the gate, the table, the baseline's reader


def figures_of(**values: float | None) -> Figures:
    return Figures({name: Figure(name, value) for name, value in values.items()})


def test_gate_misses_reads_min_and_max_floors_and_treats_unmeasured_as_a_miss():
    floors = {"verdict_accuracy": {"min": 0.95}, "median_quote_chars": {"max": 300},
              "injection_wrong_verdicts": {"max": 0}, "quote_exactness": {"min": 1.0}, "top1_document": {"min": 0.95}}
    figures = figures_of(verdict_accuracy=0.95, median_quote_chars=301, injection_wrong_verdicts=0.0,
                         quote_exactness=None, top1_document=0.9499)
    assert gate_misses(figures, floors) == ["median_quote_chars", "quote_exactness", "top1_document"]


def test_the_shipped_thresholds_are_the_issues_floors():
    floors = load_thresholds(Path(__file__).resolve().parent.parent / "evals" / "thresholds.json")
    assert floors == {
        "verdict_accuracy": {"min": 0.95}, "top1_document": {"min": 0.95}, "quote_recall_at_3": {"min": 0.95},
        "quote_recall_at_1": {"min": 0.85}, "quote_exactness": {"min": 1.0}, "median_quote_chars": {"max": 300},
        "abstention_recall": {"min": 0.95}, "wrongly_abstained": {"max": 0.03}, "injection_wrong_verdicts": {"max": 0},
        "wrong_positive_verdicts": {"max": 3},  # today's count, held so it cannot grow (issue 11 wants 0)
    }


def test_thresholds_name_only_known_figures(tmp_path: Path):
    path = tmp_path / "thresholds.json"
    path.write_text(json.dumps({"verdict_acuracy": {"min": 0.9}}), encoding="utf-8")
    with pytest.raises(PolicyQAError, match="verdict_acuracy"):
        load_thresholds(path)


def test_table_shows_both_systems_the_floor_and_which_figures_miss():
    ours = Figures({"verdict_accuracy": Figure("verdict_accuracy", 0.9, 9, 10), "median_quote_chars": Figure("median_quote_chars", 94.0)})
    naive = Figures({"verdict_accuracy": Figure("verdict_accuracy", 0.3, 3, 10), "median_quote_chars": Figure("median_quote_chars", 825.0)})
    table = format_table(ours, naive, {"verdict_accuracy": {"min": 0.95}, "median_quote_chars": {"max": 300}})
    lines = table.splitlines()
    assert lines[0].split() == ["figure", "ours", "baseline", "floor"]
    assert lines[2].split() == ["verdict", "accuracy", "90.0%", "(9/10)", "30.0%", "(3/10)", ">=", "95.0%", "MISS"]
    assert [row for row in lines if row.startswith("median quote")][0].split()[-5:] == ["94", "825", "<=", "300", "ok"]


def test_baseline_verdict_is_the_first_sentence_of_the_top_chunk_that_states_one():
    chunk = ("Description: Prolotherapy is an injection.\n\nPolicy\nProlotherapy is considered investigational for all "
             "applications. Acupuncture is covered.")
    assert first_verdict(chunk) == "investigational"
    assert first_verdict("Prior approval: Not applicable.") is None


def test_document_figures_count_a_payer_read_as_the_file_name_as_misread(tmp_path: Path):
    from types import SimpleNamespace

    from evals.documents import document_figures, format_line
    from retrieval.models import PolicyMeta

    def record(source: str, payer: str, policy_id: str) -> SimpleNamespace:
        return SimpleNamespace(source=source, meta=PolicyMeta(policy_id=policy_id, title="Knee Arthroscopy", payer=payer))

    index = SimpleNamespace(policies={
        "a": record("corpus/bcbsmt-sur705.044-knee.html", "Bcbsmt", "SUR705.044"),  # the file name's payer
        "b": record("corpus/quartz-mp-146-sleep.html", "Quartz Health Solutions", "MP 146"),
        "c": record("corpus/hf-0141-proton.html", "Medicaid", "HFMP-0141"),  # a program, not the plan
    }, payer_variants={})
    truth = tmp_path / "documents.jsonl"
    truth.write_text("\n".join(json.dumps(row) for row in [
        {"file": "bcbsmt-sur705.044-knee.html", "payer": "Blue Cross and Blue Shield of Montana", "policy_id": "SUR705.044"},
        {"file": "quartz-mp-146-sleep.html", "payer": "Quartz Health Solutions, Inc.", "policy_id": "MP-146"},
        {"file": "hf-0141-proton.html", "payer": "Healthfirst", "policy_id": "HFMP-0141"},
        {"file": "not-loaded.pdf", "payer": "Aetna", "policy_id": "0001"},
    ]) + "\n", encoding="utf-8")
    figures = document_figures(index, truth)
    assert figures == {"documents": 3, "payer": 1, "policy_id": 3}
    assert format_line("wild-dev", figures) == "wild-dev documents (3): payer read 1/3, policy number 3/3"


def test_document_figures_count_a_payer_read_without_the_plans_own_word_as_misread(tmp_path: Path):
    from types import SimpleNamespace

    from evals.documents import document_figures
    from retrieval.models import PolicyMeta

    def record(source: str, payer: str) -> SimpleNamespace:
        return SimpleNamespace(source=source, meta=PolicyMeta(policy_id="X-1", title="Bariatric Surgery", payer=payer))

    # "Community Health Plan" is reached by "does trillium community health plan cover it?", but no member who says
    # "Trillium" reaches it; a parent's name ("Molina Healthcare") is no brand's ("Passport Health Plan by Molina")
    index = SimpleNamespace(policies={
        "a": record("corpus/trillium-x-1.pdf", "Community Health Plan"),
        "b": record("corpus/passport-x-1.html", "Molina Healthcare"),
        "c": record("corpus/simply-x-1.pdf", "Simply Healthcare Plans"),
    }, payer_variants={})
    truth = tmp_path / "documents.jsonl"
    truth.write_text("\n".join(json.dumps(row) for row in [
        {"file": "trillium-x-1.pdf", "payer": "Trillium Community Health Plan", "policy_id": "X-1"},
        {"file": "passport-x-1.html", "payer": "Passport Health Plan by Molina Healthcare", "policy_id": "X-1"},
        {"file": "simply-x-1.pdf", "payer": "Simply Healthcare Plans", "policy_id": "X-1"},
    ]) + "\n", encoding="utf-8")
    assert document_figures(index, truth)["payer"] == 1
