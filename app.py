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
from pathlib import Path
from urllib.parse import urlencode

import streamlit as st

from retrieval import index as index_store
from retrieval.answer import DISCLAIMER, Answer, AnswerEngine, Citation, spanish
from retrieval.answer.compose import VERDICT_LABEL
from retrieval.errors import IndexBusyError, IndexMissingError, PolicyQAError, QuestionError
from retrieval.feedback import MAX_COMMENT_CHARS, REASONS, FeedbackLog
from retrieval.ingest import ingest
from retrieval.originals import original_file
from retrieval.privacy import mask
from retrieval.search import CODE_PATTERN, LoadedIndex, PolicyRecord
from retrieval.settings import Settings

log = logging.getLogger("policyqa.app")

APP_TITLE = "Policy Q&A"
# The only styling the pages add: static CSS (no markup, nothing from a user or a document) for what the theme
# cannot say: the copy button and heading links visible to keyboard users, and a focus ring on every control.
STYLESHEET = Path(__file__).resolve().parent / "views" / "app.css"
SCROLL_TO_FRAGMENT = Path(__file__).resolve().parent / "views" / "scroll_to_fragment.html"  # see the file
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
# The rep is Customer Service: their notice says what the answers are and what to check, not whom to call.
REP_NOTICE = ("For plan staff: answers are read from the plan's medical policies by an automated assistant; check "
              "them against the quoted policy text. A medical policy is not medical advice and does not promise "
              "payment: confirm the member's benefits and eligibility in their records before telling a caller what "
              "is paid.")
REP_READ_OUT = ("To read to the caller: this is what the plan's medical policy says. It is not medical advice and does "
                "not promise payment; what is paid depends on the member's benefits and contract.")
CRISIS_LINKS = (("Call 988", "tel:988"), ("Text 988", "sms:988"), ("Call 911", "tel:911"))  # tappable on a phone
TRANSCRIPT_MARKUP = re.compile(r"\*\*")  # the engine's only markup: bold around the verdict label
BUILD_STAGE = {"load": "Reading policies", "embed": "Embedding passages", "write": "Writing the index"}
MAX_QUOTES = {"member": 3, "rep": 8}
QUOTE_MARK = "Quoted in the answer"  # the heading the whole-policy page puts before the first quote ...
QUOTE_ANCHOR = "quoted-in-the-answer"  # ... and the anchor Streamlit gives it, which the link's #fragment names
MAX_HIGHLIGHTS = 20
# A question asked in Spanish is answered in Spanish (retrieval/answer/spanish.py); the page's own words follow it.
ROUTE_CHIP_ES = {
    "crisis": "Crisis: llame o envíe un texto al 988, o llame al 911",
    "member_specific": "Necesita a una persona",
    "medical_advice": "Pregunte a su médico",
    "not_in_corpus": "No está en las pólizas cargadas",
    "off_topic": "Fuera de las preguntas sobre pólizas",
}
NEXT_STEP_ES = {
    "crisis": "**Llame o envíe un texto al 988** (Línea de Prevención del Suicidio y Crisis) ahora. Si es una emergencia, "
              "**llame al 911** o vaya a la sala de emergencias más cercana.",
    "member_specific": "**Siguiente paso:** llame a Servicio al Cliente al número de su tarjeta de miembro, o entre al "
                       "portal de miembros, para reclamos, elegibilidad, beneficios y costos.",
    "medical_advice": "**Siguiente paso:** hable con su médico sobre si un tratamiento es adecuado para usted. Aquí "
                      "puede seguir preguntando qué dice una póliza médica.",
    "not_in_corpus": "**Siguiente paso:** llame a Servicio al Cliente al número de su tarjeta de miembro; una persona "
                     "puede revisar las pólizas que le aplican.",
    "off_topic": "**Pruebe a preguntar** si un tratamiento está cubierto, qué dice una póliza o si necesita aprobación "
                 "antes.",
}


def in_spanish(answer: Answer) -> bool:
    return spanish.is_spanish(answer.question)


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


