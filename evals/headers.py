"""`python -m evals headers`: how well the product reads the header facts of policy openings it has never seen.

The bank (`evals/wild/metadata/{dev,test}/`) holds the openings of 50 medical policies from 50 plans, each in its plan's
own published shape (text exports, web pages, PDFs with running headers), written by a helper that never saw how the
product reads them, and split by plan at random: dev (30 plans, tuned on) and test (20 plans, never tuned on). Each
split's `headers.jsonl` records what the document itself says: the plan's name, the ways members and reps say it, the
title, the policy number and the effective date.

A document's facts count as read when
- payer: a question that names the plan the way its own document does reaches the payer read, and that payer keeps
  the plan's own word (the rule of `evals/documents.py`);
- said: a question that names the plan the way people say it (`payer_said`) reaches it (counted per form);
- title: the title read is the labelled title, case, punctuation and a leading "Clinical Policy:"-style kind aside,
  or holds it whole;
- policy number and effective date: the same characters, case and punctuation aside.

For the test split only the counts are printed, so that no one tunes on which documents are misread."""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retrieval import lexicon
from retrieval.answer.payers import PayerNames
from retrieval.loaders import load_text
from retrieval.metadata import dated_fields, plan_names, read_meta

from .documents import _keeps_the_plans_own_word

BANK = Path(__file__).parent / "wild" / "metadata"
FIELDS = ("payer", "said", "title", "policy_id", "effective")


def _norm(value: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(value or "").lower())


def _title_ok(read: str, written: str) -> bool:
    """The title read is the written one, or holds it whole ("Clinical Policy: X" for "X", and the other way round)."""
    kind = lexicon.pattern("documents", "document_kind")
    a, b = _norm(read), _norm(written)
    if not a or not b:
        return False
    if a == b or b in a and len(b) >= 0.5 * len(a):
        return True
    # "Clinical Policy: Wearable Cardioverter-Defibrillators" written, "Wearable Cardioverter-Defibrillators" read
    bare = _norm(kind.sub("", written.split(":", 1)[1] if ":" in written else written))
    return bool(bare) and a == bare


@dataclass
class SplitResult:
    split: str
    documents: int = 0
    right: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [f"{name} {self.right.get(name, 0)}/{self.totals.get(name, 0)}" for name in FIELDS]
        return f"headers {self.split} ({self.documents} documents): " + ", ".join(parts)


def read_split(split: str, bank: Path = BANK) -> SplitResult:
    folder = bank / split
    rows = [json.loads(line) for line in (folder / "headers.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    result = SplitResult(split)
    metas = {}
    for row in rows:
        path = folder / row["file"]
        loaded = load_text(path)
        meta, _ = read_meta(loaded.text, path, title_hint=loaded.title_hint)
        metas[row["file"]] = (meta, loaded.text)
    # the names each plan goes by, as the index works them out (retrieval/search.py)
    families, variants = plan_names((meta.payer, text) for meta, text in metas.values())
    names = PayerNames([families.get(meta.payer, meta.payer) for meta, _ in metas.values()], variants)

    def count(name: str, ok: bool, row: dict[str, Any], read: Any) -> None:
        result.totals[name] = result.totals.get(name, 0) + 1
        result.right[name] = result.right.get(name, 0) + int(ok)
        if not ok:
            result.misses.append(f"{row['file']}: {name} read {read!r}, written {row.get(name, row.get('payer_said'))!r}")

    for row in rows:
        meta, text = metas[row["file"]]
        payer = families.get(meta.payer, meta.payer)
        result.documents += 1
        found, _ = names.find(f"does {row['payer'].lower()} cover it?")
        count("payer", payer in found and _keeps_the_plans_own_word(payer, row["payer"]), row, payer)
        for said in row.get("payer_said") or []:
            found, _ = names.find(f"does {said.lower()} cover it?", f"Does {said} cover it?")
            if not found:
                short = names.by_initials(said, said.lower()) or names.by_clipped_words(said.lower()) \
                    or names.by_loose_words(said.lower())
                found = (short[0],) if short is not None else ()
            count("said", payer in found, row | {"said": said}, found)
        count("title", _title_ok(meta.title, row["title"]), row, meta.title)
        if row.get("policy_id"):
            count("policy_id", _norm(meta.policy_id) == _norm(row["policy_id"]), row, meta.policy_id)
        if row.get("effective"):
            # the date of the version in force, as a "when did it take effect?" question reads it (the metadata's own
            # effective date is the original one where a document gives both)
            dated = {f.name: f.value for f in dated_fields(text)}
            effective = dated.get("effective") or meta.effective
            # (a date written with lead words, "For services performed on or after 12/01/2023", is read as the date)
            count("effective", bool(_norm(effective)) and _norm(effective) in _norm(row["effective"]), row, effective)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals headers",
                                     description="how well policy openings' header facts are read (evals/wild/metadata)")
    parser.add_argument("--split", action="append", choices=["dev", "test"], help="default: both")
    parser.add_argument("--show", action="store_true", help="list the dev split's misses (never the test split's)")
    args = parser.parse_args(argv)
    for split in args.split or ["dev", "test"]:
        result = read_split(split)
        print(result.line())
        if args.show and split == "dev":
            for miss in result.misses:
                print("  " + miss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
