"""Request bodies (validated: a bad field is named) and response shapes (for the OpenAPI page) of the HTTP API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..lookup import MAX_CODES

MAX_HISTORY_TURNS = 20


class AskRequest(BaseModel):
    """The same inputs as a `policyqa ask --batch` line."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"question": "Is prolotherapy covered for knee osteoarthritis?", "audience": "rep"}]})

    question: str = Field(description="the question, as the user wrote it (at most 2,000 characters)")
    audience: Literal["member", "rep"] = Field("rep", description="`rep` gets codes and full quotes; `member` plain words")
    history: list[str] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS,
                               description="earlier user turns of the conversation, oldest first (for follow-ups)")
    id: str | int | None = Field(None, description="echoed as the answer's `id`")


class PriorApprovalRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"codes": ["M0076", "20550"]}]})

    codes: list[str] = Field(min_length=1, max_length=MAX_CODES, description="CPT, HCPCS, CDT or ICD-10-CM codes")
    payer: str | None = Field(None, max_length=100, description="only this payer's policies (\"Wellmark\", \"UHC\")")


class Citation(BaseModel):
    """A verbatim quote: `quote` is exactly the policy text from `start` to `end` (GET /v1/policies/{id} `text`)."""

    policy_id: str
    title: str
    payer: str
    section: str
    source: str
    start: int
    end: int
    quote: str
    score: float
    reviewed: str | None = None
    effective: str | None = None


class Answer(BaseModel):
    """The contract answer: exactly what `policyqa ask --json` prints."""

    model_config = ConfigDict(extra="allow")

    id: Any = None
    question: str
    audience: Literal["member", "rep"]
    answer: str
    verdict: str | None
    abstained: bool
    route: str | None
    citations: list[Citation]
    disclaimer: str
    latency_ms: float
    intent: str | None = None
    policies: list[dict[str, Any]] = []
    notes: list[str] = []


class PolicySummary(BaseModel):
    policy_id: str
    title: str
    payer: str
    source: str
    reviewed: str | None = None
    effective: str | None = None


class Passage(PolicySummary):
    section: str
    start: int
    end: int
    quote: str
    score: float


class SearchResult(BaseModel):
    query: str
    passages: list[Passage]


class Position(BaseModel):
    verdict: str
    quote: Citation


class CodeInPolicy(PolicySummary):
    rows: list[Citation] = Field(description="where the policy lists the code, verbatim")
    verdict: str | None = Field(description="the policy's position on what the code bills; null when it cannot be "
                                            "read with confidence (then `positions` quotes each one)")
    verdict_quotes: list[Citation]
    note: str | None
    positions: list[Position]


class CodeResult(BaseModel):
    code: str
    policies: list[CodeInPolicy]


class PriorApprovalInPolicy(PolicySummary):
    disposition: Literal["required", "not_required", "depends", "unclear", "says_nothing"]
    quotes: list[Citation] = Field(description="the sentences that say it; empty when the policy says nothing")
    rows: list[Citation]
    note: str | None


class PriorApprovalForCode(BaseModel):
    code: str
    found: bool
    policies: list[PriorApprovalInPolicy]
    close_matches: list[str]


class PriorApprovalResult(BaseModel):
    payer: str | None
    results: list[PriorApprovalForCode]


class PolicyList(BaseModel):
    count: int
    policies: list[PolicySummary]


class Section(BaseModel):
    name: str
    kind: str
    start: int
    end: int
    inferred: bool


class HeaderField(BaseModel):
    name: str
    label: str
    value: str
    start: int
    end: int


class PolicyDetail(PolicySummary):
    revised: str | None
    line_of_business: str | None
    aliases: list[str]
    header: list[HeaderField]
    sections: list[Section]
    codes: list[str]
    text: str = Field(description="the canonical text every offset indexes")


class Error(BaseModel):
    error: str
    message: str
    field: str | None
    request_id: str | None
    close_matches: list[str] | None = None