def on_feedback_reasons(audience: str, position: int) -> None:
    """A thumbs down's reasons and note: a new line in the feedback file, the last for this answer id."""
    turn = conversation(audience)[position]
    answer = turn.answer
    reasons = st.session_state.get(f"feedback_reasons_{turn.answer_id}") or []
    comment = st.session_state.get(f"feedback_comment_{turn.answer_id}") or None
    try:
        FeedbackLog.from_settings(app_settings()).record(
            answer_id=turn.answer_id, rating="down", question=turn.question, audience=audience,
            verdict=answer.verdict if answer else None, route=answer.route if answer else None,
            policies=[c.policy_id for c in answer.citations] if answer else (), reasons=reasons, comment=comment,
        )
    except OSError:
        log.exception("feedback could not be written")
        st.toast("Sorry — your feedback could not be saved.", icon=":material/error:")
        return
    st.session_state[f"feedback_sent_{turn.answer_id}"] = True


def transcript(audience: str, turns: list[Turn]) -> str:
    """Plain text for the call record: each question and answer with its quotes, then the disclaimer once."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"{APP_TITLE} transcript ({audience} view), {stamp}", ""]
    disclaimer = None
    for n, turn in enumerate(turns, 1):
        lines.append(f"Q{n}: {mask(turn.question)}")
        if turn.answer is None:
            lines += [f"A{n}: {turn.error}", ""]
            continue
        answer = turn.answer
        label = VERDICT_LABEL.get(answer.verdict or "") or (answer.route or "")
        lines.append(f"A{n}: [{label}] answer id {turn.answer_id}" if label else f"A{n}: answer id {turn.answer_id}")
        lines.append(TRANSCRIPT_MARKUP.sub("", answer.answer))
        for k, c in enumerate(answer.citations, 1):
            lines.append(f"  [{k}] {c.payer} {c.policy_id} {c.title} — {c.section} [{c.start}:{c.end}]")
            lines.append("      \u201c" + " ".join(c.quote.split()) + "\u201d")  # verbatim; only line breaks folded
        lines.append("")
        disclaimer = disclaimer or answer.disclaimer
    if disclaimer:
        lines += ["—" * 3, disclaimer]
    return "\n".join(lines)


# ---------------------------------------------------------------- rendering
def render_disclaimer(audience: str) -> None:
    st.info(REP_NOTICE if audience == "rep" else DISCLAIMER, icon=":material/info:")


def render_stylesheet() -> None:
    st.html(STYLESHEET)  # a static CSS file; see STYLESHEET


def verdict_chips(answer: Answer, audience: str) -> list[str]:
    es = in_spanish(answer)
    if answer.route is not None:
        color, icon, label = ROUTE_CHIP.get(answer.route, ("gray", None, answer.route))
        return [chip(ROUTE_CHIP_ES.get(answer.route, label) if es else label, color, icon)]
    chips = []
    if answer.verdict is not None:
        color, icon = VERDICT_STYLE.get(answer.verdict, ("gray", None))
        label = (spanish.VERDICT_LABEL if es else VERDICT_LABEL).get(answer.verdict, answer.verdict)
        chips.append(chip(("Póliza: " if es else "Policy: ") * (audience == "member") + label, color, icon))
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


def highlighted_markdown(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    """text[start:end] as escaped Markdown, lines and paragraphs kept, every span in `spans` on an orange background.
    A highlight never crosses a line: each line's part of a span is its own directive, so none is left open."""
    blocks: list[str] = []
    lines: list[str] = []
    pos = start
    for line in text[start:end].split("\n"):
        line_start, line_end = pos, pos + len(line)
        pos = line_end + 1
        if not line.strip():
            if lines:
                blocks.append("  \n".join(lines))
                lines = []
            continue
        out, cursor = [], line_start
        for s, e in sorted(spans):
            s, e = max(s, cursor), min(e, line_end)
            if s >= e:
                continue
            marked = " ".join(text[s:e].split())  # folds a stray \r or tab that would end the directive
            out.append(md_escape(text[cursor:s]))
            out.append(":orange-background[" + md_escape(marked) + "]" if marked else text[s:e])
            cursor = e
        out.append(md_escape(text[cursor:line_end]))
        lines.append("".join(out))
    if lines:
        blocks.append("  \n".join(lines))
    return "\n\n".join(blocks)


