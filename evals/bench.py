"""`python -m evals.bench`: ingest and answer speed, memory and cold start at several corpus sizes, beside the naive baseline.

A benchmark, not a timed test: it prints a table, writes evals/reports/bench.json and bench.png, and judges nothing.
Every size gets its own synthetic corpus (evals/synth/) and index folder under the work folder, and every
measurement that needs a clean process (ingest, serving, the baseline, cold start, profiles) runs in a fresh
subprocess of this module (`--worker ...`), so each peak RSS belongs to one job.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from retrieval.corpus import display_path
from retrieval.settings import PROJECT_ROOT, Settings

EVALS = Path(__file__).resolve().parent
DEFAULT_OUT = EVALS / "reports"
DEFAULT_SIZES = (1, 100, 1000)
QUICK_SIZES = (1, 20)
WARM_QUESTIONS = 200  # timed warm answers per size (the generated questions, cycled when a corpus has fewer)
QUALITY_QUESTIONS = 400  # answers scored against the generated known answers, per size (an even sample)
WARMUP_QUESTIONS = 10
PROFILE_QUESTIONS = 50
PROFILE_INGEST_POLICIES = 100
PROFILE_TOP = 15
# (name, target, figure path in a size entry, how it compares); the targets, reported and never enforced here
TARGETS: tuple[tuple[str, float, tuple[str, ...], str], ...] = (
    ("warm answer p50 (ms)", 40.0, ("answers", "warm_p50_ms"), "<="),
    ("warm answer p99 (ms)", 150.0, ("answers", "warm_p99_ms"), "<="),
    ("warm answer p50 / baseline retrieval p50", 1.5, ("ratios", "answer_p50_vs_baseline_retrieval_p50"), "<="),
    ("ingest chunks/s", 100.0, ("ingest", "chunks_per_second"), ">="),
    ("unchanged re-ingest (s)", 10.0, ("reingest", "seconds"), "<="),
    ("cold start to first answer (s)", 8.0, ("answers", "cold_start_seconds"), "<="),
    ("peak RSS (MB)", 1536.0, ("peak_rss_mb",), "<="),
)
TARGET_POLICIES = 1000


# ---------------------------------------------------------------------------------------------------- parent


def run_bench(
    sizes: Sequence[int],
    *,
    embedder: str = "minilm",
    seed: int = 7,
    work: Path | None = None,
    out: Path | None = None,
    warm_questions: int = WARM_QUESTIONS,
    quality_questions: int = QUALITY_QUESTIONS,
    baseline: bool = True,
    profile: bool = True,
    chroma_url: str | None = None,
    say: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Runs every measurement, prints the table, writes bench.json and bench.png; returns the report."""
    from . import synth

    say = say or _say
    work = Path(work or Path(tempfile.gettempdir()) / "policyqa-bench")
    out = Path(out or DEFAULT_OUT)
    sizes = sorted(set(sizes))
    started = time.perf_counter()
    report: dict[str, Any] = {
        "meta": _machine() | {
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"), "embedder": embedder, "seed": seed,
            "sizes": sizes, "work": str(work), "warm_questions": warm_questions,
            "quality_questions": quality_questions, "baseline": baseline,
        },
        "sizes": [],
    }
    common = ["--embedder", embedder, "--warm-questions", str(warm_questions),
              "--quality-questions", str(quality_questions)]
    for n in sizes:
        folder = work / f"size-{n:04d}"
        say(f"bench: {n} policies: generating the corpus in {folder}")
        if folder.exists():
            shutil.rmtree(folder)
        corpus = synth.generate(n, seed)
        synth.write(corpus, folder)
        entry: dict[str, Any] = {"policies": n, "questions_generated": len(corpus.questions),
                                 "load_average": {"start": _load()}}
        say(f"bench: {n} policies: ingest, then the unchanged re-run")
        ingest = _worker("ingest", folder, common)
        entry["ingest"] = ingest["ingest"]
        entry["reingest"] = ingest["reingest"]
        say(f"bench: {n} policies: cold start (a fresh process, engine built, one question answered)")
        cold = _cold_start(folder, embedder)
        say(f"bench: {n} policies: warm answers, 1 and 4 askers, quality against the known answers")
        serve = _worker("serve", folder, common + (["--profile-questions", str(PROFILE_QUESTIONS)]
                                                    if profile and n == sizes[-1] else []))
        entry["answers"] = serve["answers"] | {"cold_start_seconds": cold["seconds"],
                                               "cold_start_engine_seconds": cold["engine_seconds"],
                                               "cold_start_import_seconds": cold["import_seconds"]}
        entry["quality"] = serve["quality"]
        if "profile" in serve:
            report.setdefault("profiles", {})["question"] = serve["profile"] | {"policies": n}
        entry["peak_rss_mb"] = max(entry["ingest"]["peak_rss_mb"], entry["answers"]["peak_rss_mb"])
        if baseline:
            say(f"bench: {n} policies: the naive baseline (1000/200 chunks, same embeddings, Chroma top-4)")
            naive = _worker("baseline", folder, common)
            entry["baseline"] = naive["baseline"]
            entry["ratios"] = _ratios(entry)
        entry["server"] = _server(folder, common, chroma_url, say, n)
        entry["load_average"]["end"] = _load()
        report["sizes"].append(entry)
        say(f"bench: {n} policies done ({time.perf_counter() - started:.0f} s so far)")
    if profile:
        n = min(PROFILE_INGEST_POLICIES, sizes[-1])
        folder = work / f"profile-ingest-{n:04d}"
        say(f"bench: profiling one ingest of {n} policies")
        if folder.exists():
            shutil.rmtree(folder)
        synth.write(synth.generate(n, seed), folder)
        report.setdefault("profiles", {})["ingest"] = _worker("profile-ingest", folder, common)["profile"] | {
            "policies": n}
    report["targets"] = targets(report)
    report["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(format_table(report))
    write_chart(report, out / "bench.png")
    say(f"bench: wrote {display_path(out / 'bench.json')} and {display_path(out / 'bench.png')} in {report['meta']['seconds']} s")
    return report


def _server(folder: Path, common: list[str], chroma_url: str | None, say, n: int) -> dict[str, Any]:
    """Server mode (a Chroma server instead of the embedded folder), measured only when a URL is given.

    Hook for the Chroma server mode another change is building: the same ingest and serve workers run with
    `Settings.chroma_url` set; anything the library does not support yet is recorded as an error, not raised.
    """
    if not chroma_url:
        return {"measured": False, "reason": "no --chroma-url (or POLICYQA_CHROMA_URL) given"}
    say(f"bench: {n} policies: server mode at {chroma_url}")
    # a namespace of its own per size and run: the server keeps every earlier run's collections
    args = common + ["--chroma-url", chroma_url, "--chroma-namespace", f"bench-{n}-{uuid.uuid4().hex[:8]}"]
    try:
        ingest = _worker("ingest", folder, args, index_name="index-server")
        serve = _worker("serve", folder, args, index_name="index-server")
    except RuntimeError as exc:
        return {"measured": False, "reason": f"server mode failed: {exc}"}
    return {"measured": True, "url": chroma_url, "ingest": ingest["ingest"], "reingest": ingest["reingest"],
            "answers": serve["answers"], "quality": serve["quality"],
            "peak_rss_mb": max(ingest["ingest"]["peak_rss_mb"], serve["answers"]["peak_rss_mb"])}


def _ratios(entry: dict[str, Any]) -> dict[str, float]:
    ours, naive = entry["answers"], entry["baseline"]

    def ratio(a: float, b: float) -> float:
        return round(a / b, 3) if b else float("inf")

    return {
        "answer_p50_vs_baseline_retrieval_p50": ratio(ours["warm_p50_ms"], naive["retrieval_p50_ms"]),
        "answer_p99_vs_baseline_retrieval_p99": ratio(ours["warm_p99_ms"], naive["retrieval_p99_ms"]),
        "search_p50_vs_baseline_retrieval_p50": ratio(ours["search_p50_ms"], naive["retrieval_p50_ms"]),
        "ingest_seconds_vs_baseline": ratio(entry["ingest"]["seconds"], naive["ingest_seconds"]),
        "peak_rss_vs_baseline": ratio(entry["peak_rss_mb"], naive["peak_rss_mb"]),
    }


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of the issue against the run's figure at 1,000 policies (or the largest size measured)."""
    if not report["sizes"]:
        return []
    entry = next((e for e in report["sizes"] if e["policies"] == TARGET_POLICIES), report["sizes"][-1])
    rows = []
    for name, bound, path, op in TARGETS:
        value: Any = entry
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, int | float):
            continue
        met = value <= bound if op == "<=" else value >= bound
        rows.append({"target": name, "bound": f"{op} {bound:g}", "value": value, "met": met,
                     "at_policies": entry["policies"]})
    return rows


