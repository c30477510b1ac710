"""The synthetic corpus: deterministic, parseable as-is, and every generated question's known answer holds."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from evals import metrics, synth
from retrieval.answer import AnswerEngine
from retrieval.answer.payers import known_payer_aliases
from retrieval.corpus import discover, load_document
from retrieval.ingest import ingest
from retrieval.models import STATEMENT_SECTIONS
from retrieval.settings import Settings
from retrieval.structure import parse


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_writes_identical_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    synth.write(synth.generate(5, seed=7), tmp_path / "a")
    synth.write(synth.generate(5, seed=7), tmp_path / "b")
    synth.write(synth.generate(5, seed=8), tmp_path / "c")
    a, b, c = (_files(tmp_path / name) for name in "abc")
    assert a == b
    assert sorted(a) == sorted(b) and len([k for k in a if k.startswith("corpus/")]) == 5
    assert a != c


def test_a_smaller_corpus_is_a_prefix_of_a_larger_one() -> None:
    small, large = synth.generate(3), synth.generate(6)
    assert [p.text for p in small.policies] == [p.text for p in large.policies[:3]]
    assert small.questions == large.questions[: len(small.questions)]


def test_the_catalogue_is_invented_and_varied() -> None:
    assert len(synth.SERVICES) >= 40
    assert len(synth.PAYERS) >= 8
    names = [name.lower() for name, _ in synth.PAYERS]
    assert not [n for n in names for real in known_payer_aliases() if re.search(rf"\b{re.escape(real)}\b", n)]
    assert len({n.split()[0] for n in names}) == len(names)  # the first word names a payer in a question
    assert len({code for _, code in synth.PAYERS}) == len(synth.PAYERS)
    kinds = {kind for s in synth.SERVICES for kind in s.kinds}
    assert kinds == {"covered", "criteria", "mixed", "investigational", "not_medically_necessary", "not_covered"}
    for service in synth.SERVICES:
        # a flat statement ("X is covered.") must read as universal: no "for", "when", "with" ... in its subject
        assert not synth.QUALIFIER.search(service.subject), service.subject
        assert service.codes and all(len(code) == 5 for code, _, _ in service.codes)
        assert not re.search(r"[&<>]", " ".join([*service.description, service.evidence])), service.title


def test_a_larger_corpus_has_every_format_style_position_and_prior_approval_wording() -> None:
    corpus = synth.generate(300)
    summary = synth.summary(corpus)
    assert set(summary["formats"]) == {"txt", "md", "html"} and summary["formats"]["txt"] > 150
    assert set(summary["styles"]) == {"caps", "numbered", "colon", "titlecase", "web"}
    assert set(summary["kinds"]) == {"covered", "criteria", "mixed", "investigational", "not_medically_necessary",
                                     "not_covered"}
    assert set(summary["prior_approval"]) == {"required", "not_required", "absent"}
    assert summary["wrapped"] >= 10 and summary["payers"] >= 8 and summary["services"] >= 40
    assert set(summary["question_categories"]) == {"coverage", "criteria", "codes", "prior_approval", "dates"}
    ids = [p.policy_id for p in corpus.policies]
    assert len(set(ids)) == len(ids)
    assert len({(p.payer.name, p.service.title) for p in corpus.policies}) == len(corpus.policies)
    for policy in corpus.policies:
        text = synth.visible_text(policy)
        if policy.wrapped:
            assert max(len(line) for line in text.splitlines()) <= 80, policy.filename
        for q in (q for q in corpus.questions if q["source"] == policy.filename):
            quote = q["expect"]["quote"]
            if quote is not None:
                assert 10 <= len(quote) <= 120, q
                assert any(quote in line for line in text.splitlines()), q  # within one line, as in gold.jsonl


def test_policies_parse_as_written(tmp_path: Path) -> None:
    corpus = synth.generate(60)
    synth.write(corpus, tmp_path)
    by_name = {p.filename: p for p in corpus.policies}
    for file in discover([tmp_path / "corpus"]):
        policy = by_name[file.path.name]
        doc = load_document(file)
        assert (doc.meta.policy_id, doc.meta.payer, doc.meta.title) == (
            policy.policy_id, policy.payer.name, policy.service.title), file.path.name
        structure = parse(doc.text)
        verdicts = {u.verdict for u in structure.units
                    if u.verdict and structure.sections[u.section_index].kind in STATEMENT_SECTIONS}
        for q in policy.questions:
            if q.category in {"coverage", "criteria"}:
                assert q.verdict in verdicts, (file.path.name, q.verdict, verdicts)
        kinds = {s.kind for s in structure.sections}
        assert ("prior_approval" in kinds) == (policy.prior_approval != "absent"), file.path.name


def test_every_generated_policy_ingests_and_every_known_answer_holds(tmp_path: Path) -> None:
    corpus = synth.generate(5)
    synth.write(corpus, tmp_path / "synth")
    settings = Settings(corpus=tmp_path / "synth" / "corpus", index=tmp_path / "index", embedder="hashing")
    report = ingest(settings, [settings.corpus])
    assert (report.documents, report.skipped) == (5, [])
    engine = AnswerEngine(settings)
    texts = {p.filename: p.text if p.fmt != "html" else None for p in corpus.policies}
    loaded = {f.path.name: load_document(f).text for f in discover([settings.corpus])}
    assert Counter(q["category"] for q in corpus.questions).keys() >= {"coverage", "criteria", "codes", "dates",
                                                                       "prior_approval"}
    for item in corpus.questions:
        answer = engine.ask(item["question"], audience=item["audience"], answer_id=item["id"]).to_dict()
        expect = item["expect"]
        assert answer["route"] is None, (item["question"], answer["answer"])
        assert answer["verdict"] == expect["verdict"], (item["question"], answer["answer"])
        assert answer["citations"][0]["policy_id"] == expect["policy_id"], item["question"]
        quote = expect["quote"]
        if quote is None:
            # silent on prior approval: nothing the answer quotes may speak of it
            assert item.get("note") == "silent on prior approval"
            assert not any(re.search(r"prior (?:approval|authori)", c["quote"], re.I) for c in answer["citations"])
            continue
        assert quote in loaded[item["source"]], item  # verbatim in the text the product quotes from
        if texts[item["source"]] is not None:
            assert quote in texts[item["source"]]  # and, outside HTML, in the file itself
        assert metrics.check_quote_at_3(item, answer), (item["question"], [c["quote"] for c in answer["citations"]])


def test_command_line_writes_a_corpus_and_refuses_a_foreign_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "synth"
    assert synth.main(["--policies", "2", "--out", str(out), "--seed", "3"]) == 0
    assert len(list((out / "corpus").iterdir())) == 2
    assert (out / "questions.jsonl").read_text(encoding="utf-8").count("\n") >= 8
    assert synth.main(["--policies", "1", "--out", str(out), "--seed", "3"]) == 0  # its own corpus is replaced
    assert len(list((out / "corpus").iterdir())) == 1
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    assert synth.main(["--policies", "1", "--out", str(foreign)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert synth.main(["--policies", str(synth.max_policies() + 1), "--out", str(tmp_path / "big")]) == 2