def passage_bounds(engine: AnswerEngine, c: Citation) -> tuple[int, int]:
    """The retrieval passage (chunk) that holds a quote, or 350 characters either side of it."""
    for chunk in engine.index.chunks:
        if chunk.doc_key == c.doc_key and chunk.start <= c.start and c.end <= chunk.end:
            return chunk.start, chunk.end
    text = engine.index.policies[c.doc_key].text
    return max(0, c.start - 350), min(len(text), c.end + 350)


_LIST_MARK = re.compile(r"[ \t]*(?:[•\-*\u2013]|\(?[A-Za-z0-9]{1,3}[.)])?[ \t]*")


def _lead_and_item(quote: str) -> tuple[str, str] | None:
    """A lead-in quoted with a list item further down ("... including but not limited to:" ... "  • Knee
    osteoarthritis"): (the lead-in, the item's last line, its list mark included), or None for any other quote."""
    lines = quote.split("\n")
    if len(lines) < 3 or not lines[0].rstrip().endswith(":"):
        return None
    return lines[0].rstrip(), lines[-1]


def marked_spans(c: Citation) -> list[tuple[int, int]]:
    """What to highlight of a quote: the quote, or, for a lead-in quoted with its list item, the lead-in and the item,
    not every item between them."""
    parts = _lead_and_item(c.quote)
    if parts is None:
        return [(c.start, c.end)]
    lead, last = parts
    item_start = c.end - len(last) + _LIST_MARK.match(last).end()
    return [(c.start, c.start + len(lead)), (item_start, c.end)]


def _quoted_in(quote: str, said: str) -> bool:
    """The answer text already quotes it: whole, or its lead-in and its list item with the list between left out."""
    if _folded(quote) in said:
        return True
    parts = _lead_and_item(quote)
    if parts is None:
        return False
    lead, last = parts
    return _folded(lead) in said and _folded(last[_LIST_MARK.match(last).end():]) in said


def passages(engine: AnswerEngine, quotes: list[Citation]) -> list[tuple[Citation, str]]:
    """Each passage around the quotes once, with every quote inside it highlighted: (its first quote, Markdown)."""
    grouped: dict[tuple[str, int, int], list[Citation]] = {}
    for c in quotes:
        if c.doc_key in engine.index.policies:
            grouped.setdefault((c.doc_key, *passage_bounds(engine, c)), []).append(c)
    out = []
    for (doc_key, start, end), group in grouped.items():
        text = engine.index.policies[doc_key].text
        body = highlighted_markdown(text, start, end, [span for c in group for span in marked_spans(c)])
        if start > 0 and not text[start - 1].isspace():
            body = "…" + body
        if end < len(text):
            body += "…"
        out.append((group[0], body))
    return out


def policy_link(quotes: list[Citation], first: Citation, audience: str) -> str:
    """The URL (relative to the app) of the whole-policy page, every quote of `first`'s policy highlighted and the
    page scrolled to `first`. Embedded, the page stays embedded."""
    spans = ",".join(f"{a}-{b}" for c in quotes if c.doc_key == first.doc_key for a, b in marked_spans(c))
    params = {"doc": first.doc_key, "hl": spans, "at": first.start, "view": audience}
    if st.context.is_embedded:
        params["embed"] = "true"
    return "policy?" + urlencode(params) + "#" + QUOTE_ANCHOR


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
    steps = NEXT_STEP_ES if in_spanish(answer) and audience == "member" else NEXT_STEP[audience]
    if answer.route == "crisis":
        st.error(steps["crisis"], icon=":material/emergency:")
        render_crisis_links()
    elif answer.route is not None:
        st.info(steps.get(answer.route, steps["not_in_corpus"]), icon=":material/arrow_forward:")
    quotes = evidence(answer, audience)
    if quotes:
        render_quotes(engine, quotes, answer, audience)
    # After a crisis message nothing about policies or payment follows. A rep reads the disclaimer out with the
    # quote; a member's answer text already carries it, so only a routed answer needs it here.
    if answer.route != "crisis" and audience == "rep":
        st.caption(REP_READ_OUT)
    elif answer.route not in {None, "crisis"}:
        st.caption(md_escape(answer.disclaimer))
    feedback, meta = st.columns([1, 4], vertical_alignment="center")
    with feedback:
        st.feedback("thumbs", key=f"feedback_{turn.answer_id}", on_change=on_feedback, args=(audience, position))
    if audience == "rep":
        meta.caption(f"Answered in {answer.latency_ms:.0f} ms · answer {turn.answer_id}")
    if st.session_state.get(f"feedback_{turn.answer_id}") == 0:
        render_what_was_wrong(turn, audience, position)


