"""`policyqa serve` on a free loopback port over a given index, for the API tests; and a small HTTP client over
http.client that can pick its source address (127.0.0.x), so one test machine can be several clients."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import LOOPBACK, ROOT, free_loopback_port, stop_process


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # lower-cased names
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text)


@dataclass
class ApiServer:
    url: str
    port: int
    log_path: Path
    process: subprocess.Popen

    def call(self, method: str, path: str, *, body: Any = None, raw: bytes | None = None,
             headers: dict[str, str] | None = None, source: str | None = None) -> Reply:
        connection = http.client.HTTPConnection(LOOPBACK, self.port, timeout=30,
                                                source_address=(source, 0) if source else None)
        try:
            sent = dict(headers or {})
            data = raw
            if body is not None:
                data = json.dumps(body).encode()
                sent.setdefault("Content-Type", "application/json")
            connection.request(method, path, body=data, headers=sent)
            response = connection.getresponse()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()},
                         response.read().decode("utf-8", errors="replace"))
        finally:
            connection.close()

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log_path.read_text(encoding="utf-8").splitlines() if line.strip()]


def api_env(index: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
    env.update(POLICYQA_INDEX=str(index), POLICYQA_EMBEDDER="hashing", **extra)
    return env


def start_api(env: dict[str, str], log_path: Path) -> ApiServer:
    port = free_loopback_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "retrieval.cli", "serve", "--host", LOOPBACK, "--port", str(port)],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
    return ApiServer(f"http://{LOOPBACK}:{port}", port, log_path, process)


def wait_ready(server: ApiServer, timeout_s: float = 90) -> None:
    """Until /readyz answers 200 (the engine has loaded); fails with the server's log when it never does."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            break
        try:
            if server.call("GET", "/readyz").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    stop_process(server.process)
    pytest.fail(f"the API at {server.url} did not become ready (exit code {server.process.poll()}):\n"
                f"{server.log_path.read_text()[-3000:]}")


@contextmanager
def serving(*servers: ApiServer) -> Iterator[None]:
    """Waits for every server (they load side by side), and always stops them all."""
    try:
        for server in servers:
            wait_ready(server)
        yield
    finally:
        for server in servers:
            stop_process(server.process)


__all__ = ["ApiServer", "Reply", "api_env", "serving", "start_api", "wait_ready", "ROOT"]
