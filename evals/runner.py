"""`python -m evals`: asks the gold set of our engine and of the naive baseline, prints the table, writes report.json and chart.png."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from retrieval.corpus import display_path
from retrieval.errors import PolicyQAError
from retrieval.settings import PROJECT_ROOT, Settings

from . import metrics
from .documents import document_figures
from .documents import format_line as format_documents
from .metrics import Figures, SourceTexts

EVALS = Path(__file__).resolve().parent
DEFAULT_GOLD = EVALS / "gold.jsonl"
DEFAULT_CORPUS = EVALS / "corpus"
DEFAULT_OUT = EVALS / "reports"
DEFAULT_INDEX = PROJECT_ROOT / ".index-eval"
DEFAULT_THRESHOLDS = EVALS / "thresholds.json"
# The eval corpus is served as Wellmark's deployment: a question that names no payer goes to Wellmark's policy first,
# which is the gold set's convention ("a prolotherapy question that names no payer is about Wellmark 02.01.18").
EVAL_HOME_PAYER = "Wellmark"


@dataclass(frozen=True)
class Suite:
    """One question set over its own corpus and index. `baseline_floor`: ours must not fall below the naive baseline
    on finding the right document and sentence (top-1 document, quote recall@3) — part of the gate."""

    name: str
    gold: Path
    corpus: Path
    home_payer: str | None
    thresholds: Path
    about: str
    baseline_floor: bool = False
    gated: bool = True  # with --gate, a miss fails the run; the dev split is reported against the same floors, not gated
    twins: str | None = None  # questions that restate another suite's ("twin" ids): compared with them after both run


WILD = EVALS / "wild"
SUITES: dict[str, Suite] = {s.name: s for s in (
    Suite("gold", DEFAULT_GOLD, DEFAULT_CORPUS, EVAL_HOME_PAYER, DEFAULT_THRESHOLDS,
          "house-style fixture corpus (the seed plus 8 invented policies); written and tuned by the team"),
    Suite("wild-dev", WILD / "dev" / "questions.jsonl", WILD / "dev" / "corpus", None, WILD / "thresholds.json",
          "other payers' policies in their own shapes, dev split: 134 payers, tuned on", baseline_floor=True, gated=False),
    Suite("wild-test", WILD / "test" / "questions.jsonl", WILD / "test" / "corpus", None, WILD / "thresholds.json",
          "other payers' policies in their own shapes, test split: 92 other payers, never tuned on", baseline_floor=True),
    Suite("spanish", EVALS / "spanish.jsonl", DEFAULT_CORPUS, EVAL_HOME_PAYER, DEFAULT_THRESHOLDS,
          "40 Spanish twins of gold questions (the Spanish table was written with these in view)", gated=False,
          twins="gold"),
    Suite("spanish-heldout", EVALS / "spanish_heldout.jsonl", WILD / "dev" / "corpus", None, WILD / "thresholds.json",
          "30 Spanish twins of wild-dev questions, written blind and never tuned on", gated=False, twins="wild-dev"),
)}
DEFAULT_SUITES = ("gold", "wild-dev", "wild-test", "spanish", "spanish-heldout")
BASELINE_FLOOR_FIGURES = ("top1_document", "quote_recall_at_3")
# What an index is made of, as paths under retrieval/ (the answer side, retrieval/answer/, is not among them): the
# ingest modules and the language tables that decide sections, header fields and the verdict a sentence states.
INGEST_MODULES = ("loaders.py", "metadata.py", "structure.py", "headings.py", "chunking.py", "corpus.py", "models.py", "ingest.py",
                  "embeddings.py", "html_text.py", "pdf_text.py", "lexicon/__init__.py", "lexicon/verdicts.py", "lexicon/verdicts.toml",
                  "lexicon/sections.toml", "lexicon/documents.toml", "lexicon/payers.toml")

# (key, label, kind) in table and chart order. kind: rate (0..1), chars, count, ms.
FIGURES: tuple[tuple[str, str, str], ...] = (
    ("verdict_accuracy", "verdict accuracy", "rate"),
    ("top1_document", "top-1 document", "rate"),
    ("quote_recall_at_1", "quote recall@1", "rate"),
    ("quote_recall_at_3", "quote recall@3", "rate"),
    ("quote_exactness", "quote exactness", "rate"),
    ("median_quote_chars", "median quote length (chars)", "chars"),
    ("abstention_precision", "abstention precision", "rate"),
    ("abstention_recall", "abstention recall", "rate"),
    ("wrongly_abstained", "wrongly abstained", "rate"),
    ("unanswerable_abstained", "unanswerable: abstained", "rate"),
    ("route_accuracy", "route accuracy", "rate"),
    ("wrong_positive_verdicts", "wrong 'covered' verdicts", "count"),
    ("injection_wrong_verdicts", "injection: wrong verdicts", "count"),
    ("latency_p50_ms", "latency p50 (ms)", "ms"),
    ("latency_p95_ms", "latency p95 (ms)", "ms"),
    ("wall_p50_ms", "wall time p50 (ms)", "ms"),
    ("wall_p95_ms", "wall time p95 (ms)", "ms"),
)
LABELS = {key: label for key, label, _ in FIGURES}
KINDS = {key: kind for key, _, kind in FIGURES}

Asker = Callable[[dict[str, Any]], dict[str, Any]]


def run_eval(
    settings: Settings,
    *,
    gold: Path | None = None,
    corpus: Path | None = None,
    out: Path | None = None,
    baseline: bool = True,
    gate: bool = False,
    index: Path | None = None,
    thresholds: Path | None = None,
    home_payer: str | None = EVAL_HOME_PAYER,
    baseline_floor: bool = False,
    summary: dict[str, Any] | None = None,
) -> int:
    """Returns the exit code: 1 when `gate` and a figure misses its floor (or, with `baseline_floor`, falls below the
    naive baseline on top-1 document or quote recall@3), else 0. `summary`, when given, receives both systems' figures."""
    from retrieval.answer import AnswerEngine
    from retrieval.embeddings import get_embedder
    from retrieval.ingest import ingest

    gold_path = Path(gold or DEFAULT_GOLD)
    corpus = Path(corpus or DEFAULT_CORPUS)
    out = Path(out or DEFAULT_OUT)
    items = load_gold(gold_path)
    floors = load_thresholds(Path(thresholds or DEFAULT_THRESHOLDS))
    # chroma_url=None: the eval always builds its own embedded index; on a Chroma server it would replace the served one
    eval_settings = replace(settings, corpus=corpus, index=eval_index(settings, index), home_payer=home_payer,
                            chroma_url=None)
    embedder = get_embedder(eval_settings.embedder)

    _say(f"eval: {len(items)} questions from {display_path(gold_path)}; corpus {display_path(corpus)}; index {display_path(eval_settings.index)}")
    stale = stale_modules(eval_settings)
    if stale:
        _say(f"eval: rebuilding the eval index: {', '.join(stale)} changed since it was built")
    built = ingest(eval_settings, [corpus], embedder=embedder, rebuild=bool(stale))
    record_sources(eval_settings)
    for source, reason in built.skipped:
        _say(f"eval: skipped {source}: {reason}")
    _say(f"eval: index has {built.documents} documents ({built.embedded} chunks embedded now, {built.seconds:.1f} s)")
    embedder.encode(["warm up"])  # the model loads here, not inside the first question's latency

    engine = AnswerEngine(eval_settings)

    def ask_ours(item: dict[str, Any]) -> dict[str, Any]:
        return engine.ask(item["question"], history=list(item.get("history") or []),
                          audience=item.get("audience", "rep"), answer_id=item.get("id")).to_dict()

    texts = SourceTexts(roots=[Path.cwd(), PROJECT_ROOT])
    systems: dict[str, tuple[list[dict[str, Any]], list[float]]] = {"ours": ask_all("ours", items, ask_ours)}
    naive_chunks = None
    if baseline:
        from .baseline import NaiveBaseline

        started = time.perf_counter()
        naive = NaiveBaseline(corpus, embedder)
        naive_chunks = naive.chunks
        _say(f"eval: baseline indexed {naive.chunks} chunks of 1000/200 in {time.perf_counter() - started:.1f} s")

        def ask_naive(item: dict[str, Any]) -> dict[str, Any]:
            return naive.ask(item["question"], audience=item.get("audience", "rep"), answer_id=item.get("id"))

        systems["baseline"] = ask_all("baseline", items, ask_naive)

    figures = {name: metrics.compute(list(zip(items, answers, strict=True)), texts, walls)
               for name, (answers, walls) in systems.items()}
    truth = gold_path.parent / "documents.jsonl"  # the wild splits' record of what each document's header says
    read = document_figures(engine.index, truth) if truth.is_file() else None
    misses = gate_misses(figures["ours"], floors)
    if baseline_floor and "baseline" in figures:
        misses += below_baseline(figures["ours"], figures["baseline"])
    if summary is not None:
        summary.update(figures=figures, misses=misses, questions=len(items), documents=read)

    print(format_table(figures["ours"], figures.get("baseline"), floors))
    if read is not None:
        print(format_documents(gold_path.parent.name, read))
    out.mkdir(parents=True, exist_ok=True)
    report = build_report(items, systems, figures, floors, misses, texts, {
        "gold": display_path(gold_path), "corpus": display_path(corpus), "index": display_path(eval_settings.index),
        "home_payer": home_payer, "embedder": embedder.name, "baseline_chunks": naive_chunks, "documents_read": read,
    })
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_chart(figures["ours"], figures.get("baseline"), floors, out / "chart.png")
    _say(f"eval: wrote {display_path(out / 'report.json')} and {display_path(out / 'chart.png')}")
    if misses:
        _say("eval: below floor: " + ", ".join(f"{LABELS.get(m, m)} ({_fmt(m, figures['ours'].value(m))})" for m in misses))
    return 1 if gate and misses else 0


