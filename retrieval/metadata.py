"""Policy metadata read from the document's own header, with an optional `<file>.meta.json` sidecar on top."""

from __future__ import annotations

import json
import re
from pathlib import Path

from . import lexicon
from .errors import DocumentError
from .models import HeaderField, PolicyMeta

# Header labels as payers write them -> our field names (lexicon/sections.toml). Matching is on the lower-cased label.
_LABELS: dict[str, str] = {row["label"]: row["field"] for row in lexicon.rows("sections", "header_label")}
_HEADER_LINE = re.compile(
    r"^[ \t]*(?:[-*][ \t]+)?(?:\*\*|__)?(?P<label>[A-Za-z][A-Za-z .#/]{1,40}?)[ \t]*:(?:\*\*|__)?[ \t]*"
    r"(?P<value>\S[^\r\n]*?)[ \t\u00a0]*$",
    re.MULTILINE,
)
_PAYER_WORDS = lexicon.pattern("documents", "payer_words")
_NOT_PAYER = lexicon.pattern("documents", "not_payer")
_ALIASES = lexicon.pattern("documents", "also_called")
HEADER_SCAN_CHARS = 2500  # headers sit at the top; never read a "Label: value" from the body as metadata


# "Original Effective Date" outranks a plain "Effective Date" (which some payers use for the current version).
_PRIORITY = {row["label"]: row["priority"] for row in lexicon.rows("sections", "header_label") if "priority" in row.fields}


def header_fields(text: str) -> tuple[HeaderField, ...]:
    """The `Label: value` lines at the top of a policy that name its id, title, payer and dates."""
    found: dict[str, HeaderField] = {}
    for match in _HEADER_LINE.finditer(text[:HEADER_SCAN_CHARS]):
        label = match.group("label").strip()
        name = _LABELS.get(label.lower())
        if name is None:
            continue
        if name in found and _PRIORITY.get(label.lower(), 0) <= _PRIORITY.get(found[name].label.lower(), 0):
            continue
        value = match.group("value").strip().strip("*_").strip()
        if name == "policy_id" and not re.search(r"\d", value):
            continue  # "Policy: Prolotherapy" is a title, not a number
        found[name] = HeaderField(name, label, value, match.start(), match.end())
    return tuple(sorted(found.values(), key=lambda f: f.start))


def read_meta(
    text: str, path: Path, *, title_hint: str | None = None
) -> tuple[PolicyMeta, tuple[HeaderField, ...]]:
    fields = header_fields(text)
    values: dict[str, object] = {f.name: f.value for f in fields}
    values.setdefault("payer", _payer_from_text(text) or _payer_from_filename(path))
    if "title" not in values:
        values["title"] = _title_from_markdown(text) or title_hint or _title_from_filename(path, values.get("policy_id"))
    aliases = _aliases(text)
    if aliases:
        values["aliases"] = aliases
    values.update(_sidecar(path))
    values.setdefault("policy_id", path.stem)
    if isinstance(values.get("aliases"), list):
        values["aliases"] = tuple(values["aliases"])
    try:
        meta = PolicyMeta(**values)  # type: ignore[arg-type]
    except TypeError as exc:
        raise DocumentError(str(path), f"bad metadata ({exc})") from None
    return meta, fields


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def _sidecar(path: Path) -> dict[str, object]:
    side = sidecar_path(path)
    if not side.exists():
        return {}
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentError(str(side), f"metadata sidecar is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise DocumentError(str(side), "metadata sidecar must be a JSON object")
    allowed = set(PolicyMeta.__dataclass_fields__)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise DocumentError(str(side), f"unknown metadata keys {unknown}; allowed: {sorted(allowed)}")
    return {k: v for k, v in data.items() if v is not None}


def _payer_from_text(text: str) -> str | None:
    """A payer name standing alone on one of the first lines ("Prairie Health Plan"), above the header fields."""
    seen = 0
    for line in text[:600].splitlines():
        line = line.strip().strip("#*_> ").strip()
        if not line:
            continue
        seen += 1
        if ":" in line or seen > 4:
            return None
        if len(line.split()) <= 6 and _PAYER_WORDS.search(line) and not _NOT_PAYER.search(line):
            return line
    return None


def _payer_from_filename(path: Path) -> str:
    return path.stem.split("-")[0].split("_")[0].capitalize() or "Unknown payer"


def _title_from_markdown(text: str) -> str | None:
    match = re.search(r"^#\s+(.+?)\s*$", text[:HEADER_SCAN_CHARS], re.MULTILINE)
    return match.group(1).strip() if match else None


def _title_from_filename(path: Path, policy_id: object) -> str:
    stem = path.stem
    if isinstance(policy_id, str) and policy_id in stem:
        stem = stem.split(policy_id, 1)[1]
    words = [w for w in re.split(r"[-_\s]+", stem) if w and not re.fullmatch(r"[\d.]+", w)]
    generic = {"medical", "policy", "mp"}
    while words and words[0].lower() in generic:
        words = words[1:]
    return " ".join(words).capitalize() or path.stem


def _aliases(text: str) -> tuple[str, ...]:
    match = _ALIASES.search(text)
    if not match:
        return ()
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+|\s+as well as\s+", match.group("list"))
    cleaned = []
    for part in parts:
        part = re.sub(r"^(?:as well as\s+)?(?:(?:a|an|the)\s+(?:therapy|procedure|treatment)\s+called\s+)?", "", part.strip(), flags=re.I)
        if 2 < len(part) < 60:
            cleaned.append(part)
    return tuple(cleaned)
