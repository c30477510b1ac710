"""The synthetic corpus catalogue: catalogue.toml loaded once, checked, and held in frozen dataclasses."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

CATALOGUE_PATH = Path(__file__).with_name("catalogue.toml")

# What the generator and the renderers are written for: the catalogue may not name anything else.
KINDS = ("covered", "criteria", "mixed", "investigational", "not_medically_necessary", "not_covered")
TEXT_STYLES = ("caps", "numbered", "colon", "titlecase")  # the plain-text house styles; "web" is Markdown and HTML
SECTION_KINDS = ("description", "definitions", "policy", "prior_approval", "documentation", "codes", "rationale",
                 "references", "history", "applicability")
HEADER_FIELDS = ("id", "title", "original", "effective", "reviewed", "revised", "line_of_business")
REQUIRED_HEADER_FIELDS = ("id", "title", "original", "reviewed")
# A flat statement ("X is covered.") must read as universal: none of these words in a service's subject.
QUALIFIER = re.compile(r"\b(?:for|when|if|who|unless|except|only|with|in|following|under|after|before)\b", re.I)


class CatalogueError(ValueError):
    """catalogue.toml is malformed; the message names the entry."""


@dataclass(frozen=True)
class Criterion:
    template: str  # "{n}" is filled per policy from `choices`: payers set different thresholds
    topic: str  # what a question about this criterion names ("conservative treatment")
    choices: tuple[str, ...] = ("",)


@dataclass(frozen=True)
class Service:
    title: str
    subject: str  # the sentence subject of its coverage statements; holds the title's words and no qualifier word
    category: str  # MED, SUR, DME, LAB, RAD, BEH, REH
    description: tuple[str, ...]
    covered: tuple[str, ...]  # indications for the covered / criteria statements
    investigational: tuple[str, ...]  # indications (or variants, see `variants`) a policy may call investigational
    criteria: tuple[Criterion, ...]
    codes: tuple[tuple[str, str, str], ...]  # (code, code set, description)
    kinds: tuple[str, ...]  # coverage positions a payer may take on it
    evidence: str
    variants: bool = False  # `investigational` names procedure variants ("intragastric balloon"), not indications


@dataclass(frozen=True)
class Payer:
    name: str
    code: str
    style: str
    date_format: str  # month_year | numeric | long
    id_format: str  # dash | dotted | dotcode
    index: int


@dataclass(frozen=True)
class Catalogue:
    services: tuple[Service, ...]
    payers: tuple[tuple[str, str], ...]  # (name, policy id prefix)
    lines_of_business: tuple[str, ...]
    styles: tuple[str, ...]
    months: tuple[str, ...]
    category_numbers: MappingProxyType[str, int]
    headings: MappingProxyType[str, MappingProxyType[str, str]]  # style -> section kind -> heading
    header_labels: MappingProxyType[str, tuple[str | None, ...]]  # style -> labels in HEADER_FIELDS order
    disclaimers: tuple[str, ...]
    definitions: tuple[str, ...]
    journals: tuple[str, ...]
    authors: tuple[str, ...]


# ---------------------------------------------------------------------------------------------------- checks


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CatalogueError(f"{where}: expected a table, got {type(value).__name__}")
    return value


def _keys(table: dict[str, Any], where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> None:
    missing = [k for k in required if k not in table]
    unknown = sorted(set(table) - set(required) - set(optional))
    problems = ([f"missing {', '.join(missing)}"] if missing else []) + (
        [f"unknown key {', '.join(unknown)} (expected {', '.join(required + optional)})"] if unknown else [])
    if problems:
        raise CatalogueError(f"{where}: {'; '.join(problems)}")


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CatalogueError(f"{where}: expected a non-empty string, got {value!r}")
    if value != value.strip() or "  " in value:
        raise CatalogueError(f"{where}: stray spaces in {value!r}")
    return value


def _texts(value: Any, where: str, *, empty: bool = False) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise CatalogueError(f"{where}: expected a list of strings, got {type(value).__name__}")
    if not value and not empty:
        raise CatalogueError(f"{where}: must not be empty")
    texts = tuple(_text(v, f"{where}[{i}]") for i, v in enumerate(value))
    duplicates = sorted({t for t in texts if texts.count(t) > 1})
    if duplicates:
        raise CatalogueError(f"{where}: listed twice: {', '.join(duplicates)}")
    return texts


def _criterion(raw: Any, where: str, shared: dict[str, Criterion]) -> Criterion:
    table = _table(raw, where)
    if "shared" in table:
        _keys(table, where, ("shared",))
        name = table["shared"]
        if name not in shared:
            raise CatalogueError(f"{where}: no [shared_criteria.{name}] (have {', '.join(sorted(shared))})")
        return shared[name]
    _keys(table, where, ("template", "topic"), ("choices",))
    template, topic = _text(table["template"], f"{where}.template"), _text(table["topic"], f"{where}.topic")
    if "{n}" in template:
        if "choices" not in table:
            raise CatalogueError(f"{where}: the template holds {{n}} but there are no choices to fill it")
        return Criterion(template, topic, _texts(table["choices"], f"{where}.choices"))
    if "choices" in table:
        raise CatalogueError(f"{where}: choices given but the template holds no {{n}}")
    if "{" in template or "}" in template:
        raise CatalogueError(f"{where}: the template may hold {{n}} and no other placeholder")
    return Criterion(template, topic)


def _service(raw: Any, where: str, shared: dict[str, Criterion], categories: dict[str, int]) -> Service:
    table = _table(raw, where)
    _keys(table, where, ("title", "subject", "category", "description", "covered", "investigational", "kinds",
                         "evidence", "codes"), ("criteria", "variants"))
    title = _text(table["title"], f"{where}.title")
    where = f"{where} ({title!r})"
    subject = _text(table["subject"], f"{where}.subject")
    if QUALIFIER.search(subject):
        raise CatalogueError(f"{where}.subject: {subject!r} holds the qualifier word {QUALIFIER.search(subject)[0]!r}"
                             f"; a flat statement about it would not read as universal")
    category = table["category"]
    if category not in categories:
        raise CatalogueError(f"{where}.category: {category!r} is not one of {', '.join(categories)}")
    kinds = _texts(table["kinds"], f"{where}.kinds")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise CatalogueError(f"{where}.kinds: {', '.join(unknown)} not one of {', '.join(KINDS)}")
    codes = []
    for i, row in enumerate(table["codes"] if isinstance(table["codes"], list) else [None]):
        at = f"{where}.codes[{i}]"
        row = _table(row, at)
        _keys(row, at, ("code", "code_set", "description"))
        code = _text(row["code"], f"{at}.code")
        if len(code) != 5:
            raise CatalogueError(f"{at}.code: {code!r} is not 5 characters")
        if row["code_set"] not in {"CPT", "HCPCS"}:
            raise CatalogueError(f"{at}.code_set: {row['code_set']!r} is not CPT or HCPCS")
        codes.append((code, row["code_set"], _text(row["description"], f"{at}.description")))
    if not codes:
        raise CatalogueError(f"{where}.codes: must not be empty")
    criteria = table.get("criteria", [])
    if not isinstance(criteria, list):
        raise CatalogueError(f"{where}.criteria: expected [[services.criteria]] blocks")
    variants = table.get("variants", False)
    if not isinstance(variants, bool):
        raise CatalogueError(f"{where}.variants: expected true or false, got {variants!r}")
    service = Service(
        title, subject, category, _texts(table["description"], f"{where}.description"),
        _texts(table["covered"], f"{where}.covered", empty=True),
        _texts(table["investigational"], f"{where}.investigational", empty=True),
        tuple(_criterion(c, f"{where}.criteria[{i}]", shared) for i, c in enumerate(criteria)),
        tuple(codes), kinds, _text(table["evidence"], f"{where}.evidence"), variants)
    _check_positions(service, where)
    return service


def _check_positions(s: Service, where: str) -> None:
    """Each coverage position a service allows needs the lists its statements and questions draw from."""
    if {"criteria", "mixed"} & set(s.kinds) and not s.criteria:
        raise CatalogueError(f"{where}: kinds criteria/mixed need at least one [[services.criteria]]")
    if "investigational" in s.kinds and len(s.investigational) < 3:
        raise CatalogueError(f"{where}: kind investigational needs at least 3 investigational entries")
    if "not_medically_necessary" in s.kinds and not s.investigational:
        raise CatalogueError(f"{where}: kind not_medically_necessary needs investigational entries")
    if {"covered", "not_covered"} & set(s.kinds) and not (s.covered or s.investigational):
        raise CatalogueError(f"{where}: kinds covered/not_covered need covered or investigational entries")


def _unique(values: list[str], where: str, what: str) -> None:
    seen: dict[str, int] = {}
    for i, value in enumerate(values):
        if value in seen:
            raise CatalogueError(f"{where}[{i}]: {what} {value!r} is already used by {where}[{seen[value]}]")
        seen[value] = i


def _payers(raw: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, list) or not raw:
        raise CatalogueError("payers: expected a non-empty list of { name, code } tables")
    out = []
    for i, entry in enumerate(raw):
        table = _table(entry, f"payers[{i}]")
        _keys(table, f"payers[{i}]", ("name", "code"))
        name, code = _text(table["name"], f"payers[{i}].name"), table["code"]
        if not (isinstance(code, str) and re.fullmatch(r"[A-Z]{3}", code)):
            raise CatalogueError(f"payers[{i}] ({name!r}).code: {code!r} is not three capital letters")
        out.append((name, code))
    _unique([name.split()[0].lower() for name, _ in out], "payers", "first word")  # a question names a payer by it
    _unique([code for _, code in out], "payers", "code")
    return tuple(out)


def _headings(raw: Any, styles: tuple[str, ...]) -> dict[str, MappingProxyType[str, str]]:
    raw = _table(raw, "headings")
    _keys(raw, "headings", (*styles, "web"))
    out = {}
    for style, table in raw.items():
        where = f"headings.{style}"
        table = _table(table, where)
        _keys(table, where, SECTION_KINDS, ("disclaimer",))
        out[style] = MappingProxyType({kind: _text(name, f"{where}.{kind}") for kind, name in table.items()})
    if "disclaimer" not in out["caps"]:
        raise CatalogueError("headings.caps: missing disclaimer (the caps style heads the opening notice)")
    return out


def _header_labels(raw: Any, styles: tuple[str, ...]) -> dict[str, tuple[str | None, ...]]:
    raw = _table(raw, "header_labels")
    _keys(raw, "header_labels", (*styles, "web"))
    out = {}
    for style, table in raw.items():
        where = f"header_labels.{style}"
        table = _table(table, where)
        _keys(table, where, REQUIRED_HEADER_FIELDS, tuple(f for f in HEADER_FIELDS if f not in REQUIRED_HEADER_FIELDS))
        out[style] = tuple(_text(table[f], f"{where}.{f}") if f in table else None for f in HEADER_FIELDS)
    return out


def load(path: Path = CATALOGUE_PATH) -> Catalogue:
    """The catalogue at `path`, checked: a CatalogueError names the first bad entry."""
    try:
        with Path(path).open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: not valid TOML: {exc}") from None
    try:
        return _catalogue(data)
    except CatalogueError as exc:
        raise CatalogueError(f"{path}: {exc}") from None


def _catalogue(data: dict[str, Any]) -> Catalogue:
    _keys(data, "catalogue", ("payers", "lines_of_business", "styles", "months", "disclaimers", "definitions",
                              "journals", "authors", "category_numbers", "headings", "header_labels", "services"),
          ("shared_criteria",))
    styles = _texts(data["styles"], "styles")
    if sorted(styles) != sorted(TEXT_STYLES):
        raise CatalogueError(f"styles: must be {', '.join(TEXT_STYLES)} in some order (the renderers know these)")
    months = _texts(data["months"], "months")
    if len(months) != 12:
        raise CatalogueError(f"months: expected 12 names, got {len(months)}")
    categories = _table(data["category_numbers"], "category_numbers")
    for category, number in categories.items():
        if not (re.fullmatch(r"[A-Z]{3}", category) and isinstance(number, int) and 0 <= number <= 9):
            raise CatalogueError(f"category_numbers.{category}: expected a 3-letter category and a digit, got {number!r}")
    shared = {}
    for name, raw in _table(data.get("shared_criteria", {}), "shared_criteria").items():
        shared[name] = _criterion(raw, f"shared_criteria.{name}", {})
    if not isinstance(data["services"], list) or not data["services"]:
        raise CatalogueError("services: expected [[services]] blocks")
    services = tuple(_service(raw, f"services[{i}]", shared, categories) for i, raw in enumerate(data["services"]))
    _unique([s.title for s in services], "services", "title")
    disclaimers = _texts(data["disclaimers"], "disclaimers")
    for i, text in enumerate(disclaimers):
        if set(re.findall(r"\{([^}]*)\}", text)) - {"payer"}:
            raise CatalogueError(f"disclaimers[{i}]: the only placeholder allowed is {{payer}}")
    return Catalogue(
        services=services, payers=_payers(data["payers"]),
        lines_of_business=_texts(data["lines_of_business"], "lines_of_business"), styles=styles, months=months,
        category_numbers=MappingProxyType(dict(categories)),
        headings=MappingProxyType(_headings(data["headings"], styles)),
        header_labels=MappingProxyType(_header_labels(data["header_labels"], styles)),
        disclaimers=disclaimers, definitions=_texts(data["definitions"], "definitions"),
        journals=_texts(data["journals"], "journals"), authors=_texts(data["authors"], "authors"),
    )


CATALOGUE = load()
SERVICES = CATALOGUE.services
PAYERS = CATALOGUE.payers
LINES_OF_BUSINESS = CATALOGUE.lines_of_business
STYLES = CATALOGUE.styles
MONTHS = CATALOGUE.months
CATEGORY_NUMBER = CATALOGUE.category_numbers
HEADINGS = CATALOGUE.headings
HEADER_LABELS = CATALOGUE.header_labels
DISCLAIMERS = CATALOGUE.disclaimers
DEFINITIONS = CATALOGUE.definitions
JOURNALS = CATALOGUE.journals
AUTHORS = CATALOGUE.authors


def payers() -> tuple[Payer, ...]:
    """The payers with their house style, date format and id format, dealt out by position."""
    return tuple(
        Payer(name, code, STYLES[i % len(STYLES)], ("month_year", "numeric", "long")[(i // 4) % 3],
              ("dash", "dotted", "dotcode")[(i // 2) % 3], i)
        for i, (name, code) in enumerate(PAYERS)
    )
