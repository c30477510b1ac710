"""Puts findings into words for a rep or a member: verdict labels, quotes, verified citations and route messages."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from ..errors import QuoteIntegrityError
from ..lexicon.verdicts import polarity_agrees
from ..metadata import file_name_payer
from ..models import Audience, CitationRole, Route, Unit
from ..search import PolicyRecord
from . import spanish as es
from .records import Answer, AnswerWriter, Citation
from .safety import POSITIVE, UNSURE, framed_by_criteria, home, positive_is_safe
from .understanding import Understanding
from .view import Finding
from .words import content_words

DISCLAIMER = (
    "This answer comes from an automated assistant that reads the plan's medical policies. A medical policy is not "
    "medical advice and does not promise payment: what is paid depends on the member's benefits and contract. Talk "
    "with your doctor about treatment. To reach a person, call Customer Service at the number on the member ID card."
)
CONTACT = "call Customer Service at the number on your member ID card"
VERDICT_LABEL = {
    "covered": "Covered (medically necessary)",
    "covered_with_criteria": "Covered when criteria are met",
    "investigational": "Investigational (not covered)",
    "not_medically_necessary": "Not medically necessary",
    "not_covered": "Not covered",
    "no_statement": "No statement in the policy",
}
VERDICT_PLAIN = {
    "covered": "the policy considers it medically necessary",
    "covered_with_criteria": "the policy considers it medically necessary only when certain conditions are met",
    "investigational": "the policy considers it investigational (unproven), and plans usually do not pay for investigational services",
    "not_medically_necessary": "the policy considers it not medically necessary, and plans usually do not pay for such services",
    "not_covered": "the policy says it is not covered",
    "no_statement": "the policy does not say anything about this use",
}
ROUTE_MESSAGES: dict[Route, str] = {
    "crisis": ("If you are in crisis or thinking about harming yourself, call or text 988 (Suicide & Crisis "
               "Lifeline) now. If it is an emergency, call 911 or go to the nearest emergency room."),
    "member_specific": ("I can't see claims, eligibility, benefits or costs for a member; I only read the medical "
                        f"policies. For that, {CONTACT}, or log in to the member portal."),
    "medical_advice": ("I can't give medical advice. Talk with your doctor about whether a treatment is right for "
                       "you. I can tell you what a medical policy says, for example whether a service is covered "
                       f"under the policy. To talk with a person, {CONTACT}."),
    "off_topic": ("I can only answer questions about what the plan's medical policies say, quoting them word "
                  "for word. I can't follow other instructions, write letters or approvals, or share my setup."),
}

# how an answer names the date a question asked for
DATE_NAMES = {"effective": "effective", "original": "original effective", "reviewed": "review", "revised": "revision",
              "next_review": "next review"}


def compose(answer_id: Any, question: str, audience: Audience, u: Understanding, findings: list[Finding],
            notes: list[str], started: float, writer: AnswerWriter | None, home_payer: str | None = None,
            language: str = "en") -> Answer:
    intent = u.intent if u.intent != "general" else ("coverage" if findings[0].verdict else "general")
    comparison = len(findings) > 1
    citations: list[Citation] = []
    for f in findings:
        for unit, role, score in _carrier_first(f):
            citations.append(cite(f.view.record, unit, role, score))
    citations = _dedupe(citations)
    verdict = findings[0].verdict if intent in {"coverage", "criteria"} and not (comparison and u.comparison) else None
    if verdict is not None:
        carrier = next((c for c in citations if c.role == "verdict" and c.doc_key == findings[0].view.record.doc_key), None)
        if verdict != "no_statement" and (carrier is None or not polarity_agrees(verdict, carrier.quote)):
            # the quoted sentence must state the verdict itself; otherwise say nothing rather than guess (and the
            # words must not state it either)
            verdict = None
            findings[0] = replace(findings[0], verdict=None, note=UNSURE)
    if verdict is not None and comparison and not home(findings[0], home_payer) \
            and len({f.verdict for f in findings}) > 1:
        verdict = None  # the policies disagree: each is quoted with its own position, no single verdict
    if verdict in POSITIVE and not positive_is_safe(findings[0], u):
        verdict = None
        findings[0] = replace(findings[0], verdict=None, note=UNSURE)
    if verdict == "covered" and framed_by_criteria(findings[0]):
        verdict = "covered_with_criteria"  # the same position, with the conditions the lead-in puts on it
        findings[0] = replace(findings[0], verdict=verdict)
    spanish = language == "es"
    say = (lambda f: es.say(f, u, audience, UNSURE)) if spanish else (lambda f: _say(f, u, audience))
    texts = [say(f) + (f"\n{f.remark}" if f.remark else "") for f in findings]
    if comparison:
        lead = ((("Varias pólizas tratan esto; se muestran una por una. " if spanish else
                  "Several policies in the corpus address this; they are shown one by one. "))
                if not u.comparison else "")
        if not u.payers and len({f.verdict for f in findings}) > 1 and not u.comparison:
            lead += ("No dicen lo mismo: confirme qué plan tiene el miembro. " if spanish else
                     "They differ, so check which plan the member has. ")
        body = lead + "\n\n".join(texts)
    else:
        body = texts[0]
    if audience == "member":
        body += "\n\n" + (es.MEMBER_CLOSING if spanish else
                           f"Whether your own plan pays depends on your benefits. To talk with a person, {CONTACT}. This is not medical advice; talk with your doctor about treatment.")
    if notes:
        body += "\n\n" + " ".join(notes)
    policies = tuple(_policy_summary(f.view.record) for f in findings)
    if writer is not None:
        body = writer.write(question=question, audience=audience, verdict=verdict, citations=tuple(citations), draft=body)
    return Answer(answer_id, question, audience, body, verdict, False, None, tuple(citations),
                  es.DISCLAIMER if spanish else DISCLAIMER, _ms(started), intent, policies, tuple(notes))


JOINED_QUOTE_MAX = 600  # characters: a lead-in and its item further apart than this are quoted one by one
JOINED_QUOTE_BREAKS = 3  # blank lines: a list set out one item per paragraph is still one list


def _carrier_first(f: Finding) -> list[tuple[Unit, str, float]]:
    """The citations in order. A list item that names the asked use ("Migraine recurring for more than 12 weeks") carries
    the answer with the lead-in that gives it its position: in a short list both are quoted as one passage, from the
    lead-in to the item; further down a long list the lead-in comes first and the item next."""
    cites = list(f.cites)
    carrier = next((unit for unit, role, _ in cites if role == "verdict"), None)
    if f.matched_item is None or carrier is None:
        return cites
    k = next((i for i, (unit, role, _) in enumerate(cites) if unit is f.matched_item and role == "item"), None)
    if not k:
        return cites  # no item cited, or the item already first
    item, _, score = cites.pop(k)
    if carrier.start < item.start and item.end - carrier.start <= JOINED_QUOTE_MAX \
            and f.view.record.text.count("\n\n", carrier.end, item.start) <= JOINED_QUOTE_BREAKS:
        # a short list: one quote from the lead-in to the item, so the position and the named use are read together
        joined = replace(carrier, kind="paragraph", end=item.end, catch_all=False)
        return [(joined, "verdict", score), *[c for c in cites if c[0] is not carrier]]
    cites.insert(k, (item, "item", score))
    return cites


def routed(answer_id: Any, question: str, audience: Audience, route: Route, notes: list[str], started: float,
           policy: Answer | None = None, language: str = "en") -> Answer:
    """A routed answer. For medical advice, `policy` is what the loaded policy says about the service: it follows the
    refusal as information, with its quotes, and the answer still carries no verdict (it is not advice either way)."""
    spanish = language == "es"
    answer = (es.ROUTE_MESSAGES if spanish else ROUTE_MESSAGES)[route]
    citations: tuple[Citation, ...] = ()
    policies: tuple[dict[str, Any], ...] = ()
    if policy is not None and policy.citations:
        body = policy.answer.split("\n\n")[0]
        answer += ("\n\nLo que dice la póliza sobre esto (información, no un consejo):\n" if spanish else
                   "\n\nWhat the policy says about it (information, not advice):\n") + body
        citations, policies = policy.citations, policy.policies
    if notes and route != "crisis":
        answer += "\n\n" + " ".join(notes)
    return Answer(answer_id, question, audience, answer, None, True, route, citations,
                  es.DISCLAIMER if spanish else DISCLAIMER, _ms(started), None, policies, tuple(notes))


def not_in_corpus(answer_id: Any, question: str, audience: Audience, notes: list[str], started: float,
                  message: str, language: str = "en") -> Answer:
    spanish = language == "es"
    text = f"{message} Para hablar con una persona, {es.CONTACT}." if spanish else f"{message} To ask a person, {CONTACT}."
    if notes:
        text += "\n\n" + " ".join(notes)
    return Answer(answer_id, question, audience, text, None, True, "not_in_corpus", (),
                  es.DISCLAIMER if spanish else DISCLAIMER, _ms(started), None, (), tuple(notes))


def cite(record: PolicyRecord, unit: Unit, role: CitationRole, score: float) -> Citation:
    quote = record.text[unit.start:unit.end]
    citation = Citation(record.meta.policy_id, record.meta.title, record.meta.payer, unit.section, record.source,
                        unit.start, unit.end, quote, score, record.meta.reviewed, record.meta.effective,
                        record.doc_key, role)
    if record.text[citation.start:citation.end] != citation.quote or not quote.strip():
        raise QuoteIntegrityError(f"quote {citation.start}:{citation.end} of {record.source} does not match its source")
    return citation


def _say(f: Finding, u: Understanding, audience: Audience) -> str:
    meta = f.view.record.meta
    who = f"{_payer(f.view.record)} medical policy {meta.policy_id} ({meta.title})"
    text = f.view.record.text
    quotes = [(unit, role) for unit, role, _ in f.cites if role != "support"]

    def q(unit: Unit) -> str:
        return "\u201c" + text[unit.start:unit.end] + "\u201d"

    intent = u.intent if u.intent != "general" else "coverage"
    if intent in {"coverage", "criteria"} and f.verdict is not None:
        subject = _subject(u, f)
        if audience == "rep":
            head = f"**{VERDICT_LABEL[f.verdict]}** — {who}"
            if f.verdict == "no_statement":
                head += f": the policy does not address {subject}."
            lines = [head]
        else:
            if f.verdict == "no_statement":
                lines = [f"{meta.payer}'s policy on {meta.title.lower()} (policy {meta.policy_id}) does not say anything about {subject}."]
            else:
                lines = [f"For {subject}, {VERDICT_PLAIN[f.verdict]}. This is {meta.payer}'s medical policy {meta.policy_id} ({meta.title})."]
        quoted = [q(unit) for unit, role in quotes if role in {"verdict", "item", "context", "answer"}]
        if quoted:
            lead = "The policy says" if f.verdict != "no_statement" else "What the policy does say"
            lines.append(f"{lead}: " + " … ".join(quoted[:4]))
        if f.note == "applies to uses the list does not name":
            lines.append("The statement covers all uses, including ones its list does not name.")
        if f.verdict == "covered_with_criteria" and audience == "member":
            lines.append("Your doctor's office can check whether those conditions are met.")
        return "\n".join(lines)
    if intent == "codes":
        if not quotes:
            return f"{who} lists no procedure codes."
        listed = "; ".join(text[unit.start:unit.end] for unit, _ in quotes)
        if u.codes and not any(c in listed.upper() for c in u.codes):
            return f"{who} does not list {', '.join(u.codes)}. Its codes: {listed}"
        return f"Codes in {who}: {listed}"
    if intent == "prior_approval":
        if f.note == "silent on prior approval":
            return (f"{who} does not say whether prior approval is required. To confirm, {CONTACT}."
                    if audience == "member" else
                    f"{who} says nothing about prior approval (no prior approval section). Check the member's plan documents.")
        return f"Prior approval — {who}: " + " ".join(q(unit) for unit, _ in quotes)
    if intent == "dates":
        if not quotes:
            return f"{who} does not state its dates."
        first = text[quotes[0][0].start:quotes[0][0].end]
        prefix = f"{who}: {first}"
        if f.note:
            asked = DATE_NAMES.get(u.date_field or "", u.date_field)
            prefix = f"{who} gives no {asked} date; it shows {first}"
        return prefix + "".join(f"; {text[unit.start:unit.end]}" for unit, _ in quotes[1:])
    if not quotes:
        return f"{who} does not say."
    if f.note == UNSURE:
        return (f"I can't read {who}'s position on this with confidence, so I won't state one. Read it from the policy's "
                "own words: " + " … ".join(q(unit) for unit, _ in quotes[:3]))
    return f"From {who}: " + " ".join(q(unit) for unit, _ in quotes[:2])


def _payer(record: PolicyRecord) -> str:
    """The payer as the answer names it. A payer the document never names came from its file name (the last resort
    of metadata): the answer says so instead of presenting a guess as the policy's own."""
    payer = record.meta.payer
    if payer.lower() not in record.text.lower() and payer == file_name_payer(record.source):
        return f"{payer} (payer taken from the file name)"
    return payer


def _subject(u: Understanding, f: Finding) -> str:
    title = f.view.record.meta.title
    if f.matched_item is not None:
        item = " ".join(f.view.text_of(f.matched_item).split()).rstrip(".;,:").lower()
        if set(content_words(" ".join(item.split()[:3]))) & f.view.service_words():
            return item  # "hyaluronic acid for knee conditions other than osteoarthritis" names the service itself
        return f"{title.lower()} for {item}"
    if u.indication:
        return f"{title.lower()} for {' '.join(u.surface(u.indication))}"
    return title.lower()


def _dedupe(citations: list[Citation]) -> list[Citation]:
    seen = set()
    out = []
    for c in citations:
        key = (c.doc_key, c.start, c.end)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _policy_summary(record: PolicyRecord) -> dict[str, Any]:
    m = record.meta
    return {"policy_id": m.policy_id, "title": m.title, "payer": m.payer, "reviewed": m.reviewed,
            "effective": m.effective, "revised": m.revised, "source": record.source}


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
