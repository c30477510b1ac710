"""How well the index reads each document's header facts, against a split's documents.jsonl (its writers' record of
what each document says): the payer and the policy number.

The payer counts as read when a question that names the plan the way its own document does ("Does Blue Cross and
Blue Shield of Montana cover ...") reaches that document's payer, and the name read keeps a word of the plan's own name that few plans' names share
("Trillium" of "Trillium Community Health Plan": a name read as "Community Health Plan" is reached by that question but
by no member who says "Trillium"). That is what matters to a user: a payer read as the file name ("Bcbsmt") or as a
program ("Medicaid") makes the plan's own questions answer "not loaded"."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from retrieval import lexicon
from retrieval.answer.payers import PayerNames


def _norm(value: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(value or "").lower())


def document_figures(index: Any, truth: Path) -> dict[str, Any]:
    """{"documents": n, "payer": right, "policy_id": right} over the documents of `truth` that the index holds
    (matched by file name). Counts only: which test documents are misread is left out, so that no one tunes on them."""
    rows = [json.loads(line) for line in truth.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_file = {Path(record.source).name: record for record in index.policies.values()}
    names = PayerNames((record.meta.payer for record in index.policies.values()), getattr(index, "payer_variants", None))
    counts = {"documents": 0, "payer": 0, "policy_id": 0}
    for row in rows:
        record = by_file.get(row["file"])
        if record is None:
            continue
        counts["documents"] += 1
        found, _ = names.find(f"does {row['payer'].lower()} cover it?")
        payer_ok = record.meta.payer in found and _keeps_the_plans_own_word(record.meta.payer, row["payer"])
        id_ok = _norm(record.meta.policy_id) == _norm(row.get("policy_id"))
        counts["payer"] += payer_ok
        counts["policy_id"] += id_ok
    return counts


def _keeps_the_plans_own_word(read: str, written: str) -> bool:
    """Does the name read keep the first word of the plan's name that names it and not many plans ("trillium"; never
    "community", "health" or "plan")? A name of only shared words (a program, "Medicare") needs none."""
    shared = (lexicon.words("payers", "shared_first_word") | lexicon.words("documents", "not_plan_first")
              | lexicon.words("documents", "generic_name_words") | lexicon.words("payers", "name_form")
              | {"of", "and", "the", "plan", "plans", "healthplan", "insurance", "company", "inc", "llc"})
    read_words = re.findall(r"[a-z0-9]+", read.lower())
    # ("Coordinated Care Corporation Indiana, Inc. d/b/a Managed Health Services": either name is the plan's own)
    for name in re.split(r"\b(?:d/b/a|dba|doing business as)\b", written, flags=re.I):
        own = [w for w in re.findall(r"[a-z0-9]+", name.lower()) if w not in shared | {"cross", "shield"}]
        # (its first such word: "Passport" of "Passport Health Plan by Molina Healthcare", not the parent's "Molina")
        if not own or own[0] in read_words:
            return True
    return False


def format_line(suite: str, figures: dict[str, Any]) -> str:
    n = figures["documents"]
    return f"{suite} documents ({n}): payer read {figures['payer']}/{n}, policy number {figures['policy_id']}/{n}"