def _worker(job: str, folder: Path, args: list[str], *, index_name: str = "index") -> dict[str, Any]:
    command = [sys.executable, "-m", "evals.bench", "--worker", job, "--size-dir", str(folder),
               "--index-name", index_name, *args]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, env=_child_env())
    if done.returncode != 0:
        raise RuntimeError(f"bench worker {job} for {folder.name} exited {done.returncode}:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


_COLD = """
import time
started = time.perf_counter()
import json, sys
from pathlib import Path
from retrieval.answer import AnswerEngine
from retrieval.settings import Settings
imported = time.perf_counter()
folder = Path(sys.argv[1])
engine = AnswerEngine(Settings(corpus=folder / "corpus", index=folder / "index", embedder=sys.argv[2]))
built = time.perf_counter()
question = json.loads((folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()[0])["question"]
answer = engine.ask(question)
print(json.dumps({"import_seconds": imported - started, "engine_seconds": built - imported,
                  "answer_ms": answer.latency_ms, "verdict": answer.verdict}), flush=True)
"""


def _cold_start(folder: Path, embedder: str) -> dict[str, float]:
    """Wall clock from launching a fresh interpreter to its first answer on stdout (not counting its exit)."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", _COLD, str(folder), embedder], cwd=PROJECT_ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_child_env())
    assert child.stdout is not None
    line = child.stdout.readline()
    seconds = time.perf_counter() - started
    _, err = child.communicate()
    if child.returncode != 0 or not line.strip():
        raise RuntimeError(f"cold start exited {child.returncode}:\n{err[-4000:]}")
    inner = json.loads(line)
    return {"seconds": round(seconds, 3), "engine_seconds": round(inner["engine_seconds"], 3),
            "import_seconds": round(inner["import_seconds"], 3)}


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("POLICYQA_CORPUS", "POLICYQA_INDEX", "POLICYQA_EMBEDDER", "POLICYQA_PAYER", "POLICYQA_CHROMA_URL",
                 "POLICYQA_CHROMA_NAMESPACE"):
        env.pop(name, None)  # every worker gets its settings from its arguments alone
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


# ---------------------------------------------------------------------------------------------------- workers


def _settings(args: argparse.Namespace) -> Settings:
    folder = Path(args.size_dir)
    settings = Settings(corpus=folder / "corpus", index=folder / args.index_name, embedder=args.embedder)
    if args.chroma_url:
        known = {f.name for f in fields(Settings)}
        if "chroma_url" not in known:
            raise SystemExit("this version of the library has no Settings.chroma_url")
        extra: dict[str, Any] = {"chroma_url": args.chroma_url}
        if "chroma_namespace" in known and args.chroma_namespace:
            extra["chroma_namespace"] = args.chroma_namespace
        if "chroma_token" in known and os.environ.get("POLICYQA_CHROMA_TOKEN"):
            extra["chroma_token"] = os.environ["POLICYQA_CHROMA_TOKEN"].strip()
        settings = replace(settings, **extra)
        settings.validate()
    return settings


def _peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS)
    scale = 1 if sys.platform == "darwin" else 1024
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20, 1)


def worker_ingest(args: argparse.Namespace) -> dict[str, Any]:
    from retrieval.ingest import ingest

    settings = _settings(args)
    first = ingest(settings, [settings.corpus])
    again = ingest(settings, [settings.corpus])
    return {
        "ingest": {
            "documents": first.documents, "chunks": first.chunks, "embedded": first.embedded,
            "units_embedded": first.units_embedded, "distinct_texts": first.distinct_texts,
            "skipped": len(first.skipped),
            "seconds": round(first.seconds, 3), "chunks_per_second": round(first.chunks_per_second, 1),
            "chunks_per_second_after_model_load": round(
                first.embedded / max(1e-9, first.seconds - first.model_load_seconds), 1),
            "texts_per_second": round((first.embedded + first.units_embedded) / first.seconds, 1)
            if first.seconds else 0.0,
            "model_load_seconds": round(first.model_load_seconds, 3),
            "embed_seconds": round(first.embed_seconds, 3),
            "other_seconds": round(first.seconds - first.embed_seconds - first.model_load_seconds, 3),
            "peak_rss_mb": _peak_rss_mb(),
        },
        "reingest": {"seconds": round(again.seconds, 3), "embedded": again.embedded, "documents": again.documents},
    }


def _questions(folder: Path, limit: int) -> list[dict[str, Any]]:
    items = [json.loads(line) for line in (folder / "questions.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    if len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def _percentiles(samples: list[float], prefix: str) -> dict[str, float]:
    if not samples:
        return {f"{prefix}_p50_ms": 0.0, f"{prefix}_p95_ms": 0.0, f"{prefix}_p99_ms": 0.0, f"{prefix}_mean_ms": 0.0}
    ordered = sorted(samples)

    def pct(p: float) -> float:
        # nearest rank: the p99 of 200 samples is the 198th, a latency a question really took
        return round(ordered[min(len(ordered) - 1, max(0, int(-(-p * len(ordered) // 100)) - 1))], 2)

    return {f"{prefix}_p50_ms": pct(50), f"{prefix}_p95_ms": pct(95), f"{prefix}_p99_ms": pct(99),
            f"{prefix}_mean_ms": round(statistics.fmean(ordered), 2)}


def _forget_queries(embedder: Any) -> None:
    """Every timed question counts as new: the embedder's query cache would turn a repeat into a dict lookup."""
    cache = getattr(embedder, "_query_cache", None)
    if isinstance(cache, dict):
        cache.clear()


def worker_serve(args: argparse.Namespace) -> dict[str, Any]:
    from retrieval.answer import AnswerEngine

    from . import metrics

    folder = Path(args.size_dir)
    settings = _settings(args)
    started = time.perf_counter()
    engine = AnswerEngine(settings)
    load_seconds = time.perf_counter() - started
    items = _questions(folder, args.quality_questions)
    embedder = engine.index.embedder

    def ask(item: dict[str, Any]) -> dict[str, Any]:
        return engine.ask(item["question"], history=list(item.get("history") or []),
                          audience=item.get("audience", "rep"), answer_id=item.get("id")).to_dict()

    for item in items[:WARMUP_QUESTIONS]:
        ask(item)
    # quality: each sampled question once, scored against its known answer
    hits = {"verdict": [0, 0], "top1_document": [0, 0], "quote_recall_at_3": [0, 0]}
    errors = abstained = 0
    for item in items:
        _forget_queries(embedder)
        try:
            answer = ask(item)
        except Exception:  # a crash is a wrong answer here; the eval runner reports them one by one
            errors += 1
            continue
        abstained += bool(answer.get("abstained"))
        for name, check in (("verdict", metrics.check_verdict), ("top1_document", metrics.check_top1_document),
                            ("quote_recall_at_3", metrics.check_quote_at_3)):
            result = check(item, answer)
            if result is not None:
                hits[name][0] += bool(result)
                hits[name][1] += 1
    quality = {f"{name}_rate": round(h / t, 4) if t else 0.0 for name, (h, t) in hits.items()}
    quality |= {"questions": len(items), "errors": errors, "abstained_rate": round(abstained / len(items), 4)}

    timed = [items[i % len(items)] for i in range(max(args.warm_questions, 1))]
    walls, reported = [], []
    for item in timed:
        _forget_queries(embedder)
        t = time.perf_counter()
        answer = ask(item)
        walls.append((time.perf_counter() - t) * 1000)
        reported.append(answer["latency_ms"])
    searches = []
    for item in timed:
        _forget_queries(embedder)
        t = time.perf_counter()
        engine.index.search(item["question"], k=5)
        searches.append((time.perf_counter() - t) * 1000)

    def throughput(askers: int) -> float:
        def one(item: dict[str, Any]) -> None:
            _forget_queries(embedder)
            ask(item)

        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=askers) as pool:
            list(pool.map(one, timed))
        return round(len(timed) / (time.perf_counter() - t), 2)

    answers = {"engine_load_seconds": round(load_seconds, 3), "warm_questions": len(timed)}
    answers |= _percentiles(walls, "warm") | _percentiles(reported, "engine_latency") | _percentiles(searches, "search")
    answers |= {"throughput_1_per_s": throughput(1), "throughput_4_per_s": throughput(4)}
    result: dict[str, Any] = {"answers": answers, "quality": quality}
    if args.profile_questions:
        profiler = cProfile.Profile()
        sample = [items[i % len(items)] for i in range(args.profile_questions)]
        t = time.perf_counter()
        profiler.enable()
        for item in sample:
            _forget_queries(embedder)
            ask(item)
        profiler.disable()
        result["profile"] = _profile_summary(profiler, time.perf_counter() - t) | {"questions": len(sample)}
    answers["peak_rss_mb"] = _peak_rss_mb()
    return result