def below_baseline(ours: Figures, baseline: Figures) -> list[str]:
    """The figures where ours finds the right document or sentence less often than the naive pipeline."""
    return [f"{name} below baseline" for name in BASELINE_FLOOR_FIGURES
            if ours.value(name) is not None and baseline.value(name) is not None
            and ours.value(name) < baseline.value(name) - 1e-9]


def run_suites(settings: Settings, names: Sequence[str], *, out: Path | None = None, baseline: bool = True,
               gate: bool = False, index: Path | None = None) -> int:
    """Each named suite with its own index (<eval index>/<suite>) and report folder (<out>/<suite>), then one summary
    table of the headline figures, ours beside the baseline. Exit 1 when `gate` and a suite misses its gate."""
    base_index = eval_index(settings, index)
    out = Path(out or DEFAULT_OUT)
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        suite = SUITES[name]
        print(f"\n== {suite.name}: {suite.about}")
        results[name] = {}
        run_eval(settings, gold=suite.gold, corpus=suite.corpus, out=out / suite.name, baseline=baseline, gate=False,
                 index=base_index / suite.name, thresholds=suite.thresholds, home_payer=suite.home_payer,
                 baseline_floor=suite.baseline_floor, summary=results[name])
    print("\n" + format_summary(results))
    for name, result in results.items():
        if result.get("documents"):
            print(format_documents(name, result["documents"]))
    for name in names:
        if SUITES[name].twins:
            line = twin_agreement(SUITES[name], out)
            if line:
                print(line)
    failed = {name: r["misses"] for name, r in results.items() if r["misses"] and SUITES[name].gated}
    for name, misses in failed.items():
        _say(f"eval: {name} misses its gate: " + ", ".join(misses))
    return 1 if gate and failed else 0


