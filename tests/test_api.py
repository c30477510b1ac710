"""The HTTP API: a real `policyqa serve` on 127.0.0.1 over a small index, called over HTTP for every endpoint, with
bad input, tokens, an oversized body and a burst over the rate limit; and the safety pieces on their own."""

from __future__ import annotations

import json
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from api_server import ApiServer, api_env, serving, start_api
from conftest import BLUESTEM_ACUPUNCTURE, BLUESTEM_CGM, EVAL_CORPUS, SEED, SEED_SIDECAR

from retrieval import index as idx
from retrieval.api.config import ApiSettings, check_exposure, is_loopback
from retrieval.api.middleware import RequestContext, TokenBuckets
from retrieval.cli import EXIT_INDEX, EXIT_USAGE, main
from retrieval.errors import ConfigError
from retrieval.ingest import ingest
from retrieval.settings import Settings

TOKEN = "test-token-0123456789abcdef"
QUESTION = "Is prolotherapy covered for knee osteoarthritis?"
TMJ = EVAL_CORPUS / "cascade-cha-mp-0318-tmj-disorders.md"
NORTHWIND = EVAL_CORPUS / "northwind-nwm-2.01.05-prolotherapy.txt"
WELLMARK_LEAD_IN = "Prolotherapy is considered investigational for all applications, including but not limited to:"


