"""The language tables: payer and policy phrasing as data files with examples, one loader and one stemmer.

Each `*.toml` file beside this module is a table of rows. A pattern row carries a regular expression, at least
one example that must match it and, where it helps, counter-examples that must not (tests/test_lexicon.py runs
them all). A new payer's phrasing is a new row plus its example, not a new regular expression in the engine.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TABLES = Path(__file__).parent
_WS = r"[\s\u00a0]+"
_WS_OPTIONAL = r"[\s\u00a0]*"


@dataclass(frozen=True)
class Row:
    """One row of a table: its fields as written, and its pattern compiled with the table's flags."""

    table: str
    group: str
    fields: dict[str, Any]
    pattern: re.Pattern[str] | None

    def __getitem__(self, key: str) -> Any:
        return self.fields[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)

    @property
    def examples(self) -> list[str]:
        return list(self.fields.get("examples", []))

    @property
    def counter_examples(self) -> list[str]:
        return list(self.fields.get("counter_examples", []))


@functools.cache
def _load(name: str) -> dict[str, Any]:
    path = TABLES / f"{name}.toml"
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RuntimeError(f"language table {path} cannot be read: {exc}") from exc


def _source(raw: str, settings: dict[str, Any]) -> str:
    # "flexible_spaces": a space in a pattern matches any run of whitespace (wrapped PDF lines, NBSP)
    if not settings.get("flexible_spaces"):
        return raw
    return raw.replace(" ?", _WS_OPTIONAL).replace(" ", _WS)


@functools.cache
def rows(name: str, group: str) -> tuple[Row, ...]:
    """The rows of one group of a table, in the order written (order matters where the first match wins)."""
    data = _load(name)
    block = data.get(group)
    if not isinstance(block, dict) or not isinstance(block.get("row"), list):
        raise RuntimeError(f"language table {name}.toml has no group [{group}] with [[{group}.row]] entries")
    settings = {k: v for k, v in block.items() if k != "row"}
    flags = re.IGNORECASE if settings.get("ignore_case", True) else 0
    out = []
    for n, fields in enumerate(block["row"], 1):
        raw = fields.get("pattern")
        try:
            pattern = re.compile(_source(raw, settings), flags) if raw is not None else None
        except re.error as exc:
            raise RuntimeError(f"{name}.toml [{group}] row {n} ({raw!r}): bad pattern: {exc}") from exc
        out.append(Row(name, group, dict(fields), pattern))
    return tuple(out)


@functools.cache
def joined(name: str, group: str) -> re.Pattern[str]:
    """All the patterns of a group as one alternation, in row order (for triggers where any row decides)."""
    data = _load(name)[group]
    flags = re.IGNORECASE if data.get("ignore_case", True) else 0
    settings = {k: v for k, v in data.items() if k != "row"}
    return re.compile("|".join(f"(?:{_source(r['pattern'], settings)})" for r in data["row"]), flags)


@functools.cache
def pattern(name: str, group: str) -> re.Pattern[str]:
    """The one pattern of a single-row group (a cue such as "asks what changed")."""
    found = rows(name, group)
    if len(found) != 1 or found[0].pattern is None:
        raise RuntimeError(f"{name}.toml [{group}] must hold exactly one pattern row")
    return found[0].pattern


@functools.cache
def words(name: str, key: str) -> frozenset[str]:
    """A whitespace-separated word list (`[words] key = '''...'''`)."""
    return frozenset(_load(name)["words"][key].split())


@functools.cache
def ordered_words(name: str, key: str) -> tuple[str, ...]:
    return tuple(_load(name)["words"][key].split())


def groups(name: str) -> list[str]:
    return [g for g, block in _load(name).items() if isinstance(block, dict) and "row" in block]


def table_names() -> list[str]:
    return sorted(p.stem for p in TABLES.glob("*.toml"))


_STEMMER = None


def stem_words(words: list[str]) -> list[str]:
    """The one English stemmer of the answer side (PyStemmer's Snowball), loaded on first use."""
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    return _STEMMER.stemWords(words)