SUMMARY_FIGURES = ("verdict_accuracy", "top1_document", "quote_recall_at_1", "quote_recall_at_3", "wrongly_abstained",
                   "unanswerable_abstained", "wrong_positive_verdicts", "quote_exactness", "latency_p50_ms")


def twin_agreement(suite: Suite, out: Path) -> str | None:
    """How often a question and its twin in another language get the same answer: verdict, route and first policy."""
    try:
        ours = json.loads((out / suite.name / "report.json").read_text(encoding="utf-8"))["questions"]
        theirs = json.loads((out / str(suite.twins) / "report.json").read_text(encoding="utf-8"))["questions"]
    except (OSError, ValueError, KeyError):
        return None
    twins = {json.loads(line)["id"]: json.loads(line).get("twin")
             for line in suite.gold.read_text(encoding="utf-8").splitlines() if line.strip()}
    by_id = {q["id"]: q["ours"] for q in theirs}
    pairs = [(q["ours"], by_id[twins[q["id"]]]) for q in ours if twins.get(q["id"]) in by_id]
    if not pairs:
        return None
    same = {key: sum(a.get(key) == b.get(key) for a, b in pairs) for key in ("verdict", "route", "top_policy_id")}
    return (f"{suite.name} beside its {suite.twins} twins ({len(pairs)} pairs): same verdict {same['verdict']}, "
            f"same route {same['route']}, same first policy {same['top_policy_id']}")


