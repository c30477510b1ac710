"""Policy metadata read from the document's own text (header fields wherever the payer puts them, the payer's name
from the alias table, the title from its title block), with an optional `<file>.meta.json` sidecar on top."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from . import lexicon
from .errors import DocumentError
from .models import HeaderField, PolicyMeta

HEADER_SCAN_CHARS = 2500  # headers sit at the top; never read a "Label: value" from the body as metadata
PAYER_SCAN_CHARS = 800  # a payer named in the opening lines (title block, running header) is the document's own
FIELD_KINDS = {"policy_id": "id", "title": "text", "payer": "text", "line_of_business": "text",
               "effective": "date", "reviewed": "date", "revised": "date", "ignore": "any"}
_DATE = re.compile(
    r"(?:(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?[ \t]+(?:\d{1,2},?[ \t]+)?\d{4}"
    r"|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{4}|\d{1,2}-\d{1,2}-\d{4}"
    r"|\d{1,2}/\d{2}(?![\d/]))",  # Centene's clinical policies: "Date of Last Revision: 05/25"
    re.I,
)
# An id is one token holding a digit: "02.01.18", "2025T0522M", "MCP-337", "CG-ANC-03", "L33822"
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-_/]*(?::\d{1,3}(?![\d:]))?")  # "BI418:00": a number and its version
_VALUE_KINDS: dict[str, str] = {}  # a label's own value kind ("file name": a slug), filled with the labels
_DATE_KINDS: dict[str, str] = {}  # a dated label's kind of date ("next review date": next_review), filled with them
# the parts of a title block line or an HTML/PDF title: "Prolotherapy | Medical Policy | Premera", "X - Policy 7"
_TITLE_PARTS = re.compile(r"\s+[|\u2013\u2014-]\s+|\s*\|\s*")
_SEPARATORS = {
    "colon": r"[ \t]*:(?:\*\*|__)?[ \t]*",
    "dash": r"[ \t]*(?::|[-\u2013\u2014])(?:\*\*|__)?[ \t]*",
    # (or a line break: a web page's stacked cells, "Policy No." above "KCA-UM-115", when the label has its line alone)
    "any": r"(?:[ \t]*:(?:\*\*|__)?[ \t]*|[ \t]*(?:[-\u2013\u2014]|\.{2,})[ \t.]*|[ \t]+|[ \t]*\n(?=[ \t]*\S))",
    # a text table's cell border: "| Guideline Name         | Home Infusion Therapy Services |"
    "cell": r"(?:[ \t]*:[ \t]*|[ \t]*\|[ \t]*)",
}


@functools.cache
def _labels() -> tuple[dict[str, str], dict[str, int], re.Pattern[str]]:
    rows = lexicon.rows("sections", "header_label")
    fields = {row["label"]: row["field"] for row in rows}
    priority = {row["label"]: row.get("priority", 0) for row in rows}
    _VALUE_KINDS.update({row["label"]: row["value"] for row in rows if row.get("value")})
    _DATE_KINDS.update({row["label"]: row["date"] for row in rows if row.get("date")})
    # longest first, so "policy number" wins over "policy" and "next review date" over "review date"
    alternatives = []
    for row in sorted(rows, key=lambda r: -len(r["label"])):
        # a PDF's narrow header cell wraps a label ("Most Recent Review\nDate:"): one line break between its words
        label = re.escape(row["label"]).replace(r"\ ", r"(?:[ \t]+|[ \t]*\n[ \t]*)")
        alternatives.append(rf"(?P<l{len(alternatives)}>{label}){_SEPARATORS[row.get('separator', 'colon')]}")
    pattern = re.compile(r"(?<![A-Za-z0-9])(?:\*\*|__)?(?:" + "|".join(alternatives) + ")", re.I)
    return fields, priority, pattern


def _labelled(head: str) -> Iterator[tuple[str, str, int, tuple[int, int] | None, re.Match[str]]]:
    """Each label of the header scan in order: its table key, as written, where it starts, and its value's span."""
    fields, _, pattern = _labels()
    position = 0
    while True:
        match = pattern.search(head, position)
        if match is None:
            return
        label_key = next(g for g, v in match.groupdict().items() if v is not None)
        label_text = match.group(label_key)
        if "\n" in head[match.end(label_key):match.end()] and head[:match.start()].rstrip(" \t*_")[-1:] not in ("", "\n"):
            position = match.start() + 1  # a label word at a line's end in running text ("... the policy number"), no cell
            continue
        key = " ".join(label_text.lower().split())
        value_span = _value(head, match.end(), _VALUE_KINDS.get(key) or FIELD_KINDS.get(fields.get(key) or "", "any"))
        position = max(match.end(), value_span[1] if value_span else match.end())
        yield key, label_text, match.start(label_key), value_span, match


def header_fields(text: str) -> tuple[HeaderField, ...]:
    """The labelled values near the top of a policy that name its id, title, payer and dates. A label may share a
    line with others, stand without a colon ("Policy Number 075") or use dotted leaders; the value is read by kind
    (an id token, a date, or the rest of the line), so "MP-739 Latest Review Date: May 2024" yields two fields."""
    fields, priority, _ = _labels()
    head = text[:HEADER_SCAN_CHARS]
    found: dict[str, HeaderField] = {}
    for key, label_text, label_start, value_span, _ in _labelled(head):
        name = fields.get(key)
        if name is None or name == "ignore" or value_span is None:
            continue
        start, end = value_span
        value = head[start:end].strip().strip("*_").strip()
        if not value:
            continue
        if name in found and priority.get(key, 0) <= priority.get(found[name].label.lower(), 0):
            continue
        found[name] = HeaderField(name, " ".join(label_text.split()), value, label_start, end)
    return tuple(sorted(found.values(), key=lambda f: f.start))


def dated_fields(text: str) -> tuple[HeaderField, ...]:
    """Every dated label of the header by which date it is ("original", "effective" for the current version,
    "reviewed", "revised", "next_review"), the first of each kind: what a "when was it last reviewed?" or "when is it
    up for review?" question asks for, where the metadata keeps one effective date."""
    _labels()
    head = text[:HEADER_SCAN_CHARS]
    found: dict[str, HeaderField] = {}
    for key, label_text, label_start, _, match in _labelled(head):
        kind = _DATE_KINDS.get(key)
        if kind is None or kind in found:
            continue
        span = _value(head, match.end(), "date")
        if span is None:
            continue
        found[kind] = HeaderField(kind, " ".join(label_text.split()), head[span[0]:span[1]], label_start, span[1])
    return tuple(sorted(found.values(), key=lambda f: f.start))


def _value(text: str, at: int, kind: str) -> tuple[int, int] | None:
    """Where the value after a label lies: on the rest of the line, or (for text) on the next non-empty line."""
    line_end = text.find("\n", at)
    line_end = len(text) if line_end < 0 else line_end
    rest = text[at:line_end]
    if kind == "date":
        if not rest.strip() and line_end < len(text):
            # the value on the line below its label ("Date:\n02/13/2025"), as a PDF's table cells come out
            at, line_end = line_end + 1, text.find("\n", line_end + 1)
            line_end = len(text) if line_end < 0 else line_end
            rest = text[at:line_end]
        # "Revision Effective Date  For services performed on or after 02/08/2024": an LCD's date after its lead words
        lead = re.match(r"[ \t]*(?:for services (?:performed|rendered|furnished) )?on or after[ \t]+", rest, re.I)
        if lead is not None:
            at, rest = at + lead.end(), rest[lead.end():]
        m = _DATE.match(rest.lstrip())
        if not m:
            return None
        start = at + len(rest) - len(rest.lstrip())
        return start, start + m.end()
    if kind == "slug":
        # Blue Cross NC names its policies by a file name, no number: "File Name: sacroiliac_joint_fusion_stabilization"
        m = re.match(r"[ \t]*(?:\n[ \t]*)?([a-z0-9]+(?:_[a-z0-9]+)+)\b", text[at:at + 200])
        return (at + m.start(1), at + m.end(1)) if m else None
    if kind == "id":
        m = _ID.match(rest.lstrip())
        # "Coverage Policy Surgical 106", "DME 16": a category word and the number are the id, as the payer writes it
        filed = re.match(r"[A-Z][A-Za-z]{1,15}[ \t]+\d[\w.\-]*(?=[ \t]*$)", rest.strip())
        if filed:
            start = at + rest.index(filed.group(0))
            return start, start + len(filed.group(0))
        if not m or not re.search(r"\d", m.group(0)):
            return None  # "Policy: Prolotherapy" is a title, not a number
        start = at + len(rest) - len(rest.lstrip())
        return start, start + len(m.group(0).rstrip(".-_/"))
    if kind == "text":
        _, _, pattern = _labels()
        label = pattern.search(rest)  # "SUBJECT: CHIROPRACTIC CARE POLICY NUMBER: 10.01.02": the title ends at the next label
        if label is not None and label.start() > 0:
            rest = rest[:label.start()]
        value = re.split(r"[ \t]{2,}|\t|[ \t]*\|", rest.strip())[0] if rest.strip() else ""  # (to a cell's border)
        if value:
            start = at + rest.index(value)
            return start, start + len(value)
        following = re.match(r"[ \t]*\n[ \t\u00a0]*\n?[ \t]*([^\n]{2,120})", text[line_end:])
        if following and ":" not in following.group(1):
            start = line_end + following.start(1)
            return start, start + len(following.group(1).rstrip())
        return None
    return at, line_end


