"""The frozen records passed between pipeline stages: load → structure → chunk → embed → store → search → answer."""

from __future__ import annotations

from dataclasses import dataclass, field

VERDICTS = (
    "covered",
    "covered_with_criteria",
    "investigational",
    "not_medically_necessary",
    "not_covered",
    "no_statement",
)
ROUTES = ("not_in_corpus", "member_specific", "medical_advice", "crisis", "off_topic")
AUDIENCES = ("member", "rep")


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
    kind: str  # see structure.SECTION_KINDS
    start: int  # from the heading (or first body character) ...
    end: int  # ... to the next section
    inferred: bool = False


@dataclass(frozen=True)
class Unit:
    """A quotable span: one sentence, list item, list lead-in, code row or header field."""

    unit_id: str
    chunk_id: str
    doc_key: str
    kind: str  # sentence | lead_in | list_item | code_row | field | heading
    section: str
    section_kind: str
    start: int
    end: int
    text: str  # always document.text[start:end]
    verdict: str | None = None  # the verdict this sentence states, if any
    catch_all: bool = False  # "for all applications, including but not limited to"
    parent: str | None = None  # list item → its lead-in's unit_id


@dataclass(frozen=True)
class Chunk:
    """A retrieval passage: a contiguous span inside one section, never cutting a list from its lead-in."""

    chunk_id: str
    doc_key: str
    section: str
    section_kind: str
    start: int
    end: int
    text: str  # document.text[start:end]
    units: tuple[Unit, ...] = field(default=())