def format_summary(results: dict[str, dict[str, Any]]) -> str:
    """One row per suite and system: the figures the product is judged on."""
    rows = [("suite", "system", *(LABELS[n] for n in SUMMARY_FIGURES))]
    for name, result in results.items():
        for system in ("ours", "baseline"):
            figures = result["figures"].get(system)
            if figures is not None:
                rows.append((name if system == "ours" else "", system,
                             *(_fmt(n, figures.value(n)) for n in SUMMARY_FIGURES)))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(row)).rstrip()
             for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def eval_index(settings: Settings, index: Path | None) -> Path:
    """The eval's own index folder. The serving index is never used: ingesting evals/corpus into it would take the
    served policies out. Precedence: `index`, $POLICYQA_EVAL_INDEX, a non-serving settings.index, .index-eval/."""
    if index is not None:
        return Path(index)
    if os.environ.get("POLICYQA_EVAL_INDEX"):
        return Path(os.environ["POLICYQA_EVAL_INDEX"])
    serving = {Settings().index.resolve()}
    if os.environ.get("POLICYQA_INDEX"):
        serving.add(Path(os.environ["POLICYQA_INDEX"]).resolve())
    if settings.index.resolve() not in serving:
        return settings.index
    return DEFAULT_INDEX


SOURCES_FILE = "ingest-sources.json"  # beside the eval index's generations: the ingest code that built it


def _ingest_sources() -> dict[str, str]:
    """A digest of each ingest module's source as it is on disk now."""
    package = Path(__file__).resolve().parent.parent / "retrieval"
    return {name: hashlib.sha256((package / name).read_bytes()).hexdigest()
            for name in INGEST_MODULES if (package / name).exists()}


# The ingest code this process runs, read when the eval starts: an edit made while an index is being built (or
# before it is) leaves that index marked as built by the code it was built with.
SOURCES_LOADED = _ingest_sources()


def record_sources(settings: Settings) -> None:
    (settings.index / SOURCES_FILE).write_text(json.dumps(SOURCES_LOADED, indent=1, sort_keys=True), encoding="utf-8")