def render_crisis_links() -> None:
    """988 and 911 as links a phone dials (or texts) with one tap."""
    for column, (label, url) in zip(st.columns(len(CRISIS_LINKS)), CRISIS_LINKS, strict=True):
        icon = ":material/sms:" if url.startswith("sms:") else ":material/call:"
        column.link_button(label, url, icon=icon, type="primary" if url == "tel:988" else "secondary", width="stretch")


def render_what_was_wrong(turn: Turn, audience: str, position: int) -> None:
    """After a thumbs down: a few choices and an optional note, stored with the rating."""
    if st.session_state.get(f"feedback_sent_{turn.answer_id}"):
        st.caption("Thanks — what you told us was saved.")
        return
    with st.form(key=f"feedback_form_{turn.answer_id}"):
        st.pills("What was wrong?", list(REASONS), format_func=REASONS.__getitem__, selection_mode="multi",
                 key=f"feedback_reasons_{turn.answer_id}")
        st.text_area("Anything else? (optional)", key=f"feedback_comment_{turn.answer_id}", max_chars=MAX_COMMENT_CHARS,
                     height=68, placeholder="Please leave out names, member IDs and other personal details.")
        st.form_submit_button("Send", icon=":material/send:", on_click=on_feedback_reasons, args=(audience, position))


def evidence(answer: Answer, audience: str) -> list[Citation]:
    """The quotes to show. A member sees the sentences that carry the verdict; a rep sees every supporting quote."""
    quotes = [c for c in answer.citations if c.role != "context"]
    if audience == "member" and any(c.role in {"verdict", "item"} for c in quotes):
        quotes = [c for c in quotes if c.role in {"verdict", "item"}]
    return quotes[: MAX_QUOTES[audience]] or list(answer.citations[:1])


def _folded(text: str) -> str:
    return " ".join(text.split())


def render_quotes(engine: AnswerEngine, quotes: list[Citation], answer: Answer, audience: str) -> None:
    """The quotes, grouped under one line per policy section that names the policy, section and dates, each group
    with a way to the whole policy. A member's answer text already quotes the policy: those quotes are not repeated."""
    said = _folded(answer.answer)
    groups: list[list[Citation]] = []
    for c in quotes:
        if groups and (groups[-1][0].doc_key, groups[-1][0].section) == (c.doc_key, c.section):
            groups[-1].append(c)
        else:
            groups.append([c])
    unsaid = [c for c in quotes if audience == "rep" or not _quoted_in(c.quote, said)]
    es = in_spanish(answer) and audience == "member"
    if audience == "rep":
        st.markdown("**Evidence**")
    elif es:
        st.markdown("**Lo que dice la póliza (sus propias palabras, en inglés)**" if unsaid else "**De dónde viene esto**")
    else:
        st.markdown("**What the policy says**" if unsaid else "**Where this comes from**")
    for group in groups:
        st.caption(quote_caption(group[0], audience))
        if audience == "rep":
            for c in group:
                st.code(c.quote, language=None, wrap_lines=True)  # its copy icon copies the quote exactly as written
        else:
            rest = [c for c in group if c in unsaid]
            if rest:
                st.markdown("\n>\n".join("> “" + md_escape(c.quote) + "”" for c in rest))
        if group[0].doc_key in engine.index.policies:
            st.link_button("Abrir la póliza completa (en inglés)" if es else "Open the whole policy",
                           policy_link(quotes, group[0], audience), type="tertiary",
                           icon=":material/open_in_new:", help="Opens the full policy text in a new tab, with this "
                           "quote highlighted, and the original file to download.")
    if audience == "rep":
        codes = policy_codes(engine, quotes[0].doc_key)
        if codes:
            st.caption(md_escape(f"Codes in {quotes[0].policy_id}: {', '.join(codes)}"))
    with st.expander("Ver la cita en el texto de la póliza" if es else "See the quote in the policy text",
                     icon=":material/article:"):
        for first, body in passages(engine, quotes)[:3]:
            st.caption(md_escape(f"{first.payer} {first.policy_id} {first.title} — {first.section}"))
            st.markdown(body)


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


