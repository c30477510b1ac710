"""The frozen records passed between pipeline stages: load → structure → chunk → embed → store → search → answer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

Verdict = Literal["covered", "covered_with_criteria", "investigational", "not_medically_necessary", "not_covered",
                  "no_statement"]
Route = Literal["not_in_corpus", "member_specific", "medical_advice", "crisis", "off_topic"]
Audience = Literal["member", "rep"]
Intent = Literal["coverage", "criteria", "codes", "prior_approval", "dates", "definition", "evidence", "regulatory",
                 "general"]
SectionKind = Literal["header", "disclaimer", "benefit", "description", "policy", "criteria", "exclusions",
                      "prior_approval", "codes", "documentation", "definitions", "guidelines", "regulatory", "rationale",
                      "references", "history", "other"]
UnitKind = Literal["sentence", "lead_in", "list_item", "code_row", "field", "heading", "line", "paragraph"]
# "paragraph" is made at answer time: a short paragraph quoted whole ("Not applicable. Because ...").
CitationRole = Literal["answer", "verdict", "item", "context", "support"]

VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
ROUTES: tuple[Route, ...] = get_args(Route)
AUDIENCES: tuple[Audience, ...] = get_args(Audience)
INTENTS: tuple[Intent, ...] = get_args(Intent)
SECTION_KINDS: tuple[SectionKind, ...] = get_args(SectionKind)

# Where a coverage position may stand. Every other set of section kinds below says why it leaves some out.
STATEMENT_SECTIONS: frozenset[SectionKind] = frozenset({"policy", "criteria", "exclusions"})
# Never the source of a verdict, even in a policy with no statement section: notices, evidence, history.
NEVER_STATEMENT_SECTIONS: frozenset[SectionKind] = frozenset(
    {"disclaimer", "benefit", "references", "history", "rationale", "guidelines", "description", "header"})
# Bibliographies and revision logs mention everything: not embedded, split freely, not in the vocabulary.
LOG_SECTIONS: frozenset[SectionKind] = frozenset({"references", "history"})
# Never quoted as a supporting passage after the answer.
NOT_SUPPORT_SECTIONS: frozenset[SectionKind] = frozenset({"references", "disclaimer", "benefit", "header", "history"})
# Never quoted as the best passage when a question's own section is missing.
NOT_PASSAGE_SECTIONS: frozenset[SectionKind] = frozenset({"references", "disclaimer", "benefit"})
# Not where a policy says whether prior approval is needed.
NOT_PRIOR_APPROVAL_SECTIONS: frozenset[SectionKind] = frozenset({"references", "history", "disclaimer"})


@dataclass(frozen=True)
class HeaderField:
    """One `Label: value` line of a policy header, e.g. `Reviewed: October 2020`."""

    name: str  # policy_id | title | payer | effective | reviewed | revised | line_of_business
    label: str  # as written: "Original Effective Date"
    value: str
    start: int  # span of the whole line in the document text
    end: int


@dataclass(frozen=True)
class PolicyMeta:
    policy_id: str
    title: str
    payer: str
    effective: str | None = None
    reviewed: str | None = None
    revised: str | None = None
    line_of_business: str | None = None
    aliases: tuple[str, ...] = ()  # other names of the service ("regenerative injection therapy")


@dataclass(frozen=True)
class PolicyDocument:
    """A loaded policy: canonical text (every offset refers to it) and its metadata."""

    doc_key: str  # stable key: the source path relative to its corpus root
    source: str  # path shown in citations
    text: str
    format: str
    meta: PolicyMeta
    header: tuple[HeaderField, ...]
    content_hash: str


@dataclass(frozen=True)
class Section:
    name: str  # the heading as written (no trailing colon), or an inferred name such as "Policy"
    kind: SectionKind
    start: int  # from the heading (or first body character) ...
    end: int  # ... to the next section
    inferred: bool = False


@dataclass(frozen=True)
class Unit:
    """A quotable span: one sentence, list item, list lead-in, code row or header field. Its text is always
    the policy's text[start:end]; the same record serves ingest and the loaded index."""

    unit_id: str
    chunk_id: str
    doc_key: str
    kind: UnitKind
    section: str
    section_kind: SectionKind
    start: int
    end: int
    verdict: Verdict | None = None  # the verdict this sentence states, if any
    catch_all: bool = False  # "for all applications, including but not limited to"
    parent: str | None = None  # list item → its lead-in's unit_id
    embedded: bool = False  # has a sentence vector in the store (see embeds())


@dataclass(frozen=True)
class Chunk:
    """A retrieval passage: a contiguous span inside one section, never cutting a list from its lead-in."""

    chunk_id: str
    doc_key: str
    section: str
    section_kind: SectionKind
    start: int
    end: int
    text: str  # document.text[start:end]
    units: tuple[Unit, ...] = field(default=())


# Units that get a sentence vector: what can be quoted, outside bibliographies and revision logs.
QUOTABLE_KINDS: frozenset[UnitKind] = frozenset({"sentence", "lead_in", "list_item", "code_row", "field"})


def embeds(kind: UnitKind, section_kind: SectionKind) -> bool:
    return kind in QUOTABLE_KINDS and section_kind not in LOG_SECTIONS