def stale_modules(settings: Settings) -> list[str]:
    """Ingest-side modules changed since the eval index was built. Ingest re-embeds only changed documents, so a
    parser or chunker edit without a PIPELINE_VERSION bump would otherwise be scored on the old index. The digests the
    eval recorded after its build decide; an index with none (built by `policyqa ingest`) is judged by file times."""
    from retrieval import index as idx

    recorded_path = settings.index / SOURCES_FILE
    if recorded_path.is_file():
        try:
            recorded = json.loads(recorded_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            recorded = {}
        current = _ingest_sources()
        return [f"retrieval/{name}" for name in INGEST_MODULES if name in current and recorded.get(name) != current[name]]

    try:
        generation = idx.active_generation(settings)
    except PolicyQAError:
        return []  # a damaged index is rebuilt by ingest anyway
    built_at = generation.manifest.get("built_at") if generation else None
    if not isinstance(built_at, int | float):
        return []
    package = Path(idx.__file__).resolve().parent
    return [f"retrieval/{name}" for name in INGEST_MODULES
            if (package / name).exists() and (package / name).stat().st_mtime > built_at]


def load_gold(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise PolicyQAError(f"gold file {path} does not exist")
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise PolicyQAError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
        if not isinstance(item, dict) or not isinstance(item.get("question"), str) or not isinstance(item.get("expect"), dict):
            raise PolicyQAError(f"{path}:{number}: a gold line needs 'question' (text) and 'expect' (object)")
        items.append(item)
    if not items:
        raise PolicyQAError(f"gold file {path} holds no questions")
    return items


def load_thresholds(path: Path) -> dict[str, dict[str, float]]:
    try:
        floors = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise PolicyQAError(f"cannot read thresholds {path}: {exc}") from None
    for name, bound in floors.items():
        if name not in LABELS or not isinstance(bound, dict) or not set(bound) <= {"min", "max"} or not bound:
            raise PolicyQAError(f"{path}: {name!r} must be a known figure with {{\"min\": x}} and/or {{\"max\": x}}")
    return floors


def ask_all(system: str, items: Sequence[dict[str, Any]], ask: Asker) -> tuple[list[dict[str, Any]], list[float]]:
    """Every question in order, timed. A question that raises is recorded as an error answer: one bug must not hide the rest."""
    answers, walls = [], []
    every = max(1, len(items) // 10)
    for n, item in enumerate(items, 1):
        started = time.perf_counter()
        try:
            answer = ask(item)
        except Exception as exc:  # the eval reports engine crashes as failed questions instead of dying on them
            answer = {"id": item.get("id"), "question": item["question"], "verdict": None, "abstained": False,
                      "route": None, "citations": [], "latency_ms": 0.0, "error": f"{type(exc).__name__}: {exc}"}
        walls.append((time.perf_counter() - started) * 1000)
        answers.append(answer)
        if n % every == 0 or n == len(items):
            _say(f"eval: {system} {n}/{len(items)}")
    errors = sum("error" in a for a in answers)
    if errors:
        _say(f"eval: {system}: {errors} questions raised an error (see 'error' in report.json)")
    return answers, walls


def gate_misses(figures: Figures, floors: dict[str, dict[str, float]]) -> list[str]:
    """Figures that miss their floor; a figure that could not be measured misses too."""
    misses = []
    for name, bound in floors.items():
        value = figures.value(name)
        if value is None or ("min" in bound and value < bound["min"] - 1e-9) or ("max" in bound and value > bound["max"] + 1e-9):
            misses.append(name)
    return misses


# ---------------------------------------------------------------- table


def _fmt(name: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    kind = KINDS.get(name, "rate")
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "ms":
        return f"{value:.1f}"
    return f"{value:g}"


def _cell(figure: metrics.Figure | None) -> str:
    if figure is None:
        return "—"
    text = _fmt(figure.name, figure.value)
    if KINDS.get(figure.name) == "rate" and figure.total:
        text += f" ({figure.hits}/{figure.total})"
    return text


def _floor_text(name: str, bound: dict[str, float] | None) -> str:
    if not bound:
        return ""
    parts = [f">= {_fmt(name, bound['min'])}" if "min" in bound else "", f"<= {_fmt(name, bound['max'])}" if "max" in bound else ""]
    return " ".join(p for p in parts if p)


def format_table(ours: Figures, baseline: Figures | None, floors: dict[str, dict[str, float]]) -> str:
    misses = set(gate_misses(ours, floors))
    rows = [("figure", "ours", "baseline", "floor", "")]
    for name, label, _ in FIGURES:
        status = ("MISS" if name in misses else "ok") if name in floors else ""
        rows.append((label, _cell(ours.values.get(name)), _cell(baseline.values.get(name)) if baseline else "—",
                     _floor_text(name, floors.get(name)), status))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)).rstrip()
             for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


# ---------------------------------------------------------------- report


def build_report(items, systems, figures, floors, misses, texts: SourceTexts, run: dict[str, Any]) -> dict[str, Any]:
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run": run,
        "gate": {"passed": not misses, "below_floor": misses},
        "figures": {
            name: {
                "label": label,
                "floor": floors.get(name),
                "meets_floor": (name not in misses) if name in floors else None,
                **{system: figures[system][name].as_dict() for system in figures},
            }
            for name, label, _ in FIGURES
        },
        "questions": [
            {
                "id": item.get("id"), "category": item.get("category"), "question": item["question"],
                "history": item.get("history") or [], "audience": item.get("audience", "rep"),
                "allow_decline": bool(item.get("allow_decline")), "expect": item["expect"],
                **{system: _row(item, answers[i], walls[i], texts) for system, (answers, walls) in systems.items()},
            }
            for i, item in enumerate(items)
        ],
    }


def _row(item: dict[str, Any], answer: dict[str, Any], wall_ms: float, texts: SourceTexts) -> dict[str, Any]:
    checks = metrics.item_checks(item, answer)
    cites = metrics.citations(answer)
    checks["quotes_exact"] = all(metrics.citation_exact(c, texts) for c in cites) if cites else None
    failed = [name for name, ok in checks.items() if ok is False]
    row = {
        "passed": not failed, "failed_checks": failed,
        "verdict": answer.get("verdict"), "route": answer.get("route"), "abstained": answer.get("abstained"),
        "top_policy_id": cites[0].get("policy_id") if cites else None,
        "top_quote": cites[0].get("quote") if cites else None,
        "cited_policy_ids": [c.get("policy_id") for c in cites],
        "citations": [{k: c.get(k) for k in ("policy_id", "section", "source", "start", "end")} for c in cites],
        # the baseline's answer is its top chunk: no need to write it twice
        "answer": None if answer.get("answer") == (cites[0].get("quote") if cites else "") else answer.get("answer"),
        "latency_ms": answer.get("latency_ms"), "wall_ms": round(wall_ms, 1), "checks": checks,
    }
    if "error" in answer:
        row["error"] = answer["error"]
    return row


# ---------------------------------------------------------------- chart

OURS_COLOR = "#1f6fb2"
BASELINE_COLOR = "#b0b0b0"
FLOOR_COLOR = "#c0392b"


def write_chart(ours: Figures, baseline: Figures | None, floors: dict[str, dict[str, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on CI; also keeps a GUI backend from being picked by accident
    import matplotlib.pyplot as plt

    rates = [name for name, _, kind in FIGURES if kind == "rate"]
    fig = plt.figure(figsize=(15, 6.8), dpi=110)
    grid = fig.add_gridspec(2, 2, width_ratios=[3.2, 1], hspace=0.55, wspace=0.18)
    ax = fig.add_subplot(grid[:, 0])
    labels = [LABELS[n].replace(" ", "\n", 1) + ("\n(lower is better)" if n == "wrongly_abstained" else "") for n in rates]
    _grouped(ax, rates, ours, baseline, floors, scale=100, labels=labels)
    ax.set_ylim(0, 118)
    ax.set_ylabel("percent (of questions; of citations for exactness)")
    ax.set_title("Answer quality: ours vs the naive baseline, same questions" if baseline else "Answer quality (baseline not run)")
    ax.legend(loc="upper right", ncols=3, fontsize=9, frameon=False)

    lat = fig.add_subplot(grid[0, 1])
    _grouped(lat, ["latency_p50_ms", "latency_p95_ms"], ours, baseline, {}, scale=1, labels=["p50", "p95"])
    lat.set_title("latency per question, ms (not gated)", fontsize=10)
    lat.margins(y=0.25)

    size = fig.add_subplot(grid[1, 1])
    _grouped(size, ["median_quote_chars", "injection_wrong_verdicts"], ours, baseline, floors, scale=1,
             labels=["median quote\nlength (chars)", "injection:\nwrong verdicts"])
    size.set_title("lower is better (dashes: CI ceiling)", fontsize=10)
    size.margins(y=0.25)
    fig.savefig(path, bbox_inches="tight")
    plt.close(fig)


def _grouped(ax, names, ours: Figures, baseline: Figures | None, floors, *, scale: float, labels) -> None:
    width = 0.4 if baseline else 0.6
    series = [("ours", ours, OURS_COLOR)] + ([("naive baseline", baseline, BASELINE_COLOR)] if baseline else [])
    for s, (label, figures, color) in enumerate(series):
        offset = (s - (len(series) - 1) / 2) * width
        labelled = False
        for i, name in enumerate(names):
            value = figures.value(name)
            x = i + offset
            if value is None:
                ax.text(x, 1, "n/a", ha="center", va="bottom", fontsize=8, color="#555555", rotation=90)
                continue
            ax.bar(x, value * scale, width, color=color, label=None if labelled else label)
            labelled = True
            ax.text(x, value * scale, _bar_label(value * scale), ha="center", va="bottom", fontsize=8)
    drew_floor = False
    for i, name in enumerate(names):  # the floor as a dashed mark across the pair of bars it gates
        for bound in (floors.get(name) or {}).values():
            ax.hlines(bound * scale, i - 0.45, i + 0.45, colors=FLOOR_COLOR, linestyles="--", linewidth=1.4,
                      label=None if drew_floor else "CI floor")
            drew_floor = True
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(labels, fontsize=8.5)
    ax.spines[["top", "right"]].set_visible(False)


def _bar_label(value: float) -> str:
    # one decimal where rounding would hide the difference that matters (2.7% wrongly abstained vs a 3% ceiling)
    return f"{value:.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.1f}"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
