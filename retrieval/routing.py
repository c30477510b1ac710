"""Decides when a question must not be answered from a policy: crisis, member-specific, medical advice, attacks."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_CRISIS = re.compile(
    r"\b(?:kill(?:ing)? (?:my ?self|me)|suicid\w*|end(?:ing)? (?:my (?:own )?life|it all)|take my (?:own )?life|want to die|wanna die|don'?t want to (?:live|be alive)|"
    r"self[- ]?harm\w*|hurt(?:ing)? my ?self|cut(?:ting)? my ?self|overdos\w*|took too many\b|swallowed (?:a bottle|too many|all)|"
    r"can'?t breathe|cannot breathe|(?:not|isn'?t|is not|stopped|aren'?t|wasn'?t) breathing|collapsed|(?:(?:i(?:'m| am)?|i'?ve) (?:having|have|got|feel\w*)|my) (?:(?:bad|severe|sharp|crushing|sudden) )?chest pains?|chest pains? (?:right )?now|heart attack|having a stroke|unconscious|"
    r"bleeding (?:heavily|a lot|badly)|severe bleeding|emergency right now|\b911\b)",
    re.I,
)
_MEMBER_SPECIFIC = re.compile(
    r"\b(?:my (?:claims?|eob|explanation of benefits|deductible|co-?pays?|co-?insurance|out[- ]of[- ]pocket|premiums?|bills?|"
    r"balance|eligibility|enrollment|account|member id|id card|spending account|hsa|fsa|referral status|appeal)|"
    r"am i (?:eligible|enrolled|still covered|covered under)|is my (?:plan|coverage|policy) (?:active|still)|"
    r"(?:was|were|why (?:was|were|did)) (?:my|the) (?:claims?|bill|request)\b|claim (?:status|number|was denied|denied)|"
    r"\bappeal\w*\b|how much (?:will|would|do|does|did) (?:i|it cost me|we)|what (?:will|would) i (?:pay|owe)|"
    r"\b(?:cost[- ]share|deductible|co-?pay(?:ment)?s?|co-?insurance|out[- ]of[- ]pocket (?:cost|max\w*))\b|"
    r"(?:refund|reimburse) me|status of my|my (?:prior auth(?:orization)?|authorization|pre-?auth) (?:request|status)|"
    r"(?:did|has) my (?:prior auth(?:orization)?|authorization|request) (?:get )?(?:approved|denied)|"
    r"in[- ]network (?:doctor|provider)s? near me|visits? (?:do i have )?left|(?:have|got) left this year|remaining visits|"
    r"how many (?:visits|sessions|treatments) (?:do|have) i (?:have|used)|my (?:doctor|provider) (?:is|in) (?:in|out of)[- ]network)",
    re.I,
)
_MEDICAL_ADVICE = re.compile(
    r"\b(?:should i (?:get|have|try|do|take|use|stop|start|go|choose|consider|be)|"
    r"is (?:it|this|prolotherapy|that) (?:safe|right|good|a good idea|worth it) for me|"
    r"(?:would|will|could|can) (?:it|this|that|prolotherapy|[a-z]+ (?:injections?|shots?)) (?:help|cure|fix|work for) (?:me|my)|"
    r"what (?:dose|dosage|medication|medicine)|how (?:many|much|often) (?:injections?|sessions?|shots?|treatments?) (?:should|do) i|"
    r"is it safe|\bis [\w\s-]{2,40} safe for (?:me|my)|(?:what|which) (?:treatment|option|therapy) (?:is|would be) (?:best|better) for (?:me|my)|"
    r"(?:which|what) (?:one )?works? better for (?:me|my)|works? better for my|how much [\w\s-]{2,30} should (?:be|i|go)|should (?:be|go) in my|"
    r"am i a (?:good )?candidate|side effects? (?:for|in) me|what should i do about my|diagnos\w* me|"
    r"do i have (?:a |an )?[a-z]+ (?:disease|condition|syndrome|tear|infection)|"
    r"better (?:for me )?than surgery|instead of (?:surgery|physical therapy) for me)\b",
    re.I,
)
# Instructions aimed at the assistant, pasted "policy updates", and requests for things a policy reader never makes.
_INJECTION_SENTENCE = re.compile(
    r"(?:ignore|disregard|forget|override)\b[^.?!\n]{0,60}\b(?:instructions?|rules?|prompts?|guidelines|polic(?:y|ies)|above|previous|prior|everything)|"
    # "bypass your rules", never "gastric bypass" or "coronary bypass" in a question about the policy
    r"\bbypass (?:your|the|these|those|all|any)\b[^.?!\n]{0,40}\b(?:instructions?|rules?|prompts?|guidelines|filters?|safeguards?|restrictions?)|"
    r"\b(?:system prompt|system override|admin(?:istrator)? mode|(?:must|always) (?:answer|say|reply)|developer mode|jailbreak|\bDAN\b|do anything now|you are now|from now on|act as|pretend|role-?play|"
    r"new instructions?|the real policy|policy (?:update|change|amendment)s?\b|updated polic(?:y|ies)|"
    r"\bupdate\b\s*(?:\(|\d{4}|:)|memo\b|admin(?:istrator)? (?:note|override)|note to (?:the )?(?:assistant|ai|model|bot)|"
    r"(?:assistant|ai|bot|model)[,:] (?:say|tell|answer|respond|reply)|say (?:that|yes|it is)|tell (?:members|them|me|the member) (?:that|it(?:'s| is)|this is)|"
    r"respond (?:only )?(?:in|with)|answer (?:only )?(?:yes|with)|you must (?:say|answer|confirm)|confirm that|no matter what|"
    r"repeat after me|"
    # the same in the languages members most often paste from
    r"\b(?:ignora|ignoren|ignorar|ignorez|ignorer|ignoriere|ignorieren|ignori)\b|instrucciones|instru[cç][õo]es|"
    r"anweisungen|istruzioni|consignes)",
    re.I,
)
_ATTACK_REQUEST = re.compile(
    r"\b(?:(?:reveal|show|print|repeat|display|output|give me|tell me|what(?:'s| is| are)) (?:me )?(?:your |the )?(?:system |hidden |initial |original )?(?:prompt|instructions|configuration|rules)|"
    r"(?:write|draft|create|generate|make|fabricate|forge|compose)\b[^.?!]{0,40}\b(?:approval|authorization|appeal|letter|fake|polic(?:y|ies)|"
    r"determination|attestation|certificate|note|quote from|document)|"
    r"(?:dump|export|list|print|output|download)\b[^.?!]{0,30}\b(?:all|every|entire|whole|full)\b[^.?!]{0,30}\b(?:polic(?:y|ies)|documents?|database|index|members?|data|corpus)|"
    r"(?:make up|invent)\b[^.?!]{0,30}\b(?:quote|policy|statement))",
    re.I,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


@dataclass(frozen=True)
class Screened:
    text: str  # the question to answer, with attack sentences taken out
    route: str | None  # crisis | member_specific | medical_advice | off_topic | None
    injection: bool  # the question carried instructions or a pasted "update"; they were ignored


def clean(question: str) -> str:
    """Control characters, bidi overrides and zero-width characters never reach matching or the page."""
    text = unicodedata.normalize("NFKC", question)
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", text)).strip()


def screen(question: str) -> Screened:
    text = clean(question)
    if _CRISIS.search(text):
        return Screened(text, "crisis", False)
    injection = bool(_INJECTION_SENTENCE.search(text)) or bool(_ATTACK_REQUEST.search(text))
    if _ATTACK_REQUEST.search(text):
        return Screened(text, "off_topic", True)
    if injection and not strip_attack(text):
        return Screened(text, "off_topic", True)
    if _MEMBER_SPECIFIC.search(text):
        return Screened(text, "member_specific", injection)
    if _MEDICAL_ADVICE.search(text):
        return Screened(text, "medical_advice", injection)
    return Screened(text, None, injection)


def strip_attack(text: str) -> str:
    """Keep the real question: drop each sentence that carries an instruction or a pasted 'update'."""
    sentences = re.split(r"(?<=[.!?])\s+|\n+", text)
    kept = [s for s in sentences if not _INJECTION_SENTENCE.search(s) and not _ATTACK_REQUEST.search(s)]
    # a question mark marks what is really asked; prefer those sentences when any survive
    questions = [s for s in kept if s.strip().endswith("?")]
    return " ".join(questions or kept).strip()
