"""Crash safety, measured: `policyqa ingest` is SIGKILLed at random points and the served index is checked each time.

`python -m evals.crash --runs 20` builds a corpus in two versions (v2 edits one policy's coverage statement, deletes
one policy and adds one), makes clean builds of both as the reference, ingests v1, then N times starts
`policyqa ingest` on the other version in a subprocess and SIGKILLs it after a seeded random delay. After every kill
the served index must answer, and hold exactly the chunks, sentences and policies of the clean v1 or v2 build (ids,
texts, metadata and vectors) with the same answer as that build. A final unkilled run must converge to the clean v2
build, and a run after it must embed nothing. It also times how long a second writer waits for its clear error.
Exit code 0 when every check held, 1 when one failed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from retrieval import index as idx
from retrieval.settings import PROJECT_ROOT, Settings
from retrieval.store import COLLECTIONS, ChromaStore

EVAL_CORPUS = Path(__file__).resolve().parent / "corpus"
SEED = "wellmark-medical-policy-02.01.18-prolotherapy.txt"
EDITED = "bluestem-bh-med-114-acupuncture.txt"
DELETED = "cascade-cha-mp-0318-tmj-disorders.md"
ADDED = "lakeshore-lhp-031-low-level-laser-therapy.txt"
SMALL = (SEED, SEED + ".meta.json", EDITED, DELETED)
# v1 covers electroacupuncture, v2 calls it investigational: the answer itself tells which version is served.
QUESTION = "Does Bluestem cover electroacupuncture?"
V1_STATEMENT = "Acupuncture, with or without electrical stimulation, is covered.\n\nCoverage is not limited to particular diagnoses."
V2_STATEMENT = "Acupuncture without electrical stimulation is covered.\n\nElectroacupuncture is considered investigational."
ADDED_TEXT = """Lakeshore Health Plan
Policy ID: LHP-031
Policy Name: Low-Level Laser Therapy
Effective Date: 03/01/2025
Last Review Date: 02/11/2025

Description:
Low-level laser therapy (photobiomodulation) applies red or near-infrared light to tissue to relieve pain or speed healing.

Coverage:
Low-level laser therapy is considered investigational for all indications, including but not limited to neck pain,
low back pain, carpal tunnel syndrome, oral mucositis and wound healing.

Codes:
  S8948  Application of a modality (requiring constant provider attendance) to one or more areas; low-level laser; each 15 minutes

History:
  02/11/2025  New policy
"""
DELAY_BEFORE_BUILD_S = 0.5  # the kill window opens this long before a full run starts building its new generation
DELAY_AFTER_EXIT_S = 0.2  # and closes this long after it exited: some runs finish, which must be fine too


@dataclass
class Run:
    run: int
    target: str  # the corpus version this ingest was building
    delay_s: float
    outcome: str  # killed before building | killed mid-build | killed after the switch | finished
    served: str  # v1 | v2 | neither
    answers: bool
    generations_on_disk: int
    seconds_to_check: float
    problem: str = ""


@dataclass
class Report:
    runs: list[Run] = field(default_factory=list)
    corpus_documents: dict[str, int] = field(default_factory=dict)
    full_run: dict[str, float] = field(default_factory=dict)  # phases of an unkilled v1→v2 ingest, seconds
    window_s: tuple[float, float] = (0.0, 0.0)
    converged: bool = False
    convergence_seconds: float = 0.0
    rerun_embedded: int = -1
    generations_after_convergence: int = 0
    second_writer_seconds: float = 0.0
    second_writer_exit: int = 0
    second_writer_message: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------- corpus versions


def write_version(corpus: Path, version: str, small: bool) -> None:
    """Makes `corpus` hold exactly the files of `version`, in place (the doc keys stay those of one folder)."""
    names = SMALL if small else tuple(sorted(p.name for p in EVAL_CORPUS.iterdir() if p.is_file()))
    wanted: dict[str, str] = {}
    for name in names:
        if version == "v2" and name == DELETED:
            continue
        text = (EVAL_CORPUS / name).read_text(encoding="utf-8")
        if version == "v2" and name == EDITED:
            if V1_STATEMENT not in text:
                raise RuntimeError(f"{name} no longer holds the statement this script edits")
            text = text.replace(V1_STATEMENT, V2_STATEMENT)
        wanted[name] = text
    if version == "v2":
        wanted[ADDED] = ADDED_TEXT
    corpus.mkdir(parents=True, exist_ok=True)
    for path in corpus.iterdir():
        if path.name not in wanted:
            path.unlink()
    for name, text in wanted.items():
        path = corpus / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- what is served


def fingerprint(settings: Settings) -> dict[str, Any]:
    """A digest of the served generation's records (ids, texts, metadata, vectors) and manifest, plus its counts."""
    generation = idx.require_generation(settings)
    store = ChromaStore.persistent(generation.chroma_path)
    digest = hashlib.sha256()
    counts = {}
    for collection in COLLECTIONS:
        records = store.get_all(collection, embeddings=True)
        counts[collection] = len(records.ids)
        vectors = records.embeddings if records.embeddings is not None else np.zeros((0, 0), np.float32)
        for row in sorted(range(len(records.ids)), key=lambda r: records.ids[r]):
            digest.update(json.dumps([collection, records.ids[row], records.documents[row], records.metadatas[row]],
                                     sort_keys=True).encode())
            digest.update(np.round(vectors[row].astype(np.float64), 5).tobytes())
    documents = generation.manifest.get("documents", {})
    digest.update(json.dumps({k: d["hash"] for k, d in documents.items()}, sort_keys=True).encode())
    complete = (counts["policies"] == len(documents)
                and counts["chunks"] == sum(d["chunks"] for d in documents.values())
                and counts["units"] == sum(d.get("units", 0) for d in documents.values()))
    return {"digest": digest.hexdigest(), "counts": counts, "complete": complete, "generation": generation.name}