def worker_baseline(args: argparse.Namespace) -> dict[str, Any]:
    from retrieval.embeddings import get_embedder

    from .baseline import TOP_K, NaiveBaseline

    folder = Path(args.size_dir)
    embedder = get_embedder(args.embedder)
    t = time.perf_counter()
    embedder.encode(["warm up"])  # the model load is not the baseline's ingest, as it is not ours
    load_seconds = time.perf_counter() - t
    t = time.perf_counter()
    naive = NaiveBaseline(folder / "corpus", embedder)
    build_seconds = time.perf_counter() - t
    items = _questions(folder, args.quality_questions)
    for item in items[:WARMUP_QUESTIONS]:
        naive.store.similarity_search_with_score(item["question"], k=TOP_K)
    timed = [items[i % len(items)] for i in range(max(args.warm_questions, 1))]
    walls = []
    for item in timed:
        t = time.perf_counter()
        naive.store.similarity_search_with_score(item["question"], k=TOP_K)
        walls.append((time.perf_counter() - t) * 1000)
    baseline = {"chunks": naive.chunks, "ingest_seconds": round(build_seconds, 3),
                "chunks_per_second": round(naive.chunks / build_seconds, 1) if build_seconds else 0.0,
                "model_load_seconds": round(load_seconds, 3)}
    baseline |= _percentiles(walls, "retrieval")
    baseline["peak_rss_mb"] = _peak_rss_mb()
    return {"baseline": baseline}


