"""Issue 12, the user interface, through AppTest: long pastes, member-page clutter, the whole policy one click from a
quote, the crisis answer, colour contrast, what a thumbs down says, the rep's sidebar, disclaimer and transcript.

Each test names the item of the issue it guards; what only a browser shows (axe-core, keyboard focus, scrolling to
the quote, tapping 988) is in tests/test_browser.py."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import streamlit as st
import test_app
from streamlit.testing.v1 import AppTest
from test_app import (
    APP,
    KNEE,
    ROOT,
    SEED_VERDICT_QUOTE,
    TIMEOUT,
    ask,
    bodies,
    last_answer,
    notice,
    open_app,
    shown,
    unescape,
)

import app
from retrieval.answer.compose import DISCLAIMER, VERDICT_LABEL
from retrieval.feedback import REASONS
from retrieval.models import PolicyMeta
from retrieval.originals import original_file
from retrieval.search import PolicyRecord
from retrieval.settings import Settings

# the same corpus, index and environment as tests/test_app.py
app_corpus, app_index, app_env = test_app.app_corpus, test_app.app_index, test_app.app_env
SEED_DOC = "wellmark-medical-policy-02.01.18-prolotherapy.txt"
HIGHLIGHT = re.compile(r":orange-background\[((?:\\.|[^\]\\])*)\]")


def wellmark(at: AppTest) -> AppTest:
    at.sidebar.selectbox[0].set_value("Wellmark").run()
    return at


def outside_expanders(node) -> str:
    """What an answer shows before anything is opened: its text without the collapsed passages."""
    hidden = set()
    for expander in node.expander:
        hidden.update(bodies(expander))
    return unescape("\n".join(b for b in bodies(node) if b not in hidden))


def link_urls(node) -> list[str]:
    return [button.proto.url for button in node.get("link_button")]


def open_policy_page(query: dict[str, str], *, embedded: bool = False) -> AppTest:
    """The whole-policy page as a link from an answer opens it."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.context.update(is_embedded=embedded)
    at.query_params.update(query)
    at.run()
    at.switch_page("views/policy.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# ---------------------------------------------------------------- 3. long pastes
def test_item3_a_long_paste_is_not_sent_and_the_page_says_why_and_the_limit(app_env: Path) -> None:
    at = open_app("member")
    # a max_chars on the chat box makes the browser drop a longer paste without a word: the app checks instead
    assert at.chat_input[0].proto.max_chars == 0
    pasted = "Is prolotherapy covered for my knee? " + "lorem ipsum " * 220
    ask(at, pasted)
    assert not at.chat_message and not at.session_state["conversation_member"]
    warning = unescape(at.warning[0].value)
    assert "Not sent" in warning and f"{len(pasted):,} characters" in warning and "the limit is 2,000" in warning
    ask(at, KNEE)  # the next question goes through, and the warning has gone
    assert len(at.session_state["conversation_member"]) == 1 and not at.warning


# ---------------------------------------------------------------- 4. member page clutter
def test_item4_member_page_has_no_way_to_the_rep_console(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    navigations: list[dict] = []
    real = st.navigation

    def spy(pages, **kwargs):
        navigations.append({"pages": list(pages), **kwargs})
        return real(pages, **kwargs)

    monkeypatch.setattr(st, "navigation", spy)
    at = open_app("member")
    assert navigations and all(n["position"] == "hidden" for n in navigations)  # no menu of pages on any page
    assert [p.title for p in navigations[-1]["pages"] if p.visibility != "hidden"] == ["Member help"]
    assert "Rep console" not in shown(at) and "Rep console" not in shown(at.sidebar)
    at.switch_page("views/rep.py").run()  # the console is still served to those who have its address
    assert at.title[0].value.startswith("Policy Q&A — rep console")


def test_item4_member_answer_shows_the_quote_once(app_env: Path) -> None:
    at = wellmark(open_app("member"))
    ask(at, KNEE)
    answer = last_answer(at)
    text = outside_expanders(answer)
    assert text.count(SEED_VERDICT_QUOTE) == 1 and text.count("Knee osteoarthritis") == 1
    assert "Where this comes from" in text  # the policy, section and dates are still named under the answer
    assert "Wellmark medical policy 02.01.18 (Prolotherapy), section “Policy” · reviewed October 2020" in text


def test_item4_policy_text_shows_one_passage_with_every_highlight(app_env: Path) -> None:
    at = wellmark(open_app("member"))
    ask(at, KNEE)
    shown_passages = [m.value for m in last_answer(at).expander[0].markdown]
    seed = [p for p in shown_passages if SEED_VERDICT_QUOTE in unescape(HIGHLIGHT.sub(r"\1", p))]
    assert len(seed) == 1  # the verdict sentence and the list item sit in one passage: it is shown once ...
    highlighted = [unescape(h) for h in HIGHLIGHT.findall(seed[0])]
    assert highlighted == [SEED_VERDICT_QUOTE + ", including but not limited to:", "Knee osteoarthritis"]  # ... marked twice


# ---------------------------------------------------------------- the whole policy, one click away
@pytest.mark.parametrize(("page", "embedded"), [("member", False), ("rep", False), ("member", True)])
def test_whole_policy_opens_from_a_quote_with_it_highlighted_and_the_original_to_download(
    app_env: Path, app_corpus: Path, page: str, embedded: bool
) -> None:
    at = wellmark(open_app(page, is_embedded=embedded))
    ask(at, KNEE)
    answer = at.session_state[f"conversation_{page}"][-1].answer
    urls = link_urls(last_answer(at))
    assert urls and all(u.startswith("policy?") and u.endswith("#" + app.QUOTE_ANCHOR) for u in urls)
    query = {k: v[0] for k, v in parse_qs(urlsplit(urls[0]).query).items()}
    # the first quote is the catch-all's lead-in through the asked item: the lead-in and the item are marked
    verdict = answer.citations[0]
    marked = app.marked_spans(verdict)
    assert query["doc"] == verdict.doc_key and query["view"] == page and query["at"] == str(verdict.start)
    assert len(marked) == 2 and all(f"{a}-{b}" in query["hl"] for a, b in marked)
    assert (query.get("embed") == "true") is embedded  # an embedded page opens the policy embedded too

    policy = open_policy_page(query, embedded=embedded)
    assert policy.title[0].value == "Wellmark medical policy 02.01.18: Prolotherapy"
    assert policy.info[0].value == notice(page)
    headings = [h.value for h in policy.header]
    assert {"Description", "Policy", "Rationale", "Procedure Codes and Billing Guidelines"} <= set(headings)
    # the full canonical text, section by section, as the answer's offsets index it
    record = app.load_index(app.app_settings()).policies[verdict.doc_key]
    text_shown = [HIGHLIGHT.sub(r"\1", b) for b in bodies(policy, ("markdown",)) if app.QUOTE_MARK not in b]
    page_text = " ".join(unescape("\n".join(text_shown)).split())
    for heading, start, end in app.policy_blocks(record):
        assert " ".join(record.text[start:end].split()) in page_text, heading
    highlighted = [unescape(h) for m in policy.markdown for h in HIGHLIGHT.findall(m.value)]
    assert highlighted == [record.text[a:b] for a, b in marked] == [SEED_VERDICT_QUOTE + ", including but not limited to:",
                                                                    "Knee osteoarthritis"]
    # the heading the link's #fragment scrolls to stands right before the first quote's paragraph
    bodies_in_order = [m.value for m in policy.markdown]
    marker = next(i for i, b in enumerate(bodies_in_order) if app.QUOTE_MARK in b)
    assert HIGHLIGHT.search(bodies_in_order[marker + 1])
    downloads = policy.get("download_button")
    assert [d.proto.label for d in downloads] == ["Download the original (TXT)"]
    assert original_file(app.app_settings(), record).path == (app_corpus / SEED_DOC).resolve()


def test_whole_policy_page_refuses_what_a_url_cannot_be_trusted_with(app_env: Path) -> None:
    policy = open_policy_page({"doc": "../../../etc/passwd", "hl": "0-10"})
    assert "doesn't name a policy" in unescape(policy.warning[0].value)
    assert not policy.get("download_button") and "Customer Service" in shown(policy)
    assert app.policy_spans("5-3,a-b,0-99999999,10-20,-1-4", 100) == [(10, 20)]


def test_original_file_stays_inside_the_corpus_folder(app_corpus: Path) -> None:
    settings = Settings(corpus=app_corpus)
    meta = PolicyMeta(policy_id="X", title="X", payer="X")

    def record(doc_key: str, source: str) -> PolicyRecord:
        return PolicyRecord(doc_key, source, "", meta, (), ())

    found = original_file(settings, record(f"{app_corpus.name}/{SEED_DOC}", "elsewhere.txt"))
    assert found is not None and found.path == (app_corpus / SEED_DOC).resolve() and found.mime == "text/plain"
    assert original_file(settings, record(f"{app_corpus.name}/../../../../etc/passwd", "/etc/passwd")) is None
    assert original_file(settings, record(f"{app_corpus.name}/gone.pdf", "corpus/gone.pdf")) is None


# ---------------------------------------------------------------- 6. crisis
@pytest.mark.parametrize("page", ["member", "rep"])
def test_item6_crisis_answer_has_no_payment_disclaimer_and_988_911_are_links_to_dial(app_env: Path, page: str) -> None:
    at = open_app(page)
    ask(at, "I want to kill myself")
    answer = last_answer(at)
    text = shown(answer)
    assert "988" in text and "911" in text
    assert "promise payment" not in text and "benefits" not in text and "contract" not in text
    assert {"tel:988", "sms:988", "tel:911"} <= set(link_urls(answer))


# ---------------------------------------------------------------- 8. accessibility (what AppTest can see)
def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _rgb(hex_colour: str) -> tuple[int, ...]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


def test_item8_captions_are_readable_on_both_backgrounds() -> None:
    """Streamlit draws captions, block quotes and the sidebar's small print in the text colour at 60% opacity."""
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["theme"]
    text = _rgb(theme["textColor"])
    for background in (theme["backgroundColor"], theme["secondaryBackgroundColor"]):
        bg = _rgb(background)
        faded = tuple(0.6 * t + 0.4 * b for t, b in zip(text, bg, strict=True))
        lighter, darker = sorted((_luminance(faded), _luminance(bg)), reverse=True)
        assert (lighter + 0.05) / (darker + 0.05) >= 4.5, background


# ---------------------------------------------------------------- 9. smaller things
def test_item9_thumbs_down_asks_what_was_wrong_and_stores_it_with_the_rating(app_env: Path) -> None:
    at = wellmark(open_app("member"))
    ask(at, KNEE)
    at.feedback[0].set_value(1).run()
    assert not last_answer(at).get("form")  # a thumbs up asks nothing more
    at.feedback[0].set_value(0).run()
    answer = last_answer(at)
    reasons = answer.button_group[0]
    assert reasons.label == "What was wrong?" and list(reasons.options) == list(REASONS.values())
    reasons.set_value(["wrong_verdict", "unclear"])
    answer.text_area[0].input("Wrong for me, SSN 123-45-6789")
    answer.button[0].click().run()
    assert not at.exception
    rows = [json.loads(line) for line in app_env.read_text(encoding="utf-8").splitlines()]
    assert [r["rating"] for r in rows] == ["up", "down", "down"]
    assert rows[-1]["reasons"] == ["wrong_verdict", "unclear"] and rows[-1]["comment"] == "Wrong for me, SSN [SSN]"
    assert rows[-1]["answer_id"] == at.session_state["conversation_member"][0].answer_id
    assert not last_answer(at).get("form") and "Thanks" in shown(last_answer(at))


def test_item9_rep_sidebar_says_what_is_loaded_in_words_not_internals(app_env: Path) -> None:
    at = open_app("rep")
    text = shown(at.sidebar)
    assert re.search(r"4 policies from 4 plans, updated [A-Z][a-z]+ \d{1,2}, \d{4}", text), text
    for internal in ("generation", "gen-", "passages", "hashing", "minilm", "Index ready", "1 policies"):
        assert internal not in text
    assert app.plural(1, "policy", "policies") == "1 policy" and app.plural(9, "plan", "plans") == "9 plans"


def test_item9_rep_disclaimer_is_worded_for_a_rep(app_env: Path) -> None:
    at = wellmark(open_app("rep"))
    ask(at, KNEE)
    for text in (at.info[0].value, *bodies(last_answer(at), ("caption",))):
        assert "call Customer Service" not in text and "To reach a person" not in text, text
    assert shown(last_answer(at)).count(app.REP_READ_OUT) == 1
    assert "not medical advice" in app.REP_READ_OUT and "does not promise payment" in app.REP_READ_OUT


def test_item9_transcript_is_plain_text_with_the_disclaimer_once(app_env: Path) -> None:
    at = wellmark(open_app("rep"))
    ask(at, KNEE)
    ask(at, "and the code?")
    text = app.transcript("rep", at.session_state["conversation_rep"])
    assert "**" not in text  # the verdict label's bold markers are gone ...
    assert f"{VERDICT_LABEL['investigational']} — Wellmark medical policy 02.01.18" in text  # ... its words kept
    assert text.count(DISCLAIMER) == 1 and text.rstrip().endswith(DISCLAIMER)
    assert "Q1: " + KNEE in text and "Q2: and the code?" in text and SEED_VERDICT_QUOTE in text

