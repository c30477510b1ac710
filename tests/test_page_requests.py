"""In headless Chromium against a real `streamlit run app.py`: the page talks to no one but its own server, and ten
sessions asking at the same time each see only their own conversation."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from app_server import chromium, require_browser, serve_app

from evals.load import CANARY, canaries
from retrieval.answer.compose import VERDICT_LABEL
from retrieval.ingest import ingest
from retrieval.settings import Settings

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
NOT_NETWORK = {"data", "blob", "about"}  # inline resources: no request leaves the browser for these
KNEE = "Is prolotherapy covered for knee osteoarthritis?"
SEED_QUOTE = "Prolotherapy is considered investigational for all applications"
SESSIONS = 10


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_browser()
    work = tmp_path_factory.mktemp("page-requests")
    corpus = work / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    index = work / "index"
    ingest(Settings(corpus=corpus, index=index, embedder="hashing"))
    with serve_app(corpus=corpus, index=index, embedder="hashing", work=work) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server: str):
    with chromium() as launched:
        yield launched


def _ready(page) -> None:
    page.get_by_test_id("stChatInputTextArea").wait_for(state="visible", timeout=60_000)


def _send(page, question: str) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")


def _wait_for_answer(page, messages: int, text: str) -> None:
    """Until the page shows `messages` chat messages and the last one contains `text`."""
    page.wait_for_function(
        """([count, text]) => {
             const all = document.querySelectorAll('[data-testid="stChatMessage"]');
             return all.length >= count && all[all.length - 1].textContent.includes(text);
           }""",
        arg=[messages, text], timeout=60_000,
    )


def test_the_member_page_requests_nothing_but_its_own_server(server: str, browser) -> None:
    context = browser.new_context()
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.on("websocket", lambda socket: requested.append(socket.url))
    try:
        page.goto(server + "/", wait_until="domcontentloaded")
        _ready(page)
        _send(page, KNEE)
        _wait_for_answer(page, 2, SEED_QUOTE)
        page.get_by_text("See the quote in the policy text").first.click()  # the expander draws more of the page
        page.wait_for_timeout(1500)  # late requests: fonts, icons, lazily loaded components
    finally:
        context.close()

    hosts = {}
    for url in requested:
        parts = urlsplit(url)
        if parts.scheme not in NOT_NETWORK:
            hosts.setdefault(parts.hostname, []).append(url)
    print(f"\n{len(requested)} requests from the member page, to: {sorted(hosts)}")
    assert requested, "no request was recorded: the recorder is broken"
    assert any(url.startswith(("ws://", "wss://")) for url in requested), "the session's websocket was not recorded"
    third_party = {host: urls[:3] for host, urls in hosts.items() if host not in LOCAL_HOSTS}
    assert not third_party, f"the page made requests off this machine: {third_party}"


def test_ten_sessions_asking_at_once_each_see_only_their_own_conversation(server: str, browser) -> None:
    tokens = canaries(SESSIONS, seed=23)
    # Ten tabs of one browser: each tab is its own Streamlit session (its own websocket and session state), and one
    # context shares the HTTP cache, which halves the time two cores need to load ten pages.
    context = browser.new_context()
    try:
        pages = [context.new_page() for _ in range(SESSIONS)]
        for page in pages:
            page.goto(server + "/", wait_until="domcontentloaded")
        for page in pages:
            _ready(page)
        started = time.monotonic()
        for i, page in enumerate(pages):  # all ten questions are sent before any answer is awaited
            _send(page, f"{KNEE} My reference is {tokens[i]}")
        for page in pages:
            _wait_for_answer(page, 2, VERDICT_LABEL["investigational"])
        first_round = time.monotonic() - started
        for i, page in enumerate(pages):
            _send(page, f"and the code? ref {tokens[i]}")
        for page in pages:
            _wait_for_answer(page, 4, "M0076")
        shown = [" ".join(page.locator('[data-testid="stChatMessage"]').all_text_contents()) for page in pages]
    finally:
        context.close()
    print(f"\n{SESSIONS} sessions asking at once: all ten answers drawn {first_round:.1f} s after the first question was sent")
    for i, text in enumerate(shown):
        text = re.sub(r"\s+", " ", text)
        assert text.count(tokens[i]) == 2, f"session {i} does not show its own two questions: {text[:300]}"
        others = set(CANARY.findall(text)) - {tokens[i]}
        assert not others, f"session {i} shows another session's canary: {sorted(others)}"
