"""`policyqa ask`: the JSON contract for one question, and a batch that survives bad lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.cli import main
from retrieval.ingest import ingest
from retrieval.settings import Settings

CONTRACT_FIELDS = {"id", "question", "audience", "answer", "verdict", "abstained", "route", "citations", "disclaimer",
                   "latency_ms"}
CITATION_FIELDS = {"policy_id", "title", "payer", "section", "source", "start", "end", "quote", "score"}


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("ask-index")
    corpus = Path(__file__).resolve().parent.parent / "corpus"
    ingest(Settings(corpus=corpus, index=index, embedder="hashing"), [corpus])
    return index


def test_ask_json_follows_the_contract(index_dir, capsys):
    code = main(["ask", "Is prolotherapy covered for knee osteoarthritis?", "--index", str(index_dir), "--json",
                 "--audience", "member"])
    answer = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(answer) >= CONTRACT_FIELDS
    assert (answer["audience"], answer["verdict"], answer["abstained"], answer["route"]) == (
        "member", "investigational", False, None)
    assert set(answer["citations"][0]) >= CITATION_FIELDS
    first = answer["citations"][0]
    source = Path(first["source"]).read_text(encoding="utf-8")
    assert source[first["start"]:first["end"]] == first["quote"]
    assert (first["policy_id"], first["section"]) == ("02.01.18", "Policy")


def test_ask_text_output_shows_quote_and_disclaimer(index_dir, capsys):
    assert main(["ask", "What's the HCPCS code for prolotherapy?", "--index", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert "M0076 Prolotherapy" in out and "not medical advice" in out


def test_batch_answers_in_order_and_reports_bad_lines(index_dir, tmp_path, capsys):
    batch = tmp_path / "questions.jsonl"
    lines = [
        json.dumps({"id": "a", "question": "Is prolotherapy covered for back pain?"}),
        "{not json",
        json.dumps({"id": "c", "question": 42}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"id": "e", "question": "and the code?", "history": ["Is prolotherapy covered for back pain?"],
                    "audience": "rep"}),
        json.dumps({"id": "f", "question": "   "}),
        json.dumps({"id": "g", "question": "Is it covered?", "audience": "doctor"}),
        json.dumps({"id": "h", "question": "Is it covered?", "history": "not a list"}),
    ]
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["ask", "--batch", str(batch), "--index", str(index_dir)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row.get("id") for row in rows] == ["a", None, "c", None, "e", "f", "g", "h"]
    assert rows[0]["verdict"] == "investigational"
    assert rows[1]["error"].startswith("not valid JSON") and rows[1]["line"] == 2
    assert rows[2]["error"] == "'question' is required and must be a string"
    assert rows[3]["error"] == "expected a JSON object, got list"
    assert rows[4]["citations"][0]["quote"] == "M0076 Prolotherapy"
    assert rows[5]["error"] == "the question is empty"
    assert rows[6]["error"] == "'audience' must be one of member, rep, got 'doctor'"
    assert rows[7]["error"] == "'history' must be a list of strings (earlier user turns)"


def test_ask_without_question_or_with_both_is_a_usage_error(index_dir, tmp_path, capsys):
    assert main(["ask", "--index", str(index_dir)]) == 2
    assert "give a question" in capsys.readouterr().err


def test_ask_on_a_missing_index_says_how_to_build_it(tmp_path, capsys):
    assert main(["ask", "Is prolotherapy covered?", "--index", str(tmp_path / "none")]) == 3
    assert "policyqa ingest" in capsys.readouterr().err
