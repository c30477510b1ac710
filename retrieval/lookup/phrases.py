"""Reads prior-approval wordings and code-row position markers from phrases.toml (rows with examples, as in lexicon/)."""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

TABLE = Path(__file__).with_name("phrases.toml")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+")

PriorApproval = Literal["required", "not_required", "depends", "unclear", "says_nothing"]


@dataclass(frozen=True)
class PhraseRow:
    group: str
    pattern: re.Pattern[str]
    fields: dict[str, Any]

    @property
    def examples(self) -> list[str]:
        return list(self.fields.get("examples", []))

    @property
    def counter_examples(self) -> list[str]:
        return list(self.fields.get("counter_examples", []))


@functools.cache
def _table() -> dict[str, Any]:
    try:
        with TABLE.open("rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuntimeError(f"phrase table {TABLE} cannot be read: {exc}") from exc


def groups() -> list[str]:
    return [name for name, block in _table().items() if isinstance(block, dict) and "row" in block]


@functools.cache
def rows(group: str) -> tuple[PhraseRow, ...]:
    block = _table().get(group)
    if not isinstance(block, dict) or not isinstance(block.get("row"), list):
        raise RuntimeError(f"{TABLE.name} has no group [{group}] with [[{group}.row]] entries")
    out = []
    for n, fields in enumerate(block["row"], 1):
        raw = fields["pattern"]
        if block.get("flexible_spaces"):
            # as in lexicon/: a space matches any run of whitespace (wrapped lines, NBSP)
            raw = raw.replace(" ?", r"[\s\u00a0]*").replace(" ", r"[\s\u00a0]+")
        try:
            pattern = re.compile(raw, re.IGNORECASE | re.MULTILINE)
        except re.error as exc:
            raise RuntimeError(f"{TABLE.name} [{group}] row {n} ({fields['pattern']!r}): bad pattern: {exc}") from exc
        out.append(PhraseRow(group, pattern, dict(fields)))
    return tuple(out)


def prior_approval_of(text: str) -> PriorApproval | None:
    """What a passage says about prior approval: required, not required, both ("depends"), or None (neither)."""
    said: set[str] = set()
    for sentence in _SENTENCE_END.split(text):
        rest = sentence
        for row in rows("prior_approval_not_required"):
            if row.pattern.search(rest):
                said.add("not_required")
                rest = row.pattern.sub(" ", rest)
        if any(row.pattern.search(rest) for row in rows("prior_approval_required")):
            said.add("required")
    if len(said) == 2:
        return "depends"
    return next(iter(said), None)  # type: ignore[return-value]
