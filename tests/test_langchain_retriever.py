"""The LangChain retriever and tool, called through LangChain's own interface (invoke, batch, tool calls)."""

from __future__ import annotations

import json

import pytest
from langchain_core.documents import Document
from langchain_core.messages import ToolMessage

from retrieval.answer import AnswerEngine
from retrieval.ingest import ingest
from retrieval.langchain_retriever import PolicyRetriever, policy_answer_tool
from retrieval.settings import Settings

QUESTION = "Is prolotherapy covered for knee osteoarthritis?"


@pytest.fixture
def engine(settings: Settings) -> AnswerEngine:
    ingest(settings)
    return AnswerEngine(settings)


def test_the_retriever_returns_documents_that_quote_the_policy_with_their_offsets(engine: AnswerEngine) -> None:
    retriever = PolicyRetriever.from_engine(engine, k=3)
    docs = retriever.invoke("prolotherapy knee osteoarthritis")
    assert 1 <= len(docs) <= 3 and all(isinstance(d, Document) for d in docs)
    for doc in docs:
        assert set(doc.metadata) == {"policy_id", "payer", "title", "section", "start", "end", "source", "score"}
        record = next(p for p in engine.index.policies.values() if p.meta.policy_id == doc.metadata["policy_id"])
        assert record.text[doc.metadata["start"]:doc.metadata["end"]] == doc.page_content
        assert (doc.metadata["payer"], doc.metadata["source"]) == (record.meta.payer, record.source)
    first = docs[0].metadata
    assert (first["policy_id"], first["payer"], first["title"]) == ("02.01.18", "Wellmark", "Prolotherapy")


def test_the_retriever_narrows_by_payer_and_code_and_batches(engine: AnswerEngine) -> None:
    bluestem = PolicyRetriever.from_engine(engine, k=5, payer="bluestem")
    assert {d.metadata["payer"] for d in bluestem.invoke("needles")} == {"Bluestem Health"}
    coded = PolicyRetriever.from_engine(engine, k=5, code="M0076")
    batches = coded.batch(["knee", "back pain"])
    assert len(batches) == 2 and all(batch for batch in batches)
    assert {d.metadata["policy_id"] for batch in batches for d in batch} == {"02.01.18"}


def test_the_tool_returns_the_contract_answer_json(engine: AnswerEngine) -> None:
    tool = policy_answer_tool(engine)
    assert (tool.name, set(tool.args)) == ("policy_answer", {"question", "audience", "history"})
    content = tool.invoke({"question": QUESTION, "audience": "rep"})
    answer = json.loads(content)
    direct = engine.ask(QUESTION, audience="rep").to_dict()
    assert answer.pop("latency_ms") >= 0 and direct.pop("latency_ms") >= 0
    assert answer == direct
    assert (answer["verdict"], answer["citations"][0]["policy_id"]) == ("investigational", "02.01.18")


def test_the_tool_answers_an_agents_tool_call_and_reports_a_bad_question(engine: AnswerEngine) -> None:
    tool = policy_answer_tool(engine)
    message = tool.invoke({"type": "tool_call", "id": "call-1", "name": "policy_answer",
                           "args": {"question": "and the code?", "history": ["Is prolotherapy covered?"]}})
    assert isinstance(message, ToolMessage) and message.tool_call_id == "call-1"
    assert json.loads(message.content)["citations"][0]["quote"] == "M0076 Prolotherapy"
    assert tool.invoke({"question": "   "}) == "the question is empty"