def read_meta(
    text: str, path: Path, *, title_hint: str | None = None
) -> tuple[PolicyMeta, tuple[HeaderField, ...]]:
    fields = header_fields(text)
    values: dict[str, object] = {f.name: f.value for f in fields}
    if isinstance(values.get("payer"), str) and not _a_name(str(values["payer"])):
        del values["payer"]  # "... administered by The Health Plan:" and the products listed on the next line
    if isinstance(values.get("payer"), str):
        values["payer"] = canonical_payer(str(values["payer"])) or values["payer"]
    else:
        values["payer"] = _payer(text, title_hint) or file_name_payer(path)
    if isinstance(values.get("payer"), str):
        values["payer"] = " ".join(str(values["payer"]).split())  # a justified PDF line's "Simply  Healthcare  Plans"
    title_field = next((f for f in fields if f.name == "title"), None)
    if title_field is not None and isinstance(values.get("title"), str):
        values["title"] = _unwrapped_title(text, title_field)
    if isinstance(values.get("title"), str) and str(values["title"]).isupper():
        values["title"] = str(values["title"]).title()  # "CHIROPRACTIC CARE" reads as "Chiropractic Care"
    if "title" not in values:
        values["title"] = (_title_from_markdown(text) or _title_from_hint(title_hint) or _title_after_id(text, fields)
                           or _title_from_text(text, str(values.get("payer") or ""))
                           or _title_from_filename(path, values.get("policy_id")))
    if "policy_id" not in values:
        policy_id = _id_from_filename(text, path)
        if policy_id:
            values["policy_id"] = policy_id
    if isinstance(values.get("policy_id"), str) and isinstance(values.get("title"), str):
        # "Bone Growth Stimulators, DME 16", "EPIDURAL STEROID INJECTIONS - CAM 70158": the id is no part of the title
        # (or a space alone before an id of letters and digits: "Bariatric Surgery OR.CP.MP.37", a PDF title line)
        policy_id = str(values["policy_id"])
        space = r"|\s+" if re.search(r"[A-Za-z]", policy_id) and re.search(r"\d", policy_id) else ""
        stripped = re.sub(rf"(?:\s*[-\u2013|,:]\s*{space}){re.escape(policy_id)}\s*$", "", str(values["title"]), flags=re.I)
        # ("PM-CIR-134 Bariatric Surgery", a web page's heading: the id in front goes too)
        stripped = re.sub(rf"^{re.escape(policy_id)}(?:\s*[-\u2013|,:]\s*|\s+)(?=[A-Za-z])", "", stripped, flags=re.I)
        if len(stripped) >= 3:
            values["title"] = stripped
    aliases = tuple(dict.fromkeys(_aliases(text) + acronyms(text, str(values.get("title") or ""))))
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


def _a_name(value: str) -> bool:
    """A header value that can be a plan's name: a few words, no list (";") and no sentence."""
    words = value.split()
    return 0 < len(words) <= 10 and ";" not in value and not value.rstrip().endswith((".", ":")) \
        and not words[0][0].islower()


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


# ---------------------------------------------------------------- payer


def _norm(name: str) -> str:
    """ "BlueCross  BlueShield" and "Blue Cross Blue Shield" are one name."""
    name = " ".join(name.lower().split())
    return re.sub(r"blue ?(cross|shield)", r"blue\1", name)


@functools.cache
def _payer_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    canonical = {}
    for row in lexicon.rows("payers", "payer"):
        for alias in row["aliases"]:
            canonical.setdefault(_norm(alias), row["payer"])
        canonical.setdefault(_norm(row["payer"]), row["payer"])
    aliases = sorted(canonical, key=len, reverse=True)
    body = "|".join(re.sub(r"blue(cross|shield)", r"blue\\s*\1", re.escape(a).replace(r"\ ", r"\s+")) for a in aliases)
    pattern = re.compile(r"(?<![A-Za-z0-9])(?:" + body + r")(?![A-Za-z0-9])", re.I)
    return pattern, canonical


@functools.cache
def _family_names() -> frozenset[str]:
    """Brand families ("Blue Cross", "BCBS") in every way the table writes them: no one plan's name."""
    return frozenset(_norm(alias) for row in lexicon.rows("payers", "family") for alias in [row["payer"], *row["aliases"]])


@functools.cache
def _contractors() -> frozenset[str]:
    """The table's payers that work for a program ("Novitas Solutions" for Medicare: `serves`)."""
    return frozenset(row["payer"] for row in lexicon.rows("payers", "payer") if row.get("serves"))


@functools.cache
def _programs() -> frozenset[str]:
    return frozenset(row["payer"] for row in lexicon.rows("payers", "payer") if row.get("program"))


def canonical_payer(name: str) -> str | None:
    """The table's name for a payer written any of its ways ("UHC" -> "UnitedHealthcare"); None when unknown."""
    pattern, canonical = _payer_pattern()
    match = pattern.fullmatch(name.strip())
    return canonical[_norm(match.group(0))] if match else None


def payer_families(names: Iterable[str], texts: dict[str, list[str]] | None = None) -> dict[str, str]:
    """Each payer name of a corpus -> the one name its plan goes by there. Documents of one plan write it several ways
    ("L.A. Care" and "L.A. Care Health Plan"); names the alias table gives one official name, or whose words are the
    same once the legal form is left out (payers.toml [words] name_form), are one plan. So are a brand and its legal
    name that begin with the same word when each one's documents write the other ("Sunshine Health" and "Sunshine State
    Health Plan, Inc."; `texts`: each name's documents). The name most documents write stands for it (of two as
    common, the longer, then the first in order)."""
    form = lexicon.words("payers", "name_form")
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    families: dict[object, list[str]] = {}
    for name in counts:
        words = frozenset(w for w in re.findall(r"[a-z0-9]+", name.lower().replace(".", "")) if w not in form)
        key = canonical_payer(name) or words or name
        families.setdefault(key, []).append(name)
    if texts:
        keys = list(families)
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                if a in families and b in families and _written_by_each_other(families[a], families[b], texts):
                    families[a] += families.pop(b)
    out: dict[str, str] = {}
    for members in families.values():
        representative = max(members, key=lambda n: (counts[n], len(n), -members.index(n)))
        out.update({name: representative for name in members})
    return out


def plan_names(documents: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, set[str]]]:
    """For documents given as (payer read, text): each payer read -> the name its plan goes by in this corpus
    (`payer_families`), and that name -> the other names its documents give the plan (the ways read, and the names a
    policy pairs with its plan's: "University Health Alliance (UHA Health Insurance)", `payer_names`)."""
    documents = list(documents)
    texts: dict[str, list[str]] = {}
    for payer, text in documents:
        texts.setdefault(payer, []).append(text)
    families = payer_families((payer for payer, _ in documents), texts)
    variants: dict[str, set[str]] = {}
    for payer, text in documents:
        name = families.get(payer, payer)
        named = {n for n in payer_names(text, payer) if n != name}
        if name != payer:
            named.add(payer)
        if named:
            variants.setdefault(name, set()).update(named)
    return families, variants


