"""`python -m evals`: the same command as `policyqa eval`, plus `--index` for the eval's own index folder."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from retrieval.cli_ask import add_eval_parser
from retrieval.errors import IndexBusyError, IndexCorruptError, IndexMissingError, PolicyQAError
from retrieval.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals")
    sub = parser.add_subparsers(dest="command")
    add_eval_parser(sub)  # one definition of the options, shared with `policyqa eval`
    ev = sub.choices["eval"]
    ev.prog = "python -m evals"
    with contextlib.suppress(argparse.ArgumentError):  # unless `policyqa eval` grew its own --index
        ev.add_argument("--index", type=Path, help="eval index folder (default .index-eval/ or $POLICYQA_EVAL_INDEX)")
    args = parser.parse_args(["eval", *(sys.argv[1:] if argv is None else argv)])
    try:
        from .runner import run_eval

        return run_eval(
            Settings.from_env(), gold=args.gold, corpus=args.corpus, out=args.out, baseline=not args.no_baseline,
            gate=args.gate, index=args.index,
        )
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
