"""The policy document model: the sections, blocks and questions that generation fills and rendering reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .catalogue import Payer, Service


@dataclass
class Para:
    text: str


@dataclass
class Items:
    lead: str | None
    items: list[str]
    ordered: bool


@dataclass
class Sub:
    name: str


@dataclass
class Codes:
    rows: list[tuple[str, str, str]]


@dataclass
class Section:
    kind: str  # description, definitions, policy, prior_approval, documentation, codes, rationale, references, history
    blocks: list[Any]


@dataclass
class Question:
    category: str
    question: str
    audience: str
    verdict: str | None
    quote: str | None  # the sentence the answer rests on, as written (resolved against the rendered text)
    note: str | None = None


@dataclass
class Policy:
    index: int
    payer: Payer
    service: Service
    policy_id: str
    kind: str
    prior_approval: str  # required | not_required | absent
    fmt: str  # txt | md | html
    style: str
    wrapped: bool
    line_of_business: str
    dates: dict[str, str]
    header: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    sections: list[Section] = field(default_factory=list)
    questions: list[Question] = field(default_factory=list)
    text: str = ""
    filename: str = ""
