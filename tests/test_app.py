"""The Streamlit front end through AppTest: disclaimer, answers with evidence, follow-ups, routes, views, feedback, safety.

Issue 12's user-interface items are in tests/test_app_issue12.py, beside the browser checks in tests/test_browser.py."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from retrieval.answer.compose import DISCLAIMER, VERDICT_LABEL
from retrieval.ingest import ingest
from retrieval.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
EVAL_CORPUS = ROOT / "evals" / "corpus"
TIMEOUT = 60  # the first run of a session loads the index

# A policy whose title and text carry a script tag and markdown links: all of it must show as plain characters.
HOSTILE_POLICY = """Test Health Plan
Policy ID: THP-001
Policy Name: Widget Therapy <script>alert('title')</script>
Effective Date: 01/01/2024
Last Review Date: 02/01/2024

Description:
Widget therapy is an invented treatment used to test that policy text renders as text. See [the claim form](http://evil.example/steal) for details.

Coverage:
Widget therapy is covered. <script>alert('xss')</script> [Click here](http://evil.example/) to learn more.
"""
KNEE = "Is prolotherapy covered for knee osteoarthritis?"
SEED_VERDICT_QUOTE = "Prolotherapy is considered investigational for all applications"


@pytest.fixture(scope="session")
def app_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped corpus plus a second prolotherapy payer, a third payer and a hostile policy."""
    corpus = tmp_path_factory.mktemp("app-corpus")
    for path in (ROOT / "corpus").iterdir():
        shutil.copy(path, corpus / path.name)
    for name in ("northwind-nwm-2.01.05-prolotherapy.txt", "bluestem-bh-med-114-acupuncture.txt"):
        shutil.copy(EVAL_CORPUS / name, corpus / name)
    (corpus / "test-plan-thp-001-widget-therapy.txt").write_text(HOSTILE_POLICY, encoding="utf-8")
    return corpus


@pytest.fixture(scope="session")
def app_index(tmp_path_factory: pytest.TempPathFactory, app_corpus: Path) -> Path:
    index = tmp_path_factory.mktemp("app-index")
    report = ingest(Settings(corpus=app_corpus, index=index, embedder="hashing"))
    assert report.documents == 4 and not report.skipped
    return index


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, app_corpus: Path, app_index: Path) -> Path:
    """Points the app at the session index; returns the feedback file this test's app writes to."""
    feedback = tmp_path / "feedback" / "feedback.jsonl"
    monkeypatch.setenv("POLICYQA_CORPUS", str(app_corpus))
    monkeypatch.setenv("POLICYQA_INDEX", str(app_index))
    monkeypatch.setenv("POLICYQA_EMBEDDER", "hashing")
    monkeypatch.setenv("POLICYQA_FEEDBACK", str(feedback))
    return feedback


def open_app(page: str = "member", **context: object) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.context.update(context)
    at.run()
    if page == "rep":
        at.switch_page("views/rep.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def last_answer(at: AppTest):
    """The last assistant chat message."""
    messages = [m for m in at.chat_message if m.name == "assistant"]
    assert messages, "no answer was rendered"
    return messages[-1]


MARKDOWN_KINDS = ("markdown", "caption", "info", "error", "warning", "success", "title")


def bodies(node, kinds: tuple[str, ...] = (*MARKDOWN_KINDS, "code")) -> list[str]:
    """Every Markdown body (and code block text) under `node`, as sent to the browser."""
    out = []
    for kind in kinds:
        out += [str(el.value) for el in node.get(kind)]
    return out


def unescape(markdown: str) -> str:
    """What the reader sees of escaped Markdown, roughly: the backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")  # a word joiner that breaks autolinks


def shown(node) -> str:
    return unescape("\n".join(bodies(node)))


# ---------------------------------------------------------------- disclaimer
def notice(page: str) -> str:
    """The disclaimer box at the top of a page: the standard one for members, the staff wording for reps."""
    import app

    return app.REP_NOTICE if page == "rep" else DISCLAIMER


@pytest.mark.parametrize("page", ["member", "rep"])
def test_disclaimer_is_on_screen_on_first_render_before_any_question(app_env: Path, page: str) -> None:
    at = open_app(page)
    assert not at.chat_message
    assert [i.value for i in at.info][0] == notice(page)
    assert "not medical advice" in DISCLAIMER and "automated assistant" in DISCLAIMER
    assert "Customer Service" in DISCLAIMER and "doctor" in DISCLAIMER and "contract" in DISCLAIMER
    text = notice(page)
    assert "not medical advice" in text and "automated assistant" in text and "does not promise payment" in text


def test_disclaimer_stays_after_questions(app_env: Path) -> None:
    at = open_app("member")
    ask(at, KNEE)
    ask(at, "What is prolotherapy?")
    assert at.info[0].value == DISCLAIMER


# ---------------------------------------------------------------- answers
def test_rep_answer_shows_verdict_chip_quote_and_citation(app_env: Path) -> None:
    at = open_app("rep")
    at.sidebar.selectbox[0].set_value("Wellmark").run()
    ask(at, KNEE)
    answer = last_answer(at)
    chips = answer.markdown[0].value
    assert ":orange-badge[" in chips and VERDICT_LABEL["investigational"].replace("(", r"\(").replace(")", r"\)") in chips
    assert r"Wellmark 02\.01\.18" in chips and r"§ Policy" in chips
    quotes = [c.value for c in answer.code]
    assert any(q.startswith(SEED_VERDICT_QUOTE) for q in quotes), quotes  # the verbatim quote, copyable
    text = shown(answer)
    assert "Wellmark 02.01.18 Prolotherapy · section Policy · reviewed October 2020 · effective November 1996" in text
    assert "Codes in 02.01.18: M0076" in text
    assert re.search(r"Answered in \d+ ms", text)


def test_member_answer_is_plain_with_quote_and_no_rep_jargon(app_env: Path) -> None:
    at = open_app("member")
    at.sidebar.selectbox[0].set_value("Wellmark").run()
    ask(at, "Does my insurance pay for prolotherapy injections for shoulder pain?")
    answer = last_answer(at)
    assert VERDICT_LABEL["investigational"] in unescape(answer.markdown[0].value)
    text = shown(answer)
    assert "The policy says: “" + SEED_VERDICT_QUOTE in text  # the policy's own words, labelled as such
    assert "Wellmark medical policy 02.01.18 (Prolotherapy), section “Policy”" in text
    assert "reviewed October 2020" in text
    assert "Customer Service" in text
    assert not answer.code and "chars" not in text and "Answered in" not in text and "answer id" not in text


def test_quote_is_highlighted_in_its_passage(app_env: Path) -> None:
    at = open_app("rep")
    at.sidebar.selectbox[0].set_value("Wellmark").run()
    ask(at, KNEE)
    passage = last_answer(at).expander[0]
    highlighted = [m.value for m in passage.markdown if ":orange-background[" in m.value]
    assert highlighted
    assert unescape(highlighted[0]).count(SEED_VERDICT_QUOTE) == 1
    assert "Achilles tendinosis" in highlighted[0]  # the surrounding passage, not just the quote


def test_follow_up_is_answered_in_the_context_of_the_conversation(app_env: Path) -> None:
    at = open_app("rep")
    at.sidebar.selectbox[0].set_value("Wellmark").run()
    ask(at, KNEE)
    ask(at, "and the code?")
    turns = at.session_state["conversation_rep"]
    assert [t.question for t in turns] == [KNEE, "and the code?"]
    assert turns[1].answer.intent == "codes"
    assert any("M0076" in c.value for c in last_answer(at).code)
    # the same words with no conversation before them name no policy at all
    fresh = open_app("rep")
    fresh.sidebar.selectbox[0].set_value("Wellmark").run()
    ask(fresh, "and the code?")
    assert not any("M0076" in c.value for c in last_answer(fresh).code)


def test_example_question_asks_it_and_the_examples_make_way(app_env: Path) -> None:
    at = open_app("member")
    examples = at.button_group[0]
    assert len(examples.options) >= 3
    first = unescape(examples.options[0])  # the options as shown are escaped Markdown
    examples.set_value(first).run()
    assert not at.exception
    turns = at.session_state["conversation_member"]
    assert len(turns) == 1 and turns[0].answer is not None
    assert turns[0].question == first
    assert not at.button_group  # once a conversation starts, the examples are gone


def test_empty_question_shows_the_engines_message(app_env: Path) -> None:
    at = open_app("member")
    ask(at, "   ")
    assert "empty" in shown(last_answer(at)).lower()
    assert at.session_state["conversation_member"][0].answer is None


# ---------------------------------------------------------------- routes
@pytest.mark.parametrize(("question", "chip", "next_step", "box"), [
    ("What is my deductible for prolotherapy?", "Needs a person", "call Customer Service", "info"),
    ("Should I get prolotherapy for my knee?", "Ask your doctor", "talk with your doctor", "info"),
    ("I want to kill myself", "988", "Call or text 988", "error"),
    ("Is gene therapy for hair loss covered?", "Not in the loaded policies", "call Customer Service", "info"),
])
def test_routed_questions_say_what_to_do_next(app_env: Path, question: str, chip: str, next_step: str, box: str) -> None:
    at = open_app("member")
    ask(at, question)
    answer = last_answer(at)
    assert chip in unescape(answer.markdown[0].value)
    assert any(next_step in el.value for el in answer.get(box)), [el.value for el in answer.get(box)]
    if box == "error":
        assert "911" in answer.error[0].value
    if chip == "Ask your doctor":
        # advice is declined, and what the loaded policy says about the service follows with its quote (issue 12, item 5)
        assert "What the policy says about it" in shown(answer)
    else:
        assert not answer.code and not answer.expander  # no quotes for a routed question


def test_crisis_in_rep_view_tells_the_rep_to_give_988_and_911(app_env: Path) -> None:
    at = open_app("rep")
    ask(at, "the caller says she wants to end her life, I want to kill myself")
    assert "988" in last_answer(at).error[0].value and "911" in last_answer(at).error[0].value
    import app

    assert app.REP_READ_OUT not in shown(last_answer(at))  # nothing about payment after a crisis, for reps either


# ---------------------------------------------------------------- audiences
def test_audience_switch_changes_the_view(app_env: Path) -> None:
    at = open_app("member")
    assert at.title[0].value == "Ask about a medical policy"
    assert not at.sidebar.get("download_button")
    at.switch_page("views/rep.py").run()
    assert at.title[0].value.startswith("Policy Q&A — rep console")
    assert at.info[0].value == notice("rep")
    assert at.sidebar.get("download_button")
    at.sidebar.selectbox[0].set_value("Wellmark").run()
    ask(at, KNEE)
    assert last_answer(at).code  # the copyable quote is a rep tool
    at.switch_page("views/member.py").run()
    assert at.title[0].value == "Ask about a medical policy"
    assert not at.chat_message  # each audience keeps its own conversation


def test_embedded_member_view_stands_alone(app_env: Path) -> None:
    at = open_app("member", is_embedded=True)
    assert at.title[0].value == "Ask about a medical policy"
    assert at.info[0].value == DISCLAIMER
    with pytest.raises(ValueError):
        at.switch_page("views/rep.py")


def test_rep_transcript_download_holds_the_conversation_masked(app_env: Path) -> None:
    at = open_app("rep")
    at.sidebar.selectbox[0].set_value("Wellmark").run()
    assert at.sidebar.get("download_button")[0].proto.disabled  # nothing to download before a question
    ask(at, "Caller SSN 123-45-6789 asks: " + KNEE)
    assert not at.sidebar.get("download_button")[0].proto.disabled  # the first answer is already in it
    import app

    text = app.transcript("rep", at.session_state["conversation_rep"])
    assert "[SSN]" in text and "123-45-6789" not in text
    assert SEED_VERDICT_QUOTE in text and text.count(DISCLAIMER) == 1


# ---------------------------------------------------------------- corpus sidebar
def listed_policies(at: AppTest) -> list[str]:
    """The policy numbers the sidebar lists, in order."""
    return [unescape(m.value).split("**")[1] for m in at.sidebar.markdown if m.value.startswith("**")]


def test_sidebar_lists_policies_and_payer_filter_picks_the_home_payer(app_env: Path) -> None:
    at = open_app("rep")
    assert listed_policies(at) == ["BH-MED-114", "NWM-2.01.05", "THP-001", "02.01.18"]  # by payer, then number
    assert "Wellmark · reviewed October 2020" in shown(at.sidebar)
    assert "4 policies from 4 plans, updated " in shown(at.sidebar)
    at.sidebar.text_input[0].input("prolo").run()
    assert listed_policies(at) == ["NWM-2.01.05", "02.01.18"]
    at.sidebar.text_input[0].input("").run()

    at.sidebar.selectbox[0].set_value("Northwind Mutual").run()
    assert listed_policies(at) == ["NWM-2.01.05"]
    ask(at, "Is prolotherapy covered?")
    assert at.session_state["conversation_rep"][-1].answer.citations[0].policy_id == "NWM-2.01.05"

    at.sidebar.selectbox[0].set_value("Wellmark").run()
    ask(at, "Is prolotherapy covered?")
    assert at.session_state["conversation_rep"][-1].answer.citations[0].policy_id == "02.01.18"


def test_missing_index_is_built_with_a_progress_bar_instead_of_failing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, app_corpus: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(EVAL_CORPUS / "bluestem-bh-med-114-acupuncture.txt", corpus)
    monkeypatch.setenv("POLICYQA_CORPUS", str(corpus))
    monkeypatch.setenv("POLICYQA_INDEX", str(tmp_path / "new-index"))
    monkeypatch.setenv("POLICYQA_EMBEDDER", "hashing")
    at = open_app("rep")
    assert (tmp_path / "new-index" / "ACTIVE.json").exists()
    assert at.info[0].value == notice("rep")
    assert listed_policies(at) == ["BH-MED-114"]
    assert not at.get("progress")  # the bar is cleared once the index is served
    ask(at, "Is acupuncture covered?")
    assert "Covered" in unescape(last_answer(at).markdown[0].value)


def test_an_unreadable_index_says_what_is_wrong_and_how_to_reach_a_person(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICYQA_EMBEDDER", "minilm")  # the session index was built with the hashing embedder
    at = open_app("member")
    assert at.info[0].value == DISCLAIMER
    message = unescape(at.error[0].value)
    assert "can't be loaded" in message and "rebuild" in message
    assert "Customer Service" in shown(at)
    assert not at.chat_input


def test_start_a_new_conversation_clears_it(app_env: Path) -> None:
    at = open_app("member")
    ask(at, KNEE)
    at.sidebar.button[0].click().run()
    assert not at.chat_message and not at.session_state["conversation_member"]
    assert at.button_group  # the example questions are back


# ---------------------------------------------------------------- feedback
def test_feedback_is_written_with_identifiers_masked(app_env: Path) -> None:
    at = open_app("rep")
    at.sidebar.selectbox[0].set_value("Wellmark").run()
    question = "Caller W123456789 (DOB 01/02/1980, 515-555-0100, SSN 123-45-6789) asks: " + KNEE
    ask(at, question)
    assert not app_env.exists()  # nothing about a question is stored until someone gives feedback
    at.feedback[0].set_value(1).run()
    assert not at.exception
    rows = [json.loads(line) for line in app_env.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1
    row = rows[0]
    turn = at.session_state["conversation_rep"][0]
    assert row["answer_id"] == turn.answer_id and row["rating"] == "up" and row["audience"] == "rep"
    assert row["verdict"] == "investigational" and row["policies"][0] == "02.01.18"
    assert row["question"] == "Caller [MEMBER_ID] (DOB [DATE], [PHONE], SSN [SSN]) asks: " + KNEE
    for raw in ("W123456789", "01/02/1980", "515-555-0100", "123-45-6789"):
        assert raw not in app_env.read_text(encoding="utf-8")

    at.feedback[0].set_value(0).run()  # a changed mind is a new line; the last one counts
    rows = [json.loads(line) for line in app_env.read_text(encoding="utf-8").splitlines()]
    assert [r["rating"] for r in rows] == ["up", "down"]


# ---------------------------------------------------------------- safety
def test_html_and_links_in_a_question_render_as_text(app_env: Path) -> None:
    at = open_app("rep")
    question = "<script>alert(1)</script> is prolotherapy covered? [click](http://evil.example) <b>bold</b>"
    ask(at, question)
    user = [m for m in at.chat_message if m.name == "user"][-1]
    body = user.markdown[0].value
    assert unescape(body) == question  # every character shows as typed
    assert_inert(at)


def test_html_and_links_in_a_policy_render_as_text(app_env: Path) -> None:
    at = open_app("rep")
    ask(at, "Is widget therapy covered?")
    answer = last_answer(at)
    assert "Covered" in unescape(answer.markdown[0].value)
    text = shown(answer)
    assert "<script>alert('xss')</script>" in text and "[Click here](http://evil.example/)" in text
    assert_inert(at)


def assert_inert(at: AppTest) -> None:
    """No element may render HTML, and every `<` or `](` that reaches Markdown must be escaped (code blocks show
    their text literally, so they are not Markdown)."""
    for el in at.get("markdown") + at.get("caption"):
        assert not el.proto.allow_html, el.value
    for body in bodies(at, MARKDOWN_KINDS):
        assert not re.search(r"(?<!\\)<", body), body
        assert not re.search(r"(?<!\\)\]\(", body), body


def test_no_unsafe_html_anywhere_in_the_front_end() -> None:
    for path in [APP, *sorted((ROOT / "views").glob("*.py"))]:
        source = path.read_text(encoding="utf-8")
        # the two st.html calls load static files, never text from a policy, a question or a URL: the stylesheet (a
        # Path, so Streamlit wraps it in <style>) and the script that scrolls the whole policy to its quote
        source = source.replace("st.html(STYLESHEET)", "", 1 if path == APP else 0)
        source = source.replace("st.html(SCROLL_TO_FRAGMENT, unsafe_allow_javascript=True)", "", 1 if path == APP else 0)
        assert "unsafe_allow" not in source and "st.html" not in source and "components" not in source, path
    import app

    css = app.STYLESHEET.read_text(encoding="utf-8")
    assert app.STYLESHEET.suffix == ".css" and "<" not in css and "url(" not in css and "@import" not in css
    script = app.SCROLL_TO_FRAGMENT.read_text(encoding="utf-8")
    # one inline script that only reads the fragment and scrolls: it writes no markup and loads nothing
    assert script.strip().startswith("<script>") and script.strip().endswith("</script>")
    assert script.count("<script") == 1 and "src=" not in script
    for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function(", "fetch(",
                  "XMLHttpRequest", "import(", "location.href =", "location.assign", "postMessage"):
        assert risky not in script, risky


def test_md_escape_makes_every_markdown_construct_inert() -> None:
    import app

    assert app.md_escape("[a](http://x.example)") == "\\[a\\]\\(http\u2060\\:\\/\\/x\\.example\\)"
    assert app.md_escape("www.x.example a@b.example") == "www\u2060\\.x\\.example a\u2060\\@b\\.example"
    assert app.md_escape("<script>") == r"\<script\>"
    assert app.md_escape(":red[x] $y$ **z**") == r"\:red\[x\] \$y\$ \*\*z\*\*"
    assert app.md_escape("    indented") == " indented"  # never an indented code block
    assert app.answer_markdown("**Investigational** — it [is](x)") == r"**Investigational** — it \[is\]\(x\)"
