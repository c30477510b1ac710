"""Load, measured: many askers share one AnswerEngine (as the app's sessions do) and no answer leaks between them.

`python -m evals.load --askers 20 --seconds 60` builds an index of evals/corpus (or uses `--index`), then runs N
threads over ONE engine for the given time, each asking the gold questions in its own order with its own canary
token in the conversation history ("my reference is CANARY-07-…"), in the answer id and, unless --repeat-questions,
at the end of the question ("… (ref CANARY-07-…-12)"): every question text is then new, so the embedder's query
cache never answers for the model, as with real traffic that words things its own way. It reports answers, errors,
latency p50/p95/p99 and answers per second, beside one asker alone for comparison, and checks that no answer carries
another asker's canary and that a sample of the answers is identical to the same question asked again alone.
Exit code 0 when there were no errors, no canary crossed and every re-asked answer matched; 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from retrieval.answer import AnswerEngine
from retrieval.settings import Settings

EVALS = Path(__file__).resolve().parent
GOLD = EVALS / "gold.jsonl"
CORPUS = EVALS / "corpus"
HOME_PAYER = "Wellmark"  # as `make eval` serves this corpus
CANARY = re.compile(r"CANARY-\d{2}-[0-9a-f]{8}")
MAX_ERRORS_KEPT = 10


@dataclass
class Asked:
    asker: int
    gold_id: str
    question: str
    history: list[str]
    audience: str
    answer: dict[str, Any]  # to_dict() without latency_ms


@dataclass
class LoadReport:
    askers: int
    seconds: float
    answers: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    canary_crossings: int = 0
    crossing_samples: list[str] = field(default_factory=list)
    own_canary_missing: int = 0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    per_asker: list[int] = field(default_factory=list)
    verified: int = 0
    verified_identical: int = 0
    mismatch_samples: list[str] = field(default_factory=list)

    @property
    def answers_per_second(self) -> float:
        return self.answers / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    @property
    def ok(self) -> bool:
        return (self.answers > 0 and self.errors == 0 and self.canary_crossings == 0 and self.own_canary_missing == 0
                and self.verified_identical == self.verified)

    def summary(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "latencies_ms"}
        out.update(answers_per_second=round(self.answers_per_second, 1), p50_ms=round(self.percentile(50), 1),
                   p95_ms=round(self.percentile(95), 1), p99_ms=round(self.percentile(99), 1),
                   max_ms=round(max(self.latencies_ms, default=0.0), 1), ok=self.ok)
        return out


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


def load_gold(path: Path = GOLD) -> list[dict[str, Any]]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            items.append({"id": item["id"], "question": item["question"], "history": item.get("history") or [],
                          "audience": item.get("audience") or "rep"})
    return items


def canaries(askers: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [f"CANARY-{i:02d}-{rng.getrandbits(32):08x}" for i in range(askers)]


def comparable(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer without what legitimately differs between two asks of the same question."""
    return {k: v for k, v in answer.items() if k not in ("latency_ms",)}