def answer(settings: Settings) -> dict[str, Any]:
    """The served index's answer to QUESTION, without the fields that differ from one ask to the next."""
    from retrieval.answer import AnswerEngine

    result = AnswerEngine(settings).ask(QUESTION, audience="rep").to_dict()
    result.pop("latency_ms")
    return result


def release_chroma() -> None:
    """Chroma keeps one client per folder for the life of the process; drop them so this process holds no index open
    while the next ingest runs, and memory stays flat over many generations."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def generations(index: Path) -> set[str]:
    return {p.name for p in index.iterdir() if p.is_dir() and p.name.startswith("gen-")} if index.exists() else set()


def active_name(index: Path) -> str | None:
    try:
        return json.loads((index / idx.ACTIVE).read_text(encoding="utf-8"))["generation"]
    except (OSError, ValueError, KeyError):
        return None


# ---------------------------------------------------------------- the ingest under test


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    env["POLICYQA_EMBEDDER"] = "hashing"
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def ingest_command(corpus: Path, index: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "retrieval.cli", "ingest", "--corpus", str(corpus), "--index", str(index), "--quiet", *extra]


def start_ingest(corpus: Path, index: Path, *extra: str) -> subprocess.Popen:
    # the same working directory as this process: a citation's `source` is written relative to it
    return subprocess.Popen(ingest_command(corpus, index, *extra), cwd=Path.cwd(), env=child_env(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_ingest(corpus: Path, index: Path, *extra: str) -> tuple[int, str, str, float]:
    started = time.monotonic()
    child = start_ingest(corpus, index, *extra)
    out, err = child.communicate(timeout=600)
    return child.returncode, out, err, time.monotonic() - started


def timed_full_run(corpus: Path, index: Path) -> dict[str, float]:
    """Runs one unkilled ingest and notes, from outside, when it starts a new generation, switches, and exits."""
    before_generations, before_active = generations(index), active_name(index)
    started = time.monotonic()
    child = start_ingest(corpus, index)
    phases: dict[str, float] = {}
    while child.poll() is None:
        now = time.monotonic() - started
        if "build_started" not in phases and generations(index) - before_generations:
            phases["build_started"] = now
        if "switched" not in phases and active_name(index) not in (None, before_active):
            phases["switched"] = now
        time.sleep(0.01)
    phases["exited"] = time.monotonic() - started
    out, err = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the timing ingest failed with exit code {child.returncode}: {err.strip() or out.strip()}")
    phases.setdefault("build_started", phases["exited"])
    phases.setdefault("switched", phases["exited"])
    return phases


# ---------------------------------------------------------------- the runs


def served_version(settings: Settings, clean: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    found = fingerprint(settings)
    for version, reference in clean.items():
        if found["digest"] == reference["fingerprint"]["digest"]:
            return version, found
    return "neither", found


def kill_run(number: int, rng: random.Random, corpus: Path, settings: Settings, clean: dict[str, dict[str, Any]],
             window: tuple[float, float], small: bool) -> Run:
    served_before, _ = served_version(settings, clean)
    release_chroma()
    target = "v1" if served_before == "v2" else "v2"
    write_version(corpus, target, small)
    before = generations(settings.index)
    delay = rng.uniform(*window)
    child = start_ingest(corpus, settings.index)
    deadline = time.monotonic() + delay
    while child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    killed = child.poll() is None
    if killed:
        os.kill(child.pid, signal.SIGKILL)
    _, err = child.communicate(timeout=60)
    problem = ""
    if not killed and child.returncode != 0:
        problem = f"the ingest failed on its own with exit code {child.returncode}: {err.strip()[-300:]}"

    checked = time.monotonic()
    try:
        served, found = served_version(settings, clean)
        answers = served in clean and answer(settings) == clean[served]["answer"]
        if served == "neither":
            problem = problem or f"served index matches no clean build (counts {found['counts']}, complete {found['complete']})"
        elif not answers:
            problem = problem or f"the served {served} index answers differently from the clean {served} build"
    except Exception as exc:  # what a reader would meet: any error here is a finding, with its text
        served, answers = "neither", False
        problem = problem or f"the served index cannot be read: {exc.__class__.__name__}: {exc}"
    finally:
        release_chroma()
    if not killed:
        outcome = "finished"
    elif served == target:
        outcome = "killed after the switch"
    elif generations(settings.index) - before:
        outcome = "killed mid-build"
    else:
        outcome = "killed before building"
    return Run(number, target, round(delay, 3), outcome, served, answers, len(generations(settings.index)),
               round(time.monotonic() - checked, 2), problem)


_LOCK_HOLDER = """
import sys, time
from pathlib import Path
from retrieval import index as idx
from retrieval.settings import Settings
lock = idx.writer_lock(Settings(index=Path(sys.argv[1]), embedder="hashing"))
Path(sys.argv[2]).touch()
time.sleep(300)
"""


def second_writer(corpus: Path, index: Path, work: Path) -> tuple[float, int, str]:
    """A process holds the writer lock, as a running ingest does; a second `policyqa ingest` must fail fast and say why."""
    held = work / "lock-held"
    holder = subprocess.Popen([sys.executable, "-c", _LOCK_HOLDER, str(index), str(held)], env=child_env(), cwd=Path.cwd())
    try:
        deadline = time.monotonic() + 60
        while not held.exists():
            if holder.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the lock-holding process did not take the writer lock")
            time.sleep(0.02)
        code, _, err, seconds = run_ingest(corpus, index)
    finally:
        holder.kill()
        holder.wait(timeout=30)
    return seconds, code, err.strip()


def crash_suite(runs: int, seed: int, work: Path, small: bool, log=print) -> Report:
    report = Report()
    corpus = work / "corpus"
    clean: dict[str, dict[str, Any]] = {}
    from retrieval.ingest import ingest

    for version in ("v1", "v2"):
        write_version(corpus, version, small)
        reference = Settings(corpus=corpus, index=work / f"clean-{version}", embedder="hashing")
        ingest(reference)
        clean[version] = {"fingerprint": fingerprint(reference), "answer": answer(reference)}
        report.corpus_documents[version] = clean[version]["fingerprint"]["counts"]["policies"]
        release_chroma()
    if clean["v1"]["answer"]["verdict"] == clean["v2"]["answer"]["verdict"]:
        report.problems.append(f"the question does not tell v1 from v2: {QUESTION!r} gets {clean['v1']['answer']['verdict']!r} from both")
    log(f"clean builds: v1 {clean['v1']['fingerprint']['counts']}, v2 {clean['v2']['fingerprint']['counts']}; "
        f"{QUESTION!r} → v1 {clean['v1']['answer']['verdict']}, v2 {clean['v2']['answer']['verdict']}")

    settings = Settings(corpus=corpus, index=work / "index", embedder="hashing")
    write_version(corpus, "v1", small)
    code, _, err, _ = run_ingest(corpus, settings.index)
    if code != 0:
        raise RuntimeError(f"the first ingest of v1 failed with exit code {code}: {err.strip()}")

    # Where to kill: time one unkilled v1→v2 run on a copy, from outside, and kill from just before it starts
    # building to just after it exits (killing while Python imports proves little).
    scratch = work / "timing-index"
    shutil.copytree(settings.index, scratch)
    write_version(corpus, "v2", small)
    report.full_run = {k: round(v, 2) for k, v in timed_full_run(corpus, scratch).items()}
    shutil.rmtree(scratch)
    report.window_s = (round(max(0.0, report.full_run["build_started"] - DELAY_BEFORE_BUILD_S), 2),
                       round(report.full_run["exited"] + DELAY_AFTER_EXIT_S, 2))
    log(f"an unkilled v1→v2 ingest: new generation started at {report.full_run['build_started']} s, switched at "
        f"{report.full_run['switched']} s, exited at {report.full_run['exited']} s; kills drawn from "
        f"{report.window_s[0]}–{report.window_s[1]} s (seed {seed})")

    rng = random.Random(seed)
    for number in range(1, runs + 1):
        run = kill_run(number, rng, corpus, settings, clean, report.window_s, small)
        report.runs.append(run)
        if run.problem:
            report.problems.append(f"run {number}: {run.problem}")
        log(f"  run {number:>2}: {run.target}, {run.delay_s:5.2f} s → {run.outcome:<24} served {run.served} "
            f"answers {'yes' if run.answers else 'NO'}  ({run.generations_on_disk} generation folders)")

    write_version(corpus, "v2", small)
    code, out, err, seconds = run_ingest(corpus, settings.index, "--json")
    report.convergence_seconds = round(seconds, 2)
    try:
        served, _ = served_version(settings, clean)
        report.converged = code == 0 and served == "v2" and answer(settings) == clean["v2"]["answer"]
    finally:
        release_chroma()
    if not report.converged:
        report.problems.append(f"the final run did not converge to the clean v2 build (exit {code}: {err.strip()[-300:]})")
    code, out, err, _ = run_ingest(corpus, settings.index, "--json")
    report.rerun_embedded = json.loads(out)["embedded"] if code == 0 else -1
    if report.rerun_embedded != 0:
        report.problems.append(f"a run after convergence embedded {report.rerun_embedded} chunks (exit {code})")
    # Not a failure here (what is served is right), but disk: a clean build leaves one folder, a switch keeps two.
    report.generations_after_convergence = len(generations(settings.index))

    seconds, code, message = second_writer(corpus, settings.index, work)
    report.second_writer_seconds, report.second_writer_exit, report.second_writer_message = round(seconds, 2), code, message
    if code != 3 or "another process is writing the index" not in message or seconds >= 5.0:
        report.problems.append(f"second writer: exit {code} after {seconds:.2f} s: {message[-300:]}")
    return report


def print_report(report: Report, runs: int) -> None:
    print()
    print("| run | building | kill after (s) | outcome | served | = clean build | answers as that build |")
    print("|---|---|---|---|---|---|---|")
    for r in report.runs:
        same = "yes" if r.served in ("v1", "v2") else "NO"
        print(f"| {r.run} | {r.target} | {r.delay_s:.2f} | {r.outcome} | {r.served} | {same} | {'yes' if r.answers else 'NO'} |")
    print()
    served_ok = sum(r.served in ("v1", "v2") for r in report.runs)
    answered = sum(r.answers for r in report.runs)
    outcomes = {o: sum(r.outcome == o for r in report.runs) for o in
                ("killed before building", "killed mid-build", "killed after the switch", "finished")}
    print(f"kills: {runs} runs; " + ", ".join(f"{n} {o}" for o, n in outcomes.items()))
    print(f"served index = a clean build (v1 or v2), complete: {served_ok}/{runs}")
    print(f"served index answers as that build: {answered}/{runs}")
    print(f"most generation folders on disk between runs: {max((r.generations_on_disk for r in report.runs), default=0)}")
    print(f"final re-run converged to the clean v2 build: {'yes' if report.converged else 'NO'} "
          f"({report.convergence_seconds} s); the run after it embedded {report.rerun_embedded} chunks")
    print(f"generation folders left after convergence: {report.generations_after_convergence} "
          f"(served + previous = 2; more means a killed build's folder is still on disk)")
    print(f"second writer: exit code {report.second_writer_exit} after {report.second_writer_seconds} s: "
          f"{report.second_writer_message.splitlines()[-1] if report.second_writer_message else ''}")
    print("ALL CHECKS HELD" if report.ok else "FAILED:\n  " + "\n  ".join(report.problems))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.crash", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="ingests to kill (default 20)")
    parser.add_argument("--seed", type=int, default=20240611, help="seeds the kill delays")
    parser.add_argument("--small", action="store_true", help="a 3-document corpus instead of evals/corpus (for the tests)")
    parser.add_argument("--work", type=Path, help="working folder (default: a new temporary folder, removed afterwards)")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    work = args.work or Path(tempfile.mkdtemp(prefix="policyqa-crash-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        started = time.monotonic()
        report = crash_suite(args.runs, args.seed, work, args.small)
        print_report(report, args.runs)
        print(f"({time.monotonic() - started:.0f} s in all)")
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(asdict(report), indent=1) + "\n", encoding="utf-8")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
