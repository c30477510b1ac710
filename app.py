"""Policy Q&A in the browser: a member help page and a rep console, both over the same answer engine.

`streamlit run app.py` executes this file as `__main__`; `main()` picks the pages and runs one. The pages
(`views/member.py`, `views/rep.py`) import this module as `app` and call `render_chat_page`. They live in
`views/`, not `pages/`: a `pages/` folder puts Streamlit in its legacy multipage mode, which ignores
`st.navigation` (and with it the embedded member-only view). Nothing here retrieves or decides: answers
come from `retrieval.answer.AnswerEngine`.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import string
import time
import uuid
from datetime import UTC, datetime

import streamlit as st

from retrieval import index as index_store
from retrieval.answer import DISCLAIMER, Answer, AnswerEngine, Citation
from retrieval.answer.compose import VERDICT_LABEL
from retrieval.errors import IndexBusyError, IndexMissingError, PolicyQAError, QuestionError
from retrieval.feedback import FeedbackLog
from retrieval.ingest import ingest
from retrieval.privacy import mask
from retrieval.search import CODE_PATTERN, LoadedIndex
from retrieval.settings import Settings

log = logging.getLogger("policyqa.app")

APP_TITLE = "Policy Q&A"
APP_ICON = "🩺"
AUDIENCE_TITLE = {"member": "Ask about a medical policy", "rep": "Policy Q&A — rep console"}
AUDIENCE_INTRO = {
    "member": "Ask in your own words. You'll see what the plan's medical policy says, quoted word for word.",
    "rep": "Verdict, policy, section and the sentence to read out. Follow-ups keep the context of the call.",
}
PLACEHOLDER = {"member": "Ask about a treatment…", "rep": "Ask about coverage, codes, dates…"}
CONTACT_LINE = ("**Talk to a person:** call Customer Service at the number on your member ID card "
                "(TTY 711). In a crisis, call or text **988**; in an emergency, call **911**.")

VERDICT_STYLE = {  # verdict → (chip colour, icon); the chip text is VERDICT_LABEL[verdict]
    "covered": ("green", ":material/check_circle:"),
    "covered_with_criteria": ("blue", ":material/rule:"),
    "investigational": ("orange", ":material/science:"),
    "not_medically_necessary": ("red", ":material/block:"),
    "not_covered": ("red", ":material/block:"),
    "no_statement": ("gray", ":material/help:"),
}
INTENT_CHIP = {  # an answer without a verdict still gets a chip that says what kind of answer it is
    "codes": "Codes", "prior_approval": "Prior approval", "dates": "Policy dates", "definition": "Definition",
    "evidence": "Evidence", "regulatory": "Regulatory status", "criteria": "Criteria",
}
ROUTE_CHIP = {
    "crisis": ("red", ":material/emergency:", "Crisis — call or text 988, or 911"),
    "member_specific": ("blue", ":material/support_agent:", "Needs a person"),
    "medical_advice": ("violet", ":material/stethoscope:", "Ask your doctor"),
    "not_in_corpus": ("gray", ":material/search_off:", "Not in the loaded policies"),
    "off_topic": ("gray", ":material/block:", "Outside policy questions"),
}
NEXT_STEP = {  # what the UI tells the user to do when the engine routes a question away from the policies
    "member": {
        "crisis": "**Call or text 988** (Suicide & Crisis Lifeline) now. If it is an emergency, **call 911** "
                  "or go to the nearest emergency room.",
        "member_specific": "**Next step:** call Customer Service at the number on your member ID card, or log in "
                           "to your member portal, for claims, eligibility, benefits and costs.",
        "medical_advice": "**Next step:** talk with your doctor about whether a treatment is right for you. "
                          "You can still ask here what a medical policy says about it.",
        "not_in_corpus": "**Next step:** call Customer Service at the number on your member ID card; "
                         "a person can check the policies that apply to you.",
        "off_topic": "**Try asking** whether a treatment is covered, what a policy says about it, or whether "
                     "it needs approval first.",
    },
    "rep": {
        "crisis": "**Caller may be in crisis.** Give 988 (call or text) now, or 911 for an emergency, "
                  "and follow the crisis-call procedure.",
        "member_specific": "**Member-specific:** check the claims, eligibility or benefits system; the medical "
                           "policies don't answer this.",
        "medical_advice": "**Medical advice:** refer the caller to their doctor. You can still read them what the "
                          "policy says.",
        "not_in_corpus": "**Not in the loaded policies:** check the payer's policy library or escalate. Don't guess.",
        "off_topic": "**Outside policy questions:** ask about coverage, criteria, codes, prior approval or dates.",
    },
}
BUILD_STAGE = {"load": "Reading policies", "embed": "Embedding passages", "write": "Writing the index"}
MAX_QUOTES = {"member": 3, "rep": 8}


# ---------------------------------------------------------------- safe text
_MD_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")
# GFM links bare URLs, www. names and e-mail addresses even when their punctuation is escaped; a word joiner
# (U+2060: invisible, never a line break) after the scheme or before the "@" stops that.
_AUTOLINK = re.compile(r"(?i)\b(https?|ftps?|mailto|xmpp|www)(?=[:.])|(?=@)")
WORD_JOINER = "\u2060"


def md_escape(text: str) -> str:
    """Text from a user or a document, made inert for st.markdown: every ASCII punctuation mark is escaped and
    autolinks are broken, so `<script>`, `[a](b)`, `:red[...]`, `$x$` and URLs show as the characters they are."""
    out = []
    for line in text.splitlines():
        line = re.sub(r"[^\S\n]+", " ", line)  # four leading spaces would make an indented code block
        line = _AUTOLINK.sub(lambda m: (m.group(1) or "") + WORD_JOINER, line)
        out.append(_MD_SPECIAL.sub(r"\\\1", line))
    return "  \n".join(out)


def answer_markdown(text: str) -> str:
    """The engine's answer text: it uses `**bold**` for the verdict label and nothing else; all else is escaped."""
    parts = text.split("**")
    if len(parts) % 2 == 0:  # unbalanced markers: show every character as written
        return _paragraphs(text)
    return "**".join(_paragraphs(part) for part in parts)