def run_load(engine: AnswerEngine, *, askers: int, seconds: float, gold: list[dict[str, Any]], seed: int = 1,
             keep: int = 2000, repeat_questions: bool = False) -> tuple[LoadReport, list[Asked]]:
    """`askers` threads ask over one engine for `seconds`. Returns the report and a sample of what was asked."""
    tokens = canaries(askers, seed)
    report = LoadReport(askers=askers, seconds=seconds, per_asker=[0] * askers)
    kept: list[Asked] = []
    lock = threading.Lock()
    start = threading.Barrier(askers + 1)
    stop_at: list[float] = [0.0]

    def asker(i: int) -> None:
        rng = random.Random(seed * 1000 + i)
        order = list(gold)
        rng.shuffle(order)
        own, others = tokens[i], set(tokens) - {tokens[i]}
        start.wait()
        n = 0
        while time.monotonic() < stop_at[0]:
            item = order[n % len(order)]
            n += 1
            history = [f"my reference is {own}", *item["history"]]
            question = item["question"] if repeat_questions else f"{item['question']} (ref {own}-{n})"
            began = time.perf_counter()
            try:
                result = engine.ask(question, history=history, audience=item["audience"], answer_id=f"{own}/{item['id']}/{n}")
                elapsed = (time.perf_counter() - began) * 1000
                answer = result.to_dict()
            except Exception as exc:  # counted and shown: a load test must not stop at the first failure
                with lock:
                    report.errors += 1
                    if len(report.error_samples) < MAX_ERRORS_KEPT:
                        report.error_samples.append(f"asker {i}, {item['id']}: {exc.__class__.__name__}: {exc}")
                continue
            text = json.dumps(answer, ensure_ascii=False)
            crossed = set(CANARY.findall(text)) & others
            with lock:
                report.answers += 1
                report.per_asker[i] += 1
                report.latencies_ms.append(elapsed)
                if crossed:
                    report.canary_crossings += 1
                    if len(report.crossing_samples) < MAX_ERRORS_KEPT:
                        report.crossing_samples.append(f"asker {i} got {sorted(crossed)} in the answer to {item['id']}")
                if own not in str(answer.get("id")) or (not repeat_questions and own not in answer["question"]):
                    report.own_canary_missing += 1
                if len(kept) < keep:
                    kept.append(Asked(i, item["id"], question, history, item["audience"], comparable(answer)))

    threads = [threading.Thread(target=asker, args=(i,), name=f"asker-{i}", daemon=True) for i in range(askers)]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    stop_at[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    report.seconds = round(time.monotonic() - began, 2)  # includes the last answers started before the deadline
    return report, kept


def verify(engine: AnswerEngine, kept: list[Asked], report: LoadReport, limit: int, seed: int = 1) -> None:
    """Re-asks a sample alone, one at a time: under load an answer must be exactly what it is without load."""
    sample = random.Random(seed).sample(kept, min(limit, len(kept)))
    for asked in sample:
        again = comparable(engine.ask(asked.question, history=asked.history, audience=asked.audience,
                                      answer_id=asked.answer["id"]).to_dict())
        report.verified += 1
        if again == asked.answer:
            report.verified_identical += 1
        elif len(report.mismatch_samples) < MAX_ERRORS_KEPT:
            changed = sorted(k for k in again if again.get(k) != asked.answer.get(k))
            report.mismatch_samples.append(f"asker {asked.asker}, {asked.gold_id}: {', '.join(changed)} differ")


def build_engine(index: Path | None, embedder: str, work: Path, log: Callable[[str], None] = print) -> AnswerEngine:
    from retrieval.ingest import ingest

    settings = Settings(corpus=CORPUS, index=index or work / "index", embedder=embedder, home_payer=HOME_PAYER)
    started = time.monotonic()
    report = ingest(settings)
    log(f"index {settings.index}: {report.documents} policies, {report.chunks} chunks, embedder {embedder} "
        f"({time.monotonic() - started:.1f} s to build or check)")
    return AnswerEngine(settings)


def print_table(rows: list[tuple[str, LoadReport]]) -> None:
    print()
    print("| run | askers | seconds | answers | errors | answers/s | p50 ms | p95 ms | p99 ms | max ms | canary crossings |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label, r in rows:
        print(f"| {label} | {r.askers} | {r.seconds:.1f} | {r.answers} | {r.errors} | {r.answers_per_second:.1f} | "
              f"{r.percentile(50):.1f} | {r.percentile(95):.1f} | {r.percentile(99):.1f} | "
              f"{max(r.latencies_ms, default=0):.1f} | {r.canary_crossings} |")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.load", description=__doc__.splitlines()[0])
    parser.add_argument("--askers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--baseline-seconds", type=float, default=10.0, help="one asker alone first, for comparison (0: skip)")
    parser.add_argument("--embedder", choices=("minilm", "hashing"), default="minilm")
    parser.add_argument("--index", type=Path, help="an index of evals/corpus to use (default: built in a temporary folder)")
    parser.add_argument("--verify", type=int, default=300, help="answers re-asked alone and compared (default 300)")
    parser.add_argument("--repeat-questions", action="store_true",
                        help="ask the gold questions word for word (after the first round the query cache answers)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    if args.askers < 1 or args.seconds <= 0:
        parser.error("--askers must be at least 1 and --seconds above 0")
    work = Path(tempfile.mkdtemp(prefix="policyqa-load-"))
    try:
        engine = build_engine(args.index, args.embedder, work)
        gold = load_gold()
        rows: list[tuple[str, LoadReport]] = []
        if args.baseline_seconds > 0:
            alone, _ = run_load(engine, askers=1, seconds=args.baseline_seconds, gold=gold, seed=args.seed,
                                repeat_questions=args.repeat_questions)
            rows.append(("one asker alone", alone))
        wording = "word for word" if args.repeat_questions else "each made new by its asker's canary"
        print(f"{args.askers} askers × {args.seconds:.0f} s over one engine ({len(gold)} gold questions, {wording}; "
              f"each asker in its own order)…")
        report, kept = run_load(engine, askers=args.askers, seconds=args.seconds, gold=gold, seed=args.seed,
                                repeat_questions=args.repeat_questions)
        verify(engine, kept, report, args.verify, args.seed)
        rows.append((f"{args.askers} askers", report))
        print_table(rows)
        spread = f"{min(report.per_asker)}–{max(report.per_asker)}" if report.per_asker else "0"
        print(f"answers per asker: {spread}; errors: {report.errors}; answers carrying another asker's canary: "
              f"{report.canary_crossings}; answers missing their own: {report.own_canary_missing}")
        print(f"re-asked alone and identical (verdict, text, quotes, offsets): {report.verified_identical}/{report.verified}")
        for line in report.error_samples + report.crossing_samples + report.mismatch_samples:
            print("  " + line)
        print("ALL CHECKS HELD" if report.ok else "FAILED")
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({label: r.summary() for label, r in rows}, indent=1) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