def worker_profile_ingest(args: argparse.Namespace) -> dict[str, Any]:
    from retrieval.embeddings import get_embedder
    from retrieval.ingest import ingest

    settings = _settings(args)
    get_embedder(settings.embedder).encode(["warm up"])  # the model load is measured by the ingest figures
    import chromadb  # noqa: F401  - imported before profiling: import time is the cold start's, not ingest's
    profiler = cProfile.Profile()
    t = time.perf_counter()
    profiler.enable()
    report = ingest(settings, [settings.corpus])
    profiler.disable()
    return {"profile": _profile_summary(profiler, time.perf_counter() - t) | {"chunks": report.embedded}}


def _profile_summary(profiler: cProfile.Profile, seconds: float) -> dict[str, Any]:
    stats = pstats.Stats(profiler, stream=io.StringIO())

    def rows(key: int) -> list[dict[str, Any]]:
        ordered = sorted(stats.stats.items(), key=lambda kv: -kv[1][key])  # type: ignore[attr-defined]
        out = []
        for (path, line, name), (_cc, ncalls, tottime, cumtime, _callers) in ordered:
            if name in {"<module>", "<built-in method builtins.exec>"}:
                continue
            out.append({"function": f"{_short(path)}:{line}({name})", "ncalls": ncalls,
                        "tottime_s": round(tottime, 4), "cumtime_s": round(cumtime, 4)})
            if len(out) == PROFILE_TOP:
                break
        return out

    return {"seconds": round(seconds, 3), "top_cumulative": rows(3), "top_self": rows(2)}