def _written_by_each_other(a: list[str], b: list[str], texts: dict[str, list[str]]) -> bool:
    """Two plans' names that begin with the same word, not a word of many plans' names ("Sunshine"; never "Blue" or
    "Health"), each written in the other's documents."""
    first = {name.split()[0].lower() for name in a + b if name.split()}
    if len(first) != 1 or first & lexicon.words("payers", "shared_first_word"):
        return False

    def writes(names: list[str], others: list[str]) -> bool:
        pattern = re.compile("|".join(rf"\b{re.escape(n)}\b" for n in others), re.I)
        return any(pattern.search(text) for n in names for text in texts.get(n, ()))

    return writes(a, b) and writes(b, a)


def _payer(text: str, title_hint: str | None) -> str | None:
    """The document's own payer, from the strongest evidence its text gives:
    1. a standalone payer-like line at the top ("Prairie Health Plan") that comes before any table name;
    2. the first plan of the payer table in the opening lines or the HTML/PDF title;
    3. the owner its copyright line names ("© 2025 SelectHealth"), or a plan name it writes (or states positions in);
    4. a part of the HTML/PDF title built of payer words ("... | Medical Policy | Blue Cross and Blue Shield of Montana");
    5. a program of the table (Medicare, Medicaid): in a plan's policy "For Medicaid Plans: ..." names a line of
       business, so a program is the payer only of a document that names no plan."""
    pattern, canonical = _payer_pattern()
    programs = _programs()
    # (not the administrator a self-funded or state plan names: "Administered by Blue Cross and Blue Shield of North
    # Carolina (Third Party Administrator)" under "North Carolina State Health Plan for Teachers and State Employees")
    opening = [(m.start(), canonical[_norm(m.group(0))]) for m in pattern.finditer(text[:PAYER_SCAN_CHARS])
               if not _ADMINISTERED_BY.search(text[max(0, m.start() - 40):m.start()])]
    hinted = [canonical[_norm(m.group(0))] for m in pattern.finditer(title_hint or "")]
    checked = _checked_plan(text)
    if checked is not None:
        return checked
    line = _payer_from_text(text, title_hint)
    if line is not None and _ACRONYM_LEAD.fullmatch(line) and any(name not in programs for _, name in opening):
        line = None  # "BCBSAZ ..." above "Blue Cross Blue Shield of Arizona": the table's plan is the name
    if line is not None:
        at = text.lower().find(line.lower())  # where the top line stands, whatever case it is written in there
        if not opening or opening[0][0] > at + len(line):
            return canonical_payer(line) or line
    first = next(((at, name) for at, name in opening if name not in programs), None)
    if first is not None:
        product_of = _product_of(text, first[0])
        if product_of is not None:
            return product_of
    plan = first[1] if first is not None else next((name for name in hinted if name not in programs), None)
    if plan is not None:
        return _brand_of(plan, text, title_hint) or plan
    owner = _copyright_owner(text)
    if owner is not None:
        return owner
    named = _plan_named_in_text(text)
    hinted_part = _hinted_payer(title_hint)
    if named is not None and hinted_part is not None and _norm(named) != _norm(hinted_part) \
            and len(re.findall(rf"(?<![\w-]){re.escape(named)}(?![\w-])", text)) < 2 \
            and not re.search(rf"{re.escape(named)}\s*\({re.escape(hinted_part)}\)", text):
        # (not "Blue Cross Blue Shield of Arizona (AZ Blue)": the name with its short form)
        # a name written once ("Looking for CCA Health Rhode Island? Visit ...", a site's banner) is weaker than the
        # plan the page's own title names ("Power Mobility Devices - ... | Commonwealth Care Alliance")
        return canonical_payer(hinted_part) or hinted_part
    if named is not None:
        return named
    subject = _verdict_subject(text, programs)
    if subject is not None:
        return subject
    # "SUR705.044 Knee Arthroscopy | Medical Policy | Blue Cross and Blue Shield of Montana": the page title's part that
    # is a plan's name, when the table does not know the plan
    if hinted_part is not None:
        return hinted_part
    site = _site_name(text, title_hint)
    if site is not None:
        return site
    # (a Medicare contractor's LCD under the "Medicare Coverage Database" banner is the contractor's: it serves the program)
    program = next((name for _, name in opening if name in _contractors()), None) \
        or next((name for _, name in opening), None) or next(iter(hinted), None)
    if program is not None:
        return program
    # "Blue Cross NC will provide coverage for ...": a plan the body names, most often first, before the file name
    counts: dict[str, int] = {}
    for m in pattern.finditer(text):
        name = canonical[_norm(m.group(0))]
        if name not in programs:
            counts[name] = counts.get(name, 0) + 1
    return max(counts, key=lambda n: counts[n]) if counts else None


_CHECKED = re.compile(r"^[ \t]*(?:\[[xX\u2713\u2714]\]|[\u2612\u2611\u25a0])[ \t]+([A-Z][^;\n(]{2,80}?)[ \t]*(?:[;(\n]|\s[-\u2013]\s|$)",
                      re.M)


def _checked_plan(text: str) -> str | None:
    """ "Applies to: [ ] Harvard Pilgrim Health Care Commercial products ... [X] CarePartners of Connecticut; Fax ...": a
    policy shared by a parent's plans marks the plan it applies to; one marked line that is a plan's name is the payer."""
    marked = [" ".join(m.group(1).split()) for m in _CHECKED.finditer(text[:PAYER_SCAN_CHARS * 4])]
    plans = [name for name in marked if _looks_like_payer(name) or canonical_payer(name) is not None
             or re.search(r"\b(?:of|care|health)\b", name, re.I) and len(name.split()) <= 6]
    if len(plans) != 1 or len(marked) != 1:
        return None
    return canonical_payer(plans[0]) or plans[0]


def _hinted_payer(title_hint: str | None) -> str | None:
    """The part of an HTML/PDF title that is a plan's name the table does not know ("... | Medical Policy | Blue Cross
    and Blue Shield of Montana")."""
    # (the site's name ends a page's title: "Personal Care Services (Level I and Level II) | Clinical Policies |
    # VillageCareMAX" is the VillageCareMAX site's page on a service whose name has payer words of its own)
    for part in reversed(_TITLE_PARTS.split(title_hint or "")):
        part = part.strip()
        if part and _looks_like_payer(part) and not lexicon.pattern("documents", "document_kind").search(part) \
                and not lexicon.pattern("documents", "not_payer").search(part) and _norm(part) not in _family_names():
            return part
    return None


# "Ambetter from Western Sky Community Care", "Wellcare By Allwell ...": a product that names the plan it comes from
_PRODUCT_OF = re.compile(r"[ \t]+(?:from|by)[ \t]+((?:[A-Z\u2018\u2019'][\w&.'\u2019-]*[ \t]+(?:(?:of|and|&|the|for)[ \t]+)?){0,5}"
                         r"[A-Z][\w&.'\u2019-]*)")


def _product_of(text: str, at: int) -> str | None:
    """The plan a table name at `at` is a product of, when the document writes it so ("Ambetter from Western Sky
    Community Care"): the plan, not its product, is the document's payer."""
    pattern, canonical = _payer_pattern()
    match = pattern.match(text, at)
    if match is None:
        return None
    after = _PRODUCT_OF.match(text, match.end())
    if after is None:
        return None
    name = _without_legal_suffix(after.group(1))
    if not _looks_like_payer(name) or _norm(name) in _family_names():
        return None
    return canonical_payer(name) or name


def _without_legal_suffix(name: str) -> str:
    """ "Western Sky Community Care, Inc." -> "Western Sky Community Care"."""
    return re.sub(r",?\s+(?:Inc|LLC|Corp)\.?$", "", name).strip()