def _paragraphs(text: str) -> str:
    """Escaped, with the blank lines between paragraphs kept."""
    return "\n\n".join(md_escape(block) for block in re.split(r"\n\s*\n", text))


def chip(label: str, color: str, icon: str | None = None) -> str:
    """A coloured chip as a Markdown directive; `label` is escaped, so it may come from a document."""
    return f":{color}-badge[{(icon + ' ') if icon else ''}{md_escape(label)}]"


def short_title(title: str) -> str:
    """`Prolotherapy` → `prolotherapy` for use inside a sentence; `TMJ Disorder` keeps its capitals."""
    return title[:1].lower() + title[1:] if len(title) > 1 and title[1].islower() else title


# ---------------------------------------------------------------- engine (shared, cached)
def app_settings() -> Settings:
    return Settings.from_env()


@st.cache_resource(show_spinner="Loading the medical policies…", max_entries=2)
def _shared_index(settings_key: str, generation: str, _settings: Settings) -> LoadedIndex:
    """One LoadedIndex per served generation, shared by every session; a new generation loads a new one."""
    return LoadedIndex(_settings)


@st.cache_resource(max_entries=16)
def _engine(settings_key: str, generation: str, payer: str | None, _settings: Settings,
            _index: LoadedIndex) -> AnswerEngine:
    """One engine per payer filter over the shared index (it loads the model at start); holds no user data."""
    return AnswerEngine(dataclasses.replace(_settings, home_payer=payer), index=_index)


def index_key(settings: Settings) -> str:
    """What identifies a served index; the other settings (feedback file, home payer) must not split the cache."""
    return f"{settings.index.resolve()}|{settings.embedder}|{settings.chroma_url}|{settings.chroma_namespace}"


