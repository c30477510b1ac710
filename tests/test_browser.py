"""End to end: `streamlit run app.py` driven in headless Chromium, both views, laptop and phone widths, real MiniLM answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from app_server import ROOT, chromium, require_browser, serve_app

from retrieval.answer.compose import VERDICT_LABEL
from retrieval.ingest import ingest
from retrieval.settings import Settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = ROOT / "artifacts"
VIEWPORTS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SEED_QUOTE = "Prolotherapy is considered investigational for all applications"
DISCLAIMER_WORDS = "comes from an automated assistant"


@dataclass(frozen=True)
class Scenario:
    view: str
    path: str  # URL path and query of the page
    question: str


SCENARIOS = {
    "rep": Scenario("rep", "/rep", "Is prolotherapy covered for knee osteoarthritis?"),
    # a plan embeds the member view on its help page: it must stand alone
    "member": Scenario("member", "/?embed=true", "Does my insurance pay for prolotherapy injections for shoulder pain?"),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real app on a free loopback port over a fresh MiniLM index of corpus/; always stopped afterwards."""
    require_browser()
    work = tmp_path_factory.mktemp("browser")
    index = work / "index"
    ingest(Settings(corpus=ROOT / "corpus", index=index, embedder="minilm"))
    with serve_app(corpus=ROOT / "corpus", index=index, embedder="minilm", work=work) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server: str):
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def timings() -> Iterator[dict[str, dict[str, int]]]:
    measured: dict[str, dict[str, int]] = {}
    yield measured
    if measured:
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "browser-timings.json").write_text(json.dumps(measured, indent=2) + "\n", encoding="utf-8")


# Evaluated in the page at every animation frame after Enter. `shown`: the first frame where a new assistant
# message shows all the expected text. `complete`: the first frame where that message is fully drawn too: its
# feedback buttons (the last thing an answer renders) are there and no lazily loaded element is still a skeleton.
_ANSWER_PROGRESS = """([before, expected, marks]) => {
  const messages = document.querySelectorAll('[data-testid="stChatMessage"]');
  if (messages.length < before + 2) return false;
  const last = messages[messages.length - 1];
  if (!expected.every(text => last.textContent.includes(text))) return false;  // textContent: no forced layout
  if (marks.shown === undefined) marks.shown = performance.now();
  if (!last.querySelector('[data-testid="stFeedback"]') || last.querySelector('[data-testid="stSkeleton"]')) return false;
  return {shown: marks.shown, complete: performance.now()};
}"""
_ANSWER_RENDERED = "(args) => (" + _ANSWER_PROGRESS + ")(args.concat([window.__policyqaMarks]))"


def ask_in_browser(page, question: str, *expected: str) -> tuple[float, float]:
    """Types a question and presses Enter. Returns milliseconds, by the page's own clock, until the answer's text
    is on screen and until the answer is completely drawn."""
    before = page.locator('[data-testid="stChatMessage"]').count()
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    started = page.evaluate("() => { window.__policyqaMarks = {}; return performance.now(); }")
    box.press("Enter")
    rendered = page.wait_for_function(_ANSWER_RENDERED, arg=[before, list(expected)], polling="raf", timeout=30_000)
    marks = rendered.json_value()
    return float(marks["shown"]) - float(started), float(marks["complete"]) - float(started)


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 60) <= size["height"]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("view", list(SCENARIOS))
def test_view_answers_the_seed_question_with_verdict_quote_and_disclaimer(
    server: str, browser, timings: dict[str, dict[str, int]], view: str, viewport: str
) -> None:
    scenario = SCENARIOS[view]
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS[viewport], device_scale_factor=1)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.goto(server + scenario.path, wait_until="domcontentloaded")
        disclaimer = page.get_by_text(DISCLAIMER_WORDS, exact=False).first
        disclaimer.wait_for(state="visible", timeout=60_000)
        page.get_by_test_id("stChatInputTextArea").wait_for(state="visible", timeout=60_000)
        assert in_viewport(page, disclaimer), "the disclaimer must be on screen on first load, without scrolling"
        if view == "member":
            assert page.get_by_text("Rep console").count() == 0  # the embedded member view stands alone
        page.screenshot(path=str(ARTIFACTS / f"browser-{view}-{viewport}-first-load.png"))

        label = VERDICT_LABEL["investigational"]
        first = ask_in_browser(page, scenario.question, label, SEED_QUOTE, "02.01.18")
        answer = page.locator('[data-testid="stChatMessage"]').last
        assert answer.get_by_text(label).count() >= 1
        assert answer.get_by_text(SEED_QUOTE, exact=False).count() >= 1
        assert answer.get_by_text("not medical advice", exact=False).count() >= 1  # in every answer, too
        assert disclaimer.is_visible()  # and the box stays on the page
        page.wait_for_timeout(200)
        page.screenshot(path=str(ARTIFACTS / f"browser-{view}-{viewport}.png"))

        # a second question: what a user waits once the page has loaded everything it draws answers with
        again = ask_in_browser(page, scenario.question, label, SEED_QUOTE)
        timings[f"{view}-{viewport}"] = {"first_shown_ms": round(first[0]), "first_complete_ms": round(first[1]),
                                         "next_shown_ms": round(again[0]), "next_complete_ms": round(again[1])}
        print(f"\nquestion→rendered answer, {view} view, {viewport}: first question shown {first[0]:.0f} ms, "
              f"complete {first[1]:.0f} ms; next question shown {again[0]:.0f} ms, complete {again[1]:.0f} ms")
        assert again[1] < 3000, f"an answer took {again[1]:.0f} ms to render"

        hostile = "<script>alert(1)</script> is prolotherapy covered? [click](http://evil.example)"
        ask_in_browser(page, hostile, label)
        assert page.get_by_text("<script>alert(1)</script>", exact=False).count() >= 1  # shown as the characters typed
        assert page.locator('a[href*="evil.example"]').count() == 0
        page.wait_for_timeout(200)
        assert dialogs == []
    finally:
        context.close()


def test_rep_follow_up_uses_the_conversation(server: str, browser) -> None:
    context = browser.new_context(viewport=VIEWPORTS["laptop"])
    page = context.new_page()
    try:
        page.goto(server + "/rep", wait_until="domcontentloaded")
        page.get_by_test_id("stChatInputTextArea").wait_for(state="visible", timeout=60_000)
        ask_in_browser(page, "Is prolotherapy covered for knee osteoarthritis?", VERDICT_LABEL["investigational"])
        ask_in_browser(page, "and the code?", "M0076 Prolotherapy")
        page.wait_for_timeout(200)
        page.screenshot(path=str(ARTIFACTS / "browser-rep-laptop-follow-up.png"))
    finally:
        context.close()

