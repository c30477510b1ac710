"""LangChain bindings: a `BaseRetriever` over the served index's passages and a tool that returns the contract answer.

    from retrieval.answer import AnswerEngine
    from retrieval.langchain_retriever import PolicyRetriever, policy_answer_tool

    engine = AnswerEngine()                                  # settings from the environment, like `policyqa ask`
    retriever = PolicyRetriever.from_engine(engine, k=4)     # payer= and code= narrow it
    docs = retriever.invoke("prolotherapy for knee osteoarthritis")
    tool = policy_answer_tool(engine)                        # give it to an agent; or call it yourself:
    tool.invoke({"question": "Is prolotherapy covered for knee OA?", "audience": "rep"})   # the answer JSON
"""

from __future__ import annotations

import json
from typing import Literal

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from pydantic import BaseModel, ConfigDict, Field

from .answer import AnswerEngine
from .errors import PolicyQAError
from .lookup import Lookup
from .settings import Settings


class PolicyRetriever(BaseRetriever):
    """Passages from the loaded policies (dense + lexical + exact codes, as `policyqa search`), each a `Document` whose
    `page_content` is the policy text between `metadata["start"]` and `metadata["end"]`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    lookup: Lookup = Field(exclude=True)
    k: int = 4
    payer: str | None = None  # only this payer's policies ("Wellmark", "UHC")
    code: str | None = None  # only policies that list this code

    @classmethod
    def from_engine(cls, engine: AnswerEngine, **kwargs: object) -> PolicyRetriever:
        return cls(lookup=Lookup(engine), **kwargs)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **kwargs: object) -> PolicyRetriever:
        return cls.from_engine(AnswerEngine(settings or Settings.from_env()), **kwargs)

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        hits = self.lookup.search(query, k=self.k, payer=self.payer, code=self.code)
        return [
            Document(
                id=hit.chunk_id, page_content=hit.quote,
                metadata={"policy_id": hit.record.meta.policy_id, "payer": hit.record.meta.payer,
                          "title": hit.record.meta.title, "section": hit.section, "start": hit.start, "end": hit.end,
                          "source": hit.record.source, "score": round(float(hit.score), 5)},
            )
            for hit in hits
        ]


class AskInput(BaseModel):
    question: str = Field(description="the coverage question, in the user's words")
    audience: Literal["member", "rep"] = Field("rep", description="'rep' for staff, 'member' for plain words")
    history: list[str] = Field(default_factory=list, description="earlier user turns, oldest first (for follow-ups)")


def policy_answer_tool(engine: AnswerEngine, name: str = "policy_answer") -> BaseTool:
    """A tool that answers a coverage question from the loaded medical policies and returns the contract answer as
    JSON (verdict, route, verbatim citations with offsets, disclaimer): the same JSON as `policyqa ask --json`."""

    def answer(question: str, audience: str = "rep", history: list[str] | None = None) -> str:
        try:
            found = engine.ask(question, history=history or [], audience=audience)
        except PolicyQAError as exc:
            raise ToolException(str(exc)) from None  # an agent sees the message and can rephrase
        return json.dumps(found.to_dict(), ensure_ascii=False)

    return StructuredTool.from_function(
        answer, name=name, args_schema=AskInput, handle_tool_error=True,
        description=("Answers a question about health-plan medical policies (coverage verdict, criteria, codes, prior "
                     "approval, dates) from the policy text. Returns JSON with `verdict`, `route`, `answer` and "
                     "`citations` whose `quote` is verbatim policy text; never a promise of payment."),
    )


__all__ = ["PolicyRetriever", "policy_answer_tool"]