def served_generation(settings: Settings) -> str:
    generation = index_store.active_generation(settings)
    if generation is None:
        raise IndexMissingError(f"no index has been built at {settings.index}")
    return generation.name


def load_index(settings: Settings) -> LoadedIndex:
    """The served index; when none exists yet it is built here, with a progress bar, instead of failing."""
    try:
        generation = served_generation(settings)
    except IndexMissingError:
        build_index(settings)
        generation = served_generation(settings)
    return _shared_index(index_key(settings), generation, settings)


def build_index(settings: Settings) -> None:
    box = st.empty()
    with box.container():
        st.info(f"Building the policy index from {md_escape(str(settings.corpus))} — this happens once.",
                icon=":material/build:")
        bar = st.progress(0.0, text="Starting…")

        def progress(stage: str, done: int, total: int) -> None:
            bar.progress(min(1.0, done / total) if total else 1.0,
                         text=f"{BUILD_STAGE.get(stage, stage)}: {done} of {total}")

        try:
            report = ingest(settings, progress=progress)
            for source, reason in report.skipped:
                st.warning(f"Skipped {md_escape(source)}: {md_escape(reason)}")
        except IndexBusyError:
            # another session or a `policyqa ingest` is building it: wait for its generation to switch in
            bar.progress(0.5, text="Another process is building the index; waiting for it…")
            deadline = time.monotonic() + 600
            while index_store.active_generation(settings) is None and time.monotonic() < deadline:
                time.sleep(0.5)
    box.empty()


# ---------------------------------------------------------------- conversation state (per session)
@dataclasses.dataclass
class Turn:
    question: str
    answer_id: str
    answer: Answer | None = None
    error: str | None = None  # a QuestionError message: shown, and the question is not used as history


def conversation(audience: str) -> list[Turn]:
    return st.session_state.setdefault(f"conversation_{audience}", [])


def history_for(turns: list[Turn]) -> list[str]:
    """Earlier user turns that the engine answered: what a follow-up like "and the code?" is read against."""
    return [t.question for t in turns if t.answer is not None]


def ask(engine: AnswerEngine, question: str, audience: str, turns: list[Turn]) -> Turn:
    turn = Turn(question=question, answer_id=uuid.uuid4().hex[:12])
    try:
        turn.answer = engine.ask(question, history=history_for(turns), audience=audience, answer_id=turn.answer_id)
    except QuestionError as exc:
        turn.error = str(exc)
    except PolicyQAError:
        log.exception("the engine failed on a question")
        turn.error = "Something went wrong while reading the policies. Please try again, or call Customer Service."
    return turn


def on_feedback(audience: str, position: int) -> None:
    turn = conversation(audience)[position]
    value = st.session_state.get(f"feedback_{turn.answer_id}")
    rating = None if value is None else ("up" if value == 1 else "down")
    answer = turn.answer
    try:
        FeedbackLog.from_settings(app_settings()).record(
            answer_id=turn.answer_id, rating=rating, question=turn.question, audience=audience,
            verdict=answer.verdict if answer else None, route=answer.route if answer else None,
            policies=[c.policy_id for c in answer.citations] if answer else (),
        )
    except OSError:
        log.exception("feedback could not be written")
        st.toast("Sorry — your feedback could not be saved.", icon=":material/error:")
        return
    if rating is not None:
        st.toast("Thanks — your feedback was saved.", icon=":material/check:")