@pytest.fixture(scope="module")
def api_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Five policies of four payers, indexed with the hashing embedder."""
    root = tmp_path_factory.mktemp("api")
    corpus = root / "corpus"
    corpus.mkdir()
    for path in (SEED, SEED_SIDECAR, BLUESTEM_ACUPUNCTURE, BLUESTEM_CGM, TMJ, NORTHWIND):
        shutil.copy(path, corpus / path.name)
    settings = Settings(corpus=corpus, index=root / "index", embedder="hashing")
    ingest(settings, [corpus])
    return settings


@pytest.fixture(scope="module")
def servers(api_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ApiServer, ApiServer]]:
    """An open server (no token, no rate limit) and a locked one (token, a burst of 6 then one request per 5 s,
    questions in its log), started side by side."""
    logs = tmp_path_factory.mktemp("api-logs")
    open_server = start_api(api_env(api_index.index, POLICYQA_API_RATE="0"), logs / "open.log")
    locked = start_api(api_env(api_index.index, POLICYQA_API_TOKEN=TOKEN, POLICYQA_API_RATE="0.2",
                               POLICYQA_API_BURST="6", POLICYQA_LOG_QUESTIONS="1"), logs / "locked.log")
    with serving(open_server, locked):
        yield open_server, locked


@pytest.fixture(scope="module")
def api(servers: tuple[ApiServer, ApiServer]) -> ApiServer:
    return servers[0]


@pytest.fixture(scope="module")
def locked(servers: tuple[ApiServer, ApiServer]) -> ApiServer:
    return servers[1]


def assert_error(reply, status: int, field: str | None) -> dict:
    """A 4xx/5xx is JSON naming the field at fault and the request id, never a stack trace."""
    assert reply.status == status, reply.text
    body = reply.json
    assert (body["field"], body["request_id"]) == (field, reply.headers["x-request-id"])
    assert "Traceback" not in reply.text and 'File "' not in reply.text
    return body


def verbatim(api: ApiServer, citation: dict) -> None:
    text = api.call("GET", f"/v1/policies/{citation['policy_id']}").json["text"]
    assert text[citation["start"]:citation["end"]] == citation["quote"]


# ---------------------------------------------------------------- health and the contract answer


def test_health_and_readiness_name_the_served_generation(api: ApiServer, api_index: Settings) -> None:
    assert (api.call("GET", "/healthz").status, api.call("GET", "/healthz").json) == (200, {"status": "ok"})
    ready = api.call("GET", "/readyz")
    assert (ready.status, ready.json) == (200, {"status": "ready", "policies": 5,
                                                "generation": idx.require_generation(api_index).name})


def test_ask_returns_exactly_what_the_cli_prints(api: ApiServer, api_index: Settings,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    reply = api.call("POST", "/v1/ask", body={"question": QUESTION, "audience": "rep", "id": "q1"},
                     headers={"X-Request-ID": "rep-desk-42"})
    assert (reply.status, reply.headers["x-request-id"]) == (200, "rep-desk-42")
    assert main(["ask", QUESTION, "--index", str(api_index.index), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    served = reply.json
    assert served.pop("latency_ms") >= 0 and printed.pop("latency_ms") >= 0
    assert served == {**printed, "id": "q1"}
    # two payers' prolotherapy policies differ: each is quoted, no single verdict; the one that names knee
    # osteoarthritis first
    assert (served["verdict"], [c["policy_id"] for c in served["citations"]][:2]) == (None, ["02.01.18", "NWM-2.01.05"])
    for citation in served["citations"]:
        verbatim(api, citation)


def test_a_follow_up_for_a_member_uses_the_history(api: ApiServer) -> None:
    reply = api.call("POST", "/v1/ask", body={"question": "and the code?", "audience": "member",
                                              "history": ["Is acupuncture covered?"]})
    answer = reply.json
    assert (reply.status, answer["audience"], answer["route"], answer["id"]) == (200, "member", None, None)
    assert answer["citations"][0]["quote"].startswith("97810")


def test_a_request_id_is_made_when_none_or_a_forged_one_is_sent(api: ApiServer) -> None:
    made = api.call("GET", "/v1/policies").headers["x-request-id"]
    forged = api.call("GET", "/v1/policies", headers={"X-Request-ID": "<script> a b"}).headers["x-request-id"]
    assert len(made) == 32 and len(forged) == 32 and made != forged


@pytest.mark.parametrize(("body", "field"), [
    ({}, "question"),
    ({"question": 42}, "question"),
    ({"question": "   "}, "question"),
    ({"question": "x" * 2001}, "question"),
    ({"question": "Is it covered?", "audience": "boss"}, "audience"),
    ({"question": "Is it covered?", "history": "Is acupuncture covered?"}, "history"),
    ({"question": "Is it covered?", "history": ["ok", 7]}, "history[1]"),
    ({"question": "Is it covered?", "questoin": "typo"}, "questoin"),
    ([QUESTION], "body"),
])
def test_bad_ask_bodies_are_422_naming_the_field(api: ApiServer, body: object, field: str) -> None:
    assert_error(api.call("POST", "/v1/ask", body=body), 422, field)


def test_malformed_json_and_a_missing_body_are_refused_clearly(api: ApiServer) -> None:
    body = assert_error(api.call("POST", "/v1/ask", raw=b'{"question": ', headers={"Content-Type": "application/json"}),
                        400, "body")
    assert body["message"] == "the body is not valid JSON"
    assert_error(api.call("POST", "/v1/ask"), 422, "body")


def test_an_oversized_body_is_413(api: ApiServer) -> None:
    body = assert_error(api.call("POST", "/v1/ask", body={"question": "x" * 100_000}), 413, "body")
    assert body["message"] == "the request body is over the limit of 65,536 bytes"


# ---------------------------------------------------------------- passages


def test_search_returns_verbatim_passages_filtered_by_payer_and_code(api: ApiServer) -> None:
    reply = api.call("GET", "/v1/search?q=knee%20osteoarthritis&k=3")
    passages = reply.json["passages"]
    assert reply.status == 200 and 1 <= len(passages) <= 3
    assert set(passages[0]) == {"policy_id", "title", "payer", "source", "reviewed", "effective", "section", "start",
                                "end", "quote", "score"}
    for passage in passages:
        verbatim(api, passage)
    northwind = api.call("GET", "/v1/search?q=knee%20osteoarthritis&payer=northwind&k=5").json["passages"]
    assert northwind and {p["payer"] for p in northwind} == {"Northwind Mutual"}
    coded = api.call("GET", "/v1/search?q=injection&code=97810").json["passages"]
    assert coded and {p["policy_id"] for p in coded} == {"BH-MED-114"}


@pytest.mark.parametrize(("query", "field", "status"), [
    ("/v1/search", "q", 422),
    ("/v1/search?q=", "q", 422),
    ("/v1/search?q=knee&k=1000", "k", 422),
    ("/v1/search?q=knee&k=0", "k", 422),
    ("/v1/search?q=knee&k=many", "k", 422),
    ("/v1/search?q=knee&payer=Aetna", "payer", 422),
    ("/v1/search?q=knee&code=M0077", "code", 404),
    ("/v1/search?q=knee&code=%3Cscript%3E", "code", 422),
])
def test_bad_search_parameters_name_the_field(api: ApiServer, query: str, field: str, status: int) -> None:
    assert_error(api.call("GET", query), status, field)


# ---------------------------------------------------------------- codes and prior approval


def test_a_code_lists_every_policy_with_its_row_and_verdict_quoted(api: ApiServer) -> None:
    reply = api.call("GET", "/v1/codes/m0076")
    found = reply.json
    assert (reply.status, found["code"]) == (200, "M0076")
    by_id = {p["policy_id"]: p for p in found["policies"]}
    assert list(by_id) == ["NWM-2.01.05", "02.01.18"]  # by payer
    wellmark = by_id["02.01.18"]
    assert ([r["quote"] for r in wellmark["rows"]], wellmark["verdict"], wellmark["verdict_quotes"][0]["quote"]) == (
        ["M0076 Prolotherapy"], "investigational", WELLMARK_LEAD_IN)
    assert (by_id["NWM-2.01.05"]["verdict"], by_id["NWM-2.01.05"]["rows"][0]["quote"]) == (
        "not_medically_necessary", "M0076  Prolotherapy")
    for policy in found["policies"]:
        for citation in policy["rows"] + policy["verdict_quotes"]:
            verbatim(api, citation)
    only = api.call("GET", "/v1/codes/M0076?payer=wellmark").json["policies"]
    assert [p["policy_id"] for p in only] == ["02.01.18"]


def test_a_code_whose_policy_states_several_positions_gets_none_and_each_quoted(api: ApiServer) -> None:
    found = api.call("GET", "/v1/codes/29804").json["policies"]
    assert [(p["policy_id"], p["verdict"], p["rows"][0]["quote"]) for p in found] == [
        ("CHA-MP-0318", None, "| 29804 | CPT | Arthroscopy, temporomandibular joint, surgical |")]
    assert [p["verdict"] for p in found[0]["positions"]] == [
        "covered", "covered_with_criteria", "investigational", "not_covered"]
    marked = api.call("GET", "/v1/codes/J0585").json["policies"][0]
    assert (marked["verdict"], marked["verdict_quotes"][0]["quote"]) == (
        "investigational", "| J0585 | HCPCS | Injection, onabotulinumtoxinA, 1 unit (investigational for TMJ disorders) |")


def test_an_unknown_code_is_404_with_close_matches(api: ApiServer) -> None:
    body = assert_error(api.call("GET", "/v1/codes/M0077"), 404, "code")
    assert (body["message"], body["close_matches"][0]) == ("no loaded policy lists the code M0077", "M0076")
    assert_error(api.call("GET", "/v1/codes/not-a-code"), 422, "code")


def test_prior_approval_for_each_code_quotes_what_each_policy_says(api: ApiServer) -> None:
    reply = api.call("POST", "/v1/prior-approval", body={"codes": ["M0076", "29804", "20605", "97810", "M0077"]})
    assert reply.status == 200
    results = {r["code"]: r for r in reply.json["results"]}
    dispositions = {code: [(p["policy_id"], p["disposition"]) for p in r["policies"]] for code, r in results.items()}
    assert dispositions == {
        "M0076": [("NWM-2.01.05", "not_required"), ("02.01.18", "not_required")],
        "29804": [("CHA-MP-0318", "required")],
        "20605": [("CHA-MP-0318", "depends")],
        "97810": [("BH-MED-114", "says_nothing")],
        "M0077": [],
    }
    assert (results["M0077"]["found"], results["M0077"]["close_matches"][0]) == (False, "M0076")
    wellmark = results["M0076"]["policies"][1]
    assert [(q["section"], q["quote"]) for q in wellmark["quotes"]] == [("Prior Approval", "Not applicable")]
    assert results["29804"]["policies"][0]["quotes"][0]["quote"] == (
        "Prior approval is required for TMJ arthroscopy and open TMJ surgery.")
    assert results["97810"]["policies"][0]["quotes"] == []
    for result in results.values():
        for policy in result["policies"]:
            for citation in policy["quotes"] + policy["rows"]:
                verbatim(api, citation)
    only = api.call("POST", "/v1/prior-approval", body={"codes": ["M0076"], "payer": "Northwind"}).json
    assert [p["policy_id"] for p in only["results"][0]["policies"]] == ["NWM-2.01.05"]


@pytest.mark.parametrize(("body", "field"), [
    ({}, "codes"),
    ({"codes": "M0076"}, "codes"),
    ({"codes": []}, "codes"),
    ({"codes": ["M0076"] * 51}, "codes"),
    ({"codes": ["M0076", 7]}, "codes[1]"),
    ({"codes": ["M0076", "drop table"]}, "codes[1]"),
    ({"codes": ["M0076"], "payer": "Aetna"}, "payer"),
])
def test_bad_prior_approval_bodies_name_the_field(api: ApiServer, body: dict, field: str) -> None:
    assert_error(api.call("POST", "/v1/prior-approval", body=body), 422, field)


# ---------------------------------------------------------------- policies


def test_policies_are_listed_and_filtered_by_payer_code_and_text(api: ApiServer) -> None:
    listed = api.call("GET", "/v1/policies").json
    assert listed["count"] == 5 and len(listed["policies"]) == 5
    assert [p["policy_id"] for p in api.call("GET", "/v1/policies?payer=bluestem").json["policies"]] == [
        "BH-DME-027", "BH-MED-114"]
    assert [p["policy_id"] for p in api.call("GET", "/v1/policies?code=M0076&text=knee").json["policies"]] == [
        "NWM-2.01.05", "02.01.18"]  # by payer: Northwind Mutual, Wellmark
    assert api.call("GET", "/v1/policies?text=glucose%20hypoglycemia").json["count"] == 1
    assert_error(api.call("GET", "/v1/policies?payer=Aetna"), 422, "payer")


def test_one_policy_has_its_sections_codes_and_full_text(api: ApiServer) -> None:
    policy = api.call("GET", "/v1/policies/02.01.18").json
    assert (policy["policy_id"], policy["title"], policy["payer"], policy["codes"]) == (
        "02.01.18", "Prolotherapy", "Wellmark", ["M0076"])
    assert policy["text"] == SEED.read_text(encoding="utf-8")
    names = [s["name"] for s in policy["sections"]]
    assert "Prior Approval" in names and "Policy" in names
    for section in policy["sections"]:
        assert 0 <= section["start"] < section["end"] <= len(policy["text"])
    body = assert_error(api.call("GET", "/v1/policies/02.01.19"), 404, "policy_id")
    assert body["close_matches"][0] == "02.01.18"


def test_unknown_routes_and_methods_are_json_errors(api: ApiServer) -> None:
    assert_error(api.call("GET", "/v1/nothing-here"), 404, None)
    assert_error(api.call("DELETE", "/v1/policies"), 405, None)


def test_the_openapi_page_documents_every_endpoint(api: ApiServer) -> None:
    assert api.call("GET", "/docs").status == 200
    spec = api.call("GET", "/openapi.json").json
    assert set(spec["paths"]) == {"/healthz", "/readyz", "/v1/ask", "/v1/search", "/v1/codes/{code}",
                                  "/v1/prior-approval", "/v1/policies", "/v1/policies/{policy_id}"}
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"


def _logged(server: ApiServer, request_id: str, wait_s: float = 10.0) -> list[dict]:
    """The log lines of one request. The server writes a request's line once its reply has gone out, so on a loaded
    machine the test may read the file first: it reads again until the line is there (or wait_s has passed)."""
    deadline = time.monotonic() + wait_s
    while True:
        lines = [line for line in server.log_lines() if line.get("request_id") == request_id]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def test_each_request_is_one_json_log_line_without_the_question(api: ApiServer) -> None:
    marker = f"secret-{uuid.uuid4().hex[:8]}"
    reply = api.call("POST", "/v1/ask", body={"question": f"Is prolotherapy covered for {marker}?"})
    request_id = reply.headers["x-request-id"]
    lines = _logged(api, request_id)
    assert len(lines) == 1
    assert {k: lines[0][k] for k in ("event", "method", "path", "status", "audience")} == {
        "event": "request", "method": "POST", "path": "/v1/ask", "status": 200, "audience": "rep"}
    assert marker not in api.log_path.read_text(encoding="utf-8")


def test_a_new_generation_is_served_after_an_ingest_without_a_restart(settings: Settings, corpus_dir: Path,
                                                                       tmp_path: Path) -> None:
    first = ingest(settings).generation
    server = start_api(api_env(settings.index, POLICYQA_API_RELOAD_S="0.5"), tmp_path / "api.log")
    with serving(server):
        assert server.call("GET", "/readyz").json == {"status": "ready", "generation": first, "policies": 2}
        shutil.copy(TMJ, corpus_dir / TMJ.name)
        second = ingest(settings).generation
        assert wait_until(lambda: server.call("GET", "/readyz").json["generation"] == second)
        assert server.call("GET", "/readyz").json["policies"] == 3
        assert server.call("GET", "/v1/codes/29804").status == 200


def wait_until(predicate, timeout_s: float = 30) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


# ---------------------------------------------------------------- token and rate limit


def test_a_locked_server_needs_the_token_on_every_v1_route(locked: ApiServer) -> None:
    body = assert_error(locked.call("GET", "/v1/policies"), 401, "authorization")
    assert body["message"] == "missing bearer token: send 'Authorization: Bearer <token>'"
    wrong = locked.call("GET", "/v1/policies", headers={"Authorization": "Bearer not-the-token-at-all"})
    assert assert_error(wrong, 401, "authorization")["message"] == "the bearer token is not valid"
    assert "not-the-token-at-all" not in wrong.text and wrong.headers["www-authenticate"] == "Bearer"
    assert_error(locked.call("POST", "/v1/ask", body={"question": QUESTION}), 401, "authorization")
    assert locked.call("GET", "/v1/policies", headers={"Authorization": f"Bearer {TOKEN}"}).status == 200
    assert locked.call("GET", "/healthz").status == 200  # a load balancer's probe needs no token


def test_a_burst_over_the_rate_limit_is_429_with_retry_after_per_client(locked: ApiServer) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    replies = [locked.call("GET", "/v1/policies", headers=auth, source="127.0.0.2") for _ in range(9)]
    assert [r.status for r in replies] == [200] * 6 + [429] * 3
    limited = assert_error(replies[-1], 429, None)
    assert int(replies[-1].headers["retry-after"]) == limited["retry_after_s"] >= 1
    # another client is not held back by the first one's burst
    assert locked.call("GET", "/v1/policies", headers=auth, source="127.0.0.3").status == 200


def test_questions_are_logged_masked_only_when_the_operator_turns_it_on(locked: ApiServer) -> None:
    reply = locked.call("POST", "/v1/ask", headers={"Authorization": f"Bearer {TOKEN}"}, source="127.0.0.4",
                        body={"question": "Is prolotherapy covered? my phone is 515-555-0142"})
    line = _logged(locked, reply.headers["x-request-id"])[0]
    assert line["question"] == "Is prolotherapy covered? my phone is [PHONE]"


def test_serving_beyond_loopback_without_a_token_is_refused(api_index: Settings, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POLICYQA_API_TOKEN", raising=False)  # a developer's own token would let it really serve
    assert main(["serve", "--host", "0.0.0.0", "--index", str(api_index.index)]) == EXIT_USAGE
    assert "refusing to serve on '0.0.0.0' without a token" in capsys.readouterr().err


def test_serving_a_missing_index_says_how_to_build_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--index", str(tmp_path / "none")]) == EXIT_INDEX
    assert "build it with: policyqa ingest" in capsys.readouterr().err


# ---------------------------------------------------------------- the safety pieces on their own


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("10.0.0.5", False), ("api.example.org", False),
])
def test_only_loopback_addresses_may_serve_without_a_token(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
    if loopback:
        check_exposure(host, ApiSettings())
    else:
        with pytest.raises(ConfigError, match="POLICYQA_API_TOKEN"):
            check_exposure(host, ApiSettings())
        check_exposure(host, ApiSettings(token=TOKEN))


@pytest.mark.parametrize(("env", "message"), [
    ({"POLICYQA_API_TOKEN": "short"}, "POLICYQA_API_TOKEN must be at least 16 printable characters"),
    ({"POLICYQA_API_TOKEN": "has a space in it 0123"}, "POLICYQA_API_TOKEN must be at least 16 printable characters"),
    ({"POLICYQA_API_RATE": "fast"}, "POLICYQA_API_RATE='fast' is not a number"),
    ({"POLICYQA_API_RATE": "-1"}, "POLICYQA_API_RATE='-1' must be at least 0"),
    ({"POLICYQA_API_BURST": "2.5"}, "POLICYQA_API_BURST='2.5' is not a whole number"),
    ({"POLICYQA_API_MAX_BODY_BYTES": "10"}, "POLICYQA_API_MAX_BODY_BYTES='10' must be at least 256"),
])
def test_bad_api_settings_name_the_variable_and_never_echo_the_token(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        ApiSettings.from_env(env)
    assert str(caught.value).startswith(message)
    assert env.get("POLICYQA_API_TOKEN", "\0") not in str(caught.value)


def test_api_settings_are_read_from_the_environment() -> None:
    read = ApiSettings.from_env({"POLICYQA_API_TOKEN": TOKEN, "POLICYQA_API_RATE": "2.5", "POLICYQA_API_BURST": "4",
                                 "POLICYQA_API_MAX_BODY_BYTES": "1024", "POLICYQA_LOG_QUESTIONS": "1",
                                 "POLICYQA_API_RELOAD_S": "3"})
    assert read == ApiSettings(token=TOKEN, rate_per_s=2.5, burst=4, max_body_bytes=1024, log_questions=True, reload_s=3.0)
    assert TOKEN not in repr(read)
    assert ApiSettings.from_env({}) == ApiSettings()


def test_a_token_bucket_allows_the_burst_then_the_rate() -> None:
    buckets = TokenBuckets(rate=2.0, burst=3)
    assert [buckets.take("a", 0.0) for _ in range(4)] == [0.0, 0.0, 0.0, 0.5]
    assert buckets.take("b", 0.0) == 0.0  # per client
    assert buckets.take("a", 0.5) == 0.0  # half a second later one token is back
    assert buckets.take("a", 0.5) == 0.5


def test_an_unhandled_error_is_a_500_with_the_request_id_and_no_trace() -> None:
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Route
    from starlette.testclient import TestClient

    def boom(request):
        raise RuntimeError("secret internals /srv/policyqa")

    # where create_app puts it: inside Starlette's last-resort handler, around everything else
    app = Starlette(routes=[Route("/v1/boom", boom)], middleware=[Middleware(RequestContext)])
    reply = TestClient(app, raise_server_exceptions=False).get("/v1/boom", headers={"X-Request-ID": "abc-123"})
    assert (reply.status_code, reply.headers["x-request-id"]) == (500, "abc-123")
    assert reply.json() == {"error": "internal_error", "message": "internal error; give the request id to the operator",
                            "field": None, "request_id": "abc-123"}
    assert "secret" not in reply.text


# ---------------------------------------------------------------- server mode


@pytest.mark.server
def test_the_api_serves_an_index_on_a_chroma_server_the_same_way(
    api_index: Settings, chroma_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    namespace = f"t{uuid.uuid4().hex[:10]}"
    settings = replace(api_index, index=tmp_path / "lock", chroma_url=chroma_server, chroma_namespace=namespace)
    ingest(settings, [api_index.corpus])
    server = start_api(api_env(settings.index, POLICYQA_CHROMA_URL=chroma_server, POLICYQA_CHROMA_NAMESPACE=namespace),
                       tmp_path / "api.log")
    with serving(server):
        ready = server.call("GET", "/readyz").json
        answer = server.call("POST", "/v1/ask", body={"question": QUESTION}).json
        codes = server.call("GET", "/v1/codes/M0076").json
    assert ready["generation"] == idx.require_generation(settings).name
    folder = replace(api_index)  # the same corpus from the folder index answers the same
    assert main(["ask", QUESTION, "--index", str(folder.index), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert answer["citations"] == printed["citations"] and answer["verdict"] == printed["verdict"]
    assert [p["policy_id"] for p in codes["policies"]] == ["NWM-2.01.05", "02.01.18"]