def _brand_of(plan: str, text: str, title_hint: str | None) -> str | None:
    """The plan a parent company runs under its own name, where the document writes it so: "Passport Health Plan by
    Molina Healthcare", "Ambetter from Superior HealthPlan", "Simply Healthcare Plans, Inc., an Anthem company". A
    parent's policy that names its brand this way ("This policy applies to Passport Health Plan by Molina Healthcare
    Kentucky Medicaid members") is the brand's policy: its members say "Passport", not "Molina"."""
    pattern, canonical = _payer_pattern()
    parent = [m for m in pattern.finditer(text[:PAYER_SCAN_CHARS * 4]) if canonical[_norm(m.group(0))] == plan]
    written = {" ".join(m.group(0).split()) for m in parent}
    if title_hint:
        written |= {" ".join(m.group(0).split()) for m in pattern.finditer(title_hint) if canonical[_norm(m.group(0))] == plan}
    for name in sorted(written, key=len, reverse=True):
        words = r"\s+".join(re.escape(w) for w in name.split())
        joined = re.compile(rf"((?:[A-Z][\w&.'-]*\s+){{0,4}}[A-Z][\w&.'-]*),?\s+(?:is\s+)?(?:by|from|an?|a\s+subsidiary\s+of|"
                            rf"the\s+trade\s+name\s+of)\s+{words}(?:\s+company)?\b")
        for source in (title_hint or "", text[:PAYER_SCAN_CHARS * 4]):
            for m in joined.finditer(source):
                brand = _without_legal_suffix(m.group(1))
                if _looks_like_payer(brand) and canonical_payer(brand) is None and _norm(brand) != _norm(name):
                    return brand
    return None


_AUDIENCE = re.compile(r"\s+(?:for\s+)?(?:providers?|members?|physicians?|provider portal|member portal)\s*$", re.I)


def _site_name(text: str, title_hint: str | None) -> str | None:
    """ "Proton Beam Radiation Therapy (HFMP-0141) | Medical Policies | Healthfirst Providers": a page title ends with
    the site's name, its audience taken off. It names the plan when the document writes that name again and again
    (three times or more), as a plan writes its own name; a name built of payer words is read earlier."""
    parts = [p.strip() for p in _TITLE_PARTS.split(title_hint or "") if p.strip()]
    if len(parts) < 2:
        return None
    name = _AUDIENCE.sub("", parts[-1]).strip()
    if not name or len(name.split()) > 3 or not name[0].isupper() or re.search(r"[\d()]", name) \
            or lexicon.pattern("documents", "document_kind").search(name) \
            or lexicon.pattern("documents", "not_payer").search(name) or _norm(name) in _family_names():
        return None
    if len(re.findall(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text)) < 3:
        return None
    return canonical_payer(name) or name


_CAPITALISED_NAME = re.compile(r"[A-Z][\w&'.-]*(?:[ \t]+(?:(?:of|and|&|the)[ \t]+)?[A-Z][\w&'.-]*){1,6}")


def _plan_named_in_text(text: str) -> str | None:
    """A plan the alias table does not know, by the name its own document writes most often ("Blue Cross NC will
    provide coverage ...", "Dean Health Plan considers ..."): a capitalised name built of payer words, written at least
    twice. A program (Medicare) or an association is no plan."""
    not_owner = lexicon.pattern("documents", "not_payer_owner")
    kind = lexicon.pattern("documents", "document_kind")
    strong = lexicon.pattern("documents", "plan_name")
    not_first = lexicon.words("documents", "not_plan_first")
    generic = lexicon.words("documents", "generic_name_words")
    # "Blue Cross" alone (from "Blue Cross and\nBlue Shield of Kansas" wrapped) is a brand family, no one plan
    families = _family_names()
    pattern, canonical = _payer_pattern()
    programs = _programs()
    counts: dict[str, int] = {}
    written: dict[str, str] = {}  # one plan written several ways ("Blue Cross and Blue Shield of X", "Blue Cross Blue Shield of X")
    for match in _CAPITALISED_NAME.finditer(text[:60000]):
        table = pattern.match(text, match.start())
        if table is not None and canonical[_norm(table.group(0))] in programs:
            continue  # "Noridian Healthcare\nSolutions, LLC", a Medicare contractor, wrapped in a PDF's table cell
        name = _without_document_kind(_without_leading_form(match.group(0).strip(" .,")))
        # "American Medical | Association" wrapped across a line is still the association
        tail = text[match.end():match.end() + 40].split()[:1]
        if not name or not _looks_like_payer(name) or not_owner.search(" ".join([name, *tail])) or kind.search(name) \
                or not strong.search(name) or name.split()[0].lower() in not_first or _norm(name) in families \
                or set(name.lower().split()) <= generic:
            continue
        key = re.sub(r"\b(?:and|&)\b|\W", "", name.lower())
        counts[key] = counts.get(key, 0) + 1
        written.setdefault(key, name)
    if not counts:
        return None
    # most often written; of two written as often, the one written first ("Presbyterian Health Plan, Inc. and
    # Presbyterian Insurance Company, Inc." is the first plan's document)
    order = list(written)
    best = max(counts, key=lambda n: (counts[n], -order.index(n)))
    # written twice, or the only plan name the document writes at all
    if counts[best] >= 2 or len(counts) == 1:
        return canonical_payer(written[best]) or _name_case(written[best])
    return None


def _without_leading_form(name: str) -> str:
    """ "Inc. and Presbyterian Insurance Company" -> "Presbyterian Insurance Company": the legal form that ended the name
    before it is no part of this one."""
    form = lexicon.words("documents", "corporate_form")
    words = name.split()
    while words and words[0].lower() in form:
        words.pop(0)
    return " ".join(words)


def _verdict_subject(text: str, programs: frozenset[str]) -> str | None:
    """ "Quartz considers treatment of ... medically necessary": the name a document gives as the subject of its own
    positions, written so at least twice, and no program (Medicare) or generic subject ("The Plan")."""
    counts: dict[str, int] = {}
    generic = lexicon.words("documents", "not_plan_first")
    for match in lexicon.pattern("documents", "verdict_subject").finditer(text[:60000]):
        name = next(g for g in match.groups() if g).strip(" .,")
        if name.split()[0].lower() in generic and not (match.group(1) and len(name.split()) >= 3) \
                or canonical_payer(name) in programs:
            # a usual first word ("Home", "Community") opens a plan's name in "It is the policy of Home State Health"
            continue
        counts[name] = counts.get(name, 0) + 1
    if not counts:
        return None
    best = max(counts, key=lambda n: counts[n])
    if counts[best] < 2:
        return None
    if canonical_payer(best):
        return canonical_payer(best)
    # "the Central California Alliance for Health (the Alliance)": the name a short form the table does not know
    # stands for
    full = re.search(r"([A-Z][\w&.'-]*(?: (?:of |and |for |& )?[A-Z][\w&.'-]*){1,6}),? \((?:the )?" + re.escape(best) + r"\)", text)
    if full is not None:
        best = full.group(1)
    return canonical_payer(best) or best


def _states_positions(name: str, text: str) -> bool:
    """The document writes the name as the subject of its positions ("It is the policy of Home State Health that ...")."""
    return any((next((g for g in m.groups() if g), "") or "").lower() == name.lower()
               for m in lexicon.pattern("documents", "verdict_subject").finditer(text[:60000]))


def _copyright_owner(text: str) -> str | None:
    owner_pattern = lexicon.pattern("documents", "copyright_owner")
    not_owner = lexicon.pattern("documents", "not_payer_owner")
    counts: dict[str, int] = {}
    for match in owner_pattern.finditer(text):
        name = match.group("name").strip(" .,-")
        if len(name) < 3 or not_owner.search(name) or not re.search(r"[A-Za-z]{3}", name):
            continue
        if not re.search(r"©|\(c\)|\d{4}", match.group(0), re.I):
            continue  # "AMA CPT / ADA CDT / AHA NUBC Copyright Statement": a heading, no owner (no sign, no year)
        wrapped = re.match(r"[ \t]*\n[ \t]*([A-Za-z]+)", text[match.start("name") + len(match.group("name")):])
        if wrapped is not None and not_owner.search(f"{name} {wrapped.group(1)}"):
            continue  # "copyright 2023 American Medical" | "Association. All Rights Reserved."
        # "(C)2021 Coordinated Care Corporation Indiana, Inc. d/b/a Managed Health Services": the owner does business
        # (and its members know it) under the name after "d/b/a"
        line_end = text.find("\n", match.start())
        trade = _TRADE_NAME.search(text[match.start():line_end if line_end >= 0 else len(text)])
        if trade is not None and _looks_like_payer(trade.group(1)):
            name = _without_legal_suffix(re.split(r"\.\s", trade.group(1))[0]).strip(" .,-")  # (not "... Services. All")
        name = canonical_payer(name) or name
        counts[name] = counts.get(name, 0) + 1
    return max(counts, key=lambda n: counts[n]) if counts else None