def transcript(audience: str, turns: list[Turn]) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"{APP_TITLE} transcript ({audience} view), {stamp}", ""]
    for n, turn in enumerate(turns, 1):
        lines.append(f"Q{n}: {mask(turn.question)}")
        if turn.answer is None:
            lines += [f"A{n}: {turn.error}", ""]
            continue
        label = VERDICT_LABEL.get(turn.answer.verdict or "") or (turn.answer.route or "")
        lines.append(f"A{n}: [{label}] answer id {turn.answer_id}" if label else f"A{n}: answer id {turn.answer_id}")
        lines += [turn.answer.render_text(), ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- rendering
def render_disclaimer() -> None:
    st.info(DISCLAIMER, icon=":material/info:")


def verdict_chips(answer: Answer, audience: str) -> list[str]:
    if answer.route is not None:
        color, icon, label = ROUTE_CHIP.get(answer.route, ("gray", None, answer.route))
        return [chip(label, color, icon)]
    chips = []
    if answer.verdict is not None:
        color, icon = VERDICT_STYLE.get(answer.verdict, ("gray", None))
        label = VERDICT_LABEL.get(answer.verdict, answer.verdict)
        chips.append(chip(("Policy: " if audience == "member" else "") + label, color, icon))
    else:
        chips.append(chip(INTENT_CHIP.get(answer.intent or "", "From the policy"), "gray", ":material/description:"))
    if audience == "rep" and answer.citations:
        first = answer.citations[0]
        chips.append(chip(f"{first.payer} {first.policy_id}", "primary", ":material/policy:"))
        chips.append(chip(f"§ {first.section}", "gray"))
    return chips


def quote_caption(c: Citation, audience: str) -> str:
    dates = " · ".join(x for x in (f"reviewed {c.reviewed}" if c.reviewed else "",
                                   f"effective {c.effective}" if c.effective else "") if x)
    if audience == "member":
        where = f"{c.payer} medical policy {c.policy_id} ({c.title}), section “{c.section}”"
    else:
        where = f"{c.payer} {c.policy_id} {c.title} · section {c.section}"
    return md_escape(where + (f" · {dates}" if dates else ""))


def passage_markdown(engine: AnswerEngine, c: Citation) -> str:
    """The passage around a quote, with the quote highlighted; every character from the document is escaped."""
    record = engine.index.policies.get(c.doc_key)
    if record is None:
        return md_escape(c.quote)
    text = record.text
    start, end = max(0, c.start - 350), min(len(text), c.end + 350)
    for chunk in engine.index.chunks:
        if chunk.doc_key == c.doc_key and chunk.start <= c.start and c.end <= chunk.end:
            start, end = chunk.start, chunk.end
            break
    before, after = text[start:c.start], text[c.end:end]
    if start > 0 and not text[start - 1].isspace():
        before = "…" + before
    if end < len(text):
        after = after + "…"
    highlighted = ":orange-background[" + md_escape(" ".join(c.quote.split())) + "]"
    return _paragraphs(before) + highlighted + _paragraphs(after)


def policy_codes(engine: AnswerEngine, doc_key: str) -> list[str]:
    """Procedure codes the policy's code section lists, for the rep's one-glance line."""
    codes: list[str] = []
    for chunk in engine.index.chunks:
        if chunk.doc_key == doc_key and chunk.section_kind == "codes":
            codes += [c for c in CODE_PATTERN.findall(chunk.text) if c not in codes]
    return codes


def render_answer(engine: AnswerEngine, turn: Turn, audience: str, position: int) -> None:
    answer = turn.answer
    if answer is None:
        st.warning(md_escape(turn.error or "No answer."), icon=":material/edit_note:")
        return
    st.markdown(" ".join(verdict_chips(answer, audience)))
    st.markdown(answer_markdown(answer.answer))
    if answer.route is not None:
        box = st.error if answer.route == "crisis" else st.info
        box(NEXT_STEP[audience].get(answer.route, NEXT_STEP[audience]["not_in_corpus"]), icon=":material/arrow_forward:")
    quotes = evidence(answer, audience)
    if quotes:
        render_quotes(engine, quotes, audience)
    if audience == "rep" or answer.route is not None:
        # a member's answer text already carries it; a rep reads it out with the quote
        st.caption(md_escape(answer.disclaimer))
    feedback, meta = st.columns([1, 4], vertical_alignment="center")
    with feedback:
        st.feedback("thumbs", key=f"feedback_{turn.answer_id}", on_change=on_feedback, args=(audience, position))
    if audience == "rep":
        meta.caption(f"Answered in {answer.latency_ms:.0f} ms · answer {turn.answer_id}")


def evidence(answer: Answer, audience: str) -> list[Citation]:
    """The quotes to show. A member sees the sentences that carry the verdict; a rep sees every supporting quote."""
    quotes = [c for c in answer.citations if c.role != "context"]
    if audience == "member" and any(c.role in {"verdict", "item"} for c in quotes):
        quotes = [c for c in quotes if c.role in {"verdict", "item"}]
    return quotes[: MAX_QUOTES[audience]] or list(answer.citations[:1])


def render_quotes(engine: AnswerEngine, quotes: list[Citation], audience: str) -> None:
    """The quotes, grouped under one line per policy section that names the policy, section and dates."""
    st.markdown("**What the policy says**" if audience == "member" else "**Evidence**")
    groups: list[list[Citation]] = []
    for c in quotes:
        if groups and (groups[-1][0].doc_key, groups[-1][0].section) == (c.doc_key, c.section):
            groups[-1].append(c)
        else:
            groups.append([c])
    for group in groups:
        st.caption(quote_caption(group[0], audience))
        if audience == "rep":
            for c in group:
                st.code(c.quote, language=None, wrap_lines=True)  # its copy icon copies the quote exactly as written
        else:
            st.markdown("\n>\n".join("> “" + md_escape(c.quote) + "”" for c in group))
    if audience == "rep":
        codes = policy_codes(engine, quotes[0].doc_key)
        if codes:
            st.caption(md_escape(f"Codes in {quotes[0].policy_id}: {', '.join(codes)}"))
    with st.expander("See the quote in the policy text", icon=":material/article:"):
        for c in quotes[:3]:
            st.caption(md_escape(f"{c.payer} {c.policy_id} {c.title} — {c.section}"))
            st.markdown(passage_markdown(engine, c))


def example_questions(engine: AnswerEngine, audience: str) -> list[str]:
    """A few questions built from the policies loaded, in the audience's words."""
    home = engine.settings.home_payer
    policies = sorted(engine.index.policies.values(), key=lambda p: (bool(home) and p.meta.payer != home, p.source))
    if not policies:
        return []
    first = policies[0].meta
    topic = short_title(first.title)
    if audience == "member":
        return [f"Is {topic} covered?", f"What is {topic}?", f"Do I need approval before getting {topic}?"]
    return [f"Is {topic} covered?", f"What's the code for {topic}?", f"Does {topic} need prior approval?",
            f"When was policy {first.policy_id} last reviewed?"]


def payer_filter(shared: LoadedIndex, settings: Settings, audience: str) -> str | None:
    """The plan chosen in the sidebar. It becomes the engine's home payer: questions naming no plan go to its policies."""
    payers = sorted({p.meta.payer for p in shared.policies.values()})
    with st.sidebar:
        st.subheader("Policies loaded" if audience == "rep" else "Policies I read")
        if len(payers) < 2:
            return None
        options = ["All plans", *payers]
        remembered = st.session_state.get("payer_filter", settings.home_payer)
        choice = st.selectbox("Your plan" if audience == "member" else "Payer", options, key=f"payer_select_{audience}",
                              index=options.index(remembered) if remembered in options else 0,
                              help="Questions that name no plan are answered from this plan's policies first.")
    payer = None if choice == "All plans" else choice
    st.session_state["payer_filter"] = payer  # survives a switch between the member and rep pages
    return payer


def render_sidebar(engine: AnswerEngine, audience: str, turns: list[Turn], payer: str | None) -> None:
    policies = sorted(engine.index.policies.values(), key=lambda p: (p.meta.payer, p.meta.policy_id))
    with st.sidebar:
        query = st.text_input("Find a policy", key=f"policy_search_{audience}", placeholder="Number, title or payer")
        shown = [p for p in policies if (not payer or p.meta.payer == payer)
                 and (not query or query.lower() in f"{p.meta.payer} {p.meta.policy_id} {p.meta.title}".lower())]
        with st.container(height=320 if len(shown) > 6 else "content", border=False):
            for p in shown:
                st.markdown(f"**{md_escape(p.meta.policy_id)}** {md_escape(p.meta.title)}  \n"
                            f":gray[{md_escape(p.meta.payer)} · reviewed {md_escape(p.meta.reviewed or 'n/a')}]")
            if not shown:
                st.caption("No policy matches.")
        if audience == "rep":
            stats = engine.index.stats()
            st.caption(md_escape(
                f"Index ready: {stats['documents']} policies, {stats['chunks']} passages, "
                f"{stats['embedder']}, generation {stats['generation']}"
            ))
            st.download_button("Download transcript", data=transcript(audience, turns), disabled=not turns,
                               file_name=f"policyqa-transcript-{datetime.now(UTC):%Y%m%d-%H%M}.txt",
                               mime="text/plain", icon=":material/download:", width="stretch")
        else:
            st.caption(f"Answers come from {len(policies)} medical {'policy' if len(policies) == 1 else 'policies'}.")
            st.markdown(CONTACT_LINE)
        if turns and st.button("Start a new conversation", icon=":material/restart_alt:", width="stretch",
                               key=f"reset_{audience}"):
            turns.clear()
            st.session_state.pop(f"examples_{audience}", None)
            st.rerun()


def queue_example(audience: str) -> None:
    picked = st.session_state.get(f"examples_{audience}")
    if picked:
        st.session_state[f"pending_question_{audience}"] = picked


def render_chat_page(audience: str) -> None:
    """One page of the app: the member help page or the rep console."""
    st.title(AUDIENCE_TITLE[audience])
    st.caption(AUDIENCE_INTRO[audience])
    render_disclaimer()  # first, so it is on screen before anything can fail or be asked
    settings = app_settings()
    try:
        shared = load_index(settings)
        payer = payer_filter(shared, settings, audience)
        engine = _engine(index_key(settings), shared.generation, payer, settings, shared)
    except PolicyQAError as exc:
        st.error(f"The policies can't be loaded right now: {md_escape(str(exc))}", icon=":material/error:")
        st.markdown(CONTACT_LINE)
        st.stop()
    turns = conversation(audience)

    # A chat input at the top level is pinned to the bottom of the page wherever it is called; calling it first
    # tells this run whether a question is coming before the examples are drawn.
    question = st.chat_input(PLACEHOLDER[audience], max_chars=settings.max_question_chars,
                             key=f"chat_input_{audience}") or st.session_state.pop(f"pending_question_{audience}", None)
    for position, turn in enumerate(turns):
        render_turn(engine, turn, audience, position)
    if not turns and not question:
        examples = example_questions(engine, audience)
        if examples:
            st.pills("Try asking", examples, format_func=md_escape, key=f"examples_{audience}",
                     on_change=queue_example, args=(audience,))
    if question:
        turn = ask(engine, question, audience, turns)
        turns.append(turn)
        render_turn(engine, turn, audience, len(turns) - 1)
    render_sidebar(engine, audience, turns, payer)  # last, so the transcript already holds this run's answer


def render_turn(engine: AnswerEngine, turn: Turn, audience: str, position: int) -> None:
    with st.chat_message("user", avatar=":material/person:"):
        st.markdown(md_escape(turn.question))
    with st.chat_message("assistant", avatar=":material/policy:"):
        render_answer(engine, turn, audience, position)


# ---------------------------------------------------------------- entry point
def main() -> None:
    embedded = bool(st.context.is_embedded)
    st.set_page_config(page_title=APP_TITLE, page_icon=APP_ICON, layout="centered",
                       initial_sidebar_state="collapsed" if embedded else "auto")
    member = st.Page("views/member.py", title="Member help", icon=":material/help:", default=True)
    rep = st.Page("views/rep.py", title="Rep console", icon=":material/support_agent:", url_path="rep")
    # Embedded on a plan's help page (`?embed=true`), the member view stands alone: no way to the rep console.
    pages = [member] if embedded else [member, rep]
    st.navigation(pages, position="hidden" if embedded else "top").run()


if __name__ == "__main__":
    main()
