"""End to end: `streamlit run app.py` driven in headless Chromium, both views, laptop and phone widths, real MiniLM answers.

The second half checks issue 12's items that only a browser shows: axe-core (from node_modules, installed by
`make node`) on every page before and after an answer, keyboard focus, the whole policy scrolled to its quote, 988 as
a link to dial, a long paste. Each takes a screenshot into artifacts/issue12/ (git-ignored) and prints its path."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from app_server import ROOT, chromium, require_browser, serve_app

from retrieval.answer.compose import VERDICT_LABEL
from retrieval.ingest import ingest
from retrieval.settings import Settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = ROOT / "artifacts"
VIEWPORTS = {"laptop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SEED_QUOTE = "Prolotherapy is considered investigational for all applications"
SEED_FILE = ROOT / "corpus" / "wellmark-medical-policy-02.01.18-prolotherapy.txt"
SHOTS = ARTIFACTS / "issue12"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_FAILS_ON = ("serious", "critical")
SERVED: dict[str, object] = {}  # what the module's server writes to (its feedback file)
DISCLAIMER_WORDS = "automated assistant"  # in the member disclaimer and in the rep's notice


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
    SERVED["feedback"] = work / "feedback.jsonl"
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



# ---------------------------------------------------------------- issue 12: what only a browser shows
@pytest.fixture(scope="module")
def axe_report() -> Iterator[dict[str, dict[str, int]]]:
    """Violations by impact for every page checked, printed and written to artifacts/issue12/axe.json."""
    report: dict[str, dict[str, int]] = {}
    yield report
    if report:
        SHOTS.mkdir(parents=True, exist_ok=True)
        (SHOTS / "axe.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print("\naxe-core violations by impact:\n" + "\n".join(f"  {page}: {counts or 'none'}" for page, counts in report.items()))


def shot(page, name: str, *, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    print(f"\nscreenshot: {path}")


def check_axe(page, label: str, report: dict[str, dict[str, int]]) -> None:
    """axe-core over the whole page; fails on any serious or critical violation, naming each and where it is."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make node` (or `npm ci`); `make test` does it first")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))""")
    report[label] = dict(Counter(v["impact"] for v in violations))
    failing = [v for v in violations if v["impact"] in AXE_FAILS_ON]
    assert not failing, f"axe-core on {label}:\n" + json.dumps(failing, indent=1)


def open_view(browser, server: str, path: str, viewport: str = "laptop", **options):
    context = browser.new_context(viewport=VIEWPORTS[viewport], device_scale_factor=1, **options)
    page = context.new_page()
    page.goto(server + path, wait_until="domcontentloaded")
    page.get_by_test_id("stChatInputTextArea").wait_for(state="visible", timeout=60_000)
    page.wait_for_timeout(300)
    return context, page


def last_message(page):
    return page.locator('[data-testid="stChatMessage"]').last


PAGES = {"rep": "/rep", "member": "/", "member-embedded": "/?embed=true"}


@pytest.mark.parametrize("view", list(PAGES))
def test_issue12_axe_passes_before_and_after_an_answer_and_on_the_whole_policy(
    server: str, browser, axe_report: dict[str, dict[str, int]], view: str
) -> None:
    """Items 4 and 8, and the whole policy one click away: no serious or critical axe-core finding on any page; the
    member page has no way to the rep console and quotes the policy once; a quote opens the policy scrolled to it."""
    context, page = open_view(browser, server, PAGES[view])
    try:
        check_axe(page, f"{view} before a question", axe_report)
        if view != "rep":
            assert page.get_by_text("Rep console").count() == 0 and page.locator('a[href*="rep"]').count() == 0
        shot(page, f"{view}-first-load")
        question = SCENARIOS["rep" if view == "rep" else "member"].question
        ask_in_browser(page, question, VERDICT_LABEL["investigational"], SEED_QUOTE)
        page.wait_for_timeout(300)
        check_axe(page, f"{view} after an answer", axe_report)
        answer = last_message(page)
        if view != "rep":
            assert answer.inner_text().count(SEED_QUOTE) == 1  # item 4: said once, not again under the answer
        answer.scroll_into_view_if_needed()
        shot(page, f"{view}-answer", full_page=True)

        with context.expect_page() as opened:
            answer.get_by_role("link", name="Open the whole policy").first.click()
        policy = opened.value
        marker = policy.get_by_text("Quoted in the answer")
        marker.wait_for(state="visible", timeout=60_000)
        policy.wait_for_timeout(500)
        assert ("embed=true" in policy.url) is (view == "member-embedded")
        quote = policy.get_by_text(SEED_QUOTE, exact=False).first
        height = policy.viewport_size["height"]
        for _ in range(50):  # the page scrolls once it has laid out; on a loaded machine that can come later
            box = quote.bounding_box()
            if box and box["y"] >= 0 and box["y"] + box["height"] <= height / 2:
                break
            policy.wait_for_timeout(200)
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= height / 2, \
            f"the policy page must open scrolled to the quote, which is at {box} in a {height}px window"
        policy.mouse.move(640, 400)
        policy.mouse.wheel(0, -300)  # the reader scrolls up: the page must not pull them back to the quote
        policy.wait_for_timeout(1500)
        assert quote.bounding_box()["y"] > box["y"] + 100, "the page scrolled back to the quote after the reader scrolled"
        assert policy.get_by_role("heading", name="Rationale").count() == 1  # the whole policy, with its headings
        shot(policy, f"{view}-whole-policy")
        check_axe(policy, f"{view} whole policy", axe_report)
        with policy.expect_download() as download:
            policy.get_by_role("button", name=re.compile("Download the original")).click()
        assert download.value.suggested_filename == SEED_FILE.name
        assert Path(download.value.path()).read_bytes() == SEED_FILE.read_bytes()
    finally:
        context.close()


def focus_ring(page) -> dict:
    """What the focused element shows: its name, whether it is visible, and its outline or box shadow."""
    return page.evaluate("""() => { const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
        let opacity = 1;  // what shows is the product of every ancestor's opacity, not the element's own
        for (let a = e; a; a = a.parentElement) opacity *= parseFloat(getComputedStyle(a).opacity);
        return {tag: e.tagName, testid: e.getAttribute('data-testid') || '', label: e.getAttribute('aria-label') || e.innerText.slice(0, 40),
                visible: s.visibility === 'visible' && opacity > 0.5 && r.width > 0 && r.height > 0,
                ring: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none'} }""")


def test_issue12_keyboard_reaches_question_send_and_copy_with_a_visible_focus_ring(server: str, browser) -> None:
    """Item 8: the question box, the send button and the rep's copy button are reached with Tab, and every button and
    link on the way shows where the focus is."""
    context, page = open_view(browser, server, "/rep", permissions=["clipboard-read", "clipboard-write"])
    try:
        stops = []
        for _ in range(40):  # from the top of the page to the question box
            page.keyboard.press("Tab")
            stops.append(focus_ring(page))
            if stops[-1]["testid"] == "stChatInputTextArea":
                break
        assert stops[-1]["testid"] == "stChatInputTextArea", stops
        page.keyboard.type(SCENARIOS["rep"].question)
        page.keyboard.press("Tab")
        assert focus_ring(page)["testid"] == "stChatInputSubmitButton" and focus_ring(page)["ring"]
        page.evaluate("() => { window.__policyqaMarks = {}; }")
        page.keyboard.press("Enter")  # sent from the keyboard
        page.wait_for_function(_ANSWER_RENDERED, arg=[0, [SEED_QUOTE]], polling="raf", timeout=30_000)
        page.wait_for_timeout(300)

        page.locator("body").focus()
        stops = []
        for _ in range(80):
            page.keyboard.press("Tab")
            stops.append(focus_ring(page))
            if stops[-1]["label"] == "Copy to clipboard":
                break
        assert stops[-1]["label"] == "Copy to clipboard", [s["label"] for s in stops]
        unringed = [s for s in stops if s["tag"] in {"A", "BUTTON", "SUMMARY"} and not (s["visible"] and s["ring"])]
        assert not unringed, unringed
        page.evaluate("() => document.activeElement.scrollIntoView({block: 'center'})")  # clear of the page header
        shot(page, "rep-copy-button-focused")
        page.keyboard.press("Enter")
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied.startswith(SEED_QUOTE)  # the quote exactly as written, ready to paste
    finally:
        context.close()


def test_issue12_long_paste_says_why_nothing_was_sent(server: str, browser) -> None:
    """Item 3: a paste over the limit is not dropped in silence."""
    context, page = open_view(browser, server, "/?embed=true", "phone")
    try:
        pasted = "Is prolotherapy covered for my knee? " + "lorem ipsum " * 220
        box = page.get_by_test_id("stChatInputTextArea")
        box.fill(pasted)
        box.press("Enter")
        warning = page.get_by_test_id("stAlertContainer").filter(has_text="Not sent")
        warning.wait_for(state="visible", timeout=30_000)
        assert f"{len(pasted):,} characters" in warning.inner_text() and "2,000" in warning.inner_text()
        assert page.locator('[data-testid="stChatMessage"]').count() == 0
        shot(page, "member-phone-long-paste")
    finally:
        context.close()


def test_issue12_crisis_answer_dials_988_and_911_and_says_nothing_about_payment(server: str, browser) -> None:
    """Item 6, at phone width: 988 and 911 are links a phone dials; no payment disclaimer follows."""
    context, page = open_view(browser, server, "/?embed=true", "phone")
    try:
        ask_in_browser(page, "I want to kill myself", "988")
        answer = last_message(page)
        for href in ("tel:988", "sms:988", "tel:911"):
            assert answer.locator(f'a[href="{href}"]').is_visible(), href
        assert "promise payment" not in answer.inner_text()
        answer.scroll_into_view_if_needed()
        shot(page, "member-phone-crisis")
    finally:
        context.close()


def test_issue12_thumbs_down_asks_what_was_wrong(server: str, browser) -> None:
    """Item 9: a thumbs down opens a few choices and a note, saved with the rating."""
    context, page = open_view(browser, server, "/?embed=true")
    try:
        ask_in_browser(page, SCENARIOS["member"].question, SEED_QUOTE)
        answer = last_message(page)
        answer.get_by_test_id("stFeedbackButton").nth(1).click()  # thumbs down
        answer.get_by_text("What was wrong?").wait_for(state="visible", timeout=30_000)
        answer.get_by_role("button", name="Hard to understand").click()
        answer.get_by_role("textbox").fill("Too many words")
        shot(page, "member-thumbs-down-form")
        answer.get_by_role("button", name="Send").click()
        answer.get_by_text("Thanks", exact=False).wait_for(state="visible", timeout=30_000)
        rows = [json.loads(line) for line in SERVED["feedback"].read_text(encoding="utf-8").splitlines()]
        assert rows[-1]["rating"] == "down" and rows[-1]["reasons"] == ["unclear"] and rows[-1]["comment"] == "Too many words"
    finally:
        context.close()


def test_issue12_rep_sidebar_and_transcript_are_in_plain_words(server: str, browser) -> None:
    """Item 9: the sidebar says what is loaded without internals; the transcript has no markup, one disclaimer."""
    context, page = open_view(browser, server, "/rep")
    try:
        sidebar = page.get_by_test_id("stSidebar")
        text = sidebar.inner_text()
        assert re.search(r"\d+ polic(y|ies) from \d+ plans?, updated [A-Z][a-z]+ \d{1,2}, \d{4}", text), text
        assert "generation" not in text and "gen-" not in text and "1 policies" not in text
        ask_in_browser(page, SCENARIOS["rep"].question, SEED_QUOTE)
        ask_in_browser(page, "and the code?", "M0076")
        shot(page, "rep-sidebar-after-two-answers")
        # the sidebar is drawn after the answer, at the end of the app's run: on a loaded machine the answer can be on
        # screen while the transcript button still holds the run before it, so download until the run has ended
        for _ in range(10):
            with page.expect_download() as download:
                sidebar.get_by_role("button", name=re.compile("Download transcript")).click()
            transcript = Path(download.value.path()).read_text(encoding="utf-8")
            if "Q2: " in transcript:
                break
            page.wait_for_timeout(1000)
        assert "**" not in transcript and transcript.count("does not promise payment") == 1
        assert "Q2: and the code?" in transcript and SEED_QUOTE in transcript
    finally:
        context.close()


def test_issue12_a_spanish_question_gets_a_spanish_answer_with_the_policys_english_words(server: str, browser) -> None:
    """Item 7, at phone width: asked in Spanish, the member page answers in Spanish and keeps the quote in English."""
    context, page = open_view(browser, server, "/?embed=true", "phone")
    try:
        ask_in_browser(page, "¿Wellmark cubre la proloterapia para la rodilla?", "Knee osteoarthritis")
        text = last_message(page).inner_text()
        assert "En investigación (no cubierto)" in text and "sus propias palabras, en inglés" in text
        assert "Prolotherapy is considered investigational" in text
        shot(page, "member-phone-spanish")
    finally:
        context.close()


def test_issue12_several_codes_get_the_position_and_the_unlisted_code_is_named(server: str, browser) -> None:
    """Item 1, rep console: both codes answered: the verdict for M0076, and 20550 named as not in the policy."""
    context, page = open_view(browser, server, "/rep")
    try:
        ask_in_browser(page, "Is CPT 20550 or M0076 covered under 02.01.18?", "not listed")
        text = last_message(page).inner_text()
        assert "Investigational (not covered)" in text and "20550 is not listed in policy 02.01.18" in text
        assert "M0076" in text
        last_message(page).get_by_text("20550 is not listed", exact=False).scroll_into_view_if_needed()
        shot(page, "rep-several-codes")
    finally:
        context.close()


def test_issue12_evidence_under_not_covered_never_argues_for_it(server: str, browser) -> None:
    """Item 2, rep console: under "Investigational (not covered)" no evidence box says the service helps."""
    from retrieval import lexicon

    context, page = open_view(browser, server, "/rep")
    try:
        ask_in_browser(page, "Is prolotherapy covered for plantar fasciitis?", SEED_QUOTE)
        answer = last_message(page)
        assert "Investigational (not covered)" in answer.inner_text()
        favourable = lexicon.joined("verdicts", "favourable")
        boxes = answer.locator('[data-testid="stCode"]').all_inner_texts()
        assert boxes and not any(favourable.search(box) for box in boxes[1:]), boxes
        shot(page, "rep-evidence-not-covered", full_page=True)
    finally:
        context.close()


def test_issue12_advice_is_declined_and_the_policy_follows(server: str, browser) -> None:
    """Item 5, member page: no advice, then what the policy says about it, quoted."""
    context, page = open_view(browser, server, "/?embed=true", "phone")
    try:
        ask_in_browser(page, "My doctor said I need prolo for my neck, should I do it?", "What the policy says about it")
        text = last_message(page).inner_text()
        assert "can't give medical advice" in text and SEED_QUOTE in text
        last_message(page).get_by_text("What the policy says about it", exact=False).scroll_into_view_if_needed()
        shot(page, "member-phone-advice-then-policy")
    finally:
        context.close()