_TRADE_NAME = re.compile(r"\b(?:d/b/a|dba|doing business as)[ \t]+((?:[A-Z][\w&'.\u2019-]*[ \t]+(?:(?:of|and|&|the)[ \t]+)?){0,5}"
                         r"[A-Z][\w&'.\u2019-]*)")


def payer_in_text(text: str, title_hint: str | None = None) -> str | None:
    """The payer a document names first in its opening lines (or in its HTML/PDF title), by the alias table."""
    pattern, canonical = _payer_pattern()
    for source in (text[:PAYER_SCAN_CHARS], title_hint or ""):
        match = pattern.search(source)
        if match:
            return canonical[_norm(match.group(0))]
    return None


def _written_as_a_plan(line: str, text: str) -> bool:
    """ "Keystone First" on the top line, and "Keystone First has developed clinical policies", "Keystone First's
    clinical policies" below: a short name the document writes as a plan, the subject of what a plan does."""
    if not 1 <= len(line.split()) <= 5 or re.search(r"\d", line) or not line[:1].isupper() or line.isupper():
        return False  # ("CCHP" over "Chinese Community Health Plan": a logo's letters, the name follows)
    words = r"\s+".join(re.escape(w) for w in line.split())
    uses = re.findall(rf"(?<![\w-]){words}(?:['\u2019]s\b|\s+(?:has|have|considers|covers|does|will|may|members?|requires?|"
                      rf"reviews?|provides?|uses?|is\s+(?:the|a|an)\b))", text)
    return len(uses) >= 2


_ADMINISTERED_BY = re.compile(r"\b(?:administered|serviced|managed)\s+by\s+(?:the\s+)?$", re.I)
_MENU_ITEM = re.compile(r"^\s*[\u2022\u00b7\u25aa\u25cf\u2023]\s")
_TAGLINE = re.compile(r"^(?:an?\s|member of\b|part of\b|serving\b)", re.I)


def _payer_from_text(text: str, title_hint: str | None = None) -> str | None:
    """A payer name standing alone on one of the first lines ("Prairie Health Plan"), above the header fields."""
    payer_words = lexicon.pattern("documents", "payer_words")
    not_payer = lexicon.pattern("documents", "not_payer")
    seen = 0
    for line in text[:600].splitlines():
        if _MENU_ITEM.match(line):
            continue  # "  • Medical Policies", "  • Home Health Services": a site's menu, not its plan's banner
        line = line.strip().strip("#*_> ").strip()
        if not line:
            continue
        seen += 1
        if _TAGLINE.match(line):
            continue  # "A member of the AmeriHealth Caritas Family of Companies", "An Elevance Health company"
        if seen > 4:
            return None
        # "PacificSource Health Plans | Clinical Policy: Dry Needling", "UPMC HEALTH PLAN - MEDICAL POLICY MANUAL"
        parts = [p.strip() for p in _TITLE_PARTS.split(line) if p.strip()]
        # (a logo's initials before the name they stand for: "MHS | Managed Health Services")
        if len(parts) >= 2 and _ACRONYM_LEAD.fullmatch(parts[0]) and _initials_of(parts[0], parts[1]):
            parts = parts[1:]
        line = parts[0] if parts else line
        whole = line
        line = _without_document_kind(line)  # "Blue Cross Blue Shield of Minnesota Medical Policy"
        if _labels()[2].match(line) or re.match(r"[^:]{0,30}:", line) and not _TITLE_PARTS.search(line.split(":")[0]):
            return None  # the header fields begin ("Policy Number  HS-MP-017", "Department  Health Services")
        if ":" in line:
            continue  # "Wearable Cardioverter Defibrillators Document #: MED.00072": a running header's title and id
        if _SECTION_NUMBERED.match(line):
            continue  # "12. BEHAVIORAL HEALTH SERVICES" is a chapter of the manual, not a plan
        acronym = _ACRONYM_LEAD.match(line)
        if acronym and title_hint and _norm(line) == _norm(_TITLE_PARTS.split(title_hint)[0]):
            acronym = None  # "CPAP and BiPAP Devices", the page's own title: the service's letters, no plan's
        # an acronym that stands out of a mixed-case line ("IEHP Medi-Cal Provider ..."), not a capitalised line's word
        if acronym and not line.isupper() and not payer_words.search(acronym.group(1)) \
                and acronym.group(1).lower() not in lexicon.words("documents", "not_plan_acronym") \
                and len(re.findall(rf"\b{acronym.group(1)}\b", text)) >= 3:
            return acronym.group(1)  # "IEHP Medi-Cal Provider Policy and Procedure Manual", IEHP written throughout
        # "Blue Cross Blue Shield of Arizona (AZ Blue)", "Presbyterian Health Plan, Inc. and Presbyterian Insurance
        # Company, Inc.": the plan's name, without its short form or legal form
        line = re.sub(r"\s*\([^()]*\)\s*$", "", line.split(",")[0]).strip()
        camel = re.sub(r"([a-z])([A-Z])", r"\1 \2", line)  # "CareOregon" is built of payer words too
        # "Community Health Plan of Washington": a first word that usually opens no plan's name ("Community Health
        # Centers") still does before "Health Plan" or "Health Plan of <place>"
        named_plan = re.search(r"\bhealth ?plans?\b", line, re.I) or _states_positions(line, text)
        # (a name stripped of "Medical Policy" is the plan written as a plan, unless the text writes it longer:
        # "Presbyterian" of "Presbyterian Medical Policy" over "Presbyterian Health Plan, Inc.")
        fuller = line != whole and re.search(rf"(?<![\w-]){re.escape(line)}\s+(?:Health|Healthcare|HealthCare|Insurance|Plan)\b", text)
        if len(line.split()) <= (12 if named_plan else 9) \
                and (payer_words.search(camel) or not fuller and _written_as_a_plan(line, text)) and not not_payer.search(line) \
                and (line.split()[0].lower() not in lexicon.words("documents", "not_plan_first") or named_plan):
            # "SUPERIOR HEALTHPLAN" (or a logo's "arizona complete health") at the top is "Superior HealthPlan" where the
            # document writes it in its own case
            same = re.compile(rf"(?<![A-Za-z]){re.escape(line)}(?![A-Za-z])", re.I)
            written = next((m.group(0) for m in same.finditer(text)
                            if not m.group(0).isupper() and not m.group(0).islower()), None)
            one_case = line.isupper() or line.islower()
            return _fuller_name(written if one_case and written is not None else _name_case(line), text)
    return None


def _initials(name: str, skip: frozenset[str] = frozenset({"of", "and", "the"})) -> str:
    """The first letters of a name's words, lower-cased, its connectors left out ("uha" of "University Health Alliance")."""
    return "".join(w[0] for w in re.findall(r"[A-Za-z][\w'\u2019-]*", name) if w.lower() not in skip).lower()


def _initials_of(letters: str, name: str) -> bool:
    """Are the letters the initials of the name's words ("MHS" of "Managed Health Services"; "of", "and" left out)?"""
    spelled = _initials(name, frozenset({"of", "and", "the", "for"}))
    return len(spelled) >= 2 and spelled == letters.lower()


# words that open a sentence or a phrase before a plan's name, no part of it ("Contact Community Health Plan")
_BEFORE_A_NAME = frozenset("the this that our your a an by of and for with to at from all each any in on or as is are "
                           "contact call members member enrollees providers please if when".split())


