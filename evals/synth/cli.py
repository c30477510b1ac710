"""The corpus on disk (write, summary) and the `python -m evals.synth` command line."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from .generate import DEFAULT_SEED, Corpus, generate

GENERATOR_VERSION = "1"
DESCRIPTION = ("`python -m evals.synth`: a deterministic synthetic corpus of medical policies, with questions whose "
               "answers are known.")


def write(corpus: Corpus, out: Path) -> dict[str, Any]:
    """DIR/corpus/<policy files>, DIR/questions.jsonl and DIR/manifest.json; a previous synthetic corpus is replaced."""
    out = Path(out)
    manifest_path = out / "manifest.json"
    if out.exists() and any(out.iterdir()) and not manifest_path.exists():
        raise FileExistsError(f"{out} is not empty and holds no synthetic corpus (manifest.json); pick another --out")
    if (out / "corpus").exists():
        shutil.rmtree(out / "corpus")
    (out / "corpus").mkdir(parents=True)
    for policy in corpus.policies:
        (out / "corpus" / policy.filename).write_text(policy.text, encoding="utf-8", newline="\n")
    with (out / "questions.jsonl").open("w", encoding="utf-8", newline="\n") as handle:
        for item in corpus.questions:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    manifest = summary(corpus)
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def summary(corpus: Corpus) -> dict[str, Any]:
    def count(values) -> dict[str, int]:
        out: dict[str, int] = {}
        for v in values:
            out[v] = out.get(v, 0) + 1
        return dict(sorted(out.items()))

    return {
        "generator": GENERATOR_VERSION, "seed": corpus.seed, "policies": len(corpus.policies),
        "questions": len(corpus.questions),
        "payers": len({p.payer.name for p in corpus.policies}),
        "services": len({p.service.title for p in corpus.policies}),
        "kinds": count(p.kind for p in corpus.policies),
        "formats": count(p.fmt for p in corpus.policies),
        "styles": count(p.style for p in corpus.policies),
        "wrapped": sum(p.wrapped for p in corpus.policies),
        "prior_approval": count(p.prior_approval for p in corpus.policies),
        "question_categories": count(q["category"] for q in corpus.questions),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.synth", description=DESCRIPTION)
    parser.add_argument("--policies", type=int, default=100, help="how many policies (default 100)")
    parser.add_argument("--out", type=Path, required=True, help="folder for corpus/, questions.jsonl, manifest.json")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    try:
        corpus = generate(args.policies, args.seed)
        manifest = write(corpus, args.out)
    except (ValueError, FileExistsError) as exc:
        print(f"python -m evals.synth: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {manifest['policies']} policies ({manifest['payers']} payers, {manifest['services']} services) and "
          f"{manifest['questions']} questions to {args.out}")
    return 0
