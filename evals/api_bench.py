"""`python -m evals.api_bench`: latency and throughput of the HTTP API (`policyqa serve`) over the real corpus index.

A benchmark, not a timed test: it brings the index up to date (`ingest`, a no-op when corpus/ is unchanged), starts the
server as a subprocess on a free loopback port with the rate limit off, and times POST /v1/ask and GET /v1/codes/{code}
from 1 and from 8 concurrent clients (threads, each with its own keep-alive connection). Every question asked is
different, so each one costs the server a forward pass of the embedding model (its query cache never answers); a code
lookup repeats, as a rep's would. Latency is the client's wall time per request, connection reused.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from retrieval.ingest import ingest
from retrieval.settings import PROJECT_ROOT, Settings

HOST = "127.0.0.1"
TEMPLATES = (
    "Is {service} covered for {condition}?", "Does the plan cover {service} for {condition}?",
    "Is {service} medically necessary for {condition}?", "Will you pay for {service} for my {condition}?",
    "{service} for {condition}: covered or investigational?", "Coverage of {service} when the member has {condition}?",
    "Is {service} considered investigational for {condition}?", "can a member get {service} for {condition} covered",
    "What does the policy say about {service} for {condition}?", "Is {service} approved to treat {condition}?",
)
CONDITIONS = (
    "knee osteoarthritis", "low back pain", "chronic neck pain", "tennis elbow", "plantar fasciitis", "Achilles tendinosis",
    "rotator cuff tendinopathy", "sacroiliac joint pain", "hip osteoarthritis", "iliotibial band syndrome",
    "knee ligament instability", "myofascial pain", "neuropathic pain", "groin pain", "shoulder pain", "TMJ pain",
    "osteitis pubis", "chronic ankle sprain", "whiplash", "fibromyalgia", "migraine", "hand osteoarthritis",
    "golfer's elbow", "patellar tendinopathy", "degenerative disc disease", "chronic pelvic pain", "a torn meniscus",
    "jumper's knee", "coccydynia", "hamstring tendinopathy", "de Quervain tenosynovitis", "trigger finger",
    "thumb arthritis", "sports hernia", "frozen shoulder", "bursitis of the hip", "gluteal tendinopathy",
    "spondylolisthesis", "facet joint pain", "costochondritis", "musculoskeletal pain", "ankle osteoarthritis",
    "wrist pain", "chronic tendon pain", "ligament laxity", "post-surgical knee pain", "arthritis in the fingers",
    "a sprained wrist", "lumbar strain", "a partial tendon tear", "elbow pain", "heel pain", "back spasms",
    "calf strain", "shin splints", "sciatica", "a stiff neck", "jaw pain", "knee pain after running", "old sports injuries",
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Client:
    """One keep-alive connection: what one rep's chat tool would hold."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if body is not None else {}
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        return response.status, response.read()


def _start(settings: Settings, port: int, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "POLICYQA_INDEX": str(settings.index), "POLICYQA_EMBEDDER": settings.embedder,
           "POLICYQA_API_RATE": "0"}  # the benchmark is one client address sending as fast as it can
    with log_path.open("w") as log:
        server = subprocess.Popen([sys.executable, "-m", "retrieval.cli", "serve", "--host", HOST, "--port", str(port)],
                                  cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if Client(port).call("GET", "/readyz")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"the API did not become ready:\n{log_path.read_text()[-3000:]}")


def _run(port: int, clients: int, requests: list[tuple[str, str, dict[str, Any] | None]]) -> dict[str, Any]:
    """Send every request from `clients` threads; each request's wall time, the statuses and the throughput."""
    work = iter(requests)
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[int] = []

    def worker() -> None:
        client = Client(port)
        while True:
            with lock:
                item = next(work, None)
            if item is None:
                return
            started = time.perf_counter()
            status, _ = client.call(*item)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    failures.append(status)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(worker) for _ in range(clients)]:
            future.result()
    wall = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"clients": clients, "requests": len(latencies), "p50_ms": round(statistics.median(latencies), 1),
            "p99_ms": round(cuts[98], 1), "max_ms": round(max(latencies), 1), "requests_per_s": round(len(latencies) / wall, 1),
            "errors": len(failures)}


def _questions(titles: list[str], count: int) -> list[str]:
    pool = [t.format(service=title.lower(), condition=c)
            for title, t, c in itertools.product(titles, TEMPLATES, CONDITIONS)]
    if len(pool) < count:
        raise SystemExit(f"only {len(pool)} distinct questions for {count} requests; lower --requests")
    return pool[:count]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.api_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="policy folder (default corpus/ or $POLICYQA_CORPUS)")
    parser.add_argument("--index", type=Path, help="index folder (default .index/ or $POLICYQA_INDEX)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per endpoint and client count")
    parser.add_argument("--clients", default="1,8", help="concurrent client counts (default 1,8)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)
    settings = Settings.from_env(corpus=args.corpus, index=args.index)
    counts = [int(c) for c in args.clients.split(",")]

    report = ingest(settings, [settings.corpus])  # a no-op when corpus/ is unchanged
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="policyqa-api-bench-") as work:
        server = _start(settings, port, Path(work) / "server.log")
        try:
            probe = Client(port)
            policies = json.loads(probe.call("GET", "/v1/policies")[1])["policies"]
            titles = sorted({p["title"] for p in policies})
            codes = [c for p in policies for c in json.loads(probe.call("GET", f"/v1/policies/{p['policy_id']}")[1])["codes"]]
            if not codes:
                raise SystemExit("the corpus lists no procedure codes to look up")
            questions = iter(_questions(titles, 20 + sum(args.requests for _ in counts)))
            for _ in range(20):  # warm-up: the model's first passes, the policies' sentence vectors
                probe.call("POST", "/v1/ask", {"question": next(questions)})
                probe.call("GET", f"/v1/codes/{codes[0]}")
            code_cycle = itertools.cycle(codes)
            scenarios: list[tuple[str, Callable[[], tuple[str, str, dict[str, Any] | None]]]] = [
                ("POST /v1/ask", lambda: ("POST", "/v1/ask", {"question": next(questions), "audience": "rep"})),
                (f"GET /v1/codes/{{code}} ({', '.join(codes[:3])})",
                 lambda: ("GET", f"/v1/codes/{next(code_cycle)}", None)),
            ]
            load_before = os.getloadavg()[0]
            rows = []
            for name, make in scenarios:
                for clients in counts:
                    rows.append({"endpoint": name, **_run(port, clients, [make() for _ in range(args.requests)])})
            load_after = os.getloadavg()[0]
        finally:
            server.terminate()
            server.wait(timeout=30)

    print(f"policyqa API benchmark: {len(policies)} policies ({report.generation}), embedder {settings.embedder}, "
          f"{os.cpu_count()} CPUs, 1-min load {load_before:.2f} before / {load_after:.2f} after")
    print(f"{'endpoint':<36} {'clients':>7} {'requests':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'req/s':>7} {'errors':>6}")
    for row in rows:
        print(f"{row['endpoint']:<36} {row['clients']:>7} {row['requests']:>8} {row['p50_ms']:>8} {row['p99_ms']:>8} "
              f"{row['max_ms']:>8} {row['requests_per_s']:>7} {row['errors']:>6}")
    if args.json:
        print(json.dumps({"policies": len(policies), "generation": report.generation, "embedder": settings.embedder,
                          "cpus": os.cpu_count(), "load": [load_before, load_after], "rows": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
