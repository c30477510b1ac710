"""The `policyqa` command line: a thin layer over the library (ingest, search, stats, ask, eval)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import IndexBusyError, IndexCorruptError, IndexMissingError, IndexUnavailableError, PolicyQAError
from .settings import Settings

EXIT_SKIPPED = 1
EXIT_USAGE = 2
EXIT_INDEX = 3


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        settings = Settings.from_env(corpus=getattr(args, "corpus", None), index=getattr(args, "index", None))
        return args.handler(args, settings)
    except (IndexMissingError, IndexCorruptError, IndexBusyError, IndexUnavailableError) as exc:
        print(f"policyqa: {exc}", file=sys.stderr)
        return EXIT_INDEX
    except PolicyQAError as exc:
        print(f"policyqa: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("policyqa: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policyqa", description="Answers questions about medical policies, with verbatim quotes.")
    sub = parser.add_subparsers(dest="command")

    ingest = sub.add_parser("ingest", help="build or update the index from a folder of policies")
    ingest.add_argument("--corpus", type=Path, action="append", help="policy folder (default corpus/ or $POLICYQA_CORPUS); repeatable")
    ingest.add_argument("--index", type=Path, help="index folder (default .index/ or $POLICYQA_INDEX)")
    ingest.add_argument("--rebuild", action="store_true", help="re-embed everything, ignoring the served index")
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")
    ingest.set_defaults(handler=_ingest)

    search = sub.add_parser("search", help="show the top passages for a text (debugging)")
    search.add_argument("text")
    search.add_argument("--k", type=int, default=5)
    search.add_argument("--index", type=Path)
    search.add_argument("--json", action="store_true")
    search.set_defaults(handler=_search)

    stats = sub.add_parser("stats", help="what the index holds")
    stats.add_argument("--index", type=Path)
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=_stats)

    from .cli_ask import add_ask_parser  # the answer command lives beside the engine

    add_ask_parser(sub)
    from .cli_serve import add_serve_parser  # the HTTP API over the same index

    add_serve_parser(sub)
    # the eval and the benchmark belong to the evals package (`python -m evals`, `python -m evals bench`): the
    # product imports nothing from its own test harness
    return parser


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from .ingest import ingest

    roots = args.corpus or [settings.corpus]
    bars: dict[str, object] = {}

    def progress(stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        if args.quiet:
            return
        bar = bars.get(stage)
        if bar is None:
            for other in bars.values():
                other.close()  # type: ignore[attr-defined]  # one bar at a time: reading, then embedding
            label = {"load": "reading policies", "embed": "embedding", "write": "writing the index"}.get(stage, stage)
            # no rate: the bar jumps in steps of hundreds of texts, so tqdm's items/s would be nonsense
            bar = bars[stage] = tqdm(total=total, desc=label, unit="item", file=sys.stderr, leave=False,
                                     bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}]")
        bar.n = done  # type: ignore[attr-defined]
        bar.refresh()  # type: ignore[attr-defined]

    report = ingest(settings, roots, rebuild=args.rebuild, progress=progress)
    for bar in bars.values():
        bar.close()  # type: ignore[attr-defined]
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(report.summary())
        if report.embedded and not args.quiet:
            print(report.timing(), file=sys.stderr)
    return EXIT_SKIPPED if report.skipped else 0


def _search(args: argparse.Namespace, settings: Settings) -> int:
    from .search import LoadedIndex

    if args.k < 1 or args.k > 100:
        raise PolicyQAError(f"--k must be between 1 and 100, got {args.k}")
    loaded = LoadedIndex(settings)
    passages = loaded.search(args.text, k=args.k)
    rows = []
    for p in passages:
        policy = loaded.policies[p.chunk.doc_key]
        rows.append({
            "policy_id": policy.meta.policy_id, "title": policy.meta.title, "payer": policy.meta.payer,
            "section": p.chunk.section, "source": policy.source, "start": p.chunk.start, "end": p.chunk.end,
            "score": round(p.score, 5), "dense": round(p.dense, 4), "lexical": round(p.lexical, 3),
            "text": p.chunk.text,
        })
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    if not rows:
        print("no passages found")
    for n, row in enumerate(rows, 1):
        print(f"{n}. {row['payer']} {row['policy_id']} {row['title']} — {row['section']} "
              f"[{row['start']}:{row['end']}] score {row['score']}")
        print("   " + " ".join(row["text"].split())[:400])
    return 0


def _stats(args: argparse.Namespace, settings: Settings) -> int:
    from . import index as idx

    generation = idx.require_generation(settings)
    docs = generation.manifest.get("documents", {})
    # the manifest says what was written; the store must still hold it (a damaged Chroma file would not)
    damaged = idx.missing_records(idx.backend(settings), generation)
    if damaged:
        detail = ", ".join(f"{name}: {got} held, {want} expected" for name, (got, want) in damaged.items())
        raise IndexCorruptError(f"the index at {idx.backend(settings).location} ({generation.name}) is damaged ({detail}); "
                                f"rebuild it with: policyqa ingest --rebuild")
    summary = {
        "index": idx.backend(settings).location, "generation": generation.name, "embedder": generation.manifest.get("embedder"),
        "documents": len(docs), "chunks": sum(d["chunks"] for d in docs.values()),
        "units_embedded": sum(d.get("units", 0) for d in docs.values()),
        "policies": [
            {k: d.get(k) for k in ("payer", "policy_id", "title", "reviewed", "source", "chunks")}
            for d in sorted(docs.values(), key=lambda d: (d["payer"], d["policy_id"]))
        ],
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print(f"index {summary['index']} ({summary['generation']}), embedder {summary['embedder']}")
    print(f"{summary['documents']} documents, {summary['chunks']} chunks, {summary['units_embedded']} embedded sentences")
    for p in summary["policies"]:
        print(f"  {p['payer']:<24} {p['policy_id']:<16} {p['title']:<40} reviewed {p['reviewed'] or '—'}  ({p['chunks']} chunks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