@st.cache_data(max_entries=8, show_spinner=False)
def index_updated(settings_key: str, generation: str, _settings: Settings) -> str | None:
    """When the served index was built, as a date a person reads ("December 5, 2026"); None if unknown."""
    served = index_store.active_generation(_settings)
    built = served.manifest.get("built_at") if served is not None and served.name == generation else None
    if not isinstance(built, int | float):
        return None
    day = datetime.fromtimestamp(built, UTC)
    return f"{day:%B} {day.day}, {day.year}"


def plural(n: int, word: str, words: str) -> str:
    return f"{n:,} {word if n == 1 else words}"


def corpus_line(engine: AnswerEngine, updated: str | None) -> str:
    """What a rep needs to know about what is loaded: "9 policies from 6 plans, updated December 5, 2026"."""
    policies = engine.index.policies.values()
    line = (f"{plural(len(policies), 'policy', 'policies')} from "
            f"{plural(len({p.meta.payer for p in policies}), 'plan', 'plans')}")
    return line + (f", updated {updated}" if updated else "")


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
            settings = engine.settings
            st.caption(md_escape(corpus_line(engine, index_updated(index_key(settings), engine.index.generation,
                                                                   settings))))
            st.download_button("Download transcript", data=transcript(audience, turns), disabled=not turns,
                               file_name=f"policyqa-transcript-{datetime.now(UTC):%Y%m%d-%H%M}.txt",
                               mime="text/plain", icon=":material/download:", width="stretch", on_click="ignore")
        else:
            st.caption(f"Answers come from {plural(len(policies), 'medical policy', 'medical policies')}.")
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


def too_long_message(length: int, limit: int) -> str:
    return (f"**Not sent:** your message is {length:,} characters long, and the limit is {limit:,}. "
            "Paste only the part with your question, or ask one thing at a time.")


def render_chat_page(audience: str) -> None:
    """One page of the app: the member help page or the rep console."""
    render_stylesheet()
    st.title(AUDIENCE_TITLE[audience], anchor=False)
    st.caption(AUDIENCE_INTRO[audience])
    render_disclaimer(audience)  # first, so it is on screen before anything can fail or be asked
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
    # tells this run whether a question is coming before the examples are drawn. It has no max_chars: the browser
    # would silently drop a longer paste, so the length is checked here, where the user can be told.
    question = st.chat_input(PLACEHOLDER[audience], key=f"chat_input_{audience}") \
        or st.session_state.pop(f"pending_question_{audience}", None)
    too_long = None
    if question and len(question) > settings.max_question_chars:
        too_long, question = len(question), None
    for position, turn in enumerate(turns):
        render_turn(engine, turn, audience, position)
    if too_long is not None:
        st.warning(too_long_message(too_long, settings.max_question_chars), icon=":material/content_cut:")
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


# ---------------------------------------------------------------- the whole policy
def policy_spans(raw: str, length: int) -> list[tuple[int, int]]:
    """`hl=4123-4178,5000-5020` from the URL: spans inside the text, anything else dropped (it came from a URL)."""
    spans = []
    for part in raw.split(",")[:MAX_HIGHLIGHTS]:
        start, _, end = part.partition("-")
        if start.isdigit() and end.isdigit() and 0 <= int(start) < int(end) <= length:
            spans.append((int(start), int(end)))
    return spans


def policy_blocks(record: PolicyRecord) -> list[tuple[str | None, int, int]]:
    """The policy as (heading, body start, body end) in text order. A heading written in the text is shown as the
    heading and left out of the body; an inferred one (restored by the loader) is shown above its whole section."""
    text = record.text
    sections = sorted(record.sections, key=lambda s: s.start)
    blocks: list[tuple[str | None, int, int]] = []
    if not sections or sections[0].start > 0:
        blocks.append((None, 0, sections[0].start if sections else len(text)))
    for section in sections:
        body = section.start
        if not section.inferred:
            line_end = text.find("\n", section.start)
            line_end = section.end if line_end == -1 or line_end > section.end else line_end
            if section.name.casefold() in text[section.start:line_end].casefold():
                body = line_end
        blocks.append((None if section.kind == "header" else section.name, body, section.end))
    return blocks


