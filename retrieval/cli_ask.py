"""`policyqa ask`: one question or a JSONL batch, over the answer engine."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import PolicyQAError
from .models import AUDIENCES
from .settings import Settings

MAX_BATCH_LINE_CHARS = 200_000


def add_ask_parser(sub) -> None:
    ask = sub.add_parser("ask", help="answer one question, or a JSONL batch")
    ask.add_argument("question", nargs="?", help="the question (omit with --batch)")
    ask.add_argument("--batch", type=Path, help="JSONL file: one {id, question, history, audience} per line ('-' for stdin)")
    ask.add_argument("--audience", choices=AUDIENCES, default="rep")
    ask.add_argument("--history", action="append", default=[], help="an earlier user turn (repeatable, oldest first)")
    ask.add_argument("--index", type=Path)
    ask.add_argument("--corpus", type=Path, help="corpus folder; when given, the index is brought up to date first")
    ask.add_argument("--json", action="store_true", help="print the JSON answer")
    ask.set_defaults(handler=_ask)


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from .answer import AnswerEngine

    if (args.question is None) == (args.batch is None):
        raise PolicyQAError("give a question, or --batch FILE.jsonl (not both)")
    if args.corpus is not None:
        from .ingest import ingest

        report = ingest(settings, [args.corpus])
        if report.skipped:
            for source, reason in report.skipped:
                print(f"policyqa: skipped {source}: {reason}", file=sys.stderr)
    engine = AnswerEngine(settings)
    if args.batch is None:
        answer = engine.ask(args.question, history=args.history, audience=args.audience)
        if args.json:
            print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        else:
            print(answer.render_text())
        return 0
    return _batch(engine, args.batch, args.audience)


def _batch(engine, path: Path, default_audience: str) -> int:
    """One JSON answer per input line, in order. A bad line gets an error object; the batch goes on."""
    handle = sys.stdin if str(path) == "-" else None
    if handle is None:
        try:
            handle = path.open("r", encoding="utf-8", errors="replace")
        except OSError as exc:
            raise PolicyQAError(f"cannot read batch file {path}: {exc.strerror}") from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            out = _answer_line(engine, line, number, default_audience)
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    return 0


def _answer_line(engine, line: str, number: int, default_audience: str) -> dict:
    if len(line) > MAX_BATCH_LINE_CHARS:
        return _error(None, number, f"line is {len(line):,} characters; the limit is {MAX_BATCH_LINE_CHARS:,}")
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return _error(None, number, f"not valid JSON ({exc.msg} at column {exc.colno})")
    if not isinstance(item, dict):
        return _error(None, number, f"expected a JSON object, got {type(item).__name__}")
    item_id = item.get("id")
    question = item.get("question")
    history = item.get("history", [])
    audience = item.get("audience", default_audience)
    if not isinstance(question, str):
        return _error(item_id, number, "'question' is required and must be a string")
    if history is None:
        history = []
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        return _error(item_id, number, "'history' must be a list of strings (earlier user turns)")
    if audience not in AUDIENCES:
        return _error(item_id, number, f"'audience' must be one of {', '.join(AUDIENCES)}, got {audience!r}")
    try:
        answer = engine.ask(question, history=history, audience=audience, answer_id=item_id)
    except PolicyQAError as exc:
        return _error(item_id, number, str(exc))
    return answer.to_dict()


def _error(item_id, number: int, message: str) -> dict:
    return {"id": item_id, "line": number, "error": message}
