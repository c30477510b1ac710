"""`python -m evals`: the gold-set eval beside the naive baseline; `python -m evals bench ...`: the benchmark."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from retrieval.errors import IndexBusyError, IndexCorruptError, IndexMissingError, PolicyQAError
from retrieval.settings import Settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evals", description="run the gold set against our engine and the naive baseline "
                                     "(`python -m evals bench --help` for the benchmark, `python -m evals headers` for the header bank)")
    parser.add_argument("--suite", action="append", choices=["gold", "wild-dev", "wild-test", "spanish", "spanish-heldout"],
                        help="question set to run (repeatable; default: all five)")
    parser.add_argument("--gold", type=Path, default=None, help="a gold JSONL of your own (with --corpus; instead of the suites)")
    parser.add_argument("--corpus", type=Path, default=None, help="the corpus for --gold")
    parser.add_argument("--out", type=Path, default=None, help="report folder (default evals/reports)")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--gate", action="store_true", help="exit 1 when a figure is below its floor")
    parser.add_argument("--index", type=Path, help="eval index folder (default .index-eval/ or $POLICYQA_EVAL_INDEX)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:
        from .bench import main as bench

        return bench(argv[1:])
    if argv[:1] == ["headers"]:
        from .headers import main as headers

        return headers(argv[1:])
    if argv[:1] == ["eval"]:  # `python -m evals eval ...` reads as well as `python -m evals ...`
        argv = argv[1:]
    args = _parser().parse_args(argv)
    if (args.gold is None) != (args.corpus is None):
        print("python -m evals: --gold and --corpus go together", file=sys.stderr)
        return 2
    try:
        from .runner import DEFAULT_SUITES, run_eval, run_suites

        if args.gold is not None:
            return run_eval(Settings.from_env(), gold=args.gold, corpus=args.corpus, out=args.out,
                            baseline=not args.no_baseline, gate=args.gate, index=args.index, home_payer=None)
        return run_suites(Settings.from_env(), args.suite or list(DEFAULT_SUITES), out=args.out, baseline=not args.no_baseline,
                          gate=args.gate, index=args.index)
    except (IndexMissingError, IndexCorruptError, IndexBusyError) as exc:
        print(f"python -m evals: {exc}", file=sys.stderr)
        return 3
    except PolicyQAError as exc:
        print(f"python -m evals: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("python -m evals: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