def _fuller_name(name: str, text: str) -> str:
    """A top line's name that opens with a word of many plans' names ("Community Health Plan", under a logo's lowercase
    "trillium") is the fuller name the body writes it in, a capitalised word before it at least twice ("Trillium
    Community Health Plan")."""
    first = name.split()[0].lower() if name.split() else ""
    if first not in lexicon.words("documents", "not_plan_first") | lexicon.words("payers", "shared_first_word"):
        return name
    words = r"\s+".join(re.escape(w) for w in name.split())
    before: dict[str, int] = {}
    for m in re.finditer(rf"(?<![A-Za-z'&.-])([A-Z][A-Za-z'&-]{{2,}})\s+{words}(?![A-Za-z])", text):
        if m.group(1).lower() not in _BEFORE_A_NAME:
            before[m.group(1)] = before.get(m.group(1), 0) + 1
    word = max(before, key=lambda w: before[w], default=None)
    return f"{word} {name}" if word is not None and before[word] >= 2 else name


_SECTION_NUMBERED = re.compile(r"^(?:(?:\d{1,3}|[IVX]{1,5}|[A-Z])[.)]\s|\d{1,3}\s+[A-Z])")  # ("14 Durable Medical Equipment")
_ACRONYM_LEAD = re.compile(r"^([A-Z]{3,6})\b(?!\.)")


def _without_document_kind(name: str) -> str:
    """ "Blue Cross Blue Shield of Minnesota Medical Policy" -> "Blue Cross Blue Shield of Minnesota": the kind of document
    that follows a payer's name is no part of it."""
    kind = lexicon.pattern("documents", "document_kind").search(name)
    if kind is None or kind.start() == 0:
        return name
    return name[:kind.start()].strip(" -|,:\u2013")


def _name_case(name: str) -> str:
    """ "SANFORD HEALTH PLAN" reads as "Sanford Health Plan", as the same plan's other documents write it."""
    if not name.isupper():
        return name
    small = {"of", "and", "the", "for"}
    # initials keep their capitals ("L.A. CARE HEALTH PLAN" -> "L.A. Care Health Plan")
    return " ".join(w.lower() if w.lower() in small and i else w if "." in w else w.capitalize()
                    for i, w in enumerate(name.split()))


def file_name_payer(source: str | Path) -> str:
    """The last resort: the first word of the file name ("acme-mp-7.txt" -> "Acme")."""
    return Path(source).stem.split("-")[0].split("_")[0].capitalize() or "Unknown payer"


# ---------------------------------------------------------------- title and id


def _title_from_markdown(text: str) -> str | None:
    match = re.search(r"^#\s+(.+?)\s*$", text[:HEADER_SCAN_CHARS], re.MULTILINE)
    return match.group(1).strip() if match else None


def _generic(part: str) -> bool:
    """A title-block part that names the payer or the kind of document, not the service."""
    pattern, _ = _payer_pattern()
    return bool(pattern.search(part)) or bool(lexicon.pattern("documents", "document_kind").search(part)) \
        or _looks_like_payer(part)


def _looks_like_payer(line: str) -> bool:
    """ "Prairie Health Plan", "Arkansas Blue Cross and Blue Shield": a short name built of payer words, from no table."""
    line = re.sub(r"\s*\([^()]{1,20}\)\s*$", "", line.strip())  # "BLUE CROSS BLUE SHIELD OF ARIZONA (AZ BLUE)"
    camel = re.sub(r"([a-z])([A-Z])", r"\1 \2", line)  # "KelseyCare Advantage", "VillageCareMAX": payer words too
    return (len(line.split()) <= 8 and bool(lexicon.pattern("documents", "payer_words").search(camel))
            and not lexicon.pattern("documents", "not_payer").search(line)
            and bool(re.fullmatch(r"(?:[A-Z][\w&.'-]*|of|and|the|&)(?:\s+(?:[A-Z][\w&.'-]*|of|and|the|&))*", line)))


def _title_from_hint(hint: str | None) -> str | None:
    """ "Prolotherapy - Medical Clinical Policy Bulletins | Aetna" -> "Prolotherapy"; "LCD - Glucose Monitors (L33822)"
    -> "Glucose Monitors"; "1.01.20 Continuous Glucose Monitoring Devices | Medical Policy | Premera" -> the middle."""
    if not hint:
        return None
    parts = [part.strip() for part in _TITLE_PARTS.split(hint) if part.strip()]
    if len(parts) >= 3 and _generic(parts[-1]) and _generic(parts[-2]):
        # "Home Health Services | Medical Policies | KelseyCare Advantage": a page's title, its section and its site
        # (a service named in payer words, "Home Health Services", is still the title)
        for part in parts[:-2]:
            part = _strip_title_ids(part)
            if len(part) >= 3 and not lexicon.pattern("documents", "document_kind").search(part):
                return part
    for part in parts:
        # "Oscar Clinical Guideline: Pain Management: Epidural ...": the payer's and the document kind's parts go
        part = ": ".join(piece for piece in part.split(": ") if not _generic(piece))
        part = _strip_title_ids(part)
        if not re.search(r"[a-z]", part) and (re.search(r"\d", part) or len(part.split()) == 1 and len(part) <= 6):
            continue  # "CPG 108", "HTA-UM-CP-07", "TMS": a number or a short form, the title is written out below
        if len(part) >= 3 and not _generic(part):
            return part
    return None


def _strip_title_ids(title: str) -> str:
    """ "Facet Joint Radiofrequency Neurotomy (KP-0477)" -> without the id; "1.01.20 Continuous ..." likewise; a manual's
    locator in front ("TPM Chapter 7 Section 20.1 Hyperbaric Oxygen") goes too."""
    title = re.sub(r"\s*\([^()]*\d[^()]*\)\s*$", "", title)  # "(L33822)", "(CG048, Ver. 10)"
    title = _LOCATOR.sub("", title)
    # "1.01.20 ...", "MC_14K ...", "CG048 ..."; not a name with a digit ("BRCA1 and BRCA2 Genetic Testing", "COVID-19")
    lead = re.match(r"^([A-Z]{0,5}[-_]?\d[\w.\-]*)\s+", title)
    if lead is not None and (lead.group(1)[0].isdigit() or re.search(r"[._]", lead.group(1))
                             or len(re.findall(r"\d", lead.group(1))) >= 3):
        return title[lead.end():].strip()
    return title.strip()


# "TPM Chapter 7 Section 18.9", "Chapter 7, Section 20.1:": where a manual files a policy, not what it is about
_LOCATOR = re.compile(r"^(?:[A-Z]{2,5}\s+)?(?:chapter|section|part|article)\s+[\w.]*\d[\w.]*"
                      r"(?:,?\s+(?:chapter|section|part|article)\s+[\w.]*\d[\w.]*)*\s*[:.\-\u2013]?\s*", re.I)
# "705 Mount Auburn Street", "Watertown, MA 02472", "Tel: 617.972.9400": a payer's address block, never a title
_ADDRESS = re.compile(r"\b[A-Z]{2},?\s+\d{5}(?:-\d{4})?\b|^\d+\s+(?:[A-Z][a-z]+\s+){1,4}(?:Street|St\.?|Avenue|Ave\.?|"
                      r"Road|Rd\.?|Boulevard|Blvd\.?|Drive|Dr\.?|Way|Lane|Place|Parkway|Pkwy\.?|Plaza|Court|Suite)\b|^www\.|"
                      r"^(?:p\.?\s?o\.?\s)?box\s+\d", re.I)


# "1-888-404-3549", "(808) 532-4000", "1-888-JAI-1999": a telephone number, never part of a title
_PHONE = re.compile(r"(?<![\w-])(?:1[-. ])?\(?\d{3}\)?[-. ]\s?(?:\d{3}|[A-Z]{3})[-. ](?:\d{4}|[A-Z\d]{4})(?![\w-])")


# Words no title ends on: a title field whose value ends on one goes on at the next line.
_TITLE_GOES_ON = frozenset("for of and or the with in to a an by on after including".split())