def render_policy_page() -> None:
    """The whole policy, as the index holds it (every answer's offsets refer to this text): headings, the quoted
    spans highlighted, the page scrolled to the first one, and the original file to download."""
    render_stylesheet()
    params = st.query_params
    audience = "rep" if params.get("view") == "rep" else "member"
    settings = app_settings()
    try:
        shared = load_index(settings)
    except PolicyQAError as exc:
        st.title("Medical policy", anchor=False)
        st.error(f"The policies can't be loaded right now: {md_escape(str(exc))}", icon=":material/error:")
        st.markdown(CONTACT_LINE)
        st.stop()
    record = shared.policies.get(params.get("doc", ""))
    if record is None:
        st.title("Medical policy", anchor=False)
        st.warning("This link doesn't name a policy that is loaded here. Ask your question again and open the policy "
                   "from the answer.", icon=":material/search_off:")
        st.markdown(CONTACT_LINE)
        return
    meta, text = record.meta, record.text
    spans = policy_spans(params.get("hl", ""), len(text))
    at = params.get("at", "")
    target = int(at) if at.isdigit() and int(at) < len(text) else (spans[0][0] if spans else None)
    opened_at_quote = target is not None

    st.title(f"{meta.payer} medical policy {meta.policy_id}: {meta.title}", anchor=False)
    dates = [f"{label} {value}" for label, value in (("reviewed", meta.reviewed), ("revised", meta.revised),
                                                     ("effective", meta.effective)) if value]
    st.caption(md_escape(" · ".join(["The policy's own text", *dates])))
    render_disclaimer(audience)
    original = original_file(settings, record)
    if original is not None:
        st.download_button(f"Download the original ({original.path.suffix.lstrip('.').upper()})",
                           data=original.path.read_bytes(), file_name=original.file_name, mime=original.mime,
                           icon=":material/download:", on_click="ignore")
    else:
        st.download_button("Download the policy text", data=text, file_name=f"{meta.policy_id}.txt", mime="text/plain",
                           icon=":material/download:", on_click="ignore")
    if spans:
        st.caption("The quoted passages are highlighted.")
    st.divider()
    for heading, start, end in policy_blocks(record):
        if heading:
            st.header(md_escape(heading), anchor=False)
        if target is not None and start <= target < end:
            # the scroll target: a heading whose anchor the link's #fragment names; Streamlit scrolls it into view
            cut = text.rfind("\n\n", start, target + 1)
            cut = start if cut == -1 else cut
            if text[start:cut].strip():
                st.markdown(highlighted_markdown(text, start, cut, spans))
            st.markdown(f"### {QUOTE_MARK}")  # plain words: an icon would change the anchor
            st.markdown(highlighted_markdown(text, cut, end, spans))
            target = None
        elif text[start:end].strip():
            st.markdown(highlighted_markdown(text, start, end, spans))
    if opened_at_quote:  # Streamlit's own scroll to the quote's anchor can come too early on a busy machine
        st.html(SCROLL_TO_FRAGMENT, unsafe_allow_javascript=True)


# ---------------------------------------------------------------- entry point
def main() -> None:
    embedded = bool(st.context.is_embedded)
    st.set_page_config(page_title=APP_TITLE, page_icon=APP_ICON, layout="centered",
                       initial_sidebar_state="collapsed" if embedded else "auto")
    member = st.Page("views/member.py", title="Member help", icon=":material/help:", default=True)
    # Hidden pages are reached by their URL, never linked from another page: the member page shows no way to the rep
    # console, and the whole-policy page is opened from a quote.
    rep = st.Page("views/rep.py", title="Rep console", icon=":material/support_agent:", url_path="rep",
                  visibility="hidden")
    policy = st.Page("views/policy.py", title="Medical policy", icon=":material/article:", url_path="policy",
                     visibility="hidden")
    # Embedded on a plan's help page (`?embed=true`), the member view stands alone: the rep console is not served.
    pages = [member, policy] if embedded else [member, rep, policy]
    st.navigation(pages, position="hidden").run()


if __name__ == "__main__":
    main()