def _short(path: str) -> str:
    for marker in ("site-packages/", "dist-packages/"):
        if marker in path:
            return path.split(marker, 1)[1]
    try:
        return Path(path).resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return path


WORKERS = {"ingest": worker_ingest, "serve": worker_serve, "baseline": worker_baseline,
           "profile-ingest": worker_profile_ingest}


# ---------------------------------------------------------------------------------------------------- output


def format_table(report: dict[str, Any]) -> str:
    sizes = report["sizes"]
    head = ["figure"] + [f"{e['policies']:,} pol." for e in sizes]
    rows: list[list[str]] = []

    def row(label: str, get: Callable[[dict[str, Any]], Any], fmt: str = "{:,.1f}") -> None:
        values = []
        for e in sizes:
            try:
                value = get(e)
            except (KeyError, TypeError):
                value = None
            values.append("—" if value is None else fmt.format(value))
        rows.append([label, *values])

    base = lambda e: e["baseline"]  # noqa: E731
    row("documents / chunks", lambda e: f"{e['ingest']['documents']:,} / {e['ingest']['chunks']:,}", "{}")
    row("embedded texts (chunks + sentences) / distinct", lambda e: "{:,} / {}".format(
        e["ingest"]["embedded"] + e["ingest"]["units_embedded"],
        f"{e['ingest']['distinct_texts']:,}" if "distinct_texts" in e["ingest"] else "—"), "{}")
    row("ingest seconds (ours)", lambda e: e["ingest"]["seconds"])
    row("  of which model load / embedding", lambda e: f"{e['ingest']['model_load_seconds']:.1f} / "
        f"{e['ingest']['embed_seconds']:.1f}", "{}")
    row("ingest chunks/s (ours) / after model load", lambda e: "{:.1f} / {:.1f}".format(
        e["ingest"]["chunks_per_second"], e["ingest"]["chunks_per_second_after_model_load"]), "{}")
    row("unchanged re-ingest seconds", lambda e: e["reingest"]["seconds"], "{:,.2f}")
    row("baseline ingest seconds / chunks", lambda e: f"{base(e)['ingest_seconds']:.1f} / {base(e)['chunks']:,}", "{}")
    row("baseline chunks/s", lambda e: base(e)["chunks_per_second"])
    row("cold start to first answer (s)", lambda e: e["answers"]["cold_start_seconds"], "{:,.2f}")
    row("engine load in a warm process (s)", lambda e: e["answers"]["engine_load_seconds"], "{:,.2f}")
    row("warm answer p50 / p95 / p99 (ms)", lambda e: "{:.1f} / {:.1f} / {:.1f}".format(
        e["answers"]["warm_p50_ms"], e["answers"]["warm_p95_ms"], e["answers"]["warm_p99_ms"]), "{}")
    row("our search only p50 / p99 (ms)", lambda e: "{:.1f} / {:.1f}".format(
        e["answers"]["search_p50_ms"], e["answers"]["search_p99_ms"]), "{}")
    row("baseline retrieval p50 / p95 / p99 (ms)", lambda e: "{:.1f} / {:.1f} / {:.1f}".format(
        base(e)["retrieval_p50_ms"], base(e)["retrieval_p95_ms"], base(e)["retrieval_p99_ms"]), "{}")
    row("answer p50 / baseline retrieval p50", lambda e: e["ratios"]["answer_p50_vs_baseline_retrieval_p50"],
        "{:.2f}x")
    row("answers/s, 1 asker / 4 askers", lambda e: "{:.1f} / {:.1f}".format(
        e["answers"]["throughput_1_per_s"], e["answers"]["throughput_4_per_s"]), "{}")
    row("peak RSS ingest / serve (MB)", lambda e: "{:,.0f} / {:,.0f}".format(
        e["ingest"]["peak_rss_mb"], e["answers"]["peak_rss_mb"]), "{}")
    row("baseline peak RSS (MB)", lambda e: base(e)["peak_rss_mb"], "{:,.0f}")
    row("known answers: verdict / policy / quote@3", lambda e: "{:.0%} / {:.0%} / {:.0%}".format(
        e["quality"]["verdict_rate"], e["quality"]["top1_document_rate"], e["quality"]["quote_recall_at_3_rate"]),
        "{}")
    if any(e.get("server", {}).get("measured") for e in sizes):
        srv = lambda e: e["server"] if e["server"].get("measured") else None  # noqa: E731
        row("SERVER MODE: ingest / re-ingest (s)", lambda e: "{:.1f} / {:.2f}".format(
            srv(e)["ingest"]["seconds"], srv(e)["reingest"]["seconds"]), "{}")
        row("server: warm answer p50 / p95 / p99 (ms)", lambda e: "{:.1f} / {:.1f} / {:.1f}".format(
            srv(e)["answers"]["warm_p50_ms"], srv(e)["answers"]["warm_p95_ms"], srv(e)["answers"]["warm_p99_ms"]), "{}")
        row("server: search only p50 / p99 (ms)", lambda e: "{:.1f} / {:.1f}".format(
            srv(e)["answers"]["search_p50_ms"], srv(e)["answers"]["search_p99_ms"]), "{}")
        row("server: answers/s, 1 / 4 askers", lambda e: "{:.1f} / {:.1f}".format(
            srv(e)["answers"]["throughput_1_per_s"], srv(e)["answers"]["throughput_4_per_s"]), "{}")
        row("server: engine load (s) / peak RSS (MB)", lambda e: "{:.2f} / {:,.0f}".format(
            srv(e)["answers"]["engine_load_seconds"], srv(e)["peak_rss_mb"]), "{}")
    row("machine load, 1-min average, start / end", lambda e: "{:.1f} / {:.1f}".format(
        e["load_average"]["start"], e["load_average"]["end"]), "{}")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in [head, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    meta = report["meta"]
    out = [f"Benchmark — embedder {meta['embedder']}, {meta['cpu_count']} CPUs, Python {meta['python']}", "",
           *lines]
    server = [e for e in sizes if not e.get("server", {}).get("measured")]
    if server:
        out += ["", f"server mode: not measured ({server[0]['server'].get('reason')})"]
    if report.get("targets"):
        out += ["", f"targets (at {report['targets'][0]['at_policies']:,} policies):"]
        out += [f"  {'met ' if t['met'] else 'MISS'}  {t['target']} {t['bound']}: {t['value']:,.2f}"
                for t in report["targets"]]
    for name, profile in (report.get("profiles") or {}).items():
        what = (f"{profile['questions']} warm questions" if name == "question" else "one ingest")
        out += ["", f"profile: {what} at {profile['policies']:,} policies, {profile['seconds']:.2f} s in all; "
                    f"top {PROFILE_TOP} by cumulative time"]
        out += [f"  {r['cumtime_s']:8.3f} s cum {r['tottime_s']:8.3f} s self {r['ncalls']:>8}  {r['function']}"
                for r in profile["top_cumulative"]]
        out += ["  top 8 by self time:"]
        out += [f"  {r['cumtime_s']:8.3f} s cum {r['tottime_s']:8.3f} s self {r['ncalls']:>8}  {r['function']}"
                for r in profile["top_self"][:8]]
    return "\n".join(out)


def write_chart(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FormatStrFormatter

    sizes = report["sizes"]
    x = [e["policies"] for e in sizes]
    fig, (lat, ing) = plt.subplots(1, 2, figsize=(12, 4.8), dpi=110)
    ours_color, base_color = "#1f77b4", "#ff7f0e"

    def series(ax, values, label, color, style):
        pairs = [(a, b) for a, b in zip(x, values, strict=True) if b is not None]
        if pairs:
            ax.plot([a for a, _ in pairs], [b for _, b in pairs], style, color=color, label=label, marker="o")

    get = lambda e, *keys: _dig(e, keys)  # noqa: E731
    series(lat, [get(e, "answers", "warm_p50_ms") for e in sizes], "ours: answer p50", ours_color, "-")
    series(lat, [get(e, "answers", "warm_p99_ms") for e in sizes], "ours: answer p99", ours_color, "--")
    series(lat, [get(e, "answers", "search_p50_ms") for e in sizes], "ours: search only p50", ours_color, ":")
    series(lat, [get(e, "baseline", "retrieval_p50_ms") for e in sizes], "baseline: retrieval p50", base_color, "-")
    series(lat, [get(e, "baseline", "retrieval_p99_ms") for e in sizes], "baseline: retrieval p99", base_color, "--")
    lat.set_title("warm latency per question")
    lat.set_ylabel("ms (log scale)")
    lat.set_yscale("log")  # a tail stretched by a busy machine must not flatten the medians
    lat.yaxis.set_major_formatter(FormatStrFormatter("%g"))  # "20", not "2 × 10¹"
    lat.yaxis.set_minor_formatter(FormatStrFormatter("%g"))
    series(ing, [get(e, "ingest", "seconds") for e in sizes], "ours: ingest", ours_color, "-")
    series(ing, [get(e, "reingest", "seconds") for e in sizes], "ours: unchanged re-ingest", ours_color, ":")
    series(ing, [get(e, "baseline", "ingest_seconds") for e in sizes], "baseline: build", base_color, "-")
    ing.set_title("ingest time")
    ing.set_ylabel("seconds")
    for ax in (lat, ing):
        if len(x) > 1 and max(x) / max(1, min(x)) >= 10:
            ax.set_xscale("log")
        ax.set_xlabel("policies in the corpus")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(f"Policy Q&A benchmark ({report['meta']['embedder']}, {report['meta']['cpu_count']} CPUs)")
    fig.tight_layout()
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)


def _dig(entry: dict[str, Any], keys: Sequence[str]) -> Any:
    value: Any = entry
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _load() -> float:
    """The 1-min load average: on a shared machine, other jobs stretch the latency tails."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return 0.0


def _machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "platform": platform.platform(), "cpu_count": os.cpu_count(),
            "processor": platform.processor() or platform.machine()}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------- command line


def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sizes", default=None, help="policy counts, comma-separated (default 1,100,1000)")
    parser.add_argument("--quick", action="store_true", help="sizes 1,20 with the hashing embedder, for development")
    parser.add_argument("--embedder", choices=("minilm", "hashing"), default=None,
                        help="minilm (default) or the model-free hashing embedder")
    parser.add_argument("--seed", type=int, default=7, help="synthetic corpus seed (default 7)")
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the corpora and indexes (default $TMPDIR/policyqa-bench)")
    parser.add_argument("--out", type=Path, default=None, help="folder for bench.json and bench.png "
                        "(default evals/reports)")
    parser.add_argument("--warm-questions", type=int, default=WARM_QUESTIONS, help="timed warm answers per size")
    parser.add_argument("--quality-questions", type=int, default=QUALITY_QUESTIONS,
                        help="generated questions scored per size")
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive baseline")
    parser.add_argument("--no-profile", action="store_true", help="skip the two cProfile runs")
    parser.add_argument("--chroma-url", default=None,
                        help="also measure server mode against this Chroma server (default $POLICYQA_CHROMA_URL)")
    parser.add_argument("--table", type=Path, default=None, metavar="BENCH_JSON",
                        help="print the table of a saved bench.json and exit")


def run_from_args(args: argparse.Namespace) -> int:
    if args.table:
        print(format_table(json.loads(Path(args.table).read_text(encoding="utf-8"))))
        return 0
    try:
        sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else list(QUICK_SIZES if args.quick
                                                                               else DEFAULT_SIZES)
    except ValueError:
        print(f"bench: --sizes must be whole numbers separated by commas, got {args.sizes!r}", file=sys.stderr)
        return 2
    if not sizes or min(sizes) < 1:
        print(f"bench: every size must be at least 1, got {args.sizes!r}", file=sys.stderr)
        return 2
    embedder = args.embedder or ("hashing" if args.quick else "minilm")
    chroma_url = args.chroma_url or os.environ.get("POLICYQA_CHROMA_URL") or None
    try:
        run_bench(sizes, embedder=embedder, seed=args.seed, work=args.work, out=args.out,
                  warm_questions=args.warm_questions, quality_questions=args.quality_questions,
                  baseline=not args.no_baseline, profile=not args.no_profile, chroma_url=chroma_url)
    except (RuntimeError, ValueError) as exc:  # a worker that failed says why on its own stderr, quoted here
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.bench", description=__doc__.splitlines()[0])
    add_bench_arguments(parser)
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--size-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--index-name", default="index", help=argparse.SUPPRESS)
    parser.add_argument("--profile-questions", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--chroma-namespace", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        args.embedder = args.embedder or "minilm"
        print(json.dumps(WORKERS[args.worker](args)), flush=True)
        return 0
    return run_from_args(args)


if __name__ == "__main__":
    sys.exit(main())