def _unwrapped_title(text: str, field: HeaderField) -> str:
    """ "Policy/Procedure Title: Ultraviolet Phototherapy for Psoriasis and Other" | "Skin Conditions [X] External
    Policy": a title field cut by its table cell's line end goes on at the start of the next line, when the document
    writes the whole title elsewhere (its running header "MCUP3162 - Ultraviolet Phototherapy for Psoriasis and Other
    Skin Conditions")."""
    value = field.value.strip()
    line_end = text.find("\n", text.find(value, field.start) + len(value)) if value else -1
    if not value or line_end < 0 or text[text.find(value, field.start) + len(value):line_end].strip():
        return value
    if value.split()[-1].lower() in _TITLE_GOES_ON:
        # "Intra-articular Hyaluronic Acid (Viscosupplementation) for" | "Osteoarthritis of the Knee": no title ends on
        # "for"; the cell's next line, when it holds no label of its own, is the rest of it
        rest = re.match(r"[ \t]*([^\n:]{2,80})\n", text[line_end + 1:])
        if rest is not None and not _labels()[2].search(rest.group(1)):
            return f"{value} {' '.join(rest.group(1).split())}"
    following = re.match(r"[ \t]*((?:[A-Z][\w'-]*[ \t]+){0,3}[A-Z][\w'-]*)", text[line_end + 1:])
    if following is None:
        return value
    words = following.group(1).split()
    for k in range(len(words), 0, -1):
        candidate = f"{value} {' '.join(words[:k])}"
        if re.search(rf"{re.escape(candidate)}(?![\w-])", text):
            return candidate
    return value


_UNKNOWN_LABEL = re.compile(r"[A-Z][A-Za-z /&]{0,40}\b(?:number|no\.|id|date|area|program|chapter|section|topic|codes?)"
                            r"[ \t]*(?::|[ \t]+[A-Z0-9#])", re.I)


def _title_from_text(text: str, payer: str = "") -> str | None:
    """The first short Title Case line of the opening lines that is not the payer, the kind of document or a label."""
    from .headings import section_kind, title_case

    owner = lexicon.pattern("documents", "not_payer_owner")
    furniture = lexicon.pattern("documents", "page_furniture")
    for n, line in enumerate(text[:1200].splitlines()):
        line = line.strip().strip("#*_> ").strip()
        if n > 25:
            break
        if _labels()[2].match(line):
            continue  # "Policy Number  MP-146", "Effective Date: ...": a header field, never the title
        if re.match(r"^\d{1,3}\.\s+[A-Z][A-Z &/,\-]+$", line):
            continue  # "12. BEHAVIORAL HEALTH SERVICES": the manual's chapter, above the policy's own title
        line = re.sub(r"^[A-Z][.)]\s+(?=[A-Z][a-z])", "", line)  # "F. Transcranial Magnetic Stimulation (TMS)"
        # "MP.061.MFC - Sleep Studies: Home Sleep Apnea Testing, ...": a policy number in front of the title
        line = re.sub(r"^(?=[A-Z0-9.\-_]*\d)[A-Z][A-Z0-9]*(?:[.\-_][A-Z0-9]+)+\s+[-\u2013\u2014|:]\s+(?=[A-Z])", "", line)
        if ":" in line:
            # "Clinical Policy: Massage Therapy", "Medical Necessity Criteria: Reduction Mammoplasty | CWQI HCS-0058A";
            # "Sleep Testing: Polysomnography and Home Sleep Apnea Testing" is a title with its subtitle
            kind, _, rest = _TITLE_PARTS.split(line)[0].partition(":")
            if set(re.findall(r"[a-z]+", kind.lower())) & lexicon.words("payers", "line_of_business") \
                    and not lexicon.pattern("documents", "document_kind").search(kind):
                # "Indiana Medicaid: Hoosier Healthwise | Healthy Indiana Plan (HIP)": the plan's products, no title
                continue
            if kind.strip() and _generic(kind):
                line = rest.strip()
            elif title_case(kind.strip()) and title_case(rest.strip()) and 2 <= len(kind.split()) <= 6:
                line = f"{kind.strip()}: {rest.strip()}"
            else:
                line = ""
        if _PHONE.search(line) or re.search(r"[a-z]{2}[.!]$", line):
            continue  # "Need Assistance? Call 1-888-404-3549", "Better Health, Better Life.": a banner or a slogan
        if _UNKNOWN_LABEL.match(line) or _DATE.search(line[-12:]) or len(re.findall(r"\s[/\u203a]\s", line)) >= 2 \
                or re.search(r"\s(?:is|are|was|were|has|have|will|must)\s", line) \
                or len(line.split()) <= 2 and section_kind(line.rstrip(":")) != "other":
            # "Guideline or Policy Number: Evolent_CG_063", "Review Date 05/2024", "Providers / Medical Policies / ...",
            # "Purpose": a field the table does not know, a date, a site's trail or a section heading
            continue
        if not line or line.count(":") > 1 or (":" in line and not title_case(line.split(":")[0])) or len(line) > 150 or not re.search(r"[A-Za-z]{3}", line) or _ADDRESS.search(line):
            continue
        words = line.split()
        if len(words) > 16 or re.fullmatch(r"[\d.\-\s|/]+", line) or "|" in line or "...." in line:
            continue
        if len(re.findall(r"\S[ \t]{3,}(?=\S)", line)) >= 2 or line.count(" > ") >= 2:
            continue  # "Find a Doctor    Member Log In    Call Member Services": a site's menu; "Home > Members > ...": its trail
        if _generic(line) and _TITLE_PARTS.search(line):
            # "LCD - Facet Joint Interventions for Pain Management (L38773)": the kind of document, then the title
            parts = [_strip_title_ids(part) for part in _TITLE_PARTS.split(line)]
            line = next((part for part in parts if len(part) >= 3 and not _generic(part)), line)
        if _generic(line) or not (title_case(line) or line.isupper()):
            continue
        if owner.search(line) or furniture.search(line) \
                or (payer and (payer.lower().startswith(line.lower() + " ") or payer.lower() == line.lower())):
            continue  # "MERIDIAN" above "Meridian Health Plan of Michigan"'s policy (the name's start); "... Association"
        line = _strip_title_ids(line)
        return line.title() if line.isupper() else line
    return None


def _title_after_id(text: str, fields: tuple[HeaderField, ...]) -> str | None:
    """ "Policy: MP.083  Sleep Testing: Home Sleep Apnea Testing": the title that follows the id on its line."""
    from .headings import title_case

    found = next((f for f in fields if f.name == "policy_id"), None)
    if found is None:
        return None
    line_end = text.find("\n", found.end)
    rest = text[found.end:line_end if line_end >= 0 else len(text)].strip(" \t|-\u2013:")
    if len(rest.split()) < 2 or ":" in rest.split()[0] or _labels()[2].search(rest) \
            or re.search(r"\d{1,2}/\d{1,2}/\d{2,4}|\b(?:19|20)\d{2}\b", rest):
        return None  # (not "|  Effective 07/01/2025", the next field of a running header)
    from .headings import section_kind

    if section_kind(rest) != "other":
        return None  # "Reference Number: CP.MP.62        Coding Implications": a side column's link to a section
    return rest if title_case(rest) else None


def _title_from_filename(path: Path, policy_id: object) -> str:
    stem = path.stem
    if isinstance(policy_id, str) and policy_id in stem:
        stem = stem.split(policy_id, 1)[1]
    words = [w for w in re.split(r"[-_\s]+", stem) if w and not re.fullmatch(r"[\d.]+", w)]
    generic = {"medical", "policy", "mp"}
    while words and words[0].lower() in generic:
        words = words[1:]
    return " ".join(words).capitalize() or path.stem


