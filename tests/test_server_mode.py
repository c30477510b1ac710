"""Server mode: the same ingest and answers against a real `chroma run` on loopback, generations as collection sets,
readers that keep answering through a switch, an authenticating proxy, and clear messages when the server is away."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import BLUESTEM_CGM, LOOPBACK, ROOT, CountingEmbedder, free_loopback_port, wait_for

from retrieval import index as idx
from retrieval.answer import AnswerEngine
from retrieval.chunking import chunk_document
from retrieval.cli import EXIT_INDEX, main
from retrieval.corpus import discover, display_path, load_document
from retrieval.errors import ConfigError, IndexCorruptError, IndexUnavailableError
from retrieval.ingest import ingest
from retrieval.search import LoadedIndex
from retrieval.settings import Settings
from retrieval.store import COLLECTIONS, CONNECT_TIMEOUT_S, READ_TIMEOUT_S, http_client

pytestmark = pytest.mark.server

QUESTION = "Is prolotherapy covered for knee osteoarthritis?"
LEAD_IN = "Prolotherapy is considered investigational for all applications, including but not limited to:"
SEED_NAME = "wellmark-medical-policy-02.01.18-prolotherapy.txt"
ACUPUNCTURE_NAME = "bluestem-bh-med-114-acupuncture.txt"


@pytest.fixture
def server_settings(settings: Settings, chroma_server: str) -> Settings:
    """The conftest settings pointed at the session's server, in a namespace of this test's own."""
    return replace(settings, chroma_url=chroma_server, chroma_namespace=f"t{uuid.uuid4().hex[:10]}")


def _served_ids(settings: Settings) -> dict[str, dict[str, set[str]]]:
    """collection → doc_key → ids, as the served generation on the server holds them."""
    index = idx.backend(settings)
    store = index.open_store(idx.require_generation(settings))
    served: dict[str, dict[str, set[str]]] = {}
    for collection in COLLECTIONS:
        records = store.get_all(collection)
        for id_, metadata in zip(records.ids, records.metadatas, strict=True):
            served.setdefault(collection, {}).setdefault(metadata["doc_key"], set()).add(id_)
    return served


def _expected_chunks(corpus: Path) -> dict[str, set[str]]:
    return {f.doc_key: {c.chunk_id for c in chunk_document(load_document(f))[1]} for f in discover([corpus])}


def _generations(settings: Settings) -> set[str]:
    index = idx.backend(settings)
    assert isinstance(index, idx.ServerBackend)
    return set(index.generations())


def _edit_acupuncture(corpus: Path, line: str) -> None:
    path = corpus / ACUPUNCTURE_NAME
    marker = "Policy Name: Acupuncture\n"
    text = path.read_text(encoding="utf-8")
    assert marker in text
    # an early insertion shifts every later offset, so every chunk of this document gets a new id
    path.write_text(text.replace(marker, marker + line + "\n", 1), encoding="utf-8")


# ---------------------------------------------------------------- round trip, idempotence, edits


def test_cli_ingest_then_ask_round_trips_through_the_server(
    server_settings: Settings, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("POLICYQA_CHROMA_URL", server_settings.chroma_url)
    monkeypatch.setenv("POLICYQA_CHROMA_NAMESPACE", server_settings.chroma_namespace)
    index = str(server_settings.index)
    assert main(["ingest", "--corpus", str(corpus_dir), "--index", index, "--quiet", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["documents"], report["switched"]) == (2, True)

    assert main(["ask", QUESTION, "--index", index, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    first = answer["citations"][0]
    # the catch-all's lead-in with the asked item, one passage of its short list
    assert (answer["verdict"], answer["route"], first["policy_id"], first["section"]) == (
        "investigational", None, "02.01.18", "Policy")
    assert first["quote"].startswith(LEAD_IN) and first["quote"].endswith("Knee osteoarthritis")
    assert Path(first["source"]).read_text(encoding="utf-8")[first["start"]:first["end"]] == first["quote"]

    assert main(["stats", "--index", index, "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["index"], stats["generation"], stats["documents"]) == (
        f"{server_settings.chroma_url} (Chroma server, namespace {server_settings.chroma_namespace})",
        report["generation"], 2)
    # the local folder holds only the writer lock; the index itself lives on the server
    assert sorted(p.name for p in server_settings.index.iterdir()) == [idx.LOCK]
    assert _generations(server_settings) == {report["generation"]}


def test_re_ingesting_an_unchanged_corpus_embeds_nothing_and_keeps_the_generation(server_settings: Settings) -> None:
    first = ingest(server_settings)
    embedder = CountingEmbedder()
    second = ingest(server_settings, embedder=embedder)
    assert (second.embedded, second.unchanged, second.switched, second.generation) == (0, 2, False, first.generation)
    assert embedder.texts == []
    assert idx.require_generation(server_settings).name == first.generation
    assert _generations(server_settings) == {first.generation}


def test_editing_one_document_replaces_only_its_chunks_and_old_generations_go(
    server_settings: Settings, corpus_dir: Path
) -> None:
    first = ingest(server_settings)
    seed_key, acu_key = f"{corpus_dir.name}/{SEED_NAME}", f"{corpus_dir.name}/{ACUPUNCTURE_NAME}"
    before = _served_ids(server_settings)
    reader = LoadedIndex(server_settings)  # holds the first generation, like an app process mid-question

    _edit_acupuncture(corpus_dir, "Line of Business: Commercial")
    embedder = CountingEmbedder()
    second = ingest(server_settings, embedder=embedder)
    new_acu = _expected_chunks(corpus_dir)[acu_key]
    assert (second.switched, second.updated, second.unchanged, second.embedded) == (
        True, [display_path(corpus_dir / ACUPUNCTURE_NAME)], 1, len(new_acu))
    assert not any("Prolotherapy" in text for text in embedder.texts), "the unchanged policy was copied, not re-embedded"
    after = _served_ids(server_settings)
    assert after["chunks"][acu_key] == new_acu
    assert before["chunks"][acu_key].isdisjoint(new_acu)
    assert {c: by_doc[seed_key] for c, by_doc in after.items()} == {c: by_doc[seed_key] for c, by_doc in before.items()}
    assert _generations(server_settings) == {first.generation, second.generation}, "the previous generation stays"
    assert reader.search("knee osteoarthritis"), "a reader of the previous generation still gets answers"

    _edit_acupuncture(corpus_dir, "Product: PPO")
    third = ingest(server_settings)
    assert _generations(server_settings) == {second.generation, third.generation}, "older generations are deleted"
    assert AnswerEngine(server_settings).ask(QUESTION).citations[0].quote.startswith(LEAD_IN)


def test_a_damaged_pointer_names_the_rebuild_command_and_rebuild_recovers(server_settings: Settings) -> None:
    ingest(server_settings)
    meta = http_client(server_settings.chroma_url, None).get_collection(
        f"{server_settings.chroma_namespace}_meta", embedding_function=None)
    meta.upsert(ids=[idx.POINTER_ID], embeddings=[[1.0]], documents=["{not json"], metadatas=[{"generation": "gen-x"}])
    with pytest.raises(IndexCorruptError, match=r"damaged .*rebuild it with: policyqa ingest --rebuild$"):
        LoadedIndex(server_settings)
    meta.upsert(ids=[idx.POINTER_ID], embeddings=[[1.0]], documents=['{"format": 1}'], metadatas=[{"generation": "gen-gone"}])
    with pytest.raises(IndexCorruptError, match=r"incomplete; rebuild it with: policyqa ingest --rebuild$"):
        idx.active_generation(server_settings)
    report = ingest(server_settings, rebuild=True)
    assert (report.switched, report.documents) == (True, 2)
    assert AnswerEngine(server_settings).ask(QUESTION).verdict == "investigational"


# ---------------------------------------------------------------- readers while one ingest writes

_READER = """
import json, os, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from retrieval import index as idx
from retrieval.answer import AnswerEngine
from retrieval.settings import Settings

corpus, index, url, namespace, status, stop = sys.argv[1:7]
settings = Settings(corpus=Path(corpus), index=Path(index), embedder="hashing", chroma_url=url, chroma_namespace=namespace)
answers, generations, errors, engine = 0, [], [], None
deadline = time.monotonic() + 180
while not Path(stop).exists() and time.monotonic() < deadline:
    try:
        served = idx.active_generation(settings).name
        if engine is None or engine.index.generation != served:
            engine = AnswerEngine(settings)  # what the app does on its next run after a switch
            generations.append(engine.index.generation)
        answer = engine.ask({question!r})
        if answer.verdict != "investigational" or not answer.citations[0].quote.startswith({lead_in!r}):
            errors.append(f"wrong answer: {{answer.verdict}} {{answer.citations[0].quote!r}}")
        answers += 1
    except Exception as exc:
        errors.append(f"{{exc.__class__.__name__}}: {{exc}}")
    tmp = Path(status + ".tmp")
    tmp.write_text(json.dumps({{"answers": answers, "generations": generations, "errors": errors}}))
    os.replace(tmp, status)
"""


def _status(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {"answers": 0, "generations": [], "errors": []}


def test_readers_keep_answering_while_an_ingest_writes_and_switches(
    server_settings: Settings, corpus_dir: Path, tmp_path: Path
) -> None:
    first = ingest(server_settings)
    script = tmp_path / "reader.py"
    script.write_text(_READER.format(root=str(ROOT), question=QUESTION, lead_in=LEAD_IN), encoding="utf-8")
    stop = tmp_path / "stop"
    statuses = [tmp_path / f"reader-{n}.json" for n in range(2)]
    readers = [
        subprocess.Popen([sys.executable, str(script), str(corpus_dir), str(server_settings.index),
                          server_settings.chroma_url, server_settings.chroma_namespace, str(status), str(stop)])
        for status in statuses
    ]
    try:
        wait_for(lambda: all(_status(s)["answers"] >= 3 for s in statuses), 120, "both readers to answer")
        during = [_status(s)["answers"] for s in statuses]
        _edit_acupuncture(corpus_dir, "Line of Business: Commercial")
        shutil.copy(BLUESTEM_CGM, corpus_dir / BLUESTEM_CGM.name)  # and a new policy to embed
        second = ingest(server_settings)
        answered_during_ingest = sum(_status(s)["answers"] for s in statuses) - sum(during)
        assert (second.switched, len(second.added), len(second.updated)) == (True, 1, 1)
        wait_for(lambda: all(second.generation in _status(s)["generations"] for s in statuses), 120,
                 "both readers to load the new generation")
        counts = [_status(s)["answers"] for s in statuses]
        wait_for(lambda: all(_status(s)["answers"] >= c + 3 for s, c in zip(statuses, counts, strict=True)), 120,
                 "both readers to answer from the new generation")
    finally:
        stop.touch()
        for reader in readers:
            try:
                reader.wait(timeout=60)
            except subprocess.TimeoutExpired:
                reader.kill()
                reader.wait(timeout=30)
    for reader, status in zip(readers, statuses, strict=True):
        result = _status(status)
        assert (reader.returncode, result["errors"]) == (0, [])
        assert result["generations"] == [first.generation, second.generation]
    assert answered_during_ingest > 0, "the readers must have been answering while the ingest ran"


# ---------------------------------------------------------------- an authenticating proxy in front of the server


class _AuthProxy(ThreadingHTTPServer):
    """What a deployment puts in front of Chroma: every request must carry the bearer token, or it gets 401."""

    daemon_threads = True

    def __init__(self, upstream: str, token: str):
        super().__init__((LOOPBACK, 0), _ProxyHandler)
        self.upstream, self.token = upstream, token
        self.refused: list[str | None] = []
        self.forwarded = 0

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.server_address[1]}"


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _AuthProxy

    def _forward(self) -> None:
        import httpx

        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self.server.refused.append(self.headers.get("Authorization"))
            self._reply(401, b'{"error": "unauthorized"}', "application/json")
            return
        self.server.forwarded += 1
        upstream = httpx.request(self.command, self.server.upstream + self.path, content=body, timeout=60,
                                 headers={"Content-Type": self.headers.get("Content-Type", "application/json")})
        self._reply(upstream.status_code, upstream.content, upstream.headers.get("content-type", "application/json"))

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _forward

    def log_message(self, *args: object) -> None:  # quiet: pytest shows stderr of failing tests
        pass


@pytest.fixture
def auth_proxy(chroma_server: str) -> Iterator[_AuthProxy]:
    proxy = _AuthProxy(chroma_server, token="s3cret-token")
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_the_token_is_sent_on_every_request_through_an_authenticating_proxy(
    server_settings: Settings, auth_proxy: _AuthProxy
) -> None:
    through_proxy = replace(server_settings, chroma_url=auth_proxy.url, chroma_token="s3cret-token")
    assert ingest(through_proxy).switched is True
    assert AnswerEngine(through_proxy).ask(QUESTION).citations[0].quote.startswith(LEAD_IN)
    assert auth_proxy.forwarded > 0
    assert auth_proxy.refused == []


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_a_missing_or_wrong_token_is_a_clear_message_that_does_not_echo_it(
    server_settings: Settings, auth_proxy: _AuthProxy, token: str | None
) -> None:
    rejected = replace(server_settings, chroma_url=auth_proxy.url, chroma_token=token)
    with pytest.raises(IndexUnavailableError) as caught:
        LoadedIndex(rejected)
    assert str(caught.value) == (f"the Chroma server at {auth_proxy.url} refused the credentials (HTTP 401); "
                                 f"check POLICYQA_CHROMA_TOKEN")
    assert auth_proxy.refused == [f"Bearer {token}" if token else None]


# ---------------------------------------------------------------- no server there


def test_an_unreachable_server_is_a_clear_message_within_seconds(
    tmp_path: Path, corpus_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://{LOOPBACK}:{free_loopback_port()}"  # nothing listens there
    monkeypatch.setenv("POLICYQA_CHROMA_URL", url)
    index = str(tmp_path / "index")
    for argv in (["ask", QUESTION, "--index", index, "--json"], ["ingest", "--corpus", str(corpus_dir), "--index", index,
                 "--quiet"], ["stats", "--index", index]):
        started = time.monotonic()
        assert main(argv) == EXIT_INDEX, argv
        assert time.monotonic() - started < 5, argv
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err.startswith(f"policyqa: cannot reach the Chroma server at {url} (ConnectError: "), argv
        assert captured.err.rstrip().endswith("check POLICYQA_CHROMA_URL and that the server is running"), argv
        assert "Traceback" not in captured.err


def test_a_server_that_stops_answering_times_out_instead_of_hanging(chroma_server: str) -> None:
    import httpx

    # chromadb's own session waits forever; the store sets a timeout on it (a private attribute, so watch upgrades)
    session = http_client(chroma_server, None)._server._session
    assert session.timeout == httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
    assert (CONNECT_TIMEOUT_S, READ_TIMEOUT_S) == (5.0, 30.0)


# ---------------------------------------------------------------- settings


def test_server_settings_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"POLICYQA_CHROMA_URL": "https://chroma.internal:8443", "POLICYQA_CHROMA_TOKEN": "abc",
                                  "POLICYQA_CHROMA_NAMESPACE": "claims-prod"})
    assert (settings.chroma_url, settings.chroma_token, settings.chroma_namespace) == (
        "https://chroma.internal:8443", "abc", "claims-prod")
    assert "abc" not in repr(settings), "the token must not show up in logs of the settings"
    assert isinstance(idx.backend(settings), idx.ServerBackend)
    assert isinstance(idx.backend(Settings.from_env({})), idx.FolderBackend)


@pytest.mark.parametrize(("env", "message"), [
    ({"POLICYQA_CHROMA_URL": "chroma:8000"}, "POLICYQA_CHROMA_URL='chroma:8000' must start with http:// or https://"),
    ({"POLICYQA_CHROMA_URL": "http://:8000"}, "POLICYQA_CHROMA_URL='http://:8000' names no host"),
    ({"POLICYQA_CHROMA_URL": "http://chroma:80000"}, "POLICYQA_CHROMA_URL='http://chroma:80000' is not a valid URL"),
    ({"POLICYQA_CHROMA_URL": "http://chroma:8000/api"},
     "POLICYQA_CHROMA_URL='http://chroma:8000/api' must be scheme://host:port with no path or query"),
    ({"POLICYQA_CHROMA_URL": "http://admin:hunter2@chroma:8000"},
     "POLICYQA_CHROMA_URL must not carry credentials; put the token in POLICYQA_CHROMA_TOKEN"),
    ({"POLICYQA_CHROMA_TOKEN": "two words"}, "POLICYQA_CHROMA_TOKEN is empty or contains spaces or control characters"),
    ({"POLICYQA_CHROMA_NAMESPACE": "pqa_prod"}, "POLICYQA_CHROMA_NAMESPACE='pqa_prod' must be 1-40 letters, digits or hyphens"),
])
def test_bad_server_settings_name_the_setting(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env)
    assert str(caught.value).startswith(message)
    assert "hunter2" not in str(caught.value) and "two words" not in str(caught.value)