def _id_from_filename(text: str, path: Path) -> str | None:
    """A token of the file name holding a digit that the document itself writes ("L33822"), as the document writes it."""
    tokens = re.split(r"[-_\s]+", path.stem)
    # a number with its letter prefixes, as the document writes them: "cwqi-hcs-0058a" is "CWQI HCS-0058A"
    for n in (3, 2):
        for i in range(len(tokens) - n + 1):
            group = tokens[i:i + n]
            if not re.search(r"\d", group[-1]) or not all(re.fullmatch(r"[a-z]{2,5}", t, re.I) for t in group[:-1]):
                continue
            body = r"[ \t-]+".join(re.escape(t) for t in group)
            # an acronym-prefixed number the file name spells is the id wherever the document writes it
            for match in re.finditer(rf"(?<![A-Za-z0-9-]){body}(?![A-Za-z0-9])", text, re.I):
                if match.group(0)[:len(group[0])].isupper():
                    return match.group(0)
    # joined neighbours first, so "kp-0477" is found as "KP-0477" rather than "0477"
    candidates = [f"{a}-{b}" for a, b in zip(tokens, tokens[1:], strict=False)] + tokens
    for token in candidates:
        if len(token) >= 3 and re.search(r"\d", token):
            match = re.search(rf"(?<![A-Za-z0-9-]){re.escape(token)}(?![A-Za-z0-9])", text[:HEADER_SCAN_CHARS], re.I)
            if match:
                # a manual's section number keeps its locator: "Chapter 7, Section 18.9"
                locator = re.search(r"(?:chapter[ \t]+\w+,?[ \t]+)?(?:section|article)[ \t]+$", text[max(0, match.start() - 40):match.start()], re.I)
                return (locator.group(0) if locator else "") + match.group(0)
    return None


_ACRONYM = re.compile(r"((?:[A-Za-z][A-Za-z\-]*[ \t]+){1,6}?[A-Za-z][A-Za-z\-]*)[ \t]*\(([A-Z][A-Za-z]{1,6})\)")


def acronyms(text: str, title: str) -> tuple[str, ...]:
    """The service's own abbreviation, as the policy defines it: "transcranial magnetic stimulation (TMS)" in a TMS
    policy, "hyperbaric oxygen therapy (HBOT)". Only a long form that repeats two of the title's words (or its one word)
    counts, so "vagus nerve stimulation (VNS)" in a TMS policy is not taken for TMS."""
    title_words = {w.lower().rstrip("s") for w in re.findall(r"[A-Za-z]{3,}", title)}
    found: list[str] = []
    for match in _ACRONYM.finditer(text[:20000]):
        short = match.group(2)
        letters = [c for c in short if c.isupper()]
        words = match.group(1).split()
        long_words = words[-len(letters):] if len(letters) <= len(words) else []
        initials = [w[0].upper() for w in long_words]
        if not long_words or initials != letters:
            continue
        shared = {w.lower().rstrip("s") for w in long_words} & title_words
        # "Axial lumbar interbody fusion (AxiaLIF)" in a lumbar fusion policy names one technique, not the service: a
        # long form with two words the title lacks is a kind of the service
        outside = [w for w in long_words if not any(w.lower()[:5] == t[:5] for t in title_words)]
        if len(shared) >= min(2, len(title_words)) and len(outside) < 2 and short not in found:
            found.append(short)
    return tuple(found)


# "University Health Alliance (UHA Health Insurance)", "MedStar Family Choice (MFC)", "MCS Life Insurance Company
# ("MCS Life")": a name and another for it in brackets; "Sunshine State Health Plan d/b/a Sunshine Health"
_NAME = r"(?:[A-Z][\w&'.\u2019-]*[ \t]+(?:(?:of|and|&|the)[ \t]+)?){0,5}[A-Z][\w&'.\u2019-]*"
_NAME_WRAPPED = _NAME.replace("[ \\t]", "\\s")  # (in brackets a name may run onto the next line)
_NAMED_AS = re.compile(rf"({_NAME}),?[ \t]*(?:\(\s*[\"\u201c]?({_NAME_WRAPPED})[\"\u201d]?\s*\)|"
                       rf"[ \t]+(?:d/b/a|dba|doing business as)[ \t]+({_NAME}))")
# "TRICARE Operations Manual (TOM)", "Texas Medicaid Provider Procedures Manual (TMPPM)": a document's name, not a plan's
_NOT_A_PLAN = re.compile(r"\b(?:manual|handbook|guides?|guidelines?|polic(?:y|ies)|criteria|bulletins?|act|code|"
                         r"regulations?|determinations?|database)\b", re.I)
NAME_SCAN_CHARS = 4000  # a plan names itself in its title block, its "applies to" line and its footer


def payer_names(text: str, payer: str) -> tuple[str, ...]:
    """Other names a policy gives its own plan, where it pairs two of them: a long name and a short one in brackets or
    after "d/b/a", one of which is the plan's name (or begins with its own first word: "MCS Life" of "MCS Healthcare
    Holdings"), the other the same plan's ("UHA" is "University Health Alliance" by its initials)."""
    if not payer.split():
        return ()
    first = payer.split()[0].lower()
    own_first = len(first) >= 3 and first not in lexicon.words("payers", "shared_first_word")
    form = lexicon.words("payers", "name_form")
    lines = lexicon.words("payers", "line_of_business")

    def ours(name: str) -> bool:
        lowered = name.lower()
        return lowered == payer.lower() or lowered.startswith(payer.lower() + " ")

    def own_brand(name: str) -> bool:  # "MCS Life" of "MCS Healthcare Holdings"
        return own_first and len(name.split()) >= 2 and name.split()[0].lower() == first

    def a_name(name: str) -> bool:
        words = [w for w in re.findall(r"[a-z]+", name.lower()) if w not in form]
        return len(name) >= 3 and bool(words) and not all(w in lines for w in words) and name.lower() != payer.lower()

    found: list[str] = []
    scan = text if len(text) <= 2 * NAME_SCAN_CHARS else text[:NAME_SCAN_CHARS] + "\n" + text[-NAME_SCAN_CHARS:]
    kind = lexicon.pattern("documents", "document_kind")
    for match in _NAMED_AS.finditer(scan):
        long, short = match.group(1).strip(), " ".join((match.group(2) or match.group(3) or "").split())
        while long.split() and long.split()[0].lower() in {"the", "by", "of", "and"}:
            long = long.split(" ", 1)[1] if " " in long else ""
        if not long or not short or any(kind.search(x) or _NOT_A_PLAN.search(x) for x in (long, short)):
            continue  # "TRICARE Operations Manual (TOM)": a document, not the plan
        spelled = _initials(long) in {short.lower().replace(".", ""), short.split()[0].lower().replace(".", "")}
        pair = [long, short]
        if any(ours(name) for name in pair) and spelled or all(own_brand(name) or ours(name) for name in pair):
            found += [name for name in pair if a_name(name) and name not in found]
    found += [part for part in _parts_written_as_plan(scan, payer) if part not in found]
    return tuple(found)


_STATES_A_POSITION = r"(?:'s\b|\u2019s\b|\s+(?:considers?|covers?|will|may|does|do|is|requires?|reserves?|follows?))"


def _parts_written_as_plan(text: str, payer: str) -> list[str]:
    """A shorter part of the plan's name that its policy writes alone as the one that states positions: "Health
    Options considers ..." in a "Community Health Options" policy, "Blue Care Network's ..." in a "Blue Care Network of
    Michigan" one. Two words at least, none a joining word ("Blue Shield of Alabama" is another plan's name), not ending
    in a word every plan's name has ("Health Plan"), and not inside the full name."""
    words = payer.split()
    form = lexicon.words("payers", "name_form")
    joining = {"of", "and", "&", "the", "for", "de", "del"}
    found = []
    for i in range(len(words)):
        for j in range(i + 2, len(words) + 1):
            part = words[i:j]
            if j - i == len(words) or {w.lower() for w in part} & joining or part[-1].lower() in form:
                continue
            written = re.compile(r"(?<![\w&-])" + r"\s+".join(map(re.escape, part)) + _STATES_A_POSITION)
            for m in written.finditer(text):
                before = re.findall(r"[\w&-]+", text[max(0, m.start() - 40):m.start()])
                if not (i > 0 and before and before[-1].lower() == words[i - 1].lower()):
                    found.append(" ".join(part))
                    break
    return found


def _aliases(text: str) -> tuple[str, ...]:
    match = lexicon.pattern("documents", "also_called").search(text)
    if not match:
        return ()
    parts = re.split(r",\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+|\s+as well as\s+", match.group("list"))
    cleaned = []
    for part in parts:
        part = re.sub(r"^(?:as well as\s+)?(?:(?:a|an|the)\s+(?:therapy|procedure|treatment)\s+called\s+)?", "", part.strip(), flags=re.I)
        if 2 < len(part) < 60:
            cleaned.append(part)
    return tuple(cleaned)
